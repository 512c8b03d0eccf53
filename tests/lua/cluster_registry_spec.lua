-- dc.cluster registry: built-in and pure-Lua clusterings behind one contract.
local dc = require 'dclab'

local errors_with = require('spec_helpers').errors_with

-- A clustering written in Lua: points split on the sign of their first coordinate.
local function sign_split()
  return {
    fit = function(_, x)
      local labels = {}
      for i = 1, x:size(1) do labels[i] = x[i][1] < 0 and 1 or 2 end
      return {assign = dc.tensor(labels, 'int64'), k = 2, loss = 0}
    end,
  }
end

describe('dc.cluster registry', function()
  local x = dc.tensor{{-5, 0}, {-6, 1}, {5, 0}, {6, 1}}

  it('a registered Lua algorithm plugs in where kmeans does', function()
    dc.cluster.register('sign_split', sign_split)
    local names = table.concat(dc.cluster.names(), ' ')
    assert.truthy(names:find('kmeans', 1, true) and names:find('pic', 1, true)
      and names:find('sign_split', 1, true))
    local res = dc.cluster.fit(dc.cluster.new('sign_split'), x)
    assert.are.same({1, 1, 2, 2}, res.assign:totable())
    assert.are.equal(2, res.k)
    assert.are.same({2, 2}, res.stats.sizes.sizes:totable())
    local km = dc.cluster.fit(dc.cluster.new('kmeans', {k = 2, init = 'kmeans++'}), x)
    assert.are.equal(1.0, dc.metrics.nmi(km.assign, res.assign))
  end)

  it('a plain function returning a tensor is a clustering too; k is inferred', function()
    local res = dc.cluster.fit(function(feats)
      return dc.tensor({1, 3, 3, 1}, 'int64')
    end, x)
    assert.are.equal(3, res.k)
    assert.are.equal(1, res.stats.sizes.empty)
  end)

  it('checks what algorithms return and what is registered', function()
    errors_with('cluster.fit: assign must be int64 [4] (one cluster id per point), got int64 [2]',
      dc.cluster.fit, function() return dc.tensor({1, 2}, 'int64') end, x)
    errors_with('cluster.fit: the clustering must return an int64 assignment tensor',
      dc.cluster.fit, function() return 42 end, x)
    errors_with('cluster.fit: expected a clustering', dc.cluster.fit, 42, x)
    errors_with("cluster.new: unknown clustering 'spectral' (registered: gmm, kmeans,", dc.cluster.new,
      'spectral')
    errors_with("cluster.register: 'kmeans' is already registered", dc.cluster.register, 'kmeans',
      function() end)
    errors_with('cluster.register: factory must be a function, got nil', dc.cluster.register, 'x')
  end)
end)
