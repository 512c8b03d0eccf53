-- Conv2d(in, out, k [, {stride = 1, pad = 0, bias = true, algo = 'auto'}]): 2-D convolution
-- of NCHW input; k, stride and pad are a number or {h, w}; algo 'im2col', 'winograd2',
-- 'winograd4' or 'onednn' forces the algorithm (auto: oneDNN on AVX-512 CPUs, else Winograd
-- F(2x2, 3x3) or F(4x4, 3x3) for 3x3 stride-1 layers of >= 16 channels where it saves work,
-- see core/layers/conv2d.h).
-- Initialised as DeepCluster's code: weight N(0, 2 / (kh * kw * out)), bias 0.
local core = require 'dclab.core'
local Module = require 'dclab.nn.Module'
local window = require 'dclab.nn.window'

local Conv2d, parent = Module:extend('Conv2d')

-- In evaluation, a BatchNorm2d right after it (and an in-place ReLU) runs inside its
-- forward as one convolution (core.conv2d_bn_forward).
Conv2d.can_fold_bn = true

function Conv2d:__init(in_ch, out_ch, k, opt)
  parent.__init(self)
  self.cfg = core.conv2d_cfg(in_ch, out_ch, k, opt)
  local c = self.cfg
  self:param('weight', {c.out_ch, c.in_ch, c.kh, c.kw})
  if c.bias then self:param('bias', {c.out_ch}) end
  self:reset()
end

-- Draws fresh weights (from generator gen, default: dclab's default generator).
function Conv2d:reset(gen)
  local c = self.cfg
  self.weight:normal_(0, math.sqrt(2 / (c.kh * c.kw * c.out_ch)), gen)
  if self.bias then self.bias:fill(0) end
  return self
end

-- The compute precision, 'fp32' or 'bf16' (nn.set_precision calls it): the configuration is
-- read-only, so the layer gets a new one with the same geometry.
function Conv2d:set_precision(p)
  local c = self.cfg
  self.cfg = core.conv2d_cfg(c.in_ch, c.out_ch, {c.kh, c.kw}, {stride = {c.sh, c.sw},
    pad = {c.ph, c.pw}, bias = c.bias, algo = c.algo, precision = p})
  return self
end

function Conv2d:forward(x)
  self:fit_buffers(x)
  local bn = self.fused_bn -- set by a Sequential: the BatchNorm2d after this layer
  if bn and not self.is_training and not bn.is_training then
    self.output = core.conv2d_bn_forward(self.cfg, x, self.weight, self.bias, bn.weight, bn.bias,
      bn.running_mean, bn.running_var, bn.cfg.eps, bn.fused_relu == true, self.output)
    bn.folded = true -- its forward passes this output on
  else
    if bn then bn.folded = false end
    self.output = core.conv2d_forward(self.cfg, x, self.weight, self.bias, self.output)
  end
  return self.output
end

-- In evaluation, the stage of an inference chain (nn/chain.lua) this layer runs as, with the
-- folded BatchNorm after it and its fused ReLU, and how many modules the stage covers; nil
-- unless all its passes run in oneDNN (core.conv2d_chains: bf16, or fp32 on AVX-512; other
-- fp32 layers keep their own kernels, Winograd among them).
function Conv2d:chain_stage()
  if not core.conv2d_chains(self.cfg) then return nil end
  local st, bn = {conv = self.cfg, w = self.weight, b = self.bias}, self.fused_bn
  if not bn or bn.is_training then return st, 1 end
  st.bn = {gamma = bn.weight, beta = bn.bias, running_mean = bn.running_mean,
    running_var = bn.running_var}
  st.eps, st.relu = bn.cfg.eps, bn.fused_relu == true
  return st, st.relu and 3 or 2
end

-- In training, the stage of a training chain (nn/chain.lua) this layer runs as with the
-- BatchNorm2d and in-place ReLU after it, and the 3 modules it covers; nil unless it runs in
-- oneDNN (as chain_stage) and such a BatchNorm and ReLU follow.
function Conv2d:train_stage()
  local bn = self.fused_bn
  if not core.conv2d_chains(self.cfg) or not bn or not bn.is_training or not bn.fused_relu then
    return nil
  end
  return {conv = self.cfg, w = self.weight, b = self.bias, dw = self.grad_weight,
    db = self.grad_bias, bn = {gamma = bn.weight, beta = bn.bias,
    running_mean = bn.running_mean, running_var = bn.running_var, dgamma = bn.grad_weight,
    dbeta = bn.grad_bias}, eps = bn.cfg.eps, momentum = bn.cfg.momentum, relu = true}, 3
end

function Conv2d:backward(x, dy)
  local dx = self.grad_input
  if not self.need_input_grad then dx = false end
  self.grad_input = core.conv2d_backward(self.cfg, x, self.weight, dy, dx, self.grad_weight,
    self.grad_bias)
  return self.grad_input
end

function Conv2d:describe()
  local c = self.cfg
  local s = string.format('Conv2d(%d -> %d, %dx%d', c.in_ch, c.out_ch, c.kh, c.kw)
  s = s .. window.options(c, 1, 1)
  if not c.bias then s = s .. ', no bias' end
  return s .. ')'
end

return Conv2d
