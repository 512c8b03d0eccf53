-- dc.nn: the Torch-style module library (one class per file, see Module.lua).
local nn = {}

for _, name in ipairs{
  'Module', 'Sequential', 'Conv2d', 'Linear', 'ReLU', 'MaxPool2d', 'AvgPool2d',
  'AdaptiveAvgPool2d', 'BatchNorm2d', 'BatchNorm1d', 'Dropout', 'Flatten', 'Sobel',
  'LogSoftmax', 'Softmax', 'CrossEntropyLoss', 'CentroidHead', 'Normalize', 'ConcatTable',
  'Prototypes', 'SwAVLoss', 'NTXentLoss', 'MSELoss', 'SCANLoss',
} do
  nn[name] = require('dclab.nn.' .. name)
end

nn.is_module = nn.Module.is_module
local precision = require 'dclab.nn.precision'
nn.set_precision, nn.precision = precision.set_precision, precision.precision
nn.precision_names = precision.precision_names

return nn
