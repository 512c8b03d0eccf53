-- Stochastic gradient descent with momentum, dampening, Nesterov and weight decay, in
-- parameter groups with their own settings (PyTorch's torch.optim.SGD; the update of each
-- parameter is one fused C pass, core/optim/sgd.c).
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
local Module = require 'dclab.nn.Module'
local options = require 'dclab.options'

local SGD = {}
SGD.__index = SGD
SGD.__name = 'dclab.optim.SGD'

local SETTINGS = {'lr', 'momentum', 'dampening', 'weight_decay', 'nesterov'}
local DEFAULTS = {momentum = 0, dampening = 0, weight_decay = 0, nesterov = false}

-- Settings from opt over base, checked; fname names the caller in errors.
local function settings(fname, opt, base)
  local s = options.check(fname, opt, {
    lr = {type = 'number', min = 0, default = base.lr, required = base.lr == nil},
    momentum = {type = 'number', min = 0, default = base.momentum},
    dampening = {type = 'number', default = base.dampening},
    weight_decay = {type = 'number', min = 0, default = base.weight_decay},
    nesterov = {type = 'boolean', default = base.nesterov},
  }, 3)
  if s.nesterov and (s.momentum <= 0 or s.dampening ~= 0) then
    error(fname .. ': nesterov needs momentum > 0 and dampening 0', 3)
  end
  return s
end

local function is_list_of_tensors(v)
  return type(v) == 'table' and core.is_tensor(v[1])
end

-- What to optimize, from the arguments (module [, settings]), (params [, settings]) or
-- (params, grads [, settings]) -> params, grads, settings. The gradients of a params list
-- alone are those the modules registered with their parameters.
local function group_args(fname, a, b, c)
  if type(a) == 'table' and type(a.parameters) == 'function' then
    local params, grads = a:parameters()
    return params, grads, b
  end
  if is_list_of_tensors(b) or not is_list_of_tensors(a) then return a, b, c end
  local grads = {}
  for i, p in ipairs(a) do
    grads[i] = Module._grad_of[p]
    if grads[i] == nil then
      error(string.format('%s: parameter %d of the list is not a module parameter, so its ' ..
        'gradient is unknown (pass the module, or params and grads)', fname, i), 3)
    end
  end
  return a, grads, b
end

-- dc.optim.sgd(settings), or with a first group: dc.optim.sgd(module, settings),
-- dc.optim.sgd(params, settings), dc.optim.sgd(params, grads, settings).
function SGD.new(a, b, c)
  local self = setmetatable({}, SGD)
  self.groups = {}
  self.steps = 0
  if type(a) == 'table' and (type(a.parameters) == 'function' or is_list_of_tensors(a)) then
    local params, grads, opt = group_args('sgd', a, b, c)
    self.defaults = settings('sgd', opt, DEFAULTS)
    self:add(params, grads)
  else
    self.defaults = settings('sgd', a, DEFAULTS)
  end
  return self
end

-- opt:add(module [, settings]), opt:add(params [, settings]) or opt:add(params, grads
-- [, settings]): a new parameter group.
function SGD:add(a, b, c)
  local params, grads, opt = group_args('sgd:add', a, b, c)
  if type(params) ~= 'table' or type(grads) ~= 'table' or #params ~= #grads then
    error('sgd:add: expected a module, a list of parameters, or two lists (params, grads) ' ..
      'of equal length', 2)
  end
  for i = 1, #params do
    if not core.is_tensor(params[i]) or not core.is_tensor(grads[i]) then
      error(string.format('sgd:add: parameter %d is not a tensor pair', i), 2)
    end
  end
  local g = settings('sgd:add', opt, self.defaults)
  g.params, g.grads, g.momentum_buffers = params, grads, {}
  self.groups[#self.groups + 1] = g
  return self
end

-- One update of every parameter from its gradient.
function SGD:step()
  for _, g in ipairs(self.groups) do
    local bufs = g.momentum_buffers
    for i, p in ipairs(g.params) do
      bufs[i] = core.sgd_step(p, g.grads[i], bufs[i], g.lr, g.momentum, g.dampening,
        g.weight_decay, g.nesterov)
    end
  end
  self.steps = self.steps + 1
  return self
end

function SGD:zero_grad()
  for _, g in ipairs(self.groups) do
    for _, t in ipairs(g.grads) do t:fill(0) end
  end
  return self
end

-- Sets the learning rate of every group (what the schedules drive).
function SGD:set_lr(lr)
  if type(lr) ~= 'number' or lr < 0 then
    error('sgd:set_lr: lr must be a number >= 0, got ' .. tostring(lr), 2)
  end
  for _, g in ipairs(self.groups) do g.lr = lr end
  return self
end

-- {steps =, groups = {{lr=, ..., momentum_buffers = {[i] = tensor}}}}: plain data (the
-- buffers are the optimizer's own tensors) for the checkpoint.
function SGD:state()
  local s = {steps = self.steps, groups = {}}
  for gi, g in ipairs(self.groups) do
    local e = {momentum_buffers = {}}
    for _, k in ipairs(SETTINGS) do e[k] = g[k] end
    for i, b in pairs(g.momentum_buffers) do e.momentum_buffers[i] = b end
    s.groups[gi] = e
  end
  return s
end

-- Restores settings and momentum buffers into the existing groups (same count, same
-- parameter shapes): the parameters themselves come from the model's state.
function SGD:load_state(s)
  if type(s) ~= 'table' or type(s.groups) ~= 'table' then
    error('sgd:load_state: expected a table from sgd:state()', 2)
  end
  if #s.groups ~= #self.groups then
    error(string.format('sgd:load_state: the state has %d parameter groups, this optimizer %d',
      #s.groups, #self.groups), 2)
  end
  for gi, e in ipairs(s.groups) do
    local g = self.groups[gi]
    local checked = settings('sgd:load_state', {lr = e.lr, momentum = e.momentum,
      dampening = e.dampening, weight_decay = e.weight_decay, nesterov = e.nesterov}, g)
    for _, k in ipairs(SETTINGS) do g[k] = checked[k] end
    g.momentum_buffers = {}
    for i, b in pairs(e.momentum_buffers or {}) do
      local p = g.params[i]
      if not p or not core.is_tensor(b) or b:numel() ~= p:numel() then
        error(string.format('sgd:load_state: momentum buffer %d of group %d does not fit its parameter', i, gi), 2)
      end
      g.momentum_buffers[i] = b:clone():view(p:shape())
    end
  end
  self.steps = s.steps or 0
  return self
end

function SGD:__tostring()
  local lines = {string.format('SGD (%d groups, %d steps)', #self.groups, self.steps)}
  for i, g in ipairs(self.groups) do
    lines[#lines + 1] = string.format('  group %d: %d params, lr %g, momentum %g, dampening %g, weight_decay %g%s',
      i, #g.params, g.lr, g.momentum, g.dampening, g.weight_decay, g.nesterov and ', nesterov' or '')
  end
  return table.concat(lines, '\n')
end

return require('dclab.class').check_self(SGD, 'SGD')
