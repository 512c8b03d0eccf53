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

  it('checks what algorithms return against the contract, naming the plug-in', function()
    local tail = ' (the contract: help(dc.deepcluster))'
    errors_with('cluster.fit: the clustering function returned assign int64 [2]; expected int64 [4] ' ..
      '(one cluster id per point)' .. tail,
      dc.cluster.fit, function() return dc.tensor({1, 2}, 'int64') end, x)
    errors_with('cluster.fit: the clustering function returned assign float32 [4]; expected int64 [4]',
      dc.cluster.fit, function() return dc.tensor{1, 2, 1, 2} end, x)
    errors_with('cluster.fit: the clustering function returned a number; expected an int64 ' ..
      'assignment tensor or {assign = ...}' .. tail, dc.cluster.fit, function() return 42 end, x)
    errors_with('cluster.fit: the clustering function returned a table without an assign tensor',
      dc.cluster.fit, function() return {1, 2, 1, 2} end, x)
    -- the function was asked for k = 2 and answers with ids 3..4: not silently k = 4
    errors_with('cluster.fit: the clustering function returned cluster ids 3..4, outside 1..2 ' ..
      '(ids are 1-based, k = 2)' .. tail,
      dc.cluster.fit, function() return dc.tensor({3, 4, 3, 4}, 'int64') end, x, 2)
    errors_with('cluster.fit: the clustering function returned cluster ids 0..1, outside 1..k',
      dc.cluster.fit, function() return dc.tensor({0, 1, 0, 1}, 'int64') end, x)
    errors_with('cluster.fit: the clustering function returned k = 0; expected a positive integer',
      dc.cluster.fit, function() return {assign = dc.tensor({1, 1, 1, 1}, 'int64'), k = 0} end, x)
    dc.cluster.register('shifted', function()
      return {fit = function() return {assign = dc.tensor({2, 3, 2, 3}, 'int64'), k = 2} end}
    end)
    errors_with("cluster.fit: clustering 'shifted' returned cluster ids 2..3, outside 1..2",
      dc.cluster.fit, dc.cluster.new('shifted'), x)
    -- its own k overrides the one asked for (PIC-like algorithms choose k)
    local res = dc.cluster.fit(function()
      return {assign = dc.tensor({1, 2, 3, 3}, 'int64'), k = 3}
    end, x, 2)
    assert.are.equal(3, res.k)
    errors_with('cluster.fit: expected a clustering', dc.cluster.fit, 42, x)
  end)

  it('checks what is registered', function()
    errors_with("cluster.new: unknown clustering 'spectral' (registered: gmm, kmeans,", dc.cluster.new,
      'spectral')
    errors_with("cluster.register: 'kmeans' is already registered", dc.cluster.register, 'kmeans',
      function() end)
    errors_with('cluster.register: factory must be a function, got nil', dc.cluster.register, 'x')
  end)
end)
