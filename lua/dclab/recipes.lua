-- Presets: each paper's recipe as a table of options for dc.deepcluster, scaled to a dataset's
-- image size. Every value's source is in help(dc.recipes.<name>) (method.md §1, §10):
--   local o = dc.recipes.deepcluster_v2{size = 28, mean = {0.286}, std = {0.353}, epochs = 5}
--   o.model, o.data, o.out = dc.models.small{sobel = false}, ds, 'runs/v2'
--   dc.deepcluster(o):fit()
-- opts: size (image side after the crops, required), mean and std (per channel, required),
-- epochs (the paper's when not given), k (per head; the paper's when not given), heads
-- (number of heads). A key of the result can be changed before the call like any option.
local options = require 'dclab.options'

return function(dc)
  local T = dc.transforms
  local recipes = {}

  local OPTS = {
    size = {type = 'integer', min = 8, required = true},
    mean = {type = 'table', required = true}, std = {type = 'table', required = true},
    epochs = {type = 'integer', min = 1}, k = {type = 'integer', min = 1},
    heads = {type = 'integer', min = 1},
  }

  local function check(name, opts)
    local o = options.check('recipes.' .. name, opts, OPTS, 3)
    if #o.mean == 0 or #o.mean ~= #o.std then
      error(string.format('recipes.%s: mean and std need one number per channel, got %d and %d',
        name, #o.mean, #o.std), 3)
    end
    return o
  end

  local function normalize(o) return T.Normalize(o.mean, o.std) end

  -- The evaluation (feature) transform: the image as it is, normalised.
  local function eval_tf(o) return T.compose{T.ToFloat(), normalize(o)} end

  -- A random resized crop of side `side` covering `scale` of the image, flipped half the time.
  local function crop(o, side, scale)
    return T.compose{T.RandomResizedCrop(side, {scale = scale}), T.RandomHorizontalFlip(0.5),
      T.ToFloat(), normalize(o)}
  end

  -- Below 96 pixels the paper's 224 / 96 crops become a few pixels wide: small images take
  -- the analogue for 28x28 images (2 x 28 at 0.3-1 + 4 x 16 at 0.1-0.3, method.md §10).
  local SMALL = 96

  -- n heads of k clusters each.
  local function heads(n, k)
    local list = {}
    for i = 1, n do list[i] = {k = k} end
    return list
  end

  -- DeepCluster (Caron et al. 2018; deepcluster/main.py).
  function recipes.deepcluster(opts)
    local o = check('deepcluster', opts)
    return {
      k = o.k or 10000, clustering = 'kmeans', niter = 20,
      preprocess = {pca = 256, whiten = true, l2 = true},
      sampler = 'uniform_per_cluster', head = 'reinit', features = 'pass',
      optim = {lr = 0.05, momentum = 0.9, weight_decay = 1e-5},
      head_optim = {lr = 0.05, weight_decay = 1e-5},
      batch = 256, epochs = o.epochs or 500,
      transforms = {train = crop(o, o.size, o.size < SMALL and {0.5, 1} or {0.08, 1}),
        eval = eval_tf(o)},
    }
  end

  -- The multi-crop views of DeepCluster-v2 (and SwAV): 2 large + 6 small crops (800-epoch
  -- recipe) at 96 pixels and above, 2 + 4 below.
  local function multi_crop(o)
    local views = {}
    if o.size >= SMALL then
      local small = math.max(8, math.floor(o.size * 96 / 224 + 0.5))
      for i = 1, 2 do views[i] = crop(o, o.size, {0.14, 1}) end
      for i = 3, 8 do views[i] = crop(o, small, {0.05, 0.14}) end
    else
      local small = math.max(8, math.floor(o.size * 16 / 28 + 0.5))
      for i = 1, 2 do views[i] = crop(o, o.size, {0.3, 1}) end
      for i = 3, 6 do views[i] = crop(o, small, {0.1, 0.3}) end
    end
    return views
  end

  -- DeepCluster-v2 (Caron et al. 2020; swav/main_deepclusterv2.py and the maintainer's
  -- single-machine settings, swav issue #25).
  function recipes.deepcluster_v2(opts)
    local o = check('deepcluster_v2', opts)
    local epochs = o.epochs or 800
    return {
      feature_layer = 'projection', projection = {dim = 128},
      heads = heads(o.heads or 3, o.k or 3000), clustering = 'kmeans', spherical = true,
      niter = 10, head = 'centroids', temperature = 0.1,
      features = 'memory_bank', sampler = 'shuffle',
      optim = {lr = 0.15, momentum = 0.9, weight_decay = 1e-6}, batch = 64, epochs = epochs,
      lr_schedule = {warmup = 0, cosine = true, final = 0, total = epochs},
      views = multi_crop(o), transforms = {eval = eval_tf(o)},
    }
  end

  -- SeLa (Asano, Rupprecht, Vedaldi, ICLR 2020; yukimasano/self-label).
  function recipes.sela(opts)
    local o = check('sela', opts)
    return {
      heads = heads(o.heads or 10, o.k or 3000), clustering = 'sinkhorn',
      sinkhorn = {epsilon = 1 / 25, iters = 100}, head = 'keep', features = 'pass',
      sampler = 'shuffle',
      optim = {lr = 0.05, momentum = 0.9, weight_decay = 1e-5},
      head_optim = {lr = 0.05, momentum = 0.9, weight_decay = 1e-5},
      lr_schedule = dc.optim.schedule.step{lr = 0.05, step = 150, gamma = 0.1},
      batch = 256, epochs = o.epochs or 400,
      transforms = {train = crop(o, o.size, o.size < SMALL and {0.5, 1} or {0.08, 1}),
        eval = eval_tf(o)},
    }
  end

  -- ---- SwAV (dc.recipes.swav, consumed by dc.swav): its preset goes here ----

  -- SwAV (Caron et al. 2020; swav/main_swav.py): options of dc.swav. The batch holds at
  -- least as many images as the largest prototype set (dc.cluster.sinkhorn needs K <= N;
  -- SwAV's Sinkhorn sees its whole batch of 64 x 64 GPUs = 4096 images).
  function recipes.swav(opts)
    local o = check('swav', opts)
    local k = o.k or (o.size < SMALL and 100 or 3000)
    local epochs = o.epochs or 400
    return {
      prototypes = o.size < SMALL and {math.max(1, k // 10), math.max(1, k // 2), k} or {k},
      projection = {dim = o.size < SMALL and 32 or 128}, temperature = 0.1, epsilon = 0.05,
      sinkhorn_iters = 3, code_views = {1, 2}, freeze_prototypes = {epochs = 1},
      queue_length = o.size < SMALL and 384 or 3840, queue_start = o.size < SMALL and 1 or 15,
      optim = {lr = o.size < SMALL and 0.05 or 0.6, momentum = 0.9, weight_decay = 1e-6},
      lr_schedule = {warmup = 0, cosine = true, final = 0, total = epochs},
      batch = o.size < SMALL and math.max(128, k) or 4096, epochs = epochs,
      views = multi_crop(o), transforms = {eval = eval_tf(o)},
    }
  end

  dc.recipes = recipes
  return recipes
end
