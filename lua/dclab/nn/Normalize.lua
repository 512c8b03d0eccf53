-- Normalize(): each row of [N, D] divided by its L2 norm (clamped at 1e-12, as PyTorch's
-- F.normalize), the output of DeepCluster-v2's and SwAV's projection head. No parameters.
local Module = require 'dclab.nn.Module'

local Normalize, parent = Module:extend('Normalize')

local EPS = 1e-12

function Normalize:__init()
  parent.__init(self)
end

function Normalize:forward(x)
  if x:dim() ~= 2 or x:dtype() ~= 'float32' then
    error(string.format('Normalize: expected input float32 [N, D], got %s [%s]', x:dtype(),
      table.concat(x:shape(), ', ')), 2)
  end
  self.norm = x:norm(2, 2, true):clamp(EPS)
  self.output = x / self.norm
  return self.output
end

-- y = x / |x|:  dx = (dy - y <dy, y>) / |x|
function Normalize:backward(_, dy)
  if not self.need_input_grad then return nil end
  local y = self.output
  self.grad_input = (dy - y * (dy * y):sum(2, true)) / self.norm
  return self.grad_input
end

return Normalize
