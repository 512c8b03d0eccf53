-- The recipe of the search (experiments/search/, issue #13) on Fashion-MNIST, beside raw
-- pixels, the random network and the faithful DeepCluster recipe, all scored by the same
-- code (experiments/search/pipeline.lua):
--   recipe: a small convnet trained contrastively on the TRAIN images without labels
--   (dc.contrastive.train: SimCLR, two augmented views, NT-Xent; the options of
--   experiments/search/contrastive.lua's RECIPE); its conv trunk's features (1152-d),
--   L2-normalised, are the "recipe features"; SCAN's cluster heads (dc.scan.fit: each train
--   image agrees with its 20 nearest neighbours in those features; 5 heads, the one of
--   lowest train loss kept) trained on the frozen train features predict the test images'
--   clusters (argmax, k = 10: test_assign.npy).
--   layout + mixture: the earlier recipe on the same features, for comparison: a UMAP-style
--   layout (dc.cluster.umap: PCA 50, 20 neighbours, min_dist 0, 10 dims) fitted on the train
--   features, test images placed by um:apply, a full-covariance Gaussian mixture (k = 10)
--   fitted on the train layout predicting the test clusters (--umap-epochs 0 skips it).
-- Writes OUT/results.json (every seed's NMI, ACC, ARI, k-NN accuracy per feature set),
-- OUT/test_features.npy (float32 [Ntest, 1152], the first seed's learned test features, test
-- order), OUT/test_assign.npy (int64 [Ntest], 0-based clusters the first seed's SCAN head
-- predicts). Trained networks are kept in --cache (shared with the search).
--   ./dclab experiments/fashion_mnist_recipe.lua --out runs/recipe [--train 60000] [--seeds 3]
--   ./dclab experiments/fashion_mnist_recipe.lua --quick --faithful-from runs/fashion_mnist
--     (make run: a few minutes, after the main job, scoring the main job's network)
local dc = require 'dclab'
local argparse = require 'argparse'
local cjson = require 'cjson'
local here = debug.getinfo(1, 'S').source:match('^@(.*/)') or './'
package.path = here .. 'search/?.lua;' .. package.path
local pipeline = require 'pipeline'
local contrastive = require 'contrastive'

-- Sizes: the full recipe, and --quick's (flags given with --quick override it).
local FULL = {train = 60000, epochs = contrastive.RECIPE.epochs, seeds = 3, umap_epochs = 200,
  faithful_train = 5000}
local QUICK = {train = 10000, epochs = 5, seeds = 1, umap_epochs = 0, faithful_train = 0}
local parser = argparse('fashion_mnist_recipe.lua',
  'Contrastive + SCAN recipe on Fashion-MNIST (train split, no labels) vs baselines, test split scored.')
parser:option('--out', 'Run folder.', 'runs/fashion_mnist_recipe')
parser:option('--cache', 'Folder of the trained networks and their features (default OUT/cache).')
local function sized(flag, key, help)
  parser:option(flag, string.format('%s Default %d, with --quick %d.', help, FULL[key], QUICK[key]),
    nil, dc.cli.integer(flag))
end
sized('--epochs', 'epochs', 'Contrastive training epochs.')
sized('--train', 'train', 'Train images (the first N of the 60k split).')
sized('--seeds', 'seeds', 'Training seeds 1..S (network, heads, layout, mixture, random network).')
sized('--umap-epochs', 'umap_epochs', 'SGD epochs of the layout (0: no layout + mixture).')
sized('--faithful-train', 'faithful_train', 'Train images of the faithful DeepCluster run (0: none).')
dc.cli.int_option(parser, '--test', 'Test images (the first N of the 10k split).', 10000)
dc.cli.int_option(parser, '--faithful-epochs', 'Epochs of the faithful DeepCluster run.', 6)
parser:option('--faithful-from', 'Score the network of a finished faithful DeepCluster run ' ..
  '(DIR/checkpoint.bin, e.g. the main job\'s runs/fashion_mnist) instead of training one.')
parser:flag('--quick', 'The few-minute size make run uses (10,000 train images, 5 epochs, ' ..
  '1 seed, no layout).')
local args = parser:parse(arg)
if args.faithful_from and args.faithful_train then
  parser:error('--faithful-from scores a finished run; --faithful-train sizes a new one: give one of them')
end
dc.cli.fill_sizes(args, FULL, QUICK, args.quick)
for _, key in ipairs{'epochs', 'train', 'seeds'} do
  if args[key] < 1 then parser:error(string.format('--%s must be at least 1, got %d', key, args[key])) end
end
if args.faithful_from then args.faithful_train = 0 end

local function log(fmt, ...) io.write(string.format(fmt, ...), '\n'); io.flush() end

local train = dc.data.fashion_mnist{split = 'train'}
train = train:subset(math.min(args.train, #train))
local test = dc.data.fashion_mnist{split = 'test'}
test = test:subset(math.min(args.test, #test))
os.execute('mkdir -p "' .. args.out .. '"')
local seeds = {}
for s = 1, args.seeds do seeds[s] = s end
log('dclab %s | recipe on Fashion-MNIST: %d train images (no labels), %d test images, seeds %s',
  dc.version, #train, #test, table.concat(seeds, ', '))
log('CPU: %s', pipeline.cpu())

local results = {command = './dclab experiments/fashion_mnist_recipe.lua ' .. table.concat(arg, ' '),
  cpu = pipeline.cpu(), train = #train, test = #test, seeds = seeds, feature_sets = {},
  protocol = 'experiments/search/pipeline.lua: clustering of the test representation with ' ..
    'k = 10 (ACC Hungarian); knn: majority of the 20 nearest labelled train images in ' ..
    'Euclidean distance of the representation; knn_cosine: dc.eval.knn (k = 20, weighted)',
  published = {
    {method = 'N2D (AE + UMAP + GMM), McConville et al. ICPR 2020', acc = 0.672, nmi = 0.684},
    {method = 'DECS, IJCAI 2024 (official README)', acc = 0.642, nmi = 0.716},
    {method = 'DCCS, ECCV 2020 (recalled, unverified)', acc = 0.756, nmi = 0.704},
    {method = 'ClusterGAN, repo mean of 10 runs', acc = 0.612, nmi = 0.616, ari = 0.462},
  }}

-- Scores (rtr, rte) with the protocol and records the row of one seed; seconds: what making
-- the representation took (training and features), not the scoring.
local function record(name, seed, rtr, rte, spec, seconds, extra)
  local sc = pipeline.score(rtr, train.labels, rte, test.labels, spec, {seed})
  local fs = results.feature_sets[name] or {per_seed = {}}
  results.feature_sets[name] = fs
  local row = {seed = seed, nmi = sc.nmi.mean, acc = sc.acc.mean, ari = sc.ari.mean, knn = sc.knn,
    knn_cosine = sc.knn_cosine, seconds = seconds}
  for k, v in pairs(extra or {}) do row[k] = v end
  fs.per_seed[#fs.per_seed + 1] = row
  log('  %-22s seed %d: NMI %.4f ACC %.4f ARI %.4f kNN %.4f (cosine %.4f) %.0f s', name, seed,
    row.nmi, row.acc, row.ari, row.knn, row.knn_cosine, seconds)
  return sc
end

local t0 = dc.now()
local ptr, pte = pipeline.features('pixels', train), pipeline.features('pixels', test)

-- mean and std over seeds of every measure, written after each part so a cut run keeps
-- what it measured
local function save()
  for _, fs in pairs(results.feature_sets) do
    for _, m in ipairs{'nmi', 'acc', 'ari', 'knn', 'knn_cosine'} do
      local xs = {}
      for i, r in ipairs(fs.per_seed) do xs[i] = r[m] end
      if #xs > 0 then
        local s = pipeline.mean_std(xs)
        fs[m] = {mean = s.mean, std = s.std}
      end
    end
  end
  local f = assert(io.open(args.out .. '/results.json', 'w'))
  f:write(cjson.encode(results), '\n')
  f:close()
end

-- A row of clusters the recipe predicts itself (scored directly, no k-NN: the clusters are
-- not a feature space).
local function predicted(name, seed, assign, seconds, extra)
  local fs = results.feature_sets[name] or {per_seed = {}}
  results.feature_sets[name] = fs
  local row = {seed = seed, nmi = dc.metrics.nmi(assign, test.labels),
    acc = dc.metrics.acc(assign, test.labels), ari = dc.metrics.ari(assign, test.labels),
    seconds = seconds}
  for k, v in pairs(extra or {}) do row[k] = v end
  fs.per_seed[#fs.per_seed + 1] = row
  log('  %-22s seed %d: NMI %.4f ACC %.4f ARI %.4f %.0f s', name, seed, row.nmi, row.acc, row.ari,
    seconds)
end

-- The recipe: one training run per seed (the network, its features, SCAN's heads; then the
-- layout and the mixture on the same features).
local train_opt = {}
for k, v in pairs(contrastive.RECIPE) do train_opt[k] = v end
train_opt.epochs = args.epochs
local cache = args.cache or args.out .. '/cache'
local layout = {dim = 10, pca = 50, neighbors = 20, min_dist = 0, n_epochs = args.umap_epochs}
results.recipe = {network = train_opt, features = 'trunk (1152), L2 rows',
  clusters = 'SCAN heads on the frozen features (dc.scan defaults), argmax of the kept head',
  layout = args.umap_epochs > 0 and layout or nil, mixture = {k = 10, covariance = 'full'}}
for _, seed in ipairs(seeds) do
  t0 = dc.now()
  local ftr, fte, info = contrastive.cached_features(train_opt, 'trunk', train, test, seed, cache)
  local ltr, lte = pipeline.represent({{'l2'}}, ftr, fte, seed)
  -- what training the network took (when read from the cache: the time it took then)
  local t_train = info.trained and dc.now() - t0 or info.seconds
  record('recipe features', seed, ltr, lte, {'kmeans'}, t_train,
    {training = {history = info.history, seconds = info.seconds}})

  t0 = dc.now()
  -- on the features already read (fit and predict L2-normalise the rows themselves)
  local heads = dc.scan.fit(ftr, {seed = seed})
  local assign = heads:predict(fte):argmax(2)
  local t_scan = dc.now() - t0
  predicted('recipe (predicted)', seed, assign, t_train + t_scan,
    {scan_seconds = t_scan, head = heads.head, head_losses = heads.losses})
  if seed == seeds[1] then
    dc.save_npy(args.out .. '/test_features.npy', fte:contiguous())
    dc.save_npy(args.out .. '/test_assign.npy', assign - 1)
  end

  if args.umap_epochs > 0 then
    t0 = dc.now()
    local opts = {seed = seed}
    for k, v in pairs(layout) do opts[k] = v end
    local um = dc.cluster.umap(opts)
    local etr = um:fit_apply(ltr)
    local ete = um:apply(lte)
    local gmm = dc.cluster.gmm{k = 10, covariance = 'full', seed = seed}
    local fit = gmm:fit(etr)
    local seconds = t_train + dc.now() - t0
    record('layout + mixture', seed, etr, ete, {'gmm', {covariance = 'full'}}, seconds)
    predicted('layout + mixture (pred.)', seed, gmm:assign(ete), seconds,
      {gmm_iters = fit.stats.iters})
  end
  save()
end

-- Raw pixels and the random network: L2 rows, k-means.
t0 = dc.now()
local ltr, lte = pipeline.represent({{'l2'}}, ptr, pte, 1)
local t_l2 = dc.now() - t0
for _, seed in ipairs(seeds) do
  record('raw pixels', seed, ltr, lte, {'kmeans'}, t_l2)
end
for _, seed in ipairs(seeds) do
  t0 = dc.now()
  local ntr, nte = pipeline.represent({{'l2'}}, pipeline.features('random', train, seed),
    pipeline.features('random', test, seed), seed)
  record('random network', seed, ntr, nte, {'kmeans'}, dc.now() - t0)
end

save()

-- The faithful recipe (the paper's, as the main job runs it): one training run here, or the
-- network of a finished one (--faithful-from), scored by the same code.
local faithful
local tf = dc.data.fashion_mnist_transforms().eval
if args.faithful_from then
  t0 = dc.now()
  local path = args.faithful_from .. '/checkpoint.bin'
  local f = io.open(path, 'rb')
  if not f then
    error('fashion_mnist_recipe: --faithful-from: no checkpoint at ' .. path ..
      ' (run the main job first: ./dclab experiments/fashion_mnist.lua)', 0)
  end
  f:close()
  local model = dc.models.small{sobel = true}
  -- strict = false: the run's head is re-created each epoch and never saved
  local meta = dc.checkpoint.load(path, {model = model, strict = false})
  faithful = {model = model, seconds = dc.now() - t0,
    extra = {from = args.faithful_from, epochs = meta.epoch}}
  log('faithful DeepCluster: the network of %s after epoch %d', args.faithful_from, meta.epoch)
elseif args.faithful_train > 0 then
  t0 = dc.now()
  local model = dc.models.small{sobel = true, generator = dc.Generator(31)}
  local curve = {} -- the test NMI after each epoch, scored as the recipe's network is
  local function on_epoch_end(r)
    curve[#curve + 1] = dc.eval.kmeans_nmi(dc.eval.features(r.model, test, {transform = tf}),
      test.labels, {seed = 1})
  end
  local run = dc.deepcluster{hooks = {on_epoch_end = on_epoch_end},
    model = model, data = train:subset(math.min(args.faithful_train, #train)),
    k = 100, epochs = args.faithful_epochs, batch = 256, seed = 31, out = args.out .. '/faithful',
    transforms = dc.data.fashion_mnist_transforms(),
    preprocess = {pca = 256, whiten = true, l2 = true}, optim = {lr = 0.05, momentum = 0.9,
      weight_decay = 1e-5}, head_optim = {lr = 0.05, weight_decay = 1e-5}}
  run:fit()
  results.faithful_test_nmi = curve
  faithful = {model = model, seconds = dc.now() - t0,
    extra = {train_images = math.min(args.faithful_train, #train), epochs = args.faithful_epochs}}
end
if faithful then
  t0 = dc.now()
  local ftr, fte = pipeline.represent({{'l2'}},
    dc.eval.features(faithful.model, train, {transform = tf}),
    dc.eval.features(faithful.model, test, {transform = tf}), 1)
  for _, seed in ipairs(seeds) do
    record('faithful DeepCluster', seed, ftr, fte, {'kmeans'},
      faithful.seconds + dc.now() - t0, faithful.extra)
  end
end

save()

-- Test NMI over training: each recipe seed's network after every epoch, the faithful run's,
-- and the baselines as lines.
local series = {}
for _, row in ipairs(results.feature_sets['recipe features'].per_seed) do
  local x, y = {}, {}
  for i, h in ipairs(row.training.history) do x[i], y[i] = h.epoch, h.test_nmi end
  series[#series + 1] = {name = 'recipe network, seed ' .. row.seed, x = x, y = y}
end
if results.faithful_test_nmi then
  local x = {}
  for i = 1, #results.faithful_test_nmi do x[i] = i end
  series[#series + 1] = {name = 'faithful DeepCluster', x = x, y = results.faithful_test_nmi}
end
local hl = {}
for _, name in ipairs{'recipe (predicted)', 'raw pixels', 'random network'} do
  local fs = results.feature_sets[name]
  if fs and fs.nmi then hl[#hl + 1] = {y = fs.nmi.mean, name = name .. ' (mean)'} end
end
local ok, err = dc.report.plot{path = args.out .. '/nmi.png', series = series, hlines = hl,
  title = string.format('Fashion-MNIST, %d train images: test NMI over training', #train),
  xlabel = 'epoch of each run', ylabel = 'test NMI (k-means, k = 10, L2 features)'}
log(ok and ('plot: ' .. args.out .. '/nmi.png') or ('no plot: ' .. tostring(err)))

-- One cell: the mean, with the spread over seeds when there are several.
local function cell(v)
  if not v then return '-' end
  return #seeds > 1 and string.format('%.4f ± %.4f', v.mean, v.std) or string.format('%.4f', v.mean)
end
log('\n%-26s %-17s %-17s %-17s %-17s', string.format('features (%d seed%s)', #seeds,
  #seeds > 1 and 's, mean ± std' or ''), 'NMI', 'ACC', 'ARI', 'kNN (l2)')
local order = {'raw pixels', 'random network', 'faithful DeepCluster', 'recipe features',
  'recipe (predicted)', 'layout + mixture', 'layout + mixture (pred.)'}
for _, name in ipairs(order) do
  local fs = results.feature_sets[name]
  if fs then
    local cells = {}
    for i, m in ipairs{'nmi', 'acc', 'ari', 'knn'} do cells[i] = cell(fs[m]) end
    log('%-26s %-17s %-17s %-17s %-17s', name, table.unpack(cells))
  end
end
-- The verdict: the recipe's own clusters on NMI, ACC and ARI, its features on k-NN.
local px, rn = results.feature_sets['raw pixels'], results.feature_sets['random network']
local verdict = {nmi = 'recipe (predicted)', acc = 'recipe (predicted)',
  ari = 'recipe (predicted)', knn = 'recipe features'}
for _, m in ipairs{'nmi', 'acc', 'ari', 'knn'} do
  local rc = results.feature_sets[verdict[m]][m]
  local beats = rc.mean > px[m].mean and rc.mean > rn[m].mean
  log('recipe, %s (%s): %.4f vs raw pixels %.4f, random network %.4f: %s', m == 'knn' and 'k-NN'
    or m:upper(), verdict[m], rc.mean, px[m].mean, rn[m].mean,
    beats and 'beats both' or 'does NOT beat both')
end
log('Wrote %s/results.json, test_features.npy, test_assign.npy', args.out)
