-- Datasets from Lua: IDX files, Fashion-MNIST, subsets, JPEG export and image folders.
local dc = require 'dclab'

local errors_with = require('spec_helpers').errors_with

local function tempdir()
  local p = os.tmpname()
  os.remove(p)
  assert(os.execute('mkdir -p ' .. p))
  return p
end

local function write(path, bytes)
  local f = assert(io.open(path, 'wb'))
  f:write(bytes)
  f:close()
end

describe('dc.data.read_idx', function()
  it('reads images as uint8 [N, 1, H, W] and labels as int64', function()
    local dir = tempdir()
    finally(function() os.execute('rm -rf ' .. dir) end)
    write(dir .. '/im.idx', '\0\0\8\3\0\0\0\2\0\0\0\1\0\0\0\3' .. '\1\2\3\4\5\255')
    write(dir .. '/lb.idx', '\0\0\8\1\0\0\0\3' .. '\7\0\9')
    local im, lb = dc.data.read_idx(dir .. '/im.idx'), dc.data.read_idx(dir .. '/lb.idx')
    assert.are.same({2, 1, 1, 3}, im:shape())
    assert.are.equal('uint8', im:dtype())
    assert.are.same({{{{1, 2, 3}}}, {{{4, 5, 255}}}}, im:totable())
    assert.are.equal('int64', lb:dtype())
    assert.are.same({7, 0, 9}, lb:totable())
  end)

  it('names the file and the problem', function()
    local dir = tempdir()
    finally(function() os.execute('rm -rf ' .. dir) end)
    write(dir .. '/cut.idx', '\0\0\8\3\0\0\0\2\0\0\0\1\0\0\0\3' .. '\1\2\3')
    errors_with(dir .. '/cut.idx: truncated file: 3 bytes missing from the data',
      dc.data.read_idx, dir .. '/cut.idx')
    write(dir .. '/bad.idx', 'PK\3\4 not idx at all')
    errors_with('not an IDX file', dc.data.read_idx, dir .. '/bad.idx')
    errors_with('/no/such.idx: No such file or directory', dc.data.read_idx, '/no/such.idx')
  end)
end)

describe('dc.data.fashion_mnist', function()
  local train = dc.data.fashion_mnist{split = 'train'}

  it('has 60000 / 10000 images with their known first labels (1-based)', function()
    assert.are.equal(60000, #train)
    assert.are.same({60000, 1, 28, 28}, train.desc.images:shape())
    assert.are.equal('uint8', train.desc.images:dtype())
    assert.are.same({10, 1, 1, 4, 1, 3, 8, 3, 6, 6}, train.labels:narrow(1, 1, 10):totable())
    local test = dc.data.fashion_mnist{split = 'test'}
    assert.are.equal(10000, #test)
    assert.are.same({10, 3, 2, 2, 7}, test.labels:narrow(1, 1, 5):totable())
    assert.are.equal('Ankle boot', train.classes[10])
    assert.truthy(tostring(train):find('fashion_mnist/train: 60000 images (1x28x28), 10 classes',
      1, true))
  end)

  it('gives one image and its label with get', function()
    local im, label = train:get(1)
    assert.are.same({1, 28, 28}, im:shape())
    assert.are.equal('uint8', im:dtype())
    assert.are.equal(10, label)
    local s = 0
    for _, row in ipairs(im:totable()[1]) do for _, v in ipairs(row) do s = s + v end end
    assert.are.equal(76247, s) -- from Python's gzip module
    errors_with('get: index 60001 out of range 1..60000', train.get, train, 60001)
  end)

  it("joins both files for split = 'all'", function()
    local all = dc.data.fashion_mnist{split = 'all'}
    assert.are.equal(70000, #all)
    assert.are.equal(10, all.labels[60001]) -- the first test label
  end)

  it('rejects unknown splits and options', function()
    errors_with("split must be 'train', 'test' or 'all', got val", dc.data.fashion_mnist,
      {split = 'val'})
    errors_with("fashion_mnist: unknown option 'splits'", dc.data.fashion_mnist, {splits = 'train'})
    errors_with('not found', dc.data.fashion_mnist, {root = '/nonexistent'})
  end)

  it('makes subsets of the first n or of given indices, with their labels', function()
    local s = train:subset(100)
    assert.are.equal(100, #s)
    assert.are.same(train.labels:narrow(1, 1, 100):totable(), s.labels:totable())
    local t = train:subset({5, 1, 5})
    assert.are.same({1, 10, 1}, t.labels:totable())
    local u = t:subset(dc.tensor({3, 2}, 'int64')) -- a subset of a subset
    assert.are.same({1, 10}, u.labels:totable())
    assert.are.same(train:get(5):totable(), u:get(1):totable())
    errors_with('subset: 70000 samples asked of a dataset of 60000', train.subset, train, 70000)
    errors_with('out of range', train.subset, train, {0})
  end)
end)

describe('dc.data.export_jpeg and dc.data.image_folder', function()
  it('round-trips labels, order and pixels through a class-folder tree', function()
    local dir = tempdir()
    finally(function() os.execute('rm -rf ' .. dir) end)
    local ds = dc.data.fashion_mnist{split = 'test'}:subset(60)
    assert.are.equal(60, dc.data.export_jpeg(ds, dir, {quality = 95}))
    local f = io.open(dir .. '/10_Ankle_boot/01.jpg', 'rb')
    assert.truthy(f, 'the first test image is an ankle boot, exported as 10_Ankle_boot/01.jpg')
    f:close()
    local back = dc.data.image_folder{root = dir, gray = true}
    assert.are.equal(60, #back)
    assert.are.equal('01_T-shirt_top', back.classes[1])
    -- same label multiset; within a class the same order
    local want, got = {}, {}
    for i = 1, 60 do
      want[#want + 1] = ds.labels[i]
      got[#got + 1] = back.labels[i]
    end
    table.sort(want)
    assert.are.same(want, got)
    local im, label = back:get(1)
    assert.are.same({1, 28, 28}, im:shape())
    assert.are.equal(1, label)
    local rgb = dc.data.image_folder{root = dir}
    assert.are.same({3, 28, 28}, rgb:get(1):shape())
  end)

  it('resizes on export and reads flat folders and file lists', function()
    local dir = tempdir()
    finally(function() os.execute('rm -rf ' .. dir) end)
    local ds = dc.data.fashion_mnist{split = 'test'}:subset(3)
    dc.data.export_jpeg(ds, dir, {size = 56})
    local back = dc.data.image_folder{root = dir}
    assert.are.same({3, 56, 56}, back:get(1):shape())
    local flat = dc.data.image_folder{root = dir .. '/10_Ankle_boot', layout = 'flat'}
    assert.are.equal(1, #flat)
    assert.is_nil(flat.labels)
    write(dir .. '/list.txt', '10_Ankle_boot/1.jpg\tboot\n03_Pullover/2.jpg\tpullover\n')
    local listed = dc.data.image_folder{list = dir .. '/list.txt'}
    assert.are.same({'boot', 'pullover'}, listed.classes)
    assert.are.same({1, 2}, listed.labels:totable())
  end)

  it('names what is wrong', function()
    errors_with('/nonexistent/x: No such file or directory', dc.data.image_folder,
      {root = '/nonexistent/x'})
    errors_with('image_folder: root or list is required', dc.data.image_folder, {})
    errors_with("on_error must be 'skip' or 'error'", dc.data.image_folder,
      {root = '/tmp', on_error = 'ignore'})
    errors_with("export_jpeg: unknown option 'qualty'", dc.data.export_jpeg,
      dc.data.fashion_mnist{split = 'test'}, '/tmp/x', {qualty = 3})
  end)
end)
