-- SwAV (dc.nn.SwAVLoss, dc.nn.Prototypes, dc.swav): the swapped-prediction loss against a
-- direct Lua reference and finite differences, the prototypes' sets, norms and gradients.
local dc = require 'dclab'
local H = require 'nn_gradcheck'
local nn = dc.nn

-- The loss by its definition, pair by pair, in double (Lua numbers).
local function reference(z, q, views, t)
  local V, B, K = z:size(1), z:size(2), z:size(3)
  local total, pairs_ = 0, 0
  for a, c in ipairs(views) do
    for v = 1, V do
      if v ~= c then
        local sub = 0
        for b = 1, B do
          local s = 0
          for k = 1, K do s = s + math.exp(z[{v, b, k}] / t) end
          for k = 1, K do sub = sub - q[{a, b, k}] * math.log(math.exp(z[{v, b, k}] / t) / s) end
        end
        total, pairs_ = total + sub / B, pairs_ + 1
      end
    end
  end
  return total / pairs_
end

-- Rows of positive numbers summing to 1 (codes as Sinkhorn gives them).
local function codes(A, B, K)
  local q = H.rand(0.05, 1, A, B, K)
  return q:div_(q:sum(3, true))
end

describe('SwAVLoss', function()
  it('is the mean over (code, other view) pairs of the soft cross-entropy', function()
    local z, q = H.rand(-1, 1, 6, 4, 5), codes(2, 4, 5)
    local crit = nn.SwAVLoss{temperature = 0.1, code_views = {1, 2}}
    assert.near(reference(z, q, {1, 2}, 0.1), crit:forward(z, q), 1e-5)
    local one = nn.SwAVLoss{temperature = 0.5, code_views = {3}}
    assert.near(reference(z, q:narrow(1, 2, 1):contiguous(), {3}, 0.5),
      one:forward(z, q:narrow(1, 2, 1):contiguous()), 1e-5)
    assert.equal('SwAVLoss(temperature 0.1, codes of views 1, 2)', tostring(crit))
  end)

  it('scores views group by group, the parts adding up to the whole', function()
    local z, q = H.rand(-1, 1, 6, 4, 5), codes(2, 4, 5)
    local whole = nn.SwAVLoss()
    local l = whole:forward(z, q)
    local g = whole:backward(z, q):clone()
    local part = nn.SwAVLoss{views = 6}
    local large, small = z:narrow(1, 1, 2):contiguous(), z:narrow(1, 3, 4):contiguous()
    local l1 = part:forward(large, q, 1)
    local g1 = part:backward(large, q, 1):clone()
    local l2 = part:forward(small, q, 3)
    local g2 = part:backward(small, q, 3)
    assert.near(l, l1 + l2, 1e-6)
    assert.is_true(H.max_abs_diff(g:narrow(1, 1, 2), g1) < 1e-7)
    assert.is_true(H.max_abs_diff(g:narrow(1, 3, 4), g2) < 1e-7)
    H.errors_with('SwAVLoss: a first view needs the number of views', whole.forward, whole,
      large, q, 1)
  end)

  it('costs ln K against uniform scores', function()
    local crit = nn.SwAVLoss()
    assert.near(math.log(7), crit:forward(dc.zeros(3, 2, 7), codes(2, 2, 7)), 1e-6)
  end)

  it('has the gradient of finite differences', function()
    local z, q = H.rand(-1, 1, 4, 3, 5), codes(2, 3, 5)
    local crit = nn.SwAVLoss{temperature = 0.2}
    crit:forward(z, q)
    local g = crit:backward(z, q):clone()
    H.check_input_grad('z', z, g, function() return reference(z, q, {1, 2}, 0.2) end,
      {every = 3})
  end)

  it('refuses bad options and shapes, naming itself', function()
    H.errors_with('SwAVLoss: code_views[2] must be a view number >= 1, got x',
      nn.SwAVLoss, {code_views = {1, 'x'}})
    H.errors_with('SwAVLoss: code_views must list at least one view', nn.SwAVLoss,
      {code_views = {}})
    H.errors_with("SwAVLoss: option 'temperature' must be > 0, got 0", nn.SwAVLoss,
      {temperature = 0})
    local crit = nn.SwAVLoss()
    H.errors_with('swav_loss_forward: 1 view(s) in all; the swapped prediction needs at least 2',
      crit.forward, crit, dc.zeros(1, 2, 3), codes(2, 2, 3))
    local six = nn.SwAVLoss{views = 6}
    H.errors_with('swav_loss_forward: scores holds views 5..7, outside the 6 views (1..6)',
      six.forward, six, dc.zeros(3, 2, 3), codes(2, 2, 3), 5)
    H.errors_with('swav_loss_forward: codes must be float32 [A, 2, 3]', crit.forward, crit,
      dc.zeros(3, 2, 3), codes(2, 2, 4))
    local three = nn.SwAVLoss{code_views = {1, 3}}
    H.errors_with('swav_loss_forward: code_views[2] = 3 is not a view (1..2)', three.forward,
      three, dc.zeros(2, 2, 3), codes(2, 2, 3))
  end)
end)

describe('Prototypes', function()
  it('scores every set and keeps unit-norm rows', function()
    local p = nn.Prototypes(6, {3, 10}, {generator = dc.Generator(3)})
    assert.equal('Prototypes(6 -> 3 + 10, unit norm, no bias)', tostring(p))
    assert.same({3, 6}, p.weight1:shape())
    assert.same({10, 6}, p.weight2:shape())
    for s = 1, 2 do
      assert.is_true(H.max_abs_diff(p:weight(s):norm(2, 2), dc.ones(p.sizes[s])) < 1e-6)
    end
    p.weight1:mul_(3)
    p:normalize()
    assert.is_true(H.max_abs_diff(p.weight1:norm(2, 2), dc.ones(3)) < 1e-6)
    local x = H.rand(-1, 1, 4, 6)
    local z = p:forward(x)
    assert.is_true(H.max_abs_diff(z[2], x:mm(p.weight2:t())) < 1e-6)
    assert.same({'weight1', 'weight2'}, (function()
      local names = {}
      for k in pairs(p:state()) do names[#names + 1] = k end
      table.sort(names)
      return names
    end)())
  end)

  it('has the gradients of finite differences, summed over the sets', function()
    local p = nn.Prototypes(5, {2, 4}, {generator = dc.Generator(4)})
    local x = H.rand(-1, 1, 3, 5)
    local r = {H.rand(-1, 1, 3, 2), H.rand(-1, 1, 3, 4)}
    local function loss()
      local z = p:forward(x)
      return H.dot(z[1], r[1]) + H.dot(z[2], r[2])
    end
    p:zero_grad()
    p:forward(x)
    local dx = p:backward(x, r):clone()
    local targets = {{'x', x, dx}, {'weight1', p.weight1, p.grad_weight1:clone()},
      {'weight2', p.weight2, p.grad_weight2:clone()}}
    for _, tg in ipairs(targets) do H.check_input_grad(tg[1], tg[2], tg[3], loss, {tol = 2e-3}) end
  end)

  it('refuses bad sizes and inputs, naming itself', function()
    H.errors_with('Prototypes: dim must be a positive integer, got 0', nn.Prototypes, 0, 3)
    H.errors_with('Prototypes: set 2: the number of prototypes must be a positive integer, got 0',
      nn.Prototypes, 4, {3, 0})
    H.errors_with('Prototypes: k must be a positive integer or a list of them', nn.Prototypes,
      4, {})
    local p = nn.Prototypes(4, 3)
    H.errors_with('Prototypes: expected input [N, 4], got float32 [2, 5]', p.forward, p,
      dc.zeros(2, 5))
    H.errors_with('Prototypes: backward expects a list of 1 score gradients, got userdata',
      p.backward, p, dc.zeros(2, 4), dc.zeros(2, 3))
  end)
end)

-- ---- the runner ----

local T = dc.transforms
local tmpdir = require('spec_helpers').tmpdir
local data = dc.data.fashion_mnist{split = 'train'}:subset(48)

-- A tiny network whose trunk takes 28 and 16 pixel crops alike (adaptive pooling).
local function tiny_model(seed)
  local net = dc.models.Net('tiny', {
    features = nn.Sequential{nn.Conv2d(1, 4, 3, {pad = 1}), nn.BatchNorm2d(4),
      nn.ReLU{inplace = true}, nn.AdaptiveAvgPool2d(2)},
    classifier = nn.Sequential{nn.Dropout(0.5), nn.Linear(16, 12), nn.ReLU()},
  })
  return require('dclab.models.build').reset(net, dc.Generator(seed or 1))
end

local function crop(side, scale)
  return T.compose{T.RandomResizedCrop(side, {scale = scale}), T.RandomHorizontalFlip(0.5),
    T.ToFloat()}
end
local VIEWS = {crop(28, {0.3, 1}), crop(28, {0.3, 1}), crop(16, {0.1, 0.3}), crop(16, {0.1, 0.3})}

local function swav(cfg)
  local c = {model = tiny_model(), data = data, views = VIEWS, prototypes = {4, 6},
    projection = {hidden = 8, dim = 5}, batch = 8, epochs = 2, freeze_prototypes = 8,
    queue_length = 16, queue_start = 1, optim = {lr = 0.05, momentum = 0.9, weight_decay = 1e-6},
    verbose = false, threads = 1, seed = 5}
  for k, v in pairs(cfg or {}) do c[k] = v end
  return dc.swav(c)
end

local function same_state(a, b)
  local sa, sb = a:state(), b:state()
  for name, t in pairs(sa) do assert.are.equal(0, (t - sb[name]):abs():max(), name) end
end

describe('dc.swav', function()
  it('keeps the prototypes at unit norm every step, and unchanged while frozen', function()
    local before, checked = nil, 0
    local r = swav{epochs = 2, hooks = {on_batch = function(run, i)
      local it = (run.epoch) * run:batches_per_epoch() + i
      -- the step's prototypes: those normalised before it, moved by it only when not frozen
      if it == 1 then before = run.prototypes:weight(2):clone() end
      if it <= run.cfg.freeze_prototypes then
        assert.are.equal(0, (run.prototypes:weight(2) - before):abs():max(), 'iteration ' .. it)
      elseif it == run.cfg.freeze_prototypes + 1 then
        assert.is_true((run.prototypes:weight(2) - before):abs():max() > 0)
      end
      for s = 1, 2 do
        -- normalised before the step, so unit norm up to one small update
        assert.is_true(math.abs(run.prototypes:weight(s):norm(2, 2):max() - 1) < 0.05)
      end
      checked = checked + 1
    end}}
    r:fit()
    assert.are.equal(12, checked) -- 48 images, batches of 8, 2 epochs
    for s = 1, 2 do
      r.prototypes:normalize()
      local norms = r.prototypes:weight(s):norm(2, 2)
      assert.is_true(H.max_abs_diff(norms, dc.ones(r.prototypes.sizes[s])) < 1e-6)
    end
  end)

  it('logs every prototype set as a head, with the queue from the second epoch', function()
    local out = tmpdir()
    local r = swav{out = out}
    r:fit()
    local log = dc.deepcluster_log(out)
    assert.are.equal(2, #log)
    assert.are.same({0, 16}, {log[1].queue, log[2].queue})
    assert.are.same({4, 6}, {log[2].heads[1].k, log[2].heads[2].k})
    assert.is_true(log[2].nmi_labels >= 0 and log[2].nmi_labels <= 1)
    assert.is_true(log[2].loss > 0)
    for _, f in ipairs{'config.json', 'checkpoint.bin', 'assign.npy', 'assign_2.npy', 'queue.npy',
      'queue_2.npy'} do
      assert.is_truthy(io.open(out .. '/' .. f), f)
    end
    assert.are.same({48}, dc.load_npy(out .. '/assign_2.npy'):shape())
    os.execute('rm -rf ' .. out)
  end)

  it('resumed after an epoch, equals the epochs run straight (prototypes, queue, net)', function()
    local a, b = tmpdir(), tmpdir()
    -- the queue from the first epoch on: the resumed epoch needs the saved one
    local straight = swav{out = a, epochs = 2, queue_start = 0}
    straight:fit()
    swav{out = b, epochs = 1, queue_start = 0}:fit()
    local started = {}
    local resumed = swav{out = b, epochs = 2, resume = true, queue_start = 0,
      hooks = {on_epoch_start = function(_, e) started[#started + 1] = e end}}
    resumed:fit()
    assert.are.same({2}, started)
    same_state(straight.model, resumed.model)
    same_state(straight.prototypes, resumed.prototypes)
    for q = 1, 2 do assert.are.equal(0, (straight.queue[q] - resumed.queue[q]):abs():max()) end
    assert.are.same(straight.prev_assign:totable(), resumed.prev_assign:totable())
    assert.are.equal(straight.history[2].loss, resumed.history[1].loss)
    H.errors_with('resume: the checkpoint in ' .. b .. ' was made with other settings: epsilon',
      function()
        swav{out = b, epochs = 3, resume = true, queue_start = 0, epsilon = 0.03}:fit()
      end)
    os.execute('rm -rf ' .. a .. ' ' .. b)
  end)

  it('trains the same with 1 and 2 loader threads', function()
    local one, two = swav{epochs = 1, threads = 1}, swav{epochs = 1, threads = 2}
    one:fit()
    two:fit()
    same_state(one.model, two.model)
    same_state(one.prototypes, two.prototypes)
    assert.are.equal(one.history[1].loss, two.history[1].loss)
  end)

  it('refuses bad configurations, naming itself', function()
    H.errors_with('swav: views must list at least 2 transforms', swav, {views = {VIEWS[1]}})
    H.errors_with('swav: code_views[2] must be a view number in 1..4, got 5', swav,
      {code_views = {1, 5}})
    H.errors_with('swav: prototypes[2] must be a positive integer, got 0', swav,
      {prototypes = {3, 0}})
    H.errors_with('swav: prototype set 1 has 9 prototypes, more than the batch of 8 images',
      swav, {prototypes = 9})
    H.errors_with('swav: code view 3 is not among the first views of one size (views 1..2)',
      swav, {code_views = {1, 3}})
    H.errors_with("swav: unknown option 'k'", swav, {k = 3})
    H.errors_with('swav: data has 48 images, fewer than one batch of 64', swav,
      {batch = 64, prototypes = 4})
    H.errors_with('swav: model must be a dc.models network', swav, {model = nn.Linear(2, 3)})
  end)
end)

describe('dc.recipes.swav', function()
  it('gives options dc.swav takes, scaled to 28 px', function()
    local o = dc.recipes.swav{size = 28, mean = {0.286}, std = {0.353}, epochs = 2}
    assert.are.same({10, 50, 100}, o.prototypes)
    assert.are.same({0.1, 0.05, 3, 128, 384, 1}, {o.temperature, o.epsilon, o.sinkhorn_iters,
      o.batch, o.queue_length, o.queue_start})
    assert.are.equal(6, #o.views)
    o.data = dc.data.fashion_mnist{split = 'train'}:subset(256)
    o.model, o.verbose = tiny_model(), false
    local r = dc.swav(o)
    assert.are.same({{first = 1, n = 2}, {first = 3, n = 4}}, r.groups)
    assert.are.equal(2, r.cfg.freeze_prototypes) -- one epoch: 256 images in batches of 128
    assert.are.same({4096, 3000}, (function()
      local big = dc.recipes.swav{size = 224, mean = {0.5}, std = {0.2}}
      return {big.batch, big.prototypes[1]}
    end)())
  end)
end)
