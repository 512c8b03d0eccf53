-- A tiny DeepCluster run for the dynamic checkers (make memcheck: valgrind; make tsan:
-- ThreadSanitizer): one epoch of the real runner (features, PCA, k-means, sampler, training
-- with the threaded loader, checkpoint and resume), then the same images as a JPEG folder
-- read by the threaded loader with augmentations, as an ImageNet run reads them, with three
-- broken files among them (truncated, tables only, not a JPEG) that the loader skips.
--   lua5.4 tests/memcheck/tiny_run.lua [images [batch [width [hidden]]]]
-- width / hidden size the network: make tsan raises them so every OpenMP kernel crosses its
-- parallel threshold. Exits non-zero when anything fails.
local dc = require 'dclab'
local nn = dc.nn

local n, batch = tonumber(arg[1] or 100), tonumber(arg[2] or 25)
local width, hidden = tonumber(arg[3] or 4), tonumber(arg[4] or 16)

local function tiny_model()
  local gen = dc.Generator(1)
  local net = dc.models.Net('tiny', {
    sobel = nn.Sobel(),
    features = nn.Sequential{nn.Conv2d(2, width, 3, {pad = 1}), nn.BatchNorm2d(width),
      nn.ReLU{inplace = true}, nn.MaxPool2d(2), nn.Conv2d(width, width, 3, {pad = 1}),
      nn.ReLU{inplace = true}, nn.AvgPool2d(2)},
    classifier = nn.Sequential{nn.Dropout(0.5), nn.Linear(width * 7 * 7, hidden), nn.ReLU()},
  })
  for _, s in ipairs(net:stages()) do
    for _, m in ipairs(s[2].modules or {}) do
      if m.reset and #m.params > 0 then m:reset(gen) end
    end
  end
  return net
end

local function first_line(cmd)
  local p = assert(io.popen(cmd))
  local line = p:read('l')
  p:close()
  return line
end

local function tmpdir()
  local d = os.tmpname()
  os.remove(d)
  assert(os.execute('mkdir -p ' .. d))
  return d
end

local data = dc.data.fashion_mnist{split = 'test'}:subset(n)
local out, jpg = tmpdir(), tmpdir()
local ok, err = pcall(function()
  local cfg = {model = tiny_model(), data = data, k = 5, epochs = 1, batch = batch,
    threads = 2, out = out, verbose = false, preprocess = {pca = 8, whiten = true, l2 = true}}
  local run = dc.deepcluster(cfg)
  run:fit()
  local loss = run.history[1].loss
  assert(loss == loss and loss > 0, 'the epoch gave no finite loss')
  -- resume from the checkpoint: a second epoch
  cfg.model, cfg.epochs, cfg.resume = tiny_model(), 2, true
  local resumed = dc.deepcluster(cfg)
  resumed:fit()
  assert(resumed.epoch == 2, 'resume did not reach epoch 2')

  assert(dc.data.export_jpeg(data, jpg, {quality = 90}) == n)
  local class = first_line('ls -d ' .. jpg .. '/*/ | head -1')
  local function write(name, bytes)
    local f = assert(io.open(class .. name, 'wb'))
    f:write(bytes)
    f:close()
  end
  local f = assert(io.open(first_line('ls ' .. class .. '*.jpg | head -1'), 'rb'))
  local good = f:read('a')
  f:close()
  write('broken_truncated.jpg', good:sub(1, #good // 2))
  write('broken_tables_only.jpg', '\xff\xd8\xff\xdb\x00\x43\x00' .. ('\x01'):rep(64) .. '\xff\xd9')
  write('broken_text.jpg', 'not a picture\n')
  local folder = dc.data.image_folder{root = jpg}
  assert(#folder == n + 3)
  local T = dc.transforms
  local tf = T.compose{T.RandomResizedCrop(24), T.RandomHorizontalFlip(), T.ToFloat(),
    T.Normalize(0.5, 0.25)}
  local seen = 0
  for x in dc.data.loader(folder, {batch = batch, transform = tf, threads = 2}) do
    seen = seen + x:size(1)
  end
  assert(seen == n, string.format('the JPEG loader gave %d images of %d', seen, n))
  print(string.format('tiny run: %d images, 2 epochs (loss %.4f), %d JPEGs loaded', n, loss, seen))
end)
os.execute('rm -rf ' .. out .. ' ' .. jpg)
if not ok then
  io.stderr:write('tiny run failed: ', tostring(err), '\n')
  os.exit(1)
end
