-- Benchmark of DeepCluster's clustering step: dclab against FAISS from Python
-- (experiments/bench/peers/faiss_kmeans.py), on the same data, in the same run, with the same
-- thread count (both take OMP_NUM_THREADS from this environment). Prints times and ratios.
--   ./dclab experiments/bench/cluster.lua [--quick] [--rounds R] [--min-seconds S]
-- --quick skips k = 1000. Each case alternates peer and dclab runs, R rounds at least (default
-- 3) and more until the peer has run S seconds (default 10: the short cases get enough rounds
-- for a 2% goal), so load from other users hits both alike. It prints the median of the
-- per-round ratios (each round's dclab time over the peer's run next to it), each side's
-- median and best, every round's time, and the load average before and after. The peer is
-- one Python process kept running for the whole benchmark (served_peer, bench/shared.lua):
-- a fresh process per run would time its first fit, which on this machine runs up to 30%
-- faster than the later fits of a long-lived process (either side's). It inherits this
-- process's environment, including the OMP_WAIT_POLICY=passive the launcher
-- sets: OpenMP threads that spin while waiting make FAISS several times slower on shared
-- cores.
local dc = require 'dclab'
local shared = dofile('experiments/bench/shared.lua')
local median, loadavg = shared.median, shared.loadavg

local quick, rounds, min_seconds = false, 3, 10
for i = 1, #arg do
  if arg[i] == '--quick' then quick = true end
  if arg[i] == '--rounds' then rounds = tonumber(arg[i + 1]) end
  if arg[i] == '--min-seconds' then min_seconds = tonumber(arg[i + 1]) end
end

local PEER = 'experiments/bench/peers/faiss_kmeans.py'
local dir = os.tmpname()
os.remove(dir)
dc.mkdirs(dir)

local function sh(cmd)
  local p = assert(io.popen(cmd))
  local out = p:read('a')
  local ok = p:close()
  if not ok then error('failed: ' .. cmd .. '\n' .. out) end
  return out
end

print('generating data with the peer (numpy, seed 2018) ...')
sh(string.format('/usr/bin/python3 %s gen %s', PEER, dir))

-- the peer's time for one run of a case, in a process kept running for the whole benchmark
-- (its data loads are not timed), as dclab's runs are in this one
local ask, stop_peer = shared.served_peer(
  string.format('/usr/bin/python3 %s serve %s', PEER, dir), 'FAISS peer')
local peer_threads, peer_nmi
local function peer(case)
  local line = ask(case, function(l) return l:match('^[%d.]+ %d+') end)
  if not line then error('the FAISS peer failed on ' .. case) end
  local t, threads, value = line:match('([%d.]+) (%d+)%s*([%d.]*)')
  peer_threads = tonumber(threads)
  if value ~= '' then peer_nmi = tonumber(value) end
  return tonumber(t)
end

local function timed(f)
  local t0 = dc.now()
  local r = f()
  return dc.now() - t0, r
end

local function best(t) return math.min(table.unpack(t)) end

-- Runs rounds of peer() then every dclab variant in order, so load from other users falls on
-- both sides alike, r rounds at least and until the peer has run min_seconds (50 at most);
-- returns {peer = {times}, [variant] = {times}} and the last result of each variant.
local function interleave(r, case, variants)
  local times, results = {peer = {}}, {}
  for _, v in ipairs(variants) do times[v.name] = {} end
  local spent = 0
  while #times.peer < 50 and (#times.peer < r or spent < min_seconds) do
    table.insert(times.peer, peer(case))
    spent = spent + times.peer[#times.peer]
    for _, v in ipairs(variants) do
      local t, res = timed(v.run)
      table.insert(times[v.name], t)
      results[v.name] = res
    end
  end
  return times, results
end

local function report(name, mine, theirs, goal)
  local ratios = {}
  for i = 1, #mine do ratios[i] = mine[i] / theirs[i] end
  print(string.format('  %-40s ratio %.3f (median of %d rounds) | median: dclab %7.3f s ' ..
    'peer %7.3f s | best: %7.3f %7.3f  (goal %s)', name, median(ratios), #ratios, median(mine),
    median(theirs), best(mine), best(theirs), goal))
end

local function each(t)
  local s = {}
  for i, v in ipairs(t) do s[i] = string.format('%.3f', v) end
  return table.concat(s, ' ')
end

local x256 = dc.load_npy(dir .. '/x256.npy')

-- k-means: the peer's faiss.Clustering + search against dclab's faiss_split loop (random init,
-- the same seed value) and dclab's backend = 'faiss' (the same FAISS code through the C API)
local function bench_kmeans(k, r)
  local function variant(name, backend)
    local km = dc.cluster.kmeans{k = k, niter = 20, seed = 1234,
      max_points_per_centroid = 10000000, backend = backend}
    return {name = name, run = function() return km:fit(x256) end}
  end
  local times, res = interleave(r, 'kmeans' .. k,
    {variant('split', 'dclab'), variant('faiss', 'faiss')})
  report(string.format("kmeans k=%d 20 it, 'faiss_split'", k), times.split, times.peer,
    '<= 1.10')
  report(string.format('kmeans k=%d 20 it, backend=faiss', k), times.faiss, times.peer,
    '<= 1.02')
  print(string.format('    every round (s): peer %s | faiss_split %s | backend=faiss %s',
    each(times.peer), each(times.split), each(times.faiss)))
  print(string.format('    loss, each from its own random start: faiss_split loop %.6g, ' ..
    'faiss backend %.6g (%+.2f%%)', res.split.loss, res.faiss.loss,
    100 * (res.split.loss - res.faiss.loss) / res.faiss.loss))
end

print(string.format('OMP_NUM_THREADS=%s OMP_WAIT_POLICY=%s, %d rounds per case at least and ' ..
  '%g s of the peer, load average %s', os.getenv('OMP_NUM_THREADS') or '(default)',
  os.getenv('OMP_WAIT_POLICY') or '(default)', rounds, min_seconds, loadavg()))
print('data: 60000 x 256 (k-means), 60000 x 512 -> 256 (PCA)')
bench_kmeans(100, rounds)
if not quick then bench_kmeans(1000, rounds) end
x256 = nil

local x512 = dc.load_npy(dir .. '/x512.npy')
local pre = dc.cluster.preprocess{pca = 256}
local pca_times = interleave(rounds, 'pca', {{name = 'pca', run = function() return pre(x512) end}})
report('PCA 512 -> 256, whiten, L2', pca_times.pca, pca_times.peer, 'none set')
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
print(string.format('threads: dclab %d, peer (FAISS) %d; load average at the end %s',
  dc.get_num_threads(), peer_threads, loadavg()))

stop_peer()
os.execute('rm -rf ' .. dir)
