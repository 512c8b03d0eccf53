-- Benchmark of the convnet layers against PyTorch, same models, batches and thread count:
--   (a) `small` train step (forward + backward + SGD) at batch 256, images/s
--   (b) `small` forward in evaluation at batch 256, images/s
--   (c) `alexnet` with Sobel, 224x224, train step at batch 32, images/s
--   each conv layer's forward GFLOP/s (counting direct-convolution FLOPs) as a fraction of the
--   sgemm peak measured here
--   peak resident memory of this process and of the PyTorch one
-- Timings are the best of `repeats` runs after warm-up (the machine is shared). The PyTorch
-- peer inherits this process's environment (OMP_WAIT_POLICY, ...): both run alike.
--   ./dclab experiments/bench/nn.lua [repeats=5] [threads=2]
local dc = require 'dclab'
local nn = dc.nn

local repeats = tonumber(arg and arg[1]) or 5
local threads = math.tointeger(tonumber(arg and arg[2]) or 2)
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

local function train_rate(model, x, y)
  local crit = nn.CrossEntropyLoss()
  local opt = dc.optim.sgd{lr = 0.05, momentum = 0.9, weight_decay = 1e-5}:add(model)
  model:training()
  local function step()
    model:zero_grad()
    crit:forward(model:forward(x), y)
    model:backward(x, crit:backward(model.output, y))
    opt:step()
  end
  step()
  step()
  return x:size(1) / best_time(step)
end

local function eval_rate(model, x)
  model:evaluate()
  model:forward(x)
  return x:size(1) / best_time(function() model:forward(x) end)
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

local function peak_rss_mib()
  local f = io.open('/proc/self/status')
  local kb = f and f:read('a'):match('VmHWM:%s*(%d+) kB')
  if f then f:close() end
  return kb and tonumber(kb) / 1024 or 0
end

print(string.format('dclab %s, %d threads, best of %d, OMP_WAIT_POLICY=%s', dc.version,
  dc.get_num_threads(), repeats, os.getenv('OMP_WAIT_POLICY') or '(unset)'))
local peak = sgemm_peak()

local ours = {}
local small = dc.models.small{k = 100}
local xs, ys = randn({256, 1, 28, 28}), labels(256, 100)
ours.small_train = train_rate(small, xs, ys)
ours.small_eval = eval_rate(small, xs)
local convs = conv_rates('small', small.features, small.sobel:forward(xs), {})
small, xs = nil, nil
collectgarbage()

local alex = dc.models.alexnet{k = 1000}
local xa, ya = randn({32, 3, 224, 224}), labels(32, 1000)
local keep = repeats
repeats = math.max(2, repeats // 2)
ours.alexnet_train = train_rate(alex, xa, ya)
repeats = keep
alex:evaluate()
conv_rates('alexnet', alex.features, alex.sobel:forward(xa), convs)
ours.peak_rss_mib = peak_rss_mib()
alex, xa = nil, nil
collectgarbage()

peak = math.max(peak, sgemm_peak()) -- the machine is shared: the better of two tries
print(string.format('sgemm peak (2048^3): %.1f GFLOP/s', peak))

local peer = {}
local p = io.popen(string.format('/usr/bin/python3 experiments/bench/peers/torch_nn.py %d %d 2>&1',
  threads, repeats))
for line in p:lines() do
  local k, v = line:match('^(%S+) (%S+)$')
  if k and tonumber(v) then peer[k] = tonumber(v) else print('peer: ' .. line) end
end
p:close()

print(string.format('\n%-34s %12s %12s %8s', 'images/s', 'dclab', 'pytorch', 'ratio'))
for _, row in ipairs{{'(a) small train step, batch 256', 'small_train'},
                     {'(b) small eval forward, batch 256', 'small_eval'},
                     {'(c) alexnet+sobel train, batch 32', 'alexnet_train'}} do
  local a, b = ours[row[2]], peer[row[2]]
  print(string.format('%-34s %12.1f %12s %8s', row[1], a, b and string.format('%.1f', b) or '-',
    b and string.format('%.2f', a / b) or '-'))
end
print(string.format('%-34s %12.0f %12s %8s', 'peak RSS (MiB, lower is better)', ours.peak_rss_mib,
  peer.peak_rss_mib and string.format('%.0f', peer.peak_rss_mib) or '-',
  peer.peak_rss_mib and string.format('%.2f', ours.peak_rss_mib / peer.peak_rss_mib) or '-'))
-- Winograd layers do fewer multiplies than the direct count used here: above 100% is possible
print(string.format('\n%-52s %8s %8s', 'conv forward (direct-convolution FLOPs)', 'GFLOP/s', 'of peak'))
for _, c in ipairs(convs) do
  print(string.format('%-52s %8.1f %7.0f%%', c[1], c[2], 100 * c[2] / peak))
end
