-- The DeepCluster loop (Caron et al., ECCV 2018) as a class whose every part can be swapped
-- from a script (the plug-in contracts: help(dc.deepcluster)). Defaults follow the reference
-- recipe (lua/dclab/method.md §1, §2):
--   per epoch: features of the whole set in evaluation mode and fixed order (the classifier's
--   output before its final ReLU) -> PCA-whitening + L2 -> k-means (20 iterations, no
--   subsampling, a new seed each epoch) -> pseudo-labels -> uniform-over-clusters sampling ->
--   a fresh k-way head N(0, 0.01^2) with its own momentum-free SGD -> one epoch of training
--   with the main SGD (lr 0.05, momentum 0.9, weight decay 1e-5) kept across epochs.
--
--   local run = dc.deepcluster{model = dc.models.small{sobel = true}, data = ds, k = 100,
--                              epochs = 10, out = 'runs/fm'}
--   run:fit()
--
-- Swappable parts: clustering ('kmeans' | 'pic' | a registered name | an object with fit |
-- function(features, k, gen)), reassign (empty-cluster strategy for k-means: a name or
-- function(centroids, counts, ctx)), sampler ('uniform_per_cluster' |
-- 'reference_bug_compatible' | 'shuffle' | 'loss_weights' | function(assign, k, gen, n)),
-- head ('reinit' | 'keep' | 'centroids'), preprocess (options table, object, or false),
-- feature_layer ('penultimate': the classifier before its last ReLU, or a conv layer
-- number: that ReLU's output average-pooled to about 2304 values),
-- hooks {on_epoch_start(run, epoch), on_features(run, feats), on_clusters(run, res),
-- on_batch(run, i, loss), on_epoch_end(run, stats)}.
-- stream_features = true never holds the raw N x D features: a first pass over the images
-- accumulates the PCA's mean and covariance batch by batch (preprocess:partial_fit), a second
-- recomputes each batch's features and projects it (twice the forward passes, N x d_out
-- floats kept); on_features then sees the projected features.
--
-- A subclass overrides a step and keeps the rest:
--   local MyRun = dc.DeepCluster:extend()
--   function MyRun:cluster(feats, streams) ... return {assign =, k =} end
--   MyRun(cfg):fit()
-- run:fit() = run:prepare() (the files) then run:step() per epoch: features -> cluster ->
-- sample -> new_head -> train -> save.
-- precision = 'bf16' computes the convolutions and Linear layers (the per-epoch head too) in
-- bf16 with fp32 sums (nn.set_precision).
--
-- Every random choice of epoch e comes from streams split off (seed, e): running N epochs
-- straight, or k epochs, a resume, then N - k, gives the same assignments and weights.
return function(dc)
  local cjson = require 'cjson'
  local options = require 'dclab.options'
  local nn = dc.nn

  -- The class. dc.DeepCluster:extend() makes a subclass whose methods override the steps
  -- (features, cluster, sample, new_head, train); dc.deepcluster(cfg) is DeepCluster:new(cfg).
  local Run = {name = 'deepcluster'}
  Run.__index = Run

  local OPTIONS = {
    model = {required = true}, data = {required = true},
    transforms = {default = false}, preprocess = {default = {pca = 256, whiten = true, l2 = true}},
    clustering = {default = 'kmeans'}, k = {type = 'integer', min = 1, default = 100},
    niter = {default = 20}, reassign = true,
    sampler = {default = 'uniform_per_cluster'},
    head = {choices = {'reinit', 'keep', 'centroids'}, default = 'reinit'},
    temperature = {default = 0.1},
    optim = {default = {lr = 0.05, momentum = 0.9, weight_decay = 1e-5}},
    head_optim = {default = {lr = 0.05, weight_decay = 1e-5}},
    epochs = {type = 'integer', min = 1, default = 1},
    batch = {type = 'integer', min = 1, default = 256}, seed = {default = 31},
    out = {default = false}, epoch_size = {type = 'number', above = 0, default = 1.0},
    threads = {type = 'integer', min = 1, default = 2}, resume = {default = false},
    progress = {default = 'auto'}, verbose = {default = true}, hooks = {default = false},
    feature_layer = {default = 'penultimate'}, stream_features = {default = false},
    precision = {default = 'fp32'}, -- its names are nn.set_precision's (checked in init)
    -- the successors' parts (DeepCluster-v2, SeLa; method.md §10)
    projection = {default = false}, heads = {type = 'table'}, spherical = {default = false},
    features = {choices = {'pass', 'memory_bank'}, default = 'pass'},
    lr_schedule = {default = false}, views = {default = false},
    collapse_share = {type = 'number', above = 0, max = 1, default = 0.5},
    sinkhorn = {type = 'table'},
  }

  local function fail(fmt, ...) error('deepcluster: ' .. string.format(fmt, ...), 3) end

  -- The feature layers read at the classifier's end (the rest are conv layer numbers).
  local EMBEDDINGS = {penultimate = true, projection = true}
  local check_bank_layer
  -- private steps of the runner (defined below)
  local features_differ, head_scores, ensure_heads, head_answers, keep_bank, bank_width, path_of
  local visits_each_once

  -- heads = {{k = K}, ...} checked; without it, one head of the k option.
  local function check_heads(cfg, c)
    if cfg.heads == nil then return {{k = c.k}} end
    if cfg.k ~= nil then fail('give k or heads, not both (each head has its own k)') end
    if #c.heads == 0 then fail('heads must be a list of {k = K}, got an empty table') end
    local heads = {}
    for i, h in ipairs(c.heads) do
      heads[i] = options.check(string.format('deepcluster: heads[%d]', i), h,
        {k = {type = 'integer', min = 1, required = true}}, 5)
    end
    return heads
  end

  -- The options of DeepCluster's successors, checked against each other.
  local function check_successor_options(c)
    if c.feature_layer == 'projection' and not c.projection then
      fail("feature_layer 'projection' needs projection = {hidden = H, dim = D} (or a module)")
    end
    if c.projection and c.feature_layer ~= 'projection' then
      fail("projection is the head of feature_layer 'projection': set both or neither")
    end
    if c.features == 'memory_bank' then
      if not EMBEDDINGS[c.feature_layer] then
        fail("features 'memory_bank' stores the training passes' embeddings: feature_layer must be 'penultimate' or 'projection'")
      end
      if c.stream_features then fail("features 'memory_bank' and stream_features exclude each other") end
    end
    if c.views and (type(c.views) ~= 'table' or #c.views == 0) then
      fail('views must be a list of transforms (one per crop), got %s', type(c.views))
    end
    if c.views and c.transforms and c.transforms.train then
      fail('views replace transforms.train: give one or the other')
    end
    local s = c.lr_schedule
    if s and type(s) ~= 'function' and type(s) ~= 'table' then
      fail('lr_schedule must be {warmup = E, cosine = true, ...} or a function(epoch) -> lr, got %s', type(s))
    end
  end

  -- The options of runner `name` (its errors start with it) checked against spec, with the
  -- model and the data that every runner needs.
  local function check_run_options(name, cfg, spec)
    local function bad(fmt, ...) error(name .. ': ' .. string.format(fmt, ...), 4) end
    if type(cfg) ~= 'table' then bad('expected a configuration table, got %s', type(cfg)) end
    local c = options.check(name, cfg, spec, 4)
    if type(c.model) ~= 'table' or not c.model.stages then
      bad('model must be a dc.models network (with sobel/features/classifier), got %s', type(c.model))
    end
    if type(c.data) ~= 'table' or not c.data.desc then
      bad('data must be a dc.data dataset, got %s', type(c.data))
    end
    return c
  end

  local function check_config(cfg)
    local c = check_run_options('deepcluster', cfg, OPTIONS)
    if #c.data < 2 then fail('data has %d images; at least 2 are needed', #c.data) end
    if c.head == 'centroids' and math.type(c.feature_layer) == 'integer' then
      fail("head 'centroids' compares the clustered features with the centroids: feature_layer must be 'penultimate' or 'projection'")
    end
    if not EMBEDDINGS[c.feature_layer] and math.type(c.feature_layer) ~= 'integer' then
      fail("feature_layer must be 'penultimate', 'projection' or a conv layer number, got %s", tostring(c.feature_layer))
    end
    c.heads = check_heads(cfg, c)
    for _, h in ipairs(c.heads) do
      if c.clustering == 'kmeans' and h.k > #c.data then
        fail('k = %d is larger than the number of images (%d)', h.k, #c.data)
      end
    end
    check_successor_options(c)
    if c.head == 'centroids' then
      -- DeepCluster-v2 clusters the network's own (L2-normalised) features, so the
      -- centroids live where the head compares them: no PCA in between.
      if cfg.preprocess ~= nil then
        fail("head 'centroids' clusters L2-normalised features: leave preprocess unset")
      end
      c.preprocess = {pca = false}
    end
    if c.clustering == 'sinkhorn' then
      -- SeLa clusters the heads' own scores: the heads persist, nothing comes in between
      if c.head ~= 'keep' then fail("clustering 'sinkhorn' labels the kept heads' scores: head must be 'keep'") end
      if cfg.preprocess ~= nil then fail("clustering 'sinkhorn' takes the heads' scores as they are: leave preprocess unset") end
      c.preprocess = false
    elseif c.sinkhorn then
      fail("sinkhorn holds the options of clustering 'sinkhorn'")
    end
    if c.reassign ~= nil and c.clustering ~= 'kmeans' then
      fail("reassign is k-means' empty-cluster strategy: clustering %s does not use it (leave " ..
        "reassign unset, or pass it to the clustering object)", type(c.clustering) == 'string'
        and "'" .. c.clustering .. "'" or 'given as ' .. type(c.clustering))
    end
    return c
  end

  -- The clustering object for a name (built-ins get the recipe's settings).
  local function make_clustering(c, k)
    local spec = c.clustering
    if type(spec) == 'function' or (type(spec) == 'table' and spec.fit) then return spec end
    if spec == 'kmeans' then
      return dc.cluster.kmeans{k = k, niter = c.niter, reassign = c.reassign,
        max_points_per_centroid = dc.cluster.NO_SUBSAMPLING, spherical = c.spherical or nil}
    end
    if type(spec) ~= 'string' then fail('clustering must be a name, an object or a function') end
    if spec == 'sinkhorn' then
      local o = {k = k}
      for key, v in pairs(c.sinkhorn or {}) do o[key] = v end
      return dc.cluster.new(spec, o)
    end
    return dc.cluster.new(spec, spec == 'pic' and {} or {k = k})
  end

  local function writable_dir(dir)
    pcall(dc.mkdirs, dir) -- a failure shows in the probe below, worded for the runner
    local probe = dir .. '/.write_test'
    local f, err = io.open(probe, 'w')
    if not f then fail('output folder %s is not writable: %s', dir, err) end
    local ok, werr = f:write(string.rep('x', 65536))
    local cok, cerr = f:close()
    os.remove(probe)
    if not ok or not cok then fail('output folder %s cannot take data: %s', dir, tostring(werr or cerr)) end
  end

  -- A readable copy of the configuration for config.json (functions and objects by kind).
  local function describe_config(c)
    local out = {}
    for k, v in pairs(c) do
      if k == 'model' then out[k] = v.name
      elseif k == 'data' then out[k] = {name = v.name, size = #v}
      elseif type(v) == 'function' then out[k] = 'lua function'
      elseif type(v) == 'table' and getmetatable(v) then out[k] = tostring(v)
      elseif type(v) == 'table' and k ~= 'hooks' then out[k] = v
      elseif type(v) ~= 'table' then out[k] = v end
    end
    return out
  end

  -- Settings a resumed run may change: they do not alter what the epochs compute.
  local RESUMABLE = {epochs = true, out = true, resume = true, verbose = true, progress = true,
    threads = true, hooks = true}

  -- v as a string that is the same for equal settings (keys sorted, objects by description).
  local function canonical(v)
    if type(v) == 'table' and not getmetatable(v) then
      local keys, parts = {}, {}
      for k in pairs(v) do keys[#keys + 1] = tostring(k) end
      table.sort(keys)
      for i, k in ipairs(keys) do
        local x = v[k]
        if x == nil then x = v[tonumber(k)] end
        parts[i] = k .. '=' .. canonical(x)
      end
      return '{' .. table.concat(parts, ',') .. '}'
    end
    return tostring(v)
  end

  -- The settings that a resume must find unchanged: {key = canonical string}.
  local function fingerprint(c)
    local f = {}
    for k, v in pairs(describe_config(c)) do
      if not RESUMABLE[k] then f[k] = canonical(v) end
    end
    -- an optimizer object's description counts its steps: compare its settings only
    if type(c.optim) == 'table' and c.optim.step then
      f.optim = canonical(c.optim.defaults)
    end
    return f
  end

  -- The learning rate of each epoch (a function), or nil: lr_schedule = {warmup = E, cosine =
  -- true, start = 0, final = 0, total = epochs} over the main optimizer's lr, or a function.
  -- The total is written back into the configuration: a resume with another one is refused.
  local function make_schedule(self)
    local s = self.cfg.lr_schedule
    if not s then return nil end
    if type(s) == 'function' then return s end
    local o = options.check('deepcluster: lr_schedule', s, {warmup = true, cosine = true,
      start = true, final = true, total = true}, 4)
    o.total = o.total or self.cfg.epochs
    self.cfg.lr_schedule = o
    o.lr = self.optim.groups[1].lr
    local ok, sched = pcall(dc.optim.schedule.warmup_cosine, o)
    o.lr = nil
    if not ok then fail('lr_schedule: %s', (tostring(sched):gsub('^schedule%.warmup_cosine: ', ''))) end
    return sched
  end

  -- The classifier module whose output is the clustered embedding (what dc.eval.embed
  -- returns: the last module, or the one before a final ReLU).
  local function embedding_module(model)
    local cls = model.classifier
    local n = cls:size()
    if cls:get(n).is_rectifier then n = n - 1 end
    return cls:get(n), cls:get(cls:size())
  end

  -- The memory bank reads the embedding from the training pass: a final in-place ReLU would
  -- have overwritten it.
  function check_bank_layer(model)
    local emb, last = embedding_module(model)
    if emb ~= last and last.inplace then
      fail("features 'memory_bank' reads the embedding before the classifier's final ReLU, which is in place: make it ReLU()")
    end
  end

  -- Builds the run from the configuration: checks it and makes the parts (clustering,
  -- sampler, preprocessing, optimizer); no file is touched (run:prepare does that).
  function Run:new(cfg)
    local c = self._check_config(cfg)
    local run = setmetatable({cfg = c, model = c.model, data = c.data, epoch = 0,
      history = {}}, self)
    run:init()
    return run
  end

  -- A subclass: local MyRun = dc.DeepCluster:extend(); function MyRun:cluster(...) end;
  -- MyRun:new(cfg) (or MyRun(cfg)) builds a run that uses the overrides.
  function Run:extend()
    local sub = setmetatable({}, {__index = self,
      __call = function(cls, cfg) return cls:new(cfg) end})
    sub.__index = sub
    sub.super = self
    return sub
  end

  -- Appends the projection head (DeepCluster-v2's MLP with L2-normalised output) to the
  -- classifier: it is then trained, checkpointed and embedded with the network, and its
  -- output is what the runner clusters. spec: {hidden =, dim =} or a module.
  local function attach_projection(self, spec)
    local m = self.model
    if m.projection then
      fail('the model already carries a projection head (from another run): build a fresh model')
    end
    local input = self:head_width()
    local proj = spec
    if not nn.is_module(spec) then
      local o = options.check('deepcluster: projection', spec, {hidden = true, dim = true}, 4)
      proj = dc.models.projection{input = input, hidden = o.hidden or input, dim = o.dim,
        generator = dc.Generator(self.cfg.seed):split(0)} -- epochs use split(1), split(2), ...
    end
    proj:training(false)
    local ok, probe = pcall(proj.forward, proj, dc.zeros(2, input))
    if not ok or not dc.is_tensor(probe) or probe:dim() ~= 2 then
      fail('projection must map [N, %d] to [N, D]: %s', input, ok and 'it returned something else' or tostring(probe))
    end
    self.projection_dim = probe:size(2)
    m.classifier:add(proj)
    m.projection = proj
  end

  function Run:init()
    local c = self.cfg
    if c.projection then attach_projection(self, c.projection) end
    -- 'bf16': mixed-precision convolutions (nn.set_precision), refused where the CPU lacks it
    nn.set_precision(self.model, c.precision, 'deepcluster')
    local tf = c.transforms or {}
    local plain = dc.transforms.compose{dc.transforms.ToFloat()}
    self.transforms = {train = tf.train or plain, eval = tf.eval or plain, views = c.views or nil}
    self.clusterings = {}
    for h, head in ipairs(c.heads) do self.clusterings[h] = make_clustering(c, head.k) end
    self.clustering = self.clusterings[1]
    self.scores_mode = c.clustering == 'sinkhorn'
    if c.clustering == 'kmeans' then c.reassign = self.clustering.reassign end
    self.sampler = dc.sampler.entry(c.sampler)
    if c.preprocess then
      self.preprocess = c.preprocess.fit_apply and c.preprocess
        or dc.cluster.preprocess(c.preprocess)
    end
    if c.stream_features and not (self.preprocess and self.preprocess.partial_fit) then
      fail('stream_features needs a preprocess with partial_fit (a dc.cluster.preprocess)')
    end
    self.labels = c.data.labels
    -- The main optimizer covers the trunk only: the head comes and goes every epoch.
    self.model:set_top_layer(nil)
    if type(c.optim) == 'table' and c.optim.step then
      self.optim = c.optim
    else
      self.optim = dc.optim.sgd(c.optim)
      self.optim:add(self.model.features)
      self.optim:add(self.model.classifier)
    end
    if c.resume and not c.out then fail('resume needs an out folder') end
    self.lr_schedule = make_schedule(self)
    if c.features == 'memory_bank' then check_bank_layer(self.model) end
  end

  -- The files of a run with out = dir: makes the folder, then resumes from its checkpoint
  -- (resume = true) or starts afresh (config.json written, log.jsonl emptied). fit and step
  -- call it once; without out it does nothing.
  function Run:prepare()
    if self.prepared then return end
    self.prepared = true
    local c = self.cfg
    if not c.out then return end
    writable_dir(c.out)
    self.paths = {log = c.out .. '/log.jsonl', checkpoint = c.out .. '/checkpoint.bin',
      assign = c.out .. '/assign.npy', config = c.out .. '/config.json'}
    if c.resume then self:resume() end
    if self.epoch == 0 then
      local f = assert(io.open(self.paths.config, 'w'))
      f:write(cjson.encode(describe_config(c)), '\n')
      f:close()
      os.remove(self.paths.log)
    end
  end

  -- ---- the steps of one epoch ----

  -- Independent random streams of epoch e, from (seed, e) alone.
  -- heads[h] = {cluster, head} for the heads after the first (which use cluster and head).
  function Run:streams(epoch)
    local g = dc.Generator(self.cfg.seed):split(epoch)
    local s = {cluster = g:split(1), sampler = g:split(2), head = g:split(3), dropout = g:split(4),
      heads = {}}
    for h = 2, #self.cfg.heads do
      s.heads[h] = {cluster = g:split(2 * h + 1), head = g:split(2 * h + 2)}
    end
    return s
  end

  -- Head h's generator of kind 'cluster' or 'head'.
  local function head_stream(streams, h, kind)
    return h == 1 and streams[kind] or streams.heads[h][kind]
  end

  -- A loader of the images order (nil: all in dataset order); with views (a list of
  -- transforms) its batches hold a list of views of each image.
  function Run:loader(transform, order, epoch, views)
    return dc.data.loader(self.data, {batch = self.cfg.batch, transform = not views and transform
      or nil, views = views, order = order, threads = self.cfg.threads, seed = self.cfg.seed,
      epoch = epoch})
  end

  function Run:show_progress()
    local p = self.cfg.progress
    if p == 'auto' then return self.cfg.verbose end
    return p
  end

  local function progress(self, label, total)
    if not self:show_progress() then return nil end
    return dc.progress(label, total)
  end

  -- Calls fn(f, idx) with the features f (float32 [b, D]) of every batch of images, in
  -- dataset order and evaluation mode; idx: the images' 1-based dataset indices.
  local function each_feature_batch(self, label, fn)
    self.model:training(false)
    local n, filled = #self.data, 0
    local bar = progress(self, label, n)
    for x, _, idx in self:loader(self.transforms.eval, nil, 0):iter() do
      local layer = self.cfg.feature_layer
      fn(EMBEDDINGS[layer] and dc.eval.embed(self.model, x)
        or dc.eval.conv_feature(self.model, x, layer, dc.eval.CONV_DIMS), idx)
      filled = filled + idx:numel()
      if bar then bar:update(filled) end
    end
    if bar then bar:finish() end
    if filled < n then
      fail('features: only %d of %d images could be read (see the loader report)', filled, n)
    end
  end

  -- Copies the rows f (float32 [b, D]) of images idx into rows idx of into.
  local function place(into, f, idx)
    local b = idx:numel()
    if idx[b] - idx[1] == b - 1 then
      into:narrow(1, idx[1], b):copy(f)
    else -- a batch with skipped (unreadable) images: place rows one by one
      for i = 1, b do into[idx[i]]:copy(f[i]) end
    end
  end

  -- Features of every image in dataset order, in evaluation mode: float32 [N, D]; with
  -- stream_features, the preprocessed ones (run:streamed_features).
  -- With features = 'memory_bank', from the second epoch on: the embeddings the previous
  -- epoch's training passes stored (bank 1 for head 1; heads alternate between the banks of
  -- the first two views, as main_deepclusterv2.py's crops 0 and 1).
  -- With clustering 'sinkhorn' (SeLa): the log-softmax scores of head h over every image,
  -- all heads computed in one pass when h = 1. step asks for h > 1 only when
  -- features_differ(run).
  function Run:features(h)
    h = h or 1
    if self.bank then
      local b = self.bank.features
      return b[(h - 1) % #b + 1]
    end
    if self.scores_mode then
      if h == 1 then self.scores = head_scores(self) end
      return self.scores[h]
    end
    if self.cfg.stream_features then return self:streamed_features() end
    local feats
    each_feature_batch(self, 'features', function(f, idx)
      feats = feats or dc.empty(#self.data, f:size(2))
      place(feats, f, idx)
    end)
    return feats
  end

  -- Whether the heads cluster different features (run:features(h) per head).
  features_differ = function(self)
    return self.scores_mode or (self.bank and #self.bank.features > 1) or false
  end

  -- Every head's log-softmax scores over all images in dataset order, evaluation mode:
  -- {float32 [N, k_h], ...}. The heads (kept across epochs) are those ensure_heads made.
  head_scores = function(self)
    local m, n, nheads = self.model, #self.data, #self.cfg.heads
    local heads = {}
    for h = 1, nheads do heads[h] = self.kept[h].head end
    m:set_top_layer(nheads == 1 and heads[1] or nn.ConcatTable(heads))
    m:training(false)
    local scores, logsoftmax = {}, nn.LogSoftmax()
    local bar = progress(self, 'scores', n)
    for x, _, idx in self:loader(self.transforms.eval, nil, 0):iter() do
      local out = m:forward(x)
      for h = 1, nheads do
        local y = logsoftmax:forward(nheads == 1 and out or out[h])
        scores[h] = scores[h] or dc.empty(n, y:size(2))
        place(scores[h], y, idx)
      end
      if bar then bar:update(idx[idx:numel()]) end
    end
    if bar then bar:finish() end
    m:set_top_layer(nil)
    return scores
  end

  -- Makes the kept heads that do not exist yet (SeLa's heads live from the first epoch on:
  -- their scores are what is clustered).
  ensure_heads = function(self, streams)
    self.kept = self.kept or {}
    local dim = self:head_width()
    for h, head in ipairs(self.cfg.heads) do
      if not self.kept[h] then
        self:new_head({k = head.k}, dim, streams, h)
        self.model:set_top_layer(nil)
      end
    end
  end

  -- The preprocessed features without the raw ones (stream_features): pass 1 fits the
  -- preprocessing batch by batch, pass 2 projects every batch. float32 [N, d_out].
  function Run:streamed_features()
    local pre, out = self.preprocess, nil
    pre:reset()
    each_feature_batch(self, 'features (fit)', function(f) pre:partial_fit(f) end)
    pre:finish()
    each_feature_batch(self, 'features (project)', function(f, idx)
      local y = pre:apply(f)
      out = out or dc.empty(#self.data, y:size(2))
      place(out, y, idx)
    end)
    return out
  end

  -- The largest k-means seed: FAISS takes a signed 32-bit seed.
  local MAX_SEED = 2147483646

  -- Clusters the features (already preprocessed when stream_features); returns the clustering
  -- result {assign, k, loss, stats, ...}.
  -- h: the head (1 when not given), whose k and clustering are used.
  function Run:cluster(feats, streams, h)
    h = h or 1
    local pre = not self.cfg.stream_features and self.preprocess
    local x = pre and pre:fit_apply(feats) or feats
    local algo, gen = self.clusterings[h], head_stream(streams, h, 'cluster')
    local res
    if type(algo) == 'function' then
      res = dc.cluster.fit(algo, x, self.cfg.heads[h].k, gen)
    else
      res = dc.cluster.fit(algo, x, {seed = gen:random(0, MAX_SEED)})
    end
    res.features = x
    return res
  end

  -- Gives every module that draws random numbers (set_generator) the epoch's stream.
  local function set_generators(m, gen)
    if m.set_generator then m:set_generator(gen) end
    for _, child in ipairs(m.modules or {}) do set_generators(child, gen) end
  end

  -- The dataset indices this epoch trains on (int64 [n], 1-based), from the sampler, whose
  -- result dc.sampler.draw checks.
  function Run:sample(res, streams)
    local n_epoch = math.max(1, math.floor(self.cfg.epoch_size * #self.data + 0.5))
    return dc.sampler.draw(self.sampler, res.assign, res.k, streams.sampler, n_epoch)
  end

  -- Input width of the head: the classifier's output (whatever layer was clustered).
  function Run:head_width()
    if self.projection_dim then return self.projection_dim end
    local cls = self.model.classifier
    for i = cls:size(), 1, -1 do
      local w = cls:get(i).out_features
      if w then return w end
    end
    fail('the classifier has no layer with out_features to size the head from')
  end

  -- Installs head h (1 when not given) for this epoch's k clusters; returns its optimizer (or
  -- nil). The runner gathers several heads into one nn.ConcatTable after the calls.
  function Run:new_head(res, dim, streams, h)
    h = h or 1
    local c, m, k = self.cfg, self.model, res.k
    self.kept = self.kept or {}
    local kept = self.kept[h]
    if c.head == 'keep' and m.top_layer == nil and kept and kept.head.out_features == k then
      m:set_top_layer(kept.head)
      return kept.optim
    end
    if c.head == 'centroids' then
      if not res.centroids then fail("head 'centroids' needs a clustering that returns centroids") end
      m:set_top_layer(nn.CentroidHead(res.centroids, {temperature = c.temperature}))
      return nil
    end
    local top = nn.set_precision(nn.Linear(dim, k), c.precision, 'deepcluster')
    top.weight:normal_(0, 0.01, head_stream(streams, h, 'head'))
    top.bias:fill(0)
    m:set_top_layer(top)
    local opt = dc.optim.sgd(c.head_optim)
    opt:add(top)
    if c.head == 'keep' then self.kept[h] = {head = top, optim = opt} end
    return opt
  end

  local function finite(x) return x == x and x ~= math.huge and x ~= -math.huge end

  -- What a stop leaves behind, for the error message.
  local function checkpoint_state(self)
    if not self.paths then return 'no checkpoint is kept (out is not set)' end
    if self.epoch == 0 then
      return 'there is no checkpoint yet (the first is written at the end of epoch 1)'
    end
    return string.format('the checkpoint of epoch %d is intact (resume = true continues)',
      self.epoch)
  end

  -- Stores the embedding of the training pass (view v of images ids) in bank v, counting
  -- the entries of each image.
  local function bank_store(bank, v, model, ids)
    local f = embedding_module(model).output
    local into, count = bank.features[v], bank.count[v]
    for i = 1, ids:numel() do
      local j = ids[i]
      into[j]:copy(f[i])
      count[j] = count[j] + 1
    end
  end

  -- An empty bank for the epoch's training passes: one per view up to two.
  local function new_bank(self, nviews, dim)
    local n = #self.data
    local bank = {features = {}, count = {}}
    for v = 1, math.min(2, nviews) do
      bank.features[v], bank.count[v] = dc.zeros(n, dim), dc.zeros(n, {dtype = 'int64'})
    end
    return bank
  end

  -- One epoch of training on the pseudo-labels of every head (results[h].assign); returns
  -- the mean loss (over heads and views) and the list of each head's mean loss. head_optims:
  -- one optimizer (or nil) per head. With views, every view of an image has its labels; the
  -- gradients of the views and heads are averaged before one optimizer step per batch.
  function Run:train(results, idx, epoch, streams, head_optims)
    local m, heads = self.model, #results
    m:training(true)
    set_generators(m.classifier, streams.dropout)
    local crits = {}
    for h, res in ipairs(results) do
      local weight = self.sampler.loss_weights and self.sampler.loss_weights(res.assign, res.k)
      crits[h] = nn.CrossEntropyLoss(weight and {weight = weight} or nil)
    end
    local views = self.transforms.views
    local nviews = views and #views or 1
    local scale = 1 / (heads * nviews)
    local bank = self.cfg.features == 'memory_bank' and new_bank(self, nviews, bank_width(self))
    local total, seen, batches = 0, 0, 0
    local head_totals = {}
    for h = 1, heads do head_totals[h] = 0 end
    local bar = progress(self, string.format('epoch %d train', epoch), idx:numel())
    local hook = self.cfg.hooks and self.cfg.hooks.on_batch
    for xs, _, ids in self:loader(self.transforms.train, idx, epoch, views):iter() do
      if not views then xs = {xs} end
      local ys = {}
      for h, res in ipairs(results) do ys[h] = res.assign:index_select(1, ids) end
      batches = batches + 1
      m:zero_grad()
      local loss = 0
      for v, x in ipairs(xs) do
        local out = m:forward(x)
        if bank and bank.features[v] then bank_store(bank, v, m, ids) end
        local outs, dys = heads == 1 and {out} or out, {}
        for h = 1, heads do
          local l = crits[h]:forward(outs[h], ys[h])
          if not finite(l) then
            fail('epoch %d, batch %d: the loss is %s; stopping (%s)', epoch, batches,
              l ~= l and 'NaN' or tostring(l), checkpoint_state(self))
          end
          loss, head_totals[h] = loss + l * scale, head_totals[h] + l * ids:numel() / nviews
          dys[h] = crits[h]:backward(outs[h], ys[h])
          if scale ~= 1 then dys[h] = dys[h] * scale end
        end
        m:backward(x, heads == 1 and dys[1] or dys)
      end
      self.optim:step()
      for h = 1, heads do
        if head_optims[h] then head_optims[h]:step() end
      end
      total, seen = total + loss * ids:numel(), seen + ids:numel()
      if bar then bar:update(seen) end
      if hook then hook(self, batches, loss) end
      if dc.interrupted() then
        if bar then bar:finish() end
        fail('interrupted during epoch %d; %s', epoch, checkpoint_state(self))
      end
    end
    if bar then bar:finish() end
    if bank then keep_bank(self, bank) end
    for h = 1, heads do head_totals[h] = head_totals[h] / math.max(seen, 1) end
    return total / math.max(seen, 1), head_totals
  end

  -- Width of the clustered embedding (what the bank stores).
  bank_width = function(self)
    local emb = embedding_module(self.model)
    return self.projection_dim or emb.out_features
      or fail('the classifier has no layer with out_features to size the memory bank from')
  end

  -- Takes the epoch's bank as the next epoch's features, after checking that it holds every
  -- image's entry exactly once.
  keep_bank = function(self, bank)
    for v, count in ipairs(bank.count) do
      local lo, hi = count:min(), count:max()
      if lo ~= 1 or hi ~= 1 then
        fail("features 'memory_bank': view %d stored between %d and %d entries per image this " ..
          'epoch instead of exactly one (unreadable images?)', v, lo, hi)
      end
    end
    self.bank = bank -- {features = {float32 [N, D], ...}, count = {int64 [N] (all 1), ...}}
  end

  local function median(sizes)
    local s = sizes:sort()
    local n = s:numel()
    return n % 2 == 1 and s[(n + 1) // 2] or (s[n // 2] + s[n // 2 + 1]) / 2
  end

  -- The number of classes when the labels are known (ids 1..n).
  local function class_count(labels)
    return labels and labels:max() or nil
  end

  -- A cluster head's own answer: the argmax of every head with as many outputs as there are
  -- classes, over all images in evaluation mode, scored as a clustering (NMI with the
  -- labels). {[h] = nmi}; costs one forward pass, made only when such a head exists.
  head_answers = function(self, results)
    local classes = class_count(self.labels)
    local wanted = {}
    for h, res in ipairs(results) do
      if res.k == classes then wanted[#wanted + 1] = h end
    end
    if #wanted == 0 then return {} end
    local m, n = self.model, #self.data
    m:training(false)
    local preds = {}
    for _, h in ipairs(wanted) do preds[h] = dc.zeros(n, {dtype = 'int64'}) end
    for x, _, idx in self:loader(self.transforms.eval, nil, 0):iter() do
      local out = m:forward(x)
      for _, h in ipairs(wanted) do
        local _, arg = (#results == 1 and out or out[h]):max(2)
        for i = 1, idx:numel() do preds[h][idx[i]] = arg[i] end
      end
    end
    local nmi = {}
    for _, h in ipairs(wanted) do nmi[h] = dc.metrics.nmi(preds[h], self.labels) end
    return nmi
  end

  -- The collapse symptoms of one head (method.md §10): one cluster holding more than
  -- collapse_share of the images, or a loss at ln k (the head predicts uniformly). A
  -- message, or nil.
  local function collapse_of(self, sizes, loss, k, n)
    local share = sizes.max / n
    if share > self.cfg.collapse_share then
      return string.format('one cluster holds %.0f%% of the images (more than collapse_share = %g)',
        100 * share, self.cfg.collapse_share)
    end
    if k > 1 and math.abs(loss - math.log(k)) < 0.01 * math.log(k) then
      return string.format('the loss %.4f sits at ln k = %.4f (uniform predictions)', loss, math.log(k))
    end
    return nil
  end

  -- One line on stderr for the heads that show collapse: the first one's message, and how
  -- many others (their messages are in log.jsonl).
  local function warn_collapse(name, epoch, all)
    local hit = {}
    for h, st in ipairs(all) do
      if st.collapse ~= cjson.null then hit[#hit + 1] = h end
    end
    if #hit == 0 then return end
    local others = #hit > 1 and string.format(' (and %d more of the %d heads: see collapse in ' ..
      'log.jsonl)', #hit - 1, #all) or ''
    io.stderr:write(string.format('%s: warning: epoch %d, head %d: %s%s\n', name, epoch,
      hit[1], all[hit[1]].collapse, others))
  end

  -- The log entries of one head. empty is what the assignment leaves empty; empty_met counts
  -- the empty clusters k-means met across its iterations (its reassignment strategy acted on
  -- each), null for a clustering that does not report it.
  local function head_stats(self, h, res, sizes, loss)
    local prev = self.prev_assigns and self.prev_assigns[h] or h == 1 and self.prev_assign
    return {k = res.k, objective = res.loss or cjson.null, loss = loss,
      nmi_labels = self.labels and dc.metrics.nmi(res.assign, self.labels) or cjson.null,
      nmi_prev = prev and dc.metrics.nmi(res.assign, prev) or cjson.null,
      empty = sizes.empty, empty_met = res.stats and res.stats.nempty_met or cjson.null,
      size_min = sizes.min, size_median = median(sizes.sizes),
      size_max = sizes.max, size_entropy = sizes.entropy,
      collapse = collapse_of(self, sizes, loss, res.k, res.assign:numel()) or cjson.null}
  end

  -- The start of epoch (self.epoch + 1) every runner's step shares: prepare, the epoch's
  -- random streams, hooks.on_epoch_start, the schedule's learning rate set on run.optim.
  -- Returns cfg, epoch, hooks, streams and that learning rate (nil without a schedule).
  function Run:begin_epoch()
    self:prepare()
    local c, epoch = self.cfg, self.epoch + 1
    local hooks = c.hooks or {}
    local streams = self:streams(epoch)
    if hooks.on_epoch_start then hooks.on_epoch_start(self, epoch) end
    local lr
    if self.lr_schedule then
      lr = self.lr_schedule(epoch)
      self.optim:set_lr(lr)
    end
    return c, epoch, hooks, streams, lr
  end

  -- Runs epoch (self.epoch + 1); returns its log entry: head 1's statistics at the top level,
  -- and with several heads every head's in heads = {...}.
  function Run:step()
    local c, epoch, hooks, streams = self:begin_epoch()
    self.model:set_top_layer(nil)

    local t0 = dc.now()
    if self.scores_mode then ensure_heads(self, streams) end
    local feats = self:features(1)
    if hooks.on_features then hooks.on_features(self, feats) end
    local t1 = dc.now()
    local results, nheads = {}, #c.heads
    local differ = features_differ(self)
    for h = 1, nheads do
      results[h] = self:cluster((h == 1 or not differ) and feats or self:features(h), streams, h)
      if hooks.on_clusters then hooks.on_clusters(self, results[h], h) end
    end
    local res = results[1]
    local t2 = dc.now()

    local idx = self:sample(res, streams)
    if c.features == 'memory_bank' and not visits_each_once(self, idx) then
      fail("features 'memory_bank' needs every image once per epoch: sampler = 'shuffle' " ..
        'with epoch_size = 1 (or a sampler returning a permutation of 1..%d)', #self.data)
    end
    local dim, heads, head_optims = self:head_width(), {}, {}
    for h = 1, nheads do
      head_optims[h] = self:new_head(results[h], dim, streams, h)
      heads[h] = self.model:set_top_layer(nil)
    end
    self.model:set_top_layer(nheads == 1 and heads[1] or nn.ConcatTable(heads))
    local loss, head_losses = self:train(results, idx, epoch, streams, head_optims)
    local answers = head_answers(self, results)
    local t3 = dc.now()

    local all = {}
    for h = 1, nheads do
      local r = results[h]
      all[h] = head_stats(self, h, r, dc.metrics.sizes(r.assign, r.k), head_losses[h])
      all[h].head_nmi_labels = answers[h] or cjson.null
    end
    local stats = {loss = loss} -- the mean over heads
    stats.epoch, stats.t_features, stats.t_cluster, stats.t_train = epoch, t1 - t0, t2 - t1, t3 - t2
    stats.dims = (res.features or feats):size(2) -- what was clustered: the PCA may keep fewer
    stats.lr = self.optim.groups[1].lr
    stats.sampler = type(c.sampler) == 'string' and c.sampler or 'lua function'
    return self:close_epoch(epoch, results, all, stats)
  end

  -- Ends epoch `epoch` of heads' results (with their statistics all[h]): stats, the log entry,
  -- gets head 1's statistics where it has none of its own, and every head's in heads = {...}
  -- when there are several; collapse warnings; the assignments are kept, the log line and
  -- checkpoint written, on_epoch_end called. Returns stats.
  function Run:close_epoch(epoch, results, all, stats)
    local c, nheads = self.cfg, #results
    for key, v in pairs(all[1]) do
      if stats[key] == nil then stats[key] = v end
    end
    if nheads > 1 then stats.heads = all end
    if c.verbose then warn_collapse(self.name, epoch, all) end
    self.prev_assigns = {}
    for h = 1, nheads do self.prev_assigns[h] = results[h].assign end
    self.epoch, self.prev_assign, self.last = epoch, results[1].assign, results[1]
    self.history[#self.history + 1] = stats
    if self.paths then self:save(stats) end
    local hooks = c.hooks or {}
    if hooks.on_epoch_end then hooks.on_epoch_end(self, stats) end
    return stats
  end

  -- Whether idx (int64) is a permutation of the dataset's indices.
  visits_each_once = function(self, idx)
    local n = #self.data
    if idx:numel() ~= n then return false end
    local sizes = dc.metrics.sizes(idx, n)
    return sizes.min == 1 and sizes.max == 1
  end

  local function fmt(v, f) return v == cjson.null and '-' or string.format(f, v) end

  function Run.format_stats(s)
    if type(s) ~= 'table' then
      error('format_stats: expected a stats table, got ' .. type(s), 2)
    end
    return string.format('epoch %3d  loss %.4f  objective %s%s  nmi(labels) %s  ' ..
      'nmi(prev) %s  empty %d  sizes %d/%s/%d  %.1fs+%.1fs+%.1fs', s.epoch, s.loss,
      fmt(s.objective, '%.1f'), s.dims and string.format(' (%d dims)', s.dims) or '',
      fmt(s.nmi_labels, '%.4f'), fmt(s.nmi_prev, '%.4f'), s.empty, s.size_min,
      fmt(s.size_median, '%g'), s.size_max, s.t_features, s.t_cluster, s.t_train)
  end

  -- Runs the remaining epochs; returns the list of per-epoch stats. Ctrl-C stops after the
  -- current batch, leaving the last epoch's checkpoint as it was.
  function Run:fit()
    self:prepare()
    dc.catch_interrupts(true)
    local ok, err = pcall(function()
      while self.epoch < self.cfg.epochs do
        local stats = self:step()
        if self.cfg.verbose then print(Run.format_stats(stats)) end
      end
    end)
    dc.catch_interrupts(false)
    if not ok then error(err, 0) end
    return self.history
  end

  -- Writes nmi.png, loss.png, clusters.jpg and results.md into the run folder (dc.report.run).
  function Run:report(opts) return dc.report.run(self, opts) end

  -- ---- checkpoints ----

  -- Appends the log line and writes the checkpoint and the assignment atomically.
  function Run:save(stats)
    local f = assert(io.open(self.paths.log, 'a'))
    f:write(cjson.encode(stats), '\n')
    f:close()
    for h, assign in ipairs(self.prev_assigns) do dc.save_npy(path_of(self, 'assign', h), assign) end
    for v, bank in ipairs(self.bank and self.bank.features or {}) do
      dc.save_npy(path_of(self, 'bank', v), bank)
    end
    -- a re-created head is never checkpointed; kept heads (head 'keep') are, with their
    -- optimizers, as the top layer {head 1, head 2, ...}
    local head = self.model:set_top_layer(nil)
    local kept, optims, ks = {}, {self.optim}, {}
    for h, e in ipairs(self.kept or {}) do
      kept[h], optims[h + 1], ks[h] = e.head, e.optim, e.head.out_features
    end
    if #kept > 0 then self.model:set_top_layer(nn.ConcatTable(kept)) end
    dc.checkpoint.save(self.paths.checkpoint, {model = self.model, optim = optims,
      meta = {epoch = self.epoch, seed = self.cfg.seed, k = stats.k, kept = ks,
        config = fingerprint(self.cfg)}})
    self.model:set_top_layer(head)
  end

  -- Continues from the checkpoint in out, if there is one; refuses one made with other
  -- settings (all but RESUMABLE), naming every setting that differs.
  function Run:resume()
    local f = io.open(self.paths.checkpoint, 'rb')
    if not f then return end
    f:close()
    local info = dc.checkpoint.load(self.paths.checkpoint, {})
    local saved = info.config or {}
    local now, diffs, keys = fingerprint(self.cfg), {}, {}
    for k in pairs(saved) do keys[k] = true end
    for k in pairs(now) do keys[k] = true end -- a subclass's options count too
    for k in pairs(keys) do
      if not RESUMABLE[k] and saved[k] ~= now[k] then
        diffs[#diffs + 1] = string.format('%s (checkpoint %s, now %s)', k, saved[k] or 'unset',
          now[k] or 'unset')
      end
    end
    if #diffs > 0 then
      table.sort(diffs)
      fail('resume: the checkpoint in %s was made with other settings: %s; use another out ' ..
        'folder, or resume = false to start afresh', self.cfg.out, table.concat(diffs, '; '))
    end
    -- the kept heads, made in their saved sizes, then loaded with the network
    self:remake_kept(info.kept or {})
    local optims, kept = {self.optim}, {}
    for h, e in ipairs(self.kept) do kept[h], optims[h + 1] = e.head, e.optim end
    self.model:set_top_layer(#kept > 0 and nn.ConcatTable(kept) or nil)
    local meta = dc.checkpoint.load(self.paths.checkpoint, {model = self.model, optim = optims})
    self.model:set_top_layer(nil)
    self.epoch = meta.epoch
    self.prev_assigns = {}
    for h = 1, #self.cfg.heads do self.prev_assigns[h] = dc.load_npy(path_of(self, 'assign', h)) end
    self.prev_assign = self.prev_assigns[1]
    if self.cfg.features == 'memory_bank' then
      local banks = {}
      for v = 1, math.min(2, self.transforms.views and #self.transforms.views or 1) do
        banks[v] = dc.load_npy(path_of(self, 'bank', v))
      end
      self.bank = {features = banks}
    end
  end

  -- Makes self.kept = {{head =, optim =}, ...}: the kept heads of a checkpoint, in their saved
  -- sizes ks, to be loaded (a subclass with other kept modules re-makes those).
  function Run:remake_kept(ks)
    self.kept = {}
    for h, k in ipairs(ks) do
      local top = nn.Linear(self:head_width(), k)
      local opt = dc.optim.sgd(self.cfg.head_optim)
      opt:add(top)
      self.kept[h] = {head = top, optim = opt}
    end
  end

  -- The file of the run folder holding head h's assignment (assign.npy, assign_2.npy, ...)
  -- or view v's memory bank (bank.npy, bank_2.npy).
  path_of = function(self, kind, i)
    return string.format('%s/%s%s.npy', self.cfg.out, kind, i == 1 and '' or '_' .. i)
  end

  -- The per-epoch entries of a run folder's log.jsonl (JSON nulls become nil).
  function dc.deepcluster_log(dir)
    if type(dir) ~= 'string' then
      error('deepcluster_log: expected a folder name, got ' .. type(dir), 2)
    end
    local f = io.open(dir .. '/log.jsonl', 'r')
    if not f then return {} end
    local entries = {}
    for line in f:lines() do
      local e = cjson.decode(line)
      for k, v in pairs(e) do
        if v == cjson.null then e[k] = nil end
      end
      entries[#entries + 1] = e
    end
    f:close()
    return entries
  end

  -- Pieces dclab's own runners with a loop of their own reuse (dc.swav); private (leading
  -- underscore: no help entry, no argument checks): set_generators(module, gen),
  -- attach_projection(run, spec), head_stats(run, h, res, sizes, loss), make_schedule(run),
  -- check_run_options(name, cfg, spec), path_of(run, kind, i).
  Run._parts = {set_generators = set_generators, attach_projection = attach_projection,
    head_stats = head_stats, make_schedule = make_schedule, check_run_options = check_run_options,
    path_of = path_of}
  -- the options check of Run:new, cfg -> c with defaults (a subclass puts its own)
  Run._check_config = check_config

  dc.DeepCluster = require('dclab.class').check_self(Run, 'DeepCluster')
  function dc.deepcluster(cfg) return Run:new(cfg) end

  return Run
end
