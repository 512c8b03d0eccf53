-- DeepCluster-v2 (Caron et al. 2020) with its preset, dc.recipes.deepcluster_v2, on
-- Fashion-MNIST: projection head, 3 spherical k-means heads, frozen centroid heads at
-- temperature 0.1, memory bank, multi-crop, cosine learning rate.
--   ./dclab experiments/deepcluster_v2.lua --train 5000 --epochs 10 --out runs/deepcluster_v2
local dir = debug.getinfo(1, 'S').source:match('^@(.*/)') or './'
dofile(dir .. 'preset.lua')('deepcluster_v2', 'DeepCluster-v2', arg)
