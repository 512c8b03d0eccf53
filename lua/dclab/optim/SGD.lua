-- Stochastic gradient descent with momentum, dampening, Nesterov and weight decay, in
-- parameter groups with their own settings (PyTorch's torch.optim.SGD; the update of each
-- parameter is one fused C pass, core/optim/sgd.c; groups, state: Optimizer.lua).
--
--   local opt = dc.optim.sgd{lr = 0.05, momentum = 0.9, weight_decay = 1e-5}
--   opt:add(model.features)                    -- a module, or (params, grads) lists, or a
--                                              -- params list alone (gradients found)
--   dc.optim.sgd(model:parameters(), {lr = 0.1})   -- the same in one call, as in PyTorch
--   opt:add(model.top_layer, {momentum = 0})   -- a group with its own settings
--   model:zero_grad(); ...backward...; opt:step()
--
-- opt.groups is plain data: {{lr=, momentum=, dampening=, weight_decay=, nesterov=,
-- params = {...}, grads = {...}, momentum_buffers = {[i] = tensor}}}. opt:state() and
-- opt:load_state(s) give and take the part that a checkpoint keeps (settings and buffers).
local core = require 'dclab.core'
local Optimizer = require 'dclab.optim.Optimizer'

-- Settings from opt over base, checked; fname names the caller in errors.
local function settings(fname, opt, base, level)
  local s = Optimizer.check_settings(fname, opt, base, {
    momentum = {type = 'number', min = 0, default = base.momentum},
    dampening = {type = 'number', default = base.dampening},
    nesterov = {type = 'boolean', default = base.nesterov},
  }, level + 1)
  if s.nesterov and (s.momentum <= 0 or s.dampening ~= 0) then
    error(fname .. ': nesterov needs momentum > 0 and dampening 0', level + 1)
  end
  return s
end

return Optimizer.define{
  name = 'sgd', class = 'SGD', settings = settings,
  names = {'lr', 'momentum', 'dampening', 'weight_decay', 'nesterov'},
  defaults = {momentum = 0, dampening = 0, weight_decay = 0, nesterov = false},
  update = function(g, i, buf)
    return core.sgd_step(g.params[i], g.grads[i], buf, g.lr, g.momentum, g.dampening,
      g.weight_decay, g.nesterov)
  end,
  buffer_shape = function(p) return p:shape() end,
  describe = function(g)
    return string.format('lr %g, momentum %g, dampening %g, weight_decay %g%s', g.lr,
      g.momentum, g.dampening, g.weight_decay, g.nesterov and ', nesterov' or '')
  end,
}
