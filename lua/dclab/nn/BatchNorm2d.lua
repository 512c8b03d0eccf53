-- BatchNorm2d(channels [, {eps = 1e-5, momentum = 0.1}]) over [N, C, H, W] (see BatchNorm).
local BatchNorm = require 'dclab.nn.BatchNorm'

local BatchNorm2d = BatchNorm:extend('BatchNorm2d')
BatchNorm2d.ndim, BatchNorm2d.layout = 4, '[N, C, H, W]'

return BatchNorm2d
