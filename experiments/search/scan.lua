-- SCAN on the search's contrastive network (dc.scan: neighbours mined in the network's
-- features, cluster heads trained so that neighbours agree, the head of lowest loss kept;
-- optional fine-tuning of the trunk and self-labelling). The search's points use it as a
-- trained feature set (pipeline.trained_features: 'scan'): the representation is the kept
-- head's probabilities [N, K], clustered by their argmax.
-- Options: dc.scan's (help(dc.scan.fit)) and the search's own: simclr (the contrastive
-- network's training options, contrastive.RECIPE by default; the network comes from the
-- cache of contrastive.lua), layer (of its features: 'trunk', 'hidden' or 'z') and
-- pixels_weight (0: neighbours mined in the features; w > 0: in the L2 features beside w
-- times the L2 pixels, so that neighbours must look alike too).
local dc = require 'dclab'
local options = require 'dclab.options'
local contrastive = require 'contrastive'

local M = {}

local SEARCH = {simclr = {type = 'table', default = contrastive.RECIPE},
  layer = {type = 'string', default = 'trunk'},
  pixels_weight = {type = 'number', min = 0, default = 0}}

-- The features for the search (pipeline.trained_features 'scan'): the kept head's
-- probabilities of the train and test images, and the run's record {neighbor_acc, head,
-- losses, seconds, history, finetune_history, selflabel_history}.
function M.features(opt, train, test, seed, cache)
  local so, o = {}, {}
  for k, v in pairs(opt or {}) do
    if SEARCH[k] then so[k] = v else o[k] = v end
  end
  so = options.check('scan', so, SEARCH)
  o = dc.scan.options(o)
  if o.finetune > 0 and so.layer ~= 'trunk' then
    error("scan: finetune trains the trunk under the heads: layer must be 'trunk', got '" ..
      so.layer .. "'", 2)
  end
  local t0 = dc.now()
  local ftr, fte = contrastive.cached_features(so.simclr, so.layer, train, test, seed, cache)
  o.seed = seed
  if so.pixels_weight > 0 then
    local l2 = dc.eval.l2_rows
    o.mine_in = dc.cat({l2(ftr), l2(dc.eval.features(nil, train, {layer = 'pixels'})) *
      so.pixels_weight}, 2)
  end
  if o.finetune > 0 then
    -- the fine-tuned trunk is the cached network's own (trained in place)
    o.model = contrastive.load_model(so.simclr, seed, train, test, cache)
    o.data, o.augment = train, so.simclr
    o.log = function(stage, epoch, r)
      if stage ~= 'finetune' then return end
      io.write(string.format('  scan finetune seed %d epoch %d: head losses %s, %.0f s\n', seed,
        epoch, table.concat(r.losses, ' '), r.seconds))
      io.flush()
    end
  end
  local heads = dc.scan.fit(ftr, o)
  if o.finetune > 0 then fte = dc.contrastive.features(o.model, test).trunk end
  local pte = heads:predict(fte)
  local info = {neighbor_acc = dc.scan.neighbor_accuracy(heads.neighbors, train.labels),
    history = heads.history, finetune_history = heads.finetune_history, losses = heads.losses,
    head = heads.head, selflabel_history = heads.selflabel_history, seconds = dc.now() - t0}
  return heads.probs, pte, info
end

return M
