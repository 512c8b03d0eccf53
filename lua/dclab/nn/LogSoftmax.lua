-- LogSoftmax(): log of the softmax over the last dimension of [N, D].
local core = require 'dclab.core'
local Module = require 'dclab.nn.Module'

local LogSoftmax, parent = Module:extend('LogSoftmax')

function LogSoftmax:__init()
  parent.__init(self)
end

function LogSoftmax:forward(x)
  self:fit_buffers(x)
  self.output = core.log_softmax_forward(x, self.output)
  return self.output
end

function LogSoftmax:backward(_, dy)
  self.grad_input = core.log_softmax_backward(self.output, dy, self.grad_input)
  return self.grad_input
end

return LogSoftmax
