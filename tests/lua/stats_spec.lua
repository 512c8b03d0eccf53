-- dc.stats against published values: Student-t table quantiles, closed forms of the
-- incomplete beta and Gamma functions, and R's paired t-test on Student's sleep data.
local dc = require 'dclab'
local errors_with = require('spec_helpers').errors_with

local function near(want, got, tol)
  assert.is_true(math.abs(want - got) <= tol, string.format('want %.10g, got %.10g', want, got))
end

describe('dc.stats', function()
  it('lgamma matches factorials and Gamma(1/2) = sqrt(pi)', function()
    near(math.log(24), dc.stats.lgamma(5), 1e-13)
    near(math.log(3628800), dc.stats.lgamma(11), 1e-12)
    near(0.5 * math.log(math.pi), dc.stats.lgamma(0.5), 1e-13)
    near(0, dc.stats.lgamma(1), 1e-13)
    near(360.51470572905816, dc.stats.lgamma(100.3), 1e-10) -- Python's math.lgamma
    errors_with('stats.lgamma: x must be a positive number, got 0', dc.stats.lgamma, 0)
  end)

  it('betainc matches closed forms', function()
    near(11 / 16, dc.stats.betainc(0.5, 2, 3), 1e-14) -- binomial sum for integer a, b
    near(0.3 ^ 4, dc.stats.betainc(0.3, 4, 1), 1e-14) -- I_x(a, 1) = x^a
    near(1 - 0.8 ^ 3, dc.stats.betainc(0.2, 1, 3), 1e-14) -- I_x(1, b) = 1 - (1 - x)^b
    near(2 / math.pi * math.asin(math.sqrt(0.3)), dc.stats.betainc(0.3, 0.5, 0.5), 1e-12)
    assert.are.equal(0, dc.stats.betainc(0, 2, 2))
    assert.are.equal(1, dc.stats.betainc(1, 2, 2))
    errors_with('stats.betainc: x must be a number in [0, 1], got 1.5', dc.stats.betainc, 1.5, 1, 1)
    errors_with('stats.betainc: b must be a positive number, got -1', dc.stats.betainc, 0.5, 1, -1)
  end)

  it('t_quantile reproduces the Student-t table', function()
    local table_975 = {[1] = 12.7062, [2] = 4.3027, [3] = 3.1824, [4] = 2.7764, [5] = 2.5706,
      [9] = 2.2622, [10] = 2.2281, [30] = 2.0423, [120] = 1.9799}
    for df, t in pairs(table_975) do near(t, dc.stats.t_quantile(0.975, df), 5e-5) end
    near(6.3138, dc.stats.t_quantile(0.95, 1), 5e-5)
    near(4.0321, dc.stats.t_quantile(0.995, 5), 5e-5)
    near(636.6192, dc.stats.t_quantile(0.9995, 1), 5e-4)
    near(-4.3027, dc.stats.t_quantile(0.025, 2), 5e-5)
    near(1.959964, dc.stats.t_quantile(0.975, 1e7), 1e-5) -- the normal limit
    assert.are.equal(0, dc.stats.t_quantile(0.5, 3))
    for _, df in ipairs{1, 2.5, 7} do -- the inverse of t_cdf
      for _, p in ipairs{0.01, 0.3, 0.9, 0.999} do
        near(p, dc.stats.t_cdf(dc.stats.t_quantile(p, df), df), 1e-12)
      end
    end
    errors_with('stats.t_quantile: p must be a number in (0, 1), got 1', dc.stats.t_quantile, 1, 3)
    errors_with('stats.t_quantile: df must be a positive number, got 0', dc.stats.t_quantile, 0.9, 0)
  end)

  it('t_cdf matches known values', function()
    near(0.94903026, dc.stats.t_cdf(2, 5), 1e-8)
    near(0.75, dc.stats.t_cdf(1, 1), 1e-14) -- Cauchy: 1/2 + atan(t)/pi
    near(0.5, dc.stats.t_cdf(0, 4), 1e-15)
    errors_with('stats.t_cdf: t must be a number, got x', dc.stats.t_cdf, 'x', 3)
  end)

  it('summary gives the mean and its Student-t interval', function()
    local s = dc.stats.summary({1, 2, 3, 4, 5})
    assert.are.equal(5, s.n)
    near(3, s.mean, 1e-15)
    near(math.sqrt(2.5), s.sd, 1e-15)
    near(1.0367568385, s.lo, 1e-9) -- scipy.stats.t.interval(0.95, 4, 3, sem)
    near(4.9632431615, s.hi, 1e-9)
    local s90 = dc.stats.summary({1, 2, 3, 4, 5}, 0.9)
    near(2.1318 * math.sqrt(2.5 / 5), s90.half, 1e-4)
    local one = dc.stats.summary({0.4})
    assert.are.equal(0.4, one.mean)
    assert.is_nil(one.half) -- one seed: no interval
    errors_with('stats.summary: argument 1 must be a non-empty list of numbers', dc.stats.summary, {})
    errors_with('stats.summary: argument 1[2] must be a number, got x', dc.stats.summary, {1, 'x'})
    errors_with('stats.summary: level must be a number in (0, 1), got 95', dc.stats.summary, {1, 2}, 95)
  end)

  it("paired matches R's t.test(paired = TRUE) on the sleep data", function()
    local g1 = {0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0}
    local g2 = {1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4}
    local p = dc.stats.paired(g1, g2)
    near(-1.58, p.mean, 1e-12)
    near(-2.4598858, p.lo, 1e-7)
    near(-0.7001142, p.hi, 1e-7)
    assert.is_true(p.different)
    -- differences 1, -1, 0.5: the interval holds zero
    assert.is_false(dc.stats.paired({2, 0, 1.5}, {1, 1, 1}).different)
    -- a constant nonzero shift: a zero-width interval away from zero
    local shift = dc.stats.paired({1.5, 2.5}, {1, 2})
    assert.are.equal(0, shift.half)
    assert.is_true(shift.different)
    -- identical results: not different
    assert.is_false(dc.stats.paired({1, 2}, {1, 2}).different)
    -- one pair: no interval, never different
    assert.is_false(dc.stats.paired({3}, {1}).different)
    errors_with('stats.paired: the lists must pair up, got 2 and 3 values', dc.stats.paired,
      {1, 2}, {1, 2, 3})
    errors_with('stats.paired: argument 2 must be a non-empty list of numbers', dc.stats.paired, {1}, 'x')
  end)
end)
