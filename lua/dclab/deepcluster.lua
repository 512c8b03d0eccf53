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
-- precision = 'bf16' computes the convolutions in bf16 with fp32 sums (nn.set_precision).
--
-- Every random choice of epoch e comes from streams split off (seed, e): running N epochs
-- straight, or k epochs, a resume, then N - k, gives the same assignments and weights.
return function(dc)
  local cjson = require 'cjson'
  local options = require 'dclab.options'
  local nn = dc.nn

  -- The class. dc.DeepCluster:extend() makes a subclass whose methods override the steps
  -- (features, cluster, sample, new_head, train); dc.deepcluster(cfg) is DeepCluster:new(cfg).
  local Run = {}
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
  }

  local function fail(fmt, ...) error('deepcluster: ' .. string.format(fmt, ...), 3) end

  local function check_config(cfg)
    if type(cfg) ~= 'table' then fail('expected a configuration table, got %s', type(cfg)) end
    local c = options.check('deepcluster', cfg, OPTIONS, 3)
    if type(c.model) ~= 'table' or not c.model.stages then
      fail('model must be a dc.models network (with sobel/features/classifier), got %s', type(c.model))
    end
    if type(c.data) ~= 'table' or not c.data.desc then
      fail('data must be a dc.data dataset, got %s', type(c.data))
    end
    if #c.data < 2 then fail('data has %d images; at least 2 are needed', #c.data) end
    if c.head == 'centroids' and c.feature_layer ~= 'penultimate' then
      fail("head 'centroids' compares the penultimate features with the centroids: feature_layer must be 'penultimate'")
    end
    if c.feature_layer ~= 'penultimate' and math.type(c.feature_layer) ~= 'integer' then
      fail("feature_layer must be 'penultimate' or a conv layer number, got %s", tostring(c.feature_layer))
    end
    if c.clustering == 'kmeans' and c.k > #c.data then
      fail('k = %d is larger than the number of images (%d)', c.k, #c.data)
    end
    if c.head == 'centroids' then
      -- DeepCluster-v2 clusters the network's own (L2-normalised) features, so the
      -- centroids live where the head compares them: no PCA in between.
      if cfg.preprocess ~= nil then
        fail("head 'centroids' clusters L2-normalised features: leave preprocess unset")
      end
      c.preprocess = {pca = false}
    end
    if c.reassign ~= nil and c.clustering ~= 'kmeans' then
      fail("reassign is k-means' empty-cluster strategy: clustering %s does not use it (leave " ..
        "reassign unset, or pass it to the clustering object)", type(c.clustering) == 'string'
        and "'" .. c.clustering .. "'" or 'given as ' .. type(c.clustering))
    end
    return c
  end

  -- The clustering object for a name (built-ins get the recipe's settings).
  local function make_clustering(c)
    local spec = c.clustering
    if type(spec) == 'function' or (type(spec) == 'table' and spec.fit) then return spec end
    if spec == 'kmeans' then
      return dc.cluster.kmeans{k = c.k, niter = c.niter, reassign = c.reassign,
        max_points_per_centroid = dc.cluster.NO_SUBSAMPLING}
    end
    if type(spec) ~= 'string' then fail('clustering must be a name, an object or a function') end
    return dc.cluster.new(spec, spec == 'pic' and {} or {k = c.k})
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

  -- Builds the run from the configuration: checks it and makes the parts (clustering,
  -- sampler, preprocessing, optimizer); no file is touched (run:prepare does that).
  function Run:new(cfg)
    local c = check_config(cfg)
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

  function Run:init()
    local c = self.cfg
    -- 'bf16': mixed-precision convolutions (nn.set_precision), refused where the CPU lacks it
    nn.set_precision(self.model, c.precision, 'deepcluster')
    local tf = c.transforms or {}
    local plain = dc.transforms.compose{dc.transforms.ToFloat()}
    self.transforms = {train = tf.train or plain, eval = tf.eval or plain}
    self.clustering = make_clustering(c)
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
  function Run:streams(epoch)
    local g = dc.Generator(self.cfg.seed):split(epoch)
    return {cluster = g:split(1), sampler = g:split(2), head = g:split(3), dropout = g:split(4)}
  end

  function Run:loader(transform, order, epoch)
    return dc.data.loader(self.data, {batch = self.cfg.batch, transform = transform,
      order = order, threads = self.cfg.threads, seed = self.cfg.seed, epoch = epoch})
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
      fn(layer == 'penultimate' and dc.eval.embed(self.model, x)
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
  function Run:features()
    if self.cfg.stream_features then return self:streamed_features() end
    local feats
    each_feature_batch(self, 'features', function(f, idx)
      feats = feats or dc.empty(#self.data, f:size(2))
      place(feats, f, idx)
    end)
    return feats
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
  function Run:cluster(feats, streams)
    local pre = not self.cfg.stream_features and self.preprocess
    local x = pre and pre:fit_apply(feats) or feats
    local algo = self.clustering
    local res
    if type(algo) == 'function' then
      res = dc.cluster.fit(algo, x, self.cfg.k, streams.cluster)
    else
      res = dc.cluster.fit(algo, x, {seed = streams.cluster:random(0, MAX_SEED)})
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
    local cls = self.model.classifier
    for i = cls:size(), 1, -1 do
      local w = cls:get(i).out_features
      if w then return w end
    end
    fail('the classifier has no layer with out_features to size the head from')
  end

  -- Installs the head for this epoch's k clusters; returns its optimizer (or nil).
  function Run:new_head(res, dim, streams)
    local c, m, k = self.cfg, self.model, res.k
    if c.head == 'keep' and m.top_layer == nil and self.kept_head and self.kept_head.out_features == k then
      m:set_top_layer(self.kept_head)
      return self.head_optim
    end
    if c.head == 'centroids' then
      if not res.centroids then fail("head 'centroids' needs a clustering that returns centroids") end
      m:set_top_layer(nn.CentroidHead(res.centroids, {temperature = c.temperature}))
      return nil
    end
    local top = nn.Linear(dim, k)
    top.weight:normal_(0, 0.01, streams.head)
    top.bias:fill(0)
    m:set_top_layer(top)
    local opt = dc.optim.sgd(c.head_optim)
    opt:add(top)
    if c.head == 'keep' then self.kept_head = top end
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

  -- One epoch of training on the pseudo-labels; returns the mean loss.
  function Run:train(res, idx, epoch, streams, head_optim)
    local m = self.model
    m:training(true)
    set_generators(m.classifier, streams.dropout)
    local weight = self.sampler.loss_weights and self.sampler.loss_weights(res.assign, res.k)
    local crit = nn.CrossEntropyLoss(weight and {weight = weight} or nil)
    local total, seen, batches = 0, 0, 0
    local bar = progress(self, string.format('epoch %d train', epoch), idx:numel())
    local hook = self.cfg.hooks and self.cfg.hooks.on_batch
    for x, _, ids in self:loader(self.transforms.train, idx, epoch):iter() do
      local y = res.assign:index_select(1, ids)
      local out = m:forward(x)
      local loss = crit:forward(out, y)
      batches = batches + 1
      if not finite(loss) then
        fail('epoch %d, batch %d: the loss is %s; stopping (%s)', epoch, batches,
          loss ~= loss and 'NaN' or tostring(loss), checkpoint_state(self))
      end
      m:zero_grad()
      m:backward(x, crit:backward(out, y))
      self.optim:step()
      if head_optim then head_optim:step() end
      total, seen = total + loss * x:size(1), seen + x:size(1)
      if bar then bar:update(seen) end
      if hook then hook(self, batches, loss) end
      if dc.interrupted() then
        if bar then bar:finish() end
        fail('interrupted during epoch %d; %s', epoch, checkpoint_state(self))
      end
    end
    if bar then bar:finish() end
    return total / math.max(seen, 1)
  end

  local function median(sizes)
    local s = sizes:sort()
    local n = s:numel()
    return n % 2 == 1 and s[(n + 1) // 2] or (s[n // 2] + s[n // 2 + 1]) / 2
  end

  -- Runs epoch (self.epoch + 1); returns its log entry.
  function Run:step()
    self:prepare()
    local c, epoch = self.cfg, self.epoch + 1
    local hooks = c.hooks or {}
    local streams = self:streams(epoch)
    if hooks.on_epoch_start then hooks.on_epoch_start(self, epoch) end
    self.model:set_top_layer(nil)

    local t0 = dc.now()
    local feats = self:features()
    if hooks.on_features then hooks.on_features(self, feats) end
    local t1 = dc.now()
    local res = self:cluster(feats, streams)
    if hooks.on_clusters then hooks.on_clusters(self, res) end
    local t2 = dc.now()

    local sizes = dc.metrics.sizes(res.assign, res.k)
    local idx = self:sample(res, streams)
    local head_optim = self:new_head(res, self:head_width(), streams)
    local loss = self:train(res, idx, epoch, streams, head_optim)
    local t3 = dc.now()

    local stats = {
      epoch = epoch, t_features = t1 - t0, t_cluster = t2 - t1, t_train = t3 - t2,
      objective = res.loss or cjson.null, loss = loss, k = res.k,
      dims = (res.features or feats):size(2), -- what was clustered: the PCA may keep fewer
      nmi_labels = self.labels and dc.metrics.nmi(res.assign, self.labels) or cjson.null,
      nmi_prev = self.prev_assign and dc.metrics.nmi(res.assign, self.prev_assign) or cjson.null,
      empty = sizes.empty, size_min = sizes.min, size_median = median(sizes.sizes),
      size_max = sizes.max, size_entropy = sizes.entropy, lr = self.optim.groups[1].lr,
      sampler = type(c.sampler) == 'string' and c.sampler or 'lua function',
    }
    self.epoch, self.prev_assign, self.last = epoch, res.assign, res
    self.history[#self.history + 1] = stats
    if self.paths then self:save(stats) end
    if hooks.on_epoch_end then hooks.on_epoch_end(self, stats) end
    return stats
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
    dc.save_npy(self.paths.assign, self.prev_assign)
    local head = self.model:set_top_layer(nil) -- the head is re-created; never checkpointed
    dc.checkpoint.save(self.paths.checkpoint, {model = self.model, optim = self.optim,
      meta = {epoch = self.epoch, seed = self.cfg.seed, k = stats.k,
        config = fingerprint(self.cfg)}})
    self.model:set_top_layer(head)
  end

  -- Continues from the checkpoint in out, if there is one; refuses one made with other
  -- settings (all but RESUMABLE), naming every setting that differs.
  function Run:resume()
    local f = io.open(self.paths.checkpoint, 'rb')
    if not f then return end
    f:close()
    local saved = dc.checkpoint.load(self.paths.checkpoint, {}).config or {}
    local now, diffs = fingerprint(self.cfg), {}
    for k in pairs(OPTIONS) do
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
    self.model:set_top_layer(nil)
    local meta = dc.checkpoint.load(self.paths.checkpoint, {model = self.model, optim = self.optim})
    self.epoch = meta.epoch
    self.prev_assign = dc.load_npy(self.paths.assign)
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

  dc.DeepCluster = require('dclab.class').check_self(Run, 'DeepCluster')
  function dc.deepcluster(cfg) return Run:new(cfg) end

  return Run
end
