-- Ablation (method.md §10, §13): multi-crop: two 28-pixel crops of each image vs those plus
-- four 16-pixel crops (DeepCluster-v2's 2 x 224 + 6 x 96 scaled to 28x28), every view trained
-- on its image's pseudo-label.
local dc = require 'dclab'
local ab = dc.ablation.setup('multicrop', arg, {
  paper = {subset = 1500, epochs = 8, probe_train = 1000, eval_test = 2000},
  description = 'DeepCluster ablation: 2 x 28 crops vs 2 x 28 + 4 x 16 crops.'})
-- 16-pixel crops leave a 2x2 map where the fc layers expect 3x3; both variants pool to 3x3
-- (a no-op on 28-pixel crops) so that they train the same network
local function pool(m) m.features:add(dc.nn.AdaptiveAvgPool2d(3)) end
local large, small = ab:crop(28, {0.3, 1}), ab:crop(16, {0.1, 0.3})
ab:run{
  {label = '2x28', model = pool, cfg = {views = {large, large}}},
  {label = '2x28+4x16', model = pool, cfg = {views = {large, large, small, small, small, small}}},
}
