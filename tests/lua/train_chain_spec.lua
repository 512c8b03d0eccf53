-- The training chain (nn/chain.lua, core.conv2d_train_forward / _backward): a Sequential in
-- training runs its Conv2d -> BatchNorm2d -> ReLU blocks and max poolings as one chain,
-- forward and backward, with the results of the modules one by one up to rounding: in bf16,
-- and in fp32 on CPUs with AVX-512 (elsewhere fp32 networks keep their layers); errors name
-- the module and the stage.
local dc = require 'dclab'
local chain = require 'dclab.nn.chain'
local H = require 'spec_helpers'

local function bf16_or_pending()
  if dc.cpu().bf16 then return true end
  pending('this CPU has no AVX512_BF16 or AMX-BF16: ' .. dc.cpu().features)
end

-- ||a - b|| / ||b||
local function rel(a, b)
  return (a - b):norm() / b:norm()
end

-- One train step of a fresh `small` (same seed every call) in precision p on x, its features'
-- input gradient wanted; with_chain false runs the modules one by one.
local function step(x, with_chain, p)
  local orig = chain.train_at
  if not with_chain then chain.train_at = function() return nil end end
  local m = dc.nn.set_precision(dc.models.small{k = 10, generator = dc.Generator(11)}, p or 'bf16')
  m:training()
  m.features.need_input_grad = true
  local f = m.features
  local ok, err = pcall(function()
    local z = f:forward(x)
    f:backward(x, dc.randn(z:shape(), {seed = 3}))
  end)
  chain.train_at = orig
  assert(ok, err)
  return f
end

describe('bf16 training chain', function()
  -- bf16 moves results by more than rounding where a ReLU mask or a pooling maximum flips
  -- (tests/c/test_conv2d_train.c says more): the chain must stay as close to fp32 as the bf16
  -- modules one by one are, Euclidean, relative, within twice their distance plus 1e-2
  it('runs small\'s feature stack as one chain, as close to fp32 as the modules one by one', function()
    if not bf16_or_pending() then return end
    local x = dc.randn({16, 2, 28, 28}, {seed = 2})
    local a, b, c = step(x, true), step(x, false), step(x, false, 'fp32')
    assert.is_not_nil(a.train_runs[#a.modules]) -- one run, ending at the last module
    assert.equal(1, a.train_runs[#a.modules].start)
    assert.is_nil(next(b.train_runs))
    local function close(what, ta, tb, tc)
      local e, limit = rel(ta, tc), 2 * rel(tb, tc) + 1e-2
      assert.is_true(e <= limit, string.format('%s: %.3g > %.3g', what, e, limit))
    end
    close('output', a.output, b.output, c.output)
    close('input gradient', a.grad_input, b.grad_input, c.grad_input)
    local _, ga = a:parameters()
    local _, gb = b:parameters()
    local _, gc = c:parameters()
    for i = 1, #ga do
      -- a conv's bias gradient before a BatchNorm is zero but for rounding: compare sizes
      if i % 4 == 2 then
        assert.is_true(ga[i]:abs():max() < 1e-2 * ga[i - 1]:abs():max(), 'bias ' .. i)
      else
        close('gradient ' .. i, ga[i], gb[i], gc[i])
      end
    end
    for i, mod in ipairs(a.modules) do
      if mod.running_var then
        close('running mean ' .. i, mod.running_mean, b.modules[i].running_mean, c.modules[i].running_mean)
        close('running var ' .. i, mod.running_var, b.modules[i].running_var, c.modules[i].running_var)
      end
    end
  end)

  it('chains fp32 networks on AVX-512 only, leaves evaluation alone, and a smaller last batch trains', function()
    local m = dc.models.small{k = 10}
    m:training()
    m:forward(dc.randn({4, 1, 28, 28}, {seed = 1}))
    assert.equal(dc.cpu().avx512f, next(m.features.train_runs) ~= nil)
    if not bf16_or_pending() then return end
    dc.nn.set_precision(m, 'bf16')
    for _, n in ipairs{4, 3} do
      local x = dc.randn({n, 1, 28, 28}, {seed = n})
      m:forward(x)
      assert.is_not_nil(next(m.features.train_runs))
      m:backward(x, dc.randn(m.output:shape(), {seed = 2}))
    end
    m:evaluate()
    m:forward(dc.randn({4, 1, 28, 28}, {seed = 1}))
    assert.is_nil(next(m.features.train_runs))
  end)

  it('runs small\'s feature stack in fp32 as one chain on AVX-512, as the modules one by one', function()
    if not dc.cpu().avx512f then
      pending('this CPU has no AVX-512: its fp32 convolutions run outside oneDNN, unchained')
      return
    end
    local x = dc.randn({16, 2, 28, 28}, {seed = 2})
    local a, b = step(x, true, 'fp32'), step(x, false, 'fp32')
    assert.equal(1, a.train_runs[#a.modules].start)
    assert.is_nil(next(b.train_runs))
    -- the same oneDNN convolutions on other layouts, oneDNN's BatchNorm against dclab's: sums
    -- in other orders (tests/c/test_conv2d_train.c measures 7e-6 at most on small)
    local function close(what, ta, tb)
      local e = rel(ta, tb)
      assert.is_true(e <= 1e-4, string.format('%s: %.3g', what, e))
    end
    close('output', a.output, b.output)
    close('input gradient', a.grad_input, b.grad_input)
    local _, ga = a:parameters()
    local _, gb = b:parameters()
    for i = 1, #ga do
      if i % 4 == 2 then -- a conv's bias gradient before a BatchNorm: zero but for rounding
        assert.is_true(ga[i]:abs():max() < 1e-4 * ga[i - 1]:abs():max(), 'bias ' .. i)
      else
        close('gradient ' .. i, ga[i], gb[i])
      end
    end
    for i, mod in ipairs(a.modules) do
      if mod.running_var then
        close('running mean ' .. i, mod.running_mean, b.modules[i].running_mean)
        close('running var ' .. i, mod.running_var, b.modules[i].running_var)
      end
    end
  end)

  it('splits a run where the convolutions\' precision changes', function()
    if not bf16_or_pending() then return end
    local function block(s, c) -- Conv2d -> BatchNorm2d -> in-place ReLU
      s:add(dc.nn.Conv2d(c, c, 3, {pad = 1})):add(dc.nn.BatchNorm2d(c)):add(dc.nn.ReLU{inplace = true})
    end
    local s = dc.nn.Sequential()
    block(s, 16)
    block(s, 16)
    s.modules[1]:set_precision('bf16')
    s:training()
    local x = dc.randn({2, 16, 6, 6}, {seed = 1})
    s:forward(x)
    s:backward(x, dc.randn(s.output:shape(), {seed = 2}))
    assert.equal(1, s.train_runs[3].start)
    if dc.cpu().avx512f then assert.equal(4, s.train_runs[6].start) end
  end)

  it('names the module and the stage of a chain that fails', function()
    if not bf16_or_pending() then return end
    local s = dc.nn.Sequential{dc.nn.Conv2d(16, 16, 3), dc.nn.BatchNorm2d(16),
      dc.nn.ReLU{inplace = true}, dc.nn.MaxPool2d(2)}
    dc.nn.set_precision(s, 'bf16')
    s:training()
    H.errors_with('(1) Conv2d(16 -> 16, 3x3): conv2d_train: stage 2: maxpool2d: x float32 [2, 16, 1, 1] is too small',
      function() s:forward(dc.randn({2, 16, 3, 3}, {seed = 1})) end)
    H.errors_with('(1) Conv2d(16 -> 16, 3x3): conv2d_train: stage 1: BatchNorm in training needs more than one value per channel',
      function() s:forward(dc.randn({1, 16, 3, 3}, {seed = 1})) end)
  end)

  it('core functions check their stages and the saved state', function()
    local x = dc.randn({2, 4, 6, 6}, {seed = 1})
    H.errors_with('conv2d_train_forward: stage 1 must be a table, got number',
      function() dc.core.conv2d_train_forward({1}, x) end)
    H.errors_with('conv2d_train_forward: 0 stages, expected 1 to 64',
      function() dc.core.conv2d_train_forward({}, x) end)
    H.errors_with('conv2d_train_backward: stage 1 needs conv (a Conv2d configuration) or pool',
      function() dc.core.conv2d_train_backward({{}}, x, x, nil, dc.zeros({4})) end)
    local c = dc.nn.Conv2d(4, 8, 3)
    H.errors_with('conv2d_train_forward: stage 1: bn (the BatchNorm\'s tensors) missing',
      function() dc.core.conv2d_train_forward({{conv = c.cfg, w = c.weight, dw = c.grad_weight,
        b = c.bias, db = c.grad_bias}}, x) end)
    local bn = dc.nn.BatchNorm2d(8)
    local st = {{conv = c.cfg, w = c.weight, b = c.bias, dw = c.grad_weight, db = c.grad_bias,
      bn = {gamma = bn.weight, beta = bn.bias, running_mean = bn.running_mean,
      running_var = bn.running_var, dgamma = bn.grad_weight, dbeta = bn.grad_bias},
      eps = 1e-5, momentum = 0.1, relu = true}}
    local y, saved = dc.core.conv2d_train_forward(st, x)
    assert.same({2, 8, 4, 4}, y:shape())
    H.errors_with('conv2d_train_backward: saved does not come from a forward pass of these stages',
      function() dc.core.conv2d_train_backward(st, x, y, nil, dc.zeros({4}, {dtype = 'uint8'})) end)
    local dx = dc.core.conv2d_train_backward(st, x, y, nil, saved)
    assert.same(x:shape(), dx:shape())
    assert.is_nil(dc.core.conv2d_train_backward(st, x, y, false, saved))
  end)
end)
