-- small{sobel = true, k = nil, generator = nil}: the convnet for 28x28 images
-- (Fashion-MNIST). With sobel the input is [N, 1 or 3, 28, 28], without it [N, 1, 28, 28].
--   features: conv3x3(64)-BN-ReLU-maxpool2, conv(128)-BN-ReLU-maxpool2,
--             conv(256)-BN-ReLU, conv(256)-BN-ReLU-maxpool2 (floor)  -> 256x3x3 = 2304
--   classifier: Dropout(0.5), Linear(2304, 512), ReLU, Dropout(0.5), Linear(512, 512), ReLU
--   top_layer: Linear(512, k) when k is given
-- 2,404,544 trainable parameters without the top layer. The clustering feature is the second
-- 512 Linear's output, before its ReLU.
local nn = require 'dclab.nn'
local build = require 'dclab.models.build'

return function(opt)
  local o = build.options('models.small', opt, false)
  local features = nn.Sequential()
  local cin = o.sobel and 2 or 1
  for i, cout in ipairs{64, 128, 256, 256} do
    build.conv_block(features, cin, cout, 3, {pad = 1}, true)
    if i ~= 3 then features:add(nn.MaxPool2d(2)) end
    cin = cout
  end
  local classifier = nn.Sequential{
    nn.Dropout(0.5), nn.Linear(256 * 3 * 3, 512), nn.ReLU{inplace = true},
    nn.Dropout(0.5), nn.Linear(512, 512), nn.ReLU(),
  }
  return build.net('small', o, features, classifier, 512)
end
