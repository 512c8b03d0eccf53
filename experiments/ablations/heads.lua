-- Ablation (method.md §10): one k-way head vs three (SeLa, DeepCluster-v2: each head its own
-- clustering of the same features, the loss averaged over heads).
local dc = require 'dclab'
local ab = dc.ablation.setup('heads', arg, {
  paper = {subset = 3000, epochs = 8, probe_train = 1000, eval_test = 2000},
  k_note = 'of every head',
  description = 'DeepCluster ablation: one head vs three heads, each its own clustering.'})
local function heads(n)
  local list = {}
  for i = 1, n do list[i] = {k = ab.args.k} end
  return list
end
ab:run{
  {label = 'one', cfg = {heads = heads(1)}},
  {label = 'three', cfg = {heads = heads(3)}},
}
