-- The index API from Lua: 1-based indices in and out, views, and the error messages.
local dc = require 'dclab'

-- f(...) must raise an error whose message contains text (plain, not a pattern).
local function fails(text, f, ...)
  local ok, err = pcall(f, ...)
  assert.is_false(ok, 'expected an error containing: ' .. text)
  err = tostring(err)
  assert(err:find(text, 1, true), 'error "' .. err .. '" lacks "' .. text .. '"')
end

local function long(t) return dc.tensor(t, 'int64') end

local function m33() return dc.tensor{{1, 2, 3}, {4, 5, 6}, {7, 8, 9}} end

local function isnan(x) return x ~= x end

describe('index_select', function()
  it('selects rows and columns by 1-based index, repeats allowed', function()
    local t = m33()
    assert.are.same({{7, 8, 9}, {1, 2, 3}, {7, 8, 9}}, t:index_select(1, long{3, 1, 3}):totable())
    assert.are.same({{3, 1}, {6, 4}, {9, 7}}, t:index_select(2, long{3, 1}):totable())
    assert.are.same({{3}, {6}, {9}}, t:index_select(-1, long{3}):totable())
  end)

  it('reads transposed inputs and keeps the dtype', function()
    local t = long{{1, 2, 3}, {4, 5, 6}}:t()
    local r = t:index_select(1, long{2})
    assert.are.equal('int64', r:dtype())
    assert.are.same({{2, 5}}, r:totable())
    assert.are.same({0, 3}, m33():index_select(1, long{}):shape())
  end)

  it('rejects bad indices', function()
    local t = m33()
    fails('index_select: index 0 out of range 1..3 for dimension 1 of float32 [3, 3]',
      t.index_select, t, 1, long{1, 0})
    fails('index_select: index 4 out of range 1..3 for dimension 2 of float32 [3, 3]',
      t.index_select, t, 2, long{4})
    fails('index_select: index must be int64, got float32 [2]', t.index_select, t, 1,
      dc.tensor{1, 2})
    fails('index_select: index must be 1-D, got int64 [1, 1]', t.index_select, t, 1, long{{1}})
    fails('dimension 3 out of range', t.index_select, t, 3, long{1})
    fails('dclab.Tensor expected', t.index_select, t, 1, {1, 2})
  end)
end)

describe('gather', function()
  it('picks one entry per position along dim', function()
    local t = dc.tensor{{1, 2}, {3, 4}}
    assert.are.same({{1, 1}, {4, 3}}, t:gather(2, long{{1, 1}, {2, 1}}):totable())
    assert.are.same({{3, 2}}, t:gather(1, long{{2, 1}}):totable())
    -- per-sample scores of given labels, as a classifier's loss needs them
    local scores = dc.tensor{{0.1, 0.9}, {0.8, 0.2}, {0.3, 0.7}}
    local labels = long{{2}, {1}, {2}}
    local picked = scores:gather(2, labels)
    assert.are.same({3, 1}, picked:shape())
    assert.is_true(math.abs(picked[1][1] - 0.9) < 1e-6 and math.abs(picked[3][1] - 0.7) < 1e-6)
  end)

  it('rejects bad indices and shapes', function()
    local t = dc.tensor{{1, 2}, {3, 4}}
    fails('gather: index 3 out of range 1..2 for dimension 2 of float32 [2, 2]',
      t.gather, t, 2, long{{1, 3}})
    fails('gather: index int64 [2] must have as many dimensions as a float32 [2, 2]',
      t.gather, t, 2, long{1, 2})
    fails('gather: index int64 [3, 1] is larger than a float32 [2, 2] in dimension 1',
      t.gather, t, 2, long{{1}, {1}, {1}})
    fails('gather: index must be int64, got float32 [1, 1]', t.gather, t, 1, dc.tensor{{1}})
  end)
end)

describe('scatter_add_', function()
  it('accumulates into self in place and returns self', function()
    local counts = dc.zeros(3, {dtype = 'int64'})
    local r = counts:scatter_add_(1, long{1, 3, 1, 1}, long{1, 1, 1, 1})
    assert.are.equal(counts, r)
    assert.are.same({3, 0, 1}, counts:totable())
    local a = dc.zeros(2, 3)
    a:scatter_add_(2, long{{1, 1, 3}, {2, 2, 2}}, dc.tensor{{1, 2, 3}, {4, 5, 6}})
    assert.are.same({{3, 0, 3}, {0, 15, 0}}, a:totable())
  end)

  it('rejects bad indices without writing, and mismatched dtypes or shapes', function()
    local a = dc.zeros(3)
    fails('scatter_add: index 4 out of range 1..3 for dimension 1 of float32 [3]',
      a.scatter_add_, a, 1, long{1, 4}, dc.ones(2))
    assert.are.same({0, 0, 0}, a:totable())
    fails('scatter_add: src is int64 [2] but a is float32 [3] (dtypes must match)',
      a.scatter_add_, a, 1, long{1, 2}, long{1, 1})
    fails('scatter_add: index int64 [2] is larger than src float32 [1] in dimension 1',
      a.scatter_add_, a, 1, long{1, 2}, dc.ones(1))
    fails('scatter_add: index must be int64, got float32 [1]', a.scatter_add_, a, 1,
      dc.ones(1), dc.ones(1))
  end)
end)

describe('masks', function()
  it('masked_select keeps the elements where the mask is set, in row-major order', function()
    local t = m33()
    assert.are.same({5, 6, 7, 8, 9}, t:masked_select(t:gt(4)):totable())
    -- a row mask broadcasts over the rows
    assert.are.same({1, 3, 4, 6, 7, 9}, t:masked_select(dc.tensor({1, 0, 1}, 'uint8')):totable())
    assert.are.same({0}, t:masked_select(t:gt(100)):shape())
  end)

  it('masked_fill_ sets the masked elements in place and returns self', function()
    local t = m33():t()
    local r = t:masked_fill_(t:lt(5), -1)
    assert.are.equal(t, r)
    assert.are.same({{-1, -1, 7}, {-1, 5, 8}, {-1, 6, 9}}, t:totable())
    local l = long{1, 2, 3}
    l:masked_fill_(l:ne(2), 7)
    assert.are.same({7, 2, 7}, l:totable())
    local b = dc.tensor({1, 2}, 'uint8'):masked_fill_(dc.tensor({1, 0}, 'uint8'), 300)
    assert.are.same({255, 2}, b:totable()) -- converted as fill does: saturated
  end)

  it('rejects masks that are not uint8 or do not broadcast', function()
    local t = m33()
    fails('masked_select: mask must be uint8 (as comparisons give), got float32 [3, 3]',
      t.masked_select, t, dc.ones(3, 3))
    fails('masked_fill: mask uint8 [2, 3, 3] does not broadcast to a float32 [3, 3]',
      t.masked_fill_, t, dc.ones(2, 3, 3, {dtype = 'uint8'}), 0)
    fails('masked_fill: mask must be uint8 (as comparisons give), got int64 [3]',
      t.masked_fill_, t, long{1, 0, 1}, 0)
    fails('masked_select: shapes do not broadcast', t.masked_select, t,
      dc.ones(2, {dtype = 'uint8'}))
  end)
end)

describe('cumsum', function()
  it('sums along a dimension (1 by default), integers in int64', function()
    assert.are.same({1, 3, 6, 10}, dc.tensor{1, 2, 3, 4}:cumsum():totable())
    local t = m33()
    assert.are.same({{1, 2, 3}, {5, 7, 9}, {12, 15, 18}}, t:cumsum(1):totable())
    assert.are.same({{1, 3, 6}, {4, 9, 15}, {7, 15, 24}}, t:cumsum(2):totable())
    local b = dc.tensor({200, 100}, 'uint8'):cumsum()
    assert.are.equal('int64', b:dtype())
    assert.are.same({200, 300}, b:totable())
    fails('dimension 3 out of range', t.cumsum, t, 3)
  end)
end)

describe('sort and argsort', function()
  it('sorts along the last dimension by default, with 1-based indices', function()
    local v, i = dc.tensor{{3, 1, 2}, {0, 5, -1}}:sort()
    assert.are.same({{1, 2, 3}, {-1, 0, 5}}, v:totable())
    assert.are.same({{2, 3, 1}, {3, 1, 2}}, i:totable())
    assert.are.equal('int64', i:dtype())
    local v1, i1 = dc.tensor{{3, 1}, {0, 5}}:sort(1, true)
    assert.are.same({{3, 5}, {0, 1}}, v1:totable())
    assert.are.same({{1, 2}, {2, 1}}, i1:totable())
  end)

  it('is stable and puts NaN last ascending, first descending', function()
    local t = dc.tensor{2, 0 / 0, 1, 2, 1}
    local v, i = t:sort()
    assert.are.same({3, 5, 1, 4, 2}, i:totable())
    assert.is_true(isnan(v[5]))
    local vd, id = t:sort(1, true)
    assert.are.same({2, 1, 4, 3, 5}, id:totable())
    assert.is_true(isnan(vd[1]))
    assert.are.same({2, 1, 4, 3, 5}, t:argsort(1, true):totable())
    assert.are.same({3, 5, 1, 4, 2}, t:argsort():totable())
  end)

  it('rejects bad arguments', function()
    local t = m33()
    fails('dimension 3 out of range', t.sort, t, 3)
    fails('boolean expected, got string', t.sort, t, 1, 'desc')
    fails('dimension -4 out of range', t.argsort, t, -4)
    local scalar = dc.tensor(3)
    fails('sort: needs at least one dimension, got float32 []', scalar.sort, scalar)
  end)
end)

describe('topk', function()
  it('gives the k largest by default, best first, with 1-based indices', function()
    local t = dc.tensor{{1, 9, 3, 7}, {4, 4, 8, 0}}
    local v, i = t:topk(2)
    assert.are.same({{9, 7}, {8, 4}}, v:totable())
    assert.are.same({{2, 4}, {3, 1}}, i:totable())
    local vs, is = t:topk(1, 2, false)
    assert.are.same({{1}, {0}}, vs:totable())
    assert.are.same({{1}, {4}}, is:totable())
    local vc = t:topk(1, 1)
    assert.are.same({{4, 9, 8, 7}}, vc:totable())
  end)

  it('rejects k out of range', function()
    local t = dc.tensor{1, 2, 3}
    fails('topk: k = 4 out of range 0..3 for dimension 1 of float32 [3]', t.topk, t, 4)
    fails('topk: k = -1 out of range', t.topk, t, -1)
    fails('number expected, got no value', t.topk, t)
  end)
end)

describe('split and chunk', function()
  it('split gives views of the given size, the last one shorter', function()
    local t = dc.arange(1, 8)
    local parts = t:split(3)
    assert.are.equal(3, #parts)
    assert.are.same({1, 2, 3}, parts[1]:totable())
    assert.are.same({7}, parts[3]:totable())
    parts[2][1] = 40 -- a view: writes through to t
    assert.are.equal(40, t[4])
    local cols = m33():split(2, 2)
    assert.are.same({{3}, {6}, {9}}, cols[2]:totable())
  end)

  it('chunk gives at most n views of equal size', function()
    local t = dc.arange(1, 6)
    local c = t:chunk(2)
    assert.are.same({{1, 2, 3}, {4, 5}}, {c[1]:totable(), c[2]:totable()})
    assert.are.equal(5, #dc.arange(1, 6):chunk(9))
    assert.are.same({{1}, {4}, {7}}, m33():chunk(3, -1)[1]:totable())
  end)

  it('rejects bad sizes and dimensions', function()
    local t = dc.arange(1, 6)
    fails('split: size must be a positive integer, got 0', t.split, t, 0)
    fails('chunk: n must be a positive integer, got 1.5', t.chunk, t, 1.5)
    fails('split: dimension 2 out of range for int64 [5]', t.split, t, 1, 2)
  end)
end)

describe('cat and stack', function()
  it('cat joins along an existing dimension (1 by default)', function()
    local a, b = dc.tensor{{1, 2}}, dc.tensor{{3, 4}, {5, 6}}
    assert.are.same({{1, 2}, {3, 4}, {5, 6}}, dc.cat{a, b}:totable())
    assert.are.same({{1, 2, 1, 2}}, dc.cat({a, a}, 2):totable())
    assert.are.same({{1, 3, 5}, {2, 4, 6}}, dc.cat({a:t(), b:t()}, -1):totable())
  end)

  it('stack joins along a new dimension', function()
    local a, b = dc.tensor{1, 2}, dc.tensor{3, 4}
    assert.are.same({{1, 2}, {3, 4}}, dc.stack{a, b}:totable())
    assert.are.same({{1, 3}, {2, 4}}, dc.stack({a, b}, 2):totable())
    assert.are.same({{1, 3}, {2, 4}}, dc.stack({a, b}, -1):totable())
  end)

  it('rejects mismatched or missing tensors', function()
    local a = dc.tensor{{1, 2}}
    fails('cat: tensor 2 is float32 [1, 3] but tensor 1 is float32 [1, 2] (sizes must match ' ..
      'except in dimension 1)', dc.cat, {a, dc.ones(1, 3)})
    fails('cat: tensor 2 is int64 [1, 2] but tensor 1 is float32 [1, 2] (dtypes must match)',
      dc.cat, {a, long{{1, 2}}})
    fails('cat: expected a non-empty list of tensors', dc.cat, {})
    fails('cat: element 2 of the list is a number, not a tensor', dc.cat, {a, 3})
    fails('dimension 3 out of range', dc.cat, {a, a}, 3)
    fails('stack: tensor 2 is float32 [3] but tensor 1 is float32 [2] (dtypes and shapes must ' ..
      'match)', dc.stack, {dc.ones(2), dc.ones(3)})
    fails('stack: expected a non-empty list of tensors', dc.stack, {})
    fails('stack: element 1 of the list is a string, not a tensor', dc.stack, {'x'})
  end)
end)

describe('bincount', function()
  it('entry i counts the value i', function()
    assert.are.same({2, 0, 1}, dc.bincount(long{1, 3, 1}):totable())
    assert.are.same({2, 0, 1, 0, 0}, dc.bincount(long{1, 3, 1}, {minlength = 5}):totable())
    assert.are.same({0, 0}, dc.bincount(long{}, {minlength = 2}):totable())
    local w = dc.bincount(long{2, 2, 1}, {weights = dc.tensor{0.5, 0.25, 2}})
    assert.are.equal('float32', w:dtype())
    assert.are.same({2, 0.75}, w:totable())
  end)

  it('rejects values below 1, bad options and wrong dtypes', function()
    fails('bincount: value 0 at position 2 is out of range (values must be >= 1)',
      dc.bincount, long{1, 0})
    fails("bincount: unknown option 'min_length' (valid: weights, minlength)",
      dc.bincount, long{1}, {min_length = 3})
    fails("bincount: option 'weights' must be a tensor, got table", dc.bincount, long{1},
      {weights = {1}})
    fails('bincount: x must be int64, got float32 [2]', dc.bincount, dc.tensor{1, 2})
    fails('bincount: weights float32 [1] must have the shape of x int64 [2]', dc.bincount,
      long{1, 2}, {weights = dc.ones(1)})
    fails('bincount: minlength must be >= 0, got -1', dc.bincount, long{1}, {minlength = -1})
  end)
end)
