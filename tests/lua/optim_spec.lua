-- SGD and the schedules: PyTorch's update rules over steps, groups with their own settings,
-- state out and back in, errors.
local dc = require 'dclab'
local H = require 'nn_gradcheck'

local close = H.close

describe('optim.sgd', function()
  it('follows momentum, dampening, weight decay and Nesterov like PyTorch', function()
    for _, cfg in ipairs{
      {lr = 0.1},
      {lr = 0.05, momentum = 0.9, weight_decay = 1e-2},
      {lr = 0.05, momentum = 0.9, dampening = 0.5},
      {lr = 0.05, momentum = 0.9, nesterov = true, weight_decay = 1e-3},
    } do
      local w, g = dc.tensor{1, -2, 3}, dc.tensor{0, 0, 0}
      local opt = dc.optim.sgd(cfg):add({w}, {g})
      local ref, buf = {1, -2, 3}, {}
      for step = 1, 3 do
        local grad = {0.5 * step, -0.25, step - 2}
        g:copy(dc.tensor(grad))
        opt:step()
        for i = 1, 3 do
          local d = grad[i] + (cfg.weight_decay or 0) * ref[i]
          local m = cfg.momentum or 0
          if m ~= 0 then
            buf[i] = step == 1 and d or m * buf[i] + (1 - (cfg.dampening or 0)) * d
            d = cfg.nesterov and d + m * buf[i] or buf[i]
          end
          ref[i] = ref[i] - cfg.lr * d
          assert.is_true(close(w[i], ref[i]), string.format('step %d element %d: %g vs %g', step, i, w[i], ref[i]))
        end
      end
      assert.are.equal(3, opt.steps)
    end
  end)

  it('keeps per-group settings and zeroes gradients', function()
    local trunk, head = dc.nn.Linear(3, 2), dc.nn.Linear(2, 2)
    local opt = dc.optim.sgd{lr = 0.1, momentum = 0.9}:add(trunk):add(head, {momentum = 0, lr = 0.5})
    assert.are.equal(0.9, opt.groups[1].momentum)
    assert.are.equal(0, opt.groups[2].momentum)
    head.grad_weight:fill(1)
    local before = head.weight[1][1]
    opt:step()
    assert.is_true(close(head.weight[1][1], before - 0.5))
    assert.is_nil(opt.groups[2].momentum_buffers[1])
    assert.is_not_nil(opt.groups[1].momentum_buffers[1])
    opt:zero_grad()
    assert.are.equal(0, head.grad_weight[1][1])
    opt:set_lr(0.01)
    assert.are.same({0.01, 0.01}, {opt.groups[1].lr, opt.groups[2].lr})
    assert.truthy(tostring(opt):find('group 2: 2 params, lr 0.01, momentum 0', 1, true))
  end)

  it('gives its state as plain data and takes it back', function()
    local function run(opt, w, g, n)
      for i = 1, n do
        g:fill(i * 0.1)
        opt:step()
      end
    end
    local w1, g1 = dc.tensor{1, 2}, dc.tensor{0, 0}
    local o1 = dc.optim.sgd{lr = 0.1, momentum = 0.9}:add({w1}, {g1})
    run(o1, w1, g1, 2)
    local w2, g2 = w1:clone(), dc.tensor{0, 0}
    local o2 = dc.optim.sgd{lr = 0.7, momentum = 0.9}:add({w2}, {g2})
    o2:load_state(o1:state())
    assert.are.equal(0.1, o2.groups[1].lr)
    g1:fill(0.3); o1:step()
    g2:fill(0.3); o2:step()
    assert.are.same(w1:totable(), w2:totable())
    H.errors_with('sgd:load_state: the state has 1 parameter groups, this optimizer 0',
      dc.optim.sgd{lr = 1}.load_state, dc.optim.sgd{lr = 1}, o1:state())
  end)

  it('rejects bad settings', function()
    H.errors_with("sgd: unknown option 'moment' (valid: dampening, lr, momentum, nesterov, weight_decay)",
      dc.optim.sgd, {lr = 0.1, moment = 0.9})
    H.errors_with("sgd: option 'lr' is required", dc.optim.sgd, {})
    H.errors_with("sgd: option 'lr' must be >= 0, got -1", dc.optim.sgd, {lr = -1})
    H.errors_with('sgd: nesterov needs momentum > 0 and dampening 0', dc.optim.sgd, {lr = 1, nesterov = true})
    H.errors_with('sgd:add: expected a module, a list of parameters, or two lists',
      dc.optim.sgd{lr = 1}.add, dc.optim.sgd{lr = 1}, 3)
  end)
end)

describe('optim.schedule', function()
  it('constant, step and cosine', function()
    local s = dc.optim.schedule
    assert.are.equal(0.05, s.constant{lr = 0.05}(100))
    local st = s.step{lr = 1, step = 2, gamma = 0.5}
    assert.are.same({1, 1, 0.5, 0.5, 0.25}, {st(1), st(2), st(3), st(4), st(5)})
    local c = s.cosine{lr = 1, total = 4, min = 0}
    assert.is_true(close(c(1), 1) and close(c(3), 0.5) and close(c(5), 0) and close(c(9), 0))
    H.errors_with("schedule.step: unknown option 'steps'", s.step, {lr = 1, steps = 2})
    H.errors_with("schedule.step: option 'step' is required", s.step, {lr = 1})
    H.errors_with("schedule.cosine: option 'min' must be >= 0, got -1", s.cosine, {lr = 1, total = 2, min = -1})
    H.errors_with('schedule.constant: t must be an integer >= 1, got 0', s.constant{lr = 1}, 0)
  end)

  it('warmup_cosine: linear warm-up, then cosine down to final (or constant)', function()
    local s = dc.optim.schedule
    local w = s.warmup_cosine{lr = 1, total = 6, warmup = 2, start = 0.2, final = 0.1}
    assert.is_true(close(w(1), 0.2) and close(w(2), 0.6) and close(w(3), 1))
    assert.is_true(close(w(5), 0.55) and close(w(7), 0.1) and close(w(9), 0.1))
    local flat = s.warmup_cosine{lr = 1, total = 4, warmup = 1, cosine = false}
    assert.is_true(close(flat(1), 0) and close(flat(2), 1) and close(flat(4), 1))
    H.errors_with('schedule.warmup_cosine: warmup (4) must be shorter than total (4)',
      s.warmup_cosine, {lr = 1, total = 4, warmup = 4})
    H.errors_with('schedule.warmup_cosine: t must be an integer >= 1, got 0', w, 0)
  end)
end)
