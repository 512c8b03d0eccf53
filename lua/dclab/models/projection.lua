-- projection{input = D_in, hidden = H, dim = D [, generator = g]}: DeepCluster-v2's and
-- SwAV's projection head (main_deepclusterv2.py: Linear(2048, 2048)-BN1d-ReLU-
-- Linear(2048, 128), then L2-normalised), as a Sequential
--   Linear(D_in, H), BatchNorm1d(H), ReLU, Linear(H, D), Normalize
-- Its output rows have unit norm: clustering and a centroid head then compare cosines.
-- The Linear weights are drawn N(0, 0.01^2) from generator (the default stream without one).
local nn = require 'dclab.nn'
local options = require 'dclab.options'

return function(opt)
  local o = options.check('models.projection', opt, {
    input = {type = 'integer', min = 1, required = true},
    hidden = {type = 'integer', min = 1, required = true},
    dim = {type = 'integer', min = 1, required = true},
    generator = {type = 'generator'},
  }, 2)
  local first, last = nn.Linear(o.input, o.hidden), nn.Linear(o.hidden, o.dim)
  if o.generator then
    first:reset(o.generator)
    last:reset(o.generator)
  end
  return nn.Sequential{first, nn.BatchNorm1d(o.hidden), nn.ReLU(), last, nn.Normalize()}
end
