-- One training step's forward and backward of the contrastive search's network
-- (experiments/search/contrastive.lua: conv3x3-BN-ReLU trunk, projection head) on 512 views
-- (a batch of 256 images, two views each), 28x28 grey, fp32 and bf16 timed in turns in this
-- process, at full width (64-128-256-256, dc.models.small's trunk) and half width (the
-- search's default); seconds, medians of `repeats`. The machine is shared: compare the
-- precisions within a line.
--   ./dclab experiments/bench/contrastive_step.lua [repeats=5] [threads=2]
package.path = 'experiments/search/?.lua;' .. package.path
local dc = require 'dclab'
local contrastive = require 'contrastive'
local shared = dofile('experiments/bench/shared.lua')
local repeats = math.tointeger(tonumber(arg and arg[1]) or 5)
dc.set_num_threads(math.tointeger(tonumber(arg and arg[2]) or 2))

shared.print_cpu(dc)
local precisions = dc.cpu().bf16 and {'fp32', 'bf16'} or {'fp32'}
local x = dc.rand({512, 1, 28, 28}, {seed = 1})
for _, widths in ipairs{{64, 128, 256, 256}, {32, 64, 128, 128}} do
  local runs = {}
  for _, p in ipairs(precisions) do
    local m = contrastive.net({widths = widths, hidden = 512, dim = 128}, dc.Generator(1))
    dc.nn.set_precision(m, p)
    local dy = dc.randn(m:forward(x):shape(), {seed = 2})
    m:backward(x, dy)
    runs[#runs + 1] = {p = p, m = m, dy = dy}
  end
  shared.time_in_turns(dc, runs, x, repeats)
  local line = string.format('widths %s:', table.concat(widths, '-'))
  for _, r in ipairs(runs) do
    line = line .. string.format('  %s %.2f + %.2f s', r.p, shared.median(r.f), shared.median(r.b))
  end
  print(line .. '  (forward + backward)')
end
print('load average at end: ' .. shared.loadavg())
