-- The DeepCluster models: structure and parameter counts, forward shapes, the head swap,
-- the penultimate feature, seeded initialisation, checkpoints and .npy export.
local dc = require 'dclab'
local H = require 'nn_gradcheck'

local tmpdir = require('spec_helpers').tmpdir

describe('models.small', function()
  it('has exactly 2,404,544 trainable parameters without the top layer', function()
    local m = dc.models.small{}
    assert.is_nil(m.top_layer)
    assert.are.equal(2404544, m:num_params())
    assert.are.equal(2404544 + 512 * 10 + 10, dc.models.small{k = 10}:num_params())
    assert.are.equal(2404544 - 64 * 9, dc.models.small{sobel = false}:num_params()) -- 1 input channel
    assert.are.same({'Sobel', 'Conv2d(2 -> 64, 3x3, pad 1)'}, {tostring(m.sobel), tostring(m.features:get(1))})
  end)

  it('maps [N, 1, 28, 28] to k scores; the feature is the 512 Linear before its ReLU', function()
    local m = dc.models.small{k = 7}:evaluate()
    local x = H.rand(0, 1, 3, 1, 28, 28)
    assert.are.same({3, 7}, m:forward(x):shape())
    assert.are.same({3, 256, 3, 3}, m.features.output:shape())
    local fc7 = m.classifier:get(5)
    assert.are.equal('Linear(512 -> 512)', tostring(fc7))
    local pre = fc7.output
    local negatives = 0
    for _, v in ipairs(H.flat(pre)) do if v < 0 then negatives = negatives + 1 end end
    assert.is_true(negatives > 0) -- not overwritten by the ReLU
    -- without the head the model outputs the post-ReLU feature
    local head = m:set_top_layer(nil)
    assert.are.equal('Linear(512 -> 7)', tostring(head))
    assert.are.same({3, 512}, m:forward(x):shape())
    m:set_top_layer(dc.nn.Linear(512, 3))
    assert.are.same({3, 3}, m:forward(x):shape())
    assert.is_false(m.top_layer.is_training)
  end)

  it('is reproducible from a generator', function()
    local a = dc.models.small{generator = dc.Generator(5)}
    local b = dc.models.small{generator = dc.Generator(5)}
    local c = dc.models.small{generator = dc.Generator(6)}
    local wa, wb, wc = a.features:get(5).weight, b.features:get(5).weight, c.features:get(5).weight
    assert.are.equal(0, H.max_abs_diff(wa, wb))
    assert.is_true(H.max_abs_diff(wa, wc) > 0)
  end)

  it('rejects bad options', function()
    H.errors_with("models.small: unknown option 'kk' (valid: generator, k, sobel)", dc.models.small, {kk = 3})
    H.errors_with("models.small: option 'k' must be >= 1, got 0", dc.models.small, {k = 0})
    local m = dc.models.small{}
    H.errors_with('sobel: sobel_forward: expected 1 (gray) or 3 (RGB) channels, got x float32 [1, 2, 28, 28]',
      m.forward, m, dc.zeros(1, 2, 28, 28))
  end)
end)

describe('models.alexnet and vgg16', function()
  it('alexnet: the DeepCluster layer table and 9216 features at 224x224', function()
    local m = dc.models.alexnet{k = 10}:evaluate()
    local f = m.features
    assert.are.equal('Conv2d(2 -> 96, 11x11, stride 4, pad 2)', tostring(f:get(1)))
    assert.are.equal('MaxPool2d(3, stride 2)', tostring(f:get(4)))
    -- convs with bias, BN, classifier 9216-4096-4096, head 4096 -> k
    assert.are.equal(58272480 + 4096 * 10 + 10, m:num_params())
    local y = m:forward(H.rand(0, 1, 1, 3, 224, 224))
    assert.are.same({1, 10}, y:shape())
    assert.are.same({1, 256, 6, 6}, f.output:shape())
  end)

  it('vgg16: 13 convs with BN, classifier 25088-4096-4096', function()
    local m = dc.models.vgg16{}
    local convs = 0
    for _, mod in ipairs(m.features.modules) do
      if mod.class_name == 'Conv2d' then convs = convs + 1 end
    end
    assert.are.equal(13, convs)
    assert.are.equal('Linear(25088 -> 4096)', tostring(m.classifier:get(1)))
    assert.are.equal('Dropout(0.5)', tostring(m.classifier:get(3)))
  end)
end)

describe('checkpoint', function()
  it('saves and restores a model and its optimizer state', function()
    local dir = tmpdir()
    local m = dc.models.small{k = 4}
    local opt = dc.optim.sgd{lr = 0.05, momentum = 0.9, weight_decay = 1e-5}:add(m)
    local crit = dc.nn.CrossEntropyLoss()
    local x, t = H.rand(0, 1, 4, 1, 28, 28), dc.tensor({1, 2, 3, 4}, 'int64')
    local function step(model, o)
      model:zero_grad()
      crit:forward(model:forward(x), t)
      model:backward(x, crit:backward(model.output, t))
      o:step()
    end
    step(m, opt)
    dc.checkpoint.save(dir .. '/ck.bin', {model = m, optim = opt, meta = {epoch = 3}})
    local m2 = dc.models.small{k = 4, generator = dc.Generator(99)}
    local opt2 = dc.optim.sgd{lr = 1}:add(m2)
    local meta = dc.checkpoint.load(dir .. '/ck.bin', {model = m2, optim = opt2})
    assert.are.same({epoch = 3}, meta)
    assert.are.equal(0.05, opt2.groups[1].lr)
    for k, v in pairs(m:state()) do assert.are.equal(0, H.max_abs_diff(v, m2:state()[k]), k) end
    -- one more identical step on both (dropout drawn the same way) keeps them equal
    dc.manual_seed(11); step(m, opt)
    dc.manual_seed(11); step(m2, opt2)
    assert.are.equal(0, H.max_abs_diff(m.features:get(1).weight, m2.features:get(1).weight))
    -- DeepCluster resumes without the head: strict = false ignores it
    local trunk = dc.models.small{}
    dc.checkpoint.load(dir .. '/ck.bin', {model = trunk, strict = false})
    H.errors_with("Net: load_state: unknown entry 'top_layer.", dc.checkpoint.load, dir .. '/ck.bin', {model = trunk})
    H.errors_with("checkpoint.save: unknown option 'modle'", dc.checkpoint.save, dir .. '/x', {modle = m})
    os.execute('rm -rf ' .. dir)
  end)

  it('exports every weight as .npy', function()
    local dir = tmpdir()
    local m = dc.models.small{k = 2}
    local names = dc.checkpoint.export_npy(dir, m)
    -- 4 convs (weight, bias), 4 BNs (weight, bias, running mean and var), 3 Linears
    assert.are.equal(4 * 2 + 4 * 4 + 3 * 2, #names)
    local w = dc.load_npy(dir .. '/features.1.weight.npy')
    assert.are.equal(0, H.max_abs_diff(w, m.features:get(1).weight))
    os.execute('rm -rf ' .. dir)
  end)
end)
