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
-- (exclusive lower bound), choices (a list of allowed values). check returns a new table:
-- the given options over the defaults; the caller's table is not changed. level is the
-- error level as in error(), counted from the function calling check (default 2: its caller).
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
  if core.is_tensor(v) then return 'dclab.Tensor' end
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
  if rule.type then
    local types = type(rule.type) == 'table' and rule.type or {rule.type}
    local ok = false
    for _, t in ipairs(types) do ok = ok or type_ok(t, v) end
    if not ok then return 'must be ' .. type_phrase(types) end
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

return options
