-- Ablation (method.md §10): the k-way head each epoch: re-initialised (the paper), kept
-- across epochs (cluster ids are permuted between epochs), or DeepCluster-v2's frozen
-- classifier of normalised k-means centroids.
local dc = require 'dclab'
local ab = dc.ablation.setup('head', arg)
ab:run{
  {label = 'reinit', cfg = {head = 'reinit'}},
  {label = 'keep', cfg = {head = 'keep'}},
  {label = 'centroids', cfg = {head = 'centroids'}},
}
