-- dc.transforms: torchvision names and defaults, printing, errors, and what they do to a
-- sample (through ds:get(i, transform, seed)).
local dc = require 'dclab'
local T = dc.transforms

local errors_with = require('spec_helpers').errors_with

-- a 1 x 4 x 6 image whose pixel (y, x) is 10 y + x
local function coords()
  local rows = {}
  for y = 1, 4 do
    rows[y] = {}
    for x = 1, 6 do rows[y][x] = 10 * y + x end
  end
  return dc.data.tensor_dataset(dc.tensor({{rows}}, 'uint8'))
end

describe('dc.transforms', function()
  it('has torchvision defaults and prints them', function()
    assert.are.equal('RandomResizedCrop(224, scale={0.08, 1}, ratio={0.75, 1.33333})',
      tostring(T.RandomResizedCrop(224)))
    assert.are.equal('RandomHorizontalFlip(0.5)', tostring(T.RandomHorizontalFlip()))
    assert.are.equal('RandomCrop(28, pad=0)', tostring(T.RandomCrop(28)))
    assert.are.equal('Grayscale(1)', tostring(T.Grayscale()))
    assert.are.equal('Resize({30, 40})', tostring(T.Resize({30, 40})))
    local c = T.compose{T.Resize(256), T.compose{T.CenterCrop(224), T.ToFloat()}}
    assert.are.equal(3, #c:spec())
    assert.are.equal('Compose(\n  Resize(256),\n  CenterCrop(224),\n  ToFloat(),\n)', tostring(c))
  end)

  it('crops, flips and normalizes as computed by hand', function()
    local ds = coords()
    local x = ds:get(1, T.CenterCrop({2, 4}))
    -- top = round((4 - 2) / 2) = 1, left = round((6 - 4) / 2) = 1
    assert.are.same({1, 2, 4}, x:shape())
    for y = 1, 2 do
      for i = 1, 4 do assert.is_true(math.abs(x[1][y][i] - (10 * (y + 1) + i + 1) / 255) < 1e-7) end
    end
    local f = ds:get(1, T.compose{T.RandomHorizontalFlip(1), T.Normalize(0.5, 0.25)})
    assert.is_true(math.abs(f[1][1][1] - ((16 / 255) - 0.5) / 0.25) < 1e-6)
    assert.is_true(math.abs(f[1][4][6] - ((41 / 255) - 0.5) / 0.25) < 1e-6)
    local same = ds:get(1, T.RandomHorizontalFlip(0))
    assert.is_true(math.abs(same[1][1][1] - 11 / 255) < 1e-7)
  end)

  it('pads RandomCrop with zeros and draws the offset from the seed', function()
    local ds = coords()
    local seen = {}
    for seed = 1, 60 do
      local x = ds:get(1, T.RandomCrop({4, 6}, {pad = 1}), seed)
      seen[tostring(x[1][2][2])] = true
      assert.are.same(ds:get(1, T.RandomCrop({4, 6}, {pad = 1}), seed):totable(), x:totable())
    end
    local n = 0
    for _ in pairs(seen) do n = n + 1 end
    assert.are.equal(9, n) -- every one of the 3 x 3 offsets
  end)

  it('resizes the shorter side and makes RandomResizedCrop outputs of the asked size', function()
    local fm = dc.data.fashion_mnist{split = 'test'}
    assert.are.same({1, 56, 56}, fm:get(1, T.Resize(56)):shape())
    assert.are.same({1, 20, 30}, fm:get(1, T.RandomResizedCrop({20, 30}), 7):shape())
    assert.are.same({3, 28, 28}, fm:get(1, T.Grayscale(3)):shape())
  end)

  it('rejects bad arguments naming the transform', function()
    errors_with('RandomCrop: size must be a positive integer, got -1', T.RandomCrop, -1)
    errors_with("RandomCrop: unknown option 'padding' (valid: pad)", T.RandomCrop, 28,
      {padding = 2})
    errors_with('RandomHorizontalFlip: p must be a number in [0, 1], got 2',
      T.RandomHorizontalFlip, 2)
    errors_with('Normalize: std must be a list of 3 numbers', T.Normalize, {1, 2, 3}, {1})
    errors_with('Normalize: std[1] is 0', T.Normalize, 0.5, 0)
    errors_with('Grayscale: num_output_channels must be 1 or 3', T.Grayscale, 2)
    errors_with('compose: item 2 is not a transform', T.compose, {T.ToFloat(), 'x'})
    errors_with('scale must satisfy 0 < lo <= hi <= 1', coords().get, coords(), 1,
      T.RandomResizedCrop(2, {scale = {0.5, 0.2}}))
  end)
end)
