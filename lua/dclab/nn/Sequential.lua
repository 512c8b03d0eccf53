-- A chain of modules: forward feeds each module's output to the next one, backward walks them
-- in reverse. Errors get the module path as prefix: "(3) Conv2d(96 -> 256, 5x5): ..." (nested:
-- "(2).(3) ..."). Modules can be added, inserted, removed and replaced (DeepCluster swaps the
-- head every epoch).
--
-- Savings, invisible in the results:
--  * a BatchNorm followed by an in-place ReLU runs as one fused kernel (the ReLU's output is
--    the BatchNorm's output anyway, as with PyTorch's inplace=True);
--  * in evaluation, a Conv2d followed by a BatchNorm2d (and such a ReLU) runs as one
--    convolution with the running statistics folded into its weights (conv2d_bn_forward);
--  * runs of convolutions computed by oneDNN (bf16 ones; fp32 ones on AVX-512 CPUs) with
--    those BatchNorms and ReLUs, and max poolings, run as one oneDNN chain whose activations
--    stay in oneDNN's layout (chain.lua): in evaluation, and in training forward and
--    backward; the modules inside such a run keep stale outputs (only the run's last
--    module's output is set);
--  * when need_input_grad is false, backward stops at the first module with parameters:
--    the gradient of the input itself is never computed.
local Module = require 'dclab.nn.Module'
local chain = require 'dclab.nn.chain'

local Sequential, parent = Module:extend('Sequential')

function Sequential:__init(modules)
  parent.__init(self)
  self.modules = {}
  if modules ~= nil then
    if type(modules) ~= 'table' or Module.is_module(modules) then
      error('Sequential: expected a list of modules, got ' .. (Module.is_module(modules) and
        'a module (wrap it in {})' or type(modules)), 2)
    end
    for i, m in ipairs(modules) do self:insert(m, i) end
  end
end

local function check_module(m, where)
  if not Module.is_module(m) then
    error(string.format('Sequential:%s: expected a module, got %s', where, type(m)), 3)
  end
end

local function check_pos(self, pos, where, extra)
  if math.type(pos) ~= 'integer' or pos < 1 or pos > #self.modules + extra then
    error(string.format('Sequential:%s: position %s out of range 1..%d', where, tostring(pos),
      #self.modules + extra), 3)
  end
end

-- Marks BatchNorm + in-place ReLU pairs for fusion; called after every structural change
-- (which also drops the inference chains' output buffers: a run may now end elsewhere).
function Sequential:refresh_fusion()
  self.chain_bufs = nil
  for _, m in ipairs(self.modules) do
    m.fused_relu, m.fused, m.fused_bn, m.fused_conv = nil, nil, nil, nil
  end
  for i = 1, #self.modules - 1 do
    local m, r = self.modules[i], self.modules[i + 1]
    if m.can_fuse_relu and r.is_rectifier and r.inplace then
      m.fused_relu, r.fused = true, true
    end
    if m.can_fold_bn and r.folds_into_conv then
      m.fused_bn, r.fused_conv = r, true
    end
  end
end

-- Appends m; returns self (chainable).
function Sequential:add(m)
  return self:insert(m, #self.modules + 1)
end

-- Inserts m at pos (default: the end); returns self.
function Sequential:insert(m, pos)
  check_module(m, 'insert')
  pos = pos or #self.modules + 1
  check_pos(self, pos, 'insert', 1)
  m:training(self.is_training)
  table.insert(self.modules, pos, m)
  self:refresh_fusion()
  return self
end

-- Removes and returns the module at pos (default: the last).
function Sequential:remove(pos)
  pos = pos or #self.modules
  check_pos(self, pos, 'remove', 0)
  local m = table.remove(self.modules, pos)
  m.fused_relu, m.fused, m.fused_bn, m.fused_conv = nil, nil, nil, nil
  self:refresh_fusion()
  return m
end

-- Puts m at pos in place of the module there, which is returned.
function Sequential:replace(pos, m)
  check_pos(self, pos, 'replace', 0)
  check_module(m, 'replace')
  local old = self.modules[pos]
  old.fused_relu, old.fused, old.fused_bn, old.fused_conv = nil, nil, nil, nil
  m:training(self.is_training)
  self.modules[pos] = m
  self:refresh_fusion()
  return old
end

function Sequential:get(pos)
  check_pos(self, pos, 'get', 0)
  return self.modules[pos]
end

function Sequential:size()
  return #self.modules
end

-- The error of module i, with its path prepended.
local function located(i, m, err)
  err = tostring(err):gsub('^[^%s:]-%.lua:%d+: ', '', 1) -- the path says where, not the file
  if err:match('^%(%d+%)') then return '(' .. i .. ').' .. err end
  return string.format('(%d) %s: %s', i, tostring(m):match('^[^\n]*'), err)
end

function Sequential:forward(x)
  local mods, i = self.modules, 1
  self.chained, self.train_runs = false, {}
  while i <= #mods do
    local m, start = mods[i], i
    local stages, last, ok, y
    if self.is_training then stages, last = chain.train_at(mods, i)
    else stages, last = chain.at(mods, i) end
    if stages then
      self.chain_bufs = self.chain_bufs or {}
      self.chain_bufs[i] = self.chain_bufs[i] or {}
      local buf = self.chain_bufs[i]
      if self.is_training then
        ok, y = pcall(chain.train_forward, stages, x, buf)
        self.train_runs[last] = {start = start, stages = stages, buf = buf}
      else
        ok, y = pcall(chain.forward, stages, x, buf)
        self.chained = true
      end
      if ok then mods[last].output = y end
      i = last + 1
    else
      ok, y = pcall(m.forward, m, x)
      i = i + 1
    end
    if not ok then error(located(start, m, y), 0) end
    x = y
  end
  self.output = x
  return x
end

-- The first module whose input gradient is needed: the first with parameters, unless this
-- container's own input gradient is wanted.
local function first_needed(self)
  if self.need_input_grad then return 1 end
  for i, m in ipairs(self.modules) do
    if #(m:parameters()) > 0 then return i end
  end
  return #self.modules + 1
end

function Sequential:backward(x, dy)
  if self.chained then
    error('Sequential: no backward after an evaluation forward that ran layers as one chain ' ..
      '(their outputs were not kept); call :training() first', 2)
  end
  local first, runs = first_needed(self), self.train_runs or {}
  local i = #self.modules
  while i >= first do
    local m, run = self.modules[i], runs[i]
    local start = run and run.start or i
    local need = start > first or self.need_input_grad
    local input = start > 1 and self.modules[start - 1].output or x
    local ok, dx
    if run then
      ok, dx = pcall(chain.train_backward, run.stages, input, dy, run.buf, need)
      self.modules[start].grad_input = dx
    else
      m.need_input_grad = need
      ok, dx = pcall(m.backward, m, input, dy)
    end
    if not ok then error(located(start, self.modules[start], dx), 0) end
    dy, i = dx, start - 1
  end
  self.grad_input = self.need_input_grad and dy or nil
  return self.grad_input
end

function Sequential:parameters()
  local params, grads = {}, {}
  for _, m in ipairs(self.modules) do
    local p, g = m:parameters()
    table.move(p, 1, #p, #params + 1, params)
    table.move(g, 1, #g, #grads + 1, grads)
  end
  return params, grads
end

function Sequential:training(on)
  self.is_training = on ~= false
  for _, m in ipairs(self.modules) do m:training(on) end
  return self
end

-- {'<i>.<name>' = tensor}, i the module's position ('3.weight', '2.1.running_mean').
function Sequential:state()
  local s = {}
  for i, m in ipairs(self.modules) do
    for name, t in pairs(m:state()) do s[i .. '.' .. name] = t end
  end
  return s
end

function Sequential:check_state(state, strict)
  local parts = {}
  for key, t in pairs(state) do
    local i, rest = tostring(key):match('^(%d+)%.(.+)$')
    i = tonumber(i)
    if not i or not self.modules[i] then
      if strict then error("Sequential: load_state: unknown entry '" .. tostring(key) .. "'", 2) end
    else
      parts[i] = parts[i] or {}
      parts[i][rest] = t
    end
  end
  for i, m in ipairs(self.modules) do
    local ok, err = pcall(m.check_state, m, parts[i] or {}, strict)
    if not ok then error(located(i, m, err), 2) end
  end
end

function Sequential:describe()
  local lines = {'Sequential {'}
  for i, m in ipairs(self.modules) do
    local text = tostring(m):gsub('\n', '\n  ')
    lines[#lines + 1] = string.format('  (%d): %s', i, text)
  end
  lines[#lines + 1] = '}'
  return table.concat(lines, '\n')
end

return Sequential
