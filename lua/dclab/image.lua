-- dc.image: pictures for people. load / save JPEG files, mosaics of images (clusters,
-- first-layer filters) as in torchvision's make_grid.
--   dc.image.load(path, {gray = false}) -> float32 [C, H, W] in [0, 1] | nil, message
--   dc.image.save(t, 'x.jpg', {quality = 95})        t: [C, H, W] or [H, W], values in [0, 1]
--   dc.image.mosaic(images, {nrow = 8, padding = 2, pad_value = 0, normalize = false,
--                            scale_each = false, path = 'm.jpg', quality = 95}) -> grid
local options = require 'dclab.data.options'

return function(dc, core)
  local image = {}

  function image.load(path, opts)
    if type(path) ~= 'string' then error('image.load: argument 1 must be a path', 2) end
    opts = options.check('image.load', opts, {'gray'})
    return core.image_load(path, opts.gray == true)
  end

  local function quality(fname, q)
    q = q or 95
    if math.type(q) ~= 'integer' or q < 1 or q > 100 then
      error(string.format('%s: quality must be an integer in 1..100, got %s', fname,
        tostring(q)), 3)
    end
    return q
  end

  local function jpeg_path(fname, path)
    if type(path) ~= 'string' or not (path:lower():match('%.jpe?g$')) then
      error(string.format('%s: only JPEG files are written (a path ending in .jpg or .jpeg), '
        .. 'got %s', fname, tostring(path)), 3)
    end
    return path
  end

  function image.save(t, path, opts)
    opts = options.check('image.save', opts, {'quality'})
    core.image_save(t, jpeg_path('image.save', path), quality('image.save', opts.quality))
  end

  -- images: a tensor [N, C, H, W] / [N, H, W], or a list of [C, H, W] tensors
  function image.mosaic(images, opts)
    opts = options.check('image.mosaic', opts,
      {'nrow', 'padding', 'pad_value', 'normalize', 'scale_each', 'path', 'quality'})
    local list = type(images) == 'table' and not dc.is_tensor(images)
    if not (dc.is_tensor(images) or list and #images > 0) then
      error('image.mosaic: images must be a tensor [N, C, H, W] / [N, H, W] or a non-empty '
        .. 'list of [C, H, W] tensors, got ' .. (list and 'an empty list' or type(images)), 2)
    end
    if list then images = dc.stack(images) end
    local grid = core.image_mosaic(images, {nrow = opts.nrow, padding = opts.padding,
      pad_value = opts.pad_value, normalize = opts.normalize, scale_each = opts.scale_each})
    if opts.path then
      local q = quality('image.mosaic', opts.quality)
      local picture = opts.normalize and grid or grid:clamp(0, 1)
      core.image_save(picture, jpeg_path('image.mosaic', opts.path), q)
    end
    return grid
  end

  dc.image = image
  return image
end
