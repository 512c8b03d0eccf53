-- dc.cluster.pic and dc.cluster.knn: graph clustering with a data-driven number of clusters.
local dc = require 'dclab'

local errors_with = require('spec_helpers').errors_with

local function gauss()
  return math.sqrt(-2 * math.log(1 - math.random())) * math.cos(2 * math.pi * math.random())
end

local function two_blobs(m, d, off, seed)
  math.randomseed(seed)
  local rows = {}
  for i = 1, 2 * m do
    rows[i] = {}
    for j = 1, d do rows[i][j] = (i > m and off or 0) + gauss() end
  end
  return dc.tensor(rows)
end

describe('dc.cluster.pic', function()
  it('separates two distant blobs; k comes from the data', function()
    local x = two_blobs(150, 6, 30, 1)
    local res = dc.cluster.pic{sigma = 2}:fit(x)
    assert.are.equal(0, res.loss)
    assert.is_true(res.k >= 2)
    local a = res.assign:totable()
    local s = dc.metrics.sizes(res.assign)
    assert.are.equal(res.k, s.k)
    assert.are.equal(0, s.empty)
    for i = 1, 150 do
      for j = 151, 300 do assert.are_not.equal(a[i], a[j]) end
    end
    -- through the registry, with DeepCluster's preprocessing
    local algo = dc.cluster.new('pic', {preprocess = {pca = 4}})
    local r2 = dc.cluster.fit(algo, x)
    assert.is_true(r2.k >= 2)
    assert.are.same({300}, r2.assign:shape())
  end)

  it('rejects bad options', function()
    errors_with("pic: unknown option 'k'", dc.cluster.pic, {k = 3})
    errors_with('pic: knn_graph: k = 5 neighbours needs more than k points', function()
      return dc.cluster.pic{}:fit(dc.zeros(4, 2))
    end)
    errors_with('pic: sigma must be > 0', function()
      return dc.cluster.pic{sigma = -1}:fit(two_blobs(10, 2, 5, 2))
    end)
  end)
end)

describe('dc.cluster.knn', function()
  it('gives 1-based neighbour ids and squared distances, nearest first', function()
    local x = dc.tensor{{0}, {1}, {3}, {7}}
    local ids, d = dc.cluster.knn(x, 2)
    assert.are.same({{2, 3}, {1, 3}, {2, 1}, {3, 2}}, ids:totable())
    assert.are.same({{1, 9}, {1, 4}, {4, 9}, {16, 36}}, d:totable())
    errors_with('knn_graph: k = 4 neighbours needs more than k points', dc.cluster.knn, x, 4)
  end)
end)
