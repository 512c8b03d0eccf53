-- dc.cluster.umap (UMAP-style embedding step) and dc.cluster.knn_search.
local dc = require 'dclab'

local errors_with = require('spec_helpers').errors_with

-- three blobs of m points in d dims (blob c centred at 6 along axis c); labels 1..3
local function blobs(m, d, seed)
  local x = dc.randn(3 * m, d, {seed = seed})
  local y = dc.empty(3 * m, {dtype = 'int64'})
  for c = 1, 3 do
    x:narrow(1, (c - 1) * m + 1, m):narrow(2, c, 1):add_(6)
    y:narrow(1, (c - 1) * m + 1, m):fill(c)
  end
  return x, y
end

describe('dc.cluster.umap', function()
  it('lays out blobs apart, places new points among their own, and is reproducible', function()
    local x, y = blobs(60, 8, 1)
    local um = dc.cluster.umap{dim = 2, neighbors = 10, n_epochs = 100}
    local e = um:fit_apply(x)
    assert.are.same({180, 2}, e:shape())
    assert.is_true(dc.eval.knn(e, y, e, y, {k = 5, metric = 'l2'}) > 0.99)
    local x2, y2 = blobs(10, 8, 2)
    local e2 = um:apply(x2)
    assert.are.same({30, 2}, e2:shape())
    assert.is_true(dc.eval.knn(e, y, e2, y2, {k = 5, metric = 'l2'}) > 0.95)
    local again = dc.cluster.umap{dim = 2, neighbors = 10, n_epochs = 100}:fit_apply(x)
    assert.are.equal(0, (again - e):abs():max())
    local other = dc.cluster.umap{dim = 2, neighbors = 10, n_epochs = 100, seed = 2}:fit_apply(x)
    assert.is_true((other - e):abs():max() > 0)
    -- with a PCA reduction first
    local ep = dc.cluster.umap{dim = 2, neighbors = 10, n_epochs = 50, pca = 4}:fit_apply(x)
    assert.are.same({180, 2}, ep:shape())
    assert.matches('UMAP%(dim=2, neighbors=10', tostring(um))
  end)

  it('knn_search finds the nearest rows of base', function()
    local base = dc.tensor{{0, 0}, {1, 0}, {5, 5}, {0, 2}}
    local ids, dist = dc.cluster.knn_search(base, dc.tensor{{0.9, 0.1}, {4, 4}}, 2)
    assert.are.same({{2, 1}, {3, 4}}, ids:totable())
    assert.is_true(math.abs(dist[1][1] - 0.02) < 1e-6)
    errors_with('knn_search: needs q with base\'s dims and 1 <= k <= rows of base',
      dc.cluster.knn_search, base, dc.zeros(1, 3), 1)
  end)

  it('rejects bad options and inputs', function()
    local x = blobs(10, 4, 3)
    errors_with("umap: unknown option 'neighbours'", dc.cluster.umap, {neighbours = 5})
    errors_with("umap: option 'dim' must be >= 1, got 0", dc.cluster.umap, {dim = 0})
    errors_with('umap: apply needs fit_apply first', function()
      return dc.cluster.umap{}:apply(x)
    end)
    errors_with('umap: 15 neighbours need more than 15 points, got 10', function()
      return dc.cluster.umap{}:fit_apply(x:narrow(1, 1, 10))
    end)
    errors_with('umap: dim = 10 is more than the 4 dims of the data', function()
      return dc.cluster.umap{neighbors = 5}:fit_apply(x)
    end)
    errors_with('umap: n_epochs must be in 1..100000', function()
      return dc.cluster.umap{dim = 2, neighbors = 5, n_epochs = 0}:fit_apply(x)
    end)
  end)
end)
