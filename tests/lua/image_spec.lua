-- dc.image: JPEG save and load, expected failures as nil + message, mosaics.
local dc = require 'dclab'

local errors_with = require('spec_helpers').errors_with

local function tmp(name)
  local p = os.tmpname()
  os.remove(p)
  return p .. name
end

describe('dc.image', function()
  it('saves and loads JPEGs close to the original', function()
    local path = tmp('.jpg')
    local t = dc.full({3, 16, 24}, 0.5)
    t[1]:fill(0.9)
    dc.image.save(t, path, {quality = 95})
    local back = assert(dc.image.load(path))
    assert.are.same({3, 16, 24}, back:shape())
    assert.are.equal('float32', back:dtype())
    assert.is_true(math.abs(back[1][8][12] - 0.9) < 0.03)
    assert.is_true(math.abs(back[3][8][12] - 0.5) < 0.03)
    local gray = assert(dc.image.load(path, {gray = true}))
    assert.are.same({1, 16, 24}, gray:shape())
    os.remove(path)
  end)

  it('returns nil and a message for missing or corrupt files', function()
    local im, msg = dc.image.load('/nonexistent.jpg')
    assert.is_nil(im)
    assert.truthy(msg:find('/nonexistent.jpg: No such file or directory', 1, true))
    local path = tmp('.jpg')
    local f = assert(io.open(path, 'wb'))
    f:write('GIF89a')
    f:close()
    im, msg = dc.image.load(path)
    assert.is_nil(im)
    assert.truthy(msg:find(path .. ': not a JPEG file', 1, true))
    os.remove(path)
  end)

  it('builds mosaics like make_grid and writes them', function()
    local images = dc.zeros(5, 1, 4, 3)
    for i = 1, 5 do images[i]:fill(i / 5) end
    local grid = dc.image.mosaic(images, {nrow = 2, padding = 1})
    -- 3 rows of 2: (4 + 1) * 3 + 1 high, (3 + 1) * 2 + 1 wide
    assert.are.same({1, 16, 9}, grid:shape())
    assert.are.equal(0, grid[1][1][1])
    assert.is_true(math.abs(grid[1][2][2] - 0.2) < 1e-6)
    assert.is_true(math.abs(grid[1][7][6] - 0.8) < 1e-6) -- image 4: row 2, column 2
    local path = tmp('.jpg')
    local g = dc.image.mosaic(images * 10, {nrow = 3, normalize = true, path = path})
    -- normalized by the min 2 and max 10 of all images: image 2 (value 4) becomes 0.25
    assert.is_true(math.abs(g[1][3][3] - 0.0) < 1e-6 and math.abs(g[1][3][8] - 0.25) < 1e-5)
    local back = assert(dc.image.load(path, {gray = true}))
    assert.are.same(g:shape(), back:shape())
    os.remove(path)
  end)

  it('rejects misuse', function()
    errors_with('only JPEG files are written', dc.image.save, dc.zeros(1, 2, 2), '/tmp/x.png')
    local img = dc.zeros(1, 2, 2)
    errors_with('quality must be an integer in 1..100, got 0', dc.image.save, img, '/tmp/x.jpg',
      {quality = 0})
    errors_with('expected an image [C, H, W] with C = 1 or 3', dc.image.save, dc.zeros(2, 2, 2),
      '/tmp/x.jpg')
    errors_with("image.mosaic: unknown option 'rows'", dc.image.mosaic, dc.zeros(1, 1, 2, 2),
      {rows = 2})
    errors_with('mosaic: expected float32 or uint8 images [N, C, H, W]', dc.image.mosaic,
      dc.zeros(2, 2))
    errors_with('/nonexistent/dir/x.jpg: No such file or directory', dc.image.save, img,
      '/nonexistent/dir/x.jpg')
  end)
end)
