-- MSELoss(): the mean over every element of (x - target)^2 (PyTorch's MSELoss, mean
-- reduction), the reconstruction loss of an autoencoder. A criterion:
--   loss = crit:forward(x, target)     x, target float32 of one shape
--   dx = crit:backward(x, target)
local core = require 'dclab.core'
local Module = require 'dclab.nn.Module'

local MSELoss, parent = Module:extend('MSELoss')

function MSELoss:__init()
  parent.__init(self)
end

function MSELoss:forward(x, target)
  self.output = core.mse_loss_forward(x, target)
  return self.output
end

function MSELoss:backward(x, target)
  self:fit_buffers(x)
  self.grad_input = core.mse_loss_backward(x, target, 1, self.grad_input)
  return self.grad_input
end

return MSELoss
