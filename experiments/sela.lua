-- SeLa (Asano et al., ICLR 2020) with its preset, dc.recipes.sela, on Fashion-MNIST:
-- pseudo-labels of every head from Sinkhorn-Knopp equipartition of the heads' scores.
--   ./dclab experiments/sela.lua --train 5000 --epochs 10 --out runs/sela
local dir = debug.getinfo(1, 'S').source:match('^@(.*/)') or './'
dofile(dir .. 'preset.lua')('sela', 'SeLa', arg)
