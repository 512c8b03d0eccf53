-- The batch normalisation shared by BatchNorm2d ([N, C, H, W]) and BatchNorm1d ([N, C]):
-- affine (weight 1, bias 0 at start), batch statistics in training, running statistics
-- (momentum 0.1, eps 1e-5, unbiased variance as PyTorch) in evaluation.
local core = require 'dclab.core'
local Module = require 'dclab.nn.Module'

local BatchNorm, parent = Module:extend('BatchNorm')

-- Lets a Sequential fuse a following in-place ReLU into this module's kernel.
BatchNorm.can_fuse_relu = true

function BatchNorm:__init(channels, opt)
  parent.__init(self)
  local name = self.class_name
  if math.type(channels) ~= 'integer' or channels < 1 then
    error(string.format('%s: channels must be a positive integer, got %s', name, tostring(channels)), 4)
  end
  if opt ~= nil and type(opt) ~= 'table' then
    error(name .. ': options must be a table, got ' .. type(opt), 4)
  end
  for k in pairs(opt or {}) do
    if k ~= 'eps' and k ~= 'momentum' then
      error(string.format("%s: unknown option '%s' (valid: eps, momentum)", name, tostring(k)), 4)
    end
  end
  self.channels = channels
  self.eps = opt and opt.eps or 1e-5
  self.momentum = opt and opt.momentum or 0.1
  if type(self.eps) ~= 'number' or self.eps <= 0 or type(self.momentum) ~= 'number'
      or self.momentum < 0 or self.momentum > 1 then
    error(string.format('%s: eps must be > 0 and momentum in [0, 1], got eps %s momentum %s', name,
      tostring(self.eps), tostring(self.momentum)), 4)
  end
  self:param('weight', {channels})
  self:param('bias', {channels})
  self:buffer('running_mean', core.zeros({channels}))
  self:buffer('running_var', core.zeros({channels}))
  self.cfg = {eps = self.eps, momentum = self.momentum, training = true, relu = false}
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
    return x
  end
  self:fit_buffers(x, 'save_mean', 'save_invstd')
  local c = self.cfg
  c.training, c.relu = self.is_training, self.fused_relu == true
  -- after a folded forward, output is the convolution's tensor: not a buffer of ours
  local out = not rawequal(self.output, x) and self.output or nil
  self.output, self.save_mean, self.save_invstd = core.batchnorm_forward(c, x, self.weight,
    self.bias, self.running_mean, self.running_var, out, self.save_mean, self.save_invstd)
  return self.output
end

function BatchNorm:backward(x, dy)
  if self.fused_conv and self.folded and not self.is_training then
    error(self.class_name .. ': no backward after an evaluation forward folded into the ' ..
      'convolution before it; call :training() first', 2)
  end
  local c = self.cfg
  c.training, c.relu = self.is_training, self.fused_relu == true
  local dx = self.grad_input
  if not self.need_input_grad then dx = false end
  self.grad_input = core.batchnorm_backward(c, x, c.relu and self.output or nil, dy, self.weight,
    self.save_mean, self.save_invstd, dx, self.grad_weight, self.grad_bias)
  return self.grad_input
end

function BatchNorm:describe()
  local s = string.format('%s(%d', self.class_name, self.channels)
  if self.eps ~= 1e-5 then s = s .. ', eps ' .. self.eps end
  if self.momentum ~= 0.1 then s = s .. ', momentum ' .. self.momentum end
  return s .. ')'
end

return BatchNorm
