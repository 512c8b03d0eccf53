-- The search's small check of a contrastive configuration: train on the first N train images
-- (dc.contrastive.train, options as a Lua table), score the trunk, hidden and projection
-- features and the pixels with L2 rows and k-means (seeds 1, 2) on the first M test images
-- (pipeline.lua's protocol). Prints one line per feature set; writes nothing.
--   ./dclab experiments/search/probe_simclr.lua N EPOCHS '{batch = 128, lr = 0.1}' M
local dc = require 'dclab'
local here = debug.getinfo(1, 'S').source:match('^@(.*/)') or './'
package.path = here .. '?.lua;' .. package.path
local pipeline = require 'pipeline'

local n, epochs = tonumber(arg[1]) or 2000, tonumber(arg[2]) or 2
local opt = arg[3] and assert(load('return ' .. arg[3]))() or {}
local train = dc.data.fashion_mnist{split = 'train'}:subset(n)
local test = dc.data.fashion_mnist{split = 'test'}:subset(tonumber(arg[4]) or 2000)
opt.epochs = epochs
opt.log = function(e, loss, ips, secs)
  print(string.format('epoch %d loss %.4f %.0f img/s %.1f s', e, loss, ips, secs))
end
local model = dc.contrastive.train(train, opt)
local ftr, fte = dc.contrastive.features(model, train), dc.contrastive.features(model, test)
ftr.pixels, fte.pixels = pipeline.features('pixels', train), pipeline.features('pixels', test)
for _, name in ipairs{'pixels', 'trunk', 'hidden', 'z'} do
  local rtr, rte = pipeline.represent({{'l2'}}, ftr[name], fte[name], 1)
  local sc = pipeline.score(rtr, train.labels, rte, test.labels, {'kmeans'}, {1, 2})
  print(string.format('%-7s NMI %.4f ACC %.4f ARI %.4f kNN %.4f (cosine %.4f)', name,
    sc.nmi.mean, sc.acc.mean, sc.ari.mean, sc.knn, sc.knn_cosine))
end
