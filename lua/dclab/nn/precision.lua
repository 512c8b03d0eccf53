-- nn.set_precision(model, 'fp32' | 'bf16') -> model: the compute precision of every
-- convolution and Linear layer inside model (Sequential, Net and any module holding modules).
-- 'bf16' is mixed precision: each such layer rounds its inputs and weights to bfloat16 and
-- sums the products in fp32 (oneDNN, on AVX512_BF16 / AMX); weights, gradients, optimizer
-- state, BatchNorm statistics and the loss stay fp32. Refused on a CPU without bf16 compute,
-- with a message naming what it has. nn.precision(model) -> the precision last set ('fp32').
-- set_precision(model, p, fname): errors name fname (the caller a user called: 'deepcluster',
-- 'features') instead of set_precision. refusal(p, fname): the one check of p, for a layer's
-- own set_precision.
local core = require 'dclab.core'
local Module = require 'dclab.nn.Module'

-- the one list of precision names (scripts' --precision choices come from it)
local NAMES = {'fp32', 'bf16'}
local PRECISIONS = {}
for _, n in ipairs(NAMES) do PRECISIONS[n] = true end

local function walk(m, fn, seen)
  if seen[m] then return end
  seen[m] = true
  fn(m)
  for _, v in pairs(m) do
    if Module.is_module(v) then walk(v, fn, seen)
    elseif type(v) == 'table' and v == m.modules then
      for _, c in ipairs(v) do walk(c, fn, seen) end
    end
  end
end

-- Why this CPU cannot compute in precision p (a message naming fname), or nil when it can.
local function refusal(p, fname)
  if not PRECISIONS[p] then
    return string.format("%s: unknown precision '%s' (valid: %s)", fname, tostring(p),
      table.concat(NAMES, ', '))
  end
  if p == 'bf16' then
    local ok, err = pcall(core.require_bf16, fname)
    if not ok then return err end
  end
  return nil
end

local function set_precision(model, p, fname)
  if fname ~= nil and type(fname) ~= 'string' then
    error('set_precision: argument 3 (the caller\'s name) must be a string, got ' .. type(fname), 2)
  end
  fname = fname or 'set_precision'
  if not Module.is_module(model) then
    error(fname .. ': expected a module, got ' .. type(model), 2)
  end
  local why = refusal(p, fname)
  if why then error(why, 2) end
  walk(model, function(m)
    if m.set_precision then m:set_precision(p) end
  end, {})
  model.precision = p
  return model
end

local function precision(model)
  if not Module.is_module(model) then
    error('precision: expected a module, got ' .. type(model), 2)
  end
  return model.precision or 'fp32'
end

local function precision_names() return table.move(NAMES, 1, #NAMES, 1, {}) end

return {set_precision = set_precision, precision = precision, precision_names = precision_names,
  refusal = refusal}
