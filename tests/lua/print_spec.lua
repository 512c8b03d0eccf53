-- tostring/print of tensors and dc.set_printoptions, with its errors.
local dc = require 'dclab'

describe('tensor printing', function()
  it('prints small tensors whole, with a footer', function()
    assert.are.equal(' 0.5000 -1.2500\n 3.0000  4.0000\n[dclab.Tensor float32 2x2]',
      tostring(dc.tensor{{0.5, -1.25}, {3, 4}}))
    assert.are.equal('1 2 3\n[dclab.Tensor int64 3]', tostring(dc.tensor({1, 2, 3}, 'int64')))
    assert.are.equal('  0 255\n[dclab.Tensor uint8 2]', tostring(dc.tensor({0, 255}, 'uint8')))
    assert.are.equal('1.0000e-05 1.0000e+00\n[dclab.Tensor float32 2]',
      tostring(dc.tensor{1e-5, 1}))
    assert.are.equal('2.5000\n[dclab.Tensor float32 scalar]', tostring(dc.tensor(2.5)))
    assert.are.equal('[dclab.Tensor float32 0x3]', tostring(dc.zeros(0, 3)))
    local t = dc.zeros(2)
    t:free()
    assert.are.equal('[dclab.Tensor released]', tostring(t))
  end)

  it('prints N-d tensors as 2-D slices with 1-based headers', function()
    assert.are.equal('(1,.,.) =\n0 1\n2 3\n\n(2,.,.) =\n4 5\n6 7\n[dclab.Tensor int64 2x2x2]',
      tostring(dc.arange(8):view(2, 2, 2)))
  end)

  it('summarises big tensors quickly', function()
    local t = dc.zeros(10000, 4096)
    local s = tostring(t)
    local lines = {}
    for line in s:gmatch('[^\n]+') do lines[#lines + 1] = line end
    assert.are.equal(8, #lines)
    assert.are.equal('0 0 0 ... 0 0 0', lines[1])
    assert.are.equal('...', lines[4])
    assert.are.equal('[dclab.Tensor float32 10000x4096, 156.2 MiB]', lines[8])
    t:free()
  end)

  it('follows dc.set_printoptions and restores the previous options', function()
    local old = dc.set_printoptions{precision = 2}
    assert.are.same({edgeitems = 3, threshold = 1000, precision = 4, linewidth = 80}, old)
    assert.are.equal('0.50 0.25\n[dclab.Tensor float32 2]', tostring(dc.tensor{0.5, 0.25}))
    dc.set_printoptions{threshold = 4, edgeitems = 1}
    assert.are.equal('0 ... 9\n[dclab.Tensor int64 10]', tostring(dc.arange(10)))
    dc.set_printoptions{linewidth = 20, threshold = 1000}
    assert.are.equal('Columns 1 to 7\n 0  1  2  3  4  5  6\n15 16 17 18 19 20 21\n\n' ..
      'Columns 8 to 14\n 7  8  9 10 11 12 13\n22 23 24 25 26 27 28\n\n' ..
      'Columns 15 to 15\n14\n29\n[dclab.Tensor int64 2x15]', tostring(dc.arange(30):view(2, 15)))
    local mine = dc.set_printoptions(old)
    assert.are.same({edgeitems = 1, threshold = 1000, precision = 2, linewidth = 20}, mine)
    assert.are.same(old, dc.set_printoptions{})
    assert.are.equal('0 1 2 3 4 5 6 7 8 9\n[dclab.Tensor int64 10]', tostring(dc.arange(10)))
  end)

  it('refuses unknown options and bad values', function()
    assert.has_error(function() dc.set_printoptions{precison = 2} end,
      "set_printoptions: unknown option 'precison' (valid: edgeitems, threshold, precision, " ..
      "linewidth)")
    assert.has_error(function() dc.set_printoptions{precision = 40} end,
      'set_printoptions: precision must be in 0..30, got 40')
    assert.has_error(function() dc.set_printoptions{edgeitems = 0} end,
      'set_printoptions: edgeitems must be in 1..1000, got 0')
    assert.has_error(function() dc.set_printoptions{linewidth = 10} end,
      'set_printoptions: linewidth must be in 20..100000, got 10')
    assert.has_error(function() dc.set_printoptions{threshold = -5} end,
      'set_printoptions: threshold must be >= 0, got -5')
    assert.has_error(function() dc.set_printoptions{precision = 'high'} end,
      "bad argument #1 to 'set_printoptions' (option 'precision' must be an integer, got string)")
    assert.has_error(function() dc.set_printoptions{edgeitems = 2 ^ 40} end,
      'set_printoptions: edgeitems = 1099511627776 is out of range')
    assert.error_matches(function() dc.set_printoptions(3) end, 'table expected, got number')
    assert.are.same({edgeitems = 3, threshold = 1000, precision = 4, linewidth = 80},
      dc.set_printoptions{}) -- unchanged by the failures
  end)
end)
