-- Reductions from Lua: every method, full and per dimension (1-based, negative from the end),
-- keepdim, 1-based indices, dtypes of the results, and the error messages.
local dc = require 'dclab'

-- f must raise an error whose message contains text (plain substring)
local function fails(text, f, ...)
  local ok, err = pcall(f, ...)
  assert.is_false(ok, 'expected an error containing: ' .. text)
  assert.is_truthy(string.find(tostring(err), text, 1, true),
    'error "' .. tostring(err) .. '" does not contain "' .. text .. '"')
end

local function close(a, b, tol)
  tol = tol or 1e-5
  assert.is_true(math.abs(a - b) <= tol * math.max(1, math.abs(b)),
    string.format('%.9g is not close to %.9g', a, b))
end

-- a 3 x 4 float32 matrix with distinct values, and the same as nested Lua tables
local rows = {{0.5, -1.25, 3, 2}, {-4, 0.75, 1.5, -0.5}, {2.25, 6, -3.5, 1}}
local function matrix() return dc.tensor(rows) end

local function column(j)
  local c = {}
  for i = 1, #rows do c[i] = rows[i][j] end
  return c
end

local function sum(list)
  local s = 0
  for _, v in ipairs(list) do s = s + v end
  return s
end

local function variance(list, unbiased)
  local m = sum(list) / #list
  local s = 0
  for _, v in ipairs(list) do s = s + (v - m) ^ 2 end
  return s / (#list - (unbiased and 1 or 0))
end

local function flat()
  local f = {}
  for _, r in ipairs(rows) do for _, v in ipairs(r) do f[#f + 1] = v end end
  return f
end

describe('full reductions', function()
  it('sum, mean, prod give numbers', function()
    local t, f = matrix(), flat()
    close(t:sum(), sum(f))
    close(t:mean(), sum(f) / #f)
    local p = 1
    for _, v in ipairs(f) do p = p * v end
    close(t:prod(), p)
    assert.equals('number', type(t:sum()))
  end)

  it('var and std are unbiased by default, biased on request', function()
    local t, f = matrix(), flat()
    close(t:var(), variance(f, true))
    close(t:var({unbiased = false}), variance(f, false))
    close(t:std(), math.sqrt(variance(f, true)))
    close(t:std({unbiased = false}), math.sqrt(variance(f, false)))
  end)

  it('norm of order 2 by default, 1, 0, inf and p', function()
    local t, f = matrix(), flat()
    local s1, s2, s3, nz, mx = 0, 0, 0, 0, 0
    for _, v in ipairs(f) do
      s1, s2, s3 = s1 + math.abs(v), s2 + v * v, s3 + math.abs(v) ^ 3
      if v ~= 0 then nz = nz + 1 end
      mx = math.max(mx, math.abs(v))
    end
    close(t:norm(), math.sqrt(s2))
    close(t:norm(2), math.sqrt(s2))
    close(t:norm(1), s1)
    close(t:norm(0), nz)
    close(t:norm(math.huge), mx)
    close(t:norm(3), s3 ^ (1 / 3))
  end)

  it('max, min give numbers; argmax, argmin give 1-based flat indices', function()
    local t = matrix()
    assert.equals(6, t:max())
    assert.equals(-4, t:min())
    assert.equals(10, t:argmax())
    assert.equals(5, t:argmin())
    assert.equals('integer', math.type(t:argmax()))
  end)

  it('int64 sums stay integers, their means are floats', function()
    local t = dc.tensor({{1, 2}, {3, 2 ^ 53 | 0}}, 'int64')
    t[2][2] = (1 << 60) + 1
    assert.equals((1 << 60) + 7, t:sum())
    assert.equals('integer', math.type(t:sum()))
    assert.equals('integer', math.type(t:max()))
    local m = dc.tensor({1, 2, 4}, 'int64'):mean()
    assert.equals('float', math.type(m))
    close(m, 7 / 3)
    assert.equals('float32', dc.tensor({1, 2, 4}, 'int64'):mean(1):dtype())
    assert.equals('int64', dc.tensor({1, 2, 4}, 'int64'):sum(1):dtype())
  end)

  it('propagate NaN through max and min (and sums)', function()
    local t = dc.tensor{1, 0 / 0, 3}
    local m = t:max()
    assert.is_true(m ~= m)
    local n = t:min()
    assert.is_true(n ~= n)
    assert.equals(2, t:argmax())
    local s = t:sum()
    assert.is_true(s ~= s)
  end)

  it('of an empty tensor: sum 0, prod 1', function()
    local e = dc.zeros(0)
    assert.equals(0, e:sum())
    assert.equals(1, e:prod())
  end)
end)

describe('reductions along a dimension', function()
  it('sum, mean over rows and columns, negative dims', function()
    local t = matrix()
    local s1 = t:sum(1)
    assert.same({4}, s1:shape())
    for j = 1, 4 do close(s1[j], sum(column(j))) end
    local s2 = t:sum(2)
    assert.same({3}, s2:shape())
    for i = 1, 3 do close(s2[i], sum(rows[i])) end
    local m = t:mean(-1)
    for i = 1, 3 do close(m[i], sum(rows[i]) / 4) end
  end)

  it('keepdim keeps a dimension of size 1', function()
    local t = matrix()
    assert.same({1, 4}, t:sum(1, true):shape())
    assert.same({3, 1}, t:var(2, true):shape())
    assert.same({3}, t:var(2, false):shape())
    local v, i = t:max(2, true)
    assert.same({3, 1}, v:shape())
    assert.same({3, 1}, i:shape())
  end)

  it('var, std and prod per column', function()
    local t = matrix()
    local v, vb, s, p = t:var(1), t:var(1, false, {unbiased = false}), t:std(1), t:prod(1)
    for j = 1, 4 do
      local c = column(j)
      close(v[j], variance(c, true))
      close(vb[j], variance(c, false))
      close(s[j], math.sqrt(variance(c, true)))
      close(p[j], c[1] * c[2] * c[3])
    end
    assert.same({4}, t:std(1, {unbiased = false}):shape())
  end)

  it('norm(p, dim)', function()
    local t = matrix()
    local n = t:norm(1, 2)
    for i = 1, 3 do
      local s = 0
      for _, x in ipairs(rows[i]) do s = s + math.abs(x) end
      close(n[i], s)
    end
    assert.same({1, 4}, t:norm(2, 1, true):shape())
  end)

  it('max and min return values and 1-based int64 indices', function()
    local t = matrix()
    local v, i = t:max(1)
    assert.equals('int64', i:dtype())
    assert.same({2.25, 6, 3, 2}, v:totable())
    assert.same({3, 3, 1, 1}, i:totable())
    local mv, mi = t:min(2)
    assert.same({-1.25, -4, -3.5}, mv:totable())
    assert.same({2, 1, 3}, mi:totable())
  end)

  it('argmax, argmin per dimension, first of ties', function()
    local t = matrix()
    assert.same({3, 3, 1, 1}, t:argmax(1):totable())
    assert.same({2, 1, 3}, t:argmin(2):totable())
    assert.same({{3}, {3}, {2}}, t:argmax(2, true):totable())
    assert.same({2}, dc.tensor({{1, 5, 5, 2}}):argmax(2):totable())
  end)

  it('works on transposed (non-contiguous) views', function()
    local t = matrix():t()
    local s = t:sum(2)
    for j = 1, 4 do close(s[j], sum(column(j))) end
    local _, i = t:max(1)
    assert.same({3, 3, 2}, i:totable())
  end)

  it('keeps the input dtype for max of int64, and works on uint8', function()
    local t = dc.tensor({{3, 9}, {7, 1}}, 'int64')
    local v = t:max(2)
    assert.equals('int64', v:dtype())
    assert.same({9, 7}, v:totable())
    local b = dc.tensor({200, 100, 50}, 'uint8')
    assert.equals(350, b:sum())
    assert.equals(200, b:max())
  end)
end)

describe('reduction errors', function()
  it('name the function, the dimension and the tensor', function()
    local t = matrix()
    fails('sum: dimension 3 out of range for float32 [3, 4]', t.sum, t, 3)
    fails('max: dimension -3 out of range for float32 [3, 4]', t.max, t, -3)
    fails('mean: dimension must be an integer', t.mean, t, 1.5)
    fails('sum: keepdim must be a boolean, got string', t.sum, t, 1, 'yes')
    fails("var: unknown option 'biased' (valid: unbiased)", t.var, t, 1, true, {biased = true})
    fails('sum: unexpected argument (table)', t.sum, t, 1, true, {unbiased = false})
    fails('argmax: unexpected argument (boolean), expected a dimension', t.argmax, t, true)
    fails('sum: unexpected argument (boolean), expected a dimension', t.sum, t, nil, true)
    fails('norm: order p must be >= 0', t.norm, t, -1)
    fails('norm: order p must be a number, got string', t.norm, t, 'fro')
  end)

  it('refuse extremes of nothing', function()
    fails('max: float32 [0] has no elements', function() return dc.zeros(0):max() end)
    fails('argmin: dimension 1 of float32 [0, 2] is empty', function()
      return dc.zeros(0, 2):argmin(1)
    end)
  end)

  it('refuse a released tensor', function()
    local t = matrix()
    t:free()
    fails('released tensor', t.sum, t)
  end)
end)
