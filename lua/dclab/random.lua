-- Random numbers: the default generator, dc.Generator, random tensor creation and the
-- in-place fills t:uniform_ / t:normal_ / t:bernoulli_.
--
-- Every call draws from a generator: the one given (option `generator`, or a fresh
-- dc.Generator(seed) for option `seed`), else the default generator. The default generator
-- starts from dc.default_seed (42) in every process, so a script that never seeds is still
-- reproducible; dc.manual_seed(s) restarts it. Numbers depend only on the seed and on the
-- order of the calls, never on the thread count (see core/rng.h).
local options = require 'dclab.options'

return function(dc, core)
  local T = core.Tensor
  local parse = core.sizes_and_options

  dc.default_seed = 42
  local default = core.Generator(dc.default_seed)

  dc.Generator = core.Generator
  dc.is_generator = core.is_generator

  -- dc.manual_seed(s): restarts the default generator from seed s; returns it.
  function dc.manual_seed(s)
    if math.type(s) ~= 'integer' then
      error(string.format('manual_seed: seed must be an integer, got %s',
        math.type(s) or type(s)), 2)
    end
    return default:manual_seed(s)
  end

  function dc.default_generator()
    return default
  end

  -- The generator a call uses: g itself (checked), or the default one.
  local function generator(fname, g)
    if g == nil then return default end
    if not core.is_generator(g) then
      error(string.format('%s: generator must be a dclab.Generator, got %s', fname, type(g)), 3)
    end
    return g
  end

  -- The generator named by an options table ({generator = g} or {seed = s}).
  local function from_options(fname, o)
    if o.seed ~= nil then
      if o.generator ~= nil then
        error(fname .. ": give either option 'generator' or option 'seed', not both", 3)
      end
      if math.type(o.seed) ~= 'integer' then
        error(string.format("%s: option 'seed' must be an integer, got %s", fname,
          math.type(o.seed) or type(o.seed)), 3)
      end
      return core.Generator(o.seed)
    end
    return generator(fname, o.generator)
  end

  local function check_integer(fname, what, v)
    if math.type(v) ~= 'integer' then
      error(string.format('%s: %s must be an integer, got %s', fname, what,
        math.type(v) or type(v)), 3)
    end
  end

  local function check_number(fname, what, v)
    if type(v) ~= 'number' then
      error(string.format('%s: %s must be a number, got %s', fname, what, type(v)), 3)
    end
  end

  local GEN = {generator = true, seed = true}
  local GEN_DTYPE = {generator = true, seed = true, dtype = true}

  -- dc.rand(sizes... [, {generator=, seed=}]): float32 uniform in [0, 1)
  function dc.rand(...)
    local shape, o = parse('rand', GEN, ...)
    local g = from_options('rand', o)
    local t = core.empty(shape)
    core.uniform_(t, 0, 1, g)
    return t
  end

  -- dc.randn(sizes... [, {generator=, seed=}]): float32 from N(0, 1)
  function dc.randn(...)
    local shape, o = parse('randn', GEN, ...)
    local g = from_options('randn', o)
    local t = core.empty(shape)
    core.normal_(t, 0, 1, g)
    return t
  end

  -- dc.randint(lo, hi, sizes... [, {generator=, seed=, dtype=}]): integers in [lo, hi],
  -- both ends included as in math.random; int64 unless dtype says otherwise.
  function dc.randint(lo, hi, ...)
    check_integer('randint', 'lo', lo)
    check_integer('randint', 'hi', hi)
    local shape, o = parse('randint', GEN_DTYPE, ...)
    local g = from_options('randint', o)
    local t = core.empty(shape, o.dtype or 'int64')
    core.randint_(t, lo, hi, g)
    return t
  end

  -- dc.randperm(n [, {generator=, seed=}]): int64 [n] holding 1..n in random order
  function dc.randperm(n, opts)
    check_integer('randperm', 'n', n)
    local g = from_options('randperm', options.check('randperm', opts, GEN))
    local t = core.randperm(n, g)
    return t
  end

  -- dc.bernoulli(p, sizes... [, {generator=, seed=, dtype=}]): 1 with probability p, else 0;
  -- float32 unless dtype says otherwise.
  function dc.bernoulli(p, ...)
    check_number('bernoulli', 'p', p)
    local shape, o = parse('bernoulli', GEN_DTYPE, ...)
    local g = from_options('bernoulli', o)
    local t = core.empty(shape, o.dtype)
    core.bernoulli_(t, p, g)
    return t
  end

  -- t:uniform_([lo=0 [, hi=1 [, g]]]): fills float32 t from U[lo, hi); returns t
  function T:uniform_(lo, hi, g)
    g = generator('uniform_', g)
    core.uniform_(self, lo or 0, hi or 1, g)
    return self
  end

  -- t:normal_([mean=0 [, std=1 [, g]]]): fills float32 t from N(mean, std^2); returns t
  function T:normal_(mean, std, g)
    g = generator('normal_', g)
    core.normal_(self, mean or 0, std or 1, g)
    return self
  end

  -- t:bernoulli_(p [, g]): fills t (any dtype) with 1 (probability p) or 0; returns t
  function T:bernoulli_(p, g)
    check_number('bernoulli_', 'p', p)
    g = generator('bernoulli_', g)
    core.bernoulli_(self, p, g)
    return self
  end
end
