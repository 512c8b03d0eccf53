-- ConcatTable{m1, m2, ...}: every member applied to the same input (Torch's ConcatTable);
-- forward returns the list {m1(x), m2(x), ...}, backward takes the list of their output
-- gradients and returns the sum of the input gradients. The runner's several heads
-- (deepcluster heads = {...}) sit on one network this way. Parameters, state and modes are
-- the members', in order, as in a Sequential.
local Sequential = require 'dclab.nn.Sequential'

local ConcatTable = Sequential:extend('ConcatTable')

function ConcatTable:forward(x)
  local out = {}
  for i, m in ipairs(self.modules) do
    local ok, y = pcall(m.forward, m, x)
    if not ok then error(string.format('ConcatTable: member %d: %s', i, tostring(y)), 2) end
    out[i] = y
  end
  self.output = out
  return out
end

function ConcatTable:backward(x, dys)
  if type(dys) ~= 'table' or #dys ~= #self.modules then
    error(string.format('ConcatTable: backward expects a list of %d output gradients, got %s',
      #self.modules, type(dys) == 'table' and #dys .. ' of them' or type(dys)), 2)
  end
  local sum
  for i, m in ipairs(self.modules) do
    m.need_input_grad = self.need_input_grad
    local dx = m:backward(x, dys[i])
    if dx then sum = sum and sum:add_(dx) or dx:clone() end
  end
  self.grad_input = self.need_input_grad and sum or nil
  return self.grad_input
end

function ConcatTable:describe()
  return (Sequential.describe(self):gsub('^Sequential', 'ConcatTable'))
end

return ConcatTable
