-- Ablation (method.md §10): what is clustered each epoch: a separate evaluation pass over the
-- images (the paper) or DeepCluster-v2's memory bank of the previous epoch's training-pass
-- embeddings. Both shuffle (the bank needs every image once per epoch).
local dc = require 'dclab'
local ab = dc.ablation.setup('features', arg, {
  paper = {subset = 3000, epochs = 8, probe_train = 1000, eval_test = 2000},
  description = 'DeepCluster ablation: features from an evaluation pass vs a memory bank.'})
ab:run{
  {label = 'pass', cfg = {features = 'pass', sampler = 'shuffle'}},
  {label = 'memory_bank', cfg = {features = 'memory_bank', sampler = 'shuffle'}},
}
