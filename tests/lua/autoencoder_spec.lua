-- The autoencoder parts: Adam against PyTorch's update written out (bias correction, weight
-- decay), its state through a checkpoint; MSELoss against its definition and finite
-- differences; dc.models.autoencoder's shapes, gradients (finite differences, decoder
-- included), training and errors.
local dc = require 'dclab'
local H = require 'nn_gradcheck'

local close = H.close

describe('optim.adam', function()
  it('follows PyTorch Adam: moments, bias correction, weight decay', function()
    for _, cfg in ipairs{
      {},
      {lr = 0.01, weight_decay = 0.1},
      {lr = 0.1, betas = {0.5, 0.6}, eps = 0.3},
    } do
      local w, g = dc.tensor{1, -2, 3}, dc.tensor{0, 0, 0}
      local opt = dc.optim.adam({w}, {g}, cfg)
      local lr, b1, b2 = cfg.lr or 1e-3, (cfg.betas or {0.9})[1], (cfg.betas or {0, 0.999})[2]
      local eps, wd = cfg.eps or 1e-8, cfg.weight_decay or 0
      local ref, m, v = {1, -2, 3}, {0, 0, 0}, {0, 0, 0}
      for t = 1, 4 do
        local grad = {0.5 * t, -0.25, t - 2}
        g:copy(dc.tensor(grad))
        opt:step()
        for i = 1, 3 do
          local d = grad[i] + wd * ref[i]
          m[i] = b1 * m[i] + (1 - b1) * d
          v[i] = b2 * v[i] + (1 - b2) * d * d
          ref[i] = ref[i] - lr * (m[i] / (1 - b1 ^ t)) / (math.sqrt(v[i] / (1 - b2 ^ t)) + eps)
          assert.is_true(close(w[i], ref[i]), string.format('step %d element %d: %g vs %g', t, i, w[i], ref[i]))
        end
      end
      assert.are.equal(4, opt.steps)
      assert.are.same({2, 3}, opt.groups[1].momentum_buffers[1]:shape())
    end
  end)

  it('takes a module, keeps groups apart and prints its settings', function()
    local a, b = dc.nn.Linear(3, 2), dc.nn.Linear(2, 2)
    local opt = dc.optim.adam(a, {lr = 0.01}):add(b, {lr = 0.5, betas = {0.8, 0.9}})
    assert.are.same({0.9, 0.999}, opt.groups[1].betas)
    assert.are.same({0.8, 0.9}, opt.groups[2].betas)
    b.grad_weight:fill(1)
    local before = b.weight[1][1]
    opt:step()
    assert.is_true(close(b.weight[1][1], before - 0.5, 1e-5)) -- the first step moves by lr
    opt:set_lr(0.02)
    assert.truthy(tostring(opt):find('group 2: 2 params, lr 0.02, betas (0.8, 0.9), eps 1e-08, weight_decay 0', 1, true))
    opt:zero_grad()
    assert.are.equal(0, b.grad_weight[1][1])
  end)

  it('resumes from a checkpoint exactly (moments and step count)', function()
    local function model()
      local m = dc.nn.Linear(4, 3)
      m.weight:copy(H.distinct(3, 4))
      return m
    end
    local function run(m, opt, from, to)
      for t = from, to do
        m.grad_weight:copy(H.distinct(3, 4) * t)
        m.grad_bias:fill(0.1 * t)
        opt:step()
      end
    end
    local m1 = model()
    local o1 = dc.optim.adam(m1, {lr = 0.05, weight_decay = 0.01})
    run(m1, o1, 1, 5)
    local m2 = model()
    local o2 = dc.optim.adam(m2, {lr = 0.05, weight_decay = 0.01})
    run(m2, o2, 1, 2)
    local path = os.tmpname()
    dc.checkpoint.save(path, {model = m2, optim = o2})
    local m3 = dc.nn.Linear(4, 3)
    local o3 = dc.optim.adam(m3, {lr = 0.7})
    dc.checkpoint.load(path, {model = m3, optim = o3})
    os.remove(path)
    assert.are.equal(0.05, o3.groups[1].lr)
    assert.are.equal(2, o3.groups[1].steps)
    run(m3, o3, 3, 5)
    assert.are.same(m1.weight:totable(), m3.weight:totable())
    assert.are.same(m1.bias:totable(), m3.bias:totable())
  end)

  it('rejects bad settings and states', function()
    H.errors_with("adam: unknown option 'beta1' (valid: betas, eps, lr, weight_decay)",
      dc.optim.adam, {beta1 = 0.9})
    H.errors_with('adam: betas must be two numbers in [0, 1)', dc.optim.adam, {betas = {0.9, 1}})
    H.errors_with('adam: betas must be two numbers', dc.optim.adam, {betas = {0.9}})
    H.errors_with("adam: option 'eps' must be > 0, got 0", dc.optim.adam, {eps = 0})
    H.errors_with("adam: option 'lr' must be >= 0, got -1", dc.optim.adam, {lr = -1})
    H.errors_with('adam:set_lr: lr must be a number >= 0, got x', dc.optim.adam().set_lr,
      dc.optim.adam(), 'x')
    local opt = dc.optim.adam(dc.nn.Linear(2, 2))
    local s = opt:state()
    s.groups[1].momentum_buffers[1] = dc.zeros(4)
    H.errors_with('adam:load_state: momentum buffer 1 of group 1 does not fit its parameter',
      opt.load_state, opt, s)
    s.groups[1].momentum_buffers[1], s.groups[1].steps = nil, -1
    H.errors_with('adam:load_state: steps of group 1 must be an integer >= 0, got -1',
      opt.load_state, opt, s)
  end)
end)

describe('nn.MSELoss', function()
  it('is the mean squared difference, and its gradient matches finite differences', function()
    local x, t = H.rand(-1, 1, 3, 1, 2, 5), H.rand(0, 1, 3, 1, 2, 5)
    local crit = dc.nn.MSELoss()
    local xs, ts, want = H.flat(x), H.flat(t), 0
    for i = 1, #xs do want = want + (xs[i] - ts[i]) ^ 2 / #xs end
    assert.is_true(close(crit:forward(x, t), want, 1e-9))
    assert.are.same(x:shape(), crit:backward(x, t):shape())
    H.gradcheck_criterion(crit, x, t, {every = 3})
    assert.are.equal('MSELoss', tostring(crit))
  end)

  it('names shape mismatches', function()
    H.errors_with('mse_loss_forward: target must be float32 [2, 3], got float32 [3, 2]',
      dc.nn.MSELoss().forward, dc.nn.MSELoss(), dc.zeros(2, 3), dc.zeros(3, 2))
  end)
end)

describe('models.autoencoder', function()
  it('encodes and reconstructs images of any shape with the given dims', function()
    local ae = dc.models.autoencoder{generator = dc.Generator(3)}
    local x = dc.rand(5, 1, 28, 28)
    assert.are.same({5, 10}, ae:encode(x):shape())
    assert.are.same({5, 1, 28, 28}, ae:forward(x):shape())
    assert.are.same({784, 500, 500, 2000, 10}, ae.dims)
    local small = dc.models.autoencoder{dims = {6, 4, 2}}
    assert.are.same({3, 2}, small:encode(dc.rand(3, 6)):shape())
    assert.are.same({3, 2, 3}, small:forward(dc.rand(3, 2, 3)):shape())
    assert.truthy(tostring(small):find('Autoencoder(6-4-2)', 1, true))
    -- Linear, ReLU, Linear each way: weights of both halves in the state
    local names = {}
    for name in pairs(small:state()) do names[#names + 1] = name end
    table.sort(names)
    assert.are.same({'1.2.bias', '1.2.weight', '1.4.bias', '1.4.weight', '2.1.bias', '2.1.weight',
      '2.3.bias', '2.3.weight'}, names)
    -- the same generator, the same weights
    local a = dc.models.autoencoder{dims = {6, 4, 2}, generator = dc.Generator(9)}
    local b = dc.models.autoencoder{dims = {6, 4, 2}, generator = dc.Generator(9)}
    assert.are.same(a.decoder:get(1).weight:totable(), b.decoder:get(1).weight:totable())
  end)

  it('has gradients that match finite differences, encoder and decoder', function()
    local ae = dc.models.autoencoder{dims = {8, 6, 5, 3}, generator = dc.Generator(4)}
    -- biases away from 0: with zero biases a unit whose inputs are all 0 sits exactly on
    -- ReLU's kink, where finite differences see half a slope
    local params = ae:parameters()
    for i = 2, #params, 2 do params[i]:uniform_(-0.5, 0.5, dc.Generator(i)) end
    H.gradcheck(ae, H.rand(-1, 1, 4, 2, 4), {tol = 1e-2, eps = 1e-3, samples = 100})
  end)

  it('learns to reconstruct: fit lowers the loss', function()
    local g = dc.Generator(5)
    -- 64 points on a 2-d plane in 12 dims: a 12-8-2 autoencoder can reconstruct them
    local z, basis = dc.rand({64, 2}, {generator = g}), dc.rand({2, 12}, {generator = g})
    local x = dc.mm(z, basis)
    local ae = dc.models.autoencoder{dims = {12, 8, 2}, generator = g}
    local seen = 0
    local r = ae:fit(x, {epochs = 60, batch = 16, lr = 1e-2, on_epoch = function(e) seen = e end})
    assert.are.equal(60, seen)
    assert.are.equal(60, #r.losses)
    assert.is_true(r.losses[60] < 0.1 * r.losses[1], string.format('%g -> %g', r.losses[1], r.losses[60]))
    assert.is_true(r.seconds >= 0 and r.cpu_seconds >= 0)
    assert.is_false(ae.is_training)
  end)

  it('resumes a saved run exactly (first_epoch, the restored optimizer)', function()
    local x = dc.rand({40, 6}, {seed = 7})
    local function fresh() return dc.models.autoencoder{dims = {6, 4, 2}, generator = dc.Generator(2)} end
    local straight = fresh()
    straight:fit(x, {epochs = 5, batch = 8, seed = 3})
    local a = fresh()
    local r = a:fit(x, {epochs = 2, batch = 8, seed = 3})
    local path = os.tmpname()
    dc.checkpoint.save(path, {model = a, optim = r.optimizer})
    local b = fresh()
    local adam = dc.optim.adam(b)
    dc.checkpoint.load(path, {model = b, optim = adam})
    os.remove(path)
    local r2 = b:fit(x, {epochs = 3, batch = 8, seed = 3, first_epoch = 3, optimizer = adam})
    assert.are.equal(3, #r2.losses)
    assert.are.same(straight:state()['2.3.weight']:totable(), b:state()['2.3.weight']:totable())
    assert.are.same(straight:encode(x):totable(), b:encode(x):totable())
  end)

  it('trains from a loader as from the tensor of its images (no augmentation)', function()
    local u8 = (dc.rand({30, 1, 2, 3}, {seed = 8}) * 255):floor():byte()
    local pixels = u8:float() / 255
    local function fresh() return dc.models.autoencoder{dims = {6, 4, 2}, generator = dc.Generator(2)} end
    local a, b = fresh(), fresh()
    local ra = a:fit(pixels, {epochs = 3, batch = 8, seed = 4})
    local loader = dc.data.loader(dc.data.tensor_dataset(u8), {batch = 8, threads = 1})
    local rb = b:fit(loader, {epochs = 3, seed = 4})
    for e = 1, 3 do assert.is_true(close(ra.losses[e], rb.losses[e], 1e-5)) end
    assert.is_true(H.max_abs_diff(a:encode(pixels), b:encode(pixels)) < 1e-5)
    H.errors_with("autoencoder:fit: batch is the loader's own; leave it out with a loader",
      b.fit, b, loader, {epochs = 1, batch = 8})
  end)

  it('rejects bad options and inputs', function()
    H.errors_with('models.autoencoder: dims needs at least 2 sizes, got 1', dc.models.autoencoder,
      {dims = {5}})
    H.errors_with('models.autoencoder: dims[2] must be a positive integer, got 0',
      dc.models.autoencoder, {dims = {5, 0}})
    H.errors_with("models.autoencoder: unknown option 'layers'", dc.models.autoencoder, {layers = 2})
    local ae = dc.models.autoencoder{dims = {6, 2}}
    H.errors_with('autoencoder:encode: x [3, 5] has 5 values per row, the autoencoder takes 6',
      ae.encode, ae, dc.zeros(3, 5))
    H.errors_with('autoencoder:forward: x must be a float32 tensor [N, ...], got int64 [3]',
      ae.forward, ae, dc.tensor({1, 2, 3}, 'int64'))
    H.errors_with("autoencoder:fit: option 'epochs' is required", ae.fit, ae, dc.zeros(3, 6), {})
  end)
end)
