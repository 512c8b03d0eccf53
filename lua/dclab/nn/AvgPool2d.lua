-- AvgPool2d(k [, {stride = k, pad = 0, ceil_mode = false, count_include_pad = true}]), as
-- PyTorch's AvgPool2d.
local core = require 'dclab.core'
local Module = require 'dclab.nn.Module'
local window = require 'dclab.nn.window'

local AvgPool2d, parent = Module:extend('AvgPool2d')

function AvgPool2d:__init(k, opt)
  parent.__init(self)
  self.cfg = core.avgpool2d_cfg(k, opt)
end

function AvgPool2d:forward(x)
  self:fit_buffers(x)
  self.output = core.avgpool2d_forward(self.cfg, x, self.output)
  return self.output
end

function AvgPool2d:backward(x, dy)
  self.grad_input = core.avgpool2d_backward(self.cfg, x, dy, self.grad_input)
  return self.grad_input
end

function AvgPool2d:describe()
  local c = self.cfg
  local s = 'AvgPool2d(' .. window.pair(c.kh, c.kw) .. window.options(c, c.kh, c.kw)
  if not c.count_include_pad then s = s .. ', padding not counted' end
  return s .. ')'
end

return AvgPool2d
