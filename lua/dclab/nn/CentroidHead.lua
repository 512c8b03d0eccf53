-- CentroidHead(centroids [, {temperature = 0.1}]): DeepCluster-v2's classifier (SwAV's
-- main_deepclusterv2.py, method.md §10): logits = normalize(x) . normalize(c)^T / t,
-- with the k-means centroids c [k, D] frozen (no parameters, no weight decay). The
-- gradient flows into x through the row normalisation.
local core = require 'dclab.core'
local Module = require 'dclab.nn.Module'

local CentroidHead, parent = Module:extend('CentroidHead')

function CentroidHead:__init(centroids, opt)
  parent.__init(self)
  if not core.is_tensor(centroids) or centroids:dim() ~= 2 then
    error('CentroidHead: centroids must be a float32 tensor [k, D], got ' ..
      (core.is_tensor(centroids) and centroids:dtype() .. ' [' .. table.concat(centroids:shape(), ', ') .. ']'
        or type(centroids)), 3)
  end
  for k in pairs(opt or {}) do
    if k ~= 'temperature' then
      error("CentroidHead: unknown option '" .. tostring(k) .. "' (valid: temperature)", 3)
    end
  end
  self.temperature = opt and opt.temperature or 0.1
  if type(self.temperature) ~= 'number' or self.temperature <= 0 then
    error('CentroidHead: temperature must be a positive number', 3)
  end
  local c = centroids:float()
  self.centroids = c / c:norm(2, 2, true):clamp(1e-12)
  self.out_features = c:size(1)
end

function CentroidHead:forward(x)
  if x:dim() ~= 2 or x:size(2) ~= self.centroids:size(2) then
    error(string.format('CentroidHead: expected input [N, %d], got %s [%s]', self.centroids:size(2),
      x:dtype(), table.concat(x:shape(), ', ')), 2)
  end
  self.norm = x:norm(2, 2, true):clamp(1e-12)
  self.z = x / self.norm
  self.output = self.z:mm(self.centroids:t()):div_(self.temperature)
  return self.output
end

-- dz = dy C / t;  dx = (dz - z <dz, z>) / |x|
function CentroidHead:backward(_, dy)
  if not self.need_input_grad then return nil end
  local dz = dy:mm(self.centroids):div_(self.temperature)
  local dot = (dz * self.z):sum(2, true)
  self.grad_input = (dz - self.z * dot) / self.norm
  return self.grad_input
end

function CentroidHead:describe()
  return string.format('CentroidHead(%d -> %d, frozen, temperature %g)', self.centroids:size(2),
    self.out_features, self.temperature)
end

return CentroidHead
