-- alexnet{sobel = true, bn = true, k = nil, generator = nil}: DeepCluster's AlexNet
-- (method.md §7) for [N, 3, 224, 224] input: 96/256/384/384/256 filters, BN after
-- every conv, no LRN, no groups; classifier Dropout-Linear(9216, 4096)-ReLU-Dropout-
-- Linear(4096, 4096)-ReLU; top_layer Linear(4096, k) when k is given.
local nn = require 'dclab.nn'
local build = require 'dclab.models.build'

return function(opt)
  local o = build.options('models.alexnet', opt, {sobel = true, bn = true, k = false, generator = false})
  local f = nn.Sequential()
  build.conv_block(f, o.sobel and 2 or 3, 96, 11, {stride = 4, pad = 2}, o.bn)
  f:add(nn.MaxPool2d(3, {stride = 2}))
  build.conv_block(f, 96, 256, 5, {pad = 2}, o.bn)
  f:add(nn.MaxPool2d(3, {stride = 2}))
  build.conv_block(f, 256, 384, 3, {pad = 1}, o.bn)
  build.conv_block(f, 384, 384, 3, {pad = 1}, o.bn)
  build.conv_block(f, 384, 256, 3, {pad = 1}, o.bn)
  f:add(nn.MaxPool2d(3, {stride = 2}))
  local classifier = nn.Sequential{
    nn.Dropout(0.5), nn.Linear(256 * 6 * 6, 4096), nn.ReLU{inplace = true},
    nn.Dropout(0.5), nn.Linear(4096, 4096), nn.ReLU(),
  }
  return build.net('alexnet', o, f, classifier, 4096)
end
