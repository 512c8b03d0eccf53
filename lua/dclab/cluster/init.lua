-- dc.cluster: clustering algorithms and their registries.
--   dc.cluster.preprocess{pca = 256, whiten = true, l2 = true}   PCA-whitening + L2 step
--   dc.cluster.kmeans{k = ...}, dc.cluster.pic{...}, dc.cluster.gmm{k = ...}   algorithms
--   dc.cluster.sinkhorn(scores, {iters = 3, epsilon = 0.05}) -> Q   equipartition ('sinkhorn')
--   dc.cluster.umap{dim = 10, neighbors = 15}                     manifold embedding step
--   dc.cluster.register(name, factory), dc.cluster.new(name, opts), dc.cluster.fit(algo, x)
--   dc.cluster.register_reassign(name, f), dc.cluster.reassign_names()
--   dc.cluster.knn(x, k) -> ids (1-based, int64 [N, k]), squared distances (exact, FAISS)
--   dc.cluster.knn_search(base, q, k) -> the same for the rows of q among those of base
return function(dc, core)
  local registry = require 'dclab.cluster.registry'
  local reassign = require 'dclab.cluster.reassign'
  local KMeans = require 'dclab.cluster.kmeans'
  local PIC = require 'dclab.cluster.pic'
  local Preprocess = require 'dclab.cluster.preprocess'
  local GMM = require 'dclab.cluster.gmm'
  local UMAP = require 'dclab.cluster.umap'
  local Sinkhorn = require 'dclab.cluster.sinkhorn'

  if not registry.names()[1] then
    registry.register('kmeans', KMeans.new)
    registry.register('pic', PIC.new)
    registry.register('gmm', GMM.new)
    registry.register('sinkhorn', Sinkhorn.new)
  end

  dc.cluster = {
    preprocess = Preprocess.new,
    kmeans = KMeans.new,
    pic = PIC.new,
    gmm = GMM.new,
    umap = UMAP.new,
    sinkhorn = Sinkhorn.solve,
    register = registry.register,
    new = registry.new,
    fit = registry.fit,
    names = registry.names,
    register_reassign = reassign.register,
    reassign_names = reassign.names,
    knn = core.knn_graph,
    NO_SUBSAMPLING = KMeans.NO_SUBSAMPLING,
    knn_search = core.knn_search,
  }
end
