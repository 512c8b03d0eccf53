-- dc.cluster.preprocess: PCA-whitening + L2 as its own step, fit/apply split, batch-by-batch
-- projection, clamped dimension, a fit accumulated over blocks (partial_fit).
local dc = require 'dclab'

local errors_with = require('spec_helpers').errors_with

-- n rows of d correlated dims with uneven variances and an offset
local function correlated(n, d, seed)
  math.randomseed(seed)
  local mix = {}
  for a = 1, d do
    mix[a] = {}
    for b = 1, d do mix[a][b] = math.random() - 0.5 end
  end
  local rows = {}
  for i = 1, n do
    local z = {}
    for j = 1, d do z[j] = (math.random() - 0.5) * j end
    rows[i] = {}
    for j = 1, d do
      local s = 3 + j
      for q = 1, d do s = s + z[q] * mix[q][j] end
      rows[i][j] = s
    end
  end
  return dc.tensor(rows)
end

local function covariance(y)
  local t, n, d = y:totable(), y:size(1), y:size(2)
  local mean, cov = {}, {}
  for j = 1, d do
    mean[j] = 0
    for i = 1, n do mean[j] = mean[j] + t[i][j] / n end
  end
  for a = 1, d do
    cov[a] = {}
    for b = 1, d do
      local s = 0
      for i = 1, n do s = s + (t[i][a] - mean[a]) * (t[i][b] - mean[b]) end
      cov[a][b] = s / n
    end
  end
  return cov
end

-- a and b (tensors [n, d]) equal within tol up to each column's sign
local function same_up_to_sign(a, b, tol)
  local ta, tb = a:totable(), b:totable()
  assert.are.same(a:shape(), b:shape())
  for j = 1, a:size(2) do
    local dot = 0
    for i = 1, a:size(1) do dot = dot + ta[i][j] * tb[i][j] end
    local s = dot < 0 and -1 or 1
    for i = 1, a:size(1) do
      assert.is_true(math.abs(ta[i][j] - s * tb[i][j]) < tol,
        string.format('row %d, column %d: %g vs %g', i, j, ta[i][j], s * tb[i][j]))
    end
  end
end

describe('dc.cluster.preprocess', function()
  it("gives what DeepCluster's FAISS preprocessing gives (PCAMatrix eigen_power -0.5, L2)", function()
    -- tests/fixtures/faiss_pca.py: 400 x 24 features through faiss.PCAMatrix(24, 16, -0.5)
    local x = dc.load_npy('tests/fixtures/faiss_pca_x.npy')
    local want = dc.load_npy('tests/fixtures/faiss_pca_y.npy')
    local pre = dc.cluster.preprocess{pca = 16}
    same_up_to_sign(pre(x), want, 1e-4)
  end)

  it('whitened output has identity covariance on the kept dims', function()
    local pre = dc.cluster.preprocess{pca = 3, whiten = true, l2 = false}
    local y = pre(correlated(1000, 6, 1))
    assert.are.same({1000, 3}, y:shape())
    local cov = covariance(y)
    for a = 1, 3 do
      for b = 1, 3 do assert.is_true(math.abs(cov[a][b] - (a == b and 1 or 0)) < 2e-3) end
    end
  end)

  it('L2 rows by default; test features reuse the training PCA', function()
    local pre = dc.cluster.preprocess{pca = 4}
    pre:fit(correlated(300, 8, 2))
    assert.are.same({8, 4}, {pre:dims()})
    local y = pre:apply(correlated(20, 8, 3))
    for i = 1, 20 do
      local s = 0
      for j = 1, 4 do s = s + y[i][j] ^ 2 end
      assert.is_true(math.abs(s - 1) < 1e-5)
    end
    errors_with('pca_apply: x is float32 [2, 5] but the PCA was fitted on D = 8', pre.apply, pre,
      dc.zeros(2, 5))
  end)

  it('projects batch by batch into one output, as one call would', function()
    local x = correlated(50, 6, 4)
    local pre = dc.cluster.preprocess{pca = 3}
    pre:fit(x)
    local whole = pre:apply(x)
    local row = 0
    local batched = pre:transform(50, function()
      if row >= 50 then return nil end
      local b = math.min(16, 50 - row)
      local batch = x:narrow(1, row + 1, b)
      row = row + b
      return batch
    end)
    assert.are.same(whole:totable(), batched:totable())
    errors_with('preprocess: the batches held 50 rows, 60 were announced', pre.transform, pre, 60,
      coroutine.wrap(function() coroutine.yield(x) end))
  end)

  it('clamps the dimension to what the rows can span', function()
    local pre = dc.cluster.preprocess{}
    pre:fit(correlated(5, 10, 5))
    assert.are.same({10, 4}, {pre:dims()})
    assert.truthy(tostring(pre):find('fitted 10 -> 4', 1, true))
    local none = dc.cluster.preprocess{pca = false}
    local y = none(dc.tensor{{3, 4}, {0, 0}})
    local t = y:totable()
    assert.is_true(math.abs(t[1][1] - 0.6) < 1e-6 and math.abs(t[1][2] - 0.8) < 1e-6)
    assert.are.same({0, 0}, t[2])
  end)

  it('whitening keeps every component above min_variance of the largest (FAISS: all)', function()
    -- 3 strong directions, 2 weak ones (std 3e-4 of the strong: variance 1e-7), 1 constant
    math.randomseed(7)
    local rows = {}
    for i = 1, 300 do
      local r = {}
      for j = 1, 3 do r[j] = math.random() - 0.5 end
      for j = 4, 5 do r[j] = (math.random() - 0.5) * 3e-4 end
      r[6] = 5
      rows[i] = r
    end
    local x = dc.tensor(rows)
    local default = dc.cluster.preprocess{pca = 6, l2 = false}
    default:fit(x)
    assert.are.same({6, 5}, {default:dims()})  -- only the constant goes
    local strong = dc.cluster.preprocess{pca = 6, l2 = false, min_variance = 1e-5}
    strong:fit(x)
    assert.are.same({6, 3}, {strong:dims()})
    local cov = covariance(default:apply(x))  -- the weak ones whitened to unit variance too
    for a = 1, 5 do assert.is_true(math.abs(cov[a][a] - 1) < 1e-3) end
    errors_with('preprocess: min_variance must be in [0, 1), got 2', dc.cluster.preprocess,
      {min_variance = 2})
  end)

  it('partial_fit over blocks fits what one fit on all the rows fits', function()
    local x = correlated(600, 6, 6)
    local one = dc.cluster.preprocess{pca = 4, whiten = true, l2 = false}
    local y1 = one(x)
    local streamed = dc.cluster.preprocess{pca = 4, whiten = true, l2 = false}
    for _, b in ipairs{{1, 250}, {251, 1}, {252, 349}} do
      assert.are.equal(streamed, streamed:partial_fit(x:narrow(1, b[1], b[2])))
    end
    assert.truthy(tostring(streamed):find('600 rows accumulated', 1, true))
    local y2 = streamed:apply(x)             -- fits on the 600 rows first
    assert.are.same({6, 4}, {streamed:dims()})
    same_up_to_sign(y1, y2, 1e-3)
    local cov = covariance(y2)
    for a = 1, 4 do
      for b = 1, 4 do assert.is_true(math.abs(cov[a][b] - (a == b and 1 or 0)) < 2e-3) end
    end
    -- then L2 by default, and transform with batches from a partial fit
    local pre = dc.cluster.preprocess{pca = 3}
    pre:partial_fit(x:narrow(1, 1, 300)):partial_fit(x:narrow(1, 301, 300))
    local z = pre:transform(600, coroutine.wrap(function() coroutine.yield(x) end))
    local r = z:totable()[1]
    assert.is_true(math.abs(r[1] ^ 2 + r[2] ^ 2 + r[3] ^ 2 - 1) < 1e-5)
  end)

  it('partial_fit rejects bad use', function()
    local pre = dc.cluster.preprocess{pca = 3}
    errors_with('pca_apply: the PCA is not fitted', pre.apply, pre, dc.zeros(2, 4))
    errors_with('pca_finish: no rows accumulated', pre.finish, pre)
    pre:partial_fit(dc.ones(1, 4))
    errors_with('pca_finish: needs at least 2 rows, 1 accumulated', pre.apply, pre, dc.zeros(2, 4))
    errors_with('pca_partial_fit: x is float32 [2, 5] but the 1 rows accumulated before have D = 4',
      pre.partial_fit, pre, dc.zeros(2, 5))
    pre:partial_fit(dc.ones(1, 4))
    errors_with('pca_finish: the 2 rows fitted are all equal', pre.finish, pre)
    pre:partial_fit(dc.tensor{{1, 2, 3, 5}})
    pre:finish()                              -- 3 rows, one direction of variance
    assert.are.same({4, 1}, {pre:dims()})
  end)

  it('rejects bad use', function()
    errors_with("preprocess: unknown option 'dim' (valid: l2, min_variance, pca, whiten)",
      dc.cluster.preprocess,
      {dim = 3})
    errors_with('preprocess: pca must be a dimension >= 0 or false, got -1', dc.cluster.preprocess,
      {pca = -1})
    errors_with('pca_apply: the PCA is not fitted', function()
      return dc.cluster.preprocess{}:apply(dc.zeros(2, 2))
    end)
    errors_with('pca_fit: needs at least 2 rows', function()
      return dc.cluster.preprocess{}(dc.zeros(1, 3))
    end)
    errors_with('preprocess: whitening needs a PCA', function()
      return dc.cluster.preprocess{pca = false, whiten = true}(dc.zeros(3, 3))
    end)
  end)
end)
