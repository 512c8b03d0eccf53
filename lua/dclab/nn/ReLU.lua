-- ReLU([{inplace = false}]): y = max(x, 0). In place, the output is the input tensor itself
-- (and the gradient overwrites dy): saves a buffer, as PyTorch's inplace=True. Right after a
-- BatchNorm in a Sequential, an in-place ReLU is fused into the BatchNorm kernel.
local core = require 'dclab.core'
local Module = require 'dclab.nn.Module'
local options = require 'dclab.options'

local ReLU, parent = Module:extend('ReLU')

-- The rectifier that ends a conv stage: a Sequential fuses an in-place one into the
-- BatchNorm before it, and dc.eval counts stages (and takes features before it) by it.
ReLU.is_rectifier = true

function ReLU:__init(opt)
  parent.__init(self)
  opt = options.check('ReLU', opt, {inplace = {type = 'boolean', default = false}}, 3)
  self.inplace = opt.inplace
end

-- Out of place, the kernel writes into own buffers (relu_out, relu_grad): output and
-- grad_input alias the input when fused or in place.
function ReLU:forward(x)
  if self.fused then -- the BatchNorm before already applied it
    self.output = x
  elseif self.inplace then
    self.output = core.relu_forward(x, x)
  else
    self:fit_buffers(x, 'relu_out', 'relu_grad')
    self.relu_out = core.relu_forward(x, self.relu_out)
    self.output = self.relu_out
  end
  return self.output
end

function ReLU:backward(_, dy)
  if self.fused then
    self.grad_input = dy
  elseif self.inplace then
    self.grad_input = core.relu_backward(self.output, dy, dy)
  else
    self.relu_grad = core.relu_backward(self.output, dy, self.relu_grad)
    self.grad_input = self.relu_grad
  end
  return self.grad_input
end

function ReLU:describe()
  return self.inplace and 'ReLU(inplace)' or 'ReLU'
end

return ReLU
