-- Inference fusion of Conv2d + BatchNorm2d (+ in-place ReLU) in a Sequential: the same
-- features as the three modules run one by one, and no backward through a folded forward.
local dc = require 'dclab'
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
    m:forward(x)
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
