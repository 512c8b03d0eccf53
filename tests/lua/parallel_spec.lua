-- The thread count shared by OpenMP and OpenBLAS.
local dc = require 'dclab'

describe('threads', function()
  it('set_num_threads changes what get_num_threads reports, results stay put', function()
    local before = dc.get_num_threads()
    assert.is_true(before >= 1)
    local t = dc.arange(0, 100000, 1, {dtype = 'float32'})
    local a = dc.tensor{{1, 2}, {3, 4}}
    dc.set_num_threads(1)
    assert.equals(1, dc.get_num_threads())
    local s1, p1 = t:sum(), a:mm(a):totable()
    dc.set_num_threads(2)
    assert.equals(2, dc.get_num_threads())
    assert.equals(s1, t:sum())
    assert.same(p1, a:mm(a):totable())
    dc.set_num_threads(before)
  end)

  it('refuses a count below 1 or absurdly large', function()
    local ok, err = pcall(dc.set_num_threads, 0)
    assert.is_false(ok)
    assert.is_truthy(err:find('set_num_threads: expected 1 to 1024 threads, got 0', 1, true))
    assert.is_false(pcall(dc.set_num_threads, 100000))
    assert.is_false(pcall(dc.set_num_threads, 'two'))
  end)
end)
