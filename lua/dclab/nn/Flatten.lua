-- Flatten(): [N, ...] -> [N, prod(...)], a view (no copy); the gradient is viewed back.
local Module = require 'dclab.nn.Module'

local Flatten, parent = Module:extend('Flatten')

function Flatten:__init()
  parent.__init(self)
end

function Flatten:forward(x)
  if x:dim() < 1 then error('Flatten: expected a tensor with a batch dimension, got a scalar', 3) end
  self.output = x:view(x:shape()[1], -1)
  return self.output
end

function Flatten:backward(x, dy)
  self.grad_input = dy:view(x:shape())
  return self.grad_input
end

return Flatten
