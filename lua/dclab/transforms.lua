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

  -- ---- augmentations (torchvision's arguments and defaults; core/data/augment.c) ----

  -- a probability in [0, 1]
  local function prob(fname, p, default)
    if p == nil then return default end
    if type(p) ~= 'number' or p < 0 or p > 1 then
      error(string.format('%s: p must be a number in [0, 1], got %s', fname, tostring(p)), 3)
    end
    return p
  end

  -- torchvision's symmetric ranges: v >= 0 gives {center - v, center + v} (the low end
  -- clipped at `floor` when given), {lo, hi} is taken as it is (lo <= hi)
  local function range(fname, what, v, center, floor)
    if type(v) == 'number' then
      if v < 0 then
        error(string.format('%s: %s must be >= 0 when a single number, got %g', fname, what, v), 3)
      end
      local lo = center - v
      if floor and lo < floor then lo = floor end
      return {lo, center + v}
    end
    v = numbers(fname, what, v, 2)
    if v[1] > v[2] then
      error(string.format('%s: %s must be {lo, hi} with lo <= hi, got {%g, %g}', fname, what,
        v[1], v[2]), 3)
    end
    return {v[1], v[2]}
  end

  local INTERP = {nearest = true, bilinear = true}
  local function interpolation(fname, v)
    v = v or 'nearest'
    if not INTERP[v] then
      error(string.format("%s: interpolation must be 'nearest' or 'bilinear', got %s", fname,
        tostring(v)), 3)
    end
    return v
  end

  local function fill(fname, v)
    v = numbers(fname, 'fill', v or 0)
    for i = 1, #v do
      if v[i] < 0 or v[i] > 255 then
        error(string.format('%s: fill must be pixel values in 0..255, got %g', fname, v[i]), 3)
      end
    end
    return v
  end

  -- RandomAffine(degrees, {translate =, scale =, shear =, interpolation = 'nearest', fill = 0})
  function T.RandomAffine(degrees, opts)
    local f = 'RandomAffine'
    opts = options.check(f, opts, {translate = true, scale = true, shear = true,
      interpolation = true, fill = true})
    local translate = opts.translate and numbers(f, 'translate', opts.translate, 2) or {0, 0}
    for i = 1, 2 do
      if translate[i] < 0 or translate[i] > 1 then
        error(string.format('%s: translate values must be in [0, 1], got %g', f, translate[i]), 2)
      end
    end
    local scale = opts.scale and range(f, 'scale', numbers(f, 'scale', opts.scale, 2)) or {1, 1}
    if scale[1] <= 0 then error(f .. ': scale values must be positive', 2) end
    local shear = {0, 0, 0, 0}
    if opts.shear ~= nil then
      local sh = opts.shear
      if type(sh) == 'table' and #sh == 4 then
        local x, y = range(f, 'shear', {sh[1], sh[2]}), range(f, 'shear', {sh[3], sh[4]})
        shear = {x[1], x[2], y[1], y[2]}
      else
        local x = range(f, 'shear', sh, 0)
        shear = {x[1], x[2], 0, 0}
      end
    end
    return new{{name = f, degrees = range(f, 'degrees', degrees, 0), translate = translate,
      scale = scale, shear = shear, interpolation = interpolation(f, opts.interpolation),
      fill = fill(f, opts.fill)}}
  end

  -- RandomRotation(degrees, {interpolation = 'nearest', fill = 0})
  function T.RandomRotation(degrees, opts)
    local f = 'RandomRotation'
    opts = options.check(f, opts, {interpolation = true, fill = true})
    return new{{name = f, degrees = range(f, 'degrees', degrees, 0),
      interpolation = interpolation(f, opts.interpolation), fill = fill(f, opts.fill)}}
  end

  -- GaussianBlur(kernel_size, sigma = {0.1, 2.0}): kernel_size n or {kx, ky}, odd
  function T.GaussianBlur(kernel_size, sigma)
    local f = 'GaussianBlur'
    local k = type(kernel_size) == 'table' and kernel_size or {kernel_size, kernel_size}
    if #k ~= 2 then error(f .. ': kernel_size must be n or {kx, ky}', 2) end
    for i = 1, 2 do
      if math.type(k[i]) ~= 'integer' or k[i] < 1 or k[i] % 2 == 0 then
        error(string.format('%s: kernel_size must be odd and positive, got %s', f,
          tostring(k[i])), 2)
      end
    end
    sigma = sigma or {0.1, 2.0}
    if type(sigma) == 'number' then sigma = {sigma, sigma} end
    sigma = numbers(f, 'sigma', sigma, 2)
    if not (sigma[1] > 0 and sigma[1] <= sigma[2]) then
      error(string.format('%s: sigma must be positive, {lo, hi} with lo <= hi, got {%g, %g}', f,
        sigma[1], sigma[2]), 2)
    end
    return new{{name = f, kernel_size = {k[1], k[2]}, sigma = sigma}}
  end

  -- ColorJitter{brightness = 0, contrast = 0, saturation = 0, hue = 0}
  function T.ColorJitter(opts)
    local f = 'ColorJitter'
    opts = options.check(f, opts, {brightness = true, contrast = true, saturation = true,
      hue = true})
    local op = {name = f}
    for _, what in ipairs{'brightness', 'contrast', 'saturation'} do
      op[what] = range(f, what, opts[what] or 0, 1, 0)
      if op[what][1] < 0 then error(f .. ': ' .. what .. ' factors must be >= 0', 2) end
    end
    op.hue = range(f, 'hue', opts.hue or 0, 0)
    if op.hue[1] < -0.5 or op.hue[2] > 0.5 then
      error(string.format('%s: hue must be in [-0.5, 0.5], got {%g, %g}', f, op.hue[1],
        op.hue[2]), 2)
    end
    return new{op}
  end

  -- RandomGrayscale(p = 0.1): gray with the input's channel count
  function T.RandomGrayscale(p)
    return new{{name = 'RandomGrayscale', p = prob('RandomGrayscale', p, 0.1)}}
  end

  -- RandomSolarize(threshold, p = 0.5): pixel values (0..255) >= threshold are inverted
  function T.RandomSolarize(threshold, p)
    if type(threshold) ~= 'number' or threshold ~= threshold then
      error('RandomSolarize: threshold must be a number (pixel value), got ' ..
        tostring(threshold), 2)
    end
    return new{{name = 'RandomSolarize', threshold = threshold,
      p = prob('RandomSolarize', p, 0.5)}}
  end

  -- RandomApply(transforms, p = 0.5): all of them, or none, with probability p (a transform
  -- or a list of them; pixel ops that keep the size)
  function T.RandomApply(transforms, p)
    local f = 'RandomApply'
    if getmetatable(transforms) == Transform then transforms = {transforms} end
    if type(transforms) ~= 'table' or #transforms == 0 then
      error(f .. ': expected a transform or a non-empty list of transforms', 2)
    end
    local inner = {}
    for i, t in ipairs(transforms) do
      if getmetatable(t) ~= Transform then
        error(string.format('%s: item %d is not a transform (%s)', f, i, type(t)), 2)
      end
      for _, op in ipairs(t.ops) do inner[#inner + 1] = op end
    end
    local ops = {{name = f, p = prob(f, p, 0.5), count = #inner}}
    table.move(inner, 1, #inner, 2, ops)
    return new(ops)
  end

  -- RandomErasing{p = 0.5, scale = {0.02, 0.33}, ratio = {0.3, 3.3}, value = 0 | {...} |
  -- 'random'}: on the final (normalised) values, so last in a compose
  function T.RandomErasing(opts)
    local f = 'RandomErasing'
    opts = options.check(f, opts, {p = true, scale = true, ratio = true, value = true})
    local scale = numbers(f, 'scale', opts.scale or {0.02, 0.33}, 2)
    if not (scale[1] >= 0 and scale[1] <= scale[2] and scale[2] <= 1) then
      error(string.format('%s: scale must satisfy 0 <= lo <= hi <= 1, got {%g, %g}', f,
        scale[1], scale[2]), 2)
    end
    local ratio = numbers(f, 'ratio', opts.ratio or {0.3, 3.3}, 2)
    if not (ratio[1] > 0 and ratio[1] <= ratio[2]) then
      error(string.format('%s: ratio must satisfy 0 < lo <= hi, got {%g, %g}', f, ratio[1],
        ratio[2]), 2)
    end
    local value = opts.value or 0
    if value ~= 'random' then value = numbers(f, 'value', value) end
    return new{{name = f, p = prob(f, opts.p, 0.5), scale = scale, ratio = ratio, value = value}}
  end

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
    elseif op.name == 'RandomAffine' then
      return string.format('RandomAffine(degrees=%s, translate=%s, scale=%s, shear=%s, %s, fill=%s)',
        fmt_list(op.degrees), fmt_list(op.translate), fmt_list(op.scale), fmt_list(op.shear),
        op.interpolation, fmt_list(op.fill))
    elseif op.name == 'RandomRotation' then
      return string.format('RandomRotation(degrees=%s, %s, fill=%s)', fmt_list(op.degrees),
        op.interpolation, fmt_list(op.fill))
    elseif op.name == 'GaussianBlur' then
      return string.format('GaussianBlur(kernel_size=%s, sigma=%s)', fmt_list(op.kernel_size),
        fmt_list(op.sigma))
    elseif op.name == 'ColorJitter' then
      return string.format('ColorJitter(brightness=%s, contrast=%s, saturation=%s, hue=%s)',
        fmt_list(op.brightness), fmt_list(op.contrast), fmt_list(op.saturation), fmt_list(op.hue))
    elseif op.name == 'RandomGrayscale' then
      return string.format('RandomGrayscale(%g)', op.p)
    elseif op.name == 'RandomSolarize' then
      return string.format('RandomSolarize(%g, p=%g)', op.threshold, op.p)
    elseif op.name == 'RandomApply' then
      return string.format('RandomApply(p=%g, the next %d)', op.p, op.count)
    elseif op.name == 'RandomErasing' then
      return string.format('RandomErasing(p=%g, scale=%s, ratio=%s, value=%s)', op.p,
        fmt_list(op.scale), fmt_list(op.ratio),
        op.value == 'random' and 'random' or fmt_list(op.value))
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
