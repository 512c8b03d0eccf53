-- Ablation (method.md §10, §12): the clustering of DeepCluster's successors: k-means (the paper),
-- spherical k-means (DeepCluster-v2: cosine assignment, unit centroids) and SeLa's
-- Sinkhorn-Knopp equipartition of the kept head's scores.
local dc = require 'dclab'
local ab = dc.ablation.setup('clustering_v2', arg, {
  paper = {subset = 2000, epochs = 8, probe_train = 1000, eval_test = 2000},
  description = 'DeepCluster ablation: k-means vs spherical k-means vs Sinkhorn (SeLa).'})
ab:run{
  {label = 'kmeans', cfg = {clustering = 'kmeans'}},
  {label = 'spherical', cfg = {clustering = 'kmeans', spherical = true}},
  -- the labels come from the head's own scores, so the head is kept across epochs
  {label = 'sinkhorn', cfg = {clustering = 'sinkhorn', head = 'keep'}},
}
