-- dc.manual_seed, dc.Generator and its methods, dc.rand/randn/randint/randperm/bernoulli and
-- the in-place fills t:uniform_/normal_/bernoulli_, with their error messages.
local dc = require 'dclab'

local function flat(t)
  local out = {}
  local function walk(v)
    if type(v) == 'table' then
      for _, x in ipairs(v) do walk(x) end
    else
      out[#out + 1] = v
    end
  end
  walk(t:totable())
  return out
end

local function mean_std(xs)
  local s, s2 = 0, 0
  for _, x in ipairs(xs) do s, s2 = s + x, s2 + x * x end
  local m = s / #xs
  return m, math.sqrt(s2 / #xs - m * m)
end

describe('dc.manual_seed and the default generator', function()
  it('starts from the documented default seed', function()
    assert.are.equal(42, dc.default_seed)
    dc.manual_seed(dc.default_seed)
    local a = flat(dc.rand(6))
    local b = flat(dc.rand(6, {generator = dc.Generator(42)}))
    assert.are.same(b, a)
  end)

  it('makes runs reproducible and returns the default generator', function()
    local g = dc.manual_seed(123)
    assert.are.equal(dc.default_generator(), g)
    assert.are.equal(123, g:seed())
    local a = flat(dc.randn(10))
    dc.manual_seed(123)
    assert.are.same(a, flat(dc.randn(10)))
    dc.manual_seed(124)
    assert.are_not.same(a, flat(dc.randn(10)))
  end)

  it('rejects a seed that is not an integer', function()
    assert.has_error(function() dc.manual_seed(1.5) end,
      'manual_seed: seed must be an integer, got float')
    assert.has_error(function() dc.manual_seed('7') end,
      'manual_seed: seed must be an integer, got string')
  end)
end)

describe('dc.Generator', function()
  it('gives the same numbers for the same seed, and other numbers for another', function()
    local a, b, c = dc.Generator(5), dc.Generator(5), dc.Generator(6)
    assert.is_true(dc.is_generator(a))
    assert.is_false(dc.is_generator({}))
    local x = {a:random(), a:random(100), a:random(-5, 5), a:normal()}
    assert.are.same(x, {b:random(), b:random(100), b:random(-5, 5), b:normal()})
    assert.are_not.equal(x[1], c:random())
    assert.are.equal(5, a:seed())
    assert.matches('^dclab.Generator%(seed 5, key 0x0000000000000005, block %d+%)$', tostring(a))
  end)

  it('draws like math.random', function()
    local g = dc.Generator(1)
    local seen = {}
    for _ = 1, 2000 do
      local u = g:random()
      assert.is_true(math.type(u) == 'float' and u >= 0 and u < 1)
      local k = g:random(3)
      assert.is_true(math.type(k) == 'integer' and k >= 1 and k <= 3)
      local m = g:random(-2, 2)
      seen[m] = true
    end
    assert.are.same({[-2] = true, [-1] = true, [0] = true, [1] = true, [2] = true}, seen)
    assert.are.equal(7, g:random(7, 7))
    local big = g:random(math.mininteger, math.maxinteger)
    assert.are.equal('integer', math.type(big))
    local zs = {}
    for i = 1, 4000 do zs[i] = g:normal(10, 2) end
    local m, s = mean_std(zs)
    assert.is_true(math.abs(m - 10) < 0.2 and math.abs(s - 2) < 0.2)
  end)

  it('refuses bad draws', function()
    local g = dc.Generator(1)
    assert.has_error(function() g:random(0) end, "bad argument #1 to 'random' (interval is empty)")
    assert.has_error(function() g:random(3, 1) end,
      "bad argument #2 to 'random' (interval is empty)")
    assert.has_error(function() g:random(1, 2, 3) end,
      'random: wrong number of arguments (0, 1 or 2 expected)')
    assert.has_error(function() dc.Generator('x') end)
    assert.has_error(function() dc.Generator(1.5) end)
  end)

  it('splits independent streams without advancing the parent', function()
    local g = dc.Generator(9)
    local s1, s1b, s2 = g:split(1), g:split(1), g:split(2)
    assert.are.equal(9, s1:seed())
    local a = {s1:random(), s1:random()}
    assert.are.same(a, {s1b:random(), s1b:random()})
    assert.are_not.same(a, {s2:random(), s2:random()})
    assert.are.same(flat(dc.rand(4, {generator = dc.Generator(9)})),
      flat(dc.rand(4, {generator = g})))
    assert.has_error(function() g:split('a') end)
  end)

  it('saves and restores its state as a plain table', function()
    local g = dc.Generator(3)
    g:random()
    local st = g:state()
    assert.are.same({'buf', 'counter', 'key', 'nbuf', 'seed'}, (function()
      local ks = {}
      for k in pairs(st) do ks[#ks + 1] = k end
      table.sort(ks)
      return ks
    end)())
    local after = {g:random(), flat(dc.rand(5, {generator = g}))}
    local h = dc.Generator(0)
    assert.are.equal(h, h:set_state(st))
    assert.are.equal(3, h:seed())
    assert.are.same(after, {h:random(), flat(dc.rand(5, {generator = h}))})
  end)

  it('refuses a malformed state', function()
    local g = dc.Generator(3)
    local st = g:state()
    st.key = 1.5
    assert.has_error(function() g:set_state(st) end,
      "set_state: field 'key' must be an integer, got number")
    st = g:state()
    st.nbuf = 5
    assert.has_error(function() g:set_state(st) end,
      "set_state: field 'nbuf' = 5 is out of range [0, 4]")
    st = g:state()
    st.buf = {1, 2, 3}
    assert.has_error(function() g:set_state(st) end,
      'set_state: buf[4] must be an integer in [0, 2^32), got nil')
    st.buf = nil
    assert.has_error(function() g:set_state(st) end,
      "set_state: field 'buf' must be a table of 4 integers, got nil")
    assert.has_error(function() g:set_state(5) end)
    assert.are.same(dc.Generator(3):state(), g:state()) -- unchanged by the failures
  end)
end)

describe('dc.rand and dc.randn', function()
  it('create float32 tensors of the given sizes', function()
    local t = dc.rand(3, 4)
    assert.are.same({3, 4}, t:shape())
    assert.are.equal('float32', t:dtype())
    assert.are.same({2, 5}, dc.randn({2, 5}, {seed = 1}):shape())
    assert.are.same({}, dc.rand():shape())
    for _, x in ipairs(flat(dc.rand(1000))) do assert.is_true(x >= 0 and x < 1) end
  end)

  it('take a generator or a seed', function()
    local a = flat(dc.randn(8, {seed = 11}))
    assert.are.same(a, flat(dc.randn(8, {generator = dc.Generator(11)})))
    assert.are.same(a, flat(dc.randn(8, {seed = 11})))
    local m, s = mean_std(flat(dc.randn(20000, {seed = 2})))
    assert.is_true(math.abs(m) < 0.03 and math.abs(s - 1) < 0.03)
  end)

  it('refuse bad options and sizes', function()
    assert.has_error(function() dc.rand(2, {foo = 1}) end,
      "rand: unknown option 'foo' (valid: generator, seed)")
    assert.has_error(function() dc.randn(2, {generator = 5}) end,
      'randn: generator must be a dclab.Generator, got number')
    assert.has_error(function() dc.rand(2, {seed = 1, generator = dc.Generator(1)}) end,
      "rand: give either option 'generator' or option 'seed', not both")
    assert.has_error(function() dc.rand(2, {seed = 'x'}) end,
      "rand: option 'seed' must be an integer, got string")
    assert.has_error(function() dc.rand(2.5) end, 'rand: size 1 must be an integer, got float')
    assert.error_matches(function() dc.randn(-1) end, 'negative size %-1')
  end)
end)

describe('thread-count independence', function()
  it('gives the same numbers with 1 or 2 OpenMP threads', function()
    local script, outs = os.tmpname(), {}
    local f = assert(io.open(script, 'w'))
    f:write("local dc = require 'dclab'\n",
      "local g = dc.Generator(3)\n",
      "dc.save(arg[1], {normal = dc.randn(300001, {generator = g}),\n",
      "  int = dc.randint(0, 3 * (1 << 30), 70001, {generator = g}),\n",
      "  uniform = dc.zeros(300, 301):t():uniform_(-1, 1, g),\n",
      "  mask = dc.bernoulli(0.3, 100003, {generator = g})})\n")
    f:close()
    for n = 1, 2 do
      outs[n] = os.tmpname()
      local cmd = string.format("OMP_NUM_THREADS=%d LUA_PATH_5_4='%s' LUA_CPATH_5_4='%s' " ..
        "lua5.4 '%s' '%s'", n, package.path, package.cpath, script, outs[n])
      assert.is_true(os.execute(cmd))
    end
    local a, b = io.open(outs[1], 'rb'), io.open(outs[2], 'rb')
    local sa, sb = a:read('a'), b:read('a')
    a:close()
    b:close()
    assert.is_true(#sa > 4 * (300001 + 2 * 70001 + 300 * 301 + 100003))
    assert.is_true(sa == sb)
    for _, p in ipairs({script, outs[1], outs[2]}) do os.remove(p) end
  end)
end)

describe('dc.randint', function()
  it('draws integers with both bounds included', function()
    local t = dc.randint(-1, 2, 4000, {seed = 3})
    assert.are.equal('int64', t:dtype())
    local seen = {}
    for _, x in ipairs(flat(t)) do
      assert.is_true(math.type(x) == 'integer' and x >= -1 and x <= 2)
      seen[x] = true
    end
    assert.are.same({[-1] = true, [0] = true, [1] = true, [2] = true}, seen)
    assert.are.equal('uint8', dc.randint(0, 255, 2, 2, {dtype = 'uint8'}):dtype())
    assert.are.equal('float32', dc.randint(0, 9, {3}, {dtype = 'float32'}):dtype())
    assert.are.same(flat(dc.randint(1, 6, 10, {seed = 4})),
      flat(dc.randint(1, 6, 10, {generator = dc.Generator(4)})))
  end)

  it('refuses bad bounds and options', function()
    assert.has_error(function() dc.randint(3, 1, 2) end, 'randint: empty range [3, 1] (lo > hi)')
    assert.has_error(function() dc.randint(0.5, 1, 2) end,
      'randint: lo must be an integer, got float')
    assert.has_error(function() dc.randint(0, nil, 2) end,
      'randint: hi must be an integer, got nil')
    assert.has_error(function() dc.randint(0, 300, 2, {dtype = 'uint8'}) end,
      'randint: range [0, 300] does not fit uint8 [2] (0..255)')
    assert.truthy(select(2, pcall(dc.randint, 0, 3, 2, {dtype = 'int32'})):find(
      "unknown dtype 'int32' (expected float32, int64 or uint8)", 1, true))
    assert.has_error(function() dc.randint(0, 3, 2, {gen = 1}) end,
      "randint: unknown option 'gen' (valid: dtype, generator, seed)")
  end)
end)

describe('dc.randperm', function()
  it('permutes 1..n', function()
    local p = dc.randperm(50, {seed = 5})
    assert.are.equal('int64', p:dtype())
    local v = flat(p)
    local sorted = {table.unpack(v)}
    table.sort(sorted)
    for i = 1, 50 do assert.are.equal(i, sorted[i]) end
    assert.are_not.same(sorted, v)
    assert.are.same(v, flat(dc.randperm(50, {generator = dc.Generator(5)})))
    assert.are.same({0}, dc.randperm(0):shape())
    assert.are.equal(1, dc.randperm(1)[1])
  end)

  it('refuses bad arguments', function()
    assert.has_error(function() dc.randperm(-1) end, 'randperm: n must be >= 0, got -1')
    assert.has_error(function() dc.randperm(2.5) end, 'randperm: n must be an integer, got float')
    assert.has_error(function() dc.randperm(3, 4) end,
      'randperm: options must be a table, got number')
    assert.has_error(function() dc.randperm(3, {dtype = 'int64'}) end,
      "randperm: unknown option 'dtype' (valid: generator, seed)")
  end)
end)

describe('dc.bernoulli', function()
  it('draws 0/1 with probability p', function()
    local t = dc.bernoulli(0.25, 20000, {seed = 6})
    assert.are.equal('float32', t:dtype())
    local ones = 0
    for _, x in ipairs(flat(t)) do
      assert.is_true(x == 0 or x == 1)
      ones = ones + x
    end
    assert.is_true(math.abs(ones / 20000 - 0.25) < 0.015)
    assert.are.same({1, 1, 1}, flat(dc.bernoulli(1, 3, {dtype = 'int64'})))
    assert.are.same({0, 0}, flat(dc.bernoulli(0, 2, {dtype = 'uint8'})))
  end)

  it('refuses bad probabilities', function()
    assert.has_error(function() dc.bernoulli(1.5, 2) end,
      'bernoulli: probability must be in [0, 1], got 1.5')
    assert.has_error(function() dc.bernoulli('x', 2) end,
      'bernoulli: p must be a number, got string')
  end)
end)

describe('in-place fills', function()
  it('fill and return the tensor itself', function()
    local t = dc.zeros(100)
    assert.are.equal(t, t:uniform_(-3, -2))
    for _, x in ipairs(flat(t)) do assert.is_true(x >= -3 and x < -2) end
    assert.are.equal(t, t:normal_(5, 0))
    for _, x in ipairs(flat(t)) do assert.are.equal(5, x) end
    assert.are.equal(t, t:bernoulli_(1))
    assert.are.same(flat(dc.ones(100)), flat(t))
    local a = flat(dc.zeros(7):uniform_(0, 1, dc.Generator(8)))
    assert.are.same(a, flat(dc.rand(7, {seed = 8})))
    dc.manual_seed(1)
    local b = flat(dc.zeros(5):normal_())
    dc.manual_seed(1)
    assert.are.same(b, flat(dc.randn(5)))
  end)

  it('fill views in their logical order', function()
    local base = dc.zeros(3, 4)
    base:t():uniform_(0, 1, dc.Generator(2))
    local ref = dc.rand(4, 3, {seed = 2})
    assert.are.same(ref:totable(), base:t():totable())
    local row = dc.zeros(3, 4)
    row[2]:normal_(0, 1, dc.Generator(1))
    assert.are.same({0, 0, 0, 0}, row[1]:totable())
    assert.are.same(flat(dc.randn(4, {seed = 1})), row[2]:totable())
  end)

  it('refuse bad targets and arguments', function()
    assert.has_error(function() dc.zeros(2, {dtype = 'int64'}):uniform_() end,
      'uniform_: tensor must be float32, got int64 [2]')
    assert.has_error(function() dc.zeros(2):normal_(0, -1) end,
      'normal_: mean must be finite and std finite and >= 0, got mean 0, std -1')
    assert.has_error(function() dc.zeros(2):uniform_(1, 0) end,
      'uniform_: bounds must be finite float32 values with lo <= hi, got [1, 0)')
    assert.has_error(function() dc.zeros(2):uniform_(0, 1, {}) end,
      'uniform_: generator must be a dclab.Generator, got table')
    assert.has_error(function() dc.zeros(2):normal_(0, 1, 3) end,
      'normal_: generator must be a dclab.Generator, got number')
    assert.has_error(function() dc.zeros(2):bernoulli_(nil) end,
      'bernoulli_: p must be a number, got nil')
    assert.error_matches(function() dc.zeros(1):expand(3):uniform_() end,
      'uniform_: tensor float32 %[3%] is expanded %(dimension 1 has stride 0%)')
    local t = dc.zeros(2)
    t:free()
    assert.error_matches(function() t:uniform_() end, 'released tensor')
  end)
end)
