-- NTXentLoss from Lua: the loss against its definition in plain Lua, gradients of both
-- views by finite differences, the temperature option, errors.
local dc = require 'dclab'
local H = require 'nn_gradcheck'
local nn = dc.nn

-- mean_i [log sum_{j != i} exp(cos(r_i, r_j) / t) - cos(r_i, r_p(i)) / t] over the rows of
-- z1 then z2, in Lua numbers
local function reference(z1, z2, t)
  local B, D = z1:size(1), z1:size(2)
  local rows = {}
  for i = 1, 2 * B do
    local z, r, n = i <= B and z1[i] or z2[i - B], {}, 0
    for d = 1, D do r[d] = z[d]; n = n + r[d] * r[d] end
    for d = 1, D do r[d] = r[d] / math.sqrt(n) end
    rows[i] = r
  end
  local total = 0
  for i = 1, 2 * B do
    local sum, pos = 0, 0
    for j = 1, 2 * B do
      if j ~= i then
        local s = 0
        for d = 1, D do s = s + rows[i][d] * rows[j][d] end
        sum = sum + math.exp(s / t)
        if j == (i <= B and i + B or i - B) then pos = s / t end
      end
    end
    total = total + math.log(sum) - pos
  end
  return total / (2 * B)
end

describe('NTXentLoss', function()
  it('is the mean 2B-way cross-entropy of cosine similarities with the other view', function()
    local z1, z2 = H.rand(-2, 2, 4, 5), H.rand(-2, 2, 4, 5)
    for _, t in ipairs{0.5, 0.1} do
      local crit = nn.NTXentLoss{temperature = t}
      assert.is_true(math.abs(crit:forward(z1, z2) - reference(z1, z2, t)) < 1e-5)
    end
    assert.are.equal(0.5, nn.NTXentLoss().temperature)
    assert.are.equal('NTXentLoss(temperature = 0.2)', tostring(nn.NTXentLoss{temperature = 0.2}))
  end)

  it('gives both gradients, checked by finite differences', function()
    local z1, z2 = H.rand(-2, 2, 3, 4), H.rand(-2, 2, 3, 4)
    local crit = nn.NTXentLoss{temperature = 0.3}
    crit:forward(z1, z2)
    local g1, g2 = crit:backward(z1, z2)
    local function loss() return reference(z1, z2, 0.3) end
    H.check_input_grad('z1', z1, g1, loss, {count = 12})
    H.check_input_grad('z2', z2, g2, loss, {count = 12})
  end)

  it('names bad arguments', function()
    H.errors_with("NTXentLoss: option 'temperature' must be > 0, got 0", nn.NTXentLoss, {temperature = 0})
    H.errors_with("NTXentLoss: unknown option 'tau'", nn.NTXentLoss, {tau = 0.5})
    local crit = nn.NTXentLoss()
    H.errors_with('NTXentLoss: backward before forward', crit.backward, crit, dc.ones(2, 3),
      dc.ones(2, 3))
    H.errors_with('ntxent_forward: z1 and z2 must have the same shape [B, D], got float32 ' ..
      '[2, 3] and float32 [3, 3]', crit.forward, crit, dc.ones(2, 3), dc.ones(3, 3))
    H.errors_with('ntxent_forward: z1 must be a float32 [B, D] tensor', crit.forward, crit,
      dc.ones(2, 3, 1), dc.ones(2, 3, 1))
  end)
end)
