-- Dropout(p [, {generator = g}]): in training, zeroes each element with probability p and
-- scales the others by 1 / (1 - p); the identity in evaluation. The mask is drawn from
-- generator g (default: dclab's default generator), so a seeded run drops the same units.
local core = require 'dclab.core'
local Module = require 'dclab.nn.Module'
local options = require 'dclab.options'

local Dropout, parent = Module:extend('Dropout')

function Dropout:__init(p, opt)
  parent.__init(self)
  if p == nil then p = 0.5 end
  if type(p) ~= 'number' then error('Dropout: p must be a number, got ' .. type(p), 3) end
  opt = options.check('Dropout', opt, {generator = {type = 'generator'}}, 3)
  self.p = core.dropout_check(p, 'Dropout') -- its range is the kernel's rule
  self.generator = opt.generator
end

-- The generator the masks are drawn from (the DeepCluster runner gives each epoch its own).
function Dropout:set_generator(gen)
  self.generator = gen
  return self
end

local function active(self)
  return self.is_training and self.p > 0
end

-- The kernel writes into own buffers (dropped, dgrad): output and grad_input are the
-- input itself when inactive, and must never be mistaken for a buffer to write into.
function Dropout:forward(x)
  if not active(self) then
    self.output = x
    return x
  end
  self:fit_buffers(x, 'mask', 'dropped', 'dgrad')
  self.generator = self.generator or require('dclab').default_generator()
  self.dropped, self.mask = core.dropout_forward(self.p, x, self.generator, self.mask, self.dropped)
  self.output = self.dropped
  return self.output
end

function Dropout:backward(_, dy)
  if not active(self) then
    self.grad_input = dy
  else
    self.dgrad = core.dropout_backward(self.p, dy, self.mask, self.dgrad)
    self.grad_input = self.dgrad
  end
  return self.grad_input
end

function Dropout:describe()
  return string.format('Dropout(%g)', self.p)
end

return Dropout
