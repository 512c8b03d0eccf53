-- Sobel(): DeepCluster's fixed front end, [N, 3 or 1, H, W] -> [N, 2, H, W]: grayscale (the
-- channel mean; nothing for 1 channel), then the horizontal and vertical Sobel filters, zero
-- padding 1. Frozen: no parameters, so no gradient and no weight decay reach it.
local core = require 'dclab.core'
local Module = require 'dclab.nn.Module'

local Sobel, parent = Module:extend('Sobel')

function Sobel:__init()
  parent.__init(self)
end

function Sobel:forward(x)
  self:fit_buffers(x)
  self.output = core.sobel_forward(x, self.output)
  return self.output
end

function Sobel:backward(x, dy)
  if not self.need_input_grad then
    self.grad_input = nil
    return nil
  end
  self.grad_input = core.sobel_backward(x, dy, self.grad_input)
  return self.grad_input
end

return Sobel
