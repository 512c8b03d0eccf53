-- Ablation (paper Fig. 2c): the number of clusters k, on a log scale. The paper finds
-- k = 10,000 best on ImageNet's 1,000 classes: some over-segmentation helps. Here the
-- baseline is k = 100 (ten times Fashion-MNIST's 10 classes) when it is among --k.
local dc = require 'dclab'
local ab = dc.ablation.setup('k', arg, {
  paper = {subset = 2000, epochs = 7, probe_train = 1000, eval_test = 2000},
  k_values = {10, 30, 100, 300, 1000},
  description = 'DeepCluster ablation: the number of clusters k (paper Fig. 2c).'})
local variants = {}
for _, k in ipairs(ab.args.k) do variants[#variants + 1] = {label = 'k=' .. k, x = k, cfg = {k = k}} end
ab:run(variants, {baseline = 'k=100'})
