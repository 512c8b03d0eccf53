-- CrossEntropyLoss([{weight = w}]): softmax + negative log-likelihood of the target classes,
-- averaged over the batch (with weights w [k]: the weighted mean sum w[t] nll / sum w[t],
-- as PyTorch). A criterion:
--   loss = crit:forward(logits, target)    logits [N, k], target int64 [N] in 1..k
--   dlogits = crit:backward(logits, target)
local core = require 'dclab.core'
local Module = require 'dclab.nn.Module'
local options = require 'dclab.options'

local CrossEntropyLoss, parent = Module:extend('CrossEntropyLoss')

function CrossEntropyLoss:__init(opt)
  parent.__init(self)
  opt = options.check('CrossEntropyLoss', opt, {weight = {type = 'tensor'}}, 3)
  self.weight = opt.weight
end

function CrossEntropyLoss:forward(x, target)
  self:fit_buffers(x, 'prob')
  self.output, self.prob = core.cross_entropy_forward(x, target, self.weight, self.prob)
  return self.output
end

function CrossEntropyLoss:backward(_, target)
  self.grad_input = core.cross_entropy_backward(self.prob, target, self.weight, 1,
    self.grad_input)
  return self.grad_input
end

function CrossEntropyLoss:describe()
  return self.weight and 'CrossEntropyLoss(weighted)' or 'CrossEntropyLoss'
end

return CrossEntropyLoss
