-- Registry of clustering algorithms. A clustering is an object with fit(features) or a plain
-- function(features); either returns {assign = int64 [N] (1..k), k =, loss =, stats =} or just
-- the assignment tensor. So a pure-Lua algorithm plugs in where k-means does:
--   dc.cluster.register('spectral', function(opts) return my_spectral(opts) end)
--   local algo = dc.cluster.new('spectral', {k = 10}); local res = dc.cluster.fit(algo, x)
local core = require 'dclab.core'

local registry = {}
local factories = {}

-- factory(opts) -> clustering (an object with fit, or a function)
function registry.register(name, factory)
  if type(name) ~= 'string' then
    error(string.format('cluster.register: name must be a string, got %s', type(name)), 2)
  end
  if type(factory) ~= 'function' then
    error(string.format('cluster.register: factory must be a function, got %s', type(factory)), 2)
  end
  if factories[name] then
    error(string.format("cluster.register: '%s' is already registered", name), 2)
  end
  factories[name] = factory
end

function registry.names()
  local names = {}
  for n in pairs(factories) do names[#names + 1] = n end
  table.sort(names)
  return names
end

function registry.new(name, opts)
  local f = factories[name]
  if not f then
    error(string.format("cluster.new: unknown clustering '%s' (registered: %s)", tostring(name),
      table.concat(registry.names(), ', ')), 2)
  end
  return f(opts)
end

-- Runs a clustering on x and checks what it returns: {assign, k, loss, stats}, with k the
-- largest label when the algorithm does not say.
function registry.fit(algo, x, ...)
  local res
  if type(algo) == 'function' then
    res = algo(x, ...)
  elseif type(algo) == 'table' and type(algo.fit) == 'function' then
    res = algo:fit(x, ...)
  else
    error(string.format('cluster.fit: expected a clustering (object with fit, or function), got %s',
      type(algo)), 2)
  end
  if core.is_tensor(res) then res = {assign = res} end
  if type(res) ~= 'table' or not core.is_tensor(res.assign) then
    error('cluster.fit: the clustering must return an int64 assignment tensor or {assign = ...}', 2)
  end
  local a = res.assign
  if a:dtype() ~= 'int64' or a:dim() ~= 1 or a:size(1) ~= x:size(1) then
    error(string.format('cluster.fit: assign must be int64 [%d] (one cluster id per point), ' ..
      'got %s [%s]', x:size(1), a:dtype(), table.concat(a:shape(), ', ')), 2)
  end
  local counts, sizes = core.cluster_sizes(a, res.k)
  sizes.sizes = counts
  res.k = res.k or sizes.k
  res.stats = res.stats or {}
  res.stats.sizes = res.stats.sizes or sizes
  return res
end

return registry
