-- The search's one evaluation protocol, shared by experiments/search/run.lua and
-- experiments/fashion_mnist_recipe.lua, so every feature set is scored by the same code:
--   features: float32 [N, D] for the train images (no labels used) and the 10k test images;
--   steps:    a list applied in order, each fitted on the TRAIN features only and applied to
--             both: {'l2'} rows to unit length; {'pca', d} PCA to d dims (no whitening);
--             {'umap', {...}} dc.cluster.umap (test images placed by its apply);
--   scores:   clustering of the TEST representation with k = 10 ('kmeans': dc.eval.kmeans;
--             'gmm' with its options; 'argmax' of a trained head's probabilities), one run per seed: NMI, ACC (Hungarian), ARI against the test labels;
--             k-NN accuracy: each test image takes the majority label of its 20 nearest
--             labelled TRAIN images in Euclidean distance of the same representation (for
--             L2-normalised rows, the cosine ranking), and, for reference, the weighted
--             cosine k-NN of dc.eval.knn (k = 20, temperature 0.07).
local dc = require 'dclab'

local M = {}

-- 'Intel(R) Xeon(R) ...' from /proc/cpuinfo, and the number of cores Linux shows us.
function M.cpu()
  local f = io.open('/proc/cpuinfo')
  local text = f and f:read('a') or ''
  if f then f:close() end
  local name = text:match('model name%s*:%s*([^\n]+)') or 'unknown CPU'
  local n = 0
  for _ in text:gmatch('processor%s*:') do n = n + 1 end
  return string.format('%s, %d cores', name, n)
end

-- Features of a dataset: 'pixels' ([0, 1] grey values, 784-d) or 'random' (the small
-- DeepCluster network at its random initialisation, seed `seed`, penultimate layer).
function M.features(kind, data, seed)
  if kind == 'pixels' then return dc.eval.features(nil, data, {layer = 'pixels'}) end
  if kind == 'random' then
    local model = dc.models.small{sobel = true, generator = dc.Generator(seed)}
    return dc.eval.features(model, data, {transform = dc.data.fashion_mnist_transforms().eval})
  end
  error("features: kind must be 'pixels' or 'random', got " .. tostring(kind), 2)
end

-- Features of a network trained per seed on the train images (no labels), of the train and
-- test images: spec {kind, options}; kind 'ae' is ae_features.lua (an autoencoder), 'simclr'
-- contrastive.lua (options {train =, layer =}), 'scan' scan.lua (its OPTIONS). Returns ftr,
-- fte and the training's record.
local TRAINED = {
  ae = function(o, ...) return require('ae_features')(o, ...) end,
  simclr = function(o, train, test, seed, dir)
    local ftr, fte, info = require('contrastive').cached_features(o.train, o.layer, train, test,
      seed, dir)
    return ftr, fte, {seconds = info.seconds, history = info.history, cached = not info.trained}
  end,
  -- scan.lua: SCAN's cluster head on the simclr network; its probabilities [N, K]
  scan = function(o, ...) return require('scan').features(o, ...) end,
}
function M.trained_features(spec, train, test, seed, cache_dir)
  local make = TRAINED[spec[1]]
  if not make then
    error("trained_features: unknown kind '" .. tostring(spec[1]) .. "' (ae, simclr, scan)", 2)
  end
  return make(spec[2] or {}, train, test, seed, cache_dir)
end

-- Rows scaled to unit length (the search's 'l2' step).
local l2_rows = dc.eval.l2_rows

-- Applies the steps (fitted on train) to train and test; returns both and the time each took.
function M.represent(steps, ftr, fte, seed)
  local times = {}
  for i, step in ipairs(steps) do
    local t0 = os.time()
    local name, arg = step[1], step[2]
    if name == 'l2' then
      ftr, fte = l2_rows(ftr), l2_rows(fte)
    elseif name == 'pca' then
      local pre = dc.cluster.preprocess{pca = arg, whiten = false, l2 = false}
      ftr = pre:fit_apply(ftr)
      fte = pre:apply(fte)
    elseif name == 'umap' then
      local opts = {}
      for k, v in pairs(arg or {}) do opts[k] = v end
      opts.seed = seed
      local um = dc.cluster.umap(opts)
      ftr = um:fit_apply(ftr)
      fte = um:apply(fte)
    else
      error(string.format("represent: unknown step '%s' (l2, pca, umap)", tostring(name)), 2)
    end
    times[i] = os.difftime(os.time(), t0)
  end
  return ftr, fte, times
end

local mean_std = dc.eval.mean_std
M.mean_std = mean_std

-- One clustering of x with k = 10: {'kmeans'} or {'gmm', {covariance = ...}}.
function M.cluster(spec, x, seed)
  local name, opts = spec[1], spec[2] or {}
  if name == 'kmeans' then
    return dc.eval.kmeans(x, {seed = seed})
  elseif name == 'gmm' then
    return dc.cluster.gmm{k = 10, covariance = opts.covariance, seed = seed}:fit(x).assign
  elseif name == 'argmax' then -- x: a trained head's cluster probabilities (scan.lua)
    return x:argmax(2)
  end
  error(string.format("cluster: unknown clustering '%s' (kmeans, gmm, argmax)", tostring(name)), 2)
end

-- Scores the representations: clustering of the test rows with each seed, and both k-NN
-- accuracies. Returns {nmi, acc, ari (mean_std), knn, knn_cosine, assign (first seed's)}.
function M.score(rtr, ytr, rte, yte, spec, seeds)
  local nmi, acc, ari, first = {}, {}, {}, nil
  for i, seed in ipairs(seeds) do
    local a = M.cluster(spec, rte, seed)
    first = first or a
    nmi[i], acc[i], ari[i] = dc.metrics.nmi(a, yte), dc.metrics.acc(a, yte), dc.metrics.ari(a, yte)
  end
  return {nmi = mean_std(nmi), acc = mean_std(acc), ari = mean_std(ari),
    knn = dc.eval.knn(rtr, ytr, rte, yte, {k = 20, metric = 'l2'}),
    knn_cosine = dc.eval.knn(rtr, ytr, rte, yte, {k = 20}), assign = first}
end

return M
