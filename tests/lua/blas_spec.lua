-- Matrix products from Lua: mm, bmm, matmul, mv, dot, addmm(_) as methods and dc functions,
-- transposed views, output tensors, and the error messages.
local dc = require 'dclab'

local function fails(text, f, ...)
  local ok, err = pcall(f, ...)
  assert.is_false(ok, 'expected an error containing: ' .. text)
  assert.is_truthy(string.find(tostring(err), text, 1, true),
    'error "' .. tostring(err) .. '" does not contain "' .. text .. '"')
end

-- the product of two nested-table matrices, by the definition
local function matmul_ref(a, b)
  local c = {}
  for i = 1, #a do
    c[i] = {}
    for j = 1, #b[1] do
      local s = 0
      for k = 1, #b do s = s + a[i][k] * b[k][j] end
      c[i][j] = s
    end
  end
  return c
end

local function same_matrix(got, want)
  assert.equals(#want, #got)
  for i = 1, #want do
    for j = 1, #want[i] do
      assert.is_true(math.abs(got[i][j] - want[i][j]) <= 1e-5 * math.max(1, math.abs(want[i][j])),
        string.format('[%d][%d]: %.7g ~= %.7g', i, j, got[i][j], want[i][j]))
    end
  end
end

local seed = 7
local function rnd() -- deterministic values in [-1, 1), exact in float32
  seed = (seed * 1103515245 + 12345) % 2147483648
  return (seed % 4096) / 2048 - 1
end

local function rand_table(n, m)
  local t = {}
  for i = 1, n do
    t[i] = {}
    for j = 1, m do t[i][j] = rnd() end
  end
  return t
end

local function transpose(t)
  local r = {}
  for j = 1, #t[1] do
    r[j] = {}
    for i = 1, #t do r[j][i] = t[i][j] end
  end
  return r
end

describe('mm', function()
  local A, B = rand_table(5, 7), rand_table(7, 3)

  it('multiplies matrices, as a method and as dc.mm', function()
    local a, b = dc.tensor(A), dc.tensor(B)
    same_matrix(a:mm(b):totable(), matmul_ref(A, B))
    same_matrix(dc.mm(a, b):totable(), matmul_ref(A, B))
    assert.same({5, 3}, a:mm(b):shape())
  end)

  it('takes transposed views without changing the result', function()
    local at, bt = dc.tensor(transpose(A)):t(), dc.tensor(transpose(B)):t()
    assert.is_false(at:is_contiguous())
    same_matrix(at:mm(bt):totable(), matmul_ref(A, B))
    same_matrix(dc.tensor(A):mm(bt):totable(), matmul_ref(A, B))
  end)

  it('writes into an output tensor and returns it', function()
    local a, b, out = dc.tensor(A), dc.tensor(B), dc.zeros(5, 3)
    local r = a:mm(b, out)
    assert.equals(out, r)
    same_matrix(out:totable(), matmul_ref(A, B))
  end)
end)

describe('bmm and matmul', function()
  it('bmm multiplies batches', function()
    local A1, A2, B1, B2 = rand_table(2, 3), rand_table(2, 3), rand_table(3, 4), rand_table(3, 4)
    local c = dc.tensor({A1, A2}):bmm(dc.tensor({B1, B2}))
    assert.same({2, 2, 4}, c:shape())
    same_matrix(c[1]:totable(), matmul_ref(A1, B1))
    same_matrix(c[2]:totable(), matmul_ref(A2, B2))
  end)

  it('matmul follows numpy for 1-D, 2-D and batched operands', function()
    local A, B, v = rand_table(3, 4), rand_table(4, 2), {rnd(), rnd(), rnd(), rnd()}
    local a, b, tv = dc.tensor(A), dc.tensor(B), dc.tensor(v)
    same_matrix(a:matmul(b):totable(), matmul_ref(A, B))
    local av = a:matmul(tv)
    assert.same({3}, av:shape())
    local want = matmul_ref(A, transpose({v}))
    for i = 1, 3 do assert.is_true(math.abs(av[i] - want[i][1]) < 1e-5) end
    local vb = tv:matmul(b)
    assert.same({2}, vb:shape())
    local d = tv:matmul(tv)
    assert.equals(0, d:dim())
    local s = 0
    for i = 1, 4 do s = s + v[i] * v[i] end
    assert.is_true(math.abs(d:item() - s) < 1e-5)
    local stack = dc.tensor({A, A}):matmul(b)
    assert.same({2, 3, 2}, stack:shape())
    same_matrix(stack[2]:totable(), matmul_ref(A, B))
    local bc = dc.tensor({{A}}):matmul(dc.tensor({B, B, B}))
    assert.same({1, 3, 3, 2}, bc:shape())
    same_matrix(dc.matmul(a, b):totable(), matmul_ref(A, B))
  end)
end)

describe('mv, dot, addmm', function()
  it('mv and dot', function()
    local A, v = rand_table(3, 4), {rnd(), rnd(), rnd(), rnd()}
    local r = dc.tensor(A):mv(dc.tensor(v))
    assert.same({3}, r:shape())
    local want = matmul_ref(A, transpose({v}))
    for i = 1, 3 do assert.is_true(math.abs(r[i] - want[i][1]) < 1e-5) end
    local d = dc.tensor(v):dot(dc.tensor(v))
    assert.equals('number', type(d))
    local s = 0
    for i = 1, 4 do s = s + v[i] * v[i] end
    assert.is_true(math.abs(d - s) < 1e-5)
    assert.is_true(math.abs(dc.dot(dc.tensor(v), dc.tensor(v)) - s) < 1e-5)
  end)

  it('addmm adds a broadcast bias, with alpha and beta', function()
    local A, B, bias = rand_table(2, 3), rand_table(3, 4), {1, 2, 3, 4}
    local c = dc.tensor(bias)
    local r = c:addmm(dc.tensor(A), dc.tensor(B))
    local p = matmul_ref(A, B)
    local want = {}
    for i = 1, 2 do
      want[i] = {}
      for j = 1, 4 do want[i][j] = p[i][j] + bias[j] end
    end
    same_matrix(r:totable(), want)
    local r2 = dc.addmm(c, dc.tensor(A), dc.tensor(B), {alpha = 2, beta = 0.5})
    for i = 1, 2 do for j = 1, 4 do want[i][j] = 2 * p[i][j] + 0.5 * bias[j] end end
    same_matrix(r2:totable(), want)
    assert.same({1, 2, 3, 4}, c:totable()) -- addmm leaves c alone
  end)

  it('addmm_ works in place and returns c', function()
    local A, B = rand_table(2, 3), rand_table(3, 4)
    local c = dc.ones(2, 4)
    local r = c:addmm_(dc.tensor(A), dc.tensor(B), {beta = 3})
    assert.equals(c, r)
    local p = matmul_ref(A, B)
    for i = 1, 2 do for j = 1, 4 do p[i][j] = p[i][j] + 3 end end
    same_matrix(c:totable(), p)
  end)
end)

describe('product errors', function()
  it('name the operation and both shapes', function()
    local a, b = dc.zeros(2, 3), dc.zeros(4, 5)
    fails('mm: size mismatch, a is float32 [2, 3] but b is float32 [4, 5]', a.mm, a, b)
    fails('mm: a is int64 [2, 3], but only float32 is supported', dc.mm,
      dc.zeros(2, 3, {dtype = 'int64'}), b)
    fails('mm: a must be 2-dimensional, got float32 [3]', dc.mm, dc.zeros(3), b)
    fails('bmm: batch sizes differ, a is float32 [2, 3, 4] but b is float32 [3, 4, 5]',
      dc.bmm, dc.zeros(2, 3, 4), dc.zeros(3, 4, 5))
    fails('matmul: batch dimensions do not broadcast', dc.matmul, dc.zeros(2, 3, 4),
      dc.zeros(3, 4, 5))
    fails('mv: size mismatch, a is float32 [2, 3] but v is float32 [4]', dc.mv, a, dc.zeros(4))
    fails('dot: size mismatch, a is float32 [3] but b is float32 [4]', dc.dot, dc.zeros(3),
      dc.zeros(4))
    fails('mm: out is float32 [2, 2] but float32 [2, 5] is needed', dc.mm, dc.zeros(2, 4), b,
      dc.zeros(2, 2))
    local x = dc.zeros(3, 3)
    fails('mm: out shares storage with a', dc.mm, x, dc.zeros(3, 3), x)
  end)

  it('reject unknown options and non-tensors', function()
    local c, a, b = dc.zeros(2, 2), dc.zeros(2, 3), dc.zeros(3, 2)
    fails("addmm: unknown option 'gamma' (valid: alpha, beta)", c.addmm, c, a, b, {gamma = 1})
    fails("addmm_: unknown option 'alhpa' (valid: alpha, beta)", c.addmm_, c, a, b, {alhpa = 1})
    fails('addmm: c is float32 [3] but a @ b is [2, 2]', dc.addmm, dc.zeros(3), a, b)
    fails('dclab.Tensor expected, got number', dc.mm, a, 3)
  end)
end)
