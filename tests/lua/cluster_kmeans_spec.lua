-- dc.cluster.kmeans: blob recovery, 1-based labels, monotone objective, determinism, the
-- FAISS reference backend, every reassignment strategy (built-in, registered, inline
-- function) and the error messages.
local dc = require 'dclab'

local errors_with = require('spec_helpers').errors_with

local function gauss()
  return math.sqrt(-2 * math.log(1 - math.random())) * math.cos(2 * math.pi * math.random())
end

-- k blobs of m points in d dims around 10 * e_c; truth[i] = blob of point i
local function blobs(k, m, d, seed)
  math.randomseed(seed)
  local rows, truth = {}, {}
  for c = 1, k do
    for _ = 1, m do
      local r = {}
      for j = 1, d do r[j] = (j == c and 10 or 0) + 0.3 * gauss() end
      rows[#rows + 1], truth[#truth + 1] = r, c
    end
  end
  return dc.tensor(rows), dc.tensor(truth, 'int64')
end

local function uniform(n, d, seed)
  math.randomseed(seed)
  local rows = {}
  for i = 1, n do
    rows[i] = {}
    for j = 1, d do rows[i][j] = math.random() end
  end
  return dc.tensor(rows)
end

-- 4 distinct points repeated 10 times: k = 6 always meets empty clusters
local function duplicates()
  local p, rows = {{0, 0, 0}, {5, 0, 0}, {0, 5, 0}, {0, 0, 5}}, {}
  for i = 0, 39 do rows[i + 1] = p[i % 4 + 1] end
  return dc.tensor(rows)
end

describe('dc.cluster.kmeans', function()
  it('recovers well-separated blobs, with labels 1..k', function()
    local x, truth = blobs(5, 40, 6, 1)
    local res = dc.cluster.kmeans{k = 5, init = 'kmeans++'}:fit(x)
    assert.are.equal(5, res.k)
    assert.are.equal('int64', res.assign:dtype())
    assert.are.same({200}, res.assign:shape())
    assert.are.same({5, 6}, res.centroids:shape())
    local s = dc.metrics.sizes(res.assign)
    assert.are.equal(5, s.k)
    assert.are.equal(40, s.min)
    assert.are.equal(1.0, dc.metrics.nmi(res.assign, truth))
    assert.are.equal(1.0, (dc.metrics.acc(res.assign, truth)))
    assert.are.equal(0, res.stats.nempty_final)
  end)

  it('never increases the objective, reports one record per iteration', function()
    local res = dc.cluster.kmeans{k = 20, niter = 12}:fit(uniform(1500, 5, 2))
    local it = res.stats.iters
    assert.are.equal(12, #it)
    for i = 2, 12 do assert.is_true(it[i].obj <= it[i - 1].obj * (1 + 1e-6)) end
    assert.are.equal(it[12].obj, res.loss)
    assert.is_true(res.stats.final_obj <= res.loss * (1 + 1e-6))
    assert.is_true(it[1].imbalance >= 1)
  end)

  it('same seed, same result; the seed can change per call', function()
    local x = uniform(800, 4, 3)
    local km = dc.cluster.kmeans{k = 15, niter = 6, seed = 9}
    local a, b = km:fit(x), km:fit(x)
    assert.are.same(a.assign:totable(), b.assign:totable())
    assert.are.same(a.centroids:totable(), b.centroids:totable())
    local c = km:fit(x, {seed = 10})
    assert.are_not.same(a.centroids:totable(), c.centroids:totable())
  end)

  it("backend 'faiss' is the reference: the faiss_split loop lands within 1% of it", function()
    local x = uniform(3000, 16, 4)
    local ref = dc.cluster.kmeans{k = 30, niter = 10, seed = 5, backend = 'faiss'}:fit(x)
    local same_init = dc.cluster.kmeans{k = 30, niter = 10, seed = 5, init = 'faiss'}:fit(x)
    local own_init = dc.cluster.kmeans{k = 30, niter = 10, seed = 5}:fit(x)
    assert.is_true(math.abs(same_init.loss - ref.loss) <= 1e-5 * ref.loss)
    assert.is_true(math.abs(own_init.loss - ref.loss) <= 0.01 * ref.loss)
    assert.are.equal(10, #ref.stats.iters)
  end)

  it('assigns new points to the fitted centroids', function()
    local x = uniform(500, 3, 5)
    local km = dc.cluster.kmeans{k = 7, niter = 5}
    local res = km:fit(x)
    local a, d = km:assign(x)
    assert.are.same(res.assign:totable(), a:totable())
    assert.are.same({500}, d:shape())
    errors_with('kmeans_assign: x is float32 [2, 2] but centroids are float32 [7, 3] (D differs)',
      km.assign, km, dc.zeros(2, 2))
  end)

  it('preprocess option: PCA-whitening + L2 before clustering', function()
    local x, truth = blobs(4, 30, 8, 6)
    local km = dc.cluster.kmeans{k = 4, init = 'kmeans++', preprocess = {pca = 4}}
    local res = km:fit(x)
    assert.are.same({4, 4}, res.centroids:shape())
    assert.are.equal(1.0, dc.metrics.nmi(res.assign, truth))
    assert.are.same(res.assign:totable(), km:assign(x):totable())
  end)
end)

describe('kmeans reassignment strategies', function()
  it('every built-in one fires on duplicate points and fixes each empty cluster', function()
    for _, name in ipairs{'faiss_split', 'deepercluster', 'farthest_point', 'random_point'} do
      local res = dc.cluster.kmeans{k = 6, niter = 5, reassign = name}:fit(duplicates())
      assert.is_true(res.stats.nempty_met >= 2, name)
      assert.are.equal(res.stats.nempty_met, res.stats.nfixed, name)
      for _, it in ipairs(res.stats.iters) do assert.are.equal(it.nempty, it.nfixed, name) end
    end
    -- DeeperCluster relabels points, so its result has no empty cluster at all
    local res = dc.cluster.kmeans{k = 6, niter = 5, reassign = 'deepercluster'}:fit(duplicates())
    assert.are.equal(0, res.stats.nempty_final)
    assert.are.equal(0, dc.metrics.sizes(res.assign, 6).empty)
  end)

  it('farthest_point recovers points that stay merged without it', function()
    -- 36 copies of the origin and 4 lone points 20 away, k = 5: a random start puts several
    -- centroids on the copies, and the clusters left empty must be moved to the lone points.
    -- farthest_point moves each to the point farthest from its centroid, i.e. a lone point
    -- still merged into another cluster, so it ends with one cluster per location.
    local rows, truth = {}, {}
    local far = {{20, 0, 0}, {0, 20, 0}, {0, 0, 20}, {20, 20, 20}}
    for i = 1, 36 do rows[i], truth[i] = {0, 0, 0}, 1 end
    for j, p in ipairs(far) do rows[36 + j], truth[36 + j] = p, j + 1 end
    local x, labels = dc.tensor(rows), dc.tensor(truth, 'int64')
    for seed = 1, 4 do
      local none = dc.cluster.kmeans{k = 5, niter = 10, seed = seed, reassign = 'none'}:fit(x)
      assert.is_true(none.stats.nempty_final >= 1 and none.loss > 0, 'seed ' .. seed)
      assert.is_true(dc.metrics.nmi(none.assign, labels) < 1, 'seed ' .. seed)
      local fp = dc.cluster.kmeans{k = 5, niter = 10, seed = seed, reassign = 'farthest_point'}:fit(x)
      assert.is_true(fp.stats.nfixed >= 1, 'seed ' .. seed)
      assert.are.equal(0, fp.stats.nempty_final)
      assert.are.equal(0, fp.loss)
      assert.are.equal(1, dc.metrics.nmi(fp.assign, labels))
    end
  end)

  it("'none' leaves clusters empty", function()
    local res = dc.cluster.kmeans{k = 6, niter = 5, reassign = 'none'}:fit(duplicates())
    assert.are.equal(0, res.stats.nfixed)
    assert.is_true(res.stats.nempty_final >= 2)
    assert.are.equal(res.stats.nempty_final, dc.metrics.sizes(res.assign, 6).empty)
  end)

  it('a Lua function is called with centroids, counts and ctx, and its edits stick', function()
    local calls = {}
    local function far_away(centroids, counts, ctx)
      calls[#calls + 1] = {iter = ctx.iter, empty = ctx.empty:totable(), k = ctx.k}
      assert.are.same({ctx.k, 3}, centroids:shape())
      assert.are.same({ctx.k}, counts:shape())
      assert.are.same({40, 3}, ctx.x:shape())
      assert.are.same({40}, ctx.dist:shape())
      assert.are.equal('int64', ctx.assign:dtype())
      assert.is_false(ctx.similarity)
      assert.are.equal('integer', math.type(ctx.seed))
      for _, e in ipairs(ctx.empty:totable()) do
        assert.are.equal(0, counts[e])
        for j = 1, 3 do centroids[e][j] = 100 + e end
        -- labels seen by the strategy are 1-based
        for i = 1, 40 do assert.are_not.equal(e, ctx.assign[i]) end
      end
    end
    local res = dc.cluster.kmeans{k = 6, niter = 3, reassign = far_away}:fit(duplicates())
    assert.are.equal(3, #calls)
    for i, c in ipairs(calls) do
      assert.are.equal(i, c.iter)
      assert.are.equal(6, c.k)
      assert.is_true(#c.empty >= 2)
    end
    assert.are.equal(res.stats.nempty_met, res.stats.nfixed)
    local far = 0
    for e = 1, 6 do if res.centroids[e][1] >= 100 then far = far + 1 end end
    assert.are.equal(res.stats.nempty_final, far)
  end)

  it('register_reassign makes a Lua strategy available by name', function()
    local n = 0
    dc.cluster.register_reassign('count_only', function() n = n + 1; return 0 end)
    local names = dc.cluster.reassign_names()
    assert.are.equal('faiss_split', names[1])
    assert.truthy(table.concat(names, ' '):find('count_only', 1, true))
    local res = dc.cluster.kmeans{k = 6, niter = 4, reassign = 'count_only'}:fit(duplicates())
    assert.are.equal(4, n)
    assert.are.equal(0, res.stats.nfixed)
    errors_with("register_reassign: 'none' is a built-in strategy", dc.cluster.register_reassign,
      'none', function() end)
  end)

  it('an error in a Lua strategy surfaces with the iteration', function()
    errors_with('kmeans: reassign function failed at iteration 1: ', function()
      local km = dc.cluster.kmeans{k = 6, niter = 3, reassign = function() error('no luck') end}
      km:fit(duplicates())
    end)
    errors_with('returned a string; expected nothing or the number of clusters fixed', function()
      dc.cluster.kmeans{k = 6, niter = 3, reassign = function() return 'x' end}:fit(duplicates())
    end)
  end)

  it('a Lua strategy leaving NaN or Inf centroids is an error naming it', function()
    local function poison(value)
      return function(centroids, _, ctx)
        for i = 1, ctx.empty:numel() do centroids[ctx.empty[i]]:fill(value) end
      end
    end
    local msg = errors_with({'kmeans: reassign function failed at iteration 1: the reassign ' ..
      'function left non-finite centroids (NaN or Inf) in cluster', '(the contract: help(dc.deepcluster))'},
      function() dc.cluster.kmeans{k = 6, niter = 3, reassign = poison(0 / 0)}:fit(duplicates()) end)
    assert.truthy(msg:find('in clusters? %d'), msg)
    dc.cluster.register_reassign('to_infinity', poison(math.huge))
    errors_with("reassign strategy 'to_infinity' left non-finite centroids (NaN or Inf)", function()
      dc.cluster.kmeans{k = 6, niter = 3, reassign = 'to_infinity'}:fit(duplicates())
    end)
  end)
end)

describe('spherical kmeans', function()
  -- 4 distinct directions repeated 10 times: k = 6 always meets empty clusters
  local function directions()
    local p, rows = {{1, 1, 1}, {5, 0, 0}, {0, 5, 0}, {0, 0, 5}}, {}
    for i = 0, 39 do rows[i + 1] = p[i % 4 + 1] end
    return dc.tensor(rows)
  end

  local function assert_unit(centroids)
    for _, n in ipairs(centroids:norm(2, 2):totable()) do assert.is_true(math.abs(n - 1) < 1e-6) end
  end

  it('keeps unit-norm centroids and assigns by largest cosine', function()
    local x = uniform(500, 4, 3):add(-0.5):mul(3)
    local km = dc.cluster.kmeans{k = 7, niter = 10, spherical = true}
    local res = km:fit(x)
    assert_unit(res.centroids)
    -- unit centroids: the largest inner product is the largest cosine
    assert.are.same(dc.mm(x, res.centroids:t()):argmax(2):totable(), res.assign:totable())
    local a, sim = km:assign(x)
    assert.are.same(res.assign:totable(), a:totable())
    assert.is_true(math.abs(sim:sum() - res.stats.final_obj) < 1e-3 * math.abs(res.stats.final_obj))
    assert.is_true(res.stats.iters[10].obj >= res.stats.iters[1].obj) -- a similarity: it grows
    assert.truthy(tostring(km):find('spherical', 1, true))
  end)

  it('still runs the empty-cluster strategies, and renormalises what they put back', function()
    for _, name in ipairs{'faiss_split', 'deepercluster', 'farthest_point', 'random_point'} do
      local res = dc.cluster.kmeans{k = 6, niter = 3, spherical = true, reassign = name}
        :fit(directions())
      assert.is_true(res.stats.nfixed >= 2, name)
      assert_unit(res.centroids)
    end
    local similarity
    local function far(centroids, _, ctx)
      similarity = ctx.similarity
      for _, e in ipairs(ctx.empty:totable()) do
        for j = 1, 3 do centroids[e][j] = 100 end
      end
    end
    local res = dc.cluster.kmeans{k = 6, niter = 1, spherical = true, reassign = far}
      :fit(directions())
    assert.is_true(similarity)
    assert.is_true(res.stats.nfixed >= 2)
    assert_unit(res.centroids)
  end)
end)

describe('kmeans errors', function()
  it('names the problem', function()
    local x = uniform(5, 3, 7)
    errors_with('kmeans: k = 10 clusters but x (float32 [5, 3]) has only 5 points', function()
      return dc.cluster.kmeans{k = 10}:fit(x)
    end)
    errors_with("kmeans: option 'k' must be >= 1, got 0", dc.cluster.kmeans, {k = 0})
    errors_with("kmeans: option 'k' must be an integer, got float 2.5", dc.cluster.kmeans, {k = 2.5})
    errors_with("kmeans: option 'k' is required", dc.cluster.kmeans, {})
    errors_with("kmeans: unknown option 'iters'", dc.cluster.kmeans, {k = 2, iters = 3})
    errors_with("kmeans: unknown reassign strategy 'split' (valid: faiss_split, deepercluster",
      dc.cluster.kmeans, {k = 2, reassign = 'split'})
    errors_with("kmeans: unknown init 'pp'", function()
      return dc.cluster.kmeans{k = 2, init = 'pp'}:fit(x)
    end)
    errors_with("backend 'faiss' has only its own empty-cluster rule", function()
      return dc.cluster.kmeans{k = 2, backend = 'faiss', reassign = 'none'}:fit(x)
    end)
    local bad = x:clone()
    bad[2][3] = 0 / 0
    errors_with('kmeans: x has a NaN or Inf (first at 0-based row 1, column 2', function()
      return dc.cluster.kmeans{k = 2}:fit(bad)
    end)
    errors_with('kmeans: x must be float32 [N, D], got int64 [3]', function()
      return dc.cluster.kmeans{k = 2}:fit(dc.tensor({1, 2, 3}, 'int64'))
    end)
    errors_with('kmeans: assign needs a fit first', function()
      return dc.cluster.kmeans{k = 2}:assign(x)
    end)
  end)
end)
