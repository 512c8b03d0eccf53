-- SCANLoss([{entropy_weight = 5}]): SCAN's clustering loss (Van Gansbeke et al. 2020;
-- core/layers/scan_loss.c) of the cluster logits [B, K] of B images (anchors) and of one
-- nearest neighbour of each: -mean_i log <softmax(a_i), softmax(n_i)> (each image agrees
-- with its neighbour, confidently) minus entropy_weight times the entropy of the anchors'
-- mean prediction (the batch spreads over the clusters). A criterion of two inputs; both
-- get gradients:
--   loss = crit:forward(anchors, neighbors)  -- crit.consistency, crit.entropy: the two terms
--   da, dn = crit:backward(anchors, neighbors)
local core = require 'dclab.core'
local Module = require 'dclab.nn.Module'
local options = require 'dclab.options'

local SCANLoss, parent = Module:extend('SCANLoss')

function SCANLoss:__init(opt)
  parent.__init(self)
  opt = options.check('SCANLoss', opt,
    {entropy_weight = {type = 'number', default = 5, min = 0}}, 3)
  self.entropy_weight = opt.entropy_weight
end

function SCANLoss:forward(anchors, neighbors)
  self.output, self.consistency, self.entropy =
    core.scan_loss_forward(anchors, neighbors, self.entropy_weight)
  return self.output
end

-- The gradients are computed from the logits again (the kernel keeps no state), so backward
-- needs no forward before it.
function SCANLoss:backward(anchors, neighbors)
  local da, dn = core.scan_loss_backward(anchors, neighbors, self.entropy_weight, 1)
  self.grad_input = {da, dn}
  return da, dn
end

function SCANLoss:describe()
  return string.format('SCANLoss(entropy_weight = %g)', self.entropy_weight)
end

return SCANLoss
