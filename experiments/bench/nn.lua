-- Benchmark of the convnet layers against PyTorch, same models, batches and thread count:
--   (a) `small` train step (forward + backward + SGD) at batch 256, images/s
--   (b) `small` forward in evaluation at batch 256, images/s
--   (c) `alexnet` with Sobel, 224x224, train step at batch 32, images/s
--   (a-c) again in bf16 on CPUs that have it (dclab: nn.set_precision 'bf16'; PyTorch:
--   torch.autocast('cpu', dtype=torch.bfloat16), both layouts)
--   each conv layer's forward GFLOP/s (counting direct-convolution FLOPs) as a fraction of the
--   sgemm peak measured here
-- The machine is shared, so the PyTorch peer is served (bench/shared.lua): both sides are
-- timed case by case, round after round, under the same load; each round's rate is the best
-- of `repeats` steps, and the ratio printed is the median of the per-round ratios against the
-- peer's faster layout (NCHW or channels_last, measured every round, the winner printed).
-- The peer inherits this process's environment (OMP_WAIT_POLICY, ...): both run alike.
--   ./dclab experiments/bench/nn.lua [repeats=5] [threads=2] [rounds=3]
local dc = require 'dclab'
local nn = dc.nn

local shared = dofile('experiments/bench/shared.lua')
local repeats = tonumber(arg and arg[1]) or 5
local threads = math.tointeger(tonumber(arg and arg[2]) or 2)
local rounds = math.tointeger(tonumber(arg and arg[3]) or 3)
dc.set_num_threads(threads) -- OpenMP and OpenBLAS; the peer calls torch.set_num_threads

local function best_time(fn)
  local best = math.huge
  for _ = 1, repeats do
    local t = dc.now()
    fn()
    best = math.min(best, dc.now() - t)
  end
  return best
end

local function randn(shape)
  return dc.randn(shape, {seed = 1})
end

local function labels(n, k)
  return dc.randint(1, k, {n}, {seed = 2})
end

-- A function timing one step of training (rate of the best of `reps` steps, images/s).
local function train_timer(model, x, y, reps)
  local crit = nn.CrossEntropyLoss()
  local opt = dc.optim.sgd{lr = 0.05, momentum = 0.9, weight_decay = 1e-5}:add(model)
  local function step()
    model:zero_grad()
    crit:forward(model:forward(x), y)
    model:backward(x, crit:backward(model.output, y))
    opt:step()
  end
  return function()
    model:training()
    step()
    local best = math.huge
    for _ = 1, reps do best = math.min(best, dc.time(step)) end
    return x:size(1) / best
  end
end

local function eval_timer(model, x, reps)
  return function()
    model:evaluate()
    model:forward(x)
    local best = math.huge
    for _ = 1, reps do best = math.min(best, dc.time(function() model:forward(x) end)) end
    return x:size(1) / best
  end
end

-- sgemm roof: the best rate of a 2048^3 product through the Linear kernel
local function sgemm_peak()
  local x, w = randn({2048, 2048}), randn({2048, 2048})
  local y = dc.core.linear_forward(x, w, nil, nil)
  local t = best_time(function() dc.core.linear_forward(x, w, nil, y) end)
  return 2 * 2048 ^ 3 / t / 1e9
end

-- Forward GFLOP/s of every conv of a Sequential fed x (timed one by one on its own input).
local function conv_rates(name, seq, x, out)
  for i, m in ipairs(seq.modules) do
    if m.class_name == 'Conv2d' then
      local c = m.cfg
      m:forward(x)
      local s = m.output:shape()
      local flops = 2 * s[1] * s[2] * s[3] * s[4] * c.in_ch * c.kh * c.kw
      local t = best_time(function() m:forward(x) end)
      out[#out + 1] = {string.format('%s %s (%d)', name, tostring(m), i), flops / t / 1e9}
    end
    x = m:forward(x)
  end
  return out
end

local cpu = dc.cpu()
print(string.format('dclab %s, %d threads, %d rounds of best of %d, OMP_WAIT_POLICY=%s', dc.version,
  dc.get_num_threads(), rounds, repeats, os.getenv('OMP_WAIT_POLICY') or '(unset)'))
shared.print_cpu(dc)
local peak = sgemm_peak()

local small = dc.models.small{k = 100}
local xs, ys = randn({256, 1, 28, 28}), labels(256, 100)
local alex = dc.models.alexnet{k = 1000}
local xa, ya = randn({32, 3, 224, 224}), labels(32, 1000)
local cases = {
  {'small_train', '(a) small train step, batch 256', train_timer(small, xs, ys, repeats)},
  {'small_eval', '(b) small eval forward, batch 256', eval_timer(small, xs, repeats)},
  {'alexnet_train', '(c) alexnet+sobel train, batch 32',
   train_timer(alex, xa, ya, math.max(2, repeats // 2))},
}
if cpu.bf16 then
  local small16 = nn.set_precision(dc.models.small{k = 100}, 'bf16')
  local alex16 = nn.set_precision(dc.models.alexnet{k = 1000}, 'bf16')
  cases[#cases + 1] = {'small_train_bf16', '(a) bf16', train_timer(small16, xs, ys, repeats)}
  cases[#cases + 1] = {'small_eval_bf16', '(b) bf16', eval_timer(small16, xs, repeats)}
  cases[#cases + 1] = {'alexnet_train_bf16', '(c) bf16',
    train_timer(alex16, xa, ya, math.max(2, repeats // 2))}
else
  print('bf16 rows skipped: this CPU has no AVX512_BF16 or AMX-BF16')
end

local ask, stop_peer = shared.served_peer(string.format(
  '/usr/bin/python3 experiments/bench/peers/torch_nn.py %d %d', threads, repeats), 'PyTorch peer')
local res = {}
for r = 1, rounds do
  for _, c in ipairs(cases) do
    local e = res[c[1]] or {ours = {}, nchw = {}, cl = {}, ratio = {}}
    res[c[1]] = e
    local ours = c[3]()
    local line = ask(c[1], function(l) return l:match('^[%d.]+ [%d.]+$') end)
    local nchw, cl = line and tonumber(line:match('^(%S+)')), line and tonumber(line:match('(%S+)$'))
    e.ours[r] = ours
    if nchw then
      e.nchw[#e.nchw + 1], e.cl[#e.cl + 1] = nchw, cl
      e.ratio[#e.ratio + 1] = ours / math.max(nchw, cl)
    end
  end
  print(string.format('round %d done, load average %s', r, shared.loadavg()))
end
local peer_rss = tonumber(ask('peak_rss_mib') or '')
stop_peer()

local convs = conv_rates('small', small.features, small.sobel:forward(xs), {})
alex:evaluate()
conv_rates('alexnet', alex.features, alex.sobel:forward(xa), convs)
local our_rss = shared.peak_rss_mib()
small, xs, alex, xa = nil, nil, nil, nil
collectgarbage()
peak = math.max(peak, sgemm_peak()) -- the machine is shared: the better of two tries
print(string.format('sgemm peak (2048^3): %.1f GFLOP/s', peak))

local function med(xs) return #xs > 0 and string.format('%.1f', shared.median(xs)) or '-' end
print(string.format('\n%-34s %9s %9s %9s %7s %8s  %s', 'images/s (medians)', 'dclab', 'pt NCHW',
  'pt CL', 'ratio', 'range', 'peer layout'))
for _, c in ipairs(cases) do
  local e = res[c[1]]
  local lo, hi = math.huge, 0
  for _, x in ipairs(e.ratio) do lo, hi = math.min(lo, x), math.max(hi, x) end
  local layout = #e.nchw > 0 and (shared.median(e.cl) > shared.median(e.nchw) and 'channels_last'
    or 'NCHW') or '-'
  print(string.format('%-34s %9s %9s %9s %7s %8s  %s', c[2], med(e.ours), med(e.nchw), med(e.cl),
    #e.ratio > 0 and string.format('%.2f', shared.median(e.ratio)) or '-',
    #e.ratio > 0 and string.format('%.2f-%.2f', lo, hi) or '-', layout))
end
-- the peer holds both layouts' copies of both models and their optimizers: not comparable
print(string.format('peak RSS: dclab %.0f MiB (peer with both layouts: %s MiB)', our_rss,
  peer_rss and string.format('%.0f', peer_rss) or '-'))
print('load average at end: ' .. shared.loadavg())
-- Winograd layers do fewer multiplies than the direct count used here: above 100% is possible
print(string.format('\n%-52s %8s %8s', 'conv forward (direct-convolution FLOPs)', 'GFLOP/s', 'of peak'))
for _, c in ipairs(convs) do
  print(string.format('%-52s %8.1f %7.0f%%', c[1], c[2], 100 * c[2] / peak))
end
