-- One whole DeepCluster epoch of the main job's recipe (experiments/fashion_mnist.lua: the
-- small network with Sobel, batch 256, k-means with k = 100 on PCA-whitened + L2 features,
-- uniform-per-cluster sampling, a fresh head, one training pass with random crops and flips)
-- on the first N Fashion-MNIST train images, against a PyTorch + FAISS peer doing the same
-- recipe (experiments/bench/peers/torch_epoch.py) served in the same run: each round times
-- one dclab epoch and the peer's epochs in NCHW and channels_last (fp32), then the same in bf16
-- where the CPU has it (PyTorch: torch.autocast + channels_last). Every epoch starts from a
-- fresh network. Ratios: the median over rounds of peer time / dclab time (> 1: dclab is
-- faster), fp32 against the peer's faster layout. Last line: the peak resident memory of both
-- processes over all their epochs (the peer's DataLoader workers are processes of their own:
-- the largest of them is printed beside it).
--   ./dclab experiments/bench/epoch.lua [rounds=1] [n=10000] [k=100] [threads=2]
local dc = require 'dclab'
local shared = dofile('experiments/bench/shared.lua')

local rounds = math.tointeger(tonumber(arg and arg[1]) or 1)
local n = math.tointeger(tonumber(arg and arg[2]) or 10000)
local k = math.tointeger(tonumber(arg and arg[3]) or 100)
local threads = math.tointeger(tonumber(arg and arg[4]) or 2)
dc.set_num_threads(threads)

local cpu = dc.cpu()
print(string.format('dclab %s, %d threads, %d rounds, %d images, k = %d', dc.version, threads, rounds, n, k))
shared.print_cpu(dc)

local data = dc.data.fashion_mnist{split = 'train'}:subset(n)
local tf = dc.data.fashion_mnist_transforms()

-- One epoch on a fresh network: {features, cluster, train} seconds.
local function ours(precision, seed)
  local run = dc.deepcluster{
    model = dc.models.small{sobel = true, generator = dc.Generator(seed)}, data = data, k = k,
    epochs = 1, batch = 256, seed = seed, threads = threads, transforms = tf, verbose = false,
    progress = false, precision = precision,
  }
  local s = run:step()
  run = nil
  -- the next round builds a new network: free this one's buffers first, as a script running
  -- one recipe would never hold two
  collectgarbage()
  return {s.t_features, s.t_cluster, s.t_train}
end

local precisions = cpu.bf16 and {'fp32', 'bf16'} or {'fp32'}
if not cpu.bf16 then print('bf16 rows skipped: this CPU has no AVX512_BF16 or AMX-BF16') end
local ask, stop = shared.served_peer(string.format(
  '/usr/bin/python3 experiments/bench/peers/torch_epoch.py %d %d %d', threads, n, k),
  'PyTorch + FAISS peer')
local function peer(precision, layout)
  local line = ask(precision .. ' ' .. layout, function(l) return l:match('^[%d.]+ [%d.]+ [%d.]+$') end)
  if not line then return nil end
  local t = {}
  for v in line:gmatch('%S+') do t[#t + 1] = tonumber(v) end
  return t
end
local function total(t) return t and t[1] + t[2] + t[3] end

local res = {}
for r = 1, rounds do
  for _, p in ipairs(precisions) do
    local e = res[p] or {ours = {}, peer = {}, ratio = {}, layout = {}}
    res[p] = e
    local o = ours(p, r)
    local best
    for _, layout in ipairs(p == 'fp32' and {'nchw', 'cl'} or {'cl'}) do
      local t = peer(p, layout)
      if t and (not best or total(t) < total(best)) then best, e.layout[r] = t, layout end
    end
    e.ours[r], e.peer[r] = o, best
    if best then e.ratio[#e.ratio + 1] = total(best) / total(o) end
    print(string.format('round %d %s: dclab %.1f s (%.1f + %.1f + %.1f), peer %s, load average %s',
      r, p, total(o), o[1], o[2], o[3], best and string.format('%.1f s (%.1f + %.1f + %.1f, %s)',
      total(best), best[1], best[2], best[3], e.layout[r]) or 'failed', shared.loadavg()))
  end
end
local peer_rss = ask('peak_rss_mib', function(l) return l:match('^[%d.]+ [%d.]+$') end)
stop()

print(string.format('\n%-6s %-30s %-30s %7s', 'epoch', 'dclab s (features+cluster+train)',
  'peer s (same)', 'peer/dclab'))
for _, p in ipairs(precisions) do
  local e = res[p]
  local function med(list, i)
    local xs = {}
    for _, t in ipairs(list) do xs[#xs + 1] = i and t[i] or total(t) end
    return #xs > 0 and shared.median(xs) or 0 / 0
  end
  print(string.format('%-6s %-30s %-30s %7s', p,
    string.format('%.1f (%.1f+%.1f+%.1f)', med(e.ours), med(e.ours, 1), med(e.ours, 2), med(e.ours, 3)),
    #e.peer > 0 and string.format('%.1f (%.1f+%.1f+%.1f) %s', med(e.peer), med(e.peer, 1),
      med(e.peer, 2), med(e.peer, 3), e.layout[#e.layout] == 'cl' and 'channels_last' or 'NCHW') or '-',
    #e.ratio > 0 and string.format('%.2f', shared.median(e.ratio)) or '-'))
end
local main, worker = (peer_rss or ''):match('^(%S+) (%S+)$')
print(string.format('peak RSS over all epochs: dclab %.0f MiB, peer %s', shared.peak_rss_mib(),
  main and string.format('%.0f MiB (its largest DataLoader worker: %.0f MiB)', tonumber(main),
  tonumber(worker)) or '-'))
print('load average at end: ' .. shared.loadavg())
