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
  describe('augmentations', function()
    it('have torchvision defaults and print them', function()
      assert.are.equal('RandomAffine(degrees={-10, 10}, translate={0, 0}, scale={1, 1}, '
        .. 'shear={0, 0, 0, 0}, nearest, fill={0})', tostring(T.RandomAffine(10)))
      assert.are.equal('RandomAffine(degrees={-5, 20}, translate={0.1, 0.2}, scale={0.9, 1.1}, '
        .. 'shear={-3, 3, 1, 2}, bilinear, fill={1, 2, 3})', tostring(T.RandomAffine({-5, 20},
        {translate = {0.1, 0.2}, scale = {0.9, 1.1}, shear = {-3, 3, 1, 2},
         interpolation = 'bilinear', fill = {1, 2, 3}})))
      assert.are.equal('RandomRotation(degrees={-30, 30}, nearest, fill={0})',
        tostring(T.RandomRotation(30)))
      assert.are.equal('GaussianBlur(kernel_size={3, 3}, sigma={0.1, 2})', tostring(T.GaussianBlur(3)))
      assert.are.equal('GaussianBlur(kernel_size={5, 3}, sigma={1.5, 1.5})',
        tostring(T.GaussianBlur({5, 3}, 1.5)))
      assert.are.equal('ColorJitter(brightness={0.6, 1.4}, contrast={0, 3}, saturation={1, 1}, '
        .. 'hue={-0.1, 0.1})', tostring(T.ColorJitter{brightness = 0.4, contrast = 2, hue = 0.1}))
      assert.are.equal('RandomGrayscale(0.1)', tostring(T.RandomGrayscale()))
      assert.are.equal('RandomSolarize(128, p=0.5)', tostring(T.RandomSolarize(128)))
      assert.are.equal('RandomErasing(p=0.5, scale={0.02, 0.33}, ratio={0.3, 3.3}, value={0})',
        tostring(T.RandomErasing()))
      assert.are.equal('RandomErasing(p=1, scale={0.02, 0.33}, ratio={0.3, 3.3}, value=random)',
        tostring(T.RandomErasing{p = 1, value = 'random'}))
      assert.are.equal('Compose(\n  RandomApply(p=0.8, the next 2),\n  RandomSolarize(128, p=0.5),'
        .. '\n  RandomHorizontalFlip(0.5),\n)', tostring(T.RandomApply({T.RandomSolarize(128),
        T.RandomHorizontalFlip()}, 0.8)))
    end)

    it('do what torchvision does at fixed parameters, on gray and colour images', function()
      local ds = coords()
      local v = function(x, y) return 10 * y + x end -- pixel (x, y), 1-based
      -- a half turn about the centre maps (x, y) to (7 - x, 5 - y) exactly
      local r = ds:get(1, T.RandomRotation({180, 180}))
      local s = ds:get(1, T.RandomSolarize(30, 1))
      local b = ds:get(1, T.ColorJitter{brightness = {2, 2}})
      for y = 1, 4 do
        for x = 1, 6 do
          assert.is_true(math.abs(r[1][y][x] - v(7 - x, 5 - y) / 255) < 1e-7)
          local want = v(x, y) >= 30 and 255 - v(x, y) or v(x, y)
          assert.is_true(math.abs(s[1][y][x] - want / 255) < 1e-7)
          assert.is_true(math.abs(b[1][y][x] - 2 * v(x, y) / 255) < 1e-7)
        end
      end
      -- contrast 0 on gray: every pixel the (truncated) mean, 28.5 -> 28
      local c = ds:get(1, T.ColorJitter{contrast = {0, 0}})
      assert.is_true(math.abs(c[1][2][3] - 28 / 255) < 1e-7 and c:max() == c:min())
      -- colour: RandomGrayscale(1) makes three equal channels; saturation 0 too
      local col = dc.data.tensor_dataset(dc.tensor({{{{10, 200}}, {{90, 30}}, {{250, 0}}}}, 'uint8'))
      for _, tf in ipairs{T.RandomGrayscale(1), T.ColorJitter{saturation = {0, 0}}} do
        local g = col:get(1, tf):totable()
        assert.are.same(g[1], g[2])
        assert.are.same(g[1], g[3])
      end
      -- RandomApply: p = 1 runs its transforms, p = 0 none
      local flipped = ds:get(1, T.RandomApply(T.RandomHorizontalFlip(1), 1))
      assert.is_true(math.abs(flipped[1][1][1] - v(6, 1) / 255) < 1e-7)
      assert.are.same(ds:get(1):float():div(255):totable(),
        ds:get(1, T.RandomApply(T.RandomHorizontalFlip(1), 0)):totable())
      -- hue on gray: unchanged; RandomErasing after Normalize writes its value as it is
      assert.are.same(ds:get(1):float():div(255):totable(),
        ds:get(1, T.ColorJitter{hue = 0.5, saturation = 0.9}, 3):totable())
      local e = ds:get(1, T.compose{T.Normalize(0.5, 0.5), T.RandomErasing{p = 1, value = 7,
        scale = {0.3, 0.3}, ratio = {1, 1}}}, 2)
      local n = 0
      for _, row in ipairs(e[1]:totable()) do
        for _, x in ipairs(row) do n = n + (x == 7 and 1 or 0) end
      end
      assert.are.equal(9, n) -- h = w = round(sqrt(0.3 * 24)) = 3: a 3 x 3 box
    end)

    it('keep sizes in the loader and draw per sample', function()
      local fm = dc.data.fashion_mnist{split = 'test'}:subset(8)
      local tf = T.compose{T.RandomAffine(15, {translate = {0.1, 0.1}, scale = {0.9, 1.1},
        shear = 8}), T.GaussianBlur(3), T.ColorJitter{brightness = 0.4, contrast = 0.4},
        T.RandomSolarize(128, 0.2), T.Normalize(0.286, 0.353), T.RandomErasing()}
      local x = dc.data.loader(fm, {batch = 8, transform = tf, seed = 1})()
      assert.are.same({8, 1, 28, 28}, x:shape())
      assert.are_not.same(fm:get(1, tf, 1):totable(), fm:get(1, tf, 2):totable())
    end)

    it('reject bad arguments naming the transform', function()
      errors_with('RandomAffine: degrees must be >= 0 when a single number, got -3',
        T.RandomAffine, -3)
      errors_with('RandomAffine: translate values must be in [0, 1], got 1.5', T.RandomAffine, 0,
        {translate = {1.5, 0}})
      errors_with("RandomAffine: interpolation must be 'nearest' or 'bilinear', got bicubic",
        T.RandomAffine, 0, {interpolation = 'bicubic'})
      errors_with('RandomAffine: fill must be pixel values in 0..255, got 300', T.RandomAffine, 0,
        {fill = 300})
      errors_with("RandomAffine: unknown option 'shears'", T.RandomAffine, 0, {shears = 2})
      errors_with('RandomRotation: degrees must be {lo, hi} with lo <= hi, got {5, 1}',
        T.RandomRotation, {5, 1})
      errors_with('GaussianBlur: kernel_size must be odd and positive, got 4', T.GaussianBlur, 4)
      errors_with('GaussianBlur: sigma must be positive', T.GaussianBlur, 3, {0, 1})
      errors_with('ColorJitter: hue must be in [-0.5, 0.5], got {-0.7, 0.7}', T.ColorJitter,
        {hue = 0.7})
      errors_with('ColorJitter: brightness must be >= 0 when a single number, got -1',
        T.ColorJitter, {brightness = -1})
      errors_with('RandomGrayscale: p must be a number in [0, 1], got 2', T.RandomGrayscale, 2)
      errors_with('RandomSolarize: threshold must be a number (pixel value), got nil',
        T.RandomSolarize)
      errors_with('RandomErasing: scale must satisfy 0 <= lo <= hi <= 1, got {0.5, 2}',
        T.RandomErasing, {scale = {0.5, 2}})
      errors_with('RandomErasing: ratio must satisfy 0 < lo <= hi, got {0, 1}', T.RandomErasing,
        {ratio = {0, 1}})
      errors_with('comes after RandomErasing', coords().get, coords(), 1,
        T.compose{T.RandomErasing(), T.Normalize(0.5, 0.5)})
      errors_with('RandomApply: expected a transform or a non-empty list of transforms',
        T.RandomApply, {})
      errors_with('RandomApply: item 2 is not a transform (string)', T.RandomApply,
        {T.RandomGrayscale(), 'x'})
      errors_with('RandomApply: p must be a number in [0, 1], got 3', T.RandomApply,
        T.RandomGrayscale(), 3)
      errors_with('changes the image\'s shape inside a RandomApply', coords().get, coords(), 1,
        T.RandomApply(T.CenterCrop(2)))
      errors_with('3 values for 1-channel images', coords().get, coords(), 1,
        T.RandomErasing{value = {1, 2, 3}})
    end)
  end)
end)
