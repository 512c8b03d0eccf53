-- Registry of empty-cluster reassignment strategies for k-means.
-- Built-in (C) ones: faiss_split, deepercluster, farthest_point, random_point, none.
-- A Lua strategy is f(centroids, counts, ctx): it edits the float32 [k, D] centroids of the
-- empty clusters in place (counts: int64 [k]; ctx = {k, iter, empty (int64 1-based ids),
-- x, dist, assign (1-based), similarity, seed}) and may return how many it fixed.
local core = require 'dclab.core'

local reassign = {}

local builtin, builtin_names = {}, core.reassign_names()
for _, name in ipairs(builtin_names) do builtin[name] = true end
local registered = {}

-- dc.cluster.register_reassign(name, f): makes `reassign = name` run f.
function reassign.register(name, f)
  if type(name) ~= 'string' then
    error(string.format('register_reassign: name must be a string, got %s', type(name)), 2)
  end
  if type(f) ~= 'function' then
    error(string.format('register_reassign: strategy must be a function, got %s', type(f)), 2)
  end
  if builtin[name] then
    error(string.format("register_reassign: '%s' is a built-in strategy", name), 2)
  end
  registered[name] = f
end

-- Every strategy name: built-in first, then registered ones, sorted.
function reassign.names()
  local names, extra = {}, {}
  for _, n in ipairs(builtin_names) do names[#names + 1] = n end
  for n in pairs(registered) do extra[#extra + 1] = n end
  table.sort(extra)
  for _, n in ipairs(extra) do names[#names + 1] = n end
  return names
end

-- spec (a name or a function) -> built-in name or nil, Lua function or nil.
function reassign.resolve(spec, level)
  if type(spec) == 'function' then return nil, spec end
  if type(spec) == 'string' then
    if builtin[spec] then return spec, nil end
    if registered[spec] then return nil, registered[spec] end
  end
  error(string.format("kmeans: unknown reassign strategy '%s' (valid: %s, or a function)",
    tostring(spec), table.concat(reassign.names(), ', ')), (level or 2) + 1)
end

-- fn wrapped to check its contract on return: every centroid finite. spec names it in errors.
function reassign.checked(spec, fn)
  local who = type(spec) == 'string' and "reassign strategy '" .. spec .. "'"
    or 'the reassign function'
  return function(centroids, counts, ctx)
    local fixed = fn(centroids, counts, ctx)
    local zero = centroids - centroids -- 0 where finite, NaN where NaN or Inf
    if zero:sum() ~= 0 then
      local rows, bad = zero:sum(2):totable(), {}
      for c = 1, #rows do
        if rows[c] ~= 0 and #bad < 5 then bad[#bad + 1] = c end
      end
      error(string.format('%s left non-finite centroids (NaN or Inf) in cluster%s %s%s ' ..
        '(the contract: help(dc.deepcluster))', who, #bad > 1 and 's' or '',
        table.concat(bad, ', '), #bad == 5 and ', ...' or ''), 0)
    end
    return fixed
  end
end

return reassign
