-- Ablation (method.md §5): how the training epoch samples images: the paper's uniform
-- quota per cluster, the released code's index mismatch, natural frequencies, and natural
-- frequencies with loss weights 1/|cluster|.
local dc = require 'dclab'
local ab = dc.ablation.setup('sampler', arg)
ab:run{
  {label = 'uniform_per_cluster', cfg = {sampler = 'uniform_per_cluster'}},
  {label = 'shuffle', cfg = {sampler = 'shuffle'}},
  {label = 'loss_weights', cfg = {sampler = 'loss_weights'}},
  {label = 'reference_bug_compatible', cfg = {sampler = 'reference_bug_compatible'}},
}
