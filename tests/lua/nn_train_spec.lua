-- Training end to end: `small` learns two synthetic classes of 28x28 images with SGD
-- (asserted accuracy within a fixed number of steps), and steady-state training steps
-- allocate no engine memory.
local dc = require 'dclab'

-- n images [n, 1, 28, 28]: class 1 horizontal stripes, class 2 vertical stripes, random
-- phase and noise; labels int64 [n] in 1..2.
local function stripes(n, seed)
  local g = dc.Generator(seed)
  local noise = dc.rand({n, 28, 28}, {generator = g}):totable()
  local imgs, labels = {}, {}
  for i = 1, n do
    local c = (i % 2) + 1
    local phase = g:random(4) -- 1..4
    local img = {}
    for r = 1, 28 do
      local row = {}
      for q = 1, 28 do
        local k = c == 1 and r or q
        row[q] = ((k + phase) % 4 < 2 and 1 or 0) + 0.8 * (noise[i][r][q] - 0.5)
      end
      img[r] = row
    end
    imgs[i], labels[i] = {img}, c
  end
  return dc.tensor(imgs), dc.tensor(labels, 'int64')
end

local function accuracy(scores, labels)
  local s, l, right = scores:totable(), labels:totable(), 0
  for i = 1, #l do
    local best = s[i][1] >= s[i][2] and 1 or 2
    if best == l[i] then right = right + 1 end
  end
  return right / #l
end

describe('training small', function()
  it('reaches >= 95% training accuracy on two synthetic classes in 12 steps', function()
    dc.manual_seed(1)
    local x, y = stripes(64, 3)
    local model = dc.models.small{k = 2, generator = dc.Generator(2)}
    local crit = dc.nn.CrossEntropyLoss()
    local opt = dc.optim.sgd{lr = 0.05, momentum = 0.9, weight_decay = 1e-5}:add(model)
    local first
    for step = 1, 12 do
      local b = (step - 1) % 8
      local xb, yb = x:narrow(1, b * 8 + 1, 8):contiguous(), y:narrow(1, b * 8 + 1, 8):contiguous()
      model:zero_grad()
      local loss = crit:forward(model:forward(xb), yb)
      first = first or loss
      model:backward(xb, crit:backward(model.output, yb))
      opt:step()
    end
    model:evaluate()
    local acc = accuracy(model:forward(x), y)
    assert.is_true(acc >= 0.95, 'training accuracy ' .. acc .. ' (first loss ' .. first .. ')')
  end)

  it('allocates no engine memory per step once warmed up', function()
    local x, y = stripes(8, 4)
    local model = dc.models.small{k = 2}
    local crit = dc.nn.CrossEntropyLoss()
    local opt = dc.optim.sgd{lr = 0.01, momentum = 0.9, weight_decay = 1e-5}:add(model)
    local function step()
      model:zero_grad()
      crit:forward(model:forward(x), y)
      model:backward(x, crit:backward(model.output, y))
      opt:step()
    end
    step()
    step()
    collectgarbage()
    local before = dc.memory()
    for _ = 1, 3 do step() end
    local after = dc.memory()
    assert.are.equal(before.allocs, after.allocs)
    assert.is_true(after.bytes <= before.bytes)
  end)
end)
