-- BatchNorm1d(features [, {eps = 1e-5, momentum = 0.1}]) over [N, C] (see BatchNorm).
local BatchNorm = require 'dclab.nn.BatchNorm'

local BatchNorm1d = BatchNorm:extend('BatchNorm1d')
BatchNorm1d.ndim, BatchNorm1d.layout = 2, '[N, C]'

return BatchNorm1d
