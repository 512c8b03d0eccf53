-- dc.options.check, the one checker of option tables: unknown keys, types, ranges, choices,
-- required options and defaults, with the exact messages every caller shares.
local dc = require 'dclab'
local helpers = require 'spec_helpers'
local errors_with = helpers.errors_with
local check = dc.options.check

local SPEC = {
  k = {type = 'integer', min = 1, required = true},
  tol = {type = 'number', above = 0, default = 1e-4},
  p = {type = 'number', min = 0, max = 1, default = 0.5},
  metric = {choices = {'l2', 'cosine'}, default = 'l2'},
  fn = {type = {'string', 'function'}},
  gen = {type = 'generator'},
  x = {type = 'tensor'},
  any = true,
}

describe('dc.options.check', function()
  it('fills the defaults and keeps the given values', function()
    local o = check('algo', {k = 3}, SPEC)
    assert.are.same({k = 3, tol = 1e-4, p = 0.5, metric = 'l2'}, o)
    o = check('algo', {k = 2, tol = 0.5, metric = 'cosine', any = {1}}, SPEC)
    assert.are.equal(0.5, o.tol)
    assert.are.equal('cosine', o.metric)
    assert.are.same({1}, o.any)
  end)

  it("returns a new table and leaves the caller's alone", function()
    local given = {k = 1}
    local o = check('algo', given, SPEC)
    assert.are_not.equal(given, o)
    assert.is_nil(given.tol)
  end)

  it('takes nil options as an empty table', function()
    assert.are.same({a = 1}, check('f', nil, {a = {default = 1}}))
  end)

  it('refuses options that are not a table', function()
    errors_with('algo: options must be a table, got number', check, 'algo', 5, SPEC)
    errors_with('algo: options must be a table, got string', check, 'algo', 'x', SPEC)
  end)

  it('refuses an unknown key, listing the valid ones sorted', function()
    errors_with("algo: unknown option 'nitr' (valid: any, fn, gen, k, metric, p, tol, x)",
      check, 'algo', {k = 1, nitr = 3}, SPEC)
    errors_with("algo: unknown option '1' (valid: any, fn, gen, k, metric, p, tol, x)",
      check, 'algo', {5}, SPEC)
  end)

  it('refuses a missing required option', function()
    errors_with("algo: option 'k' is required", check, 'algo', {}, SPEC)
  end)

  it('refuses the wrong type, showing the value', function()
    errors_with("algo: option 'k' must be an integer, got float 2.5",
      check, 'algo', {k = 2.5}, SPEC)
    errors_with("algo: option 'k' must be an integer, got 'a'", check, 'algo', {k = 'a'}, SPEC)
    errors_with("algo: option 'tol' must be a number, got table", check, 'algo',
      {k = 1, tol = {}}, SPEC)
    errors_with("algo: option 'fn' must be a string or a function, got 3", check, 'algo',
      {k = 1, fn = 3}, SPEC)
    errors_with("algo: option 'gen' must be a dclab.Generator, got table", check, 'algo',
      {k = 1, gen = {}}, SPEC)
    errors_with("algo: option 'x' must be a dclab.Tensor, got 1",
      check, 'algo', {k = 1, x = 1}, SPEC)
  end)

  it('accepts the special types', function()
    local o = check('algo', {k = 1, gen = dc.Generator(1), x = dc.zeros(2), fn = print}, SPEC)
    assert.is_true(dc.is_generator(o.gen))
    assert.is_true(dc.is_tensor(o.x))
  end)

  it('refuses values out of range', function()
    errors_with("algo: option 'k' must be >= 1, got 0", check, 'algo', {k = 0}, SPEC)
    errors_with("algo: option 'tol' must be > 0, got float 0.0",
      check, 'algo', {k = 1, tol = 0.0}, SPEC)
    errors_with("algo: option 'p' must be <= 1, got 2", check, 'algo', {k = 1, p = 2}, SPEC)
    errors_with("algo: option 'p' must be >= 0, got float -0.5",
      check, 'algo', {k = 1, p = -0.5}, SPEC)
    errors_with("algo: option 'p' must be >= 0, got nan", check, 'algo', {k = 1, p = 0 / 0}, SPEC)
  end)

  it('refuses a value outside the choices', function()
    errors_with("algo: option 'metric' must be one of 'l2', 'cosine', got 'ip'", check, 'algo',
      {k = 1, metric = 'ip'}, SPEC)
  end)

  it("blames the caller's caller by default, or the given level", function()
    local function ctor(opts)
      local o = check('ctor', opts, {a = true})
      return o
    end
    local line = debug.getinfo(1, 'l').currentline + 1
    local ok, err = pcall(function() ctor{b = 1} end)
    assert.is_false(ok)
    assert.truthy(err:find('options_spec.lua:' .. line .. ':', 1, true), err)
    local function inner(opts)
      local o = check('ctor', opts, {a = true}, 3)
      return o
    end
    local function outer(opts)
      local o = inner(opts)
      return o
    end
    line = debug.getinfo(1, 'l').currentline + 1
    ok, err = pcall(function() outer{b = 1} end)
    assert.truthy(err:find('options_spec.lua:' .. line .. ':', 1, true), err)
  end)

  it('is what the constructors use: one message style', function()
    errors_with("kmeans: unknown option 'nitr' (valid:", dc.cluster.kmeans, {k = 2, nitr = 1})
    errors_with("kmeans: option 'k' is required", dc.cluster.kmeans, {})
    errors_with("Linear: option 'bias' must be a boolean, got 1", dc.nn.Linear, 2, 3, {bias = 1})
    errors_with("BatchNorm2d: option 'momentum' must be a number, got 'x'", dc.nn.BatchNorm2d, 4,
      {momentum = 'x'})
    -- a range that a kernel enforces is checked once, in core, in core's words
    errors_with('BatchNorm2d: momentum must be in [0, 1], got 2', dc.nn.BatchNorm2d, 4,
      {momentum = 2})
    errors_with("sgd: option 'lr' is required", dc.optim.sgd, {})
    local lin = dc.nn.Linear(2, 3)
    errors_with("Linear:load_state: unknown option 'strict_mode' (valid: strict)",
      lin.load_state, lin, lin:state(), {strict_mode = false})
    local seq = dc.nn.Sequential{dc.nn.Linear(2, 3)}
    errors_with("Sequential:load_state: option 'strict' must be a boolean, got 'no'",
      seq.load_state, seq, seq:state(), {strict = 'no'})
    errors_with("progress: option 'tty' must be a boolean, got 1",
      dc.progress, 'work', 10, {tty = 1})
    errors_with("deepcluster: option 'head' must be one of 'reinit', 'keep', 'centroids', " ..
      "got 'new'", dc.deepcluster, {model = dc.models.small{}, data = {}, head = 'new'})
  end)
end)

describe('dc.options.arg', function()
  local arg = dc.options.arg

  it('returns a value that keeps the rule, or the default of a nil one', function()
    local x = dc.zeros(2, 3)
    assert.are.equal(x, arg('f', 1, x, {type = 'tensor', dtype = 'float32', dim = 2}))
    assert.are.equal(7, arg('f', 2, nil, {type = 'integer', default = 7}))
    assert.is_nil(arg('f', 2, nil, {type = 'integer', optional = true}))
    assert.are.equal(3, arg('f', 1, 3, {test = function(v) return v == 3 end, what = 'three'}))
  end)

  it('refuses the rest with the function, the position, the rule and the value', function()
    errors_with('f: argument 2 must be an integer, got nil', arg, 'f', 2, nil, {type = 'integer'})
    errors_with('f: argument 1 must be >= 1, got 0', arg, 'f', 1, 0, {type = 'integer', min = 1})
    errors_with('f: argument 1 must be an int64 1-D tensor, got float32 [2, 3]', arg, 'f', 1,
      dc.zeros(2, 3), {type = 'tensor', dtype = 'int64', dim = 1})
    local gone = dc.zeros(2)
    gone:free()
    errors_with('f: argument 1 must be a 1-D tensor, got a released tensor', arg, 'f', 1, gone,
      {type = 'tensor', dim = 1})
    errors_with('f: argument 3 must be three, got 4', arg, 'f', 3, 4,
      {test = function(v) return v == 3 end, what = 'three'})
    errors_with('options.arg: expected (fname, n, value, rule [, level])', arg, 'f', 1, 2)
  end)

  it("blames the caller's caller", function()
    local function f(v) arg('f', 1, v, {type = 'string'}) end
    local ok, err = pcall(function() f(1) end) -- this line is the one blamed
    assert.is_false(ok)
    assert.truthy(err:find('options_spec.lua:' .. debug.getinfo(1, 'l').currentline - 2, 1, true), err)
  end)
end)

