-- MaxPool2d(k [, {stride = k, pad = 0, ceil_mode = false}]): k, stride, pad a number or
-- {h, w}. Ties go to the first maximum.
local core = require 'dclab.core'
local Module = require 'dclab.nn.Module'
local window = require 'dclab.nn.window'

local MaxPool2d, parent = Module:extend('MaxPool2d')

-- The options and their checks are core.maxpool2d_cfg's (no count_include_pad: nothing is
-- averaged).
function MaxPool2d:__init(k, opt)
  parent.__init(self)
  self.cfg = core.maxpool2d_cfg(k, opt)
end

-- The indices of the maxima are recorded in training only; a backward after an evaluation
-- forward finds them again from x.
function MaxPool2d:forward(x)
  self:fit_buffers(x, 'indices')
  local idx = false -- skipped in evaluation; nil makes the buffer on the first training call
  if self.is_training then idx = self.indices end
  self.output, idx = core.maxpool2d_forward(self.cfg, x, self.output, idx)
  self.indices = idx or self.indices
  self.indices_valid = idx ~= nil
  return self.output
end

-- The stage of an inference or training chain (nn/chain.lua) this layer runs as.
function MaxPool2d:chain_stage()
  return {pool = self.cfg}, 1
end
function MaxPool2d:train_stage()
  return self:chain_stage()
end

function MaxPool2d:backward(x, dy)
  self.grad_input = core.maxpool2d_backward(self.cfg, x, dy, self.indices_valid and self.indices,
    self.grad_input)
  return self.grad_input
end

function MaxPool2d:describe()
  local c = self.cfg
  return 'MaxPool2d(' .. window.pair(c.kh, c.kw) .. window.options(c, c.kh, c.kw) .. ')'
end

return MaxPool2d
