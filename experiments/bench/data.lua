-- Benchmark of the JPEG data path against PIL + torchvision, on the same files in the same
-- run, one core each:
--   (a) decode + RandomResizedCrop(224) + RandomHorizontalFlip + Normalize (training)
--   (b) decode + Resize(256) + CenterCrop(224) + Normalize (DeepCluster's feature pass)
-- and the time to load all of Fashion-MNIST (70k images) from its IDX files.
--   ./dclab experiments/bench/data.lua [N = 2000] [REPEATS = 2]
-- The photos (about 500x375, colour, 4:2:0, quality 90) are random crops and scales of the
-- photos Debian ships (matplotlib's grace_hopper.jpg, scikit-learn's china.jpg and
-- flower.jpg), made once into $DCLAB_BENCH_PHOTOS (default build/bench-photos).
local dc = require 'dclab'
local T = dc.transforms

local N = tonumber(arg and arg[1]) or 2000
local REPEATS = tonumber(arg and arg[2]) or 2
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
  assert(os.execute('rm -rf ' .. DIR .. ' ' .. src .. ' && mkdir -p ' .. DIR .. ' ' .. src))
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

local function ours(tf)
  local ds = dc.data.image_folder{root = DIR, layout = 'flat'}
  local best
  for _ = 1, REPEATS do
    local loader = dc.data.loader(ds, {batch = 256, transform = tf, threads = 1, seed = 1})
    local n, t0 = 0, dc.now()
    for x in loader do n = n + x:size(1) end
    local s = dc.now() - t0
    loader:close()
    best = (best and best < s) and best or s
  end
  return #ds / best
end

local function peer()
  local p = assert(io.popen(PEER .. ' ' .. DIR .. ' ' .. REPEATS .. ' 2>&1'))
  local rates, out = {}, {}
  for line in p:lines() do
    out[#out + 1] = line
    local case, rate = line:match('"case": "(%a)".-"images_per_s": ([%d.e+-]+)')
    if case then rates[case] = tonumber(rate) end
  end
  p:close()
  if not rates.a then
    io.stderr:write('torchvision peer failed:\n' .. table.concat(out, '\n') .. '\n')
  end
  return rates
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
local rates = {}
for _, c in ipairs(cases) do rates[c[1]] = ours(c[3]) end
local theirs = peer()

print(string.format('data bench: %d JPEGs (%s), one core each, best of %d passes', N, DIR, REPEATS))
print(string.format('%-54s %12s %16s %7s', 'case', 'dclab img/s', 'torchvision img/s', 'ratio'))
for _, c in ipairs(cases) do
  local t = theirs[c[1]]
  print(string.format('(%s) %-50s %12.0f %16s %7s', c[1], c[2], rates[c[1]],
    t and string.format('%.0f', t) or 'n/a',
    t and string.format('%.2fx', rates[c[1]] / t) or 'n/a'))
end

local files = {'train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz',
  't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'}
local secs = dc.time(function()
  for _, f in ipairs(files) do dc.data.read_idx('/usr/share/datasets/fashion-mnist/' .. f) end
end)
print(string.format('Fashion-MNIST from IDX (70k images + labels, 4 gzip files): %.2f s', secs))
