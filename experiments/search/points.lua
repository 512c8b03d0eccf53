-- The points of the search: a feature set, the steps fitted on the train images, and the
-- clustering of the test representation (see pipeline.lua for the protocol).
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
}
