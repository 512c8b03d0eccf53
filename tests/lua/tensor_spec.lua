-- The tensor API from Lua: creation, inspection, views, elementwise math, indexing, errors.
local dc = require 'dclab'

local errors_with = require('spec_helpers').errors_with

describe('tensor creation', function()
  it('builds from nested tables, float32 by default', function()
    local t = dc.tensor{{1, 2, 3}, {4, 5, 6}}
    assert.are.same({2, 3}, t:shape())
    assert.are.equal('float32', t:dtype())
    assert.are.equal(6.0, t[2][3])
    assert.are.same({{1, 2, 3}, {4, 5, 6}}, t:totable())
  end)

  it('builds int64 tensors keeping every bit', function()
    local t = dc.tensor({math.maxinteger, -3}, 'int64')
    assert.are.equal('int64', t:dtype())
    assert.are.equal(math.maxinteger, t[1])
    assert.are.equal('integer', math.type(t[2]))
  end)

  it('rejects ragged and non-numeric tables', function()
    errors_with('ragged nested table', dc.tensor, {{1, 2}, {3}})
    errors_with('expected a number at depth 2, got string', dc.tensor, {{1, 'x'}})
    errors_with("unknown dtype 'float64'", dc.tensor, {1}, 'float64')
  end)

  it('zeros, ones, full, empty take sizes or a table and a dtype option', function()
    assert.are.same({0, 0}, dc.zeros(2):totable())
    assert.are.same({{1, 1}}, dc.ones({1, 2}):totable())
    assert.are.equal('int64', dc.ones(3, {dtype = 'int64'}):dtype())
    assert.are.same({7, 7, 7}, dc.full(3, 7):totable())
    assert.are.same({{2, 2}}, dc.full({1, 2}, 2, {dtype = 'uint8'}):totable())
    assert.are.same({4, 5}, dc.empty(4, 5):shape())
    errors_with("zeros: unknown option 'dtyp'", dc.zeros, 2, {dtyp = 'int64'})
    errors_with('zeros: size 1 must be an integer, got float', dc.zeros, 2.5)
    errors_with('negative size -1', dc.zeros, -1)
  end)

  it('arange, linspace, eye', function()
    assert.are.same({0, 1, 2}, dc.arange(3):totable())
    assert.are.equal('int64', dc.arange(3):dtype())
    assert.are.same({1.0, 1.5, 2.0, 2.5}, dc.arange(1, 3, 0.5):totable())
    assert.are.equal('float32', dc.arange(0, 1, 0.25):dtype())
    assert.are.same({0, 0.25, 0.5, 0.75, 1}, dc.linspace(0, 1, 5):totable())
    assert.are.same({{1, 0, 0}, {0, 1, 0}}, dc.eye(2, 3):totable())
    errors_with('arange: step must be non-zero', dc.arange, 0, 3, 0)
  end)

  it('a clean out-of-memory error for an absurd size', function()
    errors_with('out of memory allocating float32 [10000000000000]', dc.zeros, 10000000000000)
  end)
end)

describe('tensor inspection', function()
  local t = dc.tensor{{1, 2, 3}, {4, 5, 6}}
  it('shape, size, dim, numel, stride, item', function()
    assert.are.equal(2, t:dim())
    assert.are.equal(6, t:numel())
    assert.are.equal(3, t:size(2))
    assert.are.equal(3, t:size(-1))
    assert.are.same({3, 1}, t:stride())
    assert.are.equal(2, #t)
    assert.are.equal(5.0, dc.tensor{{5}}:item())
    errors_with('item: tensor must have exactly one element, got float32 [2, 3]', t.item, t)
    errors_with('dimension 3 out of range for a 2-dimensional tensor', t.size, t, 3)
  end)
end)

describe('views', function()
  it('share storage with the original', function()
    local t = dc.zeros(2, 3)
    local v = t:view(3, 2)
    v[3][2] = 9
    assert.are.equal(9.0, t[2][3])
    local n = t:narrow(2, 2, 2)
    n:fill(1)
    assert.are.same({{0, 1, 1}, {0, 1, 9}}, {t[1]:totable(), {t[2][1], t[2][2], 9}})
    assert.are.same({0, 1, 1}, t[1]:totable())
  end)

  it('select, transpose, permute, squeeze, unsqueeze, expand', function()
    local t = dc.arange(6):view(2, 3)
    assert.are.same({1, 4}, t:select(2, 2):totable())
    assert.are.same({{0, 3}, {1, 4}, {2, 5}}, t:t():totable())
    assert.are.same({3, 2}, t:transpose(1, 2):shape())
    assert.are.same({3, 1, 2}, t:unsqueeze(2):permute(3, 2, 1):shape())
    assert.are.same({2, 3}, t:unsqueeze(1):squeeze():shape())
    assert.are.same({2, 1, 3}, t:unsqueeze(2):shape())
    assert.are.same({2, 4}, dc.tensor{{1}, {2}}:expand(2, 4):shape())
    assert.are.same({{1, 1}, {2, 2}}, dc.tensor{{1}, {2}}:expand(2, 2):totable())
    assert.are.equal(5, t[-1][-1])
  end)

  it('view refuses what needs a copy, reshape copies', function()
    local t = dc.arange(6):view(2, 3):t()
    errors_with('not contiguous enough to be viewed as [6] (use reshape, which copies)', t.view, t, 6)
    assert.are.same({0, 3, 1, 4, 2, 5}, t:reshape(6):totable())
    assert.are.same({0, 3, 1, 4, 2, 5}, t:contiguous():view(-1):totable())
    errors_with('cannot view int64 [3, 2] (6 elements) as [4]', t.reshape, t, 4)
  end)

  it('index errors name the index and the size', function()
    local t = dc.zeros(2, 3)
    errors_with('index 4 out of range for dimension 1 of size 2', function() return t[4] end)
    errors_with('index 0 out of range for dimension 1 of size 2', function() return t[0] end)
    assert.is_nil(t[3]) -- one past the end: what ends ipairs(t)
    errors_with('narrow: elements 3..4 out of range for dimension 2 of size 3', t.narrow, t, 2, 3, 2)
    errors_with('tensor fields cannot be assigned', function() t.foo = 1 end)
  end)
end)

describe('elementwise math', function()
  local a = dc.tensor{{1, 2, 3}, {4, 5, 6}}
  local b = dc.tensor{10, 20, 30}

  it('broadcasts + - * / as metamethods and methods', function()
    assert.are.same({{11, 22, 33}, {14, 25, 36}}, (a + b):totable())
    assert.are.same({{9, 18, 27}, {6, 15, 24}}, (b - a):totable())
    assert.are.same({{2, 4, 6}, {8, 10, 12}}, (a * 2):totable())
    assert.are.same({1, 0.5, 0.25, 0.125}, (1 / dc.tensor{1, 2, 4, 8}):totable())
    assert.are.same({{0.5, 1, 1.5}, {2, 2.5, 3}}, (a / 2):totable())
    assert.are.same({{-1, -2, -3}, {-4, -5, -6}}, (-a):totable())
    assert.are.same({{1, 4, 9}, {16, 25, 36}}, (a ^ 2):totable())
    assert.are.same({{11, 22, 33}, {14, 25, 36}}, a:add(b):totable())
  end)

  it('keeps integer dtypes and promotes with floats', function()
    local i = dc.tensor({1, 2, 3}, 'int64')
    assert.are.equal('int64', (i + 1):dtype())
    assert.are.equal('float32', (i + 0.5):dtype())
    assert.are.equal('float32', (i / 2):dtype())
    assert.are.equal('float32', (i + dc.tensor{1, 1, 1}):dtype())
  end)

  it('in-place variants write into self', function()
    local t = dc.zeros(2, 3)
    local r = t:add_(b)
    assert.are.equal(t, r)
    assert.are.same({10, 20, 30}, t[2]:totable())
    t:mul_(0.5):sub_(1)
    assert.are.same({4, 9, 14}, t[1]:totable())
    errors_with('add: out is float32 [3] but float32 [2, 3] is needed', b.add_, b, a)
  end)

  it('an out tensor receives the result without allocating', function()
    local x, y = dc.ones(1000), dc.full(1000, 2)
    local out = dc.empty(1000)
    local m0 = dc.memory()
    for _ = 1, 10 do
      assert.are.equal(out, x:add(y, out))
      assert.are.equal(out, x:mul(3, out))
      assert.are.equal(out, y:sqrt(out))
      assert.are.equal(out, x:clamp(0, 0.5, out))
    end
    assert.are.equal(m0.allocs, dc.memory().allocs)
    assert.are.equal(0.5, out[1000])
    errors_with('add: out is float32 [3] but float32 [1000] is needed', x.add, x, y, dc.empty(3))
  end)

  it('unary ops, pow, clamp', function()
    local t = dc.tensor{-1, 0, 4}
    assert.are.same({1, 0, 4}, t:abs():totable())
    assert.are.same({0, 0, 4}, t:relu():totable())
    assert.are.same({1, 2}, dc.tensor{1, 4}:sqrt():totable())
    assert.is_true(math.abs(dc.tensor{1}:exp()[1] - math.exp(1)) < 1e-6)
    assert.is_true(math.abs(dc.tensor{2}:log()[1] - math.log(2)) < 1e-6)
    assert.are.same({-0.5, 0, 2}, t:clamp(-0.5, 2):totable())
    assert.are.same({-1, 0, 2}, t:clamp(nil, 2):totable())
    assert.are.same({8, 0.5}, dc.tensor{2, 0.25}:pow(dc.tensor{3, 0.5}):totable())
    errors_with('clamp: min 2 is larger than max 1', t.clamp, t, 2, 1)
  end)

  it('comparisons give uint8 masks, where selects', function()
    local t = dc.tensor{-1, 0, 4}
    local m = t:gt(0)
    assert.are.equal('uint8', m:dtype())
    assert.are.same({0, 0, 1}, m:totable())
    assert.are.same({0, 1, 1}, t:ge(0):totable())
    assert.are.same({1, 0, 0}, t:eq(-1):totable())
    assert.are.same({9, 9, 4}, dc.where(m, t, 9):totable())
    assert.are.same({-1, 7, 4}, dc.where(t:ne(0), t, dc.tensor{7, 7, 7}):totable())
  end)

  it('rejects shapes that do not broadcast, naming both', function()
    errors_with('add: shapes do not broadcast, a is float32 [2, 3] but b is float32 [2]',
      function() return a + dc.tensor{1, 2} end)
    errors_with('expected a tensor or a number, got string', function() return a + 'x' end)
  end)
end)

describe('copy, conversion, release', function()
  it('copy converts dtype and broadcasts', function()
    local t = dc.zeros(2, 2, {dtype = 'int64'})
    t:copy(dc.tensor{1.9, -2.9})
    assert.are.same({{1, -2}, {1, -2}}, t:totable())
    assert.are.equal('int64', dc.tensor{1.5}:long():dtype())
    assert.are.equal('uint8', dc.tensor{300}:byte():dtype())
    assert.are.equal(255, dc.tensor{300}:byte()[1])
    assert.are.equal('float32', dc.tensor({1}, 'int64'):float():dtype())
    assert.are.equal('int64', dc.tensor{1}:type('int64'):dtype())
  end)

  it('clone is independent', function()
    local t = dc.tensor{1, 2}
    local c = t:clone()
    c[1] = 5
    assert.are.equal(1, t[1])
  end)

  it('a released tensor raises instead of crashing', function()
    local t = dc.zeros(3)
    t:free()
    t:free() -- idempotent
    errors_with('attempt to use a released tensor', t.numel, t)
    errors_with('attempt to use a released tensor', function() return t + 1 end)
    do
      local s <close> = dc.zeros(4)
      assert.are.equal(4, s:numel())
    end
  end)
end)

describe('engine memory', function()
  it('dc.memory counts live bytes, peak and allocations', function()
    collectgarbage()
    local before = dc.memory()
    local t = dc.zeros(1000)
    local during = dc.memory()
    assert.are.equal(before.bytes + 4000, during.bytes)
    assert.are.equal(before.allocs + 1, during.allocs)
    assert.is_true(during.peak >= during.bytes)
    t:free()
    assert.are.equal(before.bytes, dc.memory().bytes)
  end)

  it('10,000 temporaries of 1 MiB stay bounded: the GC is paced by engine bytes', function()
    collectgarbage()
    dc.reset_peak_memory()
    local base = dc.memory().bytes
    for _ = 1, 10000 do
      local t = dc.empty(262144) -- 1 MiB, dropped without free
      t:fill(1)
    end
    local peak = dc.memory().peak - base
    assert.is_true(peak < 512 * 1048576, string.format('peak %.0f MiB', peak / 1048576))
  end)
end)

describe('process exit', function()
  it('a process that ran parallel ops exits cleanly (module is never unloaded)', function()
    local build = os.getenv('DCLAB_BUILD') or 'build'
    local cmd = 'lua5.4 -e "package.path=\'./lua/?.lua;./lua/?/init.lua;\'..package.path; ' ..
      'package.cpath=\'' .. build .. '/lib/?.so;\'..package.cpath; local dc = require \'dclab\'; ' ..
      'local b = dc.ones(2048, 2048); b:mul_(2):add_(1); assert(b[1][1] == 3)" 2>&1'
    local p = io.popen(cmd)
    local out = p:read('a')
    local ok, _, code = p:close()
    assert.are.equal('', out)
    assert.is_true(ok, 'exit code ' .. tostring(code))
  end)
end)
