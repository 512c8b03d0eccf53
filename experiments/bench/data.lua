-- Benchmark of the JPEG data path against PIL + torchvision, on the same files in the same
-- run, one core each:
--   (a) decode + RandomResizedCrop(224) + RandomHorizontalFlip + Normalize (training)
--   (b) decode + Resize(256) + CenterCrop(224) + Normalize (DeepCluster's feature pass)
-- and the time to load all of Fashion-MNIST (70k images) from its IDX files.
--   ./dclab experiments/bench/data.lua [N = 2000] [ROUNDS = 3]
-- Each round times one pass of every case on both sides (dclab, then the peer), so a load
-- change on the shared machine hits both; the ratio printed is the median of the rounds'
-- ratios, and every round's ratio is printed too.
-- The photos (about 500x375, colour, 4:2:0, quality 90) are random crops and scales of the
-- photos Debian ships (matplotlib's grace_hopper.jpg, scikit-learn's china.jpg and
-- flower.jpg), made once into $DCLAB_BENCH_PHOTOS (default build/bench-photos).
local dc = require 'dclab'
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

-- One pass of tf over the photos, in images per second.
local function ours(tf, ds)
  local loader = dc.data.loader(ds, {batch = 256, transform = tf, threads = 1, seed = 1})
  local n, t0 = 0, dc.now()
  for x in loader do n = n + x:size(1) end
  local s = dc.now() - t0
  loader:close()
  return n / s
end

-- One pass of each case through the peer: {a = images/s, b = images/s}.
local function peer()
  local p = assert(io.popen(PEER .. ' ' .. DIR .. ' 1 2>&1'))
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

local function median(xs)
  local s = {}
  for i, v in ipairs(xs) do s[i] = v end
  table.sort(s)
  local m = #s // 2
  return #s % 2 == 1 and s[m + 1] or (s[m] + s[m + 1]) / 2
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
local rates, theirs, ratios = {}, {}, {}
for _, c in ipairs(cases) do rates[c[1]], theirs[c[1]], ratios[c[1]] = {}, {}, {} end
for r = 1, ROUNDS do
  for _, c in ipairs(cases) do rates[c[1]][r] = ours(c[3], ds) end
  local p = peer()
  for _, c in ipairs(cases) do
    local k = c[1]
    theirs[k][r] = p[k]
    if p[k] then ratios[k][#ratios[k] + 1] = rates[k][r] / p[k] end
  end
end

print(string.format('data bench: %d JPEGs (%s), one core each, medians of %d rounds', N, DIR,
  ROUNDS))
print(string.format('%-54s %12s %16s %7s  %s', 'case', 'dclab img/s', 'torchvision img/s',
  'ratio', 'ratio per round'))
for _, c in ipairs(cases) do
  local k = c[1]
  local each = {}
  for i, v in ipairs(ratios[k]) do each[i] = string.format('%.2f', v) end
  local t = #theirs[k] > 0 and median(theirs[k]) or nil
  print(string.format('(%s) %-50s %12.0f %16s %7s  %s', k, c[2], median(rates[k]),
    t and string.format('%.0f', t) or 'n/a',
    #ratios[k] > 0 and string.format('%.2fx', median(ratios[k])) or 'n/a',
    table.concat(each, ' ')))
end

local files = {'train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz',
  't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'}
local secs = dc.time(function()
  for _, f in ipairs(files) do dc.data.read_idx('/usr/share/datasets/fashion-mnist/' .. f) end
end)
print(string.format('Fashion-MNIST from IDX (70k images + labels, 4 gzip files): %.2f s', secs))
