-- Benchmark of DeepCluster's clustering step: dclab against FAISS from Python
-- (experiments/bench/peers/faiss_kmeans.py), on the same data, in the same run, with the same
-- thread count (both take OMP_NUM_THREADS from this environment). Prints times and ratios.
--   ./dclab experiments/bench/cluster.lua [--quick] [--rounds R]
-- --quick skips k = 1000 (about 20 s a run here). Each case alternates peer and dclab runs
-- R times (default 3) and keeps each side's best, so load from other users hits both alike.
local dc = require 'dclab'

local quick, rounds = false, 3
for i = 1, #arg do
  if arg[i] == '--quick' then quick = true end
  if arg[i] == '--rounds' then rounds = tonumber(arg[i + 1]) end
end

local PEER = 'experiments/bench/peers/faiss_kmeans.py'
local dir = os.tmpname()
os.remove(dir)
assert(os.execute('mkdir -p ' .. dir))

local function sh(cmd)
  local p = assert(io.popen(cmd))
  local out = p:read('a')
  local ok = p:close()
  if not ok then error('failed: ' .. cmd .. '\n' .. out) end
  return out
end

-- .npy reader for the two layouts the peer writes (little-endian float32 [n, d], int64 [n]),
-- used until the engine's own .npy loader is on this branch.
local function load_npy(path)
  if dc.load_npy then return dc.load_npy(path) end
  local f = assert(io.open(path, 'rb'))
  local s = f:read('a')
  f:close()
  assert(s:sub(1, 6) == '\x93NUMPY', path .. ': not a .npy file')
  local hlen = string.unpack('<I2', s, 9)
  local header = s:sub(11, 10 + hlen)
  local descr = header:match("'descr':%s*'([^']+)'")
  local dims = {}
  for v in header:match("'shape':%s*%(([^)]*)%)"):gmatch('%d+') do dims[#dims + 1] = tonumber(v) end
  assert(header:find("'fortran_order':%s*False"), path .. ': Fortran order')
  local pos = 11 + hlen
  if descr == '<f4' then
    local n, d = dims[1], dims[2]
    local out, fmt = dc.empty(n, d), '<' .. ('f'):rep(d)
    for i = 1, n do
      local row = table.pack(string.unpack(fmt, s, pos))
      pos = row[d + 1]
      row[d + 1], row.n = nil, nil
      out:narrow(1, i, 1):copy(dc.tensor{row})
    end
    return out
  end
  assert(descr == '<i8', path .. ': unsupported dtype ' .. descr)
  local n, chunk = dims[1], 1000
  local out = dc.empty(n, {dtype = 'int64'})
  for i = 1, n, chunk do
    local m = math.min(chunk, n - i + 1)
    local vals = table.pack(string.unpack('<' .. ('i8'):rep(m), s, pos))
    pos = vals[m + 1]
    vals[m + 1], vals.n = nil, nil
    out:narrow(1, i, m):copy(dc.tensor(vals, 'int64'))
  end
  return out
end

-- best (smallest) of the peer's time for a case over one more round
local peer_threads, peer_nmi
local function peer(case)
  local out = sh(string.format('/usr/bin/python3 %s time %s %s 1', PEER, dir, case))
  local t, threads, value = out:match('([%d.]+) (%d+)%s*([%d.]*)')
  peer_threads = tonumber(threads)
  if value ~= '' then peer_nmi = tonumber(value) end
  return tonumber(t)
end

local function timed(f)
  local t0 = dc.now()
  local r = f()
  return dc.now() - t0, r
end

local function report(name, mine, theirs, goal)
  print(string.format('  %-44s dclab %8.3f s   peer %8.3f s   ratio %.3f   (goal %s)', name, mine,
    theirs, mine / theirs, goal))
end

print('generating data with the peer (numpy, seed 2018) ...')
sh(string.format('/usr/bin/python3 %s gen %s', PEER, dir))
local x256 = load_npy(dir .. '/x256.npy')

-- k-means: the peer's faiss.Clustering + search against dclab's faiss_split loop (random init,
-- the same seed value) and dclab's backend = 'faiss' (the same FAISS code through the C API)
local function bench_kmeans(k, r)
  local best = {peer = math.huge, split = math.huge, faiss = math.huge}
  local loss = {}
  for _ = 1, r do
    best.peer = math.min(best.peer, peer('kmeans' .. k))
    for _, backend in ipairs{'split', 'faiss'} do
      local km = dc.cluster.kmeans{k = k, niter = 20, seed = 1234, max_points_per_centroid = 10000000,
        backend = backend == 'faiss' and 'faiss' or 'dclab'}
      local t, res = timed(function() return km:fit(x256) end)
      best[backend] = math.min(best[backend], t)
      loss[backend] = res.loss
    end
  end
  report(string.format("kmeans 60000x256 k=%d 20 it, 'faiss_split'", k), best.split, best.peer, '<= 1.10')
  report(string.format("kmeans 60000x256 k=%d 20 it, backend=faiss", k), best.faiss, best.peer, '<= 1.02')
  print(string.format('    loss: faiss_split loop %.6g, faiss backend %.6g (%+.2f%%)', loss.split,
    loss.faiss, 100 * (loss.split - loss.faiss) / loss.faiss))
end

print(string.format('OMP_NUM_THREADS=%s, %d rounds per case', os.getenv('OMP_NUM_THREADS') or '(default)', rounds))
bench_kmeans(100, rounds)
if not quick then bench_kmeans(1000, math.max(1, rounds - 1)) end
x256 = nil

local x512 = load_npy(dir .. '/x512.npy')
local best_pca, best_peer = math.huge, math.huge
for _ = 1, rounds do
  best_peer = math.min(best_peer, peer('pca'))
  local pre = dc.cluster.preprocess{pca = 256}
  best_pca = math.min(best_pca, (timed(function() return pre(x512) end)))
end
report('PCA 60000x512 -> 256, whiten, L2', best_pca, best_peer, 'none set')
x512 = nil
collectgarbage()

local a, b = load_npy(dir .. '/labels_a.npy'), load_npy(dir .. '/labels_b.npy')
local best_nmi, value = math.huge, nil
for _ = 1, rounds + 2 do
  local t, v = timed(function() return dc.metrics.nmi(a, b) end)
  best_nmi, value = math.min(best_nmi, t), v
end
local sk = peer('nmi')
print(string.format('  %-44s dclab %8.3f s   sklearn %7.3f s   (goal < 0.1 s; values %.9f vs %.9f)',
  'NMI of 1M labels (geometric)', best_nmi, sk, value, peer_nmi))
print(string.format('peer ran with %d FAISS threads', peer_threads))

os.execute('rm -rf ' .. dir)
