-- Every Linear layer of the `small` (batch 256) and AlexNet (batch 32) benchmarks, forward and
-- backward (input gradient, weight and bias gradients accumulated), dclab against PyTorch's
-- F.linear under the same thread count: fp32, and where the CPU has bf16 compute dclab's
-- precision 'bf16' against PyTorch's bf16 autocast. Per round each side takes the best of
-- `repeats` passes, the two sides in turns; printed: the medians over the rounds, in ms, and
-- the ratio PyTorch / dclab of forward + backward (> 1: dclab faster) with its range.
--   ./dclab experiments/bench/linear_layers.lua [rounds=3] [repeats=5] [threads=2]
local dc = require 'dclab'
local shared = dofile('experiments/bench/shared.lua')
local rounds = math.tointeger(tonumber(arg and arg[1]) or 3)
local repeats = math.tointeger(tonumber(arg and arg[2]) or 5)
local threads = math.tointeger(tonumber(arg and arg[3]) or 2)
dc.set_num_threads(threads)

shared.print_cpu(dc)
local layers = { -- name, batch, in, out
  {'small fc1', 256, 2304, 512}, {'small fc2', 256, 512, 512}, {'small head', 256, 512, 100},
  {'alexnet fc6', 32, 9216, 4096}, {'alexnet fc7', 32, 4096, 4096},
  {'alexnet head', 32, 4096, 1000},
}
local precisions = {'fp32'}
if dc.cpu().bf16 then precisions[2] = 'bf16' else print('bf16 rows skipped: no bf16 compute') end

-- dclab's best of `repeats` forward and backward passes of m, in ms
local function ours(m, x, dy)
  local f, b = math.huge, math.huge
  for _ = 1, repeats do
    f = math.min(f, dc.time(function() m:forward(x) end))
    b = math.min(b, dc.time(function() m:backward(x, dy) end))
  end
  return f * 1e3, b * 1e3
end

local ask, stop = shared.served_peer(string.format(
  '/usr/bin/python3 experiments/bench/peers/torch_linear.py %d %d', threads, repeats),
  'PyTorch peer')
print(string.format('%-13s %-5s %9s %9s %9s %9s %6s %11s', 'layer', 'prec', 'dc fwd', 'dc bwd',
  'pt fwd', 'pt bwd', 'ratio', 'range'))
for _, L in ipairs(layers) do
  local name, N, d_in, d_out = table.unpack(L)
  local x, dy = dc.randn({N, d_in}, {seed = 1}), dc.randn({N, d_out}, {seed = 2})
  for _, p in ipairs(precisions) do
    local m = dc.nn.Linear(d_in, d_out):set_precision(p)
    m:forward(x)
    m:backward(x, dy)
    local r = {df = {}, db = {}, pf = {}, pb = {}, ratio = {}}
    for _ = 1, rounds do
      local f, b = ours(m, x, dy)
      local line = ask(string.format('%d %d %d %s', N, d_in, d_out, p))
      if not line then break end
      local pf, pb = line:match('^(%S+) (%S+)$')
      pf, pb = tonumber(pf), tonumber(pb)
      r.df[#r.df + 1], r.db[#r.db + 1], r.pf[#r.pf + 1], r.pb[#r.pb + 1] = f, b, pf, pb
      r.ratio[#r.ratio + 1] = (pf + pb) / (f + b)
    end
    if #r.ratio > 0 then
      print(string.format('%-13s %-5s %9.2f %9.2f %9.2f %9.2f %6.2f %5.2f-%5.2f', name, p,
        shared.median(r.df), shared.median(r.db), shared.median(r.pf), shared.median(r.pb),
        shared.median(r.ratio), math.min(table.unpack(r.ratio)), math.max(table.unpack(r.ratio))))
    end
  end
end
stop()
print('load average at end: ' .. shared.loadavg())
