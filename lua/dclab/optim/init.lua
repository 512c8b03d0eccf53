-- dc.optim: optimizers (update loops in C) and learning-rate schedules.
local SGD = require 'dclab.optim.SGD'

return {
  SGD = SGD,
  sgd = SGD.new,
  schedule = require 'dclab.optim.schedule',
}
