-- Dataset: images (a uint8 tensor or a list of JPEG files), optional labels and class names,
-- and the subset map. The loader threads read it through its description table `desc`
-- ({images | files, labels, index, gray}, bindings/l_data.c); labels are 1-based classes.
--   #ds, ds:get(i) -> image, label;  ds[i] -> {image, label};  ds.labels, ds.classes;
--   ds:subset(n) / ds:subset(indices)
return function(dc, core)
  local Dataset = {}

  -- ds[i] -> {image, label} (Torch7's dataset convention: one value, so a table); ds[#ds + 1]
  -- is nil so that ipairs(ds) stops at the end; other keys are fields and methods.
  function Dataset.__index(self, k)
    if math.type(k) ~= 'integer' then return Dataset[k] end
    if k == self.n + 1 then return nil end
    return {self:get(k)}
  end

  -- desc: description table; opts: {classes, name, on_error}
  function Dataset.new(desc, opts)
    local n, shape = core.dataset_size(desc)
    local self = setmetatable({desc = desc, n = n, item_shape = shape, classes = opts.classes,
      name = opts.name or 'dataset', on_error = opts.on_error or 'skip'}, Dataset)
    -- the labels of this dataset's own positions
    if desc.labels then
      self.labels = desc.index and desc.labels:index_select(1, desc.index) or desc.labels
    end
    return self
  end

  function Dataset:__len() return self.n end

  -- ds:get(i [, transform, seed, view]) -> image, label. Without a transform the stored
  -- pixels (uint8 [C, H, W]); with one, its float32 result for the random stream of sample i
  -- of an epoch-0 loader pass over 1..n (seed), or of its view `view` in a multi-view loader.
  function Dataset:get(i, transform, seed, view)
    if math.type(i) ~= 'integer' or i < 1 or i > self.n then
      error(string.format('get: index %s out of range 1..%d', tostring(i), self.n), 2)
    end
    if transform ~= nil and not dc.transforms.is_transform(transform) then
      error('get: argument 2 must be a transform', 2)
    end
    if view ~= nil and (math.type(view) ~= 'integer' or view < 1) then
      error('get: view must be a positive integer, got ' .. tostring(view), 2)
    end
    return core.dataset_get(self.desc, i, transform and transform:spec(), seed, view)
  end

  -- ds:subset(n): the first n samples; ds:subset(indices): those positions (1-based int64
  -- tensor or list, repeats allowed), in that order.
  function Dataset:subset(arg)
    local idx
    if math.type(arg) == 'integer' then
      if arg < 0 or arg > self.n then
        error(string.format('subset: %d samples asked of a dataset of %d', arg, self.n), 2)
      end
      idx = dc.arange(1, arg + 1)
    elseif type(arg) == 'table' then
      idx = dc.tensor(arg, 'int64')
    elseif dc.is_tensor(arg) and arg:dtype() == 'int64' and arg:dim() == 1 then
      idx = arg
    else
      error('subset: expected a count or a 1-D list / int64 tensor of indices', 2)
    end
    local desc = {}
    for k, v in pairs(self.desc) do desc[k] = v end
    desc.index = self.desc.index and self.desc.index:index_select(1, idx) or idx:clone()
    return Dataset.new(desc, {classes = self.classes, name = self.name .. '[subset]',
      on_error = self.on_error})
  end

  function Dataset:__tostring()
    local s = self.item_shape
    local size = s[2] > 0 and string.format('%dx%dx%d', s[1], s[2], s[3])
      or string.format('%d-channel JPEG', s[1])
    return string.format('%s: %d images (%s)%s', self.name, self.n, size,
      self.classes and string.format(', %d classes', #self.classes) or '')
  end

  return Dataset
end
