-- Evaluation, reports and progress display: every function, on tiny data, with its errors.
local dc = require 'dclab'

local train = dc.data.fashion_mnist{split = 'train'}:subset(200)
local test = dc.data.fashion_mnist{split = 'test'}:subset(100)
local model = dc.models.small{sobel = true, generator = dc.Generator(1)}

local errors_with = require('spec_helpers').errors_with

describe('dc.eval', function()
  it('features: pixels, the penultimate layer, a pooled conv layer', function()
    assert.are.same({100, 784}, dc.eval.features(nil, test, {layer = 'pixels'}):shape())
    assert.are.same({100, 512}, dc.eval.features(model, test):shape())
    assert.are.same({100, 2304}, dc.eval.features(model, test, {layer = 1}):shape())
    assert.are.equal(4, dc.eval.conv_layers(model))
    errors_with('the network has 4 conv stages, not 9', dc.eval.features, model, test, {layer = 9})
    errors_with("features: unknown option 'layers'", dc.eval.features, model, test, {layers = 1})
  end)

  it('clustering separates well-separated labelled blobs, on features or a model', function()
    local labels = dc.tensor({1, 1, 1, 2, 2, 2}, 'int64')
    local x = dc.tensor{{1, 0}, {1, 0.05}, {0.95, 0}, {0, 1}, {0.05, 1}, {0, 0.95}}
    local r = dc.eval.clustering(x, labels, {k = 2, seeds = 2, preprocess = {'l2'}})
    assert.is_true(r.l2.nmi.mean > 0.99 and r.l2.acc.mean > 0.99 and r.l2.ari.mean > 0.99)
    assert.are.equal(2, #r.l2.nmi.runs)
    -- a model and a dataset: the same numbers as its features and the dataset's labels
    local m = dc.eval.clustering(model, test, {seeds = 1})
    local f = dc.eval.clustering(dc.eval.features(model, test), test.labels, {seeds = 1, k = 10})
    assert.are.same(f, m)
    -- min_variance reaches the whitening: one strong dimension that separates the labels and
    -- one 1e-8 as strong (relative variance) that crosses them. Each seed's NMI is that of
    -- k-means on dc.cluster.preprocess's output with the same min_variance, and the floor
    -- changes the outcome on this data.
    local rows, lab = {}, {}
    local spread = {0.2, 1.0, 3.0, 0.3, 2.0, 1.5}
    for i = 1, 12 do
      lab[i] = i <= 6 and 1 or 2
      rows[i] = {(i <= 6 and 1 or -1) * spread[(i - 1) % 6 + 1], (i % 2 == 0 and 1 or -1) * 1e-4}
    end
    local y, ylab = dc.tensor(rows), dc.tensor(lab, 'int64')
    local runs = {}
    for _, mv in ipairs{1e-10, 1e-5} do
      local got = dc.eval.clustering(y, ylab, {k = 2, seeds = 3, preprocess = {'pca'},
        min_variance = mv}).pca.nmi.runs
      local x = dc.cluster.preprocess{pca = 2, whiten = true, min_variance = mv}:fit_apply(y)
      for seed = 1, 3 do
        local res = dc.cluster.kmeans{k = 2, niter = 20, seed = seed}:fit(x)
        assert.are.equal(dc.metrics.nmi(res.assign, ylab), got[seed])
      end
      runs[#runs + 1] = table.concat(got, ' ')
    end
    assert.are_not.equal(runs[1], runs[2])
    errors_with('preprocess: min_variance must be in [0, 1), got -1', dc.eval.clustering, y, ylab,
      {preprocess = {'pca'}, min_variance = -1})
    errors_with("preprocess entries are 'pca' or 'l2'", dc.eval.clustering, x, labels,
      {k = 2, preprocess = {'zca'}})
    errors_with('clustering: k = 10 clusters for 6 feature rows', dc.eval.clustering, x, labels)
    errors_with('clustering: 3 labels (argument 2) for 6 feature rows (argument 1)',
      dc.eval.clustering, x, labels:narrow(1, 1, 3), {k = 2})
    errors_with('knn: argument 2 must be an int64 1-D tensor, got float32 [6, 2]', dc.eval.knn,
      x, x, x, labels)
    errors_with('knn: training features have 2 columns, test features 1', dc.eval.knn,
      x, labels, x:narrow(2, 1, 1):contiguous(), labels)
    errors_with('embed: argument 1 must be a dc.models network, got nil', dc.eval.embed, nil, x)
    errors_with('with a model, argument 2 must be a dataset', dc.eval.clustering, model, labels)
  end)

  it('knn: the weighted cosine vote, computed the slow obvious way; both call forms', function()
    local f1, f2 = dc.eval.features(nil, train, {layer = 'pixels'}), dc.eval.features(nil, test, {layer = 'pixels'})
    local acc = dc.eval.knn(f1, train.labels, f2, test.labels, {k = 5})
    -- reference: every test row against every training row, in Lua numbers
    local function unit_rows(t)
      local rows = t:totable()
      for _, r in ipairs(rows) do
        local n = 0
        for _, v in ipairs(r) do n = n + v * v end
        n = math.max(math.sqrt(n), 1e-12)
        for j = 1, #r do r[j] = r[j] / n end
      end
      return rows
    end
    local tr, te = unit_rows(f1), unit_rows(f2)
    local ytr, yte = train.labels:totable(), test.labels:totable()
    local correct = 0
    for i, q in ipairs(te) do
      local sims = {}
      for j, r in ipairs(tr) do
        local d = 0
        for c = 1, #q do d = d + q[c] * r[c] end
        sims[j] = {d, j}
      end
      table.sort(sims, function(a, b) return a[1] > b[1] end)
      local score, best, best_score = {}, nil, -1
      for n = 1, 5 do
        local y = ytr[sims[n][2]]
        score[y] = (score[y] or 0) + math.exp(sims[n][1] / 0.07)
      end
      for y, v in pairs(score) do
        if v > best_score then best, best_score = y, v end
      end
      if best == yte[i] then correct = correct + 1 end
    end
    assert.are.equal(correct / #te, acc)
    assert.are.equal(acc, dc.eval.knn(nil, train, test, {k = 5}))
    local acc_model = dc.eval.knn(model, train, test, {k = 5})
    assert.are.equal(dc.eval.knn(dc.eval.features(model, train), train.labels,
      dc.eval.features(model, test), test.labels, {k = 5}), acc_model)
    errors_with("metric must be 'cosine'", dc.eval.knn, f1, train.labels, f2, test.labels, {metric = 'l1'})
    errors_with('k = 500 is larger than the training set (200)', dc.eval.knn, f1, train.labels, f2, test.labels, {k = 500})
  end)

  it('linear probe: separable features are learnt exactly; both call forms agree', function()
    -- 3 classes, each its own axis plus a little noise: a linear classifier separates them
    local gen = dc.Generator(3)
    local function separable(n)
      local y = dc.randint(1, 3, n, {generator = gen})
      local x = dc.randn(n, 5, {generator = gen}) * 0.1
      for i = 1, n do x[i][y[i]] = x[i][y[i]] + 3 end
      return x, y
    end
    local xtr, ytr = separable(90)
    local xte, yte = separable(30)
    local te, tr = dc.eval.linear_probe(xtr, ytr, xte, yte, {epochs = 10, lr = 0.1})
    assert.are.equal(1, te)
    assert.are.equal(1, tr)
    -- the model form probes the features of the layer it names
    local mte, mtr = dc.eval.linear_probe(model, train, test, {layer = 4, epochs = 2})
    local fte, ftr = dc.eval.linear_probe(dc.eval.features(model, train, {layer = 4}), train.labels,
      dc.eval.features(model, test, {layer = 4}), test.labels, {epochs = 2})
    assert.are.equal(fte, mte)
    assert.are.equal(ftr, mtr)
  end)

  it('report gathers clustering, k-NN and probes for a network and for pixels', function()
    local r = dc.eval.report(nil, train, test, {seeds = 1, probe_epochs = 1})
    assert.is_not_nil(r.clustering.pca and r.clustering.l2 and r.knn and r.probe[0])
    r = dc.eval.report(model, train, test, {seeds = 1, probe_epochs = 1, probe_layers = 1})
    assert.is_not_nil(r.probe[1])
    assert.is_nil(r.probe[2])
  end)
end)

describe('dc.report', function()
  it('table formats numbers and missing values', function()
    local t = dc.report.table({'a', 'b', 'c'}, {{1, 0.5, nil}, {'x', 2.0, 3}})
    assert.are.equal('| a | b | c |\n|---|---|---|\n| 1 | 0.5000 | - |\n| x | 2 | 3 |\n', t)
  end)

  it('write replaces a file atomically and checks its arguments', function()
    local path = os.tmpname()
    dc.report.write(path, 'hello')
    assert.are.equal('hello', io.open(path):read('a'))
    os.remove(path)
    errors_with('report.write: expected (path, text) strings', dc.report.write, path, 3)
  end)

  it('plot draws a PNG through gnuplot', function()
    local path = os.tmpname() .. '.png'
    assert.is_true(dc.report.plot{path = path, series = {{name = 's', x = {1, 2}, y = {0.5, 0.7}}}})
    assert.are.equal('\137PNG', io.open(path, 'rb'):read(4))
    os.remove(path)
    errors_with('report.plot: expected {path = ..., series', dc.report.plot, {})
  end)
end)

describe('dc.progress', function()
  it('prints a plain line per quarter off a terminal, and a bar on one', function()
    local lines = {}
    local sink = {write = function(_, ...) for _, s in ipairs{...} do lines[#lines + 1] = s end end,
      flush = function() end}
    local p = dc.progress('work', 100, {out = sink, tty = false})
    for i = 1, 100 do p:update(i) end
    p:finish()
    local text = table.concat(lines)
    assert.truthy(text:find('work 25/100', 1, true), text)
    assert.truthy(text:find('work 75/100', 1, true), text)
    lines = {}
    p = dc.progress('bar', 10, {out = sink, tty = true})
    p:update(10)
    p:finish()
    assert.truthy(table.concat(lines):find('[########################] 100%', 1, true))
  end)
end)

describe('terminal and interrupt helpers', function()
  it('isatty answers for a descriptor, interrupted polls a flag that SIGINT raises', function()
    assert.are.equal('boolean', type(dc.isatty()))
    assert.is_false(dc.isatty(99))
    dc.catch_interrupts(true)
    assert.is_false(dc.interrupted())
    local pid = io.open('/proc/self/stat'):read('a'):match('^%d+')
    -- from a detached child: system() ignores SIGINT in its caller while it waits
    os.execute('(sleep 0.1; kill -INT ' .. pid .. ') &')
    local t0, got = dc.now(), false
    while not got and dc.now() - t0 < 10 do got = dc.interrupted() end
    assert.is_true(got)
    assert.is_false(dc.interrupted()) -- polling clears the flag
    dc.catch_interrupts(false)
    local errors_with = require('spec_helpers').errors_with
    errors_with('bad argument #1', dc.catch_interrupts, 'yes')
  end)
end)

describe('dc.cli and the Fashion-MNIST recipe transforms', function()
  it('cli.integer converts for argparse, refusing what is not an integer', function()
    local conv = dc.cli.integer('--k')
    assert.are.equal(12, conv('12'))
    local v, msg = conv('1.5')
    assert.is_nil(v)
    assert.are.equal('--k must be an integer, got 1.5', msg)
    assert.is_nil((conv('x')))
    local parser = require('argparse')('t')
    dc.cli.int_option(parser, '--n', 'N.', 3)
    assert.are.equal(3, parser:parse({}).n)
    assert.are.equal(8, parser:parse({'--n', '8'}).n)
  end)

  it('cli.fill_sizes takes the preset when on, the defaults otherwise, and flags over both', function()
    local defaults, preset = {epochs = 10, seeds = 3}, {epochs = 5}
    assert.are.same({epochs = 5, seeds = 3}, dc.cli.fill_sizes({}, defaults, preset, true))
    assert.are.same({epochs = 10, seeds = 3}, dc.cli.fill_sizes({}, defaults, preset, false))
    assert.are.same({epochs = 7, seeds = 3}, dc.cli.fill_sizes({epochs = 7}, defaults, preset, true))
    -- a preset value of false is a value, not "unset"
    assert.are.same({on = false}, dc.cli.fill_sizes({}, {on = true}, {on = false}, true))
    errors_with('fill_sizes: argument 1', dc.cli.fill_sizes, nil, defaults, preset, true)
    errors_with('fill_sizes: argument 3', dc.cli.fill_sizes, {}, defaults, 'x', true)
  end)

  it('fashion_mnist_transforms gives 28x28 normalised train and eval transforms', function()
    local tf = dc.data.fashion_mnist_transforms()
    local x = test:get(1, tf.eval)
    assert.are.same({1, 28, 28}, x:shape())
    assert.is_true(math.abs(x:min() - (0 - 0.2860) / 0.3530) < 1e-4)
    assert.are.same({1, 28, 28}, test:get(1, tf.train, 7):shape())
  end)
end)
