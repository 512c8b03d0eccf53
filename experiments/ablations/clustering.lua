-- Ablation (paper v2, Table 1): the clustering algorithm, k-means vs power iteration
-- clustering (PIC, whose number of clusters is data-driven).
local dc = require 'dclab'
local ab = dc.ablation.setup('clustering', arg, {
  paper = {subset = 4000, epochs = 8, probe_train = 1000, eval_test = 2000},
  k_note = 'k-means only: PIC finds its own number',
  description = 'DeepCluster ablation: k-means vs PIC (paper v2 Table 1).'})
ab:run{
  {label = 'kmeans', cfg = {clustering = 'kmeans'}},
  {label = 'pic', cfg = {clustering = 'pic'}},
}
