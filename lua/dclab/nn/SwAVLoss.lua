-- SwAVLoss([{temperature = 0.1, code_views = {1, 2}}]): SwAV's swapped prediction (Caron et
-- al. 2020, method.md §12): the codes of each view in code_views (SwAV: the 2 large crops)
-- are predicted from every other view's scores against the prototypes,
--   loss = mean over (code a, view v ~= view(a)) of
--          1/B sum_b - sum_k q[a,b,k] log softmax(z[v,b,:] / temperature)_k
-- A criterion (kernel: core/layers/swav_loss.c); the codes are targets (no gradient):
--   loss = crit:forward(scores, codes)   scores float32 [V, B, K], codes [#code_views, B, K]
--   dscores = crit:backward(scores, codes)
local core = require 'dclab.core'
local Module = require 'dclab.nn.Module'
local options = require 'dclab.options'

local SwAVLoss, parent = Module:extend('SwAVLoss')

function SwAVLoss:__init(opt)
  parent.__init(self)
  opt = options.check('SwAVLoss', opt, {
    temperature = {type = 'number', above = 0, default = 0.1},
    code_views = {type = 'table', default = {1, 2}},
  }, 3)
  local views = opt.code_views
  if #views == 0 then error('SwAVLoss: code_views must list at least one view', 3) end
  for i, v in ipairs(views) do
    if math.type(v) ~= 'integer' or v < 1 then
      error(string.format('SwAVLoss: code_views[%d] must be a view number >= 1, got %s', i,
        tostring(v)), 3)
    end
  end
  self.temperature = opt.temperature
  self.code_views = core.tensor(views, 'int64')
end

function SwAVLoss:forward(scores, codes)
  self:fit_buffers(scores, 'prob')
  self.output, self.prob = core.swav_loss_forward(scores, codes, self.code_views,
    self.temperature, self.prob)
  return self.output
end

function SwAVLoss:backward(_, codes)
  self.grad_input = core.swav_loss_backward(self.prob, codes, self.code_views, self.temperature,
    1, self.grad_input)
  return self.grad_input
end

function SwAVLoss:describe()
  local v = {}
  for i = 1, self.code_views:numel() do v[i] = tostring(self.code_views[i]) end
  return string.format('SwAVLoss(temperature %g, codes of views %s)', self.temperature,
    table.concat(v, ', '))
end

return SwAVLoss
