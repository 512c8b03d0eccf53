-- Benchmark of the JPEG data path against PIL + torchvision, on the same files in the same
-- run, one core each:
--   (a) decode + RandomResizedCrop(224) + RandomHorizontalFlip + Normalize (training)
--   (b) decode + Resize(256) + CenterCrop(224) + Normalize (DeepCluster's feature pass)
-- and the time to load all of Fashion-MNIST (70k images) from its IDX files.
--   ./dclab experiments/bench/data.lua [N = 2000] [ROUNDS = 3]
-- Each round times, for every case, one pass of dclab then one of the peer (a process kept
-- running, fed through a FIFO), so a load change on the shared machine hits both; the ratio
-- printed is the median of the rounds' ratios, and every round's ratio is printed too. Both
-- sides make one untimed pass of each case first. Rates are per core: images per second of
-- CPU time of the whole process (os.clock here, time.process_time in the peer; one worker
-- thread here, torch.set_num_threads(1) there), which another job on the machine disturbs
-- far less than wall-clock time; the wall-clock ratios are printed as well.
-- The photos (about 500x375, colour, 4:2:0, quality 90) are random crops and scales of the
-- photos Debian ships (matplotlib's grace_hopper.jpg, scikit-learn's china.jpg and
-- flower.jpg), made once into $DCLAB_BENCH_PHOTOS (default build/bench-photos).
local dc = require 'dclab'
local shared = dofile('experiments/bench/shared.lua')
local median = shared.median
local T = dc.transforms

local N = tonumber(arg and arg[1]) or 2000
local ROUNDS = tonumber(arg and arg[2]) or 3
local DIR = os.getenv('DCLAB_BENCH_PHOTOS') or 'build/bench-photos'
local SOURCES = {
  '/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg',
  '/usr/lib/python3/dist-packages/sklearn/datasets/images/china.jpg',
  '/usr/lib/python3/dist-packages/sklearn/datasets/images/flower.jpg',
}
local PEER = '/usr/bin/python3 experiments/bench/peers/torchvision_data.py'
local MEAN, STD = {0.485, 0.456, 0.406}, {0.229, 0.224, 0.225}

local function count_jpegs(dir)
  local ok, ds = pcall(dc.data.image_folder, {root = dir, layout = 'flat'})
  return ok and #ds or 0
end

-- The benchmark photos: landscape 500x375 and, one in four, portrait 375x500.
local function make_photos()
  local src = DIR .. '-sources'
  assert(os.execute('rm -rf ' .. DIR .. ' ' .. src))
  dc.mkdirs(DIR)
  dc.mkdirs(src)
  local found = 0
  for _, p in ipairs(SOURCES) do
    local f = io.open(p, 'rb')
    if f then
      f:close()
      found = found + 1
      assert(os.execute(string.format("ln -s '%s' '%s/%d.jpg'", p, src, found)))
    end
  end
  if found == 0 then
    -- no Debian photo: Fashion-MNIST upscaled (grey, so the colour path is not measured)
    io.stderr:write('data bench: no source photo found; using Fashion-MNIST upscaled\n')
    dc.data.export_jpeg(dc.data.fashion_mnist{split = 'test'}:subset(N), src, {size = 375})
  end
  local photos = dc.data.image_folder{root = src, layout = 'flat'}
  local function crops(h, w)
    return T.compose{T.RandomResizedCrop({h, w}, {scale = {0.3, 1}}), T.RandomHorizontalFlip()}
  end
  local land, port = crops(375, 500), crops(500, 375)
  for i = 1, N do
    local x = photos:get((i - 1) % #photos + 1, i % 4 == 0 and port or land, i)
    dc.image.save(x, string.format('%s/%05d.jpg', DIR, i), {quality = 90})
  end
end

-- One pass of a loader: images/s of CPU time, images/s of wall-clock time. Each case keeps
-- one loader for all rounds and starts every pass with loader:reset, as a training loop does
-- from epoch to epoch: its batch buffers are allocated once.
local function ours(loader, round)
  loader:reset{epoch = round}
  local n, t0, c0 = 0, dc.now(), os.clock()
  for x in loader do n = n + x:size(1) end
  return n / (os.clock() - c0), n / (dc.now() - t0)
end

-- The peer, serving one pass per request: peer(case) -> {cpu = images/s, wall = images/s}
-- or nil (the peer failed; its output is printed).
local function start_peer()
  local ask, stop = shared.served_peer(PEER .. ' ' .. DIR .. ' --serve',
    'torchvision peer')
  local function peer(case)
    local line = ask(case, function(l) return l:find('"images_per_cpu_s"', 1, true) end)
    if not line then return nil end
    return {cpu = tonumber(line:match('"images_per_cpu_s": ([%d.e+-]+)')),
      wall = tonumber(line:match('"images_per_s": ([%d.e+-]+)'))}
  end
  return peer, stop
end

if count_jpegs(DIR) ~= N then make_photos() end
-- one untimed pass so both sides read from the page cache
for _ in dc.data.loader(dc.data.image_folder{root = DIR, layout = 'flat'}, {batch = 256,
  transform = T.CenterCrop(8)}) do end

local cases = {
  {'a', 'decode + RandomResizedCrop(224) + flip + normalize',
    T.compose{T.RandomResizedCrop(224), T.RandomHorizontalFlip(), T.Normalize(MEAN, STD)}},
  {'b', 'decode + Resize(256) + CenterCrop(224) + normalize',
    T.compose{T.Resize(256), T.CenterCrop(224), T.Normalize(MEAN, STD)}},
}
local ds = dc.data.image_folder{root = DIR, layout = 'flat'}
local rates, theirs, ratios, walls, loaders = {}, {}, {}, {}, {}
for _, c in ipairs(cases) do
  local k = c[1]
  rates[k], theirs[k], ratios[k], walls[k] = {}, {}, {}, {}
  loaders[k] = dc.data.loader(ds, {batch = 256, transform = c[3], threads = 1, seed = 1})
  ours(loaders[k], 0)
end
local peer, stop_peer = start_peer()
for r = 1, ROUNDS do
  for _, c in ipairs(cases) do
    local k = c[1]
    local cpu, wall = ours(loaders[k], r)
    rates[k][r] = cpu
    local p = peer(k)
    if p then
      theirs[k][#theirs[k] + 1] = p.cpu
      ratios[k][#ratios[k] + 1] = cpu / p.cpu
      walls[k][#walls[k] + 1] = wall / p.wall
    end
  end
end
stop_peer()
for _, l in pairs(loaders) do l:close() end

local function list(xs)
  local s = {}
  for i, v in ipairs(xs) do s[i] = string.format('%.2f', v) end
  return table.concat(s, ' ')
end

print(string.format('data bench: %d JPEGs (%s), images/s per core (CPU time), medians of %d ' ..
  'rounds', N, DIR, ROUNDS))
print(string.format('%-54s %11s %11s %6s  %s | %s', 'case', 'dclab', 'torchvision', 'ratio',
  'ratio per round', 'wall-clock ratio per round'))
for _, c in ipairs(cases) do
  local k = c[1]
  local ok = #ratios[k] > 0
  print(string.format('(%s) %-50s %11.0f %11s %6s  %s | %s', k, c[2], median(rates[k]),
    ok and string.format('%.0f', median(theirs[k])) or 'n/a',
    ok and string.format('%.2fx', median(ratios[k])) or 'n/a', list(ratios[k]), list(walls[k])))
end
for _, c in ipairs(cases) do
  local k, each = c[1], {}
  for r = 1, #theirs[k] do
    each[r] = string.format('%.0f/%.0f', rates[k][r], theirs[k][r])
  end
  print(string.format('(%s) images/s per core, dclab/torchvision, round by round: %s', k,
    table.concat(each, ' ')))
end

local files = {'train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz',
  't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'}
local secs = dc.time(function()
  for _, f in ipairs(files) do dc.data.read_idx('/usr/share/datasets/fashion-mnist/' .. f) end
end)
print(string.format('Fashion-MNIST from IDX (70k images + labels, 4 gzip files): %.2f s', secs))
