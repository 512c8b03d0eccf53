-- Benchmark of DeepCluster's clustering step: dclab against FAISS from Python
-- (experiments/bench/peers/faiss_kmeans.py), on the same data, in the same run, with the same
-- thread count (both take OMP_NUM_THREADS from this environment). Prints times and ratios.
--   ./dclab experiments/bench/cluster.lua [--quick] [--rounds R]
-- --quick skips k = 1000. Each case alternates peer and dclab runs R times (default 3) and
-- keeps each side's best, so load from other users hits both alike. The peer inherits this
-- process's environment, including the OMP_WAIT_POLICY=passive the launcher sets: OpenMP
-- threads that spin while waiting make FAISS several times slower on shared cores.
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
local x256 = dc.load_npy(dir .. '/x256.npy')

-- k-means: the peer's faiss.Clustering + search against dclab's faiss_split loop (random init,
-- the same seed value) and dclab's backend = 'faiss' (the same FAISS code through the C API)
local function bench_kmeans(k, r)
  local best = {peer = math.huge, split = math.huge, faiss = math.huge}
  local loss = {}
  for _ = 1, r do
    best.peer = math.min(best.peer, peer('kmeans' .. k))
    for _, backend in ipairs{'split', 'faiss'} do
      local km = dc.cluster.kmeans{k = k, niter = 20, seed = 1234,
        max_points_per_centroid = 10000000, backend = backend == 'faiss' and 'faiss' or 'dclab'}
      local t, res = timed(function() return km:fit(x256) end)
      best[backend] = math.min(best[backend], t)
      loss[backend] = res.loss
    end
  end
  report(string.format("kmeans 60000x256 k=%d 20 it, 'faiss_split'", k), best.split, best.peer,
    '<= 1.10')
  report(string.format('kmeans 60000x256 k=%d 20 it, backend=faiss', k), best.faiss, best.peer,
    '<= 1.02')
  print(string.format('    loss, each from its own random start: faiss_split loop %.6g, ' ..
    'faiss backend %.6g (%+.2f%%)', loss.split, loss.faiss,
    100 * (loss.split - loss.faiss) / loss.faiss))
end

print(string.format('OMP_NUM_THREADS=%s OMP_WAIT_POLICY=%s, %d rounds per case',
  os.getenv('OMP_NUM_THREADS') or '(default)', os.getenv('OMP_WAIT_POLICY') or '(default)', rounds))
bench_kmeans(100, rounds)
if not quick then bench_kmeans(1000, math.max(1, rounds - 1)) end
x256 = nil

local x512 = dc.load_npy(dir .. '/x512.npy')
local best_pca, best_peer = math.huge, math.huge
for _ = 1, rounds do
  best_peer = math.min(best_peer, peer('pca'))
  local pre = dc.cluster.preprocess{pca = 256}
  best_pca = math.min(best_pca, (timed(function() return pre(x512) end)))
end
report('PCA 60000x512 -> 256, whiten, L2', best_pca, best_peer, 'none set')
x512 = nil
collectgarbage()

local a, b = dc.load_npy(dir .. '/labels_a.npy'), dc.load_npy(dir .. '/labels_b.npy')
local best_nmi, value = math.huge, nil
for _ = 1, rounds + 2 do
  local t, v = timed(function() return dc.metrics.nmi(a, b) end)
  best_nmi, value = math.min(best_nmi, t), v
end
local sk = peer('nmi')
print(string.format('  %-44s dclab %8.3f s   sklearn %7.3f s   (goal < 0.1 s; values %.9f vs %.9f)',
  'NMI of 1M labels (geometric)', best_nmi, sk, value, peer_nmi))
print(string.format('threads: dclab %d, peer (FAISS) %d', dc.get_num_threads(), peer_threads))

os.execute('rm -rf ' .. dir)
