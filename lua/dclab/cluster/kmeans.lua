-- k-means for DeepCluster (core/cluster/kmeans.c): Lloyd iterations with exact FAISS
-- assignment, C centroid updates and a swappable empty-cluster strategy; or FAISS's own
-- Clustering with backend = 'faiss'.
--   local km = dc.cluster.kmeans{k = 100, niter = 20, seed = epoch, reassign = 'faiss_split'}
--   local res = km:fit(x)   -- {assign = int64 [N] (1..k), k, loss, centroids, stats}
local core = require 'dclab.core'
local options = require 'dclab.options'
local reassign = require 'dclab.cluster.reassign'
local Preprocess = require 'dclab.cluster.preprocess'

local KMeans = {}
KMeans.__index = KMeans

-- max_points_per_centroid that keeps every point: DeepCluster clusters all images, where
-- FAISS's default would subsample to 256 points per centroid.
KMeans.NO_SUBSAMPLING = 10000000

-- The binding checks the values of the options it takes; k and reassign are checked here.
local OPTIONS = {
  k = {type = 'integer', min = 1, required = true}, niter = true, nredo = true, seed = true,
  max_points_per_centroid = true, spherical = true, init = true, backend = true,
  reassign = {default = 'faiss_split'}, preprocess = true,
}

-- opts: k (required); niter = 20; nredo = 1; seed = 1234; max_points_per_centroid =
-- 10,000,000 (DeepCluster: never subsample); spherical = false (true: cosine assignment,
-- unit-norm centroids every iteration, as FAISS's spherical); init = 'random' | 'kmeans++' |
-- 'faiss'; backend = 'dclab' | 'faiss'; reassign = a strategy name or function (default
-- 'faiss_split'); preprocess = a dc.cluster.preprocess object or its options (default none).
function KMeans.new(opts)
  opts = options.check('kmeans', opts, OPTIONS)
  local self = setmetatable({}, KMeans)
  for name in pairs(OPTIONS) do self[name] = opts[name] end
  reassign.resolve(self.reassign, 2)
  if type(opts.preprocess) == 'table' and getmetatable(opts.preprocess) ~= Preprocess then
    self.preprocess = Preprocess.new(opts.preprocess)
  end
  return self
end

-- Clusters x (float32 [N, D]); opts.seed overrides the seed for this call (change it every
-- epoch). stats: loss of every iteration (stats.iters[i].obj), imbalance, empty clusters met
-- (nempty_met) and fixed (nfixed), empty clusters in the result (nempty_final).
function KMeans:fit(x, opts)
  opts = options.check('kmeans:fit', opts, {seed = true})
  if self.preprocess then x = self.preprocess:fit_apply(x) end
  local name, fn = reassign.resolve(self.reassign, 2)
  if fn then fn = reassign.checked(self.reassign, fn) end
  local assign, centroids, stats = core.kmeans_fit(x, {
    k = self.k, niter = self.niter, nredo = self.nredo, seed = opts.seed or self.seed,
    max_points_per_centroid = self.max_points_per_centroid, spherical = self.spherical,
    init = self.init, backend = self.backend, reassign = name,
  }, fn)
  self.centroids = centroids
  return {assign = assign, k = self.k, loss = stats.loss, centroids = centroids, stats = stats}
end

-- Assigns new points (raw features: the fitted preprocessing is applied) to the nearest
-- centroid of the last fit: int64 [M] (1..k), and the distances (similarities if spherical).
function KMeans:assign(x)
  if not self.centroids then error('kmeans: assign needs a fit first', 2) end
  if self.preprocess then x = self.preprocess:apply(x) end
  return core.kmeans_assign(self.centroids, x, self.spherical or false)
end

function KMeans:__tostring()
  local r = self.reassign
  return string.format('KMeans(k=%d, niter=%d, %sreassign=%s, backend=%s%s)', self.k,
    self.niter or 20, self.spherical and 'spherical, ' or '',
    type(r) == 'function' and 'function' or r, self.backend or 'dclab',
    self.preprocess and ', ' .. tostring(self.preprocess) or '')
end

return KMeans
