-- dc.metrics: NMI, ARI, ACC against hand-computed values and scikit-learn's (fixture),
-- contingency tables, cluster sizes, error messages.
local dc = require 'dclab'

local errors_with = require('spec_helpers').errors_with

local function labels(t) return dc.tensor(t, 'int64') end

local function close(a, b, tol)
  assert.truthy(math.abs(a - b) <= (tol or 1e-12), string.format('%.17g vs %.17g', a, b))
end

describe('dc.metrics on hand-computed cases', function()
  local a, b = labels{1, 1, 1, 2, 2, 2}, labels{1, 1, 2, 2, 3, 3}
  local mi = 2 / 3 * math.log(2)

  it('nmi: geometric (the paper) by default, arithmetic, min, max', function()
    close(dc.metrics.nmi(a, b), mi / math.sqrt(math.log(2) * math.log(3)))
    close(dc.metrics.nmi(a, b, {average = 'geometric'}), mi / math.sqrt(math.log(2) * math.log(3)))
    close(dc.metrics.nmi(a, b, {average = 'arithmetic'}), mi / ((math.log(2) + math.log(3)) / 2))
    close(dc.metrics.nmi(a, b, {average = 'min'}), mi / math.log(2))
    close(dc.metrics.nmi(a, b, {average = 'max'}), mi / math.log(3))
    close(dc.metrics.nmi(labels{1, 1, 2, 2}, labels{2, 2, 1, 1}), 1)
  end)

  it('ari: scikit-learn documented values', function()
    close(dc.metrics.ari(labels{1, 1, 2, 2}, labels{1, 1, 2, 3}), 4 / 7)
    close(dc.metrics.ari(labels{1, 1, 2, 2}, labels{2, 2, 1, 1}), 1)
    close(dc.metrics.ari(labels{1, 1, 1, 1}, labels{1, 2, 3, 4}), 0)
  end)

  it('acc: best one-to-one matching, mapping cluster -> class (0 when none)', function()
    local acc, map = dc.metrics.acc(labels{1, 1, 1, 2, 2, 3, 3, 3, 4, 1},
                                    labels{3, 3, 3, 1, 1, 2, 2, 1, 2, 3})
    close(acc, 0.8)
    assert.are.same({3, 1, 2, 0}, map:totable())
  end)

  it('contingency and sizes', function()
    assert.are.same({{1, 2, 0}, {0, 1, 2}},
      dc.metrics.contingency(labels{1, 1, 1, 2, 2, 2}, labels{1, 2, 2, 2, 3, 3}):totable())
    local s = dc.metrics.sizes(labels{2, 2, 2, 4, 4, 5}, 5)
    assert.are.same({0, 3, 0, 2, 1}, s.sizes:totable())
    assert.are.equal(5, s.k)
    assert.are.equal(2, s.empty)
    assert.are.equal(0, s.min)
    assert.are.equal(3, s.max)
    close(s.entropy, -(0.5 * math.log(0.5) + 2 / 6 * math.log(2 / 6) + 1 / 6 * math.log(1 / 6)))
    close(s.imbalance, 5 * (9 + 4 + 1) / 36)
    assert.are.equal(4, dc.metrics.sizes(labels{2, 2, 4}).k)
  end)

  it('works on strided label views', function()
    local pairs = labels{{1, 2}, {1, 2}, {2, 1}, {3, 2}, {3, 3}}
    local a2, b2 = pairs:select(2, 1), pairs:select(2, 2)
    close(dc.metrics.nmi(a2, b2), dc.metrics.nmi(a2:contiguous(), b2:contiguous()))
    close(dc.metrics.nmi(a2, b2), dc.metrics.nmi(labels{1, 1, 2, 3, 3}, labels{2, 2, 1, 2, 3}))
  end)
end)

describe('dc.metrics against scikit-learn', function()
  local cases = dofile('tests/fixtures/cluster_metrics.lua')

  it('matches NMI (both averages), ARI and ACC on random labelings', function()
    assert.is_true(#cases >= 8)
    for _, c in ipairs(cases) do
      local a, b = labels(c.a), labels(c.b)
      close(dc.metrics.nmi(a, b, {average = 'geometric'}), c.nmi_geometric, 1e-10)
      close(dc.metrics.nmi(a, b, {average = 'arithmetic'}), c.nmi_arithmetic, 1e-10)
      close(dc.metrics.ari(a, b), c.ari, 1e-10)
      close((dc.metrics.acc(a, b)), c.acc, 1e-12)
    end
  end)
end)

describe('dc.metrics errors', function()
  it('names the argument and the reason', function()
    errors_with('nmi: a has label 0 at position 2; labels start at 1', dc.metrics.nmi,
      labels{1, 0}, labels{1, 1})
    errors_with('ari: a is int64 [2] but b is int64 [3]', dc.metrics.ari, labels{1, 2},
      labels{1, 2, 3})
    errors_with('nmi: b must be a 1-D int64 tensor of labels, got float32 [2]', dc.metrics.nmi,
      labels{1, 2}, dc.tensor{1, 2})
    errors_with("nmi: unknown average 'harmonic'", dc.metrics.nmi, labels{1}, labels{1},
      {average = 'harmonic'})
    errors_with("nmi: unknown option 'avg' (valid: average)", dc.metrics.nmi, labels{1}, labels{1},
      {avg = 'min'})
    errors_with('cluster_sizes: label 3 is out of range for k = 2', dc.metrics.sizes,
      labels{1, 3}, 2)
    errors_with('attempt to use a released tensor', function()
      local t = labels{1}
      t:free()
      return dc.metrics.ari(t, t)
    end)
  end)
end)
