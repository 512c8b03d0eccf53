-- Softmax(): softmax over the last dimension of [N, D].
local core = require 'dclab.core'
local Module = require 'dclab.nn.Module'

local Softmax, parent = Module:extend('Softmax')

function Softmax:__init()
  parent.__init(self)
end

function Softmax:forward(x)
  self:fit_buffers(x)
  self.output = core.softmax_forward(x, self.output)
  return self.output
end

function Softmax:backward(_, dy)
  self.grad_input = core.softmax_backward(self.output, dy, self.grad_input)
  return self.grad_input
end

return Softmax
