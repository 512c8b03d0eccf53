-- SwAVLoss([{temperature = 0.1, code_views = {1, 2}, views = V}]): SwAV's swapped
-- prediction (Caron et al. 2020, method.md §14): the codes of each view in code_views (SwAV:
-- the 2 large crops) are predicted from every other view's scores against the prototypes,
--   loss = mean over (code a, view v ~= view(a)) of
--          1/B sum_b - sum_k q[a,b,k] log softmax(z[v,b,:] / temperature)_k
-- A criterion (kernel: core/layers/swav_loss.c); the codes are targets (no gradient):
--   loss = crit:forward(scores, codes)   scores float32 [V, B, K], codes [#code_views, B, K]
--   dscores = crit:backward(scores, codes)
-- Given the codes the loss is a sum over the predicting views, so views of different sizes
-- can be scored group by group: with views = V set, crit:forward(scores, codes, first)
-- takes the scores [Vs, B, K] of views first .. first + Vs - 1 and gives their part of the
-- loss (crit:backward(scores, codes, first) their gradient); the parts add up to the loss.
local core = require 'dclab.core'
local Module = require 'dclab.nn.Module'
local options = require 'dclab.options'

local SwAVLoss, parent = Module:extend('SwAVLoss')

function SwAVLoss:__init(opt)
  parent.__init(self)
  opt = options.check('SwAVLoss', opt, {
    temperature = {type = 'number', above = 0, default = 0.1},
    code_views = {type = 'table', default = {1, 2}},
    views = {type = 'integer', min = 2},
  }, 3)
  local views = opt.code_views
  if #views == 0 then error('SwAVLoss: code_views must list at least one view', 3) end
  for i, v in ipairs(views) do
    if math.type(v) ~= 'integer' or v < 1 then
      error(string.format('SwAVLoss: code_views[%d] must be a view number >= 1, got %s', i,
        tostring(v)), 3)
    end
  end
  self.temperature, self.views = opt.temperature, opt.views
  self.code_views = core.tensor(views, 'int64')
end

-- The views of a call: (first, total); scores alone are all the views unless views is set.
local function span(self, scores, first)
  if first ~= nil and self.views == nil then
    error('SwAVLoss: a first view needs the number of views (SwAVLoss{views = V})', 3)
  end
  if not core.is_tensor(scores) then
    error('SwAVLoss: scores must be a float32 tensor [V, B, K], got ' .. type(scores), 3)
  end
  return first or 1, self.views or scores:size(1)
end

function SwAVLoss:forward(scores, codes, first)
  local f, n = span(self, scores, first)
  self:fit_buffers(scores, 'prob')
  self.output, self.prob = core.swav_loss_forward(scores, codes, self.code_views,
    self.temperature, f, n, self.prob)
  return self.output
end

function SwAVLoss:backward(scores, codes, first)
  local f, n = span(self, scores, first)
  self.grad_input = core.swav_loss_backward(self.prob, codes, self.code_views, self.temperature,
    f, n, 1, self.grad_input)
  return self.grad_input
end

function SwAVLoss:describe()
  local v = {}
  for i = 1, self.code_views:numel() do v[i] = tostring(self.code_views[i]) end
  return string.format('SwAVLoss(temperature %g, codes of views %s)', self.temperature,
    table.concat(v, ', '))
end

return SwAVLoss
