-- dc.eval: how good are a network's features? The same code measures learned networks and
-- the baselines (raw pixels, a randomly initialised network), so the comparison is fair.
--   dc.eval.features(model, data, {layer = 'penultimate' | conv index | 'pixels'}) -> [N, D]
--   dc.eval.clustering(feats, labels, {k = 10, seeds = 3})   k-means -> NMI / ARI / ACC, with
--   dc.eval.clustering(model, data, {k = #classes})        the paper's PCA-whitening + L2
--                                                          and with L2 only
--   dc.eval.knn(train_f, train_y, test_f, test_y, {k = 20})   cosine (or l2) k-NN accuracy
--   dc.eval.knn(model, train, test, {k = 20, metric = 'cosine'})
--   dc.eval.linear_probe(train_f, train_y, test_f, test_y, {epochs = 10})  linear classifier
--   dc.eval.linear_probe(model, train, test, {layer = 1..})   on a frozen, pooled conv layer
-- (model may be nil for raw pixels; the model forms take transform = and threads = too)
--   dc.eval.report(model, train, test, opts) -> all of the above for one feature extractor
--   dc.eval.kmeans(x, {k = 10, seed = 1}) -> assign   the one k-means every score uses
--   dc.eval.kmeans_nmi(f, labels, {seed = 1})         its NMI on the L2 rows (training curves)
local options = require 'dclab.options'

return function(dc)
  local eval = {}

  -- The size of a pooled conv feature (the paper's probes pool each conv layer to about
  -- 2304 values).
  eval.CONV_DIMS = 2304

  -- valid: the option names fname takes, checked by dclab.options (values are checked where
  -- they are used).
  local function check(fname, opts, valid)
    local spec = {}
    for _, k in ipairs(valid) do spec[k] = true end
    local o = options.check(fname, opts, spec, 3)
    return o -- not a tail call: the error level counts this frame
  end

  -- The rules of the positional arguments (dclab.options).
  local NETWORK = {test = function(v) return type(v) == 'table' and dc.nn.is_module(v.features) end,
    what = 'a dc.models network'}
  local FEATURES = {type = 'tensor', dtype = 'float32', dim = 2}
  local LABELS = {type = 'tensor', dtype = 'int64', dim = 1}
  local LABELLED = {test = function(v) return type(v) == 'table' and v.desc ~= nil and
    v.labels ~= nil end, what = 'a labelled dataset'}

  -- Checks features [N, D] and their labels [N], arguments n and n + 1 of fname.
  local function check_labelled(fname, n, f, y)
    options.arg(fname, n, f, FEATURES, 3)
    options.arg(fname, n + 1, y, LABELS, 3)
    if y:numel() ~= f:size(1) then
      error(string.format('%s: %d labels (argument %d) for %d feature rows (argument %d)', fname,
        y:numel(), n + 1, f:size(1), n), 3)
    end
  end

  -- Checks (train_f, train_y, test_f, test_y): both labelled, with features of one width.
  local function check_split(fname, train_f, train_y, test_f, test_y)
    check_labelled(fname, 1, train_f, train_y)
    check_labelled(fname, 3, test_f, test_y)
    if train_f:size(2) ~= test_f:size(2) then
      error(string.format('%s: training features have %d columns, test features %d', fname,
        train_f:size(2), test_f:size(2)), 3)
    end
  end

  -- The clustering feature of batch x: sobel -> features -> flatten -> classifier without its
  -- final ReLU (method.md §1). Evaluation mode is the caller's business.
  function eval.embed(model, x)
    options.arg('embed', 1, model, NETWORK)
    if model.sobel then x = model.sobel:forward(x) end
    x = model.flatten:forward(model.features:forward(x))
    local cls = model.classifier
    local n = cls:size()
    if cls:get(n).is_rectifier then n = n - 1 end
    for i = 1, n do x = cls:get(i):forward(x) end
    return x
  end

  -- Output of the layer-th ReLU of model.features (before that stage's pooling, as the
  -- paper's probes), average-pooled to about `dims` values and flattened.
  function eval.conv_feature(model, x, layer, dims)
    options.arg('conv_feature', 1, model, NETWORK)
    if model.sobel then x = model.sobel:forward(x) end
    local seen = 0
    for i = 1, model.features:size() do
      local m = model.features:get(i)
      x = m:forward(x)
      if m.is_rectifier then
        seen = seen + 1
        if seen == layer then
          local c, h = x:size(2), x:size(3)
          local side = math.max(1, math.min(h, math.floor(math.sqrt(dims / c) + 0.5)))
          local pooled = dc.nn.AdaptiveAvgPool2d(side):forward(x)
          return pooled:reshape(x:size(1), -1)
        end
      end
    end
    error(string.format('conv_feature: the network has %d conv stages, not %d', seen, layer), 2)
  end

  -- Number of ReLU stages (conv layers) in model.features.
  function eval.conv_layers(model)
    options.arg('conv_layers', 1, model, NETWORK)
    local n = 0
    for i = 1, model.features:size() do
      if model.features:get(i).is_rectifier then n = n + 1 end
    end
    return n
  end

  -- Features of every image of data in order: float32 [N, D]. precision = 'bf16' computes
  -- the convolutions in bf16 for this call (nn.set_precision; the model's own is restored).
  function eval.features(model, data, opts)
    opts = check('features', opts, {'layer', 'transform', 'batch', 'threads', 'dims', 'precision'})
    local layer = opts.layer or 'penultimate'
    local restore
    if layer ~= 'pixels' then
      if type(model) ~= 'table' or not model.features then
        error('features: argument 1 must be a dc.models network (or use layer = \'pixels\')', 2)
      end
      model:training(false)
      if opts.precision then
        restore = dc.nn.precision(model)
        dc.nn.set_precision(model, opts.precision, 'features')
      end
    end
    local tf = opts.transform or dc.transforms.compose{dc.transforms.ToFloat()}
    local loader = dc.data.loader(data, {batch = opts.batch or 256, transform = tf,
      threads = opts.threads or 2, on_error = 'error'})
    local out, row = nil, 1
    for x in loader:iter() do
      local f
      if layer == 'pixels' then f = x:reshape(x:size(1), -1)
      elseif layer == 'penultimate' then f = eval.embed(model, x)
      else f = eval.conv_feature(model, x, layer, opts.dims or eval.CONV_DIMS) end
      out = out or dc.empty(#data, f:size(2))
      out:narrow(1, row, f:size(1)):copy(f)
      row = row + f:size(1)
    end
    if restore then dc.nn.set_precision(model, restore) end
    return out
  end

  local function mean_std(xs)
    options.arg('mean_std', 1, xs, {test = function(v)
      if type(v) ~= 'table' then return false end
      for _, x in ipairs(v) do
        if type(x) ~= 'number' then return false end
      end
      return true
    end, what = 'a list of numbers'})
    local m = 0
    for _, v in ipairs(xs) do m = m + v / #xs end
    local s = 0
    for _, v in ipairs(xs) do s = s + (v - m) ^ 2 end
    return {mean = m, std = #xs > 1 and math.sqrt(s / (#xs - 1)) or 0, runs = xs}
  end
  eval.mean_std = mean_std -- {mean, std (n - 1), runs} of a list of numbers

  -- The evaluation's k-means: every row takes part (no subsampling), 20 iterations, k = 10
  -- (Fashion-MNIST's classes). Returns the assignment int64 [N] (1-based).
  local KMEANS = {k = {type = 'integer', min = 1, default = 10},
    niter = {type = 'integer', min = 1, default = 20}, seed = {type = 'integer', default = 1}}
  -- options of fname's k-means on x, checked (level: as in error(), from check_kmeans' caller)
  local function check_kmeans(fname, x, opts)
    local o = options.check(fname, opts, KMEANS, 3)
    if o.k > x:size(1) then
      error(string.format('%s: k = %d clusters for %d feature rows', fname, o.k, x:size(1)), 3)
    end
    return o
  end
  local function kmeans(x, o)
    return dc.cluster.kmeans{k = o.k, niter = o.niter, seed = o.seed,
      max_points_per_centroid = dc.cluster.NO_SUBSAMPLING}:fit(x).assign
  end

  function eval.kmeans(x, opts)
    options.arg('kmeans', 1, x, FEATURES)
    return kmeans(x, check_kmeans('kmeans', x, opts))
  end

  -- The NMI with labels of eval.kmeans on the L2 rows of features f: one network's score
  -- as a training run tracks it (dc.contrastive.train's watch, the search's curves).
  function eval.kmeans_nmi(f, labels, opts)
    check_labelled('kmeans_nmi', 1, f, labels)
    return dc.metrics.nmi(kmeans(eval.l2_rows(f), check_kmeans('kmeans_nmi', f, opts)), labels)
  end

  -- k-means on the features with several seeds, scored against the labels. Two
  -- preprocessings: 'pca' (the paper's PCA-whitening to min(256, D) dims + L2; min_variance as
  -- in dc.cluster.preprocess) and 'l2'.
  -- (model | nil, dataset) -> features, labels (with the transform/threads options)
  local function from_model(fname, model, data, opts, layer)
    if model ~= nil then options.arg(fname, 1, model, NETWORK, 3) end
    if type(data) ~= 'table' or not data.desc then
      error(fname .. ': with a model, argument 2 must be a dataset', 3)
    end
    if not data.labels then error(fname .. ': the dataset has no labels', 3) end
    local f = eval.features(model, data, {layer = model and layer or 'pixels',
      transform = opts.transform, threads = opts.threads})
    return f, data.labels
  end

  function eval.clustering(feats, labels, opts)
    opts = check('clustering', opts, {'k', 'seeds', 'niter', 'preprocess', 'transform', 'threads',
      'min_variance'})
    if not dc.is_tensor(feats) then
      local data = labels
      feats, labels = from_model('clustering', feats, data, opts, 'penultimate')
      opts.k = opts.k or (data.classes and #data.classes)
    end
    check_labelled('clustering', 1, feats, labels)
    local k = opts.k or 10
    if k > feats:size(1) then
      error(string.format('clustering: k = %d clusters for %d feature rows', k, feats:size(1)), 2)
    end
    local out = {}
    for _, name in ipairs(opts.preprocess or {'pca', 'l2'}) do
      local pre
      if name == 'pca' then
        pre = dc.cluster.preprocess{pca = math.min(256, feats:size(2), feats:size(1)), whiten = true,
          min_variance = opts.min_variance}
      elseif name == 'l2' then
        pre = dc.cluster.preprocess{pca = false}
      else
        error("clustering: preprocess entries are 'pca' or 'l2', got " .. tostring(name), 2)
      end
      local x = pre:fit_apply(feats)
      local nmi, ari, acc = {}, {}, {}
      for seed = 1, opts.seeds or 3 do
        local assign = eval.kmeans(x, {k = k, niter = opts.niter, seed = seed})
        nmi[seed] = dc.metrics.nmi(assign, labels)
        ari[seed] = dc.metrics.ari(assign, labels)
        acc[seed] = dc.metrics.acc(assign, labels)
      end
      out[name] = {nmi = mean_std(nmi), ari = mean_std(ari), acc = mean_std(acc)}
    end
    return out
  end

  -- Rows scaled to unit length (a zero row stays zero).
  function eval.l2_rows(x)
    options.arg('l2_rows', 1, x, FEATURES)
    return x / x:norm(2, 2, true):clamp(1e-12)
  end
  local l2_rows = eval.l2_rows

  -- Cosine k-NN: each test image votes among its k nearest training images, weighted by
  -- exp(similarity / 0.07) (the weighted k-NN of Wu et al. 2018). metric = 'l2': the k
  -- nearest in Euclidean distance, one vote each (for layouts such as dc.cluster.umap's).
  -- Returns the accuracy.
  function eval.knn(train_f, train_y, test_f, test_y, opts)
    if not dc.is_tensor(train_f) then -- (model, train, test, opts)
      local model, train, test = train_f, train_y, test_f
      opts = check('knn', test_y, {'k', 'temperature', 'block', 'metric', 'transform', 'threads'})
      train_f, train_y = from_model('knn', model, train, opts, 'penultimate')
      test_f, test_y = from_model('knn', model, test, opts, 'penultimate')
    end
    opts = check('knn', opts, {'k', 'temperature', 'block', 'metric', 'transform', 'threads'})
    check_split('knn', train_f, train_y, test_f, test_y)
    local metric = opts.metric or 'cosine'
    if metric ~= 'cosine' and metric ~= 'l2' then
      error("knn: metric must be 'cosine' or 'l2', got " .. tostring(opts.metric), 2)
    end
    local k, tau = opts.k or 20, opts.temperature or 0.07
    if k > train_f:size(1) then
      error(string.format('knn: k = %d is larger than the training set (%d)', k, train_f:size(1)), 2)
    end
    local classes = math.max(train_y:max(), test_y:max())
    local tr, te = train_f, test_f
    if metric == 'cosine' then tr, te = l2_rows(train_f), l2_rows(test_f) end
    local trt = tr:t()
    -- l2: the nearest maximise 2 <x, t> - |t|^2; each neighbour gets one vote (a layout's
    -- distances have no scale for a temperature)
    local half_sq = metric == 'l2' and (tr * tr):sum(2):view(1, -1) * 0.5
    local correct, block = 0, opts.block or 1024
    for s = 1, te:size(1), block do
      local b = math.min(block, te:size(1) - s + 1)
      local sim = te:narrow(1, s, b):mm(trt)
      if half_sq then sim = sim - half_sq end
      local vals, ids = sim:topk(k, 2)
      local votes = train_y:index_select(1, ids:reshape(-1)):view(b, k)
      local weight = half_sq and dc.ones(b, k) or (vals / tau):exp()
      local scores = dc.zeros(b, classes):scatter_add_(2, votes, weight)
      local _, pred = scores:max(2)
      correct = correct + pred:eq(test_y:narrow(1, s, b)):sum()
    end
    return correct / te:size(1)
  end

  -- A linear classifier on frozen features (standardised with the training mean and std),
  -- trained with SGD (momentum 0.9) and cross-entropy. Returns test and train accuracy.
  function eval.linear_probe(train_f, train_y, test_f, test_y, opts)
    local valid = {'epochs', 'lr', 'weight_decay', 'batch', 'seed', 'layer', 'transform', 'threads'}
    if not dc.is_tensor(train_f) then -- (model, train, test, {layer = ...})
      local model, train, test = train_f, train_y, test_f
      opts = check('linear_probe', test_y, valid)
      train_f, train_y = from_model('linear_probe', model, train, opts, opts.layer or 1)
      test_f, test_y = from_model('linear_probe', model, test, opts, opts.layer or 1)
    end
    opts = check('linear_probe', opts, valid)
    check_split('linear_probe', train_f, train_y, test_f, test_y)
    local classes = math.max(train_y:max(), test_y:max())
    local mu = train_f:mean(1, true)
    local sd = train_f:std(1, true):clamp(1e-6)
    local tr, te = (train_f - mu):div_(sd), (test_f - mu):div_(sd) -- one copy each, not two
    local gen = dc.Generator(opts.seed or 1)
    local lin = dc.nn.Linear(tr:size(2), classes)
    lin:reset(gen)
    local crit = dc.nn.CrossEntropyLoss()
    local opt = dc.optim.sgd{lr = opts.lr or 0.01, momentum = 0.9,
      weight_decay = opts.weight_decay or 1e-4}
    opt:add(lin)
    local batch, n = opts.batch or 256, tr:size(1)
    local epochs, lr = opts.epochs or 10, opts.lr or 0.01
    for e = 1, epochs do
      opt:set_lr(lr * 0.5 * (1 + math.cos(math.pi * (e - 1) / epochs))) -- cosine decay

      local perm = dc.randperm(n, {generator = gen})
      for s = 1, n, batch do
        local idx = perm:narrow(1, s, math.min(batch, n - s + 1))
        local x, y = tr:index_select(1, idx), train_y:index_select(1, idx)
        local out = lin:forward(x)
        crit:forward(out, y)
        lin:zero_grad()
        lin:backward(x, crit:backward(out, y))
        opt:step()
      end
    end
    local function accuracy(x, y)
      local _, pred = lin:forward(x):max(2)
      return pred:eq(y):sum() / x:size(1)
    end
    return accuracy(te, test_y), accuracy(tr, train_y)
  end

  -- Every measure for one feature extractor (a network, or nil for raw pixels) on a
  -- train/test pair of labelled datasets:
  --   {clustering = {pca = ..., l2 = ...}, knn = acc, probe = {[layer] = acc}}
  function eval.report(model, train, test, opts)
    if model ~= nil then options.arg('report', 1, model, NETWORK) end
    options.arg('report', 2, train, LABELLED)
    options.arg('report', 3, test, LABELLED)
    opts = check('report', opts, {'k', 'seeds', 'transform', 'probe_epochs', 'threads',
      'probe_layers', 'knn', 'min_variance'})
    local fopt = {transform = opts.transform, threads = opts.threads}
    local layer = model and 'penultimate' or 'pixels'
    fopt.layer = layer
    local ftr = eval.features(model, train, fopt)
    local fte = eval.features(model, test, fopt)
    local r = {
      clustering = eval.clustering(fte, test.labels, {k = opts.k or (test.classes and #test.classes) or 10,
        seeds = opts.seeds, min_variance = opts.min_variance}),
      knn = eval.knn(ftr, train.labels, fte, test.labels, {k = opts.knn or 20}),
      probe = {},
    }
    local layers = model and (opts.probe_layers or eval.conv_layers(model)) or 0
    if model then
      for l = 1, layers do
        fopt.layer = l
        local a = eval.features(model, train, fopt)
        local b = eval.features(model, test, fopt)
        r.probe[l] = eval.linear_probe(a, train.labels, b, test.labels,
          {epochs = opts.probe_epochs})
        a, b = nil, nil
        collectgarbage() -- this layer's features and the probe's copies, before the next layer's
      end
    else
      r.probe[0] = eval.linear_probe(ftr, train.labels, fte, test.labels, {epochs = opts.probe_epochs})
    end
    return r
  end

  dc.eval = eval
  return eval
end
