-- Ablation (paper §2.1, method.md §4): what k-means does with empty clusters: FAISS's
-- split of a big cluster, nothing, or the point farthest from its centroid.
local dc = require 'dclab'
local ab = dc.ablation.setup('reassign', arg, {k = 300})
ab:run{
  {label = 'faiss_split', cfg = {reassign = 'faiss_split'}},
  {label = 'none', cfg = {reassign = 'none'}},
  {label = 'farthest_point', cfg = {reassign = 'farthest_point'}},
}
