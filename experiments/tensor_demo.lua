-- A short tour of the dclab tensor engine: what `make run` shows until the DeepCluster
-- runner lands. Run: ./dclab experiments/tensor_demo.lua
local dc = require 'dclab'

local function show(label, t)
  print(string.format('%-34s %-8s %-12s %s', label, t:dtype(), table.concat(t:shape(), 'x'),
    t:numel() <= 8 and table.concat(t:contiguous():view(-1):totable(), ' ') or '...'))
end

local x = dc.tensor{{1, 2, 3}, {4, 5, 6}}
show('x = dc.tensor{{1,2,3},{4,5,6}}', x)
show('x:t()  (a view, no copy)', x:t())
show('x + dc.tensor{10,20,30} (broadcast)', x + dc.tensor{10, 20, 30})
show('x:gt(3)  (a mask)', x:gt(3))
show('dc.where(x:gt(3), x, 0)', dc.where(x:gt(3), x, 0))
show('dc.arange(12):view(3, -1)[2]', dc.arange(12):view(3, -1)[2])

local big = dc.ones(4096, 4096)
local t0 = os.clock()
big:mul_(2):add_(1)
print(string.format('in-place ops on %d floats: %.3f s CPU', big:numel(), os.clock() - t0))
