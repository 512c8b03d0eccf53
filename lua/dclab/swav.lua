-- SwAV (Caron et al., NeurIPS 2020; main_swav.py of facebookresearch/swav), the online form
-- of DeepCluster (method.md §14): no clustering pass, every batch is clustered on the fly.
-- Per batch: the prototypes are put back on the unit sphere; the views of each image (multi-
-- crop) go through the network and its projection head (L2-normalised embedding); the codes
-- of the code views (the 2 large crops) come from Sinkhorn-Knopp on their scores against the
-- prototypes (with a queue of recent embeddings when the batch is small); every other view
-- predicts them (dc.nn.SwAVLoss); the prototypes are frozen for the first iterations.
--
--   local run = dc.swav{model = dc.models.small{sobel = false}, data = ds, views = {...},
--                       prototypes = {10, 50, 100}, epochs = 10, out = 'runs/swav'}
--   run:fit(); run:report()
--
-- A subclass of dc.DeepCluster with its own loop (step, train): the run folder, log.jsonl,
-- config.json, checkpoint, resume, fit, report and the per-set statistics are DeepCluster's.
-- Each prototype set counts as a head: after every epoch, each set's argmax over the
-- evaluation embeddings of all images is its clustering (assign.npy, assign_2.npy, ...),
-- scored like DeepCluster's assignments (NMI with the labels and the previous epoch, sizes,
-- collapse). Views of the same size are stacked into one forward pass (SwAV's multi-
-- resolution passes); the groups are trained one after the other, the first holding the code
-- views (their codes are needed by every group).
return function(dc)
  local cjson = require 'cjson'
  local options = require 'dclab.options'
  local nn = dc.nn
  local Run = dc.DeepCluster
  local parts = Run._parts

  local SwAV = Run:extend()
  SwAV.name = 'swav'

  local OPTIONS = {
    model = {required = true}, data = {required = true}, views = {type = 'table', required = true},
    transforms = {type = 'table', default = {}},
    prototypes = {default = {3000}}, projection = {default = {dim = 128}},
    code_views = {type = 'table', default = {1, 2}},
    temperature = {type = 'number', above = 0, default = 0.1},
    epsilon = {type = 'number', above = 0, default = 0.05},
    sinkhorn_iters = {type = 'integer', min = 1, default = 3},
    codes = {type = 'function'},
    freeze_prototypes = {type = {'integer', 'table'}, default = 313},
    queue_length = {type = 'integer', min = 0, default = 0},
    queue_start = {type = 'integer', min = 0, default = 15},
    optim = {type = 'table', default = {lr = 0.6, momentum = 0.9, weight_decay = 1e-6}},
    lr_schedule = {default = false},
    epochs = {type = 'integer', min = 1, default = 1},
    batch = {type = 'integer', min = 1, default = 64}, seed = {default = 31},
    out = {default = false}, threads = {type = 'integer', min = 1, default = 2},
    resume = {default = false}, progress = {default = 'auto'}, verbose = {default = true},
    hooks = {default = false}, precision = {default = 'fp32'},
    collapse_share = {type = 'number', above = 0, max = 1, default = 0.5},
  }

  local function fail(fmt, ...) error('swav: ' .. string.format(fmt, ...), 3) end

  -- The prototype set sizes as a list.
  local function set_sizes(p)
    if math.type(p) == 'integer' then p = {p} end
    if type(p) ~= 'table' or #p == 0 then
      fail('prototypes must be a number of prototypes or a list of them, got %s', tostring(p))
    end
    for s, k in ipairs(p) do
      if math.type(k) ~= 'integer' or k < 1 then
        fail('prototypes[%d] must be a positive integer, got %s', s, tostring(k))
      end
    end
    return p
  end

  -- The options checked and completed (Run:new calls it).
  function SwAV._check_config(cfg)
    local c = parts.check_run_options('swav', cfg, OPTIONS)
    if #c.views < 2 then
      fail('views must list at least 2 transforms (one per crop), got %d', #c.views)
    end
    for v, tf in ipairs(c.views) do
      if not dc.transforms.is_transform(tf) then
        fail('views[%d] must be a dc.transforms transform', v)
      end
    end
    for a, v in ipairs(c.code_views) do
      if math.type(v) ~= 'integer' or v < 1 or v > #c.views then
        fail('code_views[%d] must be a view number in 1..%d, got %s', a, #c.views, tostring(v))
      end
    end
    if #c.code_views == 0 then fail('code_views must list at least one view') end
    if #c.data < c.batch then
      fail('data has %d images, fewer than one batch of %d (batches are full: drop_last)',
        #c.data, c.batch)
    end
    -- each prototype set is a head of the DeepCluster statistics and files
    c.heads = {}
    for s, k in ipairs(set_sizes(c.prototypes)) do
      if not c.codes and k > c.batch then
        fail('prototype set %d has %d prototypes, more than the batch of %d images: ' ..
          'dc.cluster.sinkhorn needs K <= N (a larger batch, or codes = a function)', s, k, c.batch)
      end
      c.heads[s] = {k = k}
    end
    -- the clustered embedding is the projection head's output (DeepCluster's feature pass)
    c.feature_layer = 'projection'
    local f = c.freeze_prototypes
    if type(f) == 'table' then
      local o = options.check('swav: freeze_prototypes', f,
        {epochs = {type = 'integer', min = 0, required = true}}, 4)
      c.freeze_prototypes = o.epochs * (#c.data // c.batch)
    elseif f < 0 then
      fail('freeze_prototypes must be a number of iterations >= 0 or {epochs = E}, got %d', f)
    end
    -- SwAV trims the queue to whole batches
    c.queue_length = c.queue_length - c.queue_length % c.batch
    return c
  end

  function SwAV:init()
    local c = self.cfg
    parts.attach_projection(self, c.projection)
    local pok, perr = pcall(nn.set_precision, self.model, c.precision)
    if not pok then fail('%s', (tostring(perr):gsub('^set_precision: ', ''))) end
    self.transforms = {views = c.views,
      eval = c.transforms.eval or dc.transforms.compose{dc.transforms.ToFloat()}}
    self.labels = c.data.labels
    self.model:set_top_layer(nil)
    self.optim = dc.optim.sgd(c.optim)
    self.optim:add(self.model.features)
    self.optim:add(self.model.classifier)
    local sizes = {}
    for s, h in ipairs(c.heads) do sizes[s] = h.k end
    self.prototypes = nn.Prototypes(self.projection_dim, sizes,
      {generator = dc.Generator(c.seed):split(0):split(1)})
    -- the prototypes' own optimizer: it skips them while they are frozen (SwAV drops their
    -- gradient, so neither momentum nor weight decay moves them)
    self.proto_optim = dc.optim.sgd(c.optim)
    self.proto_optim:add(self.prototypes)
    self:remake_kept()
    self.codes = c.codes or dc.cluster.sinkhorn
    if c.resume and not c.out then fail('resume needs an out folder') end
    self.lr_schedule = parts.make_schedule(self)
    self.groups = self:view_groups()
  end

  -- The prototypes and their optimizer are what a checkpoint keeps besides the network.
  function SwAV:remake_kept()
    self.kept = {{head = self.prototypes, optim = self.proto_optim}}
  end

  -- Runs of consecutive views with the same image size, each one forward pass:
  -- {{first = v, n = count}, ...}. The first run must hold every code view.
  function SwAV:view_groups()
    local c, sizes = self.cfg, {}
    local probe = self.data
    for v, tf in ipairs(c.views) do
      local x = probe:get(1, tf, c.seed, v)
      sizes[v] = table.concat(x:shape(), 'x')
    end
    local groups = {}
    for v = 1, #sizes do
      local g = groups[#groups]
      if g and sizes[g.first] == sizes[v] then g.n = g.n + 1
      else groups[#groups + 1] = {first = v, n = 1} end
    end
    for _, v in ipairs(c.code_views) do
      if v > groups[1].n then
        fail('code view %d is not among the first views of one size (views 1..%d): put the ' ..
          'large crops first', v, groups[1].n)
      end
    end
    return groups
  end

  function SwAV:streams(epoch)
    local g = dc.Generator(self.cfg.seed):split(epoch)
    return {sampler = g:split(2), dropout = g:split(4)}
  end

  -- Full batches per epoch (the queue and the freezing count iterations).
  function SwAV:batches_per_epoch() return #self.data // self.cfg.batch end

  -- The queue of recent code-view embeddings: {[a] = float32 [L, D]}, made empty (zeros) at
  -- the start of epoch queue_start + 1.
  function SwAV:ensure_queue(epoch)
    local c = self.cfg
    if c.queue_length == 0 or epoch <= c.queue_start or self.queue then return end
    self.queue = {}
    for a = 1, #c.code_views do self.queue[a] = dc.zeros(c.queue_length, self.projection_dim) end
  end

  -- The codes [A, B, K_s] of every prototype set from the code views' scores (rows of group
  -- 1's scores), with the queue's scores in front once the queue is full; then the queue
  -- takes the batch's code-view embeddings.
  function SwAV:batch_codes(scores, emb, B)
    local c, codes = self.cfg, {}
    local opts = {iters = c.sinkhorn_iters, epsilon = c.epsilon}
    local queue = self.queue
    for s, z in ipairs(scores) do
      local q = dc.empty(#c.code_views, B, z:size(2))
      for a, v in ipairs(c.code_views) do
        local out = z:narrow(1, (v - 1) * B + 1, B)
        local full = queue and queue[a][queue[a]:size(1)]:abs():sum() > 0
        if full then out = dc.cat({queue[a]:mm(self.prototypes:weight(s):t()), out}, 1) end
        local qa = self.codes(out:contiguous(), opts)
        q[a]:copy(qa:narrow(1, qa:size(1) - B + 1, B))
      end
      codes[s] = q
    end
    for a, v in ipairs(queue and c.code_views or {}) do
      local L = queue[a]:size(1)
      if L > B then queue[a]:narrow(1, B + 1, L - B):copy(queue[a]:narrow(1, 1, L - B):clone()) end
      queue[a]:narrow(1, 1, B):copy(emb:narrow(1, (v - 1) * B + 1, B))
    end
    return codes
  end

  local function finite(x) return x == x and x ~= math.huge and x ~= -math.huge end

  -- One epoch of SwAV training over a shuffled order; returns the mean loss and each
  -- prototype set's mean loss.
  function SwAV:train(epoch, streams)
    local c, m, P = self.cfg, self.model, self.prototypes
    local nsets, V = #P.sizes, #c.views
    m:training(true)
    parts.set_generators(m.classifier, streams.dropout)
    self:ensure_queue(epoch)
    local crits = {}
    for s = 1, nsets do
      crits[s] = nn.SwAVLoss{temperature = c.temperature, code_views = c.code_views, views = V}
    end
    local order = dc.randperm(#self.data, {generator = streams.sampler})
    local nb = self:batches_per_epoch()
    local total, set_totals, batches = 0, {}, 0
    for s = 1, nsets do set_totals[s] = 0 end
    local bar = self:show_progress() and dc.progress(string.format('epoch %d train', epoch), nb)
    local hook = c.hooks and c.hooks.on_batch
    local loader = dc.data.loader(self.data, {batch = c.batch, views = c.views, order = order,
      threads = c.threads, seed = c.seed, epoch = epoch, drop_last = true})
    for xs, _, ids in loader:iter() do
      batches = batches + 1
      local iteration = (epoch - 1) * nb + batches
      local B = ids:numel()
      P:normalize()
      m:zero_grad()
      P:zero_grad()
      local codes, loss = nil, 0
      for _, g in ipairs(self.groups) do
        local group = {}
        for v = g.first, g.first + g.n - 1 do group[#group + 1] = xs[v] end
        local x = g.n == 1 and group[1] or dc.cat(group, 1)
        local emb = m:forward(x)
        local scores = P:forward(emb)
        codes = codes or self:batch_codes(scores, emb, B)
        local dscores = {}
        for s = 1, nsets do
          local z = scores[s]:view(g.n, B, -1)
          local l = crits[s]:forward(z, codes[s], g.first) / nsets
          loss, set_totals[s] = loss + l, set_totals[s] + l * nsets * B
          dscores[s] = crits[s]:backward(z, codes[s], g.first):div_(nsets):view(g.n * B, -1)
        end
        m:backward(x, P:backward(emb, dscores))
      end
      if not finite(loss) then
        fail('epoch %d, batch %d: the loss is %s; stopping', epoch, batches, tostring(loss))
      end
      self.optim:step()
      if iteration > c.freeze_prototypes then self.proto_optim:step() end
      total = total + loss * B
      if bar then bar:update(batches) end
      if hook then hook(self, batches, loss) end
      if dc.interrupted() then
        if bar then bar:finish() end
        fail('interrupted during epoch %d; the checkpoint of epoch %d is as it was', epoch,
          self.epoch)
      end
    end
    if bar then bar:finish() end
    local seen = math.max(1, batches * c.batch)
    for s = 1, nsets do set_totals[s] = set_totals[s] / seen end
    return total / seen, set_totals
  end

  -- Each prototype set's clustering of the evaluation embeddings: {assign, k} per set.
  function SwAV:assignments(feats)
    local results = {}
    self.prototypes:normalize()
    local scores = self.prototypes:forward(feats)
    for s, z in ipairs(scores) do
      local _, arg = z:max(2)
      results[s] = {assign = arg:contiguous(), k = z:size(2)}
    end
    return results
  end

  -- Runs epoch (self.epoch + 1); returns its log entry (prototype set 1's statistics at the
  -- top level, every set's in heads = {...} when there are several).
  function SwAV:step()
    local c, epoch, hooks, streams, lr = self:begin_epoch()
    if self.lr_schedule then self.proto_optim:set_lr(lr) end
    local t0 = dc.now()
    local loss, set_losses = self:train(epoch, streams)
    local t1 = dc.now()
    local feats = self:features(1)
    if hooks.on_features then hooks.on_features(self, feats) end
    local t2 = dc.now()
    local results = self:assignments(feats)
    local t3 = dc.now()
    local all = {}
    local classes = self.labels and self.labels:max()
    for s, r in ipairs(results) do
      all[s] = parts.head_stats(self, s, r, dc.metrics.sizes(r.assign, r.k), set_losses[s])
      -- a set with as many prototypes as classes is a cluster head's own answer
      all[s].head_nmi_labels = r.k == classes and all[s].nmi_labels or cjson.null
    end
    local stats = {loss = loss, epoch = epoch, t_train = t1 - t0, t_features = t2 - t1,
      t_cluster = t3 - t2, dims = feats:size(2), lr = self.optim.groups[1].lr,
      queue = self.queue and c.queue_length or 0}
    return self:close_epoch(epoch, results, all, stats)
  end

  -- DeepCluster's files, and the queue (queue.npy, queue_2.npy: one per code view).
  function SwAV:save(stats)
    for a, q in ipairs(self.queue or {}) do dc.save_npy(parts.path_of(self, 'queue', a), q) end
    Run.save(self, stats)
  end

  function SwAV:resume()
    Run.resume(self)
    if self.epoch > 0 and self.cfg.queue_length > 0 and self.epoch > self.cfg.queue_start then
      self.queue = {}
      for a = 1, #self.cfg.code_views do
        self.queue[a] = dc.load_npy(parts.path_of(self, 'queue', a))
      end
    end
  end

  function SwAV:report(opts)
    opts = opts or {}
    opts.title = opts.title or 'SwAV'
    return Run.report(self, opts)
  end

  dc.SwAV = require('dclab.class').check_self(SwAV, 'SwAV')
  function dc.swav(cfg) return SwAV:new(cfg) end

  return SwAV
end
