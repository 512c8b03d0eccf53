-- dc.scan (SCAN's clustering stage as a part): neighbour mining and its accuracy, heads fitted
-- on tiny frozen features (shapes, probabilities, the kept head of lowest loss, the same fit
-- for the same seed, self-labelling), fine-tuning a dc.contrastive network's trunk with the
-- heads (200 images, 1 epoch), and every error.
local dc = require 'dclab'

local errors_with = require('spec_helpers').errors_with
local S = dc.scan

-- n rows around each of k well-apart directions in d dims, and their labels.
local function blobs(k, n, d, seed)
  local g = dc.Generator(seed)
  local x, ys = dc.randn(k * n, d, {generator = g}) * 0.1, {}
  for c = 1, k do
    x:narrow(1, (c - 1) * n + 1, n):select(2, c):add_(3)
    for i = 1, n do ys[#ys + 1] = c end
  end
  return x, dc.tensor(ys, 'int64')
end

describe('dc.scan', function()
  it('mines neighbours by cosine and scores them against the labels', function()
    local x = dc.tensor{{1, 0}, {2, 0.1}, {0, 1}, {0.1, 3}}
    local nbr = S.mine(x, 1)
    assert.are.same({2, 1, 4, 3}, {nbr[1][1], nbr[2][1], nbr[3][1], nbr[4][1]})
    local labels = dc.tensor({1, 1, 2, 1}, 'int64')
    assert.is_true(math.abs(S.neighbor_accuracy(nbr, labels) - 0.5) < 1e-6)
    errors_with('mine: 4 neighbours of each of 4 rows (at most 3)', S.mine, x, 4)
    errors_with('mine: argument 2 must be an integer', S.mine, x, 1.5)
    errors_with('mine: argument 1 must be', S.mine, dc.ones(4))
    errors_with('neighbor_accuracy: 3 labels for 4 rows of neighbours', S.neighbor_accuracy,
      nbr, dc.tensor({1, 1, 2}, 'int64'))
    errors_with('neighbor_accuracy: argument 1 must be', S.neighbor_accuracy, x, labels)
  end)

  it('fits heads on frozen features: probabilities, the kept head of lowest loss', function()
    local x, y = blobs(3, 60, 6, 1)
    local opts = {neighbors = 5, k = 3, heads = 4, epochs = 3, lr = 0.1, batch = 32,
      selflabel = 2, threshold = 0.5, seed = 2}
    local stages = {}
    opts.log = function(stage, epoch) stages[#stages + 1] = stage .. epoch end
    local heads = S.fit(x, opts)
    assert.are.same({'frozen1', 'frozen2', 'frozen3', 'selflabel1', 'selflabel2'}, stages)
    assert.are.equal(4, #heads.history[1])
    assert.are.same({180, 3}, heads.probs:shape())
    assert.are.same({180, 5}, heads.neighbors:shape())
    assert.are.equal(3, #heads.history)
    assert.are.equal(2, #heads.selflabel_history)
    assert.is_nil(heads.finetune_history)
    local sl = heads.selflabel_history[2]
    assert.is_true(sl.confident >= 0 and sl.confident <= 1)
    assert.are.equal(4, #heads.losses)
    for h, l in ipairs(heads.losses) do
      assert.is_true(heads.losses[heads.head] <= l, h)
    end
    assert.is_true((heads.probs:sum(2) - 1):abs():max() < 1e-5)
    assert.is_true(heads.probs:min() >= 0)
    -- new rows: probabilities of the kept head; the training rows give heads.probs
    local p = heads:predict(x)
    assert.is_true((p - heads.probs):abs():max() < 1e-6)
    local xt = blobs(3, 10, 6, 9)
    local pt = heads:predict(xt)
    assert.are.same({30, 3}, pt:shape())
    assert.is_true((pt:sum(2) - 1):abs():max() < 1e-5)
    -- three blobs, three clusters
    assert.is_true(dc.metrics.nmi(heads.probs:argmax(2), y) > 0.9)
    assert.are.equal(1, S.neighbor_accuracy(heads.neighbors, y))
    -- the same seed, the same heads
    opts.log = nil
    local again = S.fit(x, opts)
    assert.are.same(heads.losses, again.losses)
    assert.are.equal(0, (again.probs - heads.probs):abs():max())
    -- neighbours mined in other rows: the features themselves change nothing; shuffled rows
    -- give neighbours blind to the blobs
    opts.mine_in = x
    assert.are.equal(0, (S.fit(x, opts).probs - heads.probs):abs():max())
    local shifted = x:index_select(1, dc.randperm(180, {generator = dc.Generator(5)}))
    opts.mine_in = shifted
    local other = S.fit(x, opts)
    assert.are.equal(0, (other.neighbors - S.mine(shifted, 5)):abs():max())
    assert.is_true(S.neighbor_accuracy(other.neighbors, y) < 0.5)
  end)

  it('fine-tunes the trunk of a contrastive network with the heads', function()
    local ds = dc.data.fashion_mnist{split = 'train'}:subset(200)
    local model = dc.contrastive.net({widths = {4, 8, 8, 8}, hidden = 16, dim = 8},
      dc.Generator(1))
    local f = dc.contrastive.features(model, ds).trunk
    local before = model.features:get(1).weight:clone()
    local heads = S.fit(f, {neighbors = 5, heads = 2, epochs = 1, batch = 32, finetune = 1,
      model = model, data = ds, augment = {crop = {0.5, 1}}})
    assert.are.equal(1, #heads.finetune_history)
    assert.are.equal(2, #heads.finetune_history[1].losses)
    assert.is_true((model.features:get(1).weight - before):abs():max() > 0)
    -- heads.probs are of the fine-tuned trunk's features
    local p = heads:predict(dc.contrastive.features(model, ds).trunk)
    assert.is_true((p - heads.probs):abs():max() < 1e-5)
  end)

  it('names bad arguments and options', function()
    local x = blobs(2, 20, 4, 1)
    errors_with('scan.fit: argument 1 must be a dclab.Tensor', S.fit, {})
    errors_with('scan.fit: neighbors = 20 for 20 rows (at most 19)', S.fit, x:narrow(1, 1, 20))
    errors_with('scan.fit: batch = 256 is larger than the 40 rows', S.fit, x, {neighbors = 5})
    errors_with("scan.fit: option 'heads' must be >= 1, got 0", S.fit, x, {heads = 0})
    errors_with("scan.fit: option 'k' must be >= 2, got 1", S.fit, x, {k = 1})
    errors_with("scan.fit: unknown option 'simclr'", S.fit, x, {simclr = {}})
    errors_with('scan.fit: mine_in has 20 rows for 40 feature rows', S.fit, x,
      {neighbors = 5, batch = 8, mine_in = x:narrow(1, 1, 20)})
    errors_with("scan.fit: option 'mine_in' must be", S.fit, x, {mine_in = dc.ones(40)})
    errors_with('scan.fit: finetune needs the network (model =) and its images (data =)',
      S.fit, x, {neighbors = 5, batch = 8, finetune = 1})
    errors_with("scan.fit: option 'model' must be a network of dc.contrastive.net", S.fit, x,
      {model = dc.models.small()})
    local ds = dc.data.fashion_mnist{split = 'train'}:subset(30)
    errors_with('scan.fit: data has 30 images for 40 feature rows', S.fit, x,
      {neighbors = 5, batch = 8, finetune = 1, model = dc.contrastive.net{widths = {4}},
        data = ds})
    errors_with("contrastive.options: option 'flip' must be a boolean", S.fit, x,
      {neighbors = 5, batch = 8, finetune = 1, model = dc.contrastive.net{widths = {4}},
        data = dc.data.fashion_mnist{split = 'train'}:subset(40), augment = {flip = 1}})
    errors_with("scan.options: option 'threshold' must be <= 1, got 2", S.options,
      {threshold = 2})
    local heads = S.fit(x, {neighbors = 3, batch = 8, epochs = 1})
    errors_with('predict: the heads take 4 features a row, got float32 [5, 3]', heads.predict,
      heads, dc.rand(5, 3))
    errors_with('predict: argument 1 must be', heads.predict, heads, dc.ones(4))
    errors_with('Heads:predict: called on a dclab.Tensor, not a Heads', heads.predict, x)
  end)
end)
