-- Linear(in, out [, {bias = true}]): y = x W^T + b on [N, in]. Initialised as DeepCluster's
-- code: weight N(0, 0.01^2), bias 0.
local core = require 'dclab.core'
local Module = require 'dclab.nn.Module'
local options = require 'dclab.options'

local Linear, parent = Module:extend('Linear')

local function check_size(v, what)
  if math.type(v) ~= 'integer' or v < 1 then
    error(string.format('Linear: %s must be a positive integer, got %s', what, tostring(v)), 4)
  end
end

function Linear:__init(in_features, out_features, opt)
  parent.__init(self)
  check_size(in_features, 'in_features')
  check_size(out_features, 'out_features')
  opt = options.check('Linear', opt, {bias = {type = 'boolean', default = true}}, 3)
  self.in_features, self.out_features = in_features, out_features
  self:param('weight', {out_features, in_features})
  if opt.bias then self:param('bias', {out_features}) end
  self:reset()
end

function Linear:reset(gen)
  self.weight:normal_(0, 0.01, gen)
  if self.bias then self.bias:fill(0) end
  return self
end

function Linear:forward(x)
  self:fit_buffers(x)
  self.output = core.linear_forward(x, self.weight, self.bias, self.output)
  return self.output
end

function Linear:backward(x, dy)
  local dx = self.grad_input
  if not self.need_input_grad then dx = false end
  self.grad_input = core.linear_backward(x, self.weight, dy, dx, self.grad_weight, self.grad_bias)
  return self.grad_input
end

function Linear:describe()
  return string.format('Linear(%d -> %d%s)', self.in_features, self.out_features,
    self.bias and '' or ', no bias')
end

return Linear
