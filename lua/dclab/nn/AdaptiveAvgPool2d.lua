-- AdaptiveAvgPool2d(size): average pooling to a fixed output size (a number or {h, w}),
-- whatever the input size: the linear probes pool every conv layer to about 9600 features.
local core = require 'dclab.core'
local Module = require 'dclab.nn.Module'

local AdaptiveAvgPool2d, parent = Module:extend('AdaptiveAvgPool2d')

function AdaptiveAvgPool2d:__init(size)
  parent.__init(self)
  local h, w = size, size
  if type(size) == 'table' then h, w = size[1], size[2] end
  if math.type(h) ~= 'integer' or math.type(w) ~= 'integer' or h < 1 or w < 1 then
    error('AdaptiveAvgPool2d: size must be a positive integer or {h, w}, got ' ..
      (type(size) == 'table' and '{' .. tostring(h) .. ', ' .. tostring(w) .. '}' or tostring(size)), 3)
  end
  self.oh, self.ow = h, w
end

function AdaptiveAvgPool2d:forward(x)
  self:fit_buffers(x)
  self.output = core.adaptive_avgpool2d_forward(self.oh, self.ow, x, self.output)
  return self.output
end

function AdaptiveAvgPool2d:backward(x, dy)
  self.grad_input = core.adaptive_avgpool2d_backward(self.oh, self.ow, x, dy, self.grad_input)
  return self.grad_input
end

function AdaptiveAvgPool2d:describe()
  return string.format('AdaptiveAvgPool2d(%dx%d)', self.oh, self.ow)
end

return AdaptiveAvgPool2d
