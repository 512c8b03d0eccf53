-- Linear(in, out [, {bias = true}]): y = x W^T + b on [N, in]. Initialised as DeepCluster's
-- code: weight N(0, 0.01^2), bias 0.
local core = require 'dclab.core'
local Module = require 'dclab.nn.Module'
local options = require 'dclab.options'
local precision = require 'dclab.nn.precision'

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

-- The compute precision, 'fp32' or 'bf16' (nn.set_precision calls it): in bf16 the three
-- products round x, the weight and dy to bfloat16 and sum in fp32 (oneDNN's matmul); the
-- weight, its gradients, the output and dx stay fp32. The forward pass keeps the rounded
-- weight (self.weight16) for the input gradient, as PyTorch's autocast keeps its cast.
function Linear:set_precision(p)
  local why = precision.refusal(p, 'Linear:set_precision')
  if why then error(why, 2) end
  self.precision, self.weight16 = p, nil
  return self
end

function Linear:forward(x)
  self:fit_buffers(x)
  self.output, self.weight16 = core.linear_forward(x, self.weight, self.bias, self.output,
    self.precision, self.weight16)
  return self.output
end

function Linear:backward(x, dy)
  local dx = self.grad_input
  if not self.need_input_grad then dx = false end
  local w16 = nil
  if self.precision == 'bf16' then
    w16 = self.weight16
    if not w16 then error('Linear: backward in bf16 needs a forward pass first', 2) end
  end
  self.grad_input = core.linear_backward(x, self.weight, dy, dx, self.grad_weight, self.grad_bias,
    1, w16)
  return self.grad_input
end

function Linear:describe()
  return string.format('Linear(%d -> %d%s)', self.in_features, self.out_features,
    self.bias and '' or ', no bias')
end

return Linear
