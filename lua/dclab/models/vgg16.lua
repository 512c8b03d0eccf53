-- vgg16{sobel = true, bn = true, k = nil, generator = nil}: VGG-16 (BN) as DeepCluster's code
-- for [N, 3, 224, 224]: 3x3 pad 1 convs 64,64,M,128,128,M,256x3,M,512x3,M,512x3,M (M = 2x2
-- max pool), output 512x7x7; classifier Linear(25088, 4096)-ReLU-Dropout-Linear(4096,
-- 4096)-ReLU (no dropout before the first fc); top_layer Linear(4096, k) when k is given.
local nn = require 'dclab.nn'
local build = require 'dclab.models.build'

local CFG = {64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'}

return function(opt)
  local o = build.options('models.vgg16', opt, true)
  local f = nn.Sequential()
  local cin = o.sobel and 2 or 3
  for _, v in ipairs(CFG) do
    if v == 'M' then
      f:add(nn.MaxPool2d(2))
    else
      build.conv_block(f, cin, v, 3, {pad = 1}, o.bn)
      cin = v
    end
  end
  local classifier = nn.Sequential{
    nn.Linear(512 * 7 * 7, 4096), nn.ReLU{inplace = true}, nn.Dropout(0.5),
    nn.Linear(4096, 4096), nn.ReLU(),
  }
  return build.net('vgg16', o, f, classifier, 4096)
end
