-- Speed of the tensor engine against its peers, measured in the same run (a benchmark, not a
-- test): mm against raw cblas_sgemm, elementwise add and sum against memcpy bandwidth.
-- The peers are timed in C by the tensor_peer module (experiments/bench/tensor_peer.c, built
-- by `make bench`); dclab is timed here through its Lua API on the same sizes and values.
-- Peer and dclab runs alternate, so both see the same load on a shared machine; each figure
-- is the median of several runs (monotonic clock) after a warm-up run.
--   ./dclab experiments/bench/tensor.lua [folder-of-tensor_peer.so [runs]]
-- Bandwidth is traffic, bytes read + bytes written per second: memcpy moves 2 bytes per byte
-- copied, the in-place add x += y 3 floats per element, a sum 1.
local dc = require 'dclab'
local shared = dofile('experiments/bench/shared.lua')
local median, loadavg = shared.median, shared.loadavg

local peer_dir = arg[1] or 'build/bench'
local runs = math.tointeger(tonumber(arg[2] or '9')) or 9
package.cpath = peer_dir .. '/?.so;' .. package.cpath
local ok, peer = pcall(require, 'tensor_peer')
if not ok then
  error('tensor.lua: cannot load the peer module tensor_peer from ' .. peer_dir ..
    ' (build it with `make bench`): ' .. tostring(peer), 0)
end

-- Median seconds of the dclab function and of the peer (which times itself in C), run
-- alternately n times after one warm-up run of each.
local function race(n, dclab_fn, peer_fn)
  dclab_fn()
  peer_fn()
  local td, tp = {}, {}
  for r = 1, n do
    tp[r] = peer_fn()
    local t0 = dc.now()
    dclab_fn()
    td[r] = dc.now() - t0
  end
  return median(td), median(tp)
end

local rows = {}
-- a row of the report: work (flops or bytes) per second for dclab and the peer
local function row(name, unit, work, t_dclab, peer_name, t_peer, peer_work, goal)
  local scale = 1e9
  rows[#rows + 1] = {name, work / t_dclab / scale, unit, peer_name, peer_work / t_peer / scale,
    goal}
end

local load_before = loadavg()

-- mm: C = A @ B on n x n matrices of 0.5, as the peer's
local function bench_mm(n, n_runs, with_alloc)
  local a, b, out = dc.full({n, n}, 0.5), dc.full({n, n}, 0.5), dc.zeros(n, n)
  local flop = 2 * n ^ 3
  local name = string.format('mm %dx%d', n, n)
  local function raw() return peer.sgemm(n) end
  local td, tp = race(n_runs, function() a:mm(b, out) end, raw)
  row(name .. ', out given', 'GFLOP/s', flop, td, 'cblas_sgemm', tp, flop, 0.95)
  if with_alloc then
    td, tp = race(n_runs, function() a:mm(b):free() end, raw)
    row(name .. ', new out', 'GFLOP/s', flop, td, 'cblas_sgemm', tp, flop)
  end
  a:free()
  b:free()
  out:free()
  peer.free()
end

bench_mm(1024, runs, true)
bench_mm(4096, math.min(runs, 3), false)

-- elementwise add and sum over 64M floats, each against a memcpy split over as many
-- threads as dclab used: once on one thread, once on dclab's default count
local n = 64 * 1024 * 1024
local bytes = 4 * n
local x, y = dc.full({n}, 1.0), dc.full({n}, 0.25)
local default_threads = dc.get_num_threads()
local thread_counts = default_threads > 1 and {1, default_threads} or {1}
local total = 0
for _, t in ipairs(thread_counts) do
  dc.set_num_threads(t)
  local suffix, peer_name = string.format(', %d thr', t), string.format('memcpy %d thr', t)
  local function copy() return peer.memcpy(n, t) end
  local goal = t == default_threads and 0.5 or nil
  local td, tp = race(runs, function() x:add_(y) end, copy)
  row('add_ 64M floats (x += y)' .. suffix, 'GB/s', 3 * bytes, td, peer_name, tp, 2 * bytes, goal)
  td, tp = race(runs, function() (x + y):free() end, copy)
  row('x + y 64M, new out' .. suffix, 'GB/s', 3 * bytes, td, peer_name, tp, 2 * bytes)
  td, tp = race(runs, function() total = x:sum() end, copy)
  row('sum 64M floats' .. suffix, 'GB/s', bytes, td, peer_name, tp, 2 * bytes, goal)
end
dc.set_num_threads(default_threads)
assert(total > 0)
x:free()
y:free()
peer.free()

print(string.format('dclab tensor benchmark: median of %d alternating runs (3 for mm 4096); ' ..
  'mm: dclab %d threads, OpenBLAS %d; elementwise rows: the thread count each names, the ' ..
  'same for dclab and its memcpy', runs, dc.get_num_threads(), peer.blas_threads()))
print(string.format('load average before %s, after %s (2 cores, shared machine)', load_before,
  loadavg()))
print(string.format('%-34s %17s   %-26s %6s  %s', 'operation', 'dclab', 'peer', 'ratio', 'goal'))
for _, r in ipairs(rows) do
  local name, value, unit, peer_name, peer_value, goal = table.unpack(r, 1, 6)
  print(string.format('%-34s %8.2f %-8s   %-14s %8.2f   %6.3f  %s', name, value, unit,
    peer_name, peer_value, value / peer_value, goal and ('>= ' .. goal) or ''))
end
