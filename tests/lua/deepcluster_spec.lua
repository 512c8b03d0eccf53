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
      'nmi_labels', 'nmi_prev', 'empty', 'size_min', 'size_median', 'size_max', 'size_entropy', 'lr',
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
  for _, sampler in ipairs{'uniform_per_cluster', 'reference_bug_compatible', 'shuffle', 'loss_weights'} do
    it('sampler ' .. sampler, function()
      local r = run{sampler = sampler, epochs = 1}
      assert.are.equal(sampler, r.history[1].sampler)
      assert.is_true(r.history[1].loss > 0)
    end)
  end

  it('reassign: the strategy reaches k-means and fixes the clusters it leaves empty', function()
    -- features replaced by 196 copies of the origin and 4 lone points, k = 5: starting
    -- centroids land on the copies and leave clusters empty; farthest_point refills each
    -- with a lone point, 'none' keeps them empty
    local function degenerate(_, f)
      f:mul_(0)
      for j = 1, 4 do f[196 + j][j] = 20 end
    end
    local empty = {}
    for _, reassign in ipairs{'none', 'farthest_point'} do
      local r = run{reassign = reassign, epochs = 1, preprocess = false,
        hooks = {on_features = degenerate}}
      empty[reassign] = r.history[1].empty
    end
    assert.is_true(empty.none >= 1)
    assert.are.equal(0, empty.farthest_point)
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
