-- The points of the search: a feature set, the steps fitted on the train images, and the
-- clustering of the test representation (see pipeline.lua for the protocol).
-- Trained features, {kind, options} (pipeline.trained_features): {'simclr', {train =, layer =}}
-- is a network trained by contrastive.lua with the options `train` (one run per seed, shared
-- by the points with the same options), read at `layer`.
local SIMCLR = require('contrastive').RECIPE
local MD0 = {'umap', {dim = 10, pca = 50, min_dist = 0, neighbors = 20}}
local points = {
  pixels_l2_kmeans = {features = 'pixels', steps = {{'l2'}}, cluster = {'kmeans'}},
  random_l2_kmeans = {features = 'random', steps = {{'l2'}}, cluster = {'kmeans'}},
  pixels_l2_pca50_kmeans = {features = 'pixels', steps = {{'l2'}, {'pca', 50}}, cluster = {'kmeans'}},
  pixels_l2_gmm_diag = {features = 'pixels', steps = {{'l2'}, {'pca', 50}},
    cluster = {'gmm', {covariance = 'diag'}}},
  pixels_l2_umap10_kmeans = {features = 'pixels', steps = {{'l2'}, {'umap', {dim = 10, pca = 50}}},
    cluster = {'kmeans'}},
  pixels_l2_umap10_gmm_full = {features = 'pixels',
    steps = {{'l2'}, {'umap', {dim = 10, pca = 50}}}, cluster = {'gmm', {covariance = 'full'}}},
  pixels_l2_umap10_md0_gmm_full = {features = 'pixels',
    steps = {{'l2'}, {'umap', {dim = 10, pca = 50, min_dist = 0, neighbors = 20}}},
    cluster = {'gmm', {covariance = 'full'}}},
  pixels_l2_umap10_md0_kmeans = {features = 'pixels',
    steps = {{'l2'}, {'umap', {dim = 10, pca = 50, min_dist = 0, neighbors = 20}}},
    cluster = {'kmeans'}},
  random_l2_umap10_md0_gmm_full = {features = 'random',
    steps = {{'l2'}, {'umap', {dim = 10, pca = 50, min_dist = 0, neighbors = 20}}},
    cluster = {'gmm', {covariance = 'full'}}},
  simclr_hidden_l2_kmeans = {features = {'simclr', {train = SIMCLR, layer = 'hidden'}},
    steps = {{'l2'}}, cluster = {'kmeans'}},
  simclr_trunk_l2_kmeans = {features = {'simclr', {train = SIMCLR, layer = 'trunk'}},
    steps = {{'l2'}}, cluster = {'kmeans'}},
  simclr_z_l2_kmeans = {features = {'simclr', {train = SIMCLR, layer = 'z'}},
    steps = {{'l2'}}, cluster = {'kmeans'}},
  simclr_trunk_l2_umap10_md0_gmm_full = {features = {'simclr', {train = SIMCLR, layer = 'trunk'}},
    steps = {{'l2'}, MD0}, cluster = {'gmm', {covariance = 'full'}}},
  simclr_trunk_l2_umap10_md0_kmeans = {features = {'simclr', {train = SIMCLR, layer = 'trunk'}},
    steps = {{'l2'}, MD0}, cluster = {'kmeans'}},
  simclr_trunk_l2_pca50_kmeans = {features = {'simclr', {train = SIMCLR, layer = 'trunk'}},
    steps = {{'l2'}, {'pca', 50}}, cluster = {'kmeans'}},
}

-- Autoencoder features (ae_features.lua: 784-500-500-2000-10, Adam lr 1e-3, batch 256,
-- trained on the train images per seed), E epochs: aeE_l2_kmeans, aeE_kmeans (DEC's raw
-- embedding), aeE_l2_umap10_md0_gmm_full (N2D: the layout of the embedding, then a full
-- mixture). Points of one E share the trained models (saved under OUT/cache), and a larger E
-- continues the longest saved run.
local UMAP_MD0 = {'umap', {dim = 10, min_dist = 0, neighbors = 20}}
-- aeEaug_...: the same trained on randomly rotated (up to 10 degrees) and shifted (up to 10%)
-- images, DEC-DA's augmentation.
for _, e in ipairs{5, 20, 50, 100, 200} do
  for _, aug in ipairs{false, true} do
    local ae = {'ae', {epochs = e, augment = aug and {degrees = 10, translate = 0.1} or nil}}
    local name = 'ae' .. e .. (aug and 'aug' or '')
    points[name .. '_l2_kmeans'] = {features = ae, steps = {{'l2'}}, cluster = {'kmeans'}}
    points[name .. '_kmeans'] = {features = ae, steps = {}, cluster = {'kmeans'}}
    points[name .. '_l2_umap10_md0_gmm_full'] = {features = ae, steps = {{'l2'}, UMAP_MD0},
      cluster = {'gmm', {covariance = 'full'}}}
  end
end

-- SCAN (scan.lua) on the simclr network of the points above: the 20 nearest neighbours of
-- every train image mined in its L2-normalised trunk features, 5 heads of K = 10 trained
-- with dc.nn.SCANLoss (entropy weight 5; Adam lr 1e-2, batch 256, 50 epochs) on the frozen
-- features, the head of lowest loss kept; test clusters = the argmax of its probabilities
-- (the k-NN accuracies are of those probabilities). _selflabelE: then E epochs of SCAN's
-- self-labelling on the same frozen features; scan_finetuneE_trunk: then E epochs of the
-- trunk and heads together on augmented views (contrastive.lua's). _pix05: neighbours mined
-- in the L2 trunk features beside half the L2 pixels (both must agree).
local function scan(o) return {features = {'scan', o}, steps = {}, cluster = {'argmax'}} end
points.scan_frozen_trunk = scan{}
points.scan_frozen_trunk_selflabel10 = scan{selflabel = 10}
points.scan_frozen_trunk_pix05 = scan{pixels_weight = 0.5}
-- The pretext network varied (5 epochs, the recipe's --quick size), frozen heads on each:
-- scan_e5 (the --quick network), _t02 temperature 0.2, _crop05 crops of 0.5-1, _b256 batch
-- 256 at lr 0.2, _wide the full-width trunk of dc.models.small.
local E5 = {epochs = 5, batch = 128, lr = 0.1}
local function e5(changes)
  local o = {}
  for k, v in pairs(E5) do o[k] = v end
  for k, v in pairs(changes) do o[k] = v end
  return scan{simclr = o}
end
points.scan_e5 = e5{}
points.scan_e5_t02 = e5{temperature = 0.2}
points.scan_e5_crop05 = e5{crop = {0.5, 1}}
points.scan_e5_b256 = e5{batch = 256, lr = 0.2}
points.scan_e5_wide = e5{widths = {64, 128, 256, 256}}
for _, e in ipairs{5, 10} do points['scan_finetune' .. e .. '_trunk'] = scan{finetune = e} end

return points
