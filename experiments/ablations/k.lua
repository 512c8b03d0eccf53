-- Ablation (paper Fig. 2c): the number of clusters k, on a log scale.
local dc = require 'dclab'
local ab = dc.ablation.setup('k', arg, {subset = 2000})
local variants = {}
for _, k in ipairs{10, 30, 100, 300, 1000} do
  if k <= #ab.data then variants[#variants + 1] = {label = 'k=' .. k, cfg = {k = k}} end
end
ab:run(variants)
