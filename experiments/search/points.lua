-- The points of the search: a feature set, the steps fitted on the train images, and the
-- clustering of the test representation (see pipeline.lua for the protocol).
-- 'simclr' features: a network trained by contrastive.lua with the options `train` (one run
-- per seed, shared by the points with the same options), read at `layer`.
local SIMCLR = require('contrastive').RECIPE
local MD0 = {'umap', {dim = 10, pca = 50, min_dist = 0, neighbors = 20}}
return {
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
  simclr_hidden_l2_kmeans = {features = 'simclr', train = SIMCLR, layer = 'hidden',
    steps = {{'l2'}}, cluster = {'kmeans'}},
  simclr_trunk_l2_kmeans = {features = 'simclr', train = SIMCLR, layer = 'trunk',
    steps = {{'l2'}}, cluster = {'kmeans'}},
  simclr_z_l2_kmeans = {features = 'simclr', train = SIMCLR, layer = 'z',
    steps = {{'l2'}}, cluster = {'kmeans'}},
  simclr_trunk_l2_umap10_md0_gmm_full = {features = 'simclr', train = SIMCLR, layer = 'trunk',
    steps = {{'l2'}, MD0}, cluster = {'gmm', {covariance = 'full'}}},
  simclr_trunk_l2_umap10_md0_kmeans = {features = 'simclr', train = SIMCLR, layer = 'trunk',
    steps = {{'l2'}, MD0}, cluster = {'kmeans'}},
  simclr_trunk_l2_pca50_kmeans = {features = 'simclr', train = SIMCLR, layer = 'trunk',
    steps = {{'l2'}, {'pca', 50}}, cluster = {'kmeans'}},
}
