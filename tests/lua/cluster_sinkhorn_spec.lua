-- dc.cluster.sinkhorn and the clustering 'sinkhorn': equipartition by Sinkhorn-Knopp.
local dc = require 'dclab'
local doc = require 'dclab.doc'

local errors_with = require('spec_helpers').errors_with

-- k clusters of m points: score 0.8 on its own cluster (i % k), 0.2 elsewhere, +-0.1 noise;
-- tilt is added to every score of cluster 1.
local function toy(k, m, tilt, seed)
  math.randomseed(seed)
  local rows = {}
  for i = 0, k * m - 1 do
    local r = {}
    for j = 0, k - 1 do
      r[j + 1] = (j == i % k and 0.8 or 0.2) + 0.2 * math.random() - 0.1 + (j == 0 and tilt or 0)
    end
    rows[i + 1] = r
  end
  return dc.tensor(rows)
end

describe('dc.cluster.sinkhorn', function()
  it('has help text', function()
    assert.truthy(doc['dc.cluster.sinkhorn']:match('^dc%.cluster%.sinkhorn%(scores'))
  end)

  it('returns Q with rows summing to 1 and columns to N / K', function()
    local s = dc.randn(300, 6, {seed = 1})
    local q, info = dc.cluster.sinkhorn(s)
    assert.are.same({300, 6}, q:shape())
    assert.are.equal('float32', q:dtype())
    assert.are.equal(3, info.iters)
    for _, r in ipairs(q:sum(2):totable()) do assert.is_true(math.abs(r - 1) < 1e-5) end
    local q2, info2 = dc.cluster.sinkhorn(s, {iters = 1000, tol = 1e-6, epsilon = 0.1})
    assert.is_true(info2.iters < 1000 and info2.err <= 1e-6)
    for _, c in ipairs(q2:sum(1):totable()) do assert.is_true(math.abs(c / 50 - 1) < 1e-5) end
  end)

  it('honours given marginals', function()
    local s = dc.randn(400, 4, {seed = 2})
    local m = dc.tensor{0.1, 0.2, 0.3, 0.4}
    local q = dc.cluster.sinkhorn(s, {marginals = m, iters = 1000, tol = 1e-6})
    local cols = q:sum(1):totable()
    for j, want in ipairs{40, 80, 120, 160} do assert.is_true(math.abs(cols[j] / want - 1) < 1e-5) end
  end)

  it('works in place', function()
    local s = dc.randn(50, 5, {seed = 3})
    local q = dc.cluster.sinkhorn(s)
    local t = s:clone()
    local q2 = dc.cluster.sinkhorn(t, {inplace = true})
    assert.are.equal(t, q2)
    assert.are.same(q:totable(), q2:totable())
  end)

  it('rejects bad input, naming sinkhorn', function()
    local s = dc.randn(10, 3, {seed = 4})
    errors_with('sinkhorn: epsilon must be > 0', dc.cluster.sinkhorn, s, {epsilon = -0.1})
    errors_with('sinkhorn: iters must be >= 1', dc.cluster.sinkhorn, s, {iters = 0})
    errors_with("sinkhorn: unknown option 'lambda'", dc.cluster.sinkhorn, s, {lambda = 25})
    errors_with('sinkhorn: K = 5 clusters but scores', dc.cluster.sinkhorn, dc.randn(3, 5))
    local bad = s:clone()
    bad[2][3] = 0 / 0
    errors_with('sinkhorn: scores has a NaN or Inf', dc.cluster.sinkhorn, bad)
    errors_with('sinkhorn: marginals must sum to 1', dc.cluster.sinkhorn, s,
      {marginals = dc.tensor{0.5, 0.2, 0.2}})
    errors_with('sinkhorn: marginals must be float32 [3]', dc.cluster.sinkhorn, s,
      {marginals = dc.tensor{0.5, 0.5}})
    errors_with("sinkhorn: option 'marginals' must be a dclab.Tensor", dc.cluster.sinkhorn, s,
      {marginals = {0.5, 0.5}})
  end)
end)

describe("the clustering 'sinkhorn'", function()
  it('is registered', function()
    local names = table.concat(dc.cluster.names(), ',')
    assert.truthy(names:find('sinkhorn', 1, true))
  end)

  it('gives equal-size labels where plain argmax is unbalanced', function()
    local s = toy(5, 30, 1.0, 5)
    local plain = dc.metrics.sizes(s:argmax(2))
    assert.are.equal(150, plain.max) -- every point on the tilted cluster
    local algo = dc.cluster.new('sinkhorn', {k = 5, iters = 100, tol = 1e-3})
    local res = dc.cluster.fit(algo, s, {seed = 1})
    assert.are.equal(5, res.k)
    assert.are.equal(30, res.stats.sizes.min)
    assert.are.equal(30, res.stats.sizes.max)
    assert.is_true(res.stats.err <= 1e-3)
    local a = res.assign:totable()
    for i = 1, 150 do assert.are.equal((i - 1) % 5 + 1, a[i]) end
  end)

  it('refuses features that are not an [N, k] score matrix', function()
    errors_with('sinkhorn: the features must be a score matrix [N, k] with k = 4 columns',
      function() return dc.cluster.fit(dc.cluster.new('sinkhorn', {k = 4}), dc.randn(20, 3)) end)
    errors_with("sinkhorn: option 'k'", dc.cluster.new, 'sinkhorn', {})
    errors_with("sinkhorn: unknown option 'inplace'", dc.cluster.new, 'sinkhorn',
      {k = 3, inplace = true})
  end)
end)
