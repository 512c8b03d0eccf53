-- Inference fusion of Conv2d + BatchNorm2d (+ in-place ReLU) in a Sequential: the same
-- features as the three modules run one by one, and no backward through a folded forward.
local dc = require 'dclab'
local chain = require 'dclab.nn.chain'
local H = require 'spec_helpers'

local function unfuse(seq)
  for _, m in ipairs(seq.modules) do m.fused_bn, m.fused_conv = nil, nil end
end

describe('Conv2d + BatchNorm2d inference fusion', function()
  local m = dc.models.small{k = 10, generator = dc.Generator(3)}
  local x = dc.randn({6, 1, 28, 28}, {seed = 4})
  -- running statistics away from 0 / 1, so the folding is exercised
  for _, mod in ipairs(m.features.modules) do
    if mod.class_name == 'BatchNorm2d' then
      mod.running_mean:uniform_(-0.5, 0.5)
      mod.running_var:uniform_(0.5, 2)
      mod.weight:uniform_(0.5, 1.5)
      mod.bias:uniform_(-0.2, 0.2)
    end
  end

  it('marks every conv followed by a BatchNorm2d', function()
    local n = 0
    for _, mod in ipairs(m.features.modules) do
      if mod.class_name == 'Conv2d' then
        assert.equal('BatchNorm2d', mod.fused_bn.class_name)
        n = n + 1
      end
    end
    assert.equal(4, n)
  end)

  it('gives the features of the separate modules within 1e-4', function()
    m:evaluate()
    local fused = m:forward(x):clone()
    unfuse(m.features)
    local plain = m:forward(x):clone()
    m.features:refresh_fusion()
    local e = (fused - plain):abs():max() / plain:abs():max()
    assert.is_true(e < 1e-4, tostring(e))
    assert.is_true(plain:abs():max() > 0)
  end)

  it('refuses a backward through a folded forward, and trains as before', function()
    m:evaluate()
    local at = chain.at
    chain.at = function() return nil end -- folded layer by layer, not as a chain
    local ok, err = pcall(m.forward, m, x)
    chain.at = at
    assert(ok, err)
    local dy = dc.randn(m.output:shape(), {seed = 5})
    H.errors_with('BatchNorm2d: no backward after an evaluation forward folded into the convolution',
      function() m:backward(x, dy) end)
    m:training()
    m:forward(x)
    m:backward(x, dy) -- no error: training runs the separate kernels
  end)

  it('trains after a folded forward of another batch size', function()
    m:training()
    m:forward(x)
    m:evaluate()
    m:forward(dc.randn({5, 1, 28, 28}, {seed = 6})) -- folded: BatchNorm's output is the conv's
    m:training()
    assert.same({6, 10}, m:forward(x):shape())
    local y = m.features.output:clone() -- batch statistics: the same twice (Dropout is after)
    m:forward(x)
    assert.is_true((m.features.output - y):abs():max() == 0)
  end)
end)

-- In evaluation a bf16 network's runs of convolutions (with folded BatchNorm and ReLU) and max
-- poolings run as one oneDNN chain (nn/chain.lua): the same output as the modules one by one.
describe('bf16 inference chain', function()
  local function bf16_or_pending()
    if dc.cpu().bf16 then return true end
    pending('this CPU has no AVX512_BF16 or AMX-BF16: ' .. dc.cpu().features)
  end

  local function one_by_one(m, x)
    local z = m.sobel:forward(x)
    for _, c in ipairs(m.features.modules) do z = c:forward(z) end
    return m.top_layer:forward(m.classifier:forward(m.flatten:forward(z)))
  end

  it('gives the output of the modules one by one, for a last smaller batch too', function()
    if not bf16_or_pending() then return end
    local m = dc.nn.set_precision(dc.models.small{k = 10, generator = dc.Generator(7)}, 'bf16')
    m:evaluate()
    for _, n in ipairs{6, 5, 6} do
      local x = dc.randn({n, 1, 28, 28}, {seed = n})
      local y = m:forward(x):clone()
      assert.is_true(m.features.chained)
      local r = one_by_one(m, x)
      assert.same(r:shape(), y:shape())
      local e = (y - r):abs():max() / r:abs():max()
      assert.is_true(e <= 1e-5, tostring(e))
    end
  end)

  it('chains fp32 networks where their convolutions run in oneDNN, leaves training alone, and refuses a backward through a chain', function()
    local m = dc.models.small{k = 10}
    local x = dc.randn({2, 1, 28, 28}, {seed = 1})
    m:evaluate()
    m:forward(x)
    local dy = dc.randn(m.output:shape(), {seed = 2})
    -- fp32: on AVX-512 CPUs only (core/layers/conv2d.h, dc_conv2d_chains)
    assert.equal(dc.cpu().avx512f, dc.core.conv2d_chains(m.features.modules[1].cfg))
    assert.equal(dc.cpu().avx512f, m.features.chained)
    local message = 'features: Sequential: no backward after an evaluation forward that ran layers as one chain'
    if m.features.chained then H.errors_with(message, function() m:backward(x, dy) end) end
    if not bf16_or_pending() then return end
    dc.nn.set_precision(m, 'bf16')
    m:forward(x)
    H.errors_with(message, function() m:backward(x, dy) end)
    m:training()
    m:forward(x)
    assert.is_false(m.features.chained)
    m:backward(x, dy)
  end)

  it('runs the new chain after a layer is replaced', function()
    if not bf16_or_pending() then return end
    local s = dc.nn.Sequential{dc.nn.Conv2d(16, 16, 3, {pad = 1}), dc.nn.MaxPool2d(2)}
    dc.nn.set_precision(s, 'bf16')
    s:evaluate()
    local x = dc.randn({2, 16, 8, 8}, {seed = 1})
    assert.same({2, 16, 4, 4}, s:forward(x):shape())
    s:replace(2, dc.nn.MaxPool2d(4))
    assert.same({2, 16, 2, 2}, s:forward(x):shape())
    assert.is_true(s.chained)
  end)

  it('names the first module of a chain that fails', function()
    if not bf16_or_pending() then return end
    local s = dc.nn.Sequential{dc.nn.Conv2d(16, 16, 3), dc.nn.MaxPool2d(2)}
    dc.nn.set_precision(s, 'bf16')
    s:evaluate()
    H.errors_with('(1) Conv2d(16 -> 16, 3x3): conv2d_chain: stage 2: maxpool2d: x float32 [1, 16, 1, 1] is too small',
      function() s:forward(dc.randn({1, 16, 3, 3}, {seed = 1})) end)
  end)
end)
