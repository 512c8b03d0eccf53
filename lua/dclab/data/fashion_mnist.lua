-- Fashion-MNIST from its IDX files (Debian's dataset-fashion-mnist by default):
-- dc.data.fashion_mnist{split = 'train' | 'test' | 'all', root = dir}. 60k / 10k / 70k
-- uint8 images [N, 1, 28, 28] (55 MB for all), labels 1..10.
local options = require 'dclab.options'

local CLASSES = {'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt',
  'Sneaker', 'Bag', 'Ankle boot'}
local DEFAULT_ROOT = '/usr/share/datasets/fashion-mnist'

return function(dc, core, Dataset)
  local function exists(path)
    local f = io.open(path, 'rb')
    if f then f:close() end
    return f ~= nil
  end

  -- images and labels of one file set ('train' or 't10k'), gzip or not
  local function read(root, prefix)
    local out = {}
    for _, kind in ipairs{'images-idx3', 'labels-idx1'} do
      local base = string.format('%s/%s-%s-ubyte', root, prefix, kind)
      local path = exists(base .. '.gz') and base .. '.gz' or base
      if not exists(path) then
        error(string.format('fashion_mnist: %s(.gz) not found (install dataset-fashion-mnist or '
          .. 'pass root=)', base), 4)
      end
      out[#out + 1] = core.read_idx(path)
    end
    return out[1], out[2]
  end

  local function dataset(opts)
    opts = options.check('fashion_mnist', opts, {split = true, root = true})
    local split, root = opts.split or 'train', opts.root or DEFAULT_ROOT
    local images, labels
    if split == 'train' or split == 'test' then
      images, labels = read(root, split == 'train' and 'train' or 't10k')
    elseif split == 'all' then
      local ti, tl = read(root, 'train')
      local vi, vl = read(root, 't10k')
      images, labels = dc.cat({ti, vi}, 1), dc.cat({tl, vl}, 1)
    else
      error("fashion_mnist: split must be 'train', 'test' or 'all', got " .. tostring(split), 2)
    end
    labels:add_(1) -- the files store classes 0..9
    return Dataset.new({images = images, labels = labels},
      {classes = CLASSES, name = 'fashion_mnist/' .. split})
  end

  -- The recipe's transforms scaled to 28x28: {train = random crops of half to all the image
  -- + flips, eval = the image as is}, both normalised with the train split's pixel/255 mean
  -- and std.
  local MEAN, STD = 0.2860, 0.3530
  local function transforms()
    local T = dc.transforms
    return {
      train = T.compose{T.RandomResizedCrop(28, {scale = {0.5, 1}}), T.RandomHorizontalFlip(0.5),
        T.ToFloat(), T.Normalize({MEAN}, {STD})},
      eval = T.compose{T.ToFloat(), T.Normalize({MEAN}, {STD})},
    }
  end

  return dataset, transforms
end
