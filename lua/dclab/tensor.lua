-- Tensor creation with Torch-style arguments, and Lua-side tensor methods.
-- Sizes are given as integers or one table; an options table may follow:
--   dc.zeros(2, 3)  dc.zeros({2, 3}, {dtype = 'int64'})  dc.ones(4, {dtype = 'uint8'})
local options = require 'dclab.options'

return function(dc, core)
  local T = core.Tensor

  -- Splits (sizes..., [options]) into a shape table and the options table.
  local function sizes_and_options(fname, allowed, ...)
    local n = select('#', ...)
    local opts = n > 0 and select(n, ...) or nil
    if type(opts) == 'table' and (next(opts) == nil or type(next(opts)) == 'string') then
      n = n - 1
      opts = options.check(fname, opts, allowed, 3)
    else
      opts = {}
    end
    local first = ...
    if n == 1 and type(first) == 'table' then return first, opts end
    local shape = {}
    for i = 1, n do
      local v = select(i, ...)
      if math.type(v) ~= 'integer' then
        error(string.format('%s: size %d must be an integer, got %s', fname, i,
          math.type(v) or type(v)), 3)
      end
      shape[i] = v
    end
    return shape, opts
  end

  core.sizes_and_options = sizes_and_options -- shared with the other creation functions

  local DTYPE = {dtype = true}

  function dc.empty(...)
    local shape, o = sizes_and_options('empty', DTYPE, ...)
    return core.empty(shape, o.dtype)
  end

  function dc.zeros(...)
    local shape, o = sizes_and_options('zeros', DTYPE, ...)
    return core.zeros(shape, o.dtype)
  end

  function dc.ones(...)
    local shape, o = sizes_and_options('ones', DTYPE, ...)
    return core.full(shape, 1, o.dtype)
  end

  -- dc.full(shape_table, value [, options]) or dc.full(n, m, ..., value)
  function dc.full(...)
    local n = select('#', ...)
    local last = select(n, ...)
    local opts
    if type(last) == 'table' and n >= 3 then opts, n = last, n - 1 end
    local value = select(n, ...)
    local args = table.pack(...)
    args[n] = opts or {}
    local shape, o = sizes_and_options('full', DTYPE, table.unpack(args, 1, n))
    return core.full(shape, value, o.dtype)
  end

  -- dc.tensor{{1, 2}, {3, 4}} (float32) or dc.tensor(tbl, 'int64')
  function dc.tensor(data, dtype)
    return core.tensor(data, dtype)
  end

  -- dc.arange(stop) | dc.arange(start, stop [, step]) [, {dtype=}]; stop excluded. The dtype
  -- defaults to int64 when every bound is an integer, as in numpy.
  function dc.arange(a, b, c, d)
    local opts
    if type(b) == 'table' then opts, b = b, nil
    elseif type(c) == 'table' then opts, c = c, nil
    elseif type(d) == 'table' then opts = d end
    local start, stop, step = 0, a, 1
    if b ~= nil then start, stop, step = a, b, c or 1 end
    local ints = math.type(start) == 'integer' and math.type(stop) == 'integer'
      and math.type(step) == 'integer'
    return core.arange(start, stop, step, (opts and opts.dtype) or (ints and 'int64' or 'float32'))
  end

  dc.linspace = core.linspace
  dc.eye = core.eye
  dc.where = core.where
  dc.is_tensor = core.is_tensor
  dc.memory = core.memory
  dc.reset_peak_memory = core.reset_peak_memory
  dc.Tensor = T
end
