-- Gaussian-mixture clustering by EM (core/cluster/gmm.c), diagonal or full covariances,
-- started from a k-means partition: the last step of N2D (autoencoder, UMAP, mixture).
--   local g = dc.cluster.gmm{k = 10, covariance = 'full'}
--   local res = g:fit(x)      -- {assign = int64 [N] (1..k), k, loss = -mean log-lik, stats}
--   local a = g:assign(x2)    -- most probable component of new points under the fitted model
local core = require 'dclab.core'
local options = require 'dclab.options'
local KMeans = require 'dclab.cluster.kmeans'

local GMM = {}
GMM.__index = GMM

local OPTIONS = {k = {type = 'integer', min = 1, required = true},
  covariance = {choices = {'diag', 'full'}, default = 'diag'}, niter = true, tol = true,
  reg = true, seed = true, init = {type = 'tensor'}}

-- opts: k (required); covariance = 'diag' | 'full' (default 'diag'); niter = 100 EM
-- iterations at most; tol = 1e-4 (stop when the mean log-likelihood moves less); reg = 1e-6
-- (added to every variance); seed = 1 (of the k-means start); init = an int64 [N] partition
-- (1..k) to start from instead of k-means. niter, tol and reg are checked by core (gmm.c).
function GMM.new(opts)
  opts = options.check('gmm', opts, OPTIONS)
  local self = setmetatable({}, GMM)
  for name in pairs(OPTIONS) do self[name] = opts[name] end
  return self
end

-- Fits the mixture on x (float32 [N, D]); opts.seed overrides the seed of the k-means start.
-- stats: iters, loglik (mean per point), converged, trace (mean log-likelihood of each
-- E-step), init_loss (the k-means objective, or nil).
function GMM:fit(x, opts)
  opts = options.check('gmm:fit', opts, {seed = true})
  local init, init_loss = self.init, nil
  if not init then
    local km = KMeans.new{k = self.k, niter = 20, seed = opts.seed or self.seed or 1,
      max_points_per_centroid = KMeans.NO_SUBSAMPLING}:fit(x)
    init, init_loss = km.assign, km.loss
  end
  local assign, model, info = core.gmm_fit(x, init, {k = self.k, covariance = self.covariance,
    niter = self.niter, tol = self.tol, reg = self.reg})
  self.model = model
  info.init_loss = init_loss
  return {assign = assign, k = self.k, loss = -info.loglik, model = model, stats = info}
end

-- Most probable component (int64 [M], 1..k) of each row of x under the last fit, and the
-- mean log-likelihood of x.
function GMM:assign(x)
  if not self.model then error('gmm: assign needs a fit first', 2) end
  return core.gmm_predict(self.model, x)
end

function GMM:__tostring()
  return string.format('GMM(k=%d, covariance=%s, niter=%d, tol=%g, reg=%g)', self.k,
    self.covariance, self.niter or 100, self.tol or 1e-4, self.reg or 1e-6)
end

return GMM
