-- dc.save_npy / dc.load_npy: round trips, numpy interoperability (/usr/bin/python3 with
-- numpy, which `make test` installs), and the errors for bad paths, corrupt files and wrong
-- argument types.
local dc = require 'dclab'

local dir

local function path(name) return dir .. '/' .. name end

local write_file = require('spec_helpers').write_file

local read_file = require('spec_helpers').read_file

setup(function()
  dir = os.tmpname()
  os.remove(dir)
  assert(os.execute("mkdir '" .. dir .. "'"))
end)

teardown(function()
  os.execute("rm -rf '" .. dir .. "'")
end)

describe('dc.save_npy and dc.load_npy', function()
  it('round-trip every dtype, shape and layout', function()
    local cases = {
      dc.tensor{{1.5, 2, 3}, {4, 5, -6.25}},
      dc.tensor({math.mininteger, 2 ^ 62 // 1, 7}, 'int64'),
      dc.tensor({{0, 255}}, 'uint8'),
      dc.tensor(3.25),
      dc.zeros(0, 4),
      dc.rand(3, 4, 5, {seed = 1}):transpose(1, 3),
    }
    for i, t in ipairs(cases) do
      dc.save_npy(path('rt' .. i .. '.npy'), t)
      local u = dc.load_npy(path('rt' .. i .. '.npy'))
      assert.are.equal(t:dtype(), u:dtype())
      assert.are.same(t:shape(), u:shape())
      if t:dim() > 0 then assert.are.same(t:totable(), u:totable()) end
      assert.is_true(u:is_contiguous())
    end
    assert.are.equal(3.25, dc.load_npy(path('rt4.npy')):item())
  end)

  it('writes the header numpy writes', function()
    dc.save_npy(path('h.npy'), dc.zeros(2, 3))
    local bytes = read_file(path('h.npy'))
    assert.are.equal(128 + 24, #bytes)
    assert.are.equal('\x93NUMPY\x01\x00', bytes:sub(1, 8))
    assert.are.equal("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
      bytes:sub(11, 69))
  end)

  it('exchanges arrays with numpy', function()
    assert(os.execute('/usr/bin/python3 -c "import numpy" 2>/dev/null'),
      'numpy is not installed for /usr/bin/python3: `make deps` installs python3-numpy')
    dc.save_npy(path('f.npy'), dc.tensor{{1.5, 2, 3}, {4, 5, -6.25}})
    dc.save_npy(path('i.npy'), dc.tensor({math.mininteger, 2 ^ 62 // 1, 7}, 'int64'))
    dc.save_npy(path('u.npy'), dc.tensor({{0, 255}}, 'uint8'))
    dc.save_npy(path('t.npy'), dc.arange(6):view(2, 3):t())
    write_file(path('check.py'), [==[
import sys
import numpy as np
d = sys.argv[1]
f = np.load(d + '/f.npy')
assert f.dtype == np.float32 and f.shape == (2, 3), (f.dtype, f.shape)
assert f.tolist() == [[1.5, 2, 3], [4, 5, -6.25]], f
i = np.load(d + '/i.npy')
assert i.dtype == np.int64 and i.tolist() == [-2**63, 2**62, 7], i
u = np.load(d + '/u.npy')
assert u.dtype == np.uint8 and u.tolist() == [[0, 255]], u
t = np.load(d + '/t.npy')
assert t.tolist() == [[0, 3], [1, 4], [2, 5]], t
np.save(d + '/f64.npy', f.astype(np.float64) * 2)
np.save(d + '/fortran.npy', np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3)))
np.save(d + '/i32.npy', np.array([-5, 2**31 - 1], np.int32))
np.save(d + '/bool.npy', np.array([[True, False, True]]))
np.save(d + '/empty.npy', np.zeros((0, 4), np.float32))
np.save(d + '/scalar.npy', np.int64(-3))
]==])
    assert.is_true(os.execute(string.format("/usr/bin/python3 '%s' '%s'", path('check.py'), dir)))
    local f64 = dc.load_npy(path('f64.npy'))
    assert.are.equal('float32', f64:dtype())
    assert.are.same({{3, 4, 6}, {8, 10, -12.5}}, f64:totable())
    assert.are.same({{0, 1, 2}, {3, 4, 5}}, dc.load_npy(path('fortran.npy')):totable())
    local i32 = dc.load_npy(path('i32.npy'))
    assert.are.equal('int64', i32:dtype())
    assert.are.same({-5, 2147483647}, i32:totable())
    local b = dc.load_npy(path('bool.npy'))
    assert.are.equal('uint8', b:dtype())
    assert.are.same({{1, 0, 1}}, b:totable())
    assert.are.same({0, 4}, dc.load_npy(path('empty.npy')):shape())
    assert.are.equal(-3, dc.load_npy(path('scalar.npy')):item())
  end)

  it('raise on bad paths', function()
    assert.has_error(function() dc.load_npy(path('missing.npy')) end,
      "load_npy: cannot open '" .. path('missing.npy') .. "': No such file or directory")
    assert.has_error(function() dc.save_npy(path('no/such/dir.npy'), dc.zeros(1)) end,
      "save_npy: cannot write '" .. path('no/such/dir.npy') .. "': No such file or directory")
    assert.has_error(function() dc.load_npy(dir) end,
      "load_npy: '" .. dir .. "' is not a regular file")
  end)

  it('raise on corrupt and truncated files', function()
    write_file(path('bad.npy'), 'PK\3\4 this is a zip file')
    assert.has_error(function() dc.load_npy(path('bad.npy')) end,
      "load_npy: '" .. path('bad.npy') .. "' is not a .npy file (no \\x93NUMPY magic)")
    dc.save_npy(path('ok.npy'), dc.zeros(2, 3))
    local good = read_file(path('ok.npy'))
    write_file(path('short.npy'), good:sub(1, #good - 5))
    assert.has_error(function() dc.load_npy(path('short.npy')) end,
      "load_npy: '" .. path('short.npy') ..
      "': truncated data: 24 bytes of '<f4' data for shape [2, 3], the file has 19")
    write_file(path('hdr.npy'), good:sub(1, 40))
    assert.error_matches(function() dc.load_npy(path('hdr.npy')) end,
      'truncated file: header of 118 bytes, only 30 left', 1, true)
    write_file(path('dtype.npy'), (good:gsub('<f4', '<c8')))
    assert.error_matches(function() dc.load_npy(path('dtype.npy')) end,
      "unsupported dtype '<c8'", 1, true)
    write_file(path('junk.npy'), (good:gsub("'shape'", "'shap?'")))
    assert.error_matches(function() dc.load_npy(path('junk.npy')) end,
      "bad header: expected only the keys 'descr', 'fortran_order' and 'shape'", 1, true)
  end)

  it('raise on wrong argument types', function()
    assert.has_error(function() dc.save_npy(5, dc.zeros(1)) end,
      'save_npy: path must be a string, got number')
    assert.has_error(function() dc.save_npy(path('x.npy'), {1, 2}) end,
      'save_npy: expected a dclab.Tensor, got table')
    assert.has_error(function() dc.load_npy(nil) end, 'load_npy: path must be a string, got nil')
    local t = dc.zeros(2)
    t:free()
    assert.error_matches(function() dc.save_npy(path('x.npy'), t) end, 'released tensor')
  end)
end)
