-- Image transforms with torchvision's names and defaults. A transform is a list of ops that
-- the loader threads run in C (core/data/transforms.c); Lua only describes it:
--   dc.transforms.compose{dc.transforms.RandomCrop(28, {pad = 2}),
--                         dc.transforms.RandomHorizontalFlip(0.5),
--                         dc.transforms.Normalize({0.286}, {0.353})}
-- Pixel ops come first; ToFloat / Normalize last (without them the result is ToFloat's,
-- values in [0, 1]). Randomness comes from the loader's per-sample streams.
local options = require 'dclab.options'

return function(dc, core)
  local Transform = {}
  Transform.__index = Transform

  local function new(ops) return setmetatable({ops = ops}, Transform) end

  local function positive(fname, what, v)
    if math.type(v) ~= 'integer' or v < 1 then
      error(string.format('%s: %s must be a positive integer, got %s', fname, what, tostring(v)), 3)
    end
    return v
  end

  -- size: n or {h, w}
  local function size_arg(fname, size)
    if type(size) == 'table' then
      if #size ~= 2 then error(fname .. ': size must be n or {h, w}', 3) end
      positive(fname, 'size[1]', size[1])
      positive(fname, 'size[2]', size[2])
      return {size[1], size[2]}
    end
    return {positive(fname, 'size', size), size}
  end

  local function numbers(fname, what, v, n)
    if type(v) == 'number' then v = {v} end
    if type(v) ~= 'table' or #v < 1 or (n and #v ~= n) then
      error(string.format('%s: %s must be %s', fname, what,
        n and ('a list of ' .. n .. ' numbers') or 'a number or a list of numbers'), 3)
    end
    for i = 1, #v do
      if type(v[i]) ~= 'number' then
        error(string.format('%s: %s[%d] is not a number', fname, what, i), 3)
      end
    end
    return v
  end

  local T = {}

  -- Resize(size): size n sets the shorter side to n (aspect kept); {h, w} is exact.
  function T.Resize(size)
    if type(size) == 'table' then return new{{name = 'Resize', size = size_arg('Resize', size)}} end
    return new{{name = 'Resize', size = positive('Resize', 'size', size)}}
  end

  function T.CenterCrop(size)
    return new{{name = 'CenterCrop', size = size_arg('CenterCrop', size)}}
  end

  -- RandomResizedCrop(size, {scale = {0.08, 1}, ratio = {3/4, 4/3}})
  function T.RandomResizedCrop(size, opts)
    opts = options.check('RandomResizedCrop', opts, {scale = true, ratio = true})
    return new{{name = 'RandomResizedCrop', size = size_arg('RandomResizedCrop', size),
      scale = numbers('RandomResizedCrop', 'scale', opts.scale or {0.08, 1.0}, 2),
      ratio = numbers('RandomResizedCrop', 'ratio', opts.ratio or {3 / 4, 4 / 3}, 2)}}
  end

  -- RandomCrop(size, {pad = 0}): zero padding on every side, then a random crop
  function T.RandomCrop(size, opts)
    opts = options.check('RandomCrop', opts, {pad = {type = 'integer', min = 0, default = 0}})
    return new{{name = 'RandomCrop', size = size_arg('RandomCrop', size), pad = opts.pad}}
  end

  function T.RandomHorizontalFlip(p)
    p = p or 0.5
    if type(p) ~= 'number' or p < 0 or p > 1 then
      error('RandomHorizontalFlip: p must be a number in [0, 1], got ' .. tostring(p), 2)
    end
    return new{{name = 'RandomHorizontalFlip', p = p}}
  end

  function T.Grayscale(num_output_channels)
    local n = num_output_channels or 1
    if n ~= 1 and n ~= 3 then
      error('Grayscale: num_output_channels must be 1 or 3, got ' .. tostring(n), 2)
    end
    return new{{name = 'Grayscale', channels = n}}
  end

  -- Normalize(mean, std) on [0, 1] values: one number per channel, or one for all.
  function T.Normalize(mean, std)
    mean = numbers('Normalize', 'mean', mean)
    std = numbers('Normalize', 'std', std, #mean)
    for i = 1, #std do
      if std[i] == 0 then error('Normalize: std[' .. i .. '] is 0', 2) end
    end
    return new{{name = 'Normalize', mean = mean, std = std}}
  end

  -- ToFloat(): pixels / 255 (torchvision's ToTensor)
  function T.ToFloat() return new{{name = 'ToFloat'}} end

  -- compose{t1, t2, ...}: one transform running them in order (nested composes flatten)
  function T.compose(list)
    if type(list) ~= 'table' then error('compose: expected a list of transforms', 2) end
    local ops = {}
    for i, t in ipairs(list) do
      if getmetatable(t) ~= Transform then
        error(string.format('compose: item %d is not a transform (%s)', i, type(t)), 2)
      end
      for _, op in ipairs(t.ops) do ops[#ops + 1] = op end
    end
    return new(ops)
  end

  function T.is_transform(t) return getmetatable(t) == Transform end

  -- The list of op tables the C side reads.
  function Transform:spec() return self.ops end

  local function fmt_list(v)
    local s = {}
    for i = 1, #v do s[i] = string.format('%g', v[i]) end
    return '{' .. table.concat(s, ', ') .. '}'
  end

  local function op_string(op)
    local size = op.size
    if type(size) == 'table' then
      size = size[1] == size[2] and tostring(size[1]) or fmt_list(size)
    end
    if op.name == 'Resize' or op.name == 'CenterCrop' then
      return string.format('%s(%s)', op.name, size)
    elseif op.name == 'RandomResizedCrop' then
      return string.format('RandomResizedCrop(%s, scale=%s, ratio=%s)', size, fmt_list(op.scale),
        fmt_list(op.ratio))
    elseif op.name == 'RandomCrop' then
      return string.format('RandomCrop(%s, pad=%d)', size, op.pad)
    elseif op.name == 'RandomHorizontalFlip' then
      return string.format('RandomHorizontalFlip(%g)', op.p)
    elseif op.name == 'Grayscale' then
      return string.format('Grayscale(%d)', op.channels)
    elseif op.name == 'Normalize' then
      return string.format('Normalize(%s, %s)', fmt_list(op.mean), fmt_list(op.std))
    end
    return op.name .. '()'
  end

  function Transform:__tostring()
    if #self.ops == 1 then return op_string(self.ops[1]) end
    local lines = {'Compose('}
    for _, op in ipairs(self.ops) do lines[#lines + 1] = '  ' .. op_string(op) .. ',' end
    lines[#lines + 1] = ')'
    return table.concat(lines, '\n')
  end

  dc.transforms = T
  return T
end
