-- dc.save / dc.load (checkpoint archives): round trips of tensors and metadata, atomic
-- replacement, and refusal of bad paths, corrupt or truncated files and wrong arguments.
local dc = require 'dclab'
local core = dc.core

local dir

local function path(name) return dir .. '/' .. name end

local read_file = require('spec_helpers').read_file

local write_file = require('spec_helpers').write_file

local function listing()
  local p = io.popen("ls -A '" .. dir .. "'")
  local names = {}
  for line in p:lines() do names[#names + 1] = line end
  p:close()
  return names
end

setup(function()
  dir = os.tmpname()
  os.remove(dir)
  assert(os.execute("mkdir '" .. dir .. "'"))
end)

teardown(function()
  os.execute("rm -rf '" .. dir .. "'")
end)

describe('dc.save and dc.load', function()
  it('round-trip named tensors and a metadata table', function()
    local w = dc.randn(4, 3, {seed = 1})
    local tensors = {
      ['conv1.weight'] = w,
      ['conv1.weight_t'] = w:t(),
      assign = dc.tensor({1, 5, 2}, 'int64'),
      image = dc.tensor({{0, 255}}, 'uint8'),
      step = dc.tensor(7.5),
      none = dc.zeros(0),
    }
    local meta = {
      epoch = 3, lr = 0.05, half = 2.0, big = math.maxinteger, neg = -12,
      name = 'run "a"\n\0bytes\255', sobel = true, resume = false,
      config = {k = 100, sizes = {1, 2, 3}, nested = {deeper = {x = 'y'}}},
      [1] = 'first', [7] = 'seventh',
    }
    dc.save(path('ck.bin'), tensors, meta)
    local t, m = dc.load(path('ck.bin'))
    for name, v in pairs(tensors) do
      assert.are.equal(v:dtype(), t[name]:dtype())
      assert.are.same(v:shape(), t[name]:shape())
      if v:dim() > 0 then assert.are.same(v:totable(), t[name]:totable()) end
    end
    assert.are.equal(7.5, t.step:item())
    assert.are.same(meta, m)
    assert.are.equal('integer', math.type(m.epoch))
    assert.are.equal('float', math.type(m.half))
    assert.are.same({'ck.bin'}, listing()) -- no temporary file left behind
  end)

  it('restores a generator from a checkpoint', function()
    local g = dc.Generator(11)
    dc.rand(5, {generator = g})
    dc.save(path('rng.bin'), {}, {rng = g:state()})
    local expect = dc.rand(5, {generator = g}):totable()
    local _, m = dc.load(path('rng.bin'))
    local h = dc.Generator(0):set_state(m.rng)
    assert.are.same(expect, dc.rand(5, {generator = h}):totable())
  end)

  it('accepts no tensors and no metadata', function()
    dc.save(path('empty.bin'), {})
    local t, m = dc.load(path('empty.bin'))
    assert.are.same({}, t)
    assert.is_nil(m)
  end)

  it('replaces a file whole, and leaves it alone when a save fails', function()
    dc.save(path('r.bin'), {a = dc.ones(2)}, {v = 1})
    dc.save(path('r.bin'), {b = dc.zeros(3)}, {v = 2})
    local t, m = dc.load(path('r.bin'))
    assert.is_nil(t.a)
    assert.are.same({0, 0, 0}, t.b:totable())
    assert.are.equal(2, m.v)
    assert.has_error(function() dc.save(path('r.bin'), {c = dc.ones(1)}, {f = print}) end)
    local released = dc.ones(1)
    released:free()
    assert.has_error(function() dc.save(path('r.bin'), {c = released}) end,
      "save: tensor 'c' is released")
    t = dc.load(path('r.bin'))
    assert.is_not_nil(t.b)
  end)

  it('raise on bad paths', function()
    assert.has_error(function() dc.save(path('no/dir/x.bin'), {}) end,
      "save: cannot write '" .. path('no/dir/x.bin') .. "': No such file or directory")
    assert.has_error(function() dc.load(path('missing.bin')) end,
      "load: cannot open '" .. path('missing.bin') .. "': No such file or directory")
    assert.has_error(function() dc.load(dir) end, "load: '" .. dir .. "' is not a regular file")
  end)

  it('refuse corrupt, truncated and foreign files', function()
    dc.save(path('good.bin'), {w = dc.randn(10, 10, {seed = 2})}, {epoch = 1})
    local good = read_file(path('good.bin'))
    local mid = #good // 2
    write_file(path('flip.bin'), good:sub(1, mid - 1) ..
      string.char(good:byte(mid) ~ 0x10) .. good:sub(mid + 1))
    assert.error_matches(function() dc.load(path('flip.bin')) end,
      "load: '.+': corrupt archive: checksum mismatch %(stored %x+, computed %x+%)")
    write_file(path('short.bin'), good:sub(1, #good - 100))
    assert.error_matches(function() dc.load(path('short.bin')) end,
      'corrupt or truncated archive: tensor data longer than the file (at offset 62)', 1, true)
    write_file(path('tail.bin'), good .. 'x')
    assert.error_matches(function() dc.load(path('tail.bin')) end,
      'corrupt or truncated archive: unexpected bytes before the checksum', 1, true)
    dc.save_npy(path('x.npy'), dc.zeros(2))
    assert.has_error(function() dc.load(path('x.npy')) end,
      "load: '" .. path('x.npy') .. "' is not a dclab archive (bad magic number)")
    -- a valid archive whose metadata is not serialize's text: refused, never run
    core.archive_save(path('code.bin'), {}, {}, 'os.exit(3)')
    assert.has_error(function() dc.load(path('code.bin')) end,
      "load: '" .. path('code.bin') ..
      "': unreadable metadata: serialize: unexpected name 'os' at position 1")
  end)

  it('raise on wrong argument types', function()
    assert.has_error(function() dc.save(1, {}) end, 'save: path must be a string, got number')
    assert.has_error(function() dc.load({}) end, 'load: path must be a string, got table')
    assert.has_error(function() dc.save(path('x.bin'), dc.zeros(1)) end,
      'save: tensors must be a table {name = tensor} or a module, got userdata')
    assert.has_error(function() dc.save(path('x.bin'), {dc.zeros(1)}) end,
      'save: tensor names must be strings, got the number key 1')
    -- a NUL would cut the name short in the file: refused, in Lua and in core
    assert.has_error(function() dc.save(path('x.bin'), {['w\0b'] = dc.zeros(1)}) end,
      'save: tensor name "w\\0b" contains a NUL byte')
    assert.has_error(function() core.archive_save(path('x.bin'), {'w\0b'}, {dc.zeros(1)}, '') end,
      'save: name 1 contains a NUL byte')
    assert.is_nil(io.open(path('x.bin')))
    assert.has_error(function() dc.save(path('x.bin'), {w = 'weights'}) end,
      "save: tensors['w'] is a string, not a dclab.Tensor")
    assert.has_error(function() dc.save(path('x.bin'), {}, {f = print}) end,
      'save: cannot store a function at meta.f (only nil, booleans, numbers, strings and tables)')
    assert.has_error(function() dc.save(path('x.bin'), {}, {t = dc.zeros(1)}) end,
      'save: cannot store a userdata at meta.t (only nil, booleans, numbers, strings and tables)')
    local cyc = {}
    cyc.me = cyc
    assert.has_error(function() dc.save(path('x.bin'), {}, {a = cyc}) end,
      'save: a table contains itself at meta.a.me')
    assert.has_error(function() core.archive_save(path('x.bin'), {'a'}, {}, '') end,
      'archive_save: 1 names for 0 tensors')
    assert.has_error(function() core.archive_save(path('x.bin'), {'a'}, {5}, '') end,
      "save: 'a' is a number, not a dclab.Tensor")
  end)
end)
