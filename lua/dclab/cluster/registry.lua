-- Registry of clustering algorithms. A clustering is an object with fit(features) or a plain
-- function(features); either returns {assign = int64 [N] (1..k), k =, loss =, stats =} or just
-- the assignment tensor. So a pure-Lua algorithm plugs in where k-means does:
--   dc.cluster.register('spectral', function(opts) return my_spectral(opts) end)
--   local algo = dc.cluster.new('spectral', {k = 10}); local res = dc.cluster.fit(algo, x)
local core = require 'dclab.core'

local registry = {}
local factories = {}
local names_of = setmetatable({}, {__mode = 'k'}) -- clustering made by new -> its name

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
  local algo = f(opts)
  if type(algo) == 'table' then names_of[algo] = name end
  return algo
end

-- What errors call the clustering algo.
local function describe(algo)
  if type(algo) == 'function' then return 'the clustering function' end
  return 'clustering ' .. (names_of[algo] and "'" .. names_of[algo] .. "'" or tostring(algo))
end

-- Runs a clustering on x and checks what it returns against the contract (help(dc.deepcluster)):
-- {assign = int64 [N] with ids in 1..k, k =, loss =, stats =} or the assign tensor alone.
-- A function is called fn(x, k, gen) and its ids must lie in 1..k unless it returns its own k;
-- an object's k is res.k, else its field k, else the largest id.
function registry.fit(algo, x, ...)
  local res, k
  if type(algo) == 'function' then
    res = algo(x, ...)
    local asked = ...
    k = math.type(asked) == 'integer' and asked or nil
  elseif type(algo) == 'table' and type(algo.fit) == 'function' then
    res = algo:fit(x, ...)
    k = math.type(algo.k) == 'integer' and algo.k or nil
  else
    error(string.format('cluster.fit: expected a clustering (object with fit, or function), got %s',
      type(algo)), 2)
  end
  local who = describe(algo)
  local function bad(fmt, ...)
    error(string.format('cluster.fit: %s ' .. fmt .. ' (the contract: help(dc.deepcluster))', who,
      ...), 3)
  end
  if core.is_tensor(res) then res = {assign = res} end
  if type(res) ~= 'table' or not core.is_tensor(res.assign) then
    bad('returned %s; expected an int64 assignment tensor or {assign = ...}',
      type(res) == 'table' and 'a table without an assign tensor' or 'a ' .. type(res))
  end
  local a = res.assign
  if a:dtype() ~= 'int64' or a:dim() ~= 1 or a:size(1) ~= x:size(1) then
    bad('returned assign %s [%s]; expected int64 [%d] (one cluster id per point)', a:dtype(),
      table.concat(a:shape(), ', '), x:size(1))
  end
  if res.k ~= nil and (math.type(res.k) ~= 'integer' or res.k < 1) then
    bad('returned k = %s; expected a positive integer', tostring(res.k))
  end
  k = res.k or k
  local lo, hi = a:min(), a:max()
  if lo < 1 or (k and hi > k) then
    bad('returned cluster ids %d..%d, outside 1..%s (ids are 1-based%s)', lo, hi,
      k and tostring(k) or 'k', k and ', k = ' .. k or '')
  end
  local counts, sizes = core.cluster_sizes(a, k)
  sizes.sizes = counts
  res.k = k or sizes.k
  res.stats = res.stats or {}
  res.stats.sizes = res.stats.sizes or sizes
  return res
end

return registry
