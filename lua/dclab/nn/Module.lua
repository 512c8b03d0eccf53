-- The base class of every nn module, and the class helper of the library.
--
--   m:forward(x)       -> y    y is m.output, a buffer REUSED by the next call (:clone() it);
--                              m(x) is the same call
--   m:backward(x, dy)  -> dx   accumulates into the parameter gradients; dx is m.grad_input
--                              (nil when m.need_input_grad is false: nobody wants it)
--   m:parameters()     -> params, grads   two lists, weight before bias; stable identities
--   m:zero_grad()  m:training()  m:evaluate()  m:num_params()
--   m:state() -> {name = tensor}   m:load_state(state [, {strict = false}])
--   tostring(m)        "Conv2d(3 -> 96, 11x11, stride 4, pad 2)"
-- Modules start in training mode. State is parameters and running statistics only: no
-- activation or workspace is ever saved.
local core = require 'dclab.core'
local class = require 'dclab.class'
local options = require 'dclab.options'

local Module = {}
Module.__index = Module
Module.__name = 'dclab.nn.Module'
function Module:__tostring() return self:describe() end
function Module:__call(...) return self:forward(...) end -- m(x) is m:forward(x)
Module.class_name = 'Module'

local function new(cls, ...)
  local self = setmetatable({}, cls)
  self:__init(...)
  return self
end

setmetatable(Module, {__call = new})
-- every method, of Module and of each subclass (extend), checks its self (dclab/class.lua)
class.check_self(Module, 'Module')

-- local Conv2d, parent = Module:extend('Conv2d'): a subclass called as Conv2d(...).
function Module.extend(parent, name)
  if not class.is_a(parent, Module) or type(name) ~= 'string' then
    error(string.format("extend: expected Parent:extend('Name') on a module class, got " ..
      '(%s, %s)', type(parent), type(name)), 2)
  end
  local cls = setmetatable({}, {__index = parent, __call = new})
  cls.__index = cls
  cls.__name = 'dclab.nn.' .. name
  -- metamethods are not inherited through __index
  cls.__tostring, cls.__call = parent.__tostring, parent.__call
  cls.class_name = name
  return class.check_self(cls, name), parent
end

-- True when m is a module (an instance of Module or of a subclass).
function Module.is_module(m)
  local mt = type(m) == 'table' and getmetatable(m)
  while mt do
    if mt == Module then return true end
    local up = getmetatable(mt)
    mt = up and up.__index
  end
  return false
end

function Module:__init()
  self.is_training = true
  self.need_input_grad = true
  self.params, self.grads, self.param_names, self.buffer_names = {}, {}, {}, {}
end

-- The gradient of every parameter a module registered, so that an optimizer given only a
-- parameter list (dc.optim.sgd(model:parameters(), ...)) finds them. Weak: it keeps nothing.
Module._grad_of = setmetatable({}, {__mode = 'k'})

-- Registers a trainable parameter (zeros) and its gradient as self[name], self['grad_' .. name].
function Module:param(name, shape)
  local w, g = core.zeros(shape), core.zeros(shape)
  Module._grad_of[w] = g
  self[name], self['grad_' .. name] = w, g
  self.params[#self.params + 1] = w
  self.grads[#self.grads + 1] = g
  self.param_names[#self.param_names + 1] = name
  return w, g
end

-- Registers state that is saved but not trained (running statistics), as self[name].
function Module:buffer(name, tensor)
  self[name] = tensor
  self.buffer_names[#self.buffer_names + 1] = name
  return tensor
end

-- Forgets the activation buffers when the input shape changed since the last call (a last,
-- smaller batch), so the kernels allocate them at the new size; keeps them otherwise. A full
-- collection then frees the ones nothing else holds (this layer's, and the layers' before it
-- in the same pass) before the new ones are made: left to the collector, the old and new
-- buffers of every layer were alive at once (the main job's peak rose by 27 MiB at each
-- epoch's last batch).
function Module:fit_buffers(x, ...)
  local s = x:shape()
  local last = self.input_shape
  if last and #last == #s then
    local same = true
    for i = 1, #s do
      if last[i] ~= s[i] then same = false break end
    end
    if same then return end
  end
  self.input_shape = s
  local held = self.output ~= nil or self.grad_input ~= nil
  self.output, self.grad_input = nil, nil
  for i = 1, select('#', ...) do
    local name = select(i, ...)
    held = held or self[name] ~= nil
    self[name] = nil
  end
  if held then collectgarbage() end
end

function Module:forward()
  error(self.class_name .. ': forward is not implemented', 2)
end

function Module:backward()
  error(self.class_name .. ': backward is not implemented', 2)
end

function Module:parameters()
  return table.move(self.params, 1, #self.params, 1, {}), table.move(self.grads, 1, #self.grads, 1, {})
end

function Module:zero_grad()
  local _, grads = self:parameters()
  for _, g in ipairs(grads) do g:fill(0) end
  return self
end

function Module:num_params()
  local n = 0
  for _, p in ipairs((self:parameters())) do n = n + p:numel() end
  return n
end

-- Training mode (batch statistics, dropout on) when on is nil or true.
function Module:training(on)
  self.is_training = on ~= false
  return self
end

function Module:evaluate()
  return self:training(false)
end

-- {name = tensor}: the parameters, then the buffers (running statistics). The tensors are the
-- module's own (not copies): save them, or :clone() to snapshot.
function Module:state()
  local s = {}
  for i, name in ipairs(self.param_names) do s[name] = self.params[i] end
  for _, name in ipairs(self.buffer_names) do s[name] = self[name] end
  return s
end

local function describe_value(v)
  if core.is_tensor(v) then return v:dtype() .. ' [' .. table.concat(v:shape(), ', ') .. ']' end
  return type(v)
end

local function same_shape(a, b)
  local sa, sb = a:shape(), b:shape()
  if #sa ~= #sb then return false end
  for i = 1, #sa do
    if sa[i] ~= sb[i] then return false end
  end
  return true
end

-- The options of every load_state.
Module._load_options = {strict = {type = 'boolean', default = true}}

-- Raises what load_state(state, {strict = strict}) would refuse, changing nothing: an entry
-- that does not fit (not a tensor, another shape), and when strict a missing or an unknown
-- one. Containers override it to name the child at fault; load_state checks through it.
-- Its errors carry no position (level 2 is the pcall of load_state or of a container).
function Module:check_state(state, strict)
  if type(state) ~= 'table' then
    error(string.format('%s: check_state expects a table of tensors, got %s', self.class_name,
      type(state)), 2)
  end
  local own = self:state()
  for name, t in pairs(own) do
    local v = state[name]
    if v == nil then
      if strict then
        error(string.format("%s: load_state: missing entry '%s'", self.class_name, name), 2)
      end
    elseif not core.is_tensor(v) or not same_shape(v, t) then
      error(string.format("%s: load_state: entry '%s' is %s, expected %s", self.class_name, name,
        describe_value(v), describe_value(t)), 2)
    end
  end
  if strict then
    for name in pairs(state) do
      if own[name] == nil then
        error(string.format("%s: load_state: unknown entry '%s'", self.class_name, tostring(name)), 2)
      end
    end
  end
end

-- Copies the tensors of a state table into this module's, all or nothing: every entry is
-- checked (check_state) before the first is copied. strict (default): every entry of this
-- module must be present and no unknown entry may be given.
function Module:load_state(state, opt)
  if type(state) ~= 'table' then
    error(string.format('%s: load_state expects a table of tensors, got %s', self.class_name,
      type(state)), 2)
  end
  local strict = options.check(self.class_name .. ':load_state', opt, Module._load_options,
    2).strict
  local ok, err = pcall(self.check_state, self, state, strict)
  if not ok then error(err, 2) end
  for name, t in pairs(self:state()) do
    if state[name] ~= nil then t:copy(state[name]) end
  end
  return self
end

function Module:describe()
  return self.class_name
end

return Module
