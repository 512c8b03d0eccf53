-- Ablation (paper §6.7): Sobel front end vs raw pixels as the network's input.
local dc = require 'dclab'
local ab = dc.ablation.setup('sobel', arg, {
  paper = {subset = 4000, epochs = 8, probe_train = 1000, eval_test = 2000},
  description = 'DeepCluster ablation: Sobel front end vs raw pixels.'})
ab:run{
  {label = 'sobel', sobel = true},
  {label = 'raw', sobel = false},
}
