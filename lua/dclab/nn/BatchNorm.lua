-- The batch normalisation shared by BatchNorm2d ([N, C, H, W]) and BatchNorm1d ([N, C]):
-- affine (weight 1, bias 0 at start), batch statistics in training, running statistics
-- (momentum 0.1, eps 1e-5, unbiased variance as PyTorch) in evaluation.
local core = require 'dclab.core'
local Module = require 'dclab.nn.Module'
local options = require 'dclab.options'

local BatchNorm, parent = Module:extend('BatchNorm')

-- Lets a Sequential fuse a following in-place ReLU into this module's kernel.
BatchNorm.can_fuse_relu = true

function BatchNorm:__init(channels, opt)
  parent.__init(self)
  local name = self.class_name
  if math.type(channels) ~= 'integer' or channels < 1 then
    error(string.format('%s: channels must be a positive integer, got %s', name, tostring(channels)), 4)
  end
  -- names and types here; defaults and ranges are core's (core.batchnorm_cfg)
  opt = options.check(name, opt, {eps = {type = 'number'}, momentum = {type = 'number'}}, 4)
  self.channels = channels
  -- defaults and checks of eps and momentum; read-only (a new value needs a new module)
  self.cfg = core.batchnorm_cfg(opt, name)
  self:param('weight', {channels})
  self:param('bias', {channels})
  self:buffer('running_mean', core.zeros({channels}))
  self:buffer('running_var', core.zeros({channels}))
  self:reset()
end

function BatchNorm:reset()
  self.weight:fill(1)
  self.bias:fill(0)
  self.running_mean:fill(0)
  self.running_var:fill(1)
  return self
end

function BatchNorm:check_input(x)
  if x:dim() ~= self.ndim then
    error(string.format('%s: expected a %dD input %s, got %s [%s]', self.class_name, self.ndim,
      self.layout, x:dtype(), table.concat(x:shape(), ', ')), 3)
  end
end

function BatchNorm:forward(x)
  self:check_input(x)
  if self.fused_conv and self.folded and not self.is_training then
    self.output = x -- the convolution before applied it (and the ReLU after, if fused)
    self.input_shape = nil -- so the next unfolded forward allocates its own output again
    return x
  end
  self:fit_buffers(x, 'save_mean', 'save_invstd')
  -- after a folded forward, output is the convolution's tensor: not a buffer of ours
  local out = not rawequal(self.output, x) and self.output or nil
  self.output, self.save_mean, self.save_invstd = core.batchnorm_forward(self.cfg,
    self.is_training, self.fused_relu, x, self.weight, self.bias, self.running_mean,
    self.running_var, out, self.save_mean, self.save_invstd)
  return self.output
end

function BatchNorm:backward(x, dy)
  if self.fused_conv and self.folded and not self.is_training then
    error(self.class_name .. ': no backward after an evaluation forward folded into the ' ..
      'convolution before it; call :training() first', 2)
  end
  local dx = self.grad_input
  if not self.need_input_grad then dx = false end
  self.grad_input = core.batchnorm_backward(self.cfg, self.is_training, self.fused_relu, x,
    self.fused_relu and self.output or nil, dy, self.weight, self.save_mean, self.save_invstd, dx,
    self.grad_weight, self.grad_bias)
  return self.grad_input
end

function BatchNorm:describe()
  local s = string.format('%s(%d', self.class_name, self.channels)
  local c, default = self.cfg, core.batchnorm_cfg(nil, self.class_name)
  if c.eps ~= default.eps then s = s .. ', eps ' .. c.eps end
  if c.momentum ~= default.momentum then s = s .. ', momentum ' .. c.momentum end
  return s .. ')'
end

return BatchNorm
