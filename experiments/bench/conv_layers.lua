-- Every conv layer of the `small` (batch 256) and AlexNet (batch 32) benchmarks and of the
-- contrastive search's trunk (grey input, batch 256 = 2 x 128 views), timed with each
-- algorithm that can run it (im2col, Winograd F(2x2) / F(4x4), oneDNN, oneDNN in bf16 where
-- the CPU has it): forward and backward (input and weight gradients; the first layer's
-- input gradient is not needed in a network, but timed) in ms, the median of `repeats`
-- taken in turns over the algorithms of a layer. What conv2d.h's AUTO rule was decided
-- from; the machine is shared, so compare within a layer, not across runs.
--   ./dclab experiments/bench/conv_layers.lua [repeats=3] [threads=2]
local dc = require 'dclab'
local shared = dofile('experiments/bench/shared.lua')
local repeats = math.tointeger(tonumber(arg and arg[1]) or 3)
dc.set_num_threads(math.tointeger(tonumber(arg and arg[2]) or 2))

local cpu = dc.cpu()
shared.print_cpu(dc)
local layers = { -- name, batch, in, size, out, kernel, stride, pad
  {'small conv1', 256, 2, 28, 64, 3, 1, 1}, {'small conv2', 256, 64, 14, 128, 3, 1, 1},
  {'small conv3', 256, 128, 7, 256, 3, 1, 1}, {'small conv4', 256, 256, 7, 256, 3, 1, 1},
  {'alexnet conv1', 32, 2, 224, 96, 11, 4, 2}, {'alexnet conv2', 32, 96, 27, 256, 5, 1, 2},
  {'alexnet conv3', 32, 256, 13, 384, 3, 1, 1}, {'alexnet conv4', 32, 384, 13, 384, 3, 1, 1},
  {'alexnet conv5', 32, 384, 13, 256, 3, 1, 1},
  {'simclr conv1', 256, 1, 28, 64, 3, 1, 1}, {'simclr conv2', 256, 64, 14, 128, 3, 1, 1},
  {'simclr conv3', 256, 128, 7, 256, 3, 1, 1}, {'simclr conv4', 256, 256, 7, 256, 3, 1, 1},
}
local algos = {{'im2col'}, {'winograd2'}, {'winograd4'}, {'onednn'}}
if cpu.bf16 then algos[#algos + 1] = {'onednn', 'bf16'} end
print(string.format('%-14s %-11s %10s %10s', 'layer', 'algo', 'fwd ms', 'bwd ms'))
for _, L in ipairs(layers) do
  local name, N, C, H, O, k, s, p = table.unpack(L)
  local x = dc.randn({N, C, H, H}, {seed = 1})
  local runs = {}
  for _, a in ipairs(algos) do
    local ok, m = pcall(dc.nn.Conv2d, C, O, k, {stride = s, pad = p, algo = a[1]})
    if ok then
      if a[2] then m:set_precision(a[2]) end
      local dy = dc.randn(m:forward(x):shape(), {seed = 2})
      m:backward(x, dy)
      runs[#runs + 1] = {name = a[1] .. (a[2] and ' ' .. a[2] or ''), m = m, dy = dy}
    end
  end
  shared.time_in_turns(dc, runs, x, repeats)
  for _, r in ipairs(runs) do
    print(string.format('%-14s %-11s %10.1f %10.1f', name, r.name, shared.median(r.f) * 1000,
      shared.median(r.b) * 1000))
  end
end
print('load average at end: ' .. shared.loadavg())
