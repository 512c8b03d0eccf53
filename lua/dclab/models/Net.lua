-- A DeepCluster network as the official code splits it (method.md §7):
--   sobel       fixed front end (or nil)
--   features    the conv trunk: what linear probes read and transfer evaluates
--   classifier  the fc MLP, kept and trained across epochs; its output is the clustering
--               feature (DeepCluster reads it before the final ReLU)
--   top_layer   the k-way head, dropped and re-created every epoch (or nil)
-- forward runs sobel -> features -> flatten -> classifier -> top_layer. The gradient of the
-- input image is not computed unless need_input_grad is set (nobody needs it in training).
local Module = require 'dclab.nn.Module'
local Flatten = require 'dclab.nn.Flatten'

local Net, parent = Module:extend('Net')

local PARTS = {'sobel', 'features', 'classifier', 'top_layer'}

function Net:__init(name, parts)
  parent.__init(self)
  self.name = name
  for _, p in ipairs(PARTS) do self[p] = parts[p] end
  self.flatten = Flatten()
  self.need_input_grad = false
end

-- The present stages in forward order: {{name, module}, ...}.
function Net:stages()
  local s = {}
  if self.sobel then s[#s + 1] = {'sobel', self.sobel} end
  s[#s + 1] = {'features', self.features}
  s[#s + 1] = {'flatten', self.flatten}
  s[#s + 1] = {'classifier', self.classifier}
  if self.top_layer then s[#s + 1] = {'top_layer', self.top_layer} end
  return s
end

local function run(name, f, m, ...)
  local ok, r = pcall(f, m, ...)
  if not ok then error(name .. ': ' .. tostring(r):gsub('^[^%s:]-%.lua:%d+: ', '', 1), 0) end
  return r
end

function Net:forward(x)
  for _, s in ipairs(self:stages()) do x = run(s[1], s[2].forward, s[2], x) end
  self.output = x
  return x
end

function Net:backward(x, dy)
  local stages = self:stages()
  for i = #stages, 1, -1 do
    local name, m = stages[i][1], stages[i][2]
    if name == 'sobel' and not self.need_input_grad then break end
    -- features needs its input gradient only to pass it on to the image
    m.need_input_grad = name ~= 'features' or self.need_input_grad
    local input = i > 1 and stages[i - 1][2].output or x
    dy = run(name, m.backward, m, input, dy)
  end
  self.grad_input = self.need_input_grad and dy or nil
  return self.grad_input
end

-- Replaces the head (nil removes it); returns the old one.
function Net:set_top_layer(m)
  if m ~= nil and not Module.is_module(m) then
    error('Net:set_top_layer: expected a module or nil, got ' .. type(m), 2)
  end
  local old = self.top_layer
  if m then m:training(self.is_training) end
  self.top_layer = m
  return old
end

function Net:parameters()
  local params, grads = {}, {}
  for _, s in ipairs(self:stages()) do
    local p, g = s[2]:parameters()
    table.move(p, 1, #p, #params + 1, params)
    table.move(g, 1, #g, #grads + 1, grads)
  end
  return params, grads
end

function Net:training(on)
  self.is_training = on ~= false
  for _, s in ipairs(self:stages()) do s[2]:training(on) end
  return self
end

-- {'features.3.weight' = tensor, 'top_layer.bias' = ..., ...}
function Net:state()
  local st = {}
  for _, s in ipairs(self:stages()) do
    for k, t in pairs(s[2]:state()) do st[s[1] .. '.' .. k] = t end
  end
  return st
end

function Net:check_state(state, strict)
  local parts, present = {}, {}
  for _, s in ipairs(self:stages()) do
    parts[s[1]], present[s[1]] = {}, s[2]
  end
  for key, t in pairs(state) do
    local part, rest = tostring(key):match('^([%w_]+)%.(.+)$')
    if parts[part] then
      parts[part][rest] = t
    elseif strict then
      error("Net: load_state: unknown entry '" .. tostring(key) .. "'", 2)
    end
  end
  for name, m in pairs(present) do
    local ok, err = pcall(m.check_state, m, parts[name], strict)
    if not ok then error(name .. ': ' .. tostring(err), 2) end
  end
end

local function count(n)
  if n >= 1e6 then return string.format('%.1fM', n / 1e6) end
  if n >= 1e3 then return string.format('%.1fK', n / 1e3) end
  return tostring(n)
end

function Net:describe()
  local lines = {self.name .. ' {'}
  for _, s in ipairs(self:stages()) do
    if s[1] ~= 'flatten' then
      lines[#lines + 1] = '  ' .. s[1] .. ': ' .. tostring(s[2]):gsub('\n', '\n  ')
    end
  end
  lines[#lines + 1] = '}  ' .. count(self:num_params()) .. ' params'
  return table.concat(lines, '\n')
end

return Net
