-- Indexing sugar written in Lua: Torch7's table and mask indexing (t[{i, j}], t[{{1, 3}, 2}],
-- t[mask], and their assignments), t:split and t:chunk (views through narrow), dc.stack
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

  -- The position of index i in dimension k (of size n) of t: 1..n, or -n..-1 from the end.
  local function position(t, k, n, i)
    if math.type(i) ~= 'integer' then
      error(string.format('tensor index: entry %d of the key must be an integer or a {first, ' ..
        'last} range, got %s', k, math.type(i) or type(i)), 5)
    end
    local p = i < 0 and n + i + 1 or i
    if p < 1 or p > n then
      error(string.format('tensor index: index %d out of range for dimension %d of size %d in %s',
        i, k, n, describe(t)), 5)
    end
    return p
  end

  -- The view t[{k1, k2, ...}] (Torch7): entry k applies to dimension k of t. An integer
  -- selects (the dimension goes), {first, last} narrows to that inclusive range ({i} is
  -- {i, i}, {} the whole dimension), missing entries at the end take whole dimensions.
  local function view_of(t, key)
    if #key > t:dim() then
      error(string.format('tensor index: %d entries for %s', #key, describe(t)), 4)
    end
    local v, d = t, 1 -- d: where dimension k of t is in the view v
    for k = 1, #key do
      local e, n = key[k], t:size(k)
      if type(e) == 'table' then
        local first = e[1] == nil and 1 or position(t, k, n, e[1])
        local last = e[2] == nil and (e[1] == nil and n or first) or position(t, k, n, e[2])
        if last < first then
          error(string.format('tensor index: range {%s, %s} of dimension %d is empty',
            tostring(e[1]), tostring(e[2]), k), 4)
        end
        v = v:narrow(d, first, last - first + 1)
        d = d + 1
      else
        v = v:select(d, position(t, k, n, e))
      end
    end
    return v
  end

  local function check_mask(mask)
    if mask:dtype() ~= 'uint8' then
      error(string.format('tensor index: a tensor key must be a uint8 mask (a comparison ' ..
        'result), got %s', describe(mask)), 4)
    end
  end

  local meta = getmetatable(core.zeros({0}))

  -- t[key]: t[{i, j}] is the element (a number) when every dimension gets an integer, else a
  -- view; t[mask] the entries where the uint8 mask is non-zero, as a 1-D copy.
  function meta.__getitem(t, key)
    if core.is_tensor(key) then
      check_mask(key)
      return t:masked_select(key)
    end
    local v = view_of(t, key)
    if v:dim() == 0 then return v:item() end
    return v
  end

  -- t[key] = value: value (a number, or a tensor broadcast to the view) goes into the view
  -- t[{...}]; t[mask] = number sets the entries where mask is non-zero.
  function meta.__setitem(t, key, value)
    if core.is_tensor(key) then
      check_mask(key)
      if type(value) ~= 'number' then
        error(string.format('tensor index: t[mask] = v takes a number, got %s', type(value)), 3)
      end
      t:masked_fill_(key, value)
      return
    end
    local v = view_of(t, key)
    if type(value) == 'number' then v:fill(value)
    elseif core.is_tensor(value) then v:copy(value)
    else
      error(string.format('tensor index: cannot assign a %s to a tensor', type(value)), 3)
    end
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
