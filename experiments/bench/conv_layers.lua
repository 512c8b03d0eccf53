-- Every conv layer of the `small` (batch 256) and AlexNet (batch 32) benchmarks, timed with
-- each algorithm that can run it (im2col, Winograd F(2x2) / F(4x4), oneDNN): forward and
-- backward (input and weight gradients) in ms, best of `repeats`. What conv2d.h's AUTO rule
-- was decided from; the machine is shared, so compare within a line, not across runs.
--   ./dclab experiments/bench/conv_layers.lua [repeats=3] [threads=2]
local dc = require 'dclab'
local shared = dofile('experiments/bench/shared.lua')
local repeats = math.tointeger(tonumber(arg and arg[1]) or 3)
dc.set_num_threads(math.tointeger(tonumber(arg and arg[2]) or 2))

local function best(fn)
  local b = math.huge
  for _ = 1, repeats do b = math.min(b, dc.time(fn)) end
  return b * 1000
end

local cpu = dc.cpu()
print(string.format('CPU %s (%s): %s; AUTO convolutions: %s', cpu.brand, cpu.vendor, cpu.features,
  cpu.conv2d))
print('load average at start: ' .. shared.loadavg())
local layers = { -- name, batch, in, size, out, kernel, stride, pad
  {'small conv1', 256, 2, 28, 64, 3, 1, 1}, {'small conv2', 256, 64, 14, 128, 3, 1, 1},
  {'small conv3', 256, 128, 7, 256, 3, 1, 1}, {'small conv4', 256, 256, 7, 256, 3, 1, 1},
  {'alexnet conv1', 32, 2, 224, 96, 11, 4, 2}, {'alexnet conv2', 32, 96, 27, 256, 5, 1, 2},
  {'alexnet conv3', 32, 256, 13, 384, 3, 1, 1}, {'alexnet conv4', 32, 384, 13, 384, 3, 1, 1},
  {'alexnet conv5', 32, 384, 13, 256, 3, 1, 1},
}
print(string.format('%-14s %-10s %10s %10s', 'layer', 'algo', 'fwd ms', 'bwd ms'))
for _, L in ipairs(layers) do
  local name, N, C, H, O, k, s, p = table.unpack(L)
  local x = dc.randn({N, C, H, H}, {seed = 1})
  for _, algo in ipairs{'im2col', 'winograd2', 'winograd4', 'onednn'} do
    local ok, m = pcall(dc.nn.Conv2d, C, O, k, {stride = s, pad = p, algo = algo})
    if ok then
      local dy = dc.randn(m:forward(x):shape(), {seed = 2})
      m:backward(x, dy)
      print(string.format('%-14s %-10s %10.1f %10.1f', name, algo, best(function() m:forward(x) end),
        best(function() m:backward(x, dy) end)))
    end
  end
end
print('load average at end: ' .. shared.loadavg())
