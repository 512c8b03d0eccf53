-- Small-sample statistics for results over seeds: Student-t intervals of a mean and of
-- paired differences. The t quantile is found by inverting the regularised incomplete beta
-- function (no table), so any level and any number of seeds work.
--   dc.stats.summary({0.47, 0.49, 0.45}) -> {n, mean, sd, half, lo, hi, level}
--   dc.stats.paired(variant, baseline)     -> the summary of the differences + different
--   dc.stats.t_quantile(0.975, 2)          -> 4.3027
return function(dc)
  local stats = {}

  local function fail(fname, fmt, ...) error('stats.' .. fname .. ': ' .. string.format(fmt, ...), 3) end

  -- log Gamma(x), x > 0: the recurrence Gamma(x) = Gamma(x + 1) / x lifts x to at least 15,
  -- where Stirling's series to the x^-9 term is exact to about 1e-16.
  local function lgamma(x)
    local shift = 0
    while x < 15 do
      shift = shift + math.log(x)
      x = x + 1
    end
    local z = 1 / (x * x)
    local series = (1 / 12 + z * (-1 / 360 + z * (1 / 1260 + z * (-1 / 1680 + z / 1188)))) / x
    return (x - 0.5) * math.log(x) - x + 0.5 * math.log(2 * math.pi) + series - shift
  end

  -- The continued fraction of I_x(a, b) (modified Lentz), good for x < (a + 1) / (a + b + 2).
  local function beta_cf(x, a, b)
    local tiny, eps = 1e-300, 1e-16
    local c, d = 1, 1 - (a + b) * x / (a + 1)
    if math.abs(d) < tiny then d = tiny end
    d = 1 / d
    local h = d
    for m = 1, 10000 do
      local m2 = 2 * m
      local num = m * (b - m) * x / ((a + m2 - 1) * (a + m2))
      d = 1 + num * d; if math.abs(d) < tiny then d = tiny end
      c = 1 + num / c; if math.abs(c) < tiny then c = tiny end
      d = 1 / d
      h = h * d * c
      num = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1))
      d = 1 + num * d; if math.abs(d) < tiny then d = tiny end
      c = 1 + num / c; if math.abs(c) < tiny then c = tiny end
      d = 1 / d
      local step = d * c
      h = h * step
      if math.abs(step - 1) < eps then return h end
    end
    return h
  end

  local function betainc(x, a, b)
    if x <= 0 then return 0 end
    if x >= 1 then return 1 end
    local front = math.exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * math.log(x) + b * math.log(1 - x))
    if x < (a + 1) / (a + b + 2) then return front * beta_cf(x, a, b) / a end
    return 1 - front * beta_cf(1 - x, b, a) / b
  end

  local function positive(fname, name, v)
    if type(v) ~= 'number' or not (v > 0) or v == math.huge then
      fail(fname, '%s must be a positive number, got %s', name, tostring(v))
    end
  end

  function stats.lgamma(x)
    positive('lgamma', 'x', x)
    return lgamma(x)
  end

  -- The regularised incomplete beta function I_x(a, b), 0 <= x <= 1.
  function stats.betainc(x, a, b)
    if type(x) ~= 'number' or not (x >= 0 and x <= 1) then
      fail('betainc', 'x must be a number in [0, 1], got %s', tostring(x))
    end
    positive('betainc', 'a', a)
    positive('betainc', 'b', b)
    return betainc(x, a, b)
  end

  -- P(T <= t) for Student's t with df degrees of freedom.
  function stats.t_cdf(t, df)
    if type(t) ~= 'number' or t ~= t then fail('t_cdf', 't must be a number, got %s', tostring(t)) end
    positive('t_cdf', 'df', df)
    local tail = 0.5 * betainc(df / (df + t * t), df / 2, 0.5)
    return t > 0 and 1 - tail or tail
  end

  -- The t with P(T <= t) = p: bisection on x of I_x(df/2, 1/2) = 2 min(p, 1 - p), which is
  -- increasing in x, then t = sqrt(df (1 - x) / x). Bisection to the last bit of x, so even
  -- the far tails (x near 0) keep full relative precision.
  function stats.t_quantile(p, df)
    if type(p) ~= 'number' or not (p > 0 and p < 1) then
      fail('t_quantile', 'p must be a number in (0, 1), got %s', tostring(p))
    end
    positive('t_quantile', 'df', df)
    if p == 0.5 then return 0 end
    local target = 2 * math.min(p, 1 - p)
    local lo, hi = 0, 1
    for _ = 1, 2000 do
      local mid = lo / 2 + hi / 2
      if mid <= lo or mid >= hi then break end
      if betainc(mid, df / 2, 0.5) < target then lo = mid else hi = mid end
    end
    local x = lo / 2 + hi / 2
    local t = math.sqrt(df * (1 - x) / x)
    return p > 0.5 and t or -t
  end

  local function check_level(fname, level)
    level = level == nil and 0.95 or level
    if type(level) ~= 'number' or not (level > 0 and level < 1) then
      fail(fname, 'level must be a number in (0, 1), got %s', tostring(level))
    end
    return level
  end

  local function numbers(fname, name, xs)
    if type(xs) ~= 'table' or #xs == 0 then fail(fname, '%s must be a non-empty list of numbers', name) end
    for i, v in ipairs(xs) do
      if type(v) ~= 'number' or v ~= v then
        fail(fname, '%s[%d] must be a number, got %s', name, i, tostring(v))
      end
    end
  end

  local function summarise(xs, level)
    local n, mean = #xs, 0
    for _, v in ipairs(xs) do mean = mean + v end
    mean = mean / n
    local r = {n = n, mean = mean, level = level}
    if n < 2 then return r end -- one value: no spread, no interval
    local ss = 0
    for _, v in ipairs(xs) do ss = ss + (v - mean) ^ 2 end
    r.sd = math.sqrt(ss / (n - 1))
    r.half = stats.t_quantile(0.5 + level / 2, n - 1) * r.sd / math.sqrt(n)
    r.lo, r.hi = mean - r.half, mean + r.half
    return r
  end

  -- Mean of xs with its two-sided Student-t interval at `level` (default 0.95):
  -- {n, mean, sd, half, lo, hi, level}; with one value sd, half, lo and hi are nil.
  function stats.summary(xs, level)
    numbers('summary', 'argument 1', xs)
    return summarise(xs, check_level('summary', level))
  end

  -- Paired comparison of xs with base (xs[i] and base[i] measured on the same seed): the
  -- summary of xs[i] - base[i], plus different = true only when its interval excludes zero.
  function stats.paired(xs, base, level)
    numbers('paired', 'argument 1', xs)
    numbers('paired', 'argument 2', base)
    if #xs ~= #base then
      fail('paired', 'the lists must pair up, got %d and %d values', #xs, #base)
    end
    local d = {}
    for i = 1, #xs do d[i] = xs[i] - base[i] end
    local r = summarise(d, check_level('paired', level))
    r.different = r.lo ~= nil and (r.lo > 0 or r.hi < 0)
    return r
  end

  dc.stats = stats
  return stats
end
