-- What Torch7 and PyTorch users reach for first: table and mask indexing, ipairs, the
-- in-place and conversion method names, callable modules, indexable datasets, saving a
-- module, and optimizers built from a parameter list.
local dc = require 'dclab'
local H = require 'spec_helpers'
local errors_with = H.errors_with

local function grid() return dc.arange(1, 13):view(3, 4) end -- 1..12, int64 [3, 4]

describe('t[{...}] indexing (Torch7)', function()
  it('reads an element with one integer per dimension, negatives from the end', function()
    local t = grid()
    assert.equal(7, t[{2, 3}])
    assert.equal(12, t[{-1, -1}])
    assert.equal('integer', math.type(t[{1, 1}]))
  end)

  it('reads inclusive {first, last} ranges and whole dimensions as views', function()
    local t = grid()
    assert.same({2, 6}, t[{{1, 2}, 2}]:totable())
    assert.same({{2, 3}, {6, 7}, {10, 11}}, t[{{}, {2, 3}}]:totable())
    assert.same({{9, 10, 11, 12}}, t[{{3}}]:totable()) -- {i} keeps the dimension
    assert.same({5, 6, 7, 8}, t[{2}]:totable())          -- missing entries: whole dimensions
    local v = t[{{2, 3}, {}}]
    v[{1, 1}] = 50                                        -- a view: writes reach t
    assert.equal(50, t[2][1])
  end)

  it('writes numbers and tensors into the selected part', function()
    local t = grid()
    t[{1, 1}] = 100
    t[{{2, 3}, 4}] = 0
    t[{3, {1, 2}}] = dc.tensor({-1, -2}, 'int64')
    assert.same({{100, 2, 3, 4}, {5, 6, 7, 0}, {-1, -2, 11, 0}}, t:totable())
    t[{{}, 1}] = dc.tensor({7}, 'int64') -- broadcast
    assert.same({7, 7, 7}, t:select(2, 1):totable())
  end)

  it('names the bad entry, the dimension and the shape', function()
    local t = grid()
    errors_with('tensor index: index 5 out of range for dimension 1 of size 3 in int64 [3, 4]',
      function() return t[{5, 1}] end)
    errors_with('tensor index: index 0 out of range for dimension 2 of size 4',
      function() return t[{1, {0, 2}}] end)
    errors_with('tensor index: 3 entries for int64 [3, 4]', function() return t[{1, 1, 1}] end)
    errors_with('entry 1 of the key must be an integer or a {first, last} range, got float',
      function() return t[{1.5}] end)
    errors_with('tensor index: range {3, 2} of dimension 1 is empty',
      function() return t[{{3, 2}}] end)
    errors_with('tensor index: cannot assign a string to a tensor',
      function() t[{1}] = 'x' end)
    local msg = errors_with('out of range', function() return t[{9}] end)
    assert.truthy(msg:find('torch_style_spec.lua:', 1, true), msg) -- the caller's line
  end)
end)

describe('t[mask] (boolean masks)', function()
  it('reads the entries where a comparison holds, and assigns a number there', function()
    local t = grid()
    assert.same({10, 11, 12}, t[t:gt(9)]:totable())
    t[t:le(6)] = 0
    assert.same({{0, 0, 0, 0}, {0, 0, 7, 8}, {9, 10, 11, 12}}, t:totable())
  end)

  it('refuses non-uint8 keys and non-number values', function()
    local t = grid()
    errors_with('a tensor key must be a uint8 mask (a comparison result), got float32 [3, 4]',
      function() return t[dc.ones(3, 4)] end)
    errors_with('t[mask] = v takes a number, got userdata', function() t[t:gt(1)] = t end)
  end)
end)

describe('ipairs over tensors', function()
  it('visits elements of a 1-D tensor and rows of a matrix, then stops', function()
    local seen = {}
    for i, v in ipairs(dc.tensor({4, 5, 6}, 'int64')) do seen[i] = v end
    assert.same({4, 5, 6}, seen)
    local rows = 0
    for _, row in ipairs(grid()) do
      rows = rows + 1
      assert.same({4}, row:shape())
    end
    assert.equal(3, rows)
    for _ in ipairs(dc.zeros(0)) do error('an empty tensor has no rows') end
  end)
end)

describe('method names from Torch', function()
  it('zero_ and fill_ work in place and return t; fill is the Torch7 name of fill_', function()
    local t = dc.ones(2, 2)
    assert.equal(t, t:zero_())
    assert.same({{0, 0}, {0, 0}}, t:totable())
    assert.equal(t, t:fill_(3))
    assert.same({{3, 3}, {3, 3}}, t:totable())
    t:fill(2)
    assert.same({{2, 2}, {2, 2}}, t:totable())
  end)

  it('double gives float32 and int gives int64, the types dclab computes in', function()
    local l = dc.tensor({1, 2}, 'int64')
    assert.equal('float32', l:double():dtype())
    assert.same({1, 2}, l:double():totable())
    assert.equal('int64', dc.tensor{1.7, -1.7}:int():dtype())
    assert.same({1, -1}, dc.tensor{1.7, -1.7}:int():totable())
  end)

  it('type() names the dtype; type(dtype) converts', function()
    local t = dc.zeros(2)
    assert.equal('float32', t:type())
    assert.equal('uint8', t:type('uint8'):type())
    assert.equal(t, t:type('float32'))
    errors_with("unknown dtype 'float64'", t.type, t, 'float64')
  end)

  it('size() prints as the sizes and still is a list', function()
    local s = dc.zeros(2, 3):size()
    assert.equal('[2, 3]', tostring(s))
    assert.same({2, 3}, {s[1], s[2]})
    assert.equal(2, #s)
    assert.equal('[]', tostring(dc.tensor(1):size()))
    assert.equal(3, dc.zeros(2, 3):size(2))
  end)

  it('flatten merges dimensions first..last (all by default)', function()
    local t = dc.arange(24):view(2, 3, 4)
    assert.same({24}, t:flatten():shape())
    assert.same({2, 12}, t:flatten(2):shape())
    assert.same({6, 4}, t:flatten(1, 2):shape())
    assert.same({2, 12}, t:flatten(-2, -1):shape())
    assert.same(t:view(-1):totable(), t:flatten():totable())
    assert.same({1}, dc.tensor(5):flatten():shape())
    errors_with('flatten: dimension 4 out of range for a 3-dimensional tensor', t.flatten, t, 4)
    errors_with('flatten: first dimension 3 comes after last dimension 2', t.flatten, t, 3, 2)
  end)

  it('repeat_tensor tiles a copy; expand repeats size-1 dimensions without copying', function()
    local t = dc.tensor({{1, 2}, {3, 4}}, 'int64')
    assert.same({{1, 2, 1, 2}, {3, 4, 3, 4}, {1, 2, 1, 2}, {3, 4, 3, 4}},
      t:repeat_tensor(2, 2):totable())
    assert.same({{{1, 2, 1, 2}, {3, 4, 3, 4}}, {{1, 2, 1, 2}, {3, 4, 3, 4}}},
      t:repeat_tensor({2, 1, 2}):totable())
    local same = t:repeat_tensor(1, 1)
    same[1][1] = 9
    assert.equal(1, t[1][1]) -- always a copy
    errors_with('repeat_tensor: 1 counts for a 2-dimensional tensor', t.repeat_tensor, t, 2)
    errors_with('repeat_tensor: count 2 must be a positive integer, got 0',
      t.repeat_tensor, t, 1, 0)
    local col = dc.tensor({{1}, {2}}, 'int64'):expand(2, 3)
    assert.same({{1, 1, 1}, {2, 2, 2}}, col:totable())
    assert.same({1, 0}, col:stride())
  end)

  it('sin and cos, also in place', function()
    local x = dc.tensor{0, 1, -2.5, 100}
    local s, c = x:sin(), x:cos()
    for i = 1, 4 do
      assert.near(math.sin(x[i]), s[i], 1e-6)
      assert.near(math.cos(x[i]), c[i], 1e-6)
    end
    assert.same({1, 1}, dc.tensor({0, 0}, 'int64'):cos():totable()) -- int64 -> float32
    assert.equal(x, x:sin_())
    assert.near(math.sin(1), x[2], 1e-6)
  end)
end)

describe('callable modules, indexable datasets, saving modules', function()
  it('m(x) is m:forward(x), for layers and containers', function()
    local lin = dc.nn.Linear(3, 2)
    local x = dc.randn(4, 3, {seed = 1})
    assert.same(lin:forward(x):clone():totable(), lin(x):totable())
    local net = dc.nn.Sequential{dc.nn.Linear(3, 5), dc.nn.ReLU(), dc.nn.Linear(5, 2)}
    assert.same(net:forward(x):clone():totable(), net(x):totable())
  end)

  it('ds[i] is {image, label}; ipairs(ds) stops at the end', function()
    local images = dc.arange(12):view(3, 1, 2, 2):byte()
    local ds = dc.data.tensor_dataset(images, dc.tensor({2, 1, 2}, 'int64'))
    local item = ds[2]
    assert.same(images[2]:totable(), item[1]:totable())
    assert.equal(1, item[2])
    local labels = {}
    for i, s in ipairs(ds) do labels[i] = s[2] end
    assert.same({2, 1, 2}, labels)
    errors_with('get: index 5 out of range 1..3', function() return ds[5] end)
    assert.same(item[1]:totable(), ds[2.0][1]:totable()) -- an integral float indexes too
    errors_with('tensors: index 1.5 is not an integer', function() return ds[1.5] end)
    errors_with('tensors: index inf is not an integer', function() return ds[math.huge] end)
    assert.equal(3, #ds)
  end)

  it('dc.save(path, module) saves its state; dc.load(path, module) restores it', function()
    local dir = H.tmpdir()
    local a = dc.nn.Sequential{dc.nn.Linear(3, 4), dc.nn.BatchNorm1d(4)}
    a:forward(dc.randn(5, 3, {seed = 2})) -- running statistics move
    dc.save(dir .. '/net.bin', a, {note = 'x'})
    local b = dc.nn.Sequential{dc.nn.Linear(3, 4), dc.nn.BatchNorm1d(4)}
    local back, meta = dc.load(dir .. '/net.bin', b)
    assert.equal(b, back)
    assert.same({note = 'x'}, meta)
    for name, t in pairs(a:state()) do assert.same(t:totable(), b:state()[name]:totable(), name) end
    errors_with('load: argument 2 must be a module, got number', dc.load, dir .. '/net.bin', 3)
    errors_with({"load: '" .. dir .. "/net.bin'", "unknown entry '2."}, dc.load, dir .. '/net.bin',
      dc.nn.Sequential{dc.nn.Linear(3, 4)})
    os.execute('rm -rf ' .. dir)
  end)
end)

describe('dc.optim.sgd from a parameter list', function()
  local function trained(make_opt)
    local lin = dc.nn.Linear(2, 1)
    lin.weight:fill(0.5)
    lin.bias:fill(0)
    local opt = make_opt(lin)
    local x, y = dc.tensor{{1, 2}}, lin:forward(dc.tensor{{1, 2}}):clone()
    lin:zero_grad()
    lin:backward(x, y) -- any gradient will do: the same one for every optimizer
    opt:step()
    return lin.weight:totable()
  end

  it('takes model:parameters() alone as PyTorch does, and equals :add(module)', function()
    local by_module = trained(function(m) return dc.optim.sgd{lr = 0.1}:add(m) end)
    local by_list = trained(function(m) return dc.optim.sgd(m:parameters(), {lr = 0.1}) end)
    local by_lists = trained(function(m)
      local p, g = m:parameters()
      return dc.optim.sgd(p, g, {lr = 0.1})
    end)
    local by_arg = trained(function(m) return dc.optim.sgd(m, {lr = 0.1}) end)
    assert.are_not.same({{0.5, 0.5}}, by_module)
    assert.same(by_module, by_list)
    assert.same(by_module, by_lists)
    assert.same(by_module, by_arg)
    assert.equal(1, #dc.optim.sgd(dc.nn.Linear(2, 1):parameters(), {lr = 1}).groups)
  end)

  it('refuses a tensor whose gradient it cannot know', function()
    errors_with('sgd: parameter 1 of the list is not a module parameter',
      dc.optim.sgd, {dc.zeros(2)}, {lr = 0.1})
    errors_with('sgd:add: parameter 1 of the list is not a module parameter',
      dc.optim.sgd{lr = 1}.add, dc.optim.sgd{lr = 1}, {dc.zeros(2)})
  end)
end)
