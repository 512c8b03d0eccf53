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
    local m = dc.eval.clustering(model, test, {seeds = 1})
    assert.is_true(m.pca.nmi.mean >= 0 and m.l2.nmi.mean <= 1)
    -- min_variance reaches the whitening: 3 strong dims and 1 of variance 1e-8 of theirs
    local y = dc.tensor{{1, 0, 0, 1e-4}, {0, 1, 0, -1e-4}, {0, 0, 1, 1e-4}, {1, 1, 0, 0},
      {0, 1, 1, -1e-4}, {1, 0, 1, 0}}
    local strong = dc.eval.clustering(y, labels, {k = 2, seeds = 1, preprocess = {'pca'},
      min_variance = 1e-5})
    assert.is_true(strong.pca.nmi.mean >= 0 and strong.pca.nmi.mean <= 1)
    errors_with('preprocess: min_variance must be in [0, 1), got -1', dc.eval.clustering, y, labels,
      {preprocess = {'pca'}, min_variance = -1})
    errors_with("preprocess entries are 'pca' or 'l2'", dc.eval.clustering, x, labels, {preprocess = {'zca'}})
    errors_with('with a model, argument 2 must be a dataset', dc.eval.clustering, model, labels)
  end)

  it('knn and linear probes: accuracies in [0, 1], both call forms', function()
    local acc = dc.eval.knn(model, train, test, {k = 5})
    assert.is_true(acc > 0.3 and acc <= 1)
    local f1, f2 = dc.eval.features(nil, train, {layer = 'pixels'}), dc.eval.features(nil, test, {layer = 'pixels'})
    assert.are.equal(dc.eval.knn(nil, train, test, {k = 5}), dc.eval.knn(f1, train.labels, f2, test.labels, {k = 5}))
    local te, tr = dc.eval.linear_probe(model, train, test, {layer = 4, epochs = 2})
    assert.is_true(te > 0.2 and tr > 0.2)
    errors_with("metric must be 'cosine'", dc.eval.knn, f1, train.labels, f2, test.labels, {metric = 'l1'})
    errors_with('k = 500 is larger than the training set (200)', dc.eval.knn, f1, train.labels, f2, test.labels, {k = 500})
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

describe('dc.ablation', function()
  it('setup raises on a bad flag instead of exiting', function()
    errors_with("unknown option '--bogus'", dc.ablation.setup, 'x', {'--bogus'})
    errors_with("argument 2 must be the script's arg table", dc.ablation.setup, 'x', 'no')
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

  it('fashion_mnist_transforms gives 28x28 normalised train and eval transforms', function()
    local tf = dc.data.fashion_mnist_transforms()
    local x = test:get(1, tf.eval)
    assert.are.same({1, 28, 28}, x:shape())
    assert.is_true(math.abs(x:min() - (0 - 0.2860) / 0.3530) < 1e-4)
    assert.are.same({1, 28, 28}, test:get(1, tf.train, 7):shape())
  end)
end)
