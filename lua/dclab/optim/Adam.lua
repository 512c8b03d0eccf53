-- Adam (Kingma and Ba 2015) with PyTorch's torch.optim.Adam update and defaults: bias-corrected
-- first and second moments, weight decay added to the gradient (L2, not AdamW's decoupled
-- decay). One fused C pass per parameter (core/optim/adam.c); groups, state, checkpoints as
-- dc.optim.sgd (Optimizer.lua).
--
--   local opt = dc.optim.adam(model, {lr = 1e-3, betas = {0.9, 0.999}, eps = 1e-8,
--                                     weight_decay = 0})
--   model:zero_grad(); ...backward...; opt:step()
--
-- Each parameter's state is one float32 [2, <its shape>] tensor (first moment, then second),
-- kept as momentum_buffers[i] so that dc.checkpoint saves it like SGD's momentum; the bias
-- correction counts the group's steps (saved too).
local core = require 'dclab.core'
local Optimizer = require 'dclab.optim.Optimizer'

local function settings(fname, opt, base, level)
  local s = Optimizer.check_settings(fname, opt, base, {
    betas = {type = 'table', default = base.betas},
    eps = {type = 'number', above = 0, default = base.eps},
  }, level + 1)
  local b = s.betas
  if #b ~= 2 or type(b[1]) ~= 'number' or type(b[2]) ~= 'number' or not (b[1] >= 0 and b[1] < 1)
      or not (b[2] >= 0 and b[2] < 1) then
    error(fname .. ': betas must be two numbers in [0, 1), e.g. {0.9, 0.999}', level + 1)
  end
  s.betas = {b[1], b[2]}
  return s
end

return Optimizer.define{
  name = 'adam', class = 'Adam', settings = settings,
  names = {'lr', 'betas', 'eps', 'weight_decay'},
  defaults = {lr = 1e-3, betas = {0.9, 0.999}, eps = 1e-8, weight_decay = 0},
  update = function(g, i, moments)
    return core.adam_step(g.params[i], g.grads[i], moments, g.steps, g.lr, g.betas[1],
      g.betas[2], g.eps, g.weight_decay)
  end,
  buffer_shape = function(p)
    local s = p:shape()
    table.insert(s, 1, 2)
    return s
  end,
  describe = function(g)
    return string.format('lr %g, betas (%g, %g), eps %g, weight_decay %g', g.lr, g.betas[1],
      g.betas[2], g.eps, g.weight_decay)
  end,
}
