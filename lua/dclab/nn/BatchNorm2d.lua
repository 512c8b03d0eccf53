-- BatchNorm2d(channels [, {eps = 1e-5, momentum = 0.1}]) over [N, C, H, W] (see BatchNorm).
local BatchNorm = require 'dclab.nn.BatchNorm'

local BatchNorm2d = BatchNorm:extend('BatchNorm2d')

-- In evaluation, a Sequential folds it into the Conv2d before it (Conv2d.can_fold_bn).
BatchNorm2d.folds_into_conv = true
BatchNorm2d.ndim, BatchNorm2d.layout = 4, '[N, C, H, W]'

return BatchNorm2d
