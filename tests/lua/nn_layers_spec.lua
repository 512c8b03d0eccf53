-- The layers from Lua: shapes, known values, finite-difference gradients of the input and
-- every parameter (odd shapes, stride/padding variants, both BatchNorm modes), errors.
local dc = require 'dclab'
local H = require 'nn_gradcheck'
local nn = dc.nn

describe('Conv2d', function()
  it('has the official initialisation and a readable name', function()
    local c = nn.Conv2d(3, 96, 11, {stride = 4, pad = 2})
    assert.are.equal('Conv2d(3 -> 96, 11x11, stride 4, pad 2)', tostring(c))
    assert.are.same({96, 3, 11, 11}, c.weight:shape())
    assert.are.same({0, 0, 0}, {c.bias[1], c.bias[50], c.bias[96]})
    -- std sqrt(2 / (11 * 11 * 96)) = 0.0131
    local w = H.flat(c.weight)
    local s2 = 0
    for _, v in ipairs(w) do s2 = s2 + v * v end
    assert.is_true(math.abs(math.sqrt(s2 / #w) / math.sqrt(2 / (11 * 11 * 96)) - 1) < 0.05)
    assert.are.equal('Conv2d(2 -> 4, 3x2, stride 2x1, no bias)',
      tostring(nn.Conv2d(2, 4, {3, 2}, {stride = {2, 1}, bias = false})))
  end)

  it('computes output shapes and passes the gradient check', function()
    local c = nn.Conv2d(3, 4, 3, {stride = 2, pad = 1})
    local x = H.rand(-1, 1, 2, 3, 7, 6)
    assert.are.same({2, 4, 4, 3}, c:forward(x):shape())
    H.gradcheck(c, x)
    H.gradcheck(nn.Conv2d(2, 3, {3, 2}, {pad = {0, 1}, bias = false}), H.rand(-1, 1, 3, 2, 5, 4))
    H.gradcheck(nn.Conv2d(3, 2, 3, {pad = 1, algo = 'winograd2'}), H.rand(-1, 1, 2, 3, 5, 4))
    H.gradcheck(nn.Conv2d(3, 2, 3, {pad = 1, algo = 'winograd4'}), H.rand(-1, 1, 2, 3, 7, 6))
    H.errors_with("Conv2d: unknown algo 'fft' (valid: auto, im2col, winograd2, winograd4, onednn)",
      nn.Conv2d, 3, 2, 3, {algo = 'fft'})
    H.errors_with('Conv2d: Winograd needs a 3x3 kernel, stride 1 and padding <= 2', nn.Conv2d, 3, 2, 5,
      {algo = 'winograd4'})
  end)

  it('rejects bad configurations and inputs with the layer named', function()
    H.errors_with("Conv2d: unknown option 'strides' (valid: stride, pad, bias, algo, precision)",
      nn.Conv2d, 3, 4, 3, {strides = 2})
    H.errors_with('Conv2d: channels must be positive, got 0 -> 4', nn.Conv2d, 0, 4, 3)
    H.errors_with('Conv2d: kernel size must be positive, got 0x0', nn.Conv2d, 1, 4, 0)
    local c = nn.Conv2d(3, 4, 3)
    H.errors_with('conv2d_forward: expected 3 input channels, got x float32 [2, 1, 5, 5]',
      c.forward, c, dc.zeros(2, 1, 5, 5))
    H.errors_with('conv2d_forward: x must be a float32 [N, C, H, W] tensor, got float32 [3, 5, 5]',
      c.forward, c, dc.zeros(3, 5, 5))
  end)
end)

describe('Linear', function()
  it('is N(0, 0.01^2) with zero bias and passes the gradient check', function()
    local l = nn.Linear(300, 200)
    local w = H.flat(l.weight)
    local s2 = 0
    for _, v in ipairs(w) do s2 = s2 + v * v end
    assert.is_true(math.abs(math.sqrt(s2 / #w) - 0.01) < 0.0005)
    assert.are.equal('Linear(300 -> 200)', tostring(l))
    H.gradcheck(nn.Linear(7, 5), H.rand(-1, 1, 3, 7))
    H.gradcheck(nn.Linear(4, 3, {bias = false}), H.rand(-1, 1, 2, 4))
  end)

  it('names shape errors', function()
    local l = nn.Linear(4, 3)
    H.errors_with('linear_forward: weight float32 [3, 4] expects 4 input features, got x float32 [2, 5]',
      l.forward, l, dc.zeros(2, 5))
    H.errors_with("Linear: unknown option 'biases' (valid: bias)", nn.Linear, 4, 3, {biases = false})
    H.errors_with("linear_forward: unknown precision 'fp16' (valid: fp32, bf16)",
      dc.core.linear_forward, dc.zeros(2, 4), l.weight, nil, nil, 'fp16')
    H.errors_with('linear_backward: w16 must be the uint8 [3, 8] bf16 copy of the weight that ' ..
      'linear_forward made, got float32 [3, 4]', dc.core.linear_backward, dc.zeros(2, 4), l.weight,
      dc.zeros(2, 3), nil, nil, nil, 1, l.weight)
  end)
end)

describe('ReLU', function()
  it('clamps, masks the gradient by the output and works in place', function()
    local x = dc.tensor{{-1, 2}, {0, 3}}
    local r = nn.ReLU()
    assert.are.same({{0, 2}, {0, 3}}, r:forward(x):totable())
    assert.are.same({{0, 1}, {0, 1}}, r:backward(x, dc.ones(2, 2)):totable())
    assert.are.same({{-1, 2}, {0, 3}}, x:totable())
    local ri = nn.ReLU{inplace = true}
    local y = ri:forward(x)
    assert.are.same({{0, 2}, {0, 3}}, x:totable())
    assert.are.equal(y:data_ptr(), x:data_ptr())
    assert.are.equal('ReLU(inplace)', tostring(ri))
    H.errors_with("ReLU: unknown option 'in_place' (valid: inplace)", nn.ReLU, {in_place = true})
  end)
end)

describe('pooling', function()
  it('MaxPool2d: sizes, ties to the first maximum, gradient', function()
    local m = nn.MaxPool2d(3, {stride = 2})
    assert.are.same({1, 1, 27, 27}, m:forward(dc.zeros(1, 1, 55, 55)):shape())
    assert.are.same({1, 1, 7, 7}, nn.MaxPool2d(3, {stride = 2, ceil_mode = true}):forward(dc.zeros(1, 1, 14, 14)):shape())
    local p = nn.MaxPool2d(2)
    local x = dc.tensor{{{{1, 5}, {5, 5}}}}
    assert.are.same({{{{5}}}}, p:forward(x):totable())
    assert.are.same({{{{0, 1}, {0, 0}}}}, p:backward(x, dc.ones(1, 1, 1, 1)):totable())
    H.gradcheck(nn.MaxPool2d(2, {stride = 1, pad = 1}), H.distinct(2, 3, 5, 6), {eps = 5e-4})
    H.gradcheck(nn.MaxPool2d({3, 2}, {stride = 2, ceil_mode = true}), H.distinct(1, 2, 7, 6), {eps = 5e-4})
    -- evaluation records no indices; backward finds the same maxima
    local mp, xv, ones = nn.MaxPool2d(2), H.distinct(2, 2, 4, 6), dc.ones(2, 2, 2, 3)
    mp:forward(xv)
    assert.are.same({2, 2, 2, 3}, mp.indices:shape()) -- recorded from the first training call
    local g_train = mp:backward(xv, ones):clone()
    mp:evaluate()
    mp:forward(xv)
    assert.are.same(H.flat(g_train), H.flat(mp:backward(xv, ones)))
    assert.are.equal('MaxPool2d(3, stride 2)', tostring(m))
    H.errors_with('MaxPool2d: padding 2x2 must be between 0 and half the 3x3 window',
      nn.MaxPool2d, 3, {pad = 2})
    H.errors_with("MaxPool2d: unknown option 'padding'", nn.MaxPool2d, 2, {padding = 1})
    -- max pooling averages nothing: the option is AvgPool2d's only
    H.errors_with("MaxPool2d: unknown option 'count_include_pad' (valid: stride, pad, ceil_mode)",
      nn.MaxPool2d, 2, {count_include_pad = false})
    H.errors_with('MaxPool2d: stride must be positive, got 0x0', nn.MaxPool2d, 2, {stride = 0})
    H.errors_with('AvgPool2d: padding -1x-1 must be between 0 and half the 2x2 window',
      nn.AvgPool2d, 2, {pad = -1})
    H.errors_with('Conv2d: stride must be positive, got 1x0', nn.Conv2d, 1, 1, 3, {stride = {1, 0}})
    H.errors_with('Conv2d: kernel size 2097152 is out of range (at most 2^20)', nn.Conv2d, 1, 1, 1 << 21)
  end)

  it('AvgPool2d and AdaptiveAvgPool2d: values and gradient', function()
    local x = dc.tensor{{{{1, 2, 3, 4}, {5, 6, 7, 8}}}}
    assert.are.same({{{{3.5, 5.5}}}}, nn.AvgPool2d(2):forward(x):totable())
    assert.are.same({{{{3.5, 5.5}}}}, nn.AdaptiveAvgPool2d({1, 2}):forward(x):totable())
    assert.are.same({{{{4.5}}}}, nn.AdaptiveAvgPool2d(1):forward(x):totable())
    H.gradcheck(nn.AvgPool2d(3, {stride = 2, pad = 1, ceil_mode = true}), H.rand(-1, 1, 2, 2, 6, 5))
    H.gradcheck(nn.AvgPool2d(2, {count_include_pad = false, pad = 1}), H.rand(-1, 1, 1, 2, 5, 5))
    H.gradcheck(nn.AdaptiveAvgPool2d({3, 2}), H.rand(-1, 1, 2, 2, 7, 5))
    -- AlexNet's conv5 map 256x13x13 pooled to the probes' ~9600 features: 256 * 6 * 6 = 9216
    assert.are.same({2, 256, 6, 6}, nn.AdaptiveAvgPool2d(6):forward(dc.zeros(2, 256, 13, 13)):shape())
    assert.are.equal('AdaptiveAvgPool2d(3x2)', tostring(nn.AdaptiveAvgPool2d({3, 2})))
    H.errors_with('AdaptiveAvgPool2d: size must be a positive integer or {h, w}, got 0',
      nn.AdaptiveAvgPool2d, 0)
  end)
end)

describe('BatchNorm', function()
  it('BatchNorm2d: batch statistics in training, running ones in evaluation', function()
    local bn = nn.BatchNorm2d(2)
    assert.are.same({1, 1}, bn.weight:totable())
    assert.are.same({0, 0}, bn.bias:totable())
    local x = dc.tensor{{{{1, 3}}, {{0, 0}}}, {{{5, 7}}, {{2, 2}}}} -- [2, 2, 1, 2]
    local y = bn:forward(x)
    -- channel 1: mean 4, var 5; channel 2: mean 1, var 1
    assert.is_true(math.abs(y[1][1][1][1] - (1 - 4) / math.sqrt(5 + 1e-5)) < 1e-5)
    assert.is_true(math.abs(bn.running_mean[1] - 0.4) < 1e-6)
    assert.is_true(math.abs(bn.running_var[1] - (0.9 + 0.1 * 20 / 3)) < 1e-5) -- unbiased
    bn:evaluate()
    local ye = bn:forward(x)
    assert.is_true(math.abs(ye[1][1][1][1] - (1 - 0.4) / math.sqrt(bn.running_var[1] + 1e-5)) < 1e-5)
    assert.are.same({'bias', 'running_mean', 'running_var', 'weight'}, (function()
      local k = {}
      for name in pairs(bn:state()) do k[#k + 1] = name end
      table.sort(k)
      return k
    end)())
  end)

  it('passes the gradient check in both modes, 2d and 1d', function()
    for _, train in ipairs{true, false} do
      local b2 = nn.BatchNorm2d(3):training(train)
      b2.weight:copy(H.rand(0.5, 1.5, 3))
      b2.bias:copy(H.rand(-0.5, 0.5, 3))
      b2.running_var:fill(1.7)
      H.gradcheck(b2, H.rand(-2, 3, 4, 3, 3, 2), {eps = 1e-2, tol = 3e-2})
      local b1 = nn.BatchNorm1d(5):training(train)
      b1.weight:copy(H.rand(0.5, 1.5, 5))
      H.gradcheck(b1, H.rand(-2, 3, 6, 5), {eps = 1e-2, tol = 3e-2})
    end
  end)

  it('checks dimensions and batch size', function()
    local bn = nn.BatchNorm2d(3)
    H.errors_with('BatchNorm2d: expected a 4D input [N, C, H, W], got float32 [2, 3]', bn.forward, bn, dc.zeros(2, 3))
    H.errors_with('batchnorm_forward: weight must be float32 [4], got float32 [3]', bn.forward, bn, dc.zeros(2, 4, 2, 2))
    local b1 = nn.BatchNorm1d(3)
    H.errors_with('training needs more than one value per channel', b1.forward, b1, dc.zeros(1, 3))
    H.errors_with("BatchNorm1d: unknown option 'eps_' (valid: eps, momentum)", nn.BatchNorm1d, 3, {eps_ = 1})
    H.errors_with('BatchNorm1d: eps must be > 0, got 0', nn.BatchNorm1d, 3, {eps = 0})
    H.errors_with('BatchNorm2d: momentum must be in [0, 1], got 1.5', nn.BatchNorm2d, 3, {momentum = 1.5})
    local custom = nn.BatchNorm2d(3, {momentum = 0.5})
    assert.are.equal(1e-5, custom.cfg.eps)
    assert.are.equal('BatchNorm2d(3, momentum 0.5)', tostring(custom))
    -- configurations are read-only: the kernels keep what the constructor checked
    H.errors_with("dclab.BatchNormCfg: the configuration is read-only (field 'momentum'); build a new module",
      function() custom.cfg.momentum = 0.9 end)
    local conv = nn.Conv2d(1, 2, 3, {stride = {1, 2}})
    assert.are.same({3, 3, 1, 2, 0, 0, true, 'auto'}, {conv.cfg.kh, conv.cfg.kw, conv.cfg.sh,
      conv.cfg.sw, conv.cfg.ph, conv.cfg.pw, conv.cfg.bias, conv.cfg.algo})
    H.errors_with("dclab.Conv2dCfg: the configuration is read-only (field 'kh')",
      function() conv.cfg.kh = 5 end)
    assert.is_nil(conv.cfg.ceil_mode)
  end)
end)

describe('Dropout', function()
  it('drops about p, scales by 1/(1-p), repeats with the seed, is the identity in evaluation', function()
    local g = dc.Generator(7)
    local d = nn.Dropout(0.3, {generator = g})
    local x = dc.ones(100, 100)
    local y = H.flat(d:forward(x))
    local kept = 0
    for _, v in ipairs(y) do
      if v ~= 0 then
        kept = kept + 1
        assert.is_true(math.abs(v - 1 / 0.7) < 1e-6)
      end
    end
    assert.is_true(math.abs(kept / 10000 - 0.7) < 0.02)
    local dy = H.flat(d:backward(x, dc.ones(100, 100)))
    assert.are.same(y, dy)
    g:manual_seed(7)
    assert.are.same(y, H.flat(d:forward(x)))
    d:evaluate()
    assert.are.equal(x, d:forward(x))
    assert.are.equal('Dropout(0.3)', tostring(d))
    H.errors_with('Dropout: p must be in [0, 1], got 1.5', nn.Dropout, 1.5)
    H.errors_with('Dropout: p must be a number, got string', nn.Dropout, '0.5')
  end)
end)

describe('Flatten, Sobel, Softmax, LogSoftmax', function()
  it('Flatten views without copying', function()
    local f = nn.Flatten()
    local x = H.rand(0, 1, 2, 3, 4)
    local y = f:forward(x)
    assert.are.same({2, 12}, y:shape())
    assert.are.equal(x:data_ptr(), y:data_ptr())
    assert.are.same({2, 3, 4}, f:backward(x, y):shape())
  end)

  it('Sobel: a ramp gives -8 per unit of slope, gray is the channel mean', function()
    local s = nn.Sobel()
    local ramp = {}
    for i = 1, 4 do ramp[i] = {0, 1, 2, 3, 4} end
    local y = s:forward(dc.tensor{{ramp}})
    assert.are.same({1, 2, 4, 5}, y:shape())
    assert.are.equal(-8, y[1][1][2][3])
    assert.are.equal(0, y[1][2][2][3])
    local rgb = dc.tensor{{ramp, ramp, ramp}}
    assert.are.equal(-8, s:forward(rgb)[1][1][3][2])
    assert.are.same({0, 0}, {#s:parameters(), s:num_params()})
    H.gradcheck(nn.Sobel(), H.rand(-1, 1, 2, 3, 5, 4))
    H.errors_with('sobel_forward: expected 1 (gray) or 3 (RGB) channels', s.forward, s, dc.zeros(1, 2, 3, 3))
  end)

  it('Softmax and LogSoftmax: values and gradients', function()
    local x = dc.tensor{{1, 2, 3}, {0, 0, 0}}
    local p = nn.Softmax():forward(x)
    local e = {math.exp(1), math.exp(2), math.exp(3)}
    assert.is_true(math.abs(p[1][3] - e[3] / (e[1] + e[2] + e[3])) < 1e-6)
    assert.is_true(math.abs(p[2][1] - 1 / 3) < 1e-6)
    local l = nn.LogSoftmax():forward(x)
    assert.is_true(math.abs(l[1][3] - math.log(p[1][3])) < 1e-5)
    H.gradcheck(nn.Softmax(), H.rand(-2, 2, 3, 5), {eps = 1e-2})
    H.gradcheck(nn.LogSoftmax(), H.rand(-2, 2, 3, 5), {eps = 1e-2})
  end)
end)

describe('CrossEntropyLoss', function()
  it('is the mean NLL of the softmax, 1-based targets, optional class weights', function()
    local x = dc.tensor{{2, 0, 0}, {0, 0, 0}}
    local t = dc.tensor({1, 3}, 'int64')
    local ce = nn.CrossEntropyLoss()
    local want = (-math.log(math.exp(2) / (math.exp(2) + 2)) - math.log(1 / 3)) / 2
    assert.is_true(math.abs(ce:forward(x, t) - want) < 1e-6)
    local w = dc.tensor{1, 1, 3}
    local cw = nn.CrossEntropyLoss{weight = w}
    local wwant = (-math.log(math.exp(2) / (math.exp(2) + 2)) - 3 * math.log(1 / 3)) / 4
    assert.is_true(math.abs(cw:forward(x, t) - wwant) < 1e-6)
  end)

  it('passes the gradient check, weighted or not', function()
    for _, crit in ipairs{nn.CrossEntropyLoss(), nn.CrossEntropyLoss{weight = dc.tensor{0.5, 2, 1, 1}}} do
      local x = H.rand(-2, 2, 5, 4)
      local t = dc.tensor({1, 4, 2, 2, 3}, 'int64')
      H.gradcheck_criterion(crit, x, t, {count = 20})
    end
  end)

  it('names bad targets', function()
    local ce = nn.CrossEntropyLoss()
    H.errors_with('cross_entropy_forward: target 0 of row 2 is out of range 1..3 (3 classes)',
      ce.forward, ce, dc.zeros(2, 3), dc.tensor({1, 0}, 'int64'))
    H.errors_with('cross_entropy_forward: target must be contiguous int64 [2] (one label per row), got float32 [2]',
      ce.forward, ce, dc.zeros(2, 3), dc.tensor{1, 2})
  end)
end)

describe('Module buffers', function()
  it('a smaller batch frees the full-size buffers before making its own', function()
    -- 512 x 4000 floats (8 MB) of Linear output, then a batch of 8: the first layer's old
    -- output must be gone before any new buffer exists, so the peak stays at the bytes before
    local m = nn.Sequential{nn.Linear(100, 4000), nn.Linear(4000, 100)}
    m:forward(dc.randn({512, 100}, {seed = 1}))
    local x = dc.randn({8, 100}, {seed = 2})
    collectgarbage()
    local before = dc.memory().bytes
    dc.reset_peak_memory()
    m:forward(x)
    assert.is_true(dc.memory().peak <= before, string.format('%d > %d', dc.memory().peak, before))
    assert.is_true(dc.memory().bytes < before - 7e6) -- the 8 MB output went
  end)
end)
