-- dc.image: pictures for people. load / save JPEG files, mosaics of images (clusters,
-- first-layer filters) as in torchvision's make_grid.
--   dc.image.load(path, {gray = false}) -> float32 [C, H, W] in [0, 1] | nil, message
--   dc.image.save(t, 'x.jpg', {quality = 95})        t: [C, H, W] or [H, W], values in [0, 1]
--   dc.image.mosaic(images, {nrow = 8, padding = 2, pad_value = 0, normalize = false,
--                            scale_each = false, path = 'm.jpg', quality = 95}) -> grid
--   dc.image.contact_sheet(data, assign, {clusters = 20, path = 'clusters.jpg'}) -> sheet, rows
--   dc.image.text(img, 'N=12', {x = 1, y = 1, value = 1})   (a built-in 5x7 font)
local options = require 'dclab.options'

return function(dc, core)
  local image = {}

  function image.load(path, opts)
    if type(path) ~= 'string' then error('image.load: argument 1 must be a path', 2) end
    opts = options.check('image.load', opts, {gray = true})
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
    opts = options.check('image.save', opts, {quality = true})
    core.image_save(t, jpeg_path('image.save', path), quality('image.save', opts.quality))
  end

  -- images: a tensor [N, C, H, W] / [N, H, W], or a list of [C, H, W] tensors
  function image.mosaic(images, opts)
    opts = options.check('image.mosaic', opts, {nrow = true, padding = true, pad_value = true,
      normalize = true, scale_each = true, path = true, quality = true})
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

  -- A 5x7 bitmap font: seven rows per glyph, bit 4 the leftmost column. Letters are drawn
  -- upper case; a character without a glyph is drawn as '?'.
  local FONT = {
    ['0'] = {14, 17, 19, 21, 25, 17, 14}, ['1'] = {4, 12, 4, 4, 4, 4, 14},
    ['2'] = {14, 17, 1, 2, 4, 8, 31}, ['3'] = {31, 2, 4, 2, 1, 17, 14},
    ['4'] = {2, 6, 10, 18, 31, 2, 2}, ['5'] = {31, 16, 30, 1, 1, 17, 14},
    ['6'] = {6, 8, 16, 30, 17, 17, 14}, ['7'] = {31, 1, 2, 4, 8, 8, 8},
    ['8'] = {14, 17, 17, 14, 17, 17, 14}, ['9'] = {14, 17, 17, 15, 1, 2, 12},
    A = {14, 17, 17, 31, 17, 17, 17}, B = {30, 17, 17, 30, 17, 17, 30},
    C = {14, 17, 16, 16, 16, 17, 14}, D = {28, 18, 17, 17, 17, 18, 28},
    E = {31, 16, 16, 30, 16, 16, 31}, F = {31, 16, 16, 30, 16, 16, 16},
    G = {14, 17, 16, 23, 17, 17, 15}, H = {17, 17, 17, 31, 17, 17, 17},
    I = {14, 4, 4, 4, 4, 4, 14}, J = {7, 2, 2, 2, 2, 18, 12},
    K = {17, 18, 20, 24, 20, 18, 17}, L = {16, 16, 16, 16, 16, 16, 31},
    M = {17, 27, 21, 21, 17, 17, 17}, N = {17, 17, 25, 21, 19, 17, 17},
    O = {14, 17, 17, 17, 17, 17, 14}, P = {30, 17, 17, 30, 16, 16, 16},
    Q = {14, 17, 17, 17, 21, 18, 13}, R = {30, 17, 17, 30, 20, 18, 17},
    S = {15, 16, 16, 14, 1, 1, 30}, T = {31, 4, 4, 4, 4, 4, 4},
    U = {17, 17, 17, 17, 17, 17, 14}, V = {17, 17, 17, 17, 17, 10, 4},
    W = {17, 17, 17, 21, 21, 21, 10}, X = {17, 17, 10, 4, 10, 17, 17},
    Y = {17, 17, 17, 10, 4, 4, 4}, Z = {31, 1, 2, 4, 8, 16, 31},
    [' '] = {0, 0, 0, 0, 0, 0, 0}, ['#'] = {10, 10, 31, 10, 31, 10, 10},
    ['%'] = {24, 25, 2, 4, 8, 19, 3}, ['='] = {0, 0, 31, 0, 31, 0, 0},
    ['.'] = {0, 0, 0, 0, 0, 12, 12}, [','] = {0, 0, 0, 0, 12, 4, 8},
    ['-'] = {0, 0, 0, 31, 0, 0, 0}, ['/'] = {0, 1, 2, 4, 8, 16, 0},
    [':'] = {0, 12, 12, 0, 12, 12, 0}, ['?'] = {14, 17, 1, 2, 4, 0, 4},
    ['('] = {2, 4, 8, 8, 8, 4, 2}, [')'] = {8, 4, 2, 2, 2, 4, 8},
  }
  image.FONT_W, image.FONT_H = 6, 7 -- a glyph is 5 columns plus one of spacing

  -- The mask of str (0/1, float32 [7, 6 * #str - 1]) in the built-in 5x7 font.
  function image.text_mask(str)
    if type(str) ~= 'string' or #str == 0 then
      error('image.text_mask: expected a non-empty string, got ' .. tostring(str), 2)
    end
    local rows = {}
    for r = 1, 7 do
      local row = {}
      for i = 1, #str do
        local glyph = FONT[str:sub(i, i):upper()] or FONT['?']
        for col = 4, 0, -1 do row[#row + 1] = (glyph[r] >> col) & 1 end
        if i < #str then row[#row + 1] = 0 end
      end
      rows[r] = row
    end
    return dc.tensor(rows)
  end

  -- Draws str into img (float32 [C, H, W], in place) with its top-left corner at (x, y)
  -- (1-based pixels), every channel set to value (default 1) where the glyphs are; the text
  -- is cut at the image's edge. Returns img.
  function image.text(img, str, opts)
    opts = options.check('image.text', opts, {x = {type = 'integer', min = 1, default = 1},
      y = {type = 'integer', min = 1, default = 1}, value = {type = 'number', default = 1}})
    if not (dc.is_tensor(img) and pcall(img.dim, img) and img:dim() == 3 and
        img:dtype() == 'float32') then
      error('image.text: img must be a float32 tensor [C, H, W] (and not released)', 2)
    end
    local x, y, value = opts.x, opts.y, opts.value
    local mask = image.text_mask(str)
    local h, w = math.min(7, img:size(2) - y + 1), math.min(mask:size(2), img:size(3) - x + 1)
    if h < 1 or w < 1 then return img end
    mask = mask:narrow(1, 1, h):narrow(2, 1, w)
    for c = 1, img:size(1) do
      img[c]:narrow(1, y, h):narrow(2, x, w):mul_(1 - mask):add_(mask * value)
    end
    return img
  end

  -- One picture for a clustering: a tile per cluster (the largest first), each its label
  -- ("#id n=size" and, with labels, the majority label's name and purity) over a grid of
  -- its first members. data: a dataset; assign: int64 [#data] in 1..k.
  -- opts: {clusters = 20, per_cluster = 16, nrow = 5, path = 'clusters.jpg', labels =
  -- data.labels, classes = data.classes}. Returns the sheet (float32 [C, H, W]) and one
  -- {id, size, label, purity} per tile (label and purity nil without labels).
  function image.contact_sheet(data, assign, opts)
    opts = options.check('image.contact_sheet', opts, {
      clusters = {type = 'integer', min = 1, default = 20},
      per_cluster = {type = 'integer', min = 1, default = 16},
      nrow = {type = 'integer', min = 1, default = 5},
      path = {type = 'string'}, labels = {type = 'tensor'}, classes = {type = 'table'}})
    if type(data) ~= 'table' or not data.get then
      error('image.contact_sheet: argument 1 must be a dataset', 2)
    end
    if not (dc.is_tensor(assign) and assign:dtype() == 'int64' and assign:numel() == #data) then
      error(string.format('image.contact_sheet: assign must be int64 [%d] (one cluster per image)',
        #data), 2)
    end
    local labels, classes = opts.labels or data.labels, opts.classes or data.classes
    local per = opts.per_cluster
    local side = math.ceil(math.sqrt(per))
    local sizes = dc.bincount(assign)
    local _, order = sizes:sort(1, true)
    local shown = math.min(opts.clusters, sizes:numel())
    local tiles, rows = {}, {}
    for rank = 1, shown do
      local c = order[rank]
      local members = dc.arange(1, #data + 1):masked_select(assign:eq(c))
      if members:numel() == 0 then break end
      local imgs = {}
      for i = 1, math.min(per, members:numel()) do imgs[i] = data:get(members[i]):float() / 255 end
      local grid = core.image_mosaic(dc.stack(imgs), {nrow = side, padding = 2})
      local row = {id = c, size = members:numel()}
      if labels then
        local counts = dc.bincount(labels:index_select(1, members))
        local top, at = counts:max(1)
        row.label = classes and classes[at:item()] or tostring(at:item())
        row.purity = top:item() / members:numel()
      end
      rows[#rows + 1] = row
      -- a white strip with two lines of black text above the grid; every tile has the size of
      -- a full grid (small clusters leave white space)
      local ch, h, w = imgs[1]:size(1), imgs[1]:size(2), imgs[1]:size(3)
      local tile = dc.ones(ch, 20 + side * (h + 2) + 2, math.max(side * (w + 2) + 2, 6 * 16))
      tile:narrow(2, 21, grid:size(2)):narrow(3, 1, grid:size(3)):copy(grid)
      image.text(tile, string.format('#%d N=%d', c, row.size), {x = 2, y = 2, value = 0})
      if row.label then
        image.text(tile, string.format('%s %d%%', row.label, math.floor(row.purity * 100 + 0.5)),
          {x = 2, y = 11, value = 0})
      end
      tiles[#tiles + 1] = tile
    end
    local sheet = core.image_mosaic(dc.stack(tiles), {nrow = opts.nrow, padding = 6,
      pad_value = 0.5})
    if opts.path then core.image_save(sheet, jpeg_path('image.contact_sheet', opts.path), 92) end
    return sheet, rows
  end

  dc.image = image
  return image
end
