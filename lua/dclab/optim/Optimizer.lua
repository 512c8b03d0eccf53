-- What every optimizer shares: parameter groups with their own settings, the gradient
-- lookup of a parameter list, zero_grad, set_lr, the state a checkpoint keeps. An optimizer
-- class (SGD.lua, Adam.lua) is made by Optimizer.define with its own settings and its
-- one-parameter update (a fused C kernel):
--
--   local SGD = Optimizer.define{
--     name = 'sgd', class = 'SGD',
--     settings = function(fname, opt, base, level) -> checked settings (a new table),
--     names = {'lr', ...},                -- the settings a state carries
--     update = function(group, i, buffer) -> buffer: updates group.params[i],
--     buffer_shape = function(p) -> the shape of p's buffer (checked on load),
--     describe = function(group) -> the settings part of tostring's group line,
--   }
--
-- opt.groups is plain data: {{<settings>, steps =, params = {...}, grads = {...},
-- momentum_buffers = {[i] = tensor}}}: each parameter's state tensor (SGD's momentum, Adam's
-- two moments) is kept under momentum_buffers, which dc.checkpoint saves; steps counts the
-- group's updates.
local core = require 'dclab.core'
local Module = require 'dclab.nn.Module'
local options = require 'dclab.options'

local Optimizer = {}

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

-- opt over base, checked by the rules every optimizer has (lr, weight_decay) and its own
-- rules; fname names the caller in errors.
function Optimizer.check_settings(fname, opt, base, rules, level)
  rules.lr = {type = 'number', min = 0, default = base.lr, required = base.lr == nil}
  rules.weight_decay = {type = 'number', min = 0, default = base.weight_decay}
  return options.check(fname, opt, rules, level + 1)
end

function Optimizer.define(spec)
  local name = spec.name
  local cls = {}
  cls.__index = cls
  cls.__name = 'dclab.optim.' .. spec.class

  -- name(settings), or with a first group: name(module, settings), name(params, settings),
  -- name(params, grads, settings).
  function cls.new(a, b, c)
    local self = setmetatable({}, cls)
    self.groups = {}
    self.steps = 0
    if type(a) == 'table' and (type(a.parameters) == 'function' or is_list_of_tensors(a)) then
      local params, grads, opt = group_args(name, a, b, c)
      self.defaults = spec.settings(name, opt, spec.defaults, 2)
      self:add(params, grads)
    else
      self.defaults = spec.settings(name, a, spec.defaults, 2)
    end
    return self
  end

  -- opt:add(module [, settings]), opt:add(params [, settings]) or opt:add(params, grads
  -- [, settings]): a new parameter group.
  function cls:add(a, b, c)
    local fname = name .. ':add'
    local params, grads, opt = group_args(fname, a, b, c)
    if type(params) ~= 'table' or type(grads) ~= 'table' or #params ~= #grads then
      error(fname .. ': expected a module, a list of parameters, or two lists (params, grads) ' ..
        'of equal length', 2)
    end
    for i = 1, #params do
      if not core.is_tensor(params[i]) or not core.is_tensor(grads[i]) then
        error(string.format('%s: parameter %d is not a tensor pair', fname, i), 2)
      end
    end
    local g = spec.settings(fname, opt, self.defaults, 2)
    g.params, g.grads, g.momentum_buffers, g.steps = params, grads, {}, 0
    self.groups[#self.groups + 1] = g
    return self
  end

  -- One update of every parameter from its gradient.
  function cls:step()
    for _, g in ipairs(self.groups) do
      g.steps = g.steps + 1
      local bufs = g.momentum_buffers
      for i = 1, #g.params do bufs[i] = spec.update(g, i, bufs[i]) end
    end
    self.steps = self.steps + 1
    return self
  end

  function cls:zero_grad()
    for _, g in ipairs(self.groups) do
      for _, t in ipairs(g.grads) do t:fill(0) end
    end
    return self
  end

  -- Sets the learning rate of every group (what the schedules drive).
  function cls:set_lr(lr)
    if type(lr) ~= 'number' or lr < 0 then
      error(string.format('%s:set_lr: lr must be a number >= 0, got %s', name, tostring(lr)), 2)
    end
    for _, g in ipairs(self.groups) do g.lr = lr end
    return self
  end

  -- {steps =, groups = {{<settings>, steps =, momentum_buffers = {[i] = tensor}}}}: plain
  -- data (the buffers are the optimizer's own tensors) for the checkpoint.
  function cls:state()
    local s = {steps = self.steps, groups = {}}
    for gi, g in ipairs(self.groups) do
      local e = {momentum_buffers = {}, steps = g.steps}
      for _, k in ipairs(spec.names) do e[k] = g[k] end
      for i, b in pairs(g.momentum_buffers) do e.momentum_buffers[i] = b end
      s.groups[gi] = e
    end
    return s
  end

  -- Restores settings, step counts and buffers into the existing groups (same count, same
  -- parameter shapes): the parameters themselves come from the model's state.
  function cls:load_state(s)
    local fname = name .. ':load_state'
    if type(s) ~= 'table' or type(s.groups) ~= 'table' then
      error(string.format('%s: expected a table from %s:state()', fname, name), 2)
    end
    if #s.groups ~= #self.groups then
      error(string.format('%s: the state has %d parameter groups, this optimizer %d', fname,
        #s.groups, #self.groups), 2)
    end
    for gi, e in ipairs(s.groups) do
      local g = self.groups[gi]
      local given = {}
      for _, k in ipairs(spec.names) do given[k] = e[k] end
      local checked = spec.settings(fname, given, g, 2)
      for _, k in ipairs(spec.names) do g[k] = checked[k] end
      local steps = e.steps or 0
      if math.type(steps) ~= 'integer' or steps < 0 then
        error(string.format('%s: steps of group %d must be an integer >= 0, got %s', fname, gi,
          tostring(steps)), 2)
      end
      g.steps = steps
      g.momentum_buffers = {}
      for i, b in pairs(e.momentum_buffers or {}) do
        local p = g.params[i]
        local shape = p and spec.buffer_shape(p)
        local n = 1
        for _, d in ipairs(shape or {}) do n = n * d end
        if not p or not core.is_tensor(b) or b:numel() ~= n then
          error(string.format('%s: momentum buffer %d of group %d does not fit its parameter', fname, i, gi), 2)
        end
        g.momentum_buffers[i] = b:clone():view(shape)
      end
    end
    self.steps = s.steps or 0
    return self
  end

  function cls:__tostring()
    local lines = {string.format('%s (%d groups, %d steps)', spec.class, #self.groups, self.steps)}
    for i, g in ipairs(self.groups) do
      lines[#lines + 1] = string.format('  group %d: %d params, %s', i, #g.params, spec.describe(g))
    end
    return table.concat(lines, '\n')
  end

  return require('dclab.class').check_self(cls, spec.class)
end

return Optimizer
