-- Ablation (method.md §13): the augmentation: the paper's random crops and flips, or those
-- plus a small affine warp, brightness/contrast jitter, blur and erasing.
local dc = require 'dclab'
local T = dc.transforms
local ab = dc.ablation.setup('augment', arg, {
  paper = {subset = 3000, epochs = 8, probe_train = 1000, eval_test = 2000},
  description = 'DeepCluster ablation: crops + flip vs + affine, jitter, blur, erasing.'})
local strong = ab:crop(28, {0.5, 1}, {
  pixel = {T.RandomAffine(10, {translate = {0.1, 0.1}, scale = {0.9, 1.1}}),
    T.RandomApply(T.ColorJitter{brightness = 0.4, contrast = 0.4}, 0.8),
    T.RandomApply(T.GaussianBlur(3), 0.5)},
  final = {T.RandomErasing()}})
ab:run{
  {label = 'crop_flip', cfg = {}},
  {label = 'strong', cfg = {transforms = {train = strong, eval = ab.eval_tf}}},
}
