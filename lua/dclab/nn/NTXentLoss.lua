-- NTXentLoss([{temperature = 0.5}]): SimCLR's contrastive loss of two embeddings z1, z2
-- [B, D] of the same B images under two augmentations (core/layers/ntxent.c): rows
-- L2-normalised inside, cosine similarities / temperature, each of the 2B rows a softmax
-- over the other 2B - 1 whose target is its other view; the mean over the 2B rows. A
-- criterion of two inputs:
--   loss = crit:forward(z1, z2)
--   dz1, dz2 = crit:backward(z1, z2)
local core = require 'dclab.core'
local Module = require 'dclab.nn.Module'
local options = require 'dclab.options'

local NTXentLoss, parent = Module:extend('NTXentLoss')

function NTXentLoss:__init(opt)
  parent.__init(self)
  opt = options.check('NTXentLoss', opt,
    {temperature = {type = 'number', default = 0.5, above = 0}}, 3)
  self.temperature = opt.temperature
end

function NTXentLoss:forward(z1, z2)
  self.output, self.prob = core.ntxent_forward(z1, z2, self.temperature)
  return self.output
end

function NTXentLoss:backward(z1, z2)
  if not self.prob then error('NTXentLoss: backward before forward', 2) end
  local dz1, dz2 = core.ntxent_backward(z1, z2, self.prob, self.temperature, 1)
  self.grad_input = {dz1, dz2}
  return dz1, dz2
end

function NTXentLoss:describe()
  return string.format('NTXentLoss(temperature = %g)', self.temperature)
end

return NTXentLoss
