-- dc.scan: SCAN's clustering stage (Van Gansbeke et al., ECCV 2020, "SCAN: Learning to
-- Classify Images without Labels"; method.md §17) on features of a pretext network: the k
-- nearest neighbours of every row are mined once in the L2-normalised features
-- (dc.cluster.knn), then cluster heads (softmax over K) are trained so that each row and a
-- random one of its neighbours agree (dc.nn.SCANLoss: consistency minus entropy_weight times
-- the entropy of the batch's mean prediction); of the heads trained side by side the one of
-- lowest loss on the whole set is kept, and its argmax is the clustering.
--   local heads = dc.scan.fit(train_features, {neighbors = 20, k = 10})
--   local p = heads:predict(test_features)     -- [N, K] probabilities of the kept head
-- Stages, in this order (each optional after the first):
--   epochs = E:    heads on the frozen features (no augmentation; seconds);
--   finetune = E:  the trunk of a dc.contrastive network (model =) and the heads trained
--                  together on augmented views of data = (dc.contrastive's crop, flip and
--                  intensity jitter, options augment =), anchors and neighbours each their
--                  own view, neighbours mined once; the model is trained in place;
--   selflabel = E: SCAN's self-labelling of the kept head on the (frozen or fine-tuned)
--                  features, unaugmented: cross-entropy on the argmax of its confident
--                  predictions (max probability > threshold), classes weighted by their
--                  inverse frequency among the confident rows of the batch.
return function(dc)
  local options = require 'dclab.options'
  local class = require 'dclab.class'
  local nn = dc.nn
  local l2_rows = dc.eval.l2_rows

  local scan = {}

  local DATASET = {test = function(v) return type(v) == 'table' and v.desc ~= nil end,
    what = 'a dataset'}
  local NETWORK = {test = function(v) return type(v) == 'table' and v.name == 'simclr' and
    nn.is_module(v.features) end, what = 'a network of dc.contrastive.net'}

  local OPTIONS = {
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
    model = NETWORK,                                        -- finetune: the network, its data,
    data = DATASET,                                         -- its views' dc.contrastive options
    augment = {type = 'table', default = {}},
    selflabel = {type = 'integer', min = 0, default = 0},   -- epochs of self-labelling
    selflabel_lr = {type = 'number', above = 0, default = 1e-4}, -- Adam, SCAN's
    threshold = {type = 'number', above = 0, max = 1, default = 0.99},
    seed = {type = 'integer', default = 1},
    log = {type = 'function'},                              -- log(stage, epoch, record)
    -- the rows the neighbours are mined in (default: the features themselves), e.g. the
    -- features beside the pixels, so that neighbours must agree in both
    mine_in = {type = 'tensor', dtype = 'float32', dim = 2},
  }

  function scan.options(opt) return options.check('scan.options', opt, OPTIONS) end

  local FEATURES = {type = 'tensor', dtype = 'float32', dim = 2}

  -- The neighbours (int64 [N, n], 1-based) of every row of the features, by cosine similarity.
  function scan.mine(f, n)
    options.arg('mine', 1, f, FEATURES)
    options.arg('mine', 2, n, {type = 'integer', min = 1})
    if n >= f:size(1) then
      error(string.format('mine: %d neighbours of each of %d rows (at most %d)', n, f:size(1),
        f:size(1) - 1), 2)
    end
    return (dc.cluster.knn(l2_rows(f), n))
  end

  -- The fraction of mined neighbours that share their row's label (labels only to score).
  function scan.neighbor_accuracy(nbr, labels)
    options.arg('neighbor_accuracy', 1, nbr, {type = 'tensor', dtype = 'int64', dim = 2})
    options.arg('neighbor_accuracy', 2, labels, {type = 'tensor', dtype = 'int64', dim = 1})
    if labels:size(1) ~= nbr:size(1) then
      error(string.format('neighbor_accuracy: %d labels for %d rows of neighbours',
        labels:size(1), nbr:size(1)), 2)
    end
    local n = nbr:size(2)
    local same = nbr:view(-1):contiguous()
    local own = labels:view(-1, 1):expand(labels:size(1), n):contiguous():view(-1)
    return (labels:index_select(1, same):eq(own)):float():mean()
  end

  -- Cluster logits [2B, heads * K] -> SCAN loss of each head on the anchor rows 1..B against
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
  local function full_losses(logits, nbr, o)
    local crit, losses = nn.SCANLoss{entropy_weight = o.entropy_weight}, {}
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

  local function log(o, stage, epoch, record)
    if o.log then o.log(stage, epoch, record) end
  end

  -- Heads on frozen features x [N, D] (L2-normalised): Adam on one Linear(D, heads * K) (the
  -- heads are its row blocks, independent under Adam). Returns the Linear and the per-epoch
  -- mean loss of each head.
  local function fit_frozen(x, nbr, o, gen)
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
      log(o, 'frozen', epoch, sums)
    end
    return lin, history
  end

  -- Head h's probabilities [N, K] from all heads' logits [N, heads * K].
  local function head_probs(logits, h, k)
    return nn.Softmax():forward(logits:narrow(2, (h - 1) * k + 1, k):contiguous()):clone()
  end

  -- Self-labelling of head h of lin on the features x: each batch's rows whose predicted
  -- probability exceeds threshold are trained towards their argmax by a class-weighted
  -- cross-entropy (weights: the batch's confident count over each class's). Returns the
  -- per-epoch mean loss and fraction of confident rows.
  local function fit_selflabel(lin, h, x, o, gen)
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
      log(o, 'selflabel', epoch, history[epoch])
    end
    return history
  end

  -- The trunk of o.model and the heads (lin, on the L2-normalised trunk features) trained
  -- together by Adam (lr finetune_lr) on augmented views: each batch is B anchors then a
  -- random neighbour of each, every image its own view (dc.contrastive's augmentation with
  -- the options o.augment). Returns the per-epoch mean loss of each head and the seconds.
  local function fit_finetune(lin, nbr, o, gen)
    local model, ds, aug = o.model, o.data, dc.contrastive.options(o.augment)
    local net = dc.models.Net('scan', {features = model.features,
      classifier = nn.Sequential{nn.Normalize(), lin}})
    local b = o.batch
    local loader = dc.data.loader(ds, {batch = 2 * b,
      transform = dc.contrastive.view_transform(aug), drop_last = true, seed = o.seed,
      threads = 2, on_error = 'error'})
    local optim = dc.optim.adam(net, {lr = o.finetune_lr, weight_decay = o.weight_decay})
    local crit = nn.SCANLoss{entropy_weight = o.entropy_weight}
    local jitter = {brightness = aug.brightness, contrast = aug.contrast, generator = gen}
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
        train_step(net, dc.contrastive.intensity_jitter(x, jitter), b, o, crit, optim, sums)
        steps = steps + 1
      end
      for h = 1, o.heads do sums[h] = sums[h] / steps end
      history[epoch] = {losses = sums, seconds = dc.now() - t0}
      log(o, 'finetune', epoch, history[epoch])
    end
    return history
  end

  -- What scan.fit returns: the trained heads and the record of their training.
  local Heads = {}
  Heads.__index = Heads
  Heads.__name = 'dc.scan.Heads'
  scan.Heads = Heads

  -- The kept head's probabilities [N, K] of the rows of f (L2-normalised here; for a
  -- fine-tuned fit, features of the fine-tuned network).
  function Heads:predict(f)
    options.arg('predict', 1, f, FEATURES)
    local d = self.linear.weight:size(2)
    if f:size(2) ~= d then
      error(string.format('predict: the heads take %d features a row, got %s [%s]', d,
        f:dtype(), table.concat(f:shape(), ', ')), 2)
    end
    return head_probs(self.linear:forward(l2_rows(f)), self.head, self.k)
  end
  class.check_self(Heads, 'Heads')

  -- Checks fit's arguments and options; returns the options.
  local function check_fit(f, opt)
    options.arg('scan.fit', 1, f, FEATURES)
    local o = options.check('scan.fit', opt, OPTIONS, 3)
    local n = f:size(1)
    if o.neighbors >= n then
      error(string.format('scan.fit: neighbors = %d for %d rows (at most %d)', o.neighbors, n,
        n - 1), 3)
    end
    if o.batch > n then
      error(string.format('scan.fit: batch = %d is larger than the %d rows', o.batch, n), 3)
    end
    if o.mine_in and o.mine_in:size(1) ~= n then
      error(string.format('scan.fit: mine_in has %d rows for %d feature rows',
        o.mine_in:size(1), n), 3)
    end
    if o.finetune > 0 then
      if not (o.model and o.data) then
        error('scan.fit: finetune needs the network (model =) and its images (data =)', 3)
      end
      if #o.data ~= n then
        error(string.format('scan.fit: data has %d images for %d feature rows', #o.data, n), 3)
      end
      dc.contrastive.options(o.augment)
    end
    return o
  end

  -- The stages on the features f [N, D] of N images (rows L2-normalised here). Returns a
  -- Heads: heads.probs [N, K] (the kept head's probabilities of the N rows, after every
  -- stage), heads.head (the kept head), heads.losses (every head's loss on the whole set),
  -- heads.neighbors (int64 [N, neighbors]), heads.history (per epoch: each head's mean loss),
  -- heads.finetune_history, heads.selflabel_history, heads.linear (all heads' Linear).
  function scan.fit(f, opt)
    local o = check_fit(f, opt)
    local gen = dc.Generator(o.seed)
    local x = l2_rows(f)
    local nbr = scan.mine(o.mine_in or x, o.neighbors)
    local lin, history = fit_frozen(x, nbr, o, gen)
    local heads = setmetatable({linear = lin, k = o.k, neighbors = nbr, history = history},
      Heads)
    if o.finetune > 0 then
      heads.finetune_history = fit_finetune(lin, nbr, o, gen)
      x = l2_rows(dc.contrastive.features(o.model, o.data).trunk)
    end
    local logits = lin:forward(x):clone()
    heads.losses = full_losses(logits, nbr, o)
    heads.head = argmin(heads.losses)
    if o.selflabel > 0 then
      heads.selflabel_history = fit_selflabel(lin, heads.head, x, o, gen)
      logits = lin:forward(x) -- self-labelling changed the kept head
    end
    heads.probs = head_probs(logits, heads.head, o.k)
    return heads
  end

  dc.scan = scan
  return scan
end
