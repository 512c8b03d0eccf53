-- A UMAP-style manifold embedding as a feature preprocessing step (core/cluster/umap.c):
-- exact kNN graph (FAISS), fuzzy membership weights, symmetric fuzzy graph, SGD layout with
-- negative sampling from a PCA start. New points (e.g. a test split) are placed at the
-- membership-weighted mean of their nearest fitted points' positions (umap-learn's
-- transform start), so the test set never shapes the layout.
--   local um = dc.cluster.umap{dim = 10, neighbors = 15, seed = 1}
--   local y = um:fit_apply(x)      -- float32 [N, dim]
--   local y2 = um:apply(x2)        -- new points, float32 [M, dim]
local core = require 'dclab.core'
local options = require 'dclab.options'
local Preprocess = require 'dclab.cluster.preprocess'

local UMAP = {}
UMAP.__index = UMAP

local LAYOUT = {'n_epochs', 'min_dist', 'spread', 'a', 'b', 'learning_rate', 'negative_rate',
  'repulsion'}
local OPTIONS = {dim = {type = 'integer', min = 1, default = 10},
  neighbors = {type = 'integer', min = 1, default = 15}, seed = {default = 1},
  pca = {type = 'integer', min = 0, default = 0}}
for _, name in ipairs(LAYOUT) do OPTIONS[name] = true end -- checked by core (umap.c)

-- opts: dim = 10 output dims; neighbors = 15 per point; seed = 1; pca = 0 (reduce the input
-- to this many PCA dims first, 0: no); and the layout's: n_epochs = 200, min_dist = 0.1,
-- spread = 1, a, b (default: fitted from min_dist and spread), learning_rate = 1,
-- negative_rate = 5, repulsion = 1.
function UMAP.new(opts)
  opts = options.check('umap', opts, OPTIONS)
  local self = setmetatable({}, UMAP)
  self.dim, self.neighbors, self.seed, self.pca = opts.dim, opts.neighbors, opts.seed, opts.pca
  self.layout = {}
  for _, name in ipairs(LAYOUT) do self.layout[name] = opts[name] end
  return self
end

-- PCA reduction of the input, when asked for (fitted by fit_apply).
local function reduce(self, x, fit)
  if self.pca == 0 then return x end
  if fit then
    self.reducer = Preprocess.new{pca = math.min(self.pca, x:size(2)), whiten = false, l2 = false}
    return self.reducer:fit_apply(x)
  end
  return self.reducer:apply(x)
end

-- Lays out x (float32 [N, D]); returns float32 [N, dim] and keeps what apply needs.
function UMAP:fit_apply(x)
  if x:size(1) <= self.neighbors then
    error(string.format('umap: %d neighbours need more than %d points, got %d', self.neighbors,
      self.neighbors, x:size(1)), 2)
  end
  local xr = reduce(self, x, true)
  local ids, dist = core.knn_graph(xr, self.neighbors)
  local w = core.umap_weights(dist)
  -- start: the first dim principal components, each scaled to [0, 10] as umap-learn does
  local y = Preprocess.new{pca = math.min(self.dim, xr:size(2)), whiten = true, l2 = false}
    :fit_apply(xr)
  if y:size(2) < self.dim then
    error(string.format('umap: dim = %d is more than the %d dims of the data', self.dim,
      y:size(2)), 2)
  end
  local lo, hi = y:min(1, true), y:max(1, true)
  y = ((y - lo) / (hi - lo):clamp(1e-12) * 10):contiguous()
  core.umap_layout(ids, w, y, self.layout, core.Generator(self.seed))
  self.fitted_x, self.embedding = xr, y
  return y
end
UMAP.__call = UMAP.fit_apply

-- Places new points x (float32 [M, D]) among the fitted ones: float32 [M, dim].
function UMAP:apply(x)
  if not self.embedding then error('umap: apply needs fit_apply first', 2) end
  local xr = reduce(self, x, false)
  local ids, dist = core.knn_search(self.fitted_x, xr, self.neighbors)
  local w = core.umap_weights(dist)
  w = w / w:sum(2, true):clamp(1e-12)
  local m, k = ids:size(1), ids:size(2)
  local nb = self.embedding:index_select(1, ids:reshape(-1)):view(m, k, self.dim)
  return (nb * w:view(m, k, 1)):sum(2):view(m, self.dim)
end

function UMAP:__tostring()
  local l = self.layout
  return string.format('UMAP(dim=%d, neighbors=%d, n_epochs=%d, min_dist=%g, pca=%d, seed=%d)',
    self.dim, self.neighbors, l.n_epochs or 200, l.min_dist or 0.1, self.pca, self.seed)
end

return UMAP
