-- The DeepCluster runner at small size: the log, the checkpoint, resume equality, NaN
-- handling, every registry swap, and Lua-defined parts actually being called.
local dc = require 'dclab'
local cjson = require 'cjson'
local nn = dc.nn

local function tiny_model(seed)
  local gen = dc.Generator(seed or 1)
  local net = dc.models.Net('tiny', {
    sobel = nn.Sobel(),
    features = nn.Sequential{nn.Conv2d(2, 4, 3, {pad = 1}), nn.BatchNorm2d(4), nn.ReLU{inplace = true},
      nn.MaxPool2d(4)},
    classifier = nn.Sequential{nn.Dropout(0.5), nn.Linear(4 * 7 * 7, 16), nn.ReLU()},
  })
  for _, s in ipairs(net:stages()) do
    for _, m in ipairs(s[2].modules or {}) do
      if m.reset and #m.params > 0 then m:reset(gen) end
    end
  end
  return net
end

local data = dc.data.fashion_mnist{split = 'train'}:subset(200)

local function run(cfg)
  local c = {model = tiny_model(), data = data, k = 5, epochs = 2, batch = 50, verbose = false,
    threads = 1}
  for k, v in pairs(cfg or {}) do c[k] = v end
  if c.heads then c.k = nil end -- each head has its k
  local r = dc.deepcluster(c)
  r:fit()
  return r
end

local tmpdir = require('spec_helpers').tmpdir

local errors_with = require('spec_helpers').errors_with

describe('deepcluster runner', function()
  it('stream_features: the same preprocessed features without the raw N x D ones', function()
    local got = {}
    local function capture(key)
      return {on_clusters = function(_, res) got[key] = res.features:totable() end}
    end
    run{epochs = 1, hooks = capture('plain')}
    local r = run{epochs = 1, stream_features = true, hooks = capture('streamed')}
    assert.are.equal(1, r.epoch)
    local a, b = got.plain, got.streamed
    assert.are.equal(#a, #b)
    assert.are.equal(#a[1], #b[1])
    for j = 1, #a[1] do -- equal up to each PCA component's sign
      local dot = 0
      for i = 1, #a do dot = dot + a[i][j] * b[i][j] end
      local s = dot < 0 and -1 or 1
      for i = 1, #a do assert.is_true(math.abs(a[i][j] - s * b[i][j]) < 1e-3) end
    end
    errors_with('stream_features needs a preprocess with partial_fit', dc.deepcluster,
      {model = tiny_model(), data = data, stream_features = true, preprocess = false})
  end)

  it('runs two epochs and writes the log, config, assignment and checkpoint', function()
    local out = tmpdir()
    local assigns = {}
    local r = run{out = out, hooks = {on_clusters = function(_, res) assigns[#assigns + 1] = res.assign:clone() end}}
    assert.are.equal(2, r.epoch)
    local lines = {}
    for line in io.lines(out .. '/log.jsonl') do lines[#lines + 1] = cjson.decode(line) end
    assert.are.equal(2, #lines)
    for _, key in ipairs{'epoch', 't_features', 't_cluster', 't_train', 'objective', 'loss',
      'nmi_labels', 'nmi_prev', 'empty', 'empty_met', 'size_min', 'size_median', 'size_max', 'size_entropy', 'lr',
      'dims'} do
      assert.is_not_nil(lines[2][key], key)
    end
    assert.are.equal(cjson.null, lines[1].nmi_prev)
    assert.is_true(math.abs(dc.metrics.nmi(assigns[2], assigns[1]) - lines[2].nmi_prev) < 1e-12)
    assert.are.equal(0.05, lines[2].lr)
    assert.are.equal(200, dc.load_npy(out .. '/assign.npy'):numel())
    assert.is_not_nil(io.open(out .. '/checkpoint.bin', 'rb'))
    assert.are.equal('tiny', cjson.decode(io.open(out .. '/config.json'):read('a')).model)
    os.execute('rm -rf ' .. out)
  end)

  it('k epochs + resume runs only the rest, and equals the epochs run straight', function()
    local a, b = tmpdir(), tmpdir()
    local straight = run{out = a, epochs = 3}
    run{out = b, epochs = 1}
    local started = {}
    local resumed = run{out = b, epochs = 3, resume = true,
      hooks = {on_epoch_start = function(_, epoch) started[#started + 1] = epoch end}}
    assert.are.same({2, 3}, started) -- a no-op resume would start at epoch 1
    assert.are.same({2, 3}, {resumed.history[1].epoch, resumed.history[2].epoch})
    local log = dc.deepcluster_log(b)
    assert.are.same({1, 2, 3}, {log[1].epoch, log[2].epoch, log[3].epoch})
    assert.are.equal(3, #log)
    assert.are.same(straight.prev_assign:totable(), resumed.prev_assign:totable())
    local sa, sb = straight.model:state(), resumed.model:state()
    for name, t in pairs(sa) do
      assert.are.equal(0, (t - sb[name]):abs():max(), name)
    end
    -- a finished run resumed again has nothing left to do
    started = {}
    run{out = b, epochs = 3, resume = true,
      hooks = {on_epoch_start = function(_, epoch) started[#started + 1] = epoch end}}
    assert.are.same({}, started)
    os.execute('rm -rf ' .. a .. ' ' .. b)
  end)

  it('refuses to resume with settings that differ from the checkpoint, naming them', function()
    local out = tmpdir()
    run{out = out, epochs = 1}
    local r = dc.deepcluster{model = tiny_model(), data = data, k = 4, sampler = 'shuffle',
      epochs = 2, batch = 50, verbose = false, out = out, resume = true}
    local msg = errors_with({'deepcluster: resume: the checkpoint in ' .. out ..
      ' was made with other settings: ', 'k (checkpoint 5, now 4)',
      'sampler (checkpoint uniform_per_cluster, now shuffle)',
      'use another out folder, or resume = false to start afresh'}, r.fit, r)
    assert.are.equal(0, r.epoch)
    assert.is_nil(msg:find('epochs', 1, true)) -- epochs may change: that is what resume is for
    errors_with({'data (checkpoint {name=' .. data.name .. ',size=200}, now {name=',
      ',size=100})'},
      function()
        dc.deepcluster{model = tiny_model(), data = data:subset(100), k = 5, epochs = 2, batch = 50,
          verbose = false, out = out, resume = true}:prepare()
      end)
    errors_with('head (checkpoint reinit, now keep)', function()
      dc.deepcluster{model = tiny_model(), data = data, k = 5, epochs = 2, batch = 50, head = 'keep',
        verbose = false, out = out, resume = true}:prepare()
    end)
    assert.are.equal(1, #dc.deepcluster_log(out)) -- nothing was mixed into the log
    os.execute('rm -rf ' .. out)
  end)

  it('says on Ctrl-C whether a checkpoint exists', function()
    -- SIGINT from a shell whose parent is this process (popen: system() would ignore it)
    local function interrupt() io.popen('kill -INT $PPID'):close() end
    local out = tmpdir()
    errors_with('deepcluster: interrupted during epoch 1; there is no checkpoint yet (the first ' ..
      'is written at the end of epoch 1)', run, {out = out, epochs = 1, hooks = {on_batch = interrupt}})
    errors_with('interrupted during epoch 1; no checkpoint is kept (out is not set)', run,
      {epochs = 1, hooks = {on_batch = interrupt}})
    run{out = out, epochs = 1}
    errors_with('interrupted during epoch 2; the checkpoint of epoch 1 is intact (resume = true ' ..
      'continues)', run, {out = out, epochs = 2, resume = true, hooks = {on_batch = interrupt}})
    os.execute('rm -rf ' .. out)
  end)

  it('stops on a NaN loss with the last checkpoint intact', function()
    local out = tmpdir()
    run{out = out, epochs = 1}
    local before = io.open(out .. '/checkpoint.bin', 'rb'):read('a')
    local calls = 0
    errors_with('the loss is NaN', run, {out = out, epochs = 2, resume = true,
      hooks = {on_batch = function(r)
        calls = calls + 1
        r.model.top_layer.weight:fill(0 / 0)
      end}})
    assert.are.equal(1, calls)
    assert.are.equal(before, io.open(out .. '/checkpoint.bin', 'rb'):read('a'))
    os.execute('rm -rf ' .. out)
  end)

  it('checks its configuration', function()
    errors_with("unknown option 'epoch' (valid:", dc.deepcluster, {model = tiny_model(), data = data, epoch = 2})
    errors_with('k = 500 is larger than the number of images (200)', dc.deepcluster,
      {model = tiny_model(), data = data, k = 500})
    errors_with("unknown sampler 'uniform'", dc.deepcluster, {model = tiny_model(), data = data, sampler = 'uniform'})
    errors_with("deepcluster: option 'head' must be one of 'reinit', 'keep', 'centroids', got 'fresh'",
      dc.deepcluster,
      {model = tiny_model(), data = data, head = 'fresh'})
    errors_with('model must be a dc.models network', dc.deepcluster, {model = {}, data = data})
    local nowhere = dc.deepcluster{model = tiny_model(), data = data, out = '/proc/nope'}
    errors_with('output folder /proc/nope is not writable', nowhere.prepare, nowhere)
  end)

  it('touches no file until prepare (called by fit)', function()
    local out = tmpdir() .. '/run'
    local r = dc.deepcluster{model = tiny_model(), data = data, k = 5, out = out}
    assert.is_nil(io.open(out .. '/config.json'))
    r:prepare()
    local config = cjson.decode(require('spec_helpers').read_file(out .. '/config.json'))
    assert.are.equal('faiss_split', config.reassign) -- the strategy k-means uses by default
    os.execute('rm -rf ' .. out)
  end)

  it("refuses a reassign the clustering does not use, and config.json doesn't record one", function()
    errors_with("deepcluster: reassign is k-means' empty-cluster strategy: clustering 'pic' does " ..
      'not use it (leave reassign unset, or pass it to the clustering object)', dc.deepcluster,
      {model = tiny_model(), data = data, clustering = 'pic', reassign = 'none'})
    errors_with("clustering given as table does not use it", dc.deepcluster,
      {model = tiny_model(), data = data, clustering = dc.cluster.kmeans{k = 5}, reassign = 'none'})
    local out = tmpdir()
    dc.deepcluster{model = tiny_model(), data = data, clustering = 'pic', out = out}:prepare()
    local config = cjson.decode(require('spec_helpers').read_file(out .. '/config.json'))
    assert.are.equal('pic', config.clustering)
    assert.is_nil(config.reassign)
    os.execute('rm -rf ' .. out)
  end)

  it('checks what a Lua clustering and a Lua sampler return, naming them', function()
    -- ids 21..40 with k = 20 used to become k = 40 with 20 empty clusters
    errors_with('cluster.fit: the clustering function returned cluster ids 21..40, outside 1..20 ' ..
      '(ids are 1-based, k = 20)', run, {epochs = 1, k = 20, clustering = function(x, k)
        local ids = {}
        for i = 1, x:size(1) do ids[i] = k + (i - 1) % k + 1 end
        return dc.tensor(ids, 'int64')
      end})
    local function cyclic(x, k)
      local ids = {}
      for i = 1, x:size(1) do ids[i] = (i - 1) % k + 1 end
      return dc.tensor(ids, 'int64')
    end
    errors_with('the sampler function returned a table, not an int64 tensor of dataset indices ' ..
      '(the contract: help(dc.deepcluster))', run, {epochs = 1, clustering = cyclic,
        sampler = function(_, _, _, n)
          local t = {}
          for i = 1, n do t[i] = i end
          return t
        end})
    errors_with('the sampler function returned indices 0..199, outside 1..200 (indices are ' ..
      '1-based dataset positions)', run, {epochs = 1, clustering = cyclic,
        sampler = function(_, _, gen, n) return dc.randperm(n, {generator = gen}) - 1 end})
  end)
end)

describe('deepcluster registry swaps', function()
  -- A run that records the dataset ids of every training batch, as the loader delivers them.
  local Recording = dc.DeepCluster:extend()
  function Recording:loader(transform, order, epoch)
    local l = Recording.super.loader(self, transform, order, epoch)
    if order == nil then return l end -- the features pass
    local seen = {}
    self.trained = seen
    return {iter = function()
      local f, s, c, closer = l:iter()
      return function(_, ctl)
        local x, y, ids = f(s, ctl)
        if ids then table.move(ids:totable(), 1, ids:numel(), #seen + 1, seen) end
        return x, y, ids
      end, s, c, closer
    end}
  end

  -- One epoch with sampler, k = 5 on the 200 images: the run, its pseudo-labels (a list) and
  -- what the sampler draws for them from the epoch's stream, called here on its own.
  local function sampled(sampler)
    local r = Recording{model = tiny_model(), data = data, k = 5, epochs = 1, batch = 50,
      verbose = false, threads = 1, sampler = sampler}
    r:fit()
    assert.are.equal(sampler, r.history[1].sampler)
    local draw = dc.sampler.get(sampler)(r.prev_assign, 5, r:streams(1).sampler, 200)
    return r, r.prev_assign:totable(), draw:totable()
  end

  local function per_label(ids, assign)
    local n = {0, 0, 0, 0, 0}
    for _, i in ipairs(ids) do n[assign[i]] = n[assign[i]] + 1 end
    return n
  end

  it('uniform_per_cluster trains every pseudo-label its quota, whatever its size', function()
    local r, assign, draw = sampled('uniform_per_cluster')
    assert.are.same(draw, r.trained) -- the training pass is the sampler's draw, in its order
    local sizes, got = per_label(dc.arange(1, 201):totable(), assign), per_label(r.trained, assign)
    local nonempty = 0
    for c = 1, 5 do nonempty = nonempty + (sizes[c] > 0 and 1 or 0) end
    -- quota s each, then the shuffled s * nonempty truncated to 200: at most that many lost
    local s = 200 // nonempty + 1
    local lost = s * nonempty - 200
    local unbalanced = false
    for c = 1, 5 do
      if sizes[c] == 0 then
        assert.are.equal(0, got[c])
      else
        assert.is_true(got[c] <= s and got[c] >= s - lost, c .. ': ' .. got[c] .. ' of quota ' .. s)
        unbalanced = unbalanced or sizes[c] > s or sizes[c] < s - lost
      end
    end
    -- the clusters themselves are not balanced: the natural order could not pass the above
    assert.is_true(unbalanced, table.concat(sizes, ' '))
  end)

  it('shuffle trains on a permutation of the data; loss_weights on the same one, weighted',
    function()
    local r, _, draw = sampled('shuffle')
    assert.are.same(draw, r.trained)
    local sorted = table.move(r.trained, 1, #r.trained, 1, {})
    table.sort(sorted)
    assert.are.same(dc.arange(1, 201):totable(), sorted)
    local w = sampled('loss_weights')
    assert.are.same(r.trained, w.trained)
    assert.are_not.equal(r.history[1].loss, w.history[1].loss) -- the cluster weights act
  end)

  it('reference_bug_compatible trains image order[q]: q uniform, order by cluster', function()
    local r, assign, _ = sampled('reference_bug_compatible')
    local q = dc.sampler.get('uniform_per_cluster')(r.prev_assign, 5, r:streams(1).sampler, 200)
    local order = dc.arange(1, 201):totable()
    table.sort(order, function(a, b)
      return assign[a] < assign[b] or assign[a] == assign[b] and a < b
    end)
    local want = {}
    for i, v in ipairs(q:totable()) do want[i] = order[v] end
    assert.are.same(want, r.trained)
    assert.are_not.same(q:totable(), r.trained)
  end)

  it('reassign: the strategy reaches k-means and fixes the clusters it leaves empty', function()
    -- features replaced by 196 copies of the origin and 4 lone points, k = 5: starting
    -- centroids land on the copies and leave clusters empty; farthest_point refills each
    -- with a lone point, 'none' keeps them empty
    local function degenerate(_, f)
      f:mul_(0)
      for j = 1, 4 do f[196 + j][j] = 20 end
    end
    local empty, met = {}, {}
    for _, reassign in ipairs{'none', 'farthest_point'} do
      local r = run{reassign = reassign, epochs = 1, preprocess = false,
        hooks = {on_features = degenerate}}
      empty[reassign], met[reassign] = r.history[1].empty, r.history[1].empty_met
    end
    assert.is_true(empty.none >= 1)
    assert.are.equal(0, empty.farthest_point)
    -- both met empty clusters (the log says a strategy had work); only one left them empty
    assert.is_true(met.none >= empty.none)
    assert.is_true(met.farthest_point >= 1)
  end)

  it('feature_layer clusters a pooled conv layer instead of the penultimate output', function()
    local dims
    run{epochs = 1, feature_layer = 1, hooks = {on_features = function(_, f) dims = f:size(2) end}}
    assert.are.equal(4 * 24 * 24, dims) -- 4 channels pooled to 24 x 24: about 2304 values
    errors_with("feature_layer must be 'penultimate', 'projection' or a conv layer number", dc.deepcluster,
      {model = tiny_model(), data = data, feature_layer = 'fc6'})
  end)

  it('clustering pic gives a data-driven k and a head of that size', function()
    local r = run{clustering = 'pic', epochs = 1}
    assert.are.equal(r.last.k, r.model.top_layer.out_features)
    assert.are.equal(cjson.null, r.history[1].empty_met) -- k-means' count only
  end)

  for _, head in ipairs{'keep', 'centroids'} do
    it('head ' .. head, function()
      local r = run{head = head}
      assert.are.equal(5, r.model.top_layer.out_features)
    end)
  end

  it('calls a Lua clustering, a Lua sampler and a Lua reassignment strategy', function()
    local seen = {}
    local r = run{epochs = 1, k = 4,
      clustering = function(x, k, gen)
        seen.clustering = {x:size(1), k, dc.core.is_generator(gen)}
        local labels = {}
        for i = 1, x:size(1) do labels[i] = (i - 1) % k + 1 end
        return dc.tensor(labels, 'int64')
      end,
      sampler = function(assign, k, gen, n)
        seen.sampler = {assign:numel(), k, n}
        return dc.randperm(n, {generator = gen})
      end}
    assert.are.same({200, 4, true}, seen.clustering)
    assert.are.same({200, 4, 200}, seen.sampler)
    assert.are.equal(0, r.history[1].empty)
    -- 20 distinct images repeated 10 times: k-means on 50 clusters must meet empty ones
    local ids = {}
    for i = 1, 200 do ids[i] = (i - 1) % 20 + 1 end
    local calls = 0
    run{epochs = 1, k = 50, data = data:subset(dc.tensor(ids, 'int64')),
      reassign = function(centroids, counts)
        calls = calls + 1
        assert.are.same({50, centroids:size(2)}, centroids:shape())
        assert.are.equal(50, counts:numel())
      end}
    assert.is_true(calls > 0)
  end)
end)

describe('dc.DeepCluster subclasses', function()
  it('a subclass overriding one step runs, uses the override and keeps the other steps', function()
    local Fixed = dc.DeepCluster:extend()
    local calls = 0
    function Fixed:cluster(feats, streams)
      calls = calls + 1
      assert.is_true(dc.is_generator(streams.cluster))
      local ids = {}
      for i = 1, feats:size(1) do ids[i] = (i - 1) % self.cfg.k + 1 end
      return {assign = dc.tensor(ids, 'int64'), k = self.cfg.k}
    end
    local started = 0
    local r = Fixed{model = tiny_model(), data = data, k = 4, epochs = 2, batch = 50,
      verbose = false, threads = 1, hooks = {on_epoch_start = function() started = started + 1 end}}
    assert.are.equal(Fixed, getmetatable(r))
    r:fit()
    assert.are.equal(2, calls)
    assert.are.equal(2, started)
    assert.are.same({1, 2, 3, 4, 1}, r.last.assign:narrow(1, 1, 5):totable())
    assert.are.equal(0, r.history[2].empty)
    assert.are.equal(1, r.history[2].nmi_prev) -- the same fixed partition twice
    assert.are.equal(4, r.model.top_layer.out_features) -- new_head, the parent's, sized by it
    assert.is_true(r.history[2].loss > 0)
  end)

  it('the other steps can be overridden too, and call the parent', function()
    local Spy = dc.DeepCluster:extend()
    local seen = {}
    for _, name in ipairs{'features', 'sample', 'new_head', 'train'} do
      Spy[name] = function(self, ...)
        seen[#seen + 1] = name
        return Spy.super[name](self, ...)
      end
    end
    Spy:new{model = tiny_model(), data = data, k = 3, epochs = 1, batch = 50, verbose = false,
      threads = 1}:fit()
    assert.are.same({'features', 'sample', 'new_head', 'train'}, seen)
  end)
end)

describe('CentroidHead', function()
  it('matches finite differences of its input gradient', function()
    local c = dc.randn(3, 4, {seed = 1})
    local head = nn.CentroidHead(c, {temperature = 0.5})
    local x = dc.randn(2, 4, {seed = 2})
    local w = dc.randn(2, 3, {seed = 3})
    local function f(xx) return (head:forward(xx) * w):sum() end
    f(x)
    local dx = head:backward(x, w):clone()
    local eps = 1e-2
    for i = 1, 2 do
      for j = 1, 4 do
        local xp, xm = x:clone(), x:clone()
        xp[i][j] = x[i][j] + eps
        xm[i][j] = x[i][j] - eps
        local num = (f(xp) - f(xm)) / (2 * eps)
        assert.is_true(math.abs(num - dx[i][j]) < 2e-2 * math.max(1, math.abs(num)),
          string.format('dx[%d][%d] %g vs %g', i, j, dx[i][j], num))
      end
    end
    assert.are.equal(0, #head:parameters())
    errors_with('expected input [N, 4]', head.forward, head, dc.zeros(2, 5))
  end)
end)

describe('experiment scripts', function()
  it('imagenet.lua runs end to end on the Fashion-MNIST JPEG export (tiny settings)', function()
    local jpg, out = tmpdir(), tmpdir()
    assert.are.equal(24, dc.data.export_jpeg(data:subset(24), jpg, {size = 32}))
    local p = io.popen(string.format('./dclab experiments/imagenet.lua --data %s --k 3 --epochs 1 ' ..
      '--batch 8 --threads 1 --out %s 2>&1', jpg, out))
    local text = p:read('a')
    local ok = p:close()
    assert.is_true(ok, text)
    assert.are.equal(1, #dc.deepcluster_log(out))
    os.execute('rm -rf ' .. jpg .. ' ' .. out)
  end)

  it('fashion_mnist.lua --help lists every flag', function()
    local p = io.popen('./dclab experiments/fashion_mnist.lua --help 2>&1')
    local text = p:read('a')
    p:close()
    for _, flag in ipairs{'--subset', '--epochs', '--k', '--seed', '--out', '--clustering', '--reassign',
      '--sampler', '--no-sobel', '--threads', '--resume', '--full'} do
      assert.truthy(text:find(flag, 1, true), flag)
    end
  end)
end)

describe('Normalize, ConcatTable and the projection head', function()
  local H = require 'nn_gradcheck'

  it('Normalize gives unit rows and matches finite differences', function()
    local m = nn.Normalize()
    local y = m:forward(dc.randn(5, 7, {seed = 4}))
    for i = 1, 5 do assert.is_true(math.abs(y[i]:norm() - 1) < 1e-5) end
    H.gradcheck(m, dc.randn(5, 7, {seed = 5}):mul(3))
    errors_with('Normalize: expected input float32 [N, D], got float32 [2, 3, 4]', m.forward, m,
      dc.zeros(2, 3, 4))
  end)

  it('ConcatTable gives every member the input and sums their input gradients', function()
    local a, b = nn.Linear(4, 3), nn.Linear(4, 2)
    a:reset(dc.Generator(1))
    b:reset(dc.Generator(2))
    local c = nn.ConcatTable{a, b}
    local x = dc.randn(6, 4, {seed = 3})
    local out = c:forward(x)
    assert.are.same({6, 3}, out[1]:shape())
    assert.are.same({6, 2}, out[2]:shape())
    local d1, d2 = dc.randn(6, 3, {seed = 4}), dc.randn(6, 2, {seed = 5})
    local dx = c:backward(x, {d1, d2}):clone()
    local want = d1:mm(a.weight) + d2:mm(b.weight)
    assert.is_true((dx - want):abs():max() < 1e-5)
    assert.are.equal(4, #c:parameters())
    errors_with('ConcatTable: backward expects a list of 2 output gradients, got 1 of them',
      c.backward, c, x, {d1})
  end)

  it('dc.models.projection is Linear-BN-ReLU-Linear-Normalize and checks its options', function()
    local p = dc.models.projection{input = 6, hidden = 5, dim = 3, generator = dc.Generator(1)}
    assert.are.same({'Linear', 'BatchNorm1d', 'ReLU', 'Linear', 'Normalize'},
      (function()
        local names = {}
        for i = 1, p:size() do names[i] = p:get(i).class_name end
        return names
      end)())
    local y = p:forward(dc.randn(4, 6, {seed = 2}))
    for i = 1, 4 do assert.is_true(math.abs(y[i]:norm() - 1) < 1e-5) end
    errors_with("models.projection: option 'dim' is required", dc.models.projection,
      {input = 6, hidden = 5})
  end)
end)

describe('deepcluster successors (DeepCluster-v2, SeLa parts)', function()
  it('heads: one clustering and one head each, loss averaged, every head in the log', function()
    local out = tmpdir()
    local r = run{heads = {{k = 5}, {k = 3}}, out = out}
    local s = r.history[2]
    assert.are.equal(2, #s.heads)
    assert.are.same({5, 3}, {s.heads[1].k, s.heads[2].k})
    assert.is_true(math.abs(s.loss - (s.heads[1].loss + s.heads[2].loss) / 2) < 1e-6)
    assert.are.equal('ConcatTable', r.model.top_layer.class_name)
    assert.is_number(s.heads[2].nmi_prev)
    assert.are.equal(2, #dc.deepcluster_log(out)[2].heads)
    assert.are.equal(200, dc.load_npy(out .. '/assign_2.npy'):numel())
    errors_with('give k or heads, not both', dc.deepcluster,
      {model = tiny_model(), data = data, k = 5, heads = {{k = 5}}})
    errors_with("deepcluster: heads[2]: option 'k' is required", dc.deepcluster,
      {model = tiny_model(), data = data, heads = {{k = 5}, {}}})
    os.execute('rm -rf ' .. out)
  end)

  it("feature_layer 'projection': the projection's unit-norm output is clustered", function()
    local dims
    local r = run{epochs = 1, feature_layer = 'projection', projection = {hidden = 12, dim = 6},
      head = 'centroids', hooks = {on_features = function(_, f) dims = f:size(2) end}}
    assert.are.equal(6, dims)
    assert.are.equal(6, r.history[1].dims)
    assert.are.equal('Normalize', r.model.projection:get(5).class_name)
    errors_with("feature_layer 'projection' needs projection", dc.deepcluster,
      {model = tiny_model(), data = data, feature_layer = 'projection'})
    errors_with('the model already carries a projection head', dc.deepcluster,
      {model = r.model, data = data, feature_layer = 'projection', projection = {dim = 4}})
  end)

  it('memory bank: one pass in the first epoch, then the training passes, each image once', function()
    local passes = 0
    local Count = dc.DeepCluster:extend()
    function Count:loader(transform, order, epoch, views)
      if order == nil then passes = passes + 1 end -- a pass over all images in order
      return Count.super.loader(self, transform, order, epoch, views)
    end
    local r = Count{model = tiny_model(), data = data, k = 5, epochs = 3, batch = 50,
      verbose = false, threads = 1, features = 'memory_bank', sampler = 'shuffle'}
    r:fit()
    assert.are.equal(1, passes)
    assert.are.equal(1, r.bank.count[1]:min())
    assert.are.equal(1, r.bank.count[1]:max())
    assert.are.same({200, 16}, r.bank.features[1]:shape())
    errors_with("features 'memory_bank' needs every image once per epoch", run,
      {epochs = 1, features = 'memory_bank'})
    errors_with("features 'memory_bank' stores the training passes' embeddings", dc.deepcluster,
      {model = tiny_model(), data = data, features = 'memory_bank', feature_layer = 1})
  end)

  it('views: every view carries the image labels and the loss is averaged over views', function()
    -- two identical deterministic views of a network without dropout train exactly as one
    local function no_dropout()
      local m = tiny_model()
      m.classifier:remove(1)
      return m
    end
    local plain = dc.transforms.compose{dc.transforms.ToFloat()}
    local one = run{model = no_dropout(), transforms = {train = plain}, epochs = 1}
    local two = run{model = no_dropout(), views = {plain, plain}, epochs = 1}
    assert.is_true(math.abs(one.history[1].loss - two.history[1].loss) < 1e-5)
    -- the same steps (BatchNorm's running statistics, updated once per view, aside)
    local p1, p2 = one.model:parameters(), two.model:parameters()
    for i = 1, #p1 do assert.is_true((p1[i] - p2[i]):abs():max() < 1e-4, 'parameter ' .. i) end
    errors_with('views replace transforms.train: give one or the other', dc.deepcluster,
      {model = tiny_model(), data = data, views = {plain}, transforms = {train = plain}})
  end)

  it('lr_schedule: warm-up then cosine over the epochs, or a function', function()
    local r = run{epochs = 3, lr_schedule = {warmup = 1, start = 0.01}}
    assert.are.same({0.01, 0.05, 0.025}, {r.history[1].lr, r.history[2].lr,
      math.floor(r.history[3].lr * 1e6 + 0.5) / 1e6})
    r = run{epochs = 2, lr_schedule = function(e) return 0.1 * e end}
    assert.are.equal(0.2, r.history[2].lr)
    errors_with('lr_schedule: warmup (3) must be shorter than total (3)', dc.deepcluster,
      {model = tiny_model(), data = data, epochs = 3, lr_schedule = {warmup = 3}})
  end)

  it('warns of collapse in the log when one cluster holds more than collapse_share', function()
    local function lopsided(x, k)
      local ids = {}
      for i = 1, x:size(1) do ids[i] = i <= 150 and 1 or (i % (k - 1)) + 2 end
      return dc.tensor(ids, 'int64')
    end
    local r = run{epochs = 1, clustering = lopsided, collapse_share = 0.6}
    assert.is_truthy(r.history[1].collapse:find('one cluster holds 75% of the images', 1, true))
    r = run{epochs = 1, clustering = lopsided, collapse_share = 0.8}
    assert.is_falsy(tostring(r.history[1].collapse):find('one cluster holds', 1, true))
    -- nothing learns (lr 0) and the fresh head's logits are near 0: the loss sits at ln k
    r = run{epochs = 1, optim = {lr = 0}, head_optim = {lr = 0}}
    assert.is_truthy(r.history[1].collapse:find('sits at ln k = 1.6094', 1, true))
  end)

  it("a head with as many outputs as classes is scored as a clustering (its argmax)", function()
    local r = run{epochs = 1, heads = {{k = 10}, {k = 4}}}
    assert.is_number(r.history[1].heads[1].head_nmi_labels)
    assert.is_true(r.history[1].heads[1].head_nmi_labels > 0)
    assert.are.equal(cjson.null, r.history[1].heads[2].head_nmi_labels)
  end)
end)

describe('dc.recipes', function()
  -- A preset on the tiny network (pooled to 7x7 so that the small crops fit its fc layer).
  local function preset_run(name, out, epochs, resume, extra)
    local o = dc.recipes[name]{size = 28, mean = {0.286}, std = {0.353}, epochs = 3, k = 5,
      heads = 2}
    local model = tiny_model()
    model.features:add(nn.AdaptiveAvgPool2d(7))
    o.model, o.data, o.out, o.epochs, o.resume = model, data, out, epochs, resume
    o.batch, o.threads, o.verbose = 50, 1, false
    for k, v in pairs(extra or {}) do o[k] = v end
    local r = dc.deepcluster(o)
    r:fit()
    return r
  end

  for _, name in ipairs{'deepcluster', 'deepcluster_v2', 'sela'} do
    it(name .. ': a short run resumes exactly like the faithful one', function()
      local a, b = tmpdir(), tmpdir()
      local straight = preset_run(name, a, 3)
      preset_run(name, b, 1)
      local started = {}
      local resumed = preset_run(name, b, 3, true,
        {hooks = {on_epoch_start = function(_, e) started[#started + 1] = e end}})
      assert.are.same({2, 3}, started)
      for h, assign in ipairs(straight.prev_assigns) do
        assert.are.same(assign:totable(), resumed.prev_assigns[h]:totable())
      end
      local sa, sb = straight.model:state(), resumed.model:state()
      for key, t in pairs(sa) do assert.are.equal(0, (t - sb[key]):abs():max(), key) end
      assert.are.equal(straight.history[3].loss, resumed.history[2].loss)
      errors_with('was made with other settings', preset_run, name, b, 4, true, {seed = 7})
      os.execute('rm -rf ' .. a .. ' ' .. b)
    end)
  end

  it('state their sources in help and check their options', function()
    local text = require('dclab.doc')['dc.recipes.deepcluster_v2']
    assert.is_truthy(text:find('main_deepclusterv2.py', 1, true))
    errors_with("recipes.sela: option 'size' is required", dc.recipes.sela, {mean = {0}, std = {1}})
    errors_with('recipes.deepcluster: mean and std need one number per channel, got 1 and 3',
      dc.recipes.deepcluster, {size = 28, mean = {0}, std = {1, 1, 1}})
  end)
end)

describe("clustering 'sinkhorn' (SeLa)", function()
  it("labels each kept head's scores with equal-size clusters", function()
    local got = {}
    local r = run{epochs = 2, heads = {{k = 5}, {k = 4}}, clustering = 'sinkhorn', head = 'keep',
      sinkhorn = {iters = 50},
      hooks = {on_clusters = function(_, res, h) got[h] = res end}}
    assert.are.same({200, 5}, r.scores[1]:shape())
    assert.are.same({200, 4}, r.scores[2]:shape())
    for h, k in ipairs{5, 4} do
      local sizes = dc.metrics.sizes(got[h].assign, k)
      -- Q's columns are equal; its argmax nearly so (and never an empty or dominant cluster)
      assert.is_true(sizes.min >= 0.5 * 200 / k and sizes.max <= 1.5 * 200 / k,
        string.format('head %d: sizes %d..%d', h, sizes.min, sizes.max))
    end
    errors_with("clustering 'sinkhorn' labels the kept heads' scores: head must be 'keep'",
      dc.deepcluster, {model = tiny_model(), data = data, clustering = 'sinkhorn'})
    errors_with("sinkhorn holds the options of clustering 'sinkhorn'", dc.deepcluster,
      {model = tiny_model(), data = data, sinkhorn = {iters = 3}})
  end)
end)
