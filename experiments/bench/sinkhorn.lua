-- Time of dc.cluster.sinkhorn at DeepCluster-v2 / SeLa scale: N = 60,000 points (all of
-- Fashion-MNIST's training split) x K = 3,000 clusters, scores like cosine similarities.
--   ./dclab experiments/bench/sinkhorn.lua [--rounds R]
-- Prints, for 3 iterations (SwAV) and 30, every round's wall and CPU seconds, the median wall
-- time, the thread count and the load average before and after.
local dc = require 'dclab'
local shared = dofile('experiments/bench/shared.lua')

local rounds = 3
for i = 1, #arg do
  if arg[i] == '--rounds' then rounds = tonumber(arg[i + 1]) end
end

local N, K = 60000, 3000
local scores = dc.rand(N, K, {seed = 1}):mul(2):add(-1)
print(string.format('sinkhorn %d x %d, %d threads, load %s', N, K, dc.get_num_threads(),
  shared.loadavg()))
for _, iters in ipairs{3, 30} do
  local walls = {}
  for r = 1, rounds do
    local t0, c0 = dc.now(), os.clock()
    local _, info = dc.cluster.sinkhorn(scores, {iters = iters})
    walls[r] = dc.now() - t0
    print(string.format('  iters %2d  round %d: %.2f s wall, %.2f s CPU, err %.3g', iters, r,
      walls[r], os.clock() - c0, info.err))
    collectgarbage()
  end
  print(string.format('iters %d: median %.2f s', iters, shared.median(walls)))
end
print('load after ' .. shared.loadavg())
