-- dc.contrastive (SimCLR training as a part): the options, the network's shapes, the view
-- transform, the intensity jitter against a per-image reference, a tiny training run
-- (300 images, 1 epoch) with its history and watch, the features' shapes, every error.
local dc = require 'dclab'

local errors_with = require('spec_helpers').errors_with
local C = dc.contrastive

local function images(n)
  return dc.data.fashion_mnist{split = 'train'}:subset(n)
end

describe('dc.contrastive', function()
  it('fills the defaults and names a bad option', function()
    local o = C.options{epochs = 3}
    assert.are.equal(3, o.epochs)
    assert.are.equal(256, o.batch)
    assert.are.same({32, 64, 128, 128}, o.widths)
    errors_with("contrastive.options: unknown option 'bogus'", C.options, {bogus = 1})
    errors_with("contrastive.options: option 'lr' must be > 0, got 0", C.options, {lr = 0})
    errors_with('contrastive.options: widths[2] must be a positive integer, got 0', C.options,
      {widths = {8, 0}})
    errors_with('contrastive.options: widths must list 1 to 5 stages, got 6', C.options,
      {widths = {1, 1, 1, 1, 1, 1}})
  end)

  it('builds the trunk and projection head of the given widths', function()
    local net = C.net({widths = {4, 8}, hidden = 16, dim = 6}, dc.Generator(1))
    local z = net:forward(dc.rand(3, 1, 28, 28))
    assert.are.same({3, 6}, z:shape())
    -- two poolings: 28 -> 7, 8 channels
    assert.are.same({3, 8 * 7 * 7}, net.flatten:forward(net.features:forward(dc.rand(3, 1, 28,
      28))):shape())
    -- the same generator seed draws the same weights
    local again = C.net({widths = {4, 8}, hidden = 16, dim = 6}, dc.Generator(1))
    assert.are.equal(0, (net.classifier:get(1).weight - again.classifier:get(1).weight):abs():max())
    errors_with('contrastive.net: argument 2 must be a dclab.Generator', C.net, {}, 5)
  end)

  it('augments a view by crop, optional flip and floats', function()
    local with = tostring(C.view_transform{crop = {0.5, 1}})
    assert.truthy(with:find('RandomResizedCrop', 1, true), with)
    assert.truthy(with:find('RandomHorizontalFlip', 1, true), with)
    assert.falsy(tostring(C.view_transform{flip = false}):find('Flip', 1, true))
    errors_with("contrastive.view_transform: option 'flip' must be a boolean", C.view_transform,
      {flip = 1})
  end)

  it('jitters brightness then contrast per image, as a direct loop does', function()
    local x = dc.rand(4, 1, 5, 5, {generator = dc.Generator(7)})
    local y = C.intensity_jitter(x, {brightness = 0.4, contrast = 0.3,
      generator = dc.Generator(3)})
    local g = dc.Generator(3)
    local b = dc.rand(4, 1, 1, 1, {generator = g})
    local c = dc.rand(4, 1, 1, 1, {generator = g})
    for i = 1, 4 do
      local fb, fc = 1 - 0.4 + 0.8 * b[i][1][1][1], 1 - 0.3 + 0.6 * c[i][1][1][1]
      local v, mean = {}, 0
      for p = 1, 25 do
        local r, s = (p - 1) // 5 + 1, (p - 1) % 5 + 1
        v[p] = math.min(1, math.max(0, x[i][1][r][s] * fb))
        mean = mean + v[p] / 25
      end
      for p = 1, 25 do
        local r, s = (p - 1) // 5 + 1, (p - 1) % 5 + 1
        local want = math.min(1, math.max(0, (v[p] - mean) * fc + mean))
        assert.is_true(math.abs(y[i][1][r][s] - want) < 1e-5, want .. ' vs ' .. y[i][1][r][s])
      end
    end
    -- off: the input's values; x itself is not changed
    local same = C.intensity_jitter(x, {brightness = 0, contrast = 0})
    assert.are.equal(0, (same - x):abs():max())
    errors_with('intensity_jitter: argument 1 must be', C.intensity_jitter, dc.rand(4, 25))
    errors_with("intensity_jitter: option 'brightness' must be >= 0, got float -0.1",
      C.intensity_jitter, x, {brightness = -0.1})
    errors_with("intensity_jitter: unknown option 'hue'", C.intensity_jitter, x, {hue = 0.1})
  end)

  it('trains a tiny network: history, watch, log, the same run for the same seed', function()
    local ds, test = images(300), dc.data.fashion_mnist{split = 'test'}:subset(100)
    local logged = {}
    local opts = {epochs = 1, batch = 64, lr = 0.1, widths = {8, 16, 16, 16}, hidden = 32,
      dim = 16, watch = test, log = function(e, loss) logged[#logged + 1] = {e, loss} end}
    local model, history = C.train(ds, opts)
    assert.are.equal(1, #history)
    local h = history[1]
    assert.are.equal(1, h.epoch)
    -- below ln(2B - 1), the loss of embeddings that tell no image from another
    assert.is_true(h.loss > 0 and h.loss < math.log(2 * 64 - 1), h.loss)
    assert.is_true(h.test_nmi > 0 and h.test_nmi <= 1, h.test_nmi)
    assert.is_true(h.images_per_second > 0 and h.seconds > 0)
    assert.are.same({{1, h.loss}}, logged)
    local f = C.features(model, test)
    assert.are.same({100, 16 * 3 * 3}, f.trunk:shape())
    assert.are.same({100, 32}, f.hidden:shape())
    assert.are.same({100, 16}, f.z:shape())
    assert.are.equal('float32', f.trunk:dtype())
    -- watch scores the trunk features as dc.eval.kmeans_nmi does
    assert.is_true(math.abs(h.test_nmi - dc.eval.kmeans_nmi(f.trunk, test.labels)) < 1e-12)
    opts.watch, opts.log = nil, nil
    local _, again = C.train(ds, opts)
    assert.are.equal(h.loss, again[1].loss)
  end)

  it('names bad arguments of train and features', function()
    local ds = images(50)
    errors_with('contrastive.train: argument 1 must be a dataset', C.train, dc.zeros(2, 2))
    errors_with('contrastive.train: batch = 256 is larger than the 50 images', C.train, ds)
    errors_with('contrastive.train: watch must be a labelled dataset', C.train, ds,
      {batch = 16, watch = {}})
    errors_with("contrastive.train: unknown option 'k'", C.train, ds, {k = 10})
    errors_with('contrastive.features: argument 1 must be a network of dc.contrastive.net',
      C.features, dc.models.small(), ds)
    errors_with('contrastive.features: argument 2 must be a dataset', C.features,
      C.net({widths = {4}}), {})
  end)
end)

describe('dc.eval.kmeans and kmeans_nmi', function()
  it('cluster every row and score the L2 rows', function()
    local g = dc.Generator(1)
    local x = dc.cat{dc.randn(20, 3, {generator = g}) * 0.05 + 5,
      dc.randn(20, 3, {generator = g}) * 0.05 - 5}
    local ys = {}
    for i = 1, 40 do ys[i] = i <= 20 and 1 or 2 end
    local labels = dc.tensor(ys, 'int64')
    local a = dc.eval.kmeans(x, {k = 2, seed = 3})
    assert.are.same({40}, a:shape())
    assert.are.equal(1, dc.metrics.nmi(a, labels))
    assert.is_true(math.abs(dc.eval.kmeans_nmi(x, labels, {k = 2}) - 1) < 1e-9)
    local u = dc.eval.l2_rows(dc.tensor{{3, 4}, {0, 0}})
    local want = {0.6, 0.8, 0, 0}
    for i, v in ipairs{u[1][1], u[1][2], u[2][1], u[2][2]} do
      assert.is_true(math.abs(v - want[i]) < 1e-7, v)
    end
    errors_with('kmeans: k = 10 clusters for 3 feature rows', dc.eval.kmeans, dc.rand(3, 2))
    errors_with("kmeans: unknown option 'n'", dc.eval.kmeans, x, {n = 2})
    errors_with('kmeans_nmi: 3 labels (argument 2) for 40 feature rows (argument 1)',
      dc.eval.kmeans_nmi, x, dc.tensor({1, 2, 1}, 'int64'))
    errors_with("kmeans_nmi: option 'seed' must be an integer", dc.eval.kmeans_nmi, x, labels,
      {seed = 0.5})
    errors_with('l2_rows: argument 1 must be', dc.eval.l2_rows, dc.ones(3))
  end)
end)
