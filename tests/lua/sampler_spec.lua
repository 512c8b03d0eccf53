-- Samplers of DeepCluster's training epoch (method.md §5): the paper's uniform
-- quota, the released code's index mismatch, natural frequencies, and the registry.
local dc = require 'dclab'
local sampler = dc.sampler

-- Zipf-sized clusters over N points, in random dataset order: cluster c gets about
-- N / (c * H) points.
local function zipf_assignment(n, k)
  local h = 0
  for c = 1, k do h = h + 1 / c end
  local labels = {}
  for c = 1, k do
    for _ = 1, math.max(1, math.floor(n / (c * h))) do labels[#labels + 1] = c end
  end
  local sorted = dc.tensor(labels, 'int64')
  return sorted:index_select(1, dc.randperm(#labels, {seed = 5})), #labels
end

-- Pearson correlation of two Lua arrays.
local function correlation(x, y)
  local n, mx, my = #x, 0, 0
  for i = 1, n do mx, my = mx + x[i] / n, my + y[i] / n end
  local sxy, sxx, syy = 0, 0, 0
  for i = 1, n do
    sxy = sxy + (x[i] - mx) * (y[i] - my)
    sxx = sxx + (x[i] - mx) ^ 2
    syy = syy + (y[i] - my) ^ 2
  end
  return sxy / math.sqrt(sxx * syy)
end

-- How often each cluster is trained on, given sampled dataset indices.
local function cluster_counts(assign, idx, k)
  return dc.bincount(assign:index_select(1, idx), {minlength = k}):totable()
end

describe('uniform_per_cluster', function()
  local k = 50
  local assign, n = zipf_assignment(20000, k)
  local sizes = dc.bincount(assign, {minlength = k}):totable()

  it('gives every cluster the same quota, whatever its size', function()
    local idx = sampler.get('uniform_per_cluster')(assign, k, dc.Generator(1), n)
    assert.are.equal(n, idx:numel())
    assert.are.equal('int64', idx:dtype())
    assert.is_true(idx:min() >= 1 and idx:max() <= n)
    local counts = cluster_counts(assign, idx, k)
    local s = n // k + 1
    for c = 1, k do assert.is_true(counts[c] <= s and counts[c] >= s - k, 'cluster ' .. c) end
    assert.is_true(math.abs(correlation(counts, sizes)) < 0.3)
  end)

  it('draws without replacement from clusters larger than the quota', function()
    local idx = sampler.get('uniform_per_cluster')(assign, k, dc.Generator(2), n)
    local picked = assign:index_select(1, idx)
    local big = idx:masked_select(picked:eq(1)) -- cluster 1 has ~4000 > quota members
    local sorted = big:sort()
    assert.are.equal(0, sorted:narrow(1, 2, sorted:numel() - 1):eq(sorted:narrow(1, 1, sorted:numel() - 1)):sum())
  end)

  it('skips empty clusters', function()
    local a = dc.tensor({1, 1, 2, 2, 5, 5}, 'int64')
    local idx = sampler.get('uniform_per_cluster')(a, 6, dc.Generator(3), 6)
    local counts = cluster_counts(a, idx, 6)
    assert.are.same({0, 0, 0}, {counts[3], counts[4], counts[6]})
    assert.are.equal(6, counts[1] + counts[2] + counts[5])
  end)

  it('is reproducible for one seed', function()
    local f = sampler.get('uniform_per_cluster')
    assert.are.same(f(assign, k, dc.Generator(7), 100):totable(), f(assign, k, dc.Generator(7), 100):totable())
  end)
end)

describe('reference_bug_compatible', function()
  it('reproduces the released code: cluster frequencies follow cluster sizes', function()
    local k = 50
    local assign, n = zipf_assignment(20000, k)
    local sizes = dc.bincount(assign, {minlength = k}):totable()
    local idx = sampler.get('reference_bug_compatible')(assign, k, dc.Generator(1), n)
    assert.are.equal(n, idx:numel())
    assert.is_true(correlation(cluster_counts(assign, idx, k), sizes) > 0.95)
  end)
end)

describe('shuffle and loss_weights', function()
  it('shuffle is a permutation of the dataset, repeated to the epoch length', function()
    local assign = dc.tensor({1, 2, 2, 3}, 'int64')
    local idx = sampler.get('shuffle')(assign, 3, dc.Generator(1), 4)
    assert.are.same({1, 2, 3, 4}, idx:sort():totable())
    assert.are.equal(10, sampler.get('shuffle')(assign, 3, dc.Generator(1), 10):numel())
  end)

  it('class weights are N / (c |cluster|), 1 for a balanced assignment, 0 for empty', function()
    local w = sampler.class_weights(dc.tensor({1, 1, 2, 2}, 'int64'), 3):totable()
    assert.are.same({1, 1, 0}, w)
    w = sampler.class_weights(dc.tensor({1, 1, 1, 2}, 'int64'), 2):totable()
    assert.is_true(math.abs(w[1] - 4 / 6) < 1e-6 and math.abs(w[2] - 2) < 1e-6)
  end)
end)

describe('sampler registry', function()
  it('resolves names and functions, and registers new ones', function()
    local called
    local f = function(assign, k, gen, n) called = {assign:numel(), k, n}; return dc.arange(1, n + 1) end
    assert.are.equal(f, sampler.get(f))
    sampler.register('first_n', f)
    local idx = sampler.get('first_n')(dc.tensor({1, 2}, 'int64'), 2, dc.Generator(1), 2)
    assert.are.same({1, 2}, idx:totable())
    assert.are.same({2, 2, 2}, called)
  end)

  it('names the registered samplers when a name is unknown', function()
    local ok, err = pcall(sampler.get, 'uniform')
    assert.is_false(ok)
    assert.truthy(err:find("unknown sampler 'uniform' (registered: ", 1, true))
    assert.truthy(err:find('uniform_per_cluster', 1, true))
    local errors_with = require('spec_helpers').errors_with
    errors_with('sampler.register: a sampler is a function(assign, k, gen, n_epoch) or ' ..
      '{draw = function, loss_weights = function(assign, k)}, got number', sampler.register, 'x', 1)
    errors_with('sampler.register: name must be a string, got number', sampler.register, 1, print)
  end)

  it('keeps the loss weighting inside the loss_weights entry', function()
    local e = sampler.entry('loss_weights')
    assert.are.equal("sampler 'loss_weights'", e.name)
    assert.are.equal(sampler.class_weights, e.loss_weights)
    local a = dc.tensor({1, 2, 2, 3, 3, 3}, 'int64') -- draws as 'shuffle' does
    assert.are.same(sampler.get('shuffle')(a, 3, dc.Generator(5), 9):totable(),
      e.draw(a, 3, dc.Generator(5), 9):totable())
    assert.is_nil(sampler.entry('shuffle').loss_weights)
    local w = function() return dc.ones(2) end
    sampler.register('weighted_first', {draw = sampler.get('shuffle'), loss_weights = w})
    assert.are.equal(w, sampler.entry('weighted_first').loss_weights)
  end)

  it('refuses an assignment with every cluster empty', function()
    assert.has_error(function()
      sampler.get('uniform_per_cluster')(dc.tensor({}, 'int64'), 3, dc.Generator(1), 1)
    end)
  end)
end)

describe('sampler.draw checks what a sampler returns, naming it', function()
  local errors_with = require('spec_helpers').errors_with
  local assign = dc.tensor({1, 2, 2, 1}, 'int64')
  local tail = ' (the contract: help(dc.deepcluster))'

  it('passes indices in 1..N through', function()
    local idx = sampler.draw('shuffle', assign, 2, dc.Generator(1), 4)
    assert.are.same({1, 2, 3, 4}, idx:sort():totable())
  end)

  it('refuses a Lua table, 0-based or out-of-range indices, and the wrong type', function()
    errors_with('the sampler function returned a table, not an int64 tensor of dataset indices' .. tail,
      sampler.draw, function() return {1, 2, 3, 4} end, assign, 2, dc.Generator(1), 4)
    errors_with('the sampler function returned indices 0..3, outside 1..4 (indices are 1-based ' ..
      'dataset positions)' .. tail, sampler.draw, function() return dc.arange(0, 4) end, assign, 2,
      dc.Generator(1), 4)
    sampler.register('too_far', function() return dc.tensor({1, 5}, 'int64') end)
    errors_with("sampler 'too_far' returned indices 1..5, outside 1..4", sampler.draw, 'too_far',
      assign, 2, dc.Generator(1), 4)
    errors_with('the sampler function returned float32 [4]; expected int64 [n] dataset indices, n >= 1',
      sampler.draw, function() return dc.ones(4) end, assign, 2, dc.Generator(1), 4)
    errors_with('the sampler function returned int64 [0]; expected int64 [n]', sampler.draw,
      function() return dc.tensor({}, 'int64') end, assign, 2, dc.Generator(1), 4)
  end)
end)
