-- Prototypes(dim, k [, {generator = g}]) or Prototypes(dim, {k1, k2, ...}): SwAV's learnable
-- prototypes (Caron et al. 2020, method.md §14), one bias-free linear layer per set: the
-- scores of set s are x W_s^T, W_s float32 [k_s, dim]. With unit-norm rows of W_s and of x
-- they are cosine similarities. The rows start at random directions of unit norm;
-- p:normalize() puts them back on the unit sphere (SwAV: before every training step), and
-- the runner decides when they are trained (dc.swav freezes them for freeze_prototypes
-- iterations). Several sets of different sizes give several clusterings of one embedding.
--   local scores = p:forward(x)          -- {z1, ..., zS}, z_s float32 [N, k_s]
--   local dx = p:backward(x, {dz1, ...})  -- sum over the sets of dz_s W_s
-- State names: 'weight1', 'weight2', ... (one per set).
local core = require 'dclab.core'
local Module = require 'dclab.nn.Module'
local options = require 'dclab.options'

local Prototypes, parent = Module:extend('Prototypes')

local function bad(fmt, ...) error('Prototypes: ' .. string.format(fmt, ...), 4) end

function Prototypes:__init(dim, ks, opt)
  parent.__init(self)
  if math.type(dim) ~= 'integer' or dim < 1 then
    bad('dim must be a positive integer, got %s', tostring(dim))
  end
  if math.type(ks) == 'integer' then ks = {ks} end
  if type(ks) ~= 'table' or #ks == 0 then
    bad('k must be a positive integer or a list of them, got %s', tostring(ks))
  end
  opt = options.check('Prototypes', opt, {generator = {type = 'generator'}}, 3)
  self.in_features, self.sizes = dim, {}
  for s, k in ipairs(ks) do
    if math.type(k) ~= 'integer' or k < 1 then
      bad('set %d: the number of prototypes must be a positive integer, got %s', s, tostring(k))
    end
    self.sizes[s] = k
    self:param('weight' .. s, {k, dim})
  end
  self:reset(opt.generator)
end

-- The weight of set s (float32 [k_s, dim]).
function Prototypes:weight(s) return self['weight' .. s] end

-- Random directions: standard normal rows, normalised.
function Prototypes:reset(gen)
  for s = 1, #self.sizes do self:weight(s):normal_(0, 1, gen) end
  return self:normalize()
end

-- Rescales every prototype to unit norm (in place).
function Prototypes:normalize()
  for s = 1, #self.sizes do
    local w = self:weight(s)
    w:div_(w:norm(2, 2, true):clamp(1e-12))
  end
  return self
end

function Prototypes:forward(x)
  if x:dim() ~= 2 or x:size(2) ~= self.in_features then
    error(string.format('Prototypes: expected input [N, %d], got %s [%s]', self.in_features,
      x:dtype(), table.concat(x:shape(), ', ')), 2)
  end
  self:fit_buffers(x)
  local out = self.output or {}
  for s = 1, #self.sizes do out[s] = core.linear_forward(x, self:weight(s), nil, out[s]) end
  self.output = out
  return out
end

function Prototypes:backward(x, dys)
  if type(dys) ~= 'table' or #dys ~= #self.sizes then
    error(string.format('Prototypes: backward expects a list of %d score gradients, got %s',
      #self.sizes, type(dys) == 'table' and #dys .. ' of them' or type(dys)), 2)
  end
  -- dx: the first set's gradient written into the kept buffer, the others' added to it
  local dx, part = false, nil
  for s = 1, #self.sizes do
    local into = false
    if self.need_input_grad then into = s == 1 and self.grad_input or part end
    local d = core.linear_backward(x, self:weight(s), dys[s], into, self['grad_weight' .. s])
    if s == 1 then dx = d elseif d then dx:add_(d); part = d end
  end
  self.grad_input = dx or nil
  return self.grad_input
end

function Prototypes:describe()
  local k = {}
  for s, n in ipairs(self.sizes) do k[s] = tostring(n) end
  return string.format('Prototypes(%d -> %s, unit norm, no bias)', self.in_features,
    table.concat(k, ' + '))
end

return Prototypes
