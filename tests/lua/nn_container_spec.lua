-- Sequential: chaining, module paths in errors, editing (insert, remove, replace), the
-- BatchNorm+ReLU fusion (same numbers as unfused), input-gradient skipping, state.
local dc = require 'dclab'
local H = require 'nn_gradcheck'
local nn = dc.nn

local function small_net()
  return nn.Sequential{
    nn.Conv2d(1, 4, 3, {pad = 1}), nn.BatchNorm2d(4), nn.ReLU{inplace = true},
    nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 3 * 3, 5),
  }
end

describe('Sequential', function()
  it('chains forward and backward and passes the gradient check', function()
    local net = small_net()
    assert.are.same({2, 5}, net:forward(H.rand(-1, 1, 2, 1, 6, 6)):shape())
    H.gradcheck(net, H.distinct(3, 1, 6, 6), {eps = 1e-3, tol = 3e-2})
    local p, g = net:parameters()
    assert.are.equal(6, #p)
    assert.are.equal(#p, #g)
    assert.are.equal(net:get(1).weight, p[1]) -- weight before bias, modules in order
    assert.are.equal(net:get(1).bias, p[2])
    assert.are.equal(4 * 9 + 4 + 8 + 36 * 5 + 5, net:num_params())
  end)

  it('prefixes errors with the module path, also nested', function()
    local net = nn.Sequential{nn.Sobel(), nn.Conv2d(2, 4, 3), nn.Sequential{nn.ReLU(), nn.Conv2d(96, 256, 5)}}
    H.errors_with('(3).(2) Conv2d(96 -> 256, 5x5): conv2d_forward: expected 96 input channels, got x float32 [1, 4, 6, 6]',
      net.forward, net, dc.zeros(1, 1, 8, 8))
    H.errors_with('(1) Sobel: sobel_forward: expected 1 (gray) or 3 (RGB) channels',
      net.forward, net, dc.zeros(1, 2, 8, 8))
  end)

  it('inserts, removes and replaces modules', function()
    local net = nn.Sequential():add(nn.Linear(3, 4)):add(nn.ReLU())
    net:insert(nn.Linear(4, 4), 2)
    assert.are.equal('Linear(4 -> 4)', tostring(net:get(2)))
    local old = net:replace(3, nn.Linear(4, 2))
    assert.are.equal('ReLU', tostring(old))
    assert.are.equal('Linear(4 -> 2)', tostring(net:remove()))
    assert.are.equal(2, net:size())
    assert.are.same({5, 4}, net:forward(dc.ones(5, 3)):shape())
    H.errors_with('Sequential:remove: position 7 out of range 1..2', net.remove, net, 7)
    H.errors_with('Sequential:insert: expected a module, got number', net.insert, net, 3)
    net:evaluate()
    net:add(nn.Dropout(0.5))
    assert.is_false(net:get(3).is_training) -- new modules follow the container's mode
  end)

  it('fuses BatchNorm + in-place ReLU with the same results as unfused', function()
    local fused = small_net()
    local plain = small_net()
    plain:replace(3, nn.ReLU()) -- not in place: no fusion
    assert.is_true(fused:get(2).fused_relu)
    assert.is_nil(plain:get(2).fused_relu)
    plain:load_state(fused:state())
    local x = H.rand(-1, 1, 4, 1, 6, 6)
    local r = H.rand(-1, 1, 4, 5)
    local a, b = fused:forward(x), plain:forward(x)
    assert.is_true(H.max_abs_diff(a, b) < 1e-6)
    fused.need_input_grad, plain.need_input_grad = true, true
    assert.is_true(H.max_abs_diff(fused:backward(x, r), plain:backward(x, r)) < 1e-6)
    assert.is_true(H.max_abs_diff(fused:get(1).grad_weight, plain:get(1).grad_weight) < 1e-5)
    assert.is_true(H.max_abs_diff(fused:get(2).grad_weight, plain:get(2).grad_weight) < 1e-5)
    -- removing the ReLU undoes the fusion
    fused:remove(3)
    assert.is_nil(fused:get(2).fused_relu)
  end)

  it('skips the input gradient when nobody needs it', function()
    local net = nn.Sequential{nn.Sobel(), nn.Conv2d(2, 3, 3), nn.ReLU()}
    local x = H.rand(0, 1, 2, 1, 5, 5)
    net:forward(x)
    net.need_input_grad = false
    assert.is_nil(net:backward(x, dc.ones(2, 3, 3, 3)))
    assert.is_nil(net:get(2).grad_input)
    assert.is_nil(net:get(1).grad_input)
    net.need_input_grad = true
    assert.are.same({2, 1, 5, 5}, net:backward(x, dc.ones(2, 3, 3, 3)):shape())
  end)

  it('saves and loads state by path, strictly', function()
    local a, b = small_net(), small_net()
    a:forward(H.rand(-1, 1, 2, 1, 6, 6)) -- moves the running statistics
    b:load_state(a:state())
    for k, t in pairs(a:state()) do assert.are.same(H.flat(t), H.flat(b:state()[k]), k) end
    H.errors_with("unknown entry '9.weight'", b.load_state, b, {['9.weight'] = dc.zeros(1)})
    local s = a:state()
    s['1.weight'] = dc.zeros(4, 1, 2, 2)
    H.errors_with("(1) Conv2d(1 -> 4, 3x3, pad 1): Conv2d: load_state: entry 'weight' is float32 [4, 1, 2, 2], expected float32 [4, 1, 3, 3]",
      b.load_state, b, s)
    s['1.weight'] = nil
    H.errors_with("missing entry 'weight'", b.load_state, b, s)
    b:load_state(s, {strict = false})
  end)

  it('loads all or nothing: an entry that does not fit leaves every tensor as it was', function()
    local a, b = small_net(), small_net()
    a:forward(H.rand(-1, 1, 2, 1, 6, 6))
    local before = {}
    for k, t in pairs(b:state()) do before[k] = H.flat(t) end
    local last = 0 -- the last child with state: the entries of every earlier one fit
    for k in pairs(a:state()) do last = math.max(last, tonumber(k:match('^(%d+)%.'))) end
    for _, strict in ipairs{true, false} do
      local s = a:state()
      local name = last .. '.weight'
      s[name] = dc.zeros(1, 2, 3)
      H.errors_with("entry 'weight' is float32 [1, 2, 3]", b.load_state, b, s, {strict = strict})
      for k, t in pairs(b:state()) do assert.are.same(before[k], H.flat(t), k) end
    end
    -- a single module too: its weight fits, its bias does not
    local lin, other = nn.Linear(2, 3), nn.Linear(2, 3)
    other.weight:fill(7)
    local w = H.flat(lin.weight)
    H.errors_with("Linear: load_state: entry 'bias' is float32 [2]", lin.load_state, lin,
      {weight = other.weight, bias = dc.zeros(2)})
    assert.are.same(w, H.flat(lin.weight))
    lin:load_state(other:state())
    assert.are.same(H.flat(other.weight), H.flat(lin.weight))
  end)

  it('prints as a tree', function()
    local net = nn.Sequential{nn.Linear(2, 3), nn.Sequential{nn.ReLU()}}
    assert.are.equal('Sequential {\n  (1): Linear(2 -> 3)\n  (2): Sequential {\n    (1): ReLU\n  }\n}', tostring(net))
  end)

  it('reallocates its buffers only when the input shape changes', function()
    local net = small_net()
    local y1 = net:forward(dc.ones(4, 1, 6, 6))
    local y2 = net:forward(dc.ones(4, 1, 6, 6))
    assert.are.equal(y1, y2) -- the same buffer
    assert.are.same({3, 5}, net:forward(dc.ones(3, 1, 6, 6)):shape())
  end)

  it('keeps Dropout and ReLU buffers apart from their inputs across modes and sizes', function()
    local net = nn.Sequential{nn.Linear(3, 4), nn.ReLU(), nn.Dropout(0.5)}
    net:forward(dc.ones(8, 3))
    net:evaluate()
    net:forward(dc.ones(64, 3)) -- dropout passes its input through
    net:training()
    assert.are.same({8, 4}, net:forward(dc.ones(8, 3)):shape())
    local r = nn.ReLU()
    local s = nn.Sequential{nn.BatchNorm1d(4), r}
    s:forward(dc.ones(2, 4))
    s:replace(2, nn.ReLU{inplace = true}) -- the old ReLU was never fused; now unfused again
    local x = dc.tensor{{1, -1}}
    assert.are.same({{1, 0}}, r:forward(x):totable())
    assert.are.same({{1, -1}}, x:totable())
  end)
end)
