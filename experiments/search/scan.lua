-- SCAN's clustering stage (Van Gansbeke et al., ECCV 2020, "SCAN: Learning to Classify Images
-- without Labels") on the search's contrastive network (contrastive.lua): the k nearest
-- neighbours of every train image are mined once in the network's L2-normalised features
-- (dc.cluster.knn), then cluster heads (softmax over K) are trained so that each image and a
-- random one of its neighbours agree (dc.nn.SCANLoss: consistency minus entropy_weight times
-- the entropy of the batch's mean prediction); of the several heads trained side by side the
-- one of lowest loss on the whole train set is kept, and its argmax is the clustering.
--   epochs = E:       the heads are trained on the frozen features of the cached network
--                     (no augmentation; seconds);
--   finetune = E:     then the network's trunk and the heads are trained together on
--                     augmented views (contrastive.lua's crop, flip and intensity jitter),
--                     anchors and neighbours each their own view, neighbours mined once.
--   selflabel = E:    then E epochs of SCAN's self-labelling of the kept head on the (frozen
--                     or fine-tuned) trunk features, unaugmented: cross-entropy on the argmax of its confident predictions
--                     (max probability > threshold), classes weighted by their inverse
--                     frequency among the confident rows of the batch (SCAN's balancing).
-- The search's points use it as a trained feature set (pipeline.trained_features: 'scan'):
-- the representation is the kept head's probabilities [N, K], clustered by their argmax.
local dc = require 'dclab'
local options = require 'dclab.options'
local contrastive = require 'contrastive'
local l2_rows = require('pipeline').l2_rows
local nn = dc.nn

local M = {}

M.OPTIONS = {
  simclr = {type = 'table', default = contrastive.RECIPE}, -- the pretext network's training
  layer = {type = 'string', default = 'trunk'},           -- frozen: the features' layer
  neighbors = {type = 'integer', min = 1, default = 20},  -- SCAN's k
  k = {type = 'integer', min = 2, default = 10},          -- clusters
  heads = {type = 'integer', min = 1, default = 5},
  entropy_weight = {type = 'number', min = 0, default = 5},
  epochs = {type = 'integer', min = 1, default = 50},     -- heads on the frozen features
  batch = {type = 'integer', min = 2, default = 256},
  lr = {type = 'number', above = 0, default = 1e-2},      -- Adam, frozen stage
  weight_decay = {type = 'number', min = 0, default = 1e-4},
  finetune = {type = 'integer', min = 0, default = 0},    -- epochs of trunk + heads
  finetune_lr = {type = 'number', above = 0, default = 1e-4},
  selflabel = {type = 'integer', min = 0, default = 0},   -- epochs of self-labelling
  selflabel_lr = {type = 'number', above = 0, default = 1e-4}, -- Adam, SCAN's
  threshold = {type = 'number', above = 0, max = 1, default = 0.99},
}

-- The neighbours (int64 [N, n], 1-based) of every row of the features, by cosine similarity.
function M.mine(f, n) return (dc.cluster.knn(l2_rows(f), n)) end

-- The fraction of mined neighbours that share their image's label (labels only to score).
function M.neighbor_accuracy(nbr, labels)
  local n = nbr:size(2)
  local same = nbr:view(-1):contiguous()
  local own = labels:view(-1, 1):expand(labels:size(1), n):contiguous():view(-1)
  return (labels:index_select(1, same):eq(own)):float():mean()
end

-- Cluster logits [B, heads * K] -> SCAN loss of each head on the anchor rows 1..B against
-- the neighbour rows B+1..2B; returns the losses and the gradient of their sum.
local function heads_loss(logits, b, o, crit)
  local grad, losses = dc.zeros(2 * b, o.heads * o.k), {}
  for h = 1, o.heads do
    local cols = logits:narrow(2, (h - 1) * o.k + 1, o.k)
    local la, ln = cols:narrow(1, 1, b):contiguous(), cols:narrow(1, b + 1, b):contiguous()
    losses[h] = crit:forward(la, ln)
    local da, dn = crit:backward(la, ln)
    local g = grad:narrow(2, (h - 1) * o.k + 1, o.k)
    g:narrow(1, 1, b):copy(da)
    g:narrow(1, b + 1, b):copy(dn)
  end
  return losses, grad
end

-- Each head's SCAN loss on the whole set: every row against each of its neighbours in turn
-- (the consistency averaged over them), the entropy of the mean prediction of all rows.
-- logits [N, heads * K] of every row, in order.
local function full_losses(logits, nbr, o, crit)
  local losses = {}
  for h = 1, o.heads do
    local l = logits:narrow(2, (h - 1) * o.k + 1, o.k):contiguous()
    local cons = 0
    for j = 1, nbr:size(2) do
      local ln = l:index_select(1, nbr:select(2, j):contiguous())
      crit:forward(l, ln)
      cons = cons + crit.consistency
    end
    crit:forward(l, l)
    losses[h] = cons / nbr:size(2) - o.entropy_weight * crit.entropy
  end
  return losses
end

-- One optimiser step of module m (its output: all heads' logits) on input, b anchors then
-- their b neighbours; adds each head's loss to sums.
local function train_step(m, input, b, o, crit, optim, sums)
  local losses, grad = heads_loss(m:forward(input), b, o, crit)
  m:zero_grad()
  m:backward(input, grad)
  optim:step()
  for h, l in ipairs(losses) do sums[h] = (sums[h] or 0) + l end
end

local function argmin(xs)
  local best = 1
  for i, v in ipairs(xs) do if v < xs[best] then best = i end end
  return best
end

-- The anchors of a batch (rows of order from `from`, b of them) and one random neighbour each.
local function batch_rows(order, from, b, nbr, gen)
  local idx = order:narrow(1, from, b)
  local j = dc.randint(1, nbr:size(2), b, 1, {generator = gen})
  return idx, nbr:index_select(1, idx):gather(2, j):view(b)
end

-- (a) Heads on frozen features x [N, D] (L2-normalised): Adam on one Linear(D, heads * K)
-- (the heads are its row blocks, independent under Adam). Returns the Linear and the
-- per-epoch mean loss of each head.
function M.fit_frozen(x, nbr, o, gen)
  local n, d = x:size(1), x:size(2)
  local lin = nn.Linear(d, o.heads * o.k)
  lin:reset(gen)
  local optim = dc.optim.adam(lin, {lr = o.lr, weight_decay = o.weight_decay})
  local crit = nn.SCANLoss{entropy_weight = o.entropy_weight}
  local history = {}
  for epoch = 1, o.epochs do
    local order, sums, steps = dc.randperm(n, {generator = gen}), {}, 0
    for from = 1, n - o.batch + 1, o.batch do
      local idx, nb = batch_rows(order, from, o.batch, nbr, gen)
      train_step(lin, dc.cat{x:index_select(1, idx), x:index_select(1, nb)}, o.batch, o, crit,
        optim, sums)
      steps = steps + 1
    end
    for h = 1, o.heads do sums[h] = sums[h] / steps end
    history[epoch] = sums
  end
  return lin, history
end

-- The kept head's probabilities [N, K] from all heads' logits [N, heads * K].
local function head_probs(logits, h, k)
  return nn.Softmax():forward(logits:narrow(2, (h - 1) * k + 1, k):contiguous()):clone()
end

-- (c) SCAN's self-labelling of head h of lin on the frozen features x: each batch's rows
-- whose predicted probability exceeds threshold are trained towards their argmax by a
-- class-weighted cross-entropy (weights: the batch's confident count over each class's).
-- Returns the per-epoch mean loss and fraction of confident rows.
function M.fit_selflabel(lin, h, x, o, gen)
  local n, k = x:size(1), o.k
  local cols = (h - 1) * k + 1
  local optim = dc.optim.adam(lin, {lr = o.selflabel_lr, weight_decay = o.weight_decay})
  local softmax, history = nn.Softmax(), {}
  for epoch = 1, o.selflabel do
    local order, total, steps, confident = dc.randperm(n, {generator = gen}), 0, 0, 0
    for from = 1, n - o.batch + 1, o.batch do
      local xb = x:index_select(1, order:narrow(1, from, o.batch))
      local pmax, target = softmax:forward(lin:forward(xb):narrow(2, cols, k):contiguous()):max(2)
      local sel, counts = {}, {}
      for c = 1, k do counts[c] = 0 end
      for i = 1, o.batch do
        if pmax[i] > o.threshold then
          sel[#sel + 1] = i
          counts[target[i]] = counts[target[i]] + 1
        end
      end
      if #sel > 0 then
        local w = dc.ones(k)
        for c = 1, k do if counts[c] > 0 then w[c] = #sel / counts[c] end end
        local rows = dc.tensor(sel, 'int64')
        local xs, ts = xb:index_select(1, rows), target:index_select(1, rows)
        local crit = nn.CrossEntropyLoss{weight = w}
        local logits = lin:forward(xs):narrow(2, cols, k):contiguous()
        total = total + crit:forward(logits, ts)
        local grad = dc.zeros(#sel, o.heads * k)
        grad:narrow(2, cols, k):copy(crit:backward(logits, ts))
        lin:zero_grad()
        lin:backward(xs, grad)
        optim:step()
      end
      steps, confident = steps + 1, confident + #sel
    end
    history[epoch] = {loss = total / steps, confident = confident / (steps * o.batch)}
  end
  return history
end

-- (b) The trunk of the cached network and the heads (lin, e.g. fit_frozen's, on the
-- L2-normalised trunk features) trained together by Adam (lr finetune_lr) on augmented
-- views: each batch is B anchors then a random neighbour of each, every image its own view
-- of contrastive.lua's augmentation (the training options sc). Returns the network (trunk
-- -> flatten -> normalise -> lin) and the per-epoch mean loss of each head.
function M.fit_finetune(model, lin, ds, nbr, o, sc, gen, seed)
  local net = dc.models.Net('scan', {features = model.features,
    classifier = nn.Sequential{nn.Normalize(), lin}})
  local b = o.batch
  local loader = dc.data.loader(ds, {batch = 2 * b, transform = contrastive.transform(sc),
    drop_last = true, seed = seed, threads = 2, on_error = 'error'})
  local optim = dc.optim.adam(net, {lr = o.finetune_lr, weight_decay = o.weight_decay})
  local crit = nn.SCANLoss{entropy_weight = o.entropy_weight}
  local history = {}
  for epoch = 1, o.finetune do
    local order, rows = dc.randperm(#ds, {generator = gen}), {}
    for from = 1, #ds - b + 1, b do
      local idx, nb = batch_rows(order, from, b, nbr, gen)
      rows[#rows + 1] = idx
      rows[#rows + 1] = nb
    end
    loader:reset{epoch = epoch, order = dc.cat(rows)}
    net:training(true)
    local sums, steps, t0 = {}, 0, dc.now()
    for x in loader:iter() do
      train_step(net, contrastive.jitter(x, sc.brightness, sc.contrast, gen), b, o, crit, optim,
        sums)
      steps = steps + 1
    end
    for h = 1, o.heads do sums[h] = sums[h] / steps end
    history[epoch] = {losses = sums, seconds = dc.now() - t0}
    io.write(string.format('  scan finetune seed %d epoch %d: head losses %s, %.0f s\n', seed,
      epoch, table.concat(sums, ' '), history[epoch].seconds))
    io.flush()
  end
  return net, history
end

-- The features for the search (pipeline.trained_features 'scan'): the kept head's
-- probabilities of the train and test images, and the run's record {neighbor_acc, head,
-- losses, seconds, history}.
function M.features(opt, train, test, seed, cache)
  local o = options.check('scan', opt, M.OPTIONS)
  if o.finetune > 0 and o.layer ~= 'trunk' then
    error("scan: finetune trains the trunk under the heads: layer must be 'trunk', got '" ..
      o.layer .. "'", 2)
  end
  local t0 = dc.now()
  local ftr, fte = contrastive.cached_features(o.simclr, o.layer, train, test, seed, cache)
  local gen = dc.Generator(seed)
  ftr, fte = l2_rows(ftr), l2_rows(fte)
  local nbr = M.mine(ftr, o.neighbors)
  local info = {neighbor_acc = M.neighbor_accuracy(nbr, train.labels)}
  local lin, history = M.fit_frozen(ftr, nbr, o, gen)
  info.history = history
  if o.finetune > 0 then
    local sc = options.check('scan', o.simclr, contrastive.OPTIONS)
    local model = contrastive.load_model(o.simclr, seed, train, test, cache)
    -- the fine-tuned trunk is model's own (shared), read as contrastive.lua reads it
    info.finetune_history = select(2, M.fit_finetune(model, lin, train, nbr, o, sc, gen, seed))
    ftr = l2_rows(contrastive.features(model, train).trunk)
    fte = l2_rows(contrastive.features(model, test).trunk)
  end
  local crit = nn.SCANLoss{entropy_weight = o.entropy_weight}
  info.losses = full_losses(lin:forward(ftr):clone(), nbr, o, crit)
  info.head = argmin(info.losses)
  if o.selflabel > 0 then
    info.selflabel_history = M.fit_selflabel(lin, info.head, ftr, o, gen)
  end
  local ltr, lte = lin:forward(ftr):clone(), lin:forward(fte):clone()
  info.seconds = dc.now() - t0
  return head_probs(ltr, info.head, o.k), head_probs(lte, info.head, o.k), info
end

return M
