-- nn.set_precision: bf16 mixed precision of the convolutions, refused where the CPU lacks it.
local dc = require 'dclab'
local doc = require 'dclab.doc'
local H = require 'spec_helpers'
local nn = dc.nn

local function rel_err(a, b)
  return (a - b):abs():max() / b:abs():max()
end

describe('nn.set_precision', function()
  it('has help text', function()
    assert.truthy(doc['dc.nn.set_precision']:match('^dc%.nn%.set_precision%('))
    assert.truthy(doc['dc.nn.precision']:match('^dc%.nn%.precision%('))
  end)

  it('rejects what is not a module and unknown precisions', function()
    H.errors_with('set_precision: expected a module, got table', nn.set_precision, {}, 'bf16')
    H.errors_with("set_precision: unknown precision 'fp16' (valid: fp32, bf16)", nn.set_precision,
      nn.Conv2d(1, 2, 3), 'fp16')
    -- a caller's name replaces set_precision's: the one translation of these messages
    H.errors_with("features: unknown precision 'fp16' (valid: fp32, bf16)", nn.set_precision,
      nn.Conv2d(1, 2, 3), 'fp16', 'features')
    H.errors_with('set_precision: argument 3 (the caller\'s name) must be a string, got number',
      nn.set_precision, nn.Conv2d(1, 2, 3), 'fp32', 1)
    H.errors_with('precision: expected a module, got nil', nn.precision, nil)
  end)

  it('sets every convolution of a network and says so', function()
    local m = dc.models.small{k = 10}
    assert.equal('fp32', nn.precision(m))
    if not dc.cpu().bf16 then
      return pending('this CPU has no AVX512_BF16 or AMX-BF16: ' .. dc.cpu().features)
    end
    assert.equal(m, nn.set_precision(m, 'bf16'))
    assert.equal('bf16', nn.precision(m))
    local n = 0
    for _, c in ipairs(m.features.modules) do
      if c.class_name == 'Conv2d' then
        n = n + 1
        assert.equal('bf16', c.cfg.precision)
      end
    end
    assert.equal(4, n)
    local linears = {m.classifier.modules[2], m.classifier.modules[5], m.top_layer}
    for _, l in ipairs(linears) do
      assert.equal('Linear', l.class_name)
      assert.equal('bf16', l.precision)
    end
    nn.set_precision(m, 'fp32')
    for _, c in ipairs(m.features.modules) do
      if c.class_name == 'Conv2d' then assert.equal('fp32', c.cfg.precision) end
    end
    for _, l in ipairs(linears) do assert.equal('fp32', l.precision) end
  end)

  it('computes a Linear and its gradients in bf16 within 5e-3 of fp32', function()
    assert.truthy(doc['dc.nn.Linear:set_precision']:match('^linear:set_precision%('))
    H.errors_with("Linear:set_precision: unknown precision 'fp16' (valid: fp32, bf16)",
      nn.Linear(2, 3).set_precision, nn.Linear(2, 3), 'fp16')
    if not dc.cpu().bf16 then
      local msg = H.errors_with('Linear:set_precision: bf16 needs a CPU with AVX512_BF16 or AMX-BF16',
        nn.Linear(2, 3).set_precision, nn.Linear(2, 3), 'bf16')
      assert.truthy(msg:find(dc.cpu().features, 1, true))
      return pending('this CPU has no AVX512_BF16 or AMX-BF16: ' .. dc.cpu().features)
    end
    local l = nn.Linear(300, 40)
    l.weight:copy(dc.randn({40, 300}, {seed = 3}))
    local x = dc.randn({16, 300}, {seed = 1})
    local dy = dc.randn({16, 40}, {seed = 2})
    local function pass()
      l:zero_grad()
      local y = l:forward(x):clone()
      local dx = l:backward(x, dy):clone()
      return y, dx, l.grad_weight:clone(), l.grad_bias:clone()
    end
    local y32, dx32, dw32, db32 = pass()
    assert.equal(l, l:set_precision('bf16'))
    H.errors_with('Linear: backward in bf16 needs a forward pass first', l.backward, l, x, dy)
    local y16, dx16, dw16, db16 = pass()
    for _, pair in ipairs{{y16, y32}, {dx16, dx32}, {dw16, dw32}} do
      local e = rel_err(pair[1], pair[2])
      assert.is_true(e > 0 and e < 5e-3, tostring(e)) -- > 0: the bf16 path did run
    end
    assert.equal(0, rel_err(db16, db32)) -- the bias gradient sums dy in fp32 either way
  end)

  it('computes a convolution and its gradients in bf16 within 5e-3 of fp32', function()
    if not dc.cpu().bf16 then
      return pending('this CPU has no AVX512_BF16 or AMX-BF16: ' .. dc.cpu().features)
    end
    -- 12x12: on maps under 10x10 the weight gradient runs in fp32 (core/layers/conv2d_dnnl.c)
    local c = nn.Conv2d(64, 32, 3, {pad = 1})
    local x = dc.randn({4, 64, 12, 12}, {seed = 1})
    local dy = dc.randn({4, 32, 12, 12}, {seed = 2})
    local function pass()
      c:zero_grad()
      local y = c:forward(x):clone()
      local dx = c:backward(x, dy):clone()
      return y, dx, c.grad_weight:clone()
    end
    local y32, dx32, dw32 = pass()
    nn.set_precision(c, 'bf16')
    local y16, dx16, dw16 = pass()
    for _, pair in ipairs{{y16, y32}, {dx16, dx32}, {dw16, dw32}} do
      local e = rel_err(pair[1], pair[2])
      assert.is_true(e > 0 and e < 5e-3, tostring(e)) -- > 0: the bf16 path did run
    end
  end)

  it('is refused on a CPU without bf16 compute, naming what it has', function()
    if dc.cpu().bf16 then return pending('this CPU has bf16 compute: the refusal cannot happen') end
    local msg = H.errors_with('set_precision: bf16 needs a CPU with AVX512_BF16 or AMX-BF16; this one',
      nn.set_precision, nn.Conv2d(1, 2, 3), 'bf16')
    assert.truthy(msg:find(dc.cpu().features, 1, true))
  end)
end)

describe('precision in the runner and the evaluation', function()
  local data = dc.data.fashion_mnist{split = 'test'}:subset(64)

  it('dc.deepcluster checks precision and sets it on the model', function()
    H.errors_with("deepcluster: unknown precision 'fp64' (valid: fp32, bf16)", dc.deepcluster,
      {model = dc.models.small{k = 4}, data = data, k = 4, precision = 'fp64', verbose = false})
    if not dc.cpu().bf16 then
      H.errors_with('deepcluster: bf16 needs a CPU with AVX512_BF16 or AMX-BF16', dc.deepcluster,
        {model = dc.models.small{k = 4}, data = data, k = 4, precision = 'bf16', verbose = false})
      return
    end
    local m = dc.models.small{k = 4}
    local run = dc.deepcluster{model = m, data = data, k = 4, precision = 'bf16', verbose = false,
      epochs = 1, batch = 32, threads = 1}
    assert.equal('bf16', nn.precision(m))
    assert.equal('bf16', m.classifier.modules[2].precision) -- Linear layers follow
    run:fit()
    assert.equal('bf16', m.top_layer.precision) -- and so does each epoch's new head
  end)

  it('dc.eval.features computes in bf16 for the call only, close to fp32', function()
    if not dc.cpu().bf16 then
      return pending('this CPU has no AVX512_BF16 or AMX-BF16: ' .. dc.cpu().features)
    end
    local m = dc.models.small{k = 4}
    local f32 = dc.eval.features(m, data, {threads = 1})
    local f16 = dc.eval.features(m, data, {threads = 1, precision = 'bf16'})
    assert.equal('fp32', nn.precision(m))
    local e = rel_err(f16, f32)
    assert.is_true(e > 0 and e < 2e-2, tostring(e)) -- five layers of bf16 rounding
  end)
end)
