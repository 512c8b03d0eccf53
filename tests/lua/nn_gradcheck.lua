-- Helpers of the nn specs: finite-difference gradient checks of whole modules (float32,
-- central differences, a random projection of the output as the loss) and error matching.
local dc = require 'dclab'

local H = {}

function H.errors_with(pattern, f, ...)
  local ok, err = pcall(f, ...)
  assert(not ok, 'expected an error matching ' .. pattern)
  assert(tostring(err):find(pattern, 1, true),
    'error "' .. tostring(err) .. '" lacks "' .. pattern .. '"')
end

function H.flat(t)
  return t:contiguous():view(-1):totable()
end

-- sum(a .* b) in double
function H.dot(a, b)
  local fa, fb = H.flat(a), H.flat(b)
  local s = 0
  for i = 1, #fa do s = s + fa[i] * fb[i] end
  return s
end

function H.max_abs_diff(a, b)
  local fa, fb = H.flat(a), H.flat(b)
  assert(#fa == #fb, 'sizes differ: ' .. #fa .. ' vs ' .. #fb)
  local m = 0
  for i = 1, #fa do m = math.max(m, math.abs(fa[i] - fb[i])) end
  return m
end

local seed = 100
function H.rand(lo, hi, ...)
  seed = seed + 1
  return dc.rand({...}, {seed = seed}):mul(hi - lo):add(lo)
end

-- A float32 tensor of the given shape with well separated values (no max-pool ties): the
-- fractional parts of i * golden ratio, in [-1, 1).
function H.distinct(...)
  local shape, n = {...}, 1
  for _, v in ipairs(shape) do n = n * v end
  local t = {}
  for i = 1, n do t[i] = 2 * ((i * 0.6180339887) % 1) - 1 end
  return dc.tensor(t):view(shape)
end

-- Checks d(sum(m(x) .* r))/d(t) for t = x and every parameter of m against central
-- differences, on up to `samples` elements each. opt: eps (1e-2), tol (2e-2, relative to
-- max(1, |numeric|)), forward(x) override (for criteria).
function H.gradcheck(m, x, opt)
  opt = opt or {}
  local eps, tol, samples = opt.eps or 1e-2, opt.tol or 2e-2, opt.samples or 40
  local y = m:forward(x)
  local r = H.rand(-1, 1, table.unpack(y:shape()))
  local function loss()
    return H.dot(m:forward(x), r)
  end
  m:zero_grad()
  m.need_input_grad = true
  m:forward(x)
  local dx = m:backward(x, r):clone()
  local params, grads = m:parameters()
  local targets = {{'x', x, dx}}
  for i, p in ipairs(params) do targets[#targets + 1] = {'param ' .. i, p, grads[i]:clone()} end
  for _, tg in ipairs(targets) do
    local name, t, g = tg[1], tg[2], tg[3]
    local tf, gf = t:view(-1), H.flat(g)
    local n = #gf
    local step = math.max(1, n // samples)
    for i = 1, n, step do
      local old = tf[i]
      tf[i] = old + eps
      local lp, xp = loss(), tf[i]
      tf[i] = old - eps
      local lm, xm = loss(), tf[i]
      tf[i] = old
      local num = (lp - lm) / (xp - xm)
      assert(math.abs(gf[i] - num) <= tol * math.max(1, math.abs(num)), string.format(
        '%s: d loss / d %s[%d]: analytic %.6g, numeric %.6g', tostring(m), name, i, gf[i], num))
    end
  end
end

-- Checks the analytic gradient g of loss() with respect to tensor t against central
-- differences (step 1e-2) on every `every`-th (1) of its first `count` elements (all):
-- |analytic - numeric| < tol (1e-3). For losses of several inputs, one call per input.
function H.check_input_grad(name, t, g, loss, opt)
  opt = opt or {}
  local tf, gf = t:view(-1), H.flat(g)
  for i = 1, math.min(#gf, opt.count or #gf), opt.every or 1 do
    local old = tf[i]
    tf[i] = old + 1e-2
    local lp, a = loss(), tf[i]
    tf[i] = old - 1e-2
    local lm, b = loss(), tf[i]
    tf[i] = old
    local num = (lp - lm) / (a - b)
    assert(math.abs(num - gf[i]) < (opt.tol or 1e-3), string.format(
      'd loss / d %s[%d]: analytic %.6g, numeric %.6g', name, i, gf[i], num))
  end
end

-- Checks a criterion's gradient crit:backward(x, target) against central differences of
-- crit:forward(x, target) (H.check_input_grad's options).
function H.gradcheck_criterion(crit, x, target, opt)
  crit:forward(x, target)
  H.check_input_grad(tostring(crit) .. ' input', x, crit:backward(x, target),
    function() return crit:forward(x, target) end, opt)
end

-- |a - b| <= tol * max(1, |b|) (tol 1e-6 by default).
function H.close(a, b, tol)
  return math.abs(a - b) <= (tol or 1e-6) * math.max(1, math.abs(b))
end

return H
