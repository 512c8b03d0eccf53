-- The one checker of option tables: every constructor and function taking {name = value}
-- options calls it, so unknown keys, wrong types, ranges and choices fail with the same
-- words everywhere, and defaults are filled in one place.
--
--   local o = options.check('kmeans', opts, {
--     k = {type = 'integer', min = 1, required = true},
--     niter = {type = 'integer', min = 1, default = 20},
--     metric = {choices = {'l2', 'cosine'}, default = 'l2'},
--     seed = true,                                  -- any value, no default
--   })
--
-- A rule is true (anything) or a table of: type (a Lua type, 'integer', 'tensor',
-- 'generator', or a list of them), default, required, min / max (inclusive), above
-- (exclusive lower bound), choices (a list of allowed values), dtype and dim (of a tensor,
-- which must not be released: {type = 'tensor', dtype = 'int64', dim = 1}), test (a function:
-- true when the value is allowed) with what (the phrase "must be <what>" of its refusal).
-- check returns a new table: the given options over the defaults; the caller's table is not
-- changed. level is the error level as in error(), counted from the function calling check
-- (default 2: its caller).
--
-- Positional arguments take the same rules, one at a time:
--   options.arg('knn', 1, train_f, {type = 'tensor', dim = 2})  -- "knn: argument 1 must be"
-- returns the value (the default when it is nil; optional = true lets it be nil).
local core = require 'dclab.core'

local options = {}

local TYPE_TESTS = {
  integer = function(v) return math.type(v) == 'integer' end,
  tensor = core.is_tensor,
  generator = core.is_generator,
}

local ARTICLE = {integer = 'an'}

local function type_ok(t, v)
  local test = TYPE_TESTS[t]
  if test then return test(v) end
  return type(v) == t
end

local function type_phrase(types)
  local words = {}
  for i, t in ipairs(types) do
    local name = t == 'tensor' and 'dclab.Tensor' or t == 'generator' and 'dclab.Generator' or t
    words[i] = (ARTICLE[t] or 'a') .. ' ' .. name
  end
  return table.concat(words, ' or ')
end

-- How a value is shown after "got": numbers and strings by value, the rest by type.
local function show(v)
  if type(v) == 'string' then return "'" .. v .. "'" end
  if v ~= v then return 'nan' end
  if type(v) == 'number' then return (math.type(v) == 'float' and 'float ' or '') .. tostring(v) end
  if core.is_tensor(v) then
    if not pcall(v.dim, v) then return 'a released tensor' end
    return string.format('%s [%s]', v:dtype(), table.concat(v:shape(), ', '))
  end
  return type(v)
end

local function sorted_names(spec)
  local names = {}
  for n in pairs(spec) do names[#names + 1] = n end
  table.sort(names)
  return table.concat(names, ', ')
end

-- The reason value v breaks rule, or nil when it keeps it.
local function violation(rule, v)
  if rule.test and not rule.test(v) then return 'must be ' .. rule.what end
  if rule.type then
    local types = type(rule.type) == 'table' and rule.type or {rule.type}
    local ok = false
    for _, t in ipairs(types) do ok = ok or type_ok(t, v) end
    if not ok then return 'must be ' .. type_phrase(types) end
  end
  if rule.dtype or rule.dim then
    local live = core.is_tensor(v) and pcall(v.dim, v)
    if not live or rule.dim and v:dim() ~= rule.dim or rule.dtype and v:dtype() ~= rule.dtype then
      local kind = (rule.dtype and rule.dtype .. ' ' or '') ..
        (rule.dim and rule.dim .. '-D ' or '') .. 'tensor'
      return 'must be ' .. (kind:match('^[aeio]') and 'an ' or 'a ') .. kind
    end
  end
  if rule.choices then
    for _, c in ipairs(rule.choices) do
      if v == c then return nil end
    end
    local shown = {}
    for i, c in ipairs(rule.choices) do shown[i] = show(c) end
    return 'must be one of ' .. table.concat(shown, ', ')
  end
  if type(v) == 'number' then
    if rule.above and not (v > rule.above) then return 'must be > ' .. rule.above end
    if rule.min and not (v >= rule.min) then return 'must be >= ' .. rule.min end
    if rule.max and not (v <= rule.max) then return 'must be <= ' .. rule.max end
  end
  return nil
end

function options.check(fname, opts, spec, level)
  if type(fname) ~= 'string' or type(spec) ~= 'table' then
    error('options.check: expected (fname, opts, spec [, level]), fname a string and spec a ' ..
      'table', 2)
  end
  level = (level or 2) + 1
  if opts ~= nil and type(opts) ~= 'table' then
    error(string.format('%s: options must be a table, got %s', fname, type(opts)), level)
  end
  opts = opts or {}
  for k in pairs(opts) do
    if spec[k] == nil then
      error(string.format("%s: unknown option '%s' (valid: %s)", fname, tostring(k),
        sorted_names(spec)), level)
    end
  end
  local out = {}
  for k, v in pairs(opts) do out[k] = v end
  for k, rule in pairs(spec) do
    if rule ~= true then
      local v = out[k]
      if v == nil then
        if rule.required then
          error(string.format("%s: option '%s' is required", fname, k), level)
        end
        out[k] = rule.default
      else
        local why = violation(rule, v)
        if why then
          error(string.format("%s: option '%s' %s, got %s", fname, k, why, show(v)), level)
        end
      end
    end
  end
  return out
end

function options.arg(fname, n, v, rule, level)
  if type(fname) ~= 'string' or math.type(n) ~= 'integer' or type(rule) ~= 'table' then
    error('options.arg: expected (fname, n, value, rule [, level]), fname a string, n an ' ..
      'integer and rule a table', 2)
  end
  if v == nil and (rule.default ~= nil or rule.optional) then return rule.default end
  local why = violation(rule, v)
  if why then
    error(string.format('%s: argument %d %s, got %s', fname, n, why, show(v)), (level or 2) + 1)
  end
  return v
end

return options
