-- Tensor creation with Torch-style arguments, and Lua-side tensor methods.
-- Sizes are given as integers or one table; an options table may follow:
--   dc.zeros(2, 3)  dc.zeros({2, 3}, {dtype = 'int64'})  dc.ones(4, {dtype = 'uint8'})
return function(dc, core)
  local T = core.Tensor

  -- Splits (sizes..., [options]) into a shape table and the options table.
  local function sizes_and_options(fname, allowed, ...)
    local n = select('#', ...)
    local opts = n > 0 and select(n, ...) or nil
    if type(opts) == 'table' and (next(opts) == nil or type(next(opts)) == 'string') then
      n = n - 1
      for k in pairs(opts) do
        if not allowed[k] then
          local names = {}
          for name in pairs(allowed) do names[#names + 1] = name end
          table.sort(names)
          error(string.format("%s: unknown option '%s' (valid: %s)", fname, tostring(k),
            table.concat(names, ', ')), 3)
        end
      end
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

  -- ---- Torch-style conveniences ----

  -- In place, with PyTorch's names; fill is Torch7's name for fill_ and stays in place too.
  T.fill_ = T.fill
  function T:zero_() return self:fill(0) end

  -- dclab computes in float32 and counts in int64: Torch code asking for double or int gets
  -- those (help(t.double) says so).
  T.double = T.float
  T.int = T.long

  -- t:type() -> dtype name; t:type(dtype) -> converted (t itself when it already has it).
  local convert = T.type
  function T:type(dtype)
    if dtype == nil then return self:dtype() end
    return convert(self, dtype)
  end

  -- t:size() -> the sizes as a list that prints as [2, 3]; t:size(dim) -> one size.
  local Size = {__name = 'dclab.Size'}
  function Size.__tostring(s) return '[' .. table.concat(s, ', ') .. ']' end
  local size = T.size
  function T:size(dim)
    if dim == nil then return setmetatable(size(self), Size) end
    return size(self, dim)
  end

  -- A dimension of t given from 1 or from the end (-1 the last), checked for fname.
  local function dim_of(fname, t, d)
    local nd = t:dim()
    local p = math.type(d) == 'integer' and (d < 0 and nd + d + 1 or d)
    if not p or p < 1 or p > nd then
      error(string.format('%s: dimension %s out of range for a %d-dimensional tensor', fname,
        tostring(d), nd), 3)
    end
    return p
  end

  -- t:flatten([first = 1 [, last = -1]]) -> dimensions first..last merged into one.
  function T:flatten(first, last)
    if self:dim() == 0 then return self:reshape({1}) end
    local a, b = dim_of('flatten', self, first or 1), dim_of('flatten', self, last or -1)
    if b < a then
      error(string.format('flatten: first dimension %d comes after last dimension %d', a, b), 2)
    end
    local shape, out, merged = self:shape(), {}, 1
    for i = 1, a - 1 do out[#out + 1] = shape[i] end
    for i = a, b do merged = merged * shape[i] end
    out[#out + 1] = merged
    for i = b + 1, #shape do out[#out + 1] = shape[i] end
    return self:reshape(out)
  end

  -- t:repeat_tensor(counts...) -> a copy of t tiled counts[i] times along dimension i
  -- (Torch7's repeatTensor, PyTorch's repeat); extra leading counts add dimensions.
  function T:repeat_tensor(...)
    local first = ...
    local reps = type(first) == 'table' and first or {...}
    local nd = self:dim()
    if #reps < nd then
      error(string.format('repeat_tensor: %d counts for a %d-dimensional tensor', #reps, nd), 2)
    end
    for i, r in ipairs(reps) do
      if math.type(r) ~= 'integer' or r < 1 then
        error(string.format('repeat_tensor: count %d must be a positive integer, got %s', i,
          tostring(r)), 2)
      end
    end
    local shape, padded = self:shape(), {}
    for i = 1, #reps do padded[i] = shape[i - (#reps - nd)] or 1 end
    local v, copied = self:reshape(padded), false
    for i, r in ipairs(reps) do
      if r > 1 then
        copied = true
        local copies = {}
        for j = 1, r do copies[j] = v end
        v = core.cat(copies, i)
      end
    end
    return copied and v or v:clone()
  end

  dc.linspace = core.linspace
  dc.eye = core.eye
  dc.where = core.where
  dc.is_tensor = core.is_tensor
  dc.memory = core.memory
  dc.reset_peak_memory = core.reset_peak_memory
  dc.Tensor = T
end
