-- dc.contrastive: contrastively trained features (SimCLR, Chen et al. 2020; method.md §15): a
-- small convnet and a projection head trained without labels so that two augmented views of
-- an image agree (dc.nn.NTXentLoss) against the other images of the batch.
--   local model, history = dc.contrastive.train(ds, {epochs = 20, seed = 1})
--   local f = dc.contrastive.features(model, ds)
--   -- {trunk = [N, 1152], hidden = [N, 512], z = [N, 128]}
return function(dc)
  local options = require 'dclab.options'
  local build = require 'dclab.models.build'
  local nn = dc.nn

  local contrastive = {}

  local OPTIONS = {
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
    watch = {type = 'table'},  -- a labelled dataset scored after every epoch (test_nmi)
  }

  -- fname's options: opt over the defaults (level as in error(), from check's caller).
  local function check(fname, opt)
    local o = options.check(fname, opt, OPTIONS, 3)
    for i, w in ipairs(o.widths) do
      if math.type(w) ~= 'integer' or w < 1 then
        error(string.format('%s: widths[%d] must be a positive integer, got %s', fname, i,
          tostring(w)), 3)
      end
    end
    if #o.widths < 1 or #o.widths > 5 then -- 28 halved by all stages but the third: 1 x 1
      error(string.format('%s: widths must list 1 to 5 stages, got %d', fname, #o.widths), 3)
    end
    return o
  end

  function contrastive.options(opt) return check('contrastive.options', opt) end

  local DATASET = {test = function(v) return type(v) == 'table' and v.desc ~= nil end,
    what = 'a dataset'}
  local NETWORK = {test = function(v) return type(v) == 'table' and v.name == 'simclr' and
    nn.is_module(v.features) and nn.is_module(v.classifier) end,
    what = 'a network of dc.contrastive.net'}

  -- The trunk of dc.models.small (conv3x3-BN-ReLU stages of the given widths, 2x2
  -- max-pooling after all but the third; 28x28 -> 3x3) on the grey image, no Sobel (the
  -- jitter takes the intensity shortcut away instead), and the projection head
  -- Linear-BN-ReLU-Linear (SimCLR's). Both views run as one batch, so BatchNorm sees both.
  function contrastive.net(opt, gen)
    local o = check('contrastive.net', opt)
    options.arg('contrastive.net', 2, gen, {type = 'generator', optional = true})
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

  -- torchvision's ColorJitter(brightness, contrast) on a batch of grey [0, 1] images, one
  -- factor per image and parameter: x * b, then (x - mean(x)) * c + mean(x), each clamped
  -- to [0, 1]. (dc.transforms.ColorJitter works per image on bytes, in a random order.)
  local JITTER = {brightness = {type = 'number', min = 0, default = 0.4},
    contrast = {type = 'number', min = 0, default = 0.4}, generator = {type = 'generator'}}
  function contrastive.intensity_jitter(x, opt)
    options.arg('intensity_jitter', 1, x, {type = 'tensor', dtype = 'float32', dim = 4})
    local o = options.check('intensity_jitter', opt, JITTER)
    local n, gen = x:size(1), o.generator
    local function factors(r)
      return dc.rand(n, 1, 1, 1, {generator = gen}) * (2 * r) + (1 - r)
    end
    if o.brightness > 0 then x = (x * factors(o.brightness)):clamp(0, 1) end
    if o.contrast > 0 then
      local m = x:reshape(n, -1):mean(2, true):view(n, 1, 1, 1)
      x = ((x - m) * factors(o.contrast) + m):clamp(0, 1)
    end
    return x
  end

  -- One view's augmentation: RandomResizedCrop(28, crop), a horizontal flip when flip, then
  -- floats (the intensity jitter runs on the batch).
  function contrastive.view_transform(opt)
    local o = check('contrastive.view_transform', opt)
    local T = dc.transforms
    local tf = {T.RandomResizedCrop(28, {scale = o.crop})}
    if o.flip then tf[#tf + 1] = T.RandomHorizontalFlip(0.5) end
    tf[#tf + 1] = T.ToFloat()
    return T.compose(tf)
  end

  -- Trains the network on dataset ds (labels unused); the loader gives two independently
  -- augmented views of each image of the batch (views = {tf, tf}).
  function contrastive.train(ds, opt)
    options.arg('contrastive.train', 1, ds, DATASET)
    local o = check('contrastive.train', opt)
    if #ds < o.batch then
      error(string.format('contrastive.train: batch = %d is larger than the %d images', o.batch,
        #ds), 2)
    end
    if o.watch and not o.watch.labels then
      error('contrastive.train: watch must be a labelled dataset', 2)
    end
    local gen = dc.Generator(o.seed)
    local model = contrastive.net(o, gen)
    if o.precision ~= 'fp32' then nn.set_precision(model, o.precision) end
    local tf = contrastive.view_transform(o)
    local loader = dc.data.loader(ds, {batch = o.batch, views = {tf, tf}, drop_last = true,
      seed = o.seed, threads = o.threads, on_error = 'error'})
    local optim = dc.optim.sgd(model, {lr = o.lr, momentum = o.momentum,
      weight_decay = o.weight_decay})
    local sched = dc.optim.schedule.cosine{lr = o.lr, total = o.epochs}
    local crit = nn.NTXentLoss{temperature = o.temperature}
    local jitter = {brightness = o.brightness, contrast = o.contrast, generator = gen}
    local history = {}
    for epoch = 1, o.epochs do
      optim:set_lr(sched(epoch))
      local order = dc.randperm(#ds, {generator = gen})
      loader:reset{epoch = epoch, order = order}
      model:training(true)
      local t0, total, steps, images = dc.now(), 0, 0, 0
      for xs in loader:iter() do
        local b = xs[1]:size(1)
        local x = contrastive.intensity_jitter(dc.cat(xs), jitter)
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
        history[epoch].test_nmi = dc.eval.kmeans_nmi(contrastive.features(model, o.watch).trunk,
          o.watch.labels, {seed = o.seed})
        nn.set_precision(model, o.precision)
      end
      if o.log then o.log(epoch, history[epoch].loss, images / secs, secs) end
    end
    return model, history
  end

  -- Features of every image of ds (in order, no augmentation) from the trained network:
  -- trunk (the flattened conv output), hidden (the head's ReLU output) and z (the projection
  -- the loss saw). fp32 evaluation.
  function contrastive.features(model, ds)
    options.arg('contrastive.features', 1, model, NETWORK)
    options.arg('contrastive.features', 2, ds, DATASET)
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

  dc.contrastive = contrastive
  return contrastive
end
