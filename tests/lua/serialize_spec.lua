-- dclab.serialize: exact round trips of plain values, a stable text, and a parser that
-- refuses anything else (in particular anything that would run code).
local serialize = require 'dclab.serialize'

local function roundtrip(v)
  return serialize.decode(serialize.encode(v))
end

describe('dclab.serialize', function()
  it('round-trips scalars keeping integers and floats apart', function()
    for _, v in ipairs({0, -1, 42, math.maxinteger, math.mininteger, 0.1, 1 / 3, -2.5, 1e300,
      5e-324, 3.0, -0.0, 2 ^ 63, math.huge, -math.huge, '', 'text', true, false}) do
      local r = roundtrip(v)
      assert.are.equal(v, r)
      assert.are.equal(math.type(v), math.type(r))
    end
    assert.are.equal(-math.huge, 1 / roundtrip(-0.0))
    local nan = roundtrip(0 / 0)
    assert.is_true(nan ~= nan)
    assert.is_nil(roundtrip(nil))
  end)

  it('round-trips strings of any bytes', function()
    local all = {}
    for b = 0, 255 do all[#all + 1] = string.char(b) end
    local s = table.concat(all) .. '\r\n"\'\\'
    assert.are.equal(s, roundtrip(s))
  end)

  it('round-trips nested tables with mixed keys', function()
    local v = {1, 2, {3, {4}}, name = 'x', [10] = 'ten', [-1] = 'neg', [2.5] = 'half',
      [true] = 'yes', [false] = 'no', ['with space'] = 1, ['end'] = 'reserved',
      deep = {a = {b = {c = {}}}}}
    assert.are.same(v, roundtrip(v))
  end)

  it('writes a stable, readable text', function()
    assert.are.equal('{1,2,3}', serialize.encode({1, 2, 3}))
    assert.are.equal('{[3]=1.5,a=1,b="x",["c d"]=true,[true]=0}',
      serialize.encode({b = 'x', a = 1, [3] = 1.5, [true] = 0, ['c d'] = true}))
    assert.are.equal('{lr=0.05,mom=0.9,n=3.0}', serialize.encode({lr = 0.05, mom = 0.9, n = 3.0}))
    assert.are.equal('{["nan"]=nan,x=-inf}', serialize.encode({x = -math.huge, nan = 0 / 0}))
    assert.are.equal('nil', serialize.encode(nil))
  end)

  it('reads Lua constructor syntax it did not write itself', function()
    assert.are.same({a = 1, b = {2, 3}, [4] = 'x'},
      serialize.decode(" { a = 1 ; b = { 2 , 3 , } , [ 4 ] = 'x' } "))
    assert.are.equal('A\tB', serialize.decode('"\\65\\x09\\u{42}"'))
    assert.are.equal('ab', serialize.decode('"a\\z   \n  b"'))
  end)

  it('refuses values that are not plain data', function()
    assert.has_error(function() serialize.encode({f = print}, 'meta') end,
      'serialize: cannot store a function at meta.f (only nil, booleans, numbers, strings ' ..
      'and tables)')
    assert.has_error(function() serialize.encode({[{}] = 1}) end,
      'serialize: a table key at value (keys are strings, numbers or booleans)')
    assert.has_error(function() serialize.encode(coroutine.create(print)) end,
      'serialize: cannot store a thread at value (only nil, booleans, numbers, strings and tables)')
    local t = {}
    t[1] = {t}
    assert.has_error(function() serialize.encode(t, 'cfg') end,
      'serialize: a table contains itself at cfg[1][1]')
    local deep = {}
    for _ = 1, 120 do deep = {deep} end
    assert.error_matches(function() serialize.encode(deep) end,
      'serialize: tables nested more than 100 deep', 1, true)
    local shared = {1}
    assert.are.same({a = {1}, b = {1}}, roundtrip({a = shared, b = shared}))
  end)

  it('never runs code and refuses malformed text', function()
    local cases = {
      ['os.exit(1)'] = "serialize: unexpected name 'os' at position 1",
      ['{x=os.execute("touch /tmp/pwned")}'] = "serialize: unexpected name 'os' at position 4",
      ['(function() end)()'] = "serialize: unexpected '(' at position 1",
      ['{1,2'] = "serialize: expected ',' or '}' at position 5",
      ['{a=}'] = "serialize: unexpected '}' at position 4",
      ['"open'] = 'serialize: unfinished string at position 1',
      ['x = "a\nb"'] = "serialize: unexpected name 'x' at position 1",
      ['{"a\nb"}'] = 'serialize: unfinished string at position 2',
      ['"\\q"'] = 'serialize: invalid escape \\q at position 3',
      ['"\\300"'] = 'serialize: decimal escape too large at position 3',
      ['{[nil]=1}'] = 'serialize: a nil or nan key at position 6',
      ['1 2'] = 'serialize: unexpected text after the value at position 3',
      [''] = 'serialize: expected a value, found the end at position 1',
      ['1.2.3'] = "serialize: unexpected '1' at position 1",
      ['{true=1}'] = "serialize: expected ',' or '}' at position 6",
    }
    for text, msg in pairs(cases) do
      assert.has_error(function() serialize.decode(text) end, msg)
    end
    assert.error_matches(function() serialize.decode(string.rep('{', 150)) end,
      'tables nested more than 100 deep', 1, true)
    assert.has_error(function() serialize.decode(5) end,
      'serialize: decode expects a string, got number')
  end)
end)
