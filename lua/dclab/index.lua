-- Indexing sugar written in Lua: t:split and t:chunk (views through narrow), dc.stack
-- (unsqueeze + cat), and the public dc.cat / dc.bincount. The index kernels themselves are C
-- methods of dclab.Tensor (bindings/l_index.c); indices are 1-based throughout.
return function(dc, core)
  local T = core.Tensor

  local function describe(t)
    return string.format('%s [%s]', t:dtype(), table.concat(t:shape(), ', '))
  end

  local function check_count(fname, what, v)
    if math.type(v) ~= 'integer' or v < 1 then
      error(string.format('%s: %s must be a positive integer, got %s', fname, what,
        tostring(v)), 3)
    end
  end

  -- The size of t at dim (1-based, negative from the end), naming fname in the error.
  local function dim_size(fname, t, dim)
    local nd = t:dim()
    if math.type(dim) ~= 'integer' or dim == 0 or dim > nd or dim < -nd then
      error(string.format('%s: dimension %s out of range for %s', fname, tostring(dim),
        describe(t)), 3)
    end
    return t:size(dim)
  end

  -- t:split(size [, dim = 1]) -> {views}: pieces of `size` entries along dim, the last one
  -- shorter when size does not divide the dimension (torch.split).
  function T:split(size, dim)
    check_count('split', 'size', size)
    dim = dim or 1
    local n = dim_size('split', self, dim)
    if n == 0 then return {self:narrow(dim, 1, 0)} end
    local parts = {}
    for start = 1, n, size do
      parts[#parts + 1] = self:narrow(dim, start, math.min(size, n - start + 1))
    end
    return parts
  end

  -- t:chunk(n [, dim = 1]) -> {views}: at most n pieces of ceil(size / n) entries (torch.chunk).
  function T:chunk(n, dim)
    check_count('chunk', 'n', n)
    dim = dim or 1
    local size = dim_size('chunk', self, dim)
    return self:split(math.max(1, (size + n - 1) // n), dim)
  end

  -- dc.cat(list [, dim = 1]): tensors of one dtype, equal sizes except at dim.
  dc.cat = core.cat

  -- dc.stack(list [, dim = 1]): tensors of one dtype and shape, along a new dimension dim.
  function dc.stack(list, dim)
    if type(list) ~= 'table' or #list == 0 then
      error('stack: expected a non-empty list of tensors', 2)
    end
    dim = dim or 1
    local first = list[1]
    local views = {}
    for i, t in ipairs(list) do
      if not core.is_tensor(t) then
        error(string.format('stack: element %d of the list is a %s, not a tensor', i, type(t)), 2)
      end
      if describe(t) ~= describe(first) then
        error(string.format('stack: tensor %d is %s but tensor 1 is %s (dtypes and shapes ' ..
          'must match)', i, describe(t), describe(first)), 2)
      end
      views[i] = t:unsqueeze(dim)
    end
    return core.cat(views, dim)
  end

  -- dc.bincount(x [, {weights = w, minlength = m}]): entry i counts the value i (values >= 1).
  dc.bincount = core.bincount
end
