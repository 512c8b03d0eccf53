-- CentroidHead(centroids [, {temperature = 0.1}]): DeepCluster-v2's classifier (SwAV's
-- main_deepclusterv2.py, method.md §10): logits = normalize(x) . normalize(c)^T / t,
-- with the k-means centroids c [k, D] frozen (no parameters, no weight decay). The
-- gradient flows into x through the row normalisation (nn.Normalize).
local core = require 'dclab.core'
local Module = require 'dclab.nn.Module'
local Normalize = require 'dclab.nn.Normalize'
local options = require 'dclab.options'

local CentroidHead, parent = Module:extend('CentroidHead')

function CentroidHead:__init(centroids, opt)
  parent.__init(self)
  if not core.is_tensor(centroids) or centroids:dim() ~= 2 then
    error('CentroidHead: centroids must be a float32 tensor [k, D], got ' ..
      (core.is_tensor(centroids) and centroids:dtype() .. ' [' .. table.concat(centroids:shape(), ', ') .. ']'
        or type(centroids)), 3)
  end
  opt = options.check('CentroidHead', opt,
    {temperature = {type = 'number', above = 0, default = 0.1}}, 3)
  self.temperature = opt.temperature
  self.normalize = Normalize()
  self.centroids = Normalize():forward(centroids:float()):clone()
  self.out_features = centroids:size(1)
end

function CentroidHead:forward(x)
  if x:dim() ~= 2 or x:size(2) ~= self.centroids:size(2) then
    error(string.format('CentroidHead: expected input [N, %d], got %s [%s]', self.centroids:size(2),
      x:dtype(), table.concat(x:shape(), ', ')), 2)
  end
  self.z = self.normalize:forward(x)
  self.output = self.z:mm(self.centroids:t()):div_(self.temperature)
  return self.output
end

-- dz = dy C / t, then through the normalisation
function CentroidHead:backward(x, dy)
  if not self.need_input_grad then return nil end
  self.grad_input = self.normalize:backward(x, dy:mm(self.centroids):div_(self.temperature))
  return self.grad_input
end

function CentroidHead:describe()
  return string.format('CentroidHead(%d -> %d, frozen, temperature %g)', self.centroids:size(2),
    self.out_features, self.temperature)
end

return CentroidHead
