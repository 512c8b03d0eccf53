-- dc.optim: optimizers (update loops in C) and learning-rate schedules.
local SGD = require 'dclab.optim.SGD'
local Adam = require 'dclab.optim.Adam'

return {
  SGD = SGD,
  sgd = SGD.new,
  Adam = Adam,
  adam = Adam.new,
  schedule = require 'dclab.optim.schedule',
}
