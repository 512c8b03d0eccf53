-- SwAV (Caron et al. 2020) with its preset, dc.recipes.swav, on Fashion-MNIST: projection
-- head, prototype sets of k/10, k/2 and k (10, 50, 100 by default) re-normalised every step
-- and frozen for the first epoch, Sinkhorn codes of the 2 large crops predicted from the
-- other views (2 x 28 + 4 x 16 px), a queue from the second epoch, cosine learning rate.
--   ./dclab experiments/swav.lua --train 2000 --epochs 3 --out runs/swav
local dc = require 'dclab'
local dir = debug.getinfo(1, 'S').source:match('^@(.*/)') or './'
dofile(dir .. 'preset.lua')('swav', 'SwAV', arg, dc.swav)
