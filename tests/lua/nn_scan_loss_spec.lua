-- SCANLoss from Lua: the loss and its two terms against their definitions in plain Lua,
-- gradients of both inputs by finite differences, the entropy_weight option, errors.
local dc = require 'dclab'
local H = require 'nn_gradcheck'
local nn = dc.nn

local function softmax(row, K)
  local p, s = {}, 0
  for k = 1, K do p[k] = math.exp(row[k]); s = s + p[k] end
  for k = 1, K do p[k] = p[k] / s end
  return p
end

-- consistency, entropy: -mean_i log <p_i, q_i>, -sum_k m_k log m_k with m = mean_i p_i
local function reference(a, n)
  local B, K = a:size(1), a:size(2)
  local cons, m = 0, {}
  for k = 1, K do m[k] = 0 end
  for i = 1, B do
    local p, q, s = softmax(a[i], K), softmax(n[i], K), 0
    for k = 1, K do s = s + p[k] * q[k]; m[k] = m[k] + p[k] / B end
    cons = cons - math.log(s) / B
  end
  local ent = 0
  for k = 1, K do ent = ent - m[k] * math.log(m[k]) end
  return cons, ent
end

describe('SCANLoss', function()
  it('is the neighbour consistency minus the weighted entropy of the mean prediction', function()
    local a, n = H.rand(-3, 3, 6, 4), H.rand(-3, 3, 6, 4)
    local cons, ent = reference(a, n)
    for _, w in ipairs{5, 0, 2.5} do
      local crit = nn.SCANLoss{entropy_weight = w}
      local loss = crit:forward(a, n)
      assert.is_true(math.abs(loss - (cons - w * ent)) < 1e-9)
      assert.is_true(math.abs(crit.consistency - cons) < 1e-9)
      assert.is_true(math.abs(crit.entropy - ent) < 1e-9)
    end
    assert.are.equal(5, nn.SCANLoss().entropy_weight)
    assert.are.equal('SCANLoss(entropy_weight = 2)', tostring(nn.SCANLoss{entropy_weight = 2}))
  end)

  it('gives both gradients, checked by finite differences', function()
    local a, n = H.rand(-2, 2, 3, 4), H.rand(-2, 2, 3, 4)
    local w = 5
    local crit = nn.SCANLoss{entropy_weight = w}
    local ga, gn = crit:backward(a, n)
    local function total() local c, e = reference(a, n); return c - w * e end
    H.check_input_grad('anchors', a, ga, total)
    H.check_input_grad('neighbors', n, gn, total)
  end)

  it('names bad arguments', function()
    H.errors_with("SCANLoss: option 'entropy_weight' must be >= 0, got -1", nn.SCANLoss,
      {entropy_weight = -1})
    H.errors_with("SCANLoss: option 'entropy_weight' must be a number", nn.SCANLoss,
      {entropy_weight = 'high'})
    H.errors_with("SCANLoss: unknown option 'weight'", nn.SCANLoss, {weight = 5})
    local crit = nn.SCANLoss()
    H.errors_with('scan_loss_forward: anchors and neighbors must have the same number of rows B, ' ..
      'got float32 [2, 3] and float32 [3, 3]', crit.forward, crit, dc.ones(2, 3), dc.ones(3, 3))
    H.errors_with('scan_loss_forward: anchors and neighbors must have the same number of ' ..
      'clusters K, got float32 [2, 3] and float32 [2, 4]', crit.forward, crit, dc.ones(2, 3),
      dc.ones(2, 4))
    H.errors_with('scan_loss_forward: anchors must be a float32 [B, K] tensor', crit.forward, crit,
      dc.ones(6), dc.ones(6))
    H.errors_with('scan_loss_backward: anchors and neighbors must have the same number of ' ..
      'clusters K', crit.backward, crit, dc.ones(2, 3), dc.ones(2, 4))
  end)
end)
