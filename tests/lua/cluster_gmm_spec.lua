-- dc.cluster.gmm: Gaussian-mixture clustering (EM), its registry entry and its errors.
local dc = require 'dclab'

local errors_with = require('spec_helpers').errors_with

-- three 2-d blobs of m points, centres (0, 0), (8, 0), (0, 8); labels 1..3
local function blobs(m, seed)
  local x = dc.randn(3 * m, 2, {seed = seed})
  x:narrow(1, m + 1, m):narrow(2, 1, 1):add_(8)
  x:narrow(1, 2 * m + 1, m):narrow(2, 2, 1):add_(8)
  local y = dc.empty(3 * m, {dtype = 'int64'})
  for c = 1, 3 do y:narrow(1, (c - 1) * m + 1, m):fill(c) end
  return x, y
end

describe('dc.cluster.gmm', function()
  it('recovers three blobs, with a log-likelihood that never decreases', function()
    local x, y = blobs(100, 1)
    for _, cov in ipairs{'diag', 'full'} do
      local g = dc.cluster.gmm{k = 3, covariance = cov, tol = 0, niter = 15}
      local res = g:fit(x)
      assert.are.equal(3, res.k)
      assert.is_true(dc.metrics.acc(res.assign, y) > 0.99)
      local tr = res.stats.trace
      assert.are.equal(15, #tr)
      for i = 2, #tr do assert.is_true(tr[i] >= tr[i - 1] - 1e-9) end
      assert.are.equal(-res.loss, tr[#tr])
      assert.are.same(cov == 'full' and {3, 2, 2} or {3, 2}, res.model.covs:shape())
      assert.is_true(math.abs(res.model.weights:sum() - 1) < 1e-5)
      local a, ll = g:assign(x)
      assert.is_true(dc.metrics.acc(a, y) > 0.99)
      assert.is_true(math.abs(ll - res.stats.loglik) < 0.05)
    end
  end)

  it('starts from a given partition and is a registry entry', function()
    local x, y = blobs(50, 2)
    local res = dc.cluster.gmm{k = 3, init = y}:fit(x)
    assert.is_true(dc.metrics.acc(res.assign, y) > 0.99)
    assert.is_nil(res.stats.init_loss)
    local r2 = dc.cluster.fit(dc.cluster.new('gmm', {k = 3}), x)
    assert.are.same({150}, r2.assign:shape())
    assert.matches('GMM%(k=3, covariance=diag', tostring(dc.cluster.gmm{k = 3}))
  end)

  it('rejects bad options and inputs', function()
    local x, y = blobs(20, 3)
    errors_with("gmm: option 'k' is required", dc.cluster.gmm, {})
    errors_with("gmm: unknown option 'kk'", dc.cluster.gmm, {k = 3, kk = 1})
    errors_with("gmm: option 'covariance' must be one of", dc.cluster.gmm,
      {k = 3, covariance = 'tied'})
    errors_with("gmm: option 'init' must be a dclab.Tensor", dc.cluster.gmm, {k = 3, init = {1, 2}})
    errors_with('gmm: assign needs a fit first', function() return dc.cluster.gmm{k = 3}:assign(x) end)
    errors_with('gmm: init[0] = 3 is not a component (0-based: 0..2)', function()
      return dc.cluster.gmm{k = 3, init = y:clone():fill(4)}:fit(x)
    end)
    errors_with('gmm: component 1 (0-based) lost all its points', function()
      return dc.cluster.gmm{k = 3, init = y:clone():fill(1)}:fit(x)
    end)
    errors_with('gmm: niter must be in 1..100000', function()
      return dc.cluster.gmm{k = 3, niter = 0}:fit(x)
    end)
    local g = dc.cluster.gmm{k = 3}
    g:fit(x)
    errors_with('gmm_predict: x is float32 [4, 3] but the model has dim 2', function()
      return g:assign(dc.zeros(4, 3))
    end)
  end)
end)
