-- Ablation (paper §6.7): Sobel front end vs raw pixels as the network's input.
local dc = require 'dclab'
local ab = dc.ablation.setup('sobel', arg, {description = 'DeepCluster ablation: Sobel front end vs raw pixels (paper section 6.7).'})
ab:run{
  {label = 'sobel', sobel = true},
  {label = 'raw', sobel = false},
}
