-- The threaded loader from Lua: batches, determinism across thread counts, early exits,
-- resets, corrupt files under both policies, option errors.
local dc = require 'dclab'
local T = dc.transforms

local errors_with = require('spec_helpers').errors_with

local fm = dc.data.fashion_mnist{split = 'test'}
local augment = T.compose{T.RandomCrop(28, {pad = 2}), T.RandomHorizontalFlip(0.5),
  T.Normalize({0.286}, {0.353})}

-- every batch of a pass, as plain tables
local function collect(loader)
  local xs, ys, ids = {}, {}, {}
  for x, y, idx in loader do
    xs[#xs + 1] = x:totable()
    ys[#ys + 1] = y:totable()
    ids[#ids + 1] = idx:totable()
  end
  return xs, ys, ids
end

describe('dc.data.loader', function()
  it('gives float32 [B, C, H, W] batches, labels and 1-based ids in order', function()
    local loader = dc.data.loader(fm:subset(10), {batch = 4})
    assert.are.equal(3, #loader)
    local sizes, first = {}, nil
    for x, y, idx in loader do
      sizes[#sizes + 1] = x:size(1)
      assert.are.equal('float32', x:dtype())
      assert.are.same({x:size(1), 1, 28, 28}, x:shape())
      first = first or {x:clone(), y:totable(), idx:totable()}
    end
    assert.are.same({4, 4, 2}, sizes)
    assert.are.same({10, 3, 2, 2}, first[2])
    assert.are.same({1, 2, 3, 4}, first[3])
    -- no transform: pixels / 255
    local im = fm:get(1)
    assert.is_true(math.abs(im[1][15][15] / 255 - first[1][1][1][15][15]) < 1e-7)
    assert.are.equal(0, dc.data.threads_alive())
  end)

  it('gives the same batches with 1 and 2 threads, other ones for another epoch', function()
    local order = {}
    for i = 1, 300 do order[i] = (i * 37) % 1000 + 1 end
    local opts = {batch = 64, transform = augment, order = order, seed = 3, epoch = 2}
    local a = {collect(dc.data.loader(fm, opts))}
    opts.threads = 2
    local b = {collect(dc.data.loader(fm, opts))}
    assert.are.same(a, b)
    assert.are.equal(5, #a[1])
    assert.are.same(order[65], a[3][2][1])
    opts.epoch = 3
    local c = {collect(dc.data.loader(fm, opts))}
    assert.are_not.same(a[1], c[1])
    assert.are.same(a[3], c[3])
  end)

  it('stops its workers when a loop over iter() is left by break', function()
    local loader = dc.data.loader(fm, {batch = 32, transform = augment, threads = 2, prefetch = 3})
    local n = 0
    for x in loader:iter() do
      n = n + 1
      assert.are.equal(2, dc.data.threads_alive()) -- both workers busy mid-pass
      if n == 3 then break end
    end
    assert.are.equal(0, dc.data.threads_alive())
    -- and starts again from the beginning
    local x, _, idx = loader()
    assert.are.equal(1, idx[1])
    loader:close()
    assert.are.equal(0, dc.data.threads_alive())
    errors_with('attempt to use a closed loader', loader)
  end)

  it('leaves no thread and frees its buffers when closed after a break', function()
    collectgarbage()
    local before = dc.memory().bytes
    do
      local loader <close> = dc.data.loader(fm, {batch = 128, threads = 2})
      for x in loader do break end
    end
    collectgarbage()
    assert.are.equal(0, dc.data.threads_alive())
    assert.are.equal(before, dc.memory().bytes)
  end)

  it('starts new passes with reset, keeping its buffers', function()
    local loader = dc.data.loader(fm:subset(20), {batch = 8, transform = augment})
    assert.are.equal(1, loader.epoch) -- the core's default: epochs count from 1
    local first = {collect(loader)}
    loader:reset{epoch = 1}
    assert.are.same(first, {collect(loader)})
    loader:reset{epoch = 2, order = {3, 3, 3}}
    local xs, ys, ids = collect(loader)
    assert.are.same({{3, 3, 3}}, ids)
  end)

  it('skips unreadable images (reported once) or stops at them, naming the file', function()
    local dir = os.tmpname()
    os.remove(dir)
    finally(function() os.execute('rm -rf ' .. dir) end)
    dc.data.export_jpeg(fm:subset(6), dir)
    local bad = dir .. '/03_Pullover/2.jpg' -- test image 2 is a pullover
    local f = assert(io.open(bad, 'wb'))
    f:write('\255\216\255 broken')
    f:close()
    local ds = dc.data.image_folder{root = dir, gray = true}
    errors_with('images vary in size and the transform does not fix it', dc.data.loader, ds)
    local loader = dc.data.loader(ds, {batch = 4, transform = T.CenterCrop(28)})
    local n = 0
    for x, y, idx in loader do n = n + x:size(1) end
    assert.are.equal(5, n)
    local count, report = loader:skipped()
    assert.are.equal(1, count)
    assert.truthy(report:find(bad, 1, true))
    local strict = dc.data.loader(ds, {batch = 4, on_error = 'error', transform = T.CenterCrop(28)})
    errors_with(bad .. ': ', function() for _ in strict do end end)
    assert.are.equal(0, dc.data.threads_alive())
    errors_with('stopped after an error', strict)
  end)

  describe('with views (multi-crop)', function()
    local function crop(size) return T.compose{T.RandomResizedCrop(size), T.RandomHorizontalFlip(),
      T.Normalize({0.286}, {0.353})} end
    local views = {crop(28), crop(28), crop(16), crop(16), crop(16), crop(16)}

    -- every batch of a pass: per batch {view tables}, ids
    local function collect_views(loader)
      local out, ids = {}, {}
      for xs, y, idx in loader do
        local b = {}
        for v, x in ipairs(xs) do b[v] = x:totable() end
        out[#out + 1] = b
        ids[#ids + 1] = idx:totable()
      end
      return out, ids
    end

    it('gives a list of views of the same images, sized per view', function()
      local loader = dc.data.loader(fm:subset(10), {batch = 4, views = views, seed = 2})
      assert.are.equal(6, loader.views)
      assert.are.same({{1, 28, 28}, {1, 28, 28}, {1, 16, 16}, {1, 16, 16}, {1, 16, 16},
        {1, 16, 16}}, loader:item_shape())
      assert.truthy(tostring(loader):find('3 batches of views [1, 28, 28], [1, 28, 28], [1, 16, 16]',
        1, true))
      local sizes, table_seen = {}, nil
      for xs, y, idx in loader do
        table_seen = table_seen or xs
        assert.are.equal(table_seen, xs) -- the same list (and tensors) every batch
        assert.are.equal(6, #xs)
        for v, x in ipairs(xs) do
          local s = v <= 2 and 28 or 16
          assert.are.same({idx:size(1), 1, s, s}, x:shape())
        end
        sizes[#sizes + 1] = idx:size(1)
      end
      assert.are.same({4, 4, 2}, sizes)
    end)

    it('is the same with 1 and 2 threads; view v of image i is its transform on its stream',
      function()
        local order = {}
        for i = 1, 100 do order[i] = (i * 37) % 1000 + 1 end
        local opts = {batch = 32, views = views, order = order, seed = 3, epoch = 2}
        local a = {collect_views(dc.data.loader(fm, opts))}
        opts.threads = 2
        assert.are.same(a, {collect_views(dc.data.loader(fm, opts))})
        assert.are_not.same(a[1][1][1], a[1][1][2]) -- two 28-crops of an image differ
        -- ds:get(i, tf, seed, v) draws from view v's stream of sample i of an epoch-0 pass
        local sub = fm:subset(order)
        local loader = dc.data.loader(sub, {batch = 100, views = views, seed = 3, epoch = 0})
        local xs = loader()
        for _, i in ipairs({1, 50, 100}) do
          for v = 1, 6 do
            assert.are.same(sub:get(i, views[v], 3, v):totable(), xs[v][i]:totable())
          end
        end
      end)

    it('rejects views with transform, empty or bad views, too many', function()
      errors_with('loader: transform and views are exclusive', dc.data.loader, fm,
        {transform = views[1], views = views})
      errors_with('loader: views must be a non-empty list of transforms', dc.data.loader, fm,
        {views = {}})
      errors_with('loader: views[2] must be a dc.transforms transform', dc.data.loader, fm,
        {views = {views[1], 'crop'}})
      local many = {}
      for v = 1, 17 do many[v] = views[1] end
      errors_with('loader: views must hold 1 to 16 transforms, got 17', dc.data.loader, fm,
        {views = many})
      errors_with('loader: view 2: transform 1 (Normalize): 3 mean/std values for 1-channel',
        dc.data.loader, fm, {views = {views[1], T.Normalize({0.1, 0.2, 0.3}, {1, 1, 1})}})
      errors_with('get: view must be a positive integer, got 0', fm.get, fm, 1, views[1], 1, 0)
    end)
  end)

  it('rejects bad options with clear messages', function()
    errors_with("loader: unknown option 'bacth'", dc.data.loader, fm, {bacth = 4})
    errors_with('loader: argument 1 must be a dataset', dc.data.loader, {}, {})
    errors_with('loader: batch must be >= 1, got 0', dc.data.loader, fm, {batch = 0})
    errors_with('order[2] = 10001 is outside the dataset (1..10000)', dc.data.loader, fm,
      {order = {1, 10001}})
    errors_with("loader: unknown on_error 'x' (valid: skip, error)", dc.data.loader, fm, {on_error = 'x'})
    errors_with('comes after ToFloat/Normalize', dc.data.loader, fm,
      {transform = T.compose{T.Normalize(0.5, 0.5), T.RandomHorizontalFlip()}})
    errors_with('3 mean/std values for 1-channel images', dc.data.loader, fm,
      {transform = T.Normalize({0.1, 0.2, 0.3}, {1, 1, 1})})
  end)
end)
