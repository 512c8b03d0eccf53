-- dc.report.plot's ranges and chance lines, dc.report.run / run:report(), and the contact
-- sheet with its built-in font (dc.image.text, dc.image.text_mask, dc.image.contact_sheet).
local dc = require 'dclab'
local h = require 'spec_helpers'
local errors_with = h.errors_with

local function png_size(path)
  local b = h.read_file(path)
  assert.are.equal('\137PNG', b:sub(1, 4))
  local w, ht = string.unpack('>I4>I4', b, 17)
  return w, ht
end

-- Runs a Lua script in a fresh lua5.4 (env: a prefix such as 'PATH=/x'); all it printed.
local function run_script(dir, source, env)
  local script = dir .. '/s.lua'
  h.write_file(script, "package.path = './lua/?.lua;./lua/?/init.lua;' .. package.path\n" ..
    "package.cpath = 'build/lib/?.so;' .. package.cpath\nlocal dc = require 'dclab'\n" .. source)
  local p = io.popen('env ' .. (env or '') .. ' DCLAB_BUILD=build /usr/bin/lua5.4 ' .. script .. ' 2>&1')
  local said = p:read('a')
  assert.is_true(p:close(), said)
  return said
end

describe('dc.image.text', function()
  it('draws the 5x7 glyphs, upper case, unknown characters as ?', function()
    local one = {{0, 0, 1, 0, 0}, {0, 1, 1, 0, 0}, {0, 0, 1, 0, 0}, {0, 0, 1, 0, 0},
      {0, 0, 1, 0, 0}, {0, 0, 1, 0, 0}, {0, 1, 1, 1, 0}}
    assert.are.same(one, dc.image.text_mask('1'):totable())
    local m = dc.image.text_mask('a1'):totable()
    assert.are.equal(11, #m[1])
    for r = 1, 7 do
      assert.are.equal(0, m[r][6]) -- the blank column between glyphs
      for c = 1, 5 do assert.are.equal(one[r][c], m[r][6 + c]) end
    end
    assert.are.same(dc.image.text_mask('A'):totable(), dc.image.text_mask('a'):totable())
    assert.are.same(dc.image.text_mask('?'):totable(), dc.image.text_mask('~'):totable())
    errors_with('image.text_mask: expected a non-empty string', dc.image.text_mask, '')
  end)

  it('writes into every channel at (x, y), cut at the edge', function()
    local img = dc.zeros(3, 10, 8)
    dc.image.text(img, '11', {x = 3, y = 2, value = 0.5})
    local one = dc.image.text_mask('1')
    for c = 1, 3 do
      assert.are.same((one * 0.5):totable(), img[c]:narrow(1, 2, 7):narrow(2, 3, 5):totable())
      assert.are.equal(0, img[c]:narrow(1, 1, 1):sum()) -- row above untouched
    end
    -- the second glyph starts at column 3 + 6 = 9, outside the 8 columns
    assert.are.equal(one:sum() * 0.5 * 3, img:sum())
    errors_with('image.text: img must be a float32 tensor [C, H, W]', dc.image.text, dc.zeros(4, 4), 'x')
    errors_with("image.text: option 'x' must be >= 1, got 0", dc.image.text, img, 'x', {x = 0})
    errors_with("image.text: unknown option 'colour'", dc.image.text, img, 'x', {colour = 1})
  end)
end)

describe('dc.image.contact_sheet', function()
  local data = dc.data.fashion_mnist{split = 'test'}:subset(120)

  it('one tile per cluster, largest first, with size, majority label and purity', function()
    -- clusters: the labels, except that cluster 3 also takes every image of label 5
    local assign = data.labels:clone()
    local l5 = 0
    for i = 1, #data do
      if data.labels[i] == 5 then assign[i], l5 = 3, l5 + 1 end
    end
    local sheet, rows = dc.image.contact_sheet(data, assign, {clusters = 4, nrow = 2})
    local sizes = dc.bincount(assign)
    assert.are.equal(4, #rows)
    for i, r in ipairs(rows) do
      assert.are.equal(sizes[r.id], r.size)
      if i > 1 then assert.is_true(rows[i - 1].size >= r.size) end
      if r.id ~= 3 then
        assert.are.equal(data.classes[r.id], r.label)
        assert.are.equal(1, r.purity)
      end
    end
    local n3 = sizes[3]
    if n3 >= 4 and rows[1].id == 3 then -- cluster 3 is the largest here: check its purity
      local own = n3 - l5
      assert.are.equal(math.max(own, l5) / n3, rows[1].purity)
    end
    -- 2 x 2 tiles of a 4 x 4 grid of 28 x 28 images (padding 2) under a 20-pixel strip
    local tile_h, tile_w = 20 + 4 * 30 + 2, 4 * 30 + 2
    assert.are.same({1, 2 * tile_h + 3 * 6, 2 * tile_w + 3 * 6}, sheet:shape())
    -- the label strip holds the text "#id N=size" in black on white
    local strip = sheet[1]:narrow(1, 6 + 2, 7):narrow(2, 6 + 2, 6 * 8 - 1)
    local want = dc.image.text_mask(string.format('#%d N=%d', rows[1].id, rows[1].size))
    local w = want:size(2)
    assert.are.same((1 - want):totable(), strip:narrow(2, 1, math.min(w, strip:size(2))):totable())
  end)

  it('writes a JPEG and checks its arguments', function()
    local dir = h.tmpdir()
    dc.image.contact_sheet(data, data.labels:clone(), {path = dir .. '/c.jpg'})
    assert.are.equal('\255\216\255', h.read_file(dir .. '/c.jpg'):sub(1, 3))
    errors_with('image.contact_sheet: assign must be int64 [120]', dc.image.contact_sheet, data,
      dc.ones(120))
    errors_with('image.contact_sheet: argument 1 must be a dataset', dc.image.contact_sheet, {},
      data.labels)
    os.execute('rm -rf ' .. dir)
  end)
end)

describe('dc.report.plot', function()
  it('draws one point, chance lines and a fixed y range, and says nothing on the terminal', function()
    local dir = h.tmpdir()
    local said = run_script(dir, string.format([[
      assert(dc.report.plot{path = '%s/one.png', series = {{name = 'loss', x = {1}, y = {4.6}}},
        yrange = {0, 5}, hlines = {{y = 4.6, name = 'chance'}}})
      assert(dc.report.plot{path = '%s/gap.png', title = 'two\nlines', series = {{name = 'a', x = {1, 2},
        y = {0 / 0, 1}}, {name = 'none', x = {1}, y = {nil}}}})
    ]], dir, dir))
    assert.are.equal('', said)
    assert.are.same({800, 500}, {png_size(dir .. '/one.png')})
    assert.are.same({800, 500}, {png_size(dir .. '/gap.png')})
    local ok, err = dc.report.plot{path = dir .. '/x.png', series = {{name = 'a', x = {1}, y = {0 / 0}}}}
    assert.is_nil(ok)
    assert.truthy(err:find('no finite point', 1, true))
    -- without gnuplot: a message, not a crash or a shell complaint on the terminal
    said = run_script(dir, string.format([[
      print(select(2, dc.report.plot{path = '%s/y.png', series = {{name = 'a', x = {1}, y = {1}}}}))
    ]], dir), 'PATH=/nonexistent')
    assert.are.equal('gnuplot not found (install gnuplot-nox)\n', said)
    errors_with('report.plot: yrange must be {lo, hi} with lo < hi', dc.report.plot,
      {path = 'x.png', series = {}, yrange = {1, 0}})
    errors_with('report.plot: hlines must be {{y = <finite number>', dc.report.plot,
      {path = dir .. '/z.png', series = {{name = 'a', x = {1}, y = {1}}}, hlines = {{y = 0 / 0}}})
    os.execute('rm -rf ' .. dir)
  end)
end)

describe('dc.report.run and run:report()', function()
  it('writes nmi.png, loss.png, clusters.jpg and results.md for a one-epoch run', function()
    local out = h.tmpdir()
    local data = dc.data.fashion_mnist{split = 'train'}:subset(200)
    local run = dc.deepcluster{model = dc.models.small{sobel = true, generator = dc.Generator(1)},
      data = data, k = 8, epochs = 1, batch = 50, out = out, verbose = false, threads = 1,
      preprocess = {pca = 16, whiten = true, l2 = true}}
    errors_with('report.run: no epoch in ' .. out .. '/log.jsonl yet', run.report, run)
    run:fit()
    local path, text = run:report{title = 'Tiny', clusters = 3}
    assert.are.equal(out .. '/results.md', path)
    assert.are.equal(text, h.read_file(path))
    png_size(out .. '/nmi.png')
    png_size(out .. '/loss.png')
    assert.are.equal('\255\216\255', h.read_file(out .. '/clusters.jpg'):sub(1, 3))
    assert.truthy(text:find('# Tiny\n', 1, true))
    local s = dc.deepcluster_log(out)[1]
    assert.truthy(text:find(string.format('| 1 | %.4f |', s.loss), 1, true))
    -- the three largest clusters, with sizes and purities computed here
    local sizes = dc.bincount(run.prev_assign, {minlength = 8})
    local _, order = sizes:sort(1, true)
    for rank = 1, 3 do
      local c = order[rank]
      local counts = {}
      for i = 1, #data do
        if run.prev_assign[i] == c then
          local l = data.labels[i]
          counts[l] = (counts[l] or 0) + 1
        end
      end
      local best = 0
      for _, n in pairs(counts) do best = math.max(best, n) end
      assert.truthy(text:find(string.format('| %d | %d | [^|]+ | %.2f |', c, sizes[c], best / sizes[c])),
        'cluster ' .. c)
    end
    errors_with("report.run: unknown option 'bogus'", run.report, run, {bogus = 1})
    local bare = dc.deepcluster{model = dc.models.small{}, data = data, k = 8, verbose = false}
    errors_with('report.run: the run has no out folder', bare.report, bare)
    errors_with('report.run: argument 1 must be a dc.deepcluster run', dc.report.run, {})
    os.execute('rm -rf ' .. out)
  end)
end)
