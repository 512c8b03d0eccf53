-- Contrastively trained features for the search (SimCLR, Chen et al. 2020): a small convnet
-- and a projection head trained without labels so that two augmented views of an image
-- agree (dc.nn.NTXentLoss) against the other images of the batch; the features of the
-- trained network then go through the search's steps (pipeline.lua).
--   local c = require 'contrastive'
--   local model, log = c.train(train_ds, {epochs = 20, seed = 1})
--   local f = c.features(model, ds)   -- {trunk = [N, 1152], hidden = [N, 512], z = [N, 128]}
local dc = require 'dclab'
local options = require 'dclab.options'
local build = require 'dclab.models.build'
local nn = dc.nn

local M = {}

M.OPTIONS = {
  epochs = {type = 'integer', min = 1, default = 20},
  batch = {type = 'integer', min = 2, default = 256},
  lr = {type = 'number', above = 0, default = 0.3},      -- cosine-annealed to 0 over the run
  momentum = {type = 'number', min = 0, default = 0.9},
  weight_decay = {type = 'number', min = 0, default = 5e-4},
  temperature = {type = 'number', above = 0, default = 0.5},
  widths = {type = 'table', default = {32, 64, 128, 128}}, -- half dc.models.small's trunk
  hidden = {type = 'integer', min = 1, default = 512},   -- projection head: hidden, dim
  dim = {type = 'integer', min = 1, default = 128},
  crop = {type = 'table', default = {0.3, 1}},           -- RandomResizedCrop scale range
  flip = {type = 'boolean', default = true},
  brightness = {type = 'number', min = 0, default = 0.4}, -- per-view intensity jitter
  contrast = {type = 'number', min = 0, default = 0.4},
  precision = {default = 'fp32'},  -- the recipe's measured path; bf16 quality not yet measured
  seed = {type = 'integer', default = 1},
  threads = {type = 'integer', min = 1, default = 2},
  log = {type = 'function'},                             -- log(epoch, loss, img/s, seconds)
  watch = {type = 'table'},  -- a labelled dataset scored after every epoch (M.test_nmi)
}

-- The training options of the search's simclr points and of the shipped recipe (the rest
-- are OPTIONS' defaults).
M.RECIPE = {epochs = 10, batch = 128, lr = 0.1}

-- The network: the trunk of dc.models.small (conv3x3-BN-ReLU stages of the given widths,
-- 2x2 max-pooling after all but the third; 28x28 -> 3x3) on the grey image, no Sobel (the
-- jitter takes the intensity shortcut away instead), and the projection head
-- Linear-BN-ReLU-Linear (SimCLR's). Both views run as one batch, so BatchNorm sees both.
function M.net(o, gen)
  local features, cin = nn.Sequential(), 1
  for i, cout in ipairs(o.widths) do
    build.conv_block(features, cin, cout, 3, {pad = 1}, true)
    if i ~= 3 then features:add(nn.MaxPool2d(2)) end
    cin = cout
  end
  local side = 28
  for i = 1, #o.widths do if i ~= 3 then side = side // 2 end end
  local head = nn.Sequential{nn.Linear(cin * side * side, o.hidden), nn.BatchNorm1d(o.hidden),
    nn.ReLU{inplace = true}, nn.Linear(o.hidden, o.dim)}
  local net = dc.models.Net('simclr', {features = features, classifier = head})
  return build.reset(net, gen)
end

-- torchvision's ColorJitter(brightness, contrast) on grey [0, 1] images, one factor per image
-- and parameter: x * b, then (x - mean(x)) * c + mean(x), each clamped to [0, 1].
function M.jitter(x, brightness, contrast, gen)
  local n = x:size(1)
  local function factors(r) return (dc.rand(n, 1, 1, 1, {generator = gen}) * (2 * r) + (1 - r)) end
  if brightness > 0 then x = (x * factors(brightness)):clamp(0, 1) end
  if contrast > 0 then
    local m = x:reshape(n, -1):mean(2, true):view(n, 1, 1, 1)
    x = ((x - m) * factors(contrast) + m):clamp(0, 1)
  end
  return x
end

-- One view's augmentation of the options o: RandomResizedCrop(28, crop), a horizontal flip
-- when o.flip, then floats (the intensity jitter runs on the batch: M.jitter).
function M.transform(o)
  local T = dc.transforms
  local tf = {T.RandomResizedCrop(28, {scale = o.crop})}
  if o.flip then tf[#tf + 1] = T.RandomHorizontalFlip(0.5) end
  tf[#tf + 1] = T.ToFloat()
  return T.compose(tf)
end

-- Trains the network on dataset ds (labels unused); the loader gives two independently
-- augmented views of each image of the batch (views = {tf, tf}).
function M.train(ds, opt)
  local o = options.check('contrastive.train', opt, M.OPTIONS)
  local gen = dc.Generator(o.seed)
  local model = M.net(o, gen)
  if o.precision ~= 'fp32' then nn.set_precision(model, o.precision) end
  local tf = M.transform(o)
  local loader = dc.data.loader(ds, {batch = o.batch, views = {tf, tf}, drop_last = true,
    seed = o.seed, threads = o.threads, on_error = 'error'})
  local optim = dc.optim.sgd(model, {lr = o.lr, momentum = o.momentum,
    weight_decay = o.weight_decay})
  local sched = dc.optim.schedule.cosine{lr = o.lr, total = o.epochs}
  local crit = nn.NTXentLoss{temperature = o.temperature}
  local history = {}
  for epoch = 1, o.epochs do
    optim:set_lr(sched(epoch))
    local order = dc.randperm(#ds, {generator = gen})
    loader:reset{epoch = epoch, order = order}
    model:training(true)
    local t0, total, steps, images = dc.now(), 0, 0, 0
    for xs in loader:iter() do
      local b = xs[1]:size(1)
      local x = M.jitter(dc.cat(xs), o.brightness, o.contrast, gen)
      local z = model:forward(x)
      local z1, z2 = z:narrow(1, 1, b):contiguous(), z:narrow(1, b + 1, b):contiguous()
      total = total + crit:forward(z1, z2)
      local dz1, dz2 = crit:backward(z1, z2)
      model:zero_grad()
      model:backward(x, dc.cat{dz1, dz2})
      optim:step()
      steps, images = steps + 1, images + 2 * b
    end
    local secs = dc.now() - t0
    history[epoch] = {epoch = epoch, loss = total / math.max(steps, 1), seconds = secs,
      images_per_second = images / secs}
    if o.watch then
      history[epoch].test_nmi = M.test_nmi(model, o.watch, o.seed)
      nn.set_precision(model, o.precision)
    end
    if o.log then o.log(epoch, history[epoch].loss, images / secs, secs) end
  end
  return model, history
end

-- Features of every image of ds (in order, no augmentation) from the trained network:
-- trunk (the flattened conv output), hidden (the head's ReLU output, 512-d) and z (the
-- projection the loss saw). fp32 evaluation.
function M.features(model, ds)
  nn.set_precision(model, 'fp32')
  model:training(false)
  local loader = dc.data.loader(ds, {batch = 500, transform = dc.transforms.compose{
    dc.transforms.ToFloat()}, threads = 2, on_error = 'error'})
  local out, row = {}, 1
  local head = model.classifier
  for x in loader:iter() do
    local f = {trunk = model.flatten:forward(model.features:forward(x))}
    local h = f.trunk
    for i = 1, 3 do h = head:get(i):forward(h) end
    f.hidden = h
    f.z = head:get(4):forward(h)
    for name, t in pairs(f) do
      out[name] = out[name] or dc.empty(#ds, t:size(2))
      out[name]:narrow(1, row, t:size(1)):copy(t)
    end
    row = row + x:size(1)
  end
  return out
end

-- The NMI with ds's labels of k-means (k = 10, seed) on the L2-normalised trunk features of
-- ds: how well the network separates the classes so far (labels used only to score).
function M.test_nmi(model, ds, seed)
  return require('pipeline').kmeans_nmi(M.features(model, ds).trunk, ds.labels, seed)
end

-- A canonical text of a table (keys sorted), so equal configurations give equal names.
local function canonical(v)
  if type(v) ~= 'table' then return tostring(v) end
  local keys = {}
  for k in pairs(v) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
  local parts = {}
  for _, k in ipairs(keys) do parts[#parts + 1] = tostring(k) .. '=' .. canonical(v[k]) end
  return '{' .. table.concat(parts, ',') .. '}'
end

-- The cache's file stem of a training run: one per (options, train size, test size, seed).
function M.cache_base(train_opt, seed, train, test, cache)
  local opt = {}
  for k, v in pairs(train_opt or {}) do opt[k] = v end
  opt.seed = seed
  local key = canonical(opt) .. '#' .. #train .. '/' .. #test
  local h = 2166136261 -- FNV-1a of the key: a short file name
  for i = 1, #key do h = ((h ~ key:byte(i)) * 16777619) & 0xffffffff end
  return string.format('%s/simclr_%08x', cache, h), opt, key
end

-- The features (layer 'trunk', 'hidden' or 'z') of train and test from a network trained
-- on train with options train_opt and seed; trained once per (options, train size, seed)
-- and kept in folder cache (every layer, the network as _model.bin and the training log
-- with each epoch's test NMI), so points that differ only in their steps or clustering share
-- one training run. Returns ftr, fte, the run's log {history, seconds (training), trained
-- (false when read from the cache)}.
function M.cached_features(train_opt, layer, train, test, seed, cache)
  local base, opt, key = M.cache_base(train_opt, seed, train, test, cache)
  local cjson = require 'cjson'
  local f = io.open(base .. '.json')
  local info
  if f then
    info = cjson.decode(f:read('a'))
    f:close()
    info.trained = false
  else
    os.execute('mkdir -p "' .. cache .. '"')
    opt.log = function(e, loss, ips, secs)
      io.write(string.format('  simclr seed %d epoch %d: loss %.4f, %.0f img/s, %.0f s\n', seed, e,
        loss, ips, secs))
      io.flush()
    end
    opt.watch = test
    local t0 = dc.now()
    local model, history = M.train(train, opt)
    local seconds = dc.now() - t0
    dc.save(base .. '_model.bin', model)
    local ftr, fte = M.features(model, train), M.features(model, test)
    for name, t in pairs(ftr) do
      dc.save_npy(string.format('%s_%s_train.npy', base, name), t)
      dc.save_npy(string.format('%s_%s_test.npy', base, name), fte[name])
    end
    info = {key = key, history = history, seconds = seconds}
    f = assert(io.open(base .. '.json', 'w'))
    f:write(cjson.encode(info))
    f:close()
    info.trained = true
  end
  return dc.load_npy(string.format('%s_%s_train.npy', base, layer)),
    dc.load_npy(string.format('%s_%s_test.npy', base, layer)), info
end

-- The network cached_features trained with (train_opt, seed, train, test, cache), or an
-- error naming the missing file.
function M.load_model(train_opt, seed, train, test, cache)
  local base = M.cache_base(train_opt, seed, train, test, cache)
  local path = base .. '_model.bin'
  local f = io.open(path)
  if not f then
    error('load_model: no trained network at ' .. path .. ' (run cached_features first)', 2)
  end
  f:close()
  local o = options.check('contrastive.load_model', train_opt, M.OPTIONS)
  local model = M.net(o, dc.Generator(seed))
  dc.load(path, model)
  return model
end

return M
