-- dc.ablation: the seeds x variants protocol, its tables from results.json, skip and resume
-- of interrupted ablations, the flags; every script's --help and a tiny run.
local dc = require 'dclab'
local helpers = require 'spec_helpers'
local errors_with, tmpdir, read_file = helpers.errors_with, helpers.tmpdir, helpers.read_file
local cjson = require 'cjson'

-- A tiny ablation in this process: 40 images, 1 seed (the scripts' runs below use 2), no probes.
local function tiny(out, extra)
  local argv = {'--subset', '40', '--epochs', '2', '--seeds', '1', '--eval-test', '10',
    '--probe-train', '0', '--k', '5', '--batch', '20', '--threads', '1', '--out', out}
  for _, a in ipairs(extra or {}) do argv[#argv + 1] = a end
  return dc.ablation.setup('tiny', argv)
end

-- Calls f with dc.deepcluster counting the runs it builds (and the epoch each starts at,
-- once run:prepare has resumed it).
local function counting(f)
  local real, starts = dc.deepcluster, {}
  dc.deepcluster = function(cfg)
    local run = real(cfg)
    run:prepare()
    starts[#starts + 1] = run.epoch
    return run
  end
  local ok, err = pcall(f)
  dc.deepcluster = real
  if not ok then error(err, 0) end
  return starts
end

local function quiet(f, ...)
  local p = print
  print = function() end -- luacheck: ignore
  local r = table.pack(pcall(f, ...))
  print = p -- luacheck: ignore
  if not r[1] then error(r[2], 0) end
  return table.unpack(r, 2, r.n)
end

describe('dc.ablation tables', function()
  -- Synthetic results: known values, so the intervals are known (t(0.975, 2) = 4.3027).
  local function results()
    local runs = {}
    local function add(label, seed, nmi, acc)
      runs[#runs + 1] = {variant = label, seed = seed, test_nmi = nmi, test_acc = acc, loss = 1,
        nmi_labels = 0.5, k = 10, empty = 0, train_seconds = 1, probe = {0.7, 0.8},
        epochs = {{epoch = 1, nmi_labels = 0.4}, {epoch = 2, nmi_labels = 0.5, nmi_prev = 0.6}}}
    end
    for i, seed in ipairs{1, 2, 3} do
      add('base', seed, ({0.40, 0.42, 0.44})[i], ({0.5, 0.6, 0.7})[i])
      add('better', seed, ({0.50, 0.53, 0.53})[i], ({0.6, 0.5, 0.7})[i])
    end
    return {script = 'synthetic', dclab = dc.version, level = 0.95, command = './dclab x.lua',
      sizes = {subset = 1000, epochs = 2, batch = 64, k = 10, eval_test = 500, probe_train = 0,
        probe_epochs = 1},
      seeds = {1, 2, 3}, baseline = 'base', eval = {k = 10, restarts = 2},
      variants = {{label = 'base'}, {label = 'better'}, {label = 'huge', not_run = 'k = 5000 is too big'}},
      runs = runs}
  end

  it('summaries and paired differences per variant', function()
    local r = results()
    local get = function(run) return run.test_nmi end
    local s = dc.ablation.summary(r, 'base', get)
    assert.are.equal(3, s.n)
    assert.is_true(math.abs(s.mean - 0.42) < 1e-12)
    assert.is_true(math.abs(s.half - 4.302653 * 0.02 / math.sqrt(3)) < 1e-6)
    local p = dc.ablation.paired(r, 'better', get)
    assert.is_true(math.abs(p.mean - 0.1) < 1e-12)
    assert.is_true(math.abs(p.half - 4.302653 * 0.01 / math.sqrt(3)) < 1e-6)
    assert.is_true(p.different)
    -- accuracy differences 0.1, -0.1, 0: the interval holds zero
    assert.is_false(dc.ablation.paired(r, 'better', function(run) return run.test_acc end).different)
    assert.is_nil(dc.ablation.summary(r, 'huge', get))
  end)

  it('render states the sizes, the intervals, the differences and what did not run', function()
    local md = dc.ablation.render(results())
    assert.truthy(md:find('1,000 train images', 1, true), md)
    assert.truthy(md:find('2 epochs, batch 64, fp32, k = 10', 1, true), md)
    assert.truthy(md:find('3 seeds (1, 2, 3)', 1, true), md)
    assert.truthy(md:find('linear probes: none', 1, true), md)
    assert.truthy(md:find('| base (baseline) | 3 | 0.420 ± 0.050 |', 1, true), md)
    local row = md:match('\n(| better |[^\n]*different[^\n]*)')
    assert.truthy(row, md)
    local cells = {}
    for c in row:gmatch('[^|]+') do cells[#cells + 1] = c:match('^%s*(.-)%s*$') end
    assert.are.equal('+0.100 [+0.075, +0.125] different', cells[3], row) -- test NMI
    assert.falsy(cells[4]:find('different', 1, true), row) -- test ACC: 0.1, -0.1, 0
    assert.truthy(md:find('**Not run:** huge (k = 5000 is too big).', 1, true), md)
    assert.truthy(md:find('| base | 0.400 ± 0.000 | 0.500 ± 0.000 |', 1, true), md) -- per epoch
    local one = results()
    one.seeds, one.sizes.epochs = {1}, 1
    local md1 = dc.ablation.render(one)
    assert.truthy(md1:find('1 seed (1)', 1, true), md1)
    assert.truthy(md1:find('1 epoch,', 1, true), md1)
    assert.truthy(md1:find('+0.100 (1 seed)', 1, true), md1)
    assert.falsy(md1:find(' different |', 1, true), md1)
  end)

  it('plots: bars with intervals, and against k on a log axis when variants have x', function()
    local dir = tmpdir()
    local r = results()
    r.variants[3] = nil
    assert.are.same({'nmi_labels.png', 'nmi_prev.png', 'bars.png'}, dc.ablation.plots(r, dir))
    r.variants[1].x, r.variants[2].x = 10, 100
    assert.are.same({'nmi_labels.png', 'nmi_prev.png', 'vs_k.png'}, dc.ablation.plots(r, dir))
    local png = read_file(dir .. '/vs_k.png')
    assert.are.equal('\137PNG', png:sub(1, 4))
    os.execute('rm -rf ' .. dir)
  end)

  it('plot functions refuse malformed series', function()
    errors_with('ablation.plot.lines: expected {path =, panels', dc.ablation.plot.lines, {path = 'x.png'})
    errors_with('ablation.plot.lines: panels[1].series[1].mean must be a list of 2 numbers',
      dc.ablation.plot.lines, {path = 'x.png', panels = {{series = {{x = {1, 2}, mean = {1}}}}}})
    errors_with('ablation.plot.bars: series[1].hi[2] must be a number, got x', dc.ablation.plot.bars,
      {path = 'x.png', groups = {'a', 'b'},
       series = {{name = 's', mean = {1, 2}, lo = {1, 2}, hi = {1, 'x'}}}})
    assert.is_nil(io.open('x.png.dat', 'r')) -- refused before writing anything
  end)
end)

describe('dc.ablation flags', function()
  it('refuses what it cannot honour, with the flag named', function()
    errors_with("unknown option '--bogus'", dc.ablation.setup, 'x', {'--bogus'})
    errors_with("argument 2 must be the script's arg table", dc.ablation.setup, 'x', 'no')
    errors_with('--seeds must be a positive integer, got 0', dc.ablation.setup, 'x', {'--seeds', '0'})
    errors_with('--eval-test must be an integer >= 10, got 5', dc.ablation.setup, 'x', {'--eval-test', '5'})
    errors_with('--subset 70000, but the train split has 60,000 images', dc.ablation.setup, 'x',
      {'--subset', '70000'})
    errors_with('--k must be positive integers separated by commas, got 10,x', dc.ablation.setup, 'x',
      {'--k', '10,x'}, {k_values = {10}})
    errors_with('--k lists 10 twice', dc.ablation.setup, 'x', {'--k', '10,10'}, {k_values = {10}})
    errors_with('--k must be a positive integer, got 10,30', dc.ablation.setup, 'x', {'--k', '10,30'})
    errors_with('--probe-epochs does nothing with --probe-train 0', dc.ablation.setup, 'x',
      {'--probe-train', '0', '--probe-epochs', '3'})
    errors_with("argument for option '--precision' must be one of 'fp32', 'bf16'", dc.ablation.setup,
      'x', {'--precision', 'fp16'})
  end)

  it('--precision reaches every run and its protocol (fp32 by default)', function()
    local dir = tmpdir()
    local ab = dc.ablation.setup('x', {'--out', dir})
    assert.are.equal('fp32', ab:config({label = 'a'}, 31, false).precision)
    ab = dc.ablation.setup('x', {'--precision', 'bf16', '--out', dir})
    assert.are.equal('bf16', ab:config({label = 'a'}, 31, false).precision)
    assert.are.equal('bf16', ab:protocol({label = 'a'}, 31).precision)
    os.execute('rm -rf ' .. dir)
  end)

  it('--k of a script that varies k selects the values; --paper sizes, explicit flags win', function()
    local dir = tmpdir()
    local ab = dc.ablation.setup('x', {'--k', '300,10', '--out', dir}, {k_values = {10, 100}})
    assert.are.same({10, 300}, ab.args.k)
    assert.are.same({10, 100}, dc.ablation.setup('x', {'--out', dir}, {k_values = {10, 100}}).args.k)
    local paper = {subset = 500, epochs = 7}
    ab = dc.ablation.setup('x', {'--paper', '--epochs', '2', '--out', dir}, {paper = paper})
    assert.are.equal(500, ab.args.subset)
    assert.are.equal(2, ab.args.epochs)
    assert.are.equal(1000, dc.ablation.setup('x', {'--out', dir}, {paper = paper}).args.subset)
    os.execute('rm -rf ' .. dir)
  end)
end)

describe('dc.ablation variant hooks', function()
  local dir = tmpdir()
  local ab = dc.ablation.setup('x', {'--subset', '40', '--k', '5', '--out', dir})

  it('views replace the train transform; heads replace k; model edits the network', function()
    local plain = ab:config({label = 'a'}, 31)
    assert.are.equal(ab.train_tf, plain.transforms.train)
    assert.are.equal(5, plain.k)
    local crop = ab:crop(16, {0.1, 0.3})
    local cfg = ab:config({label = 'v', cfg = {views = {crop, crop}}}, 31, false)
    assert.are.same({eval = ab.eval_tf}, cfg.transforms)
    cfg = ab:config({label = 'h', cfg = {heads = {{k = 5}, {k = 7}}}}, 31, false)
    assert.is_nil(cfg.k)
    assert.are.equal('5,7', ab:protocol({label = 'h', cfg = {heads = {{k = 5}, {k = 7}}}}, 31).k)
    local n = plain.model.features:size()
    local function pool(m) m.features:add(dc.nn.AdaptiveAvgPool2d(3)) end
    cfg = ab:config({label = 'm', model = pool}, 31)
    assert.are.equal(n + 1, cfg.model.features:size())
  end)

  it('a head whose k exceeds the images cannot run', function()
    assert.are.equal('k = 50 is larger than the 40 train images',
      ab:cannot_run{label = 'h', cfg = {heads = {{k = 5}, {k = 50}}}})
    assert.is_nil(ab:cannot_run{label = 'h', cfg = {heads = {{k = 5}, {k = 40}}}})
  end)

  it('crop: crop, flip, pixel transforms, normalisation, final ones, in that order', function()
    local T = dc.transforms
    local img = dc.data.fashion_mnist{split = 'test'}:subset(1)
    local t = ab:crop(16, {1, 1}, {pixel = {T.ColorJitter{brightness = 0.4}},
      final = {T.RandomErasing{p = 1, value = 7}}})
    local x = dc.data.loader(img, {batch = 1, transform = t, threads = 1, seed = 1})()
    assert.are.same({1, 1, 16, 16}, x:shape())
    local sevens = 0
    for _, v in ipairs(x:totable()[1][1]) do
      for _, p in ipairs(v) do if p == 7 then sevens = sevens + 1 end end
    end
    assert.truthy(sevens > 0, 'RandomErasing ran before the normalisation')
    os.execute('rm -rf ' .. dir)
  end)
end)

describe('dc.ablation runs', function()
  local dir = tmpdir()
  local stop = false -- raised to interrupt variant b in its second epoch
  local variants = {
    {label = 'a'},
    {label = 'b', sobel = false, cfg = {hooks = {on_epoch_start = function(_, e)
      if stop and e == 2 then error('simulated interruption') end
    end}}},
    {label = 'big', cfg = {k = 100}},
  }

  it('runs variants x seeds, reports what cannot run, writes results.json and results.md', function()
    local starts = counting(function() quiet(function() tiny(dir):run(variants) end) end)
    assert.are.same({0, 0}, starts)
    local r = cjson.decode(read_file(dir .. '/results.json'))
    assert.are.equal(2, #r.runs)
    assert.are.equal('k = 100 is larger than the 40 train images', r.variants[3].not_run)
    for _, run in ipairs(r.runs) do
      assert.are.equal(2, #run.epochs)
      assert.truthy(run.test_nmi > 0 and run.test_nmi <= 1)
      -- k-means' empty clusters met, summed over the epochs' logs
      assert.are.equal(run.epochs[1].empty_met + run.epochs[2].empty_met, run.empty_met)
      -- (results.json keeps 14 significant digits of each number)
      assert.is_true(math.abs(run.epochs[1].seconds + run.epochs[2].seconds - run.train_seconds)
        < 1e-9 * run.train_seconds)
      assert.is_nil(run.probe)
    end
    local md = read_file(dir .. '/results.md')
    assert.truthy(md:find('**Not run:** big (k = 100 is larger than the 40 train images).', 1, true), md)
    -- the tables come from results.json alone
    os.remove(dir .. '/results.md')
    dc.ablation.rebuild(dir)
    assert.are.equal(md, read_file(dir .. '/results.md'))
  end)

  it('skips finished runs on a re-run', function()
    local before = read_file(dir .. '/a/seed31/result.json')
    local starts = counting(function() quiet(function() tiny(dir):run(variants) end) end)
    assert.are.same({}, starts)
    assert.are.equal(before, read_file(dir .. '/a/seed31/result.json'))
  end)

  it('resumes an interrupted run where it stopped, with the same result as a straight run', function()
    local straight = cjson.decode(read_file(dir .. '/b/seed31/result.json'))
    os.execute('rm -rf ' .. dir .. '/b/seed31')
    stop = true
    local starts = counting(function()
      errors_with('simulated interruption', quiet, function() tiny(dir):run(variants) end)
    end)
    assert.are.same({0}, starts) -- a/seed31 was finished; b/seed31 stopped in epoch 2
    stop = false
    starts = counting(function() quiet(function() tiny(dir):run(variants) end) end)
    assert.are.same({1}, starts) -- resumed after epoch 1
    local resumed = cjson.decode(read_file(dir .. '/b/seed31/result.json'))
    for _, key in ipairs{'loss', 'nmi_labels', 'nmi_prev', 'test_nmi', 'test_acc'} do
      assert.are.equal(straight[key], resumed[key], key)
    end
  end)

  it('refuses to reuse runs made with other sizes or another precision', function()
    errors_with('holds a run made with epochs = 2, not 3', quiet, function()
      local ab = tiny(dir, {'--epochs', '3'})
      ab:run(variants)
    end)
    errors_with('holds a run made with precision = fp32, not bf16', quiet, function()
      local ab = tiny(dir, {'--precision', 'bf16'})
      ab:run(variants)
    end)
    os.execute('rm -rf ' .. dir)
  end)
end)

describe('the ablation scripts', function()
  local scripts = {'clustering', 'head', 'k', 'reassign', 'sampler', 'sobel', 'clustering_v2',
    'heads', 'features', 'augment', 'multicrop'}
  local launcher = (os.getenv('DCLAB_BUILD') or 'build') .. '/dclab'

  local function sh(cmd)
    local p = assert(io.popen(cmd .. ' 2>&1'))
    local out = p:read('a')
    local ok = p:close()
    return ok, out
  end

  it('every script has --help naming its flags', function()
    for _, name in ipairs(scripts) do
      local ok, out = sh(launcher .. ' experiments/ablations/' .. name .. '.lua --help')
      assert.is_true(ok, out)
      for _, flag in ipairs{'--seeds', '--subset', '--epochs', '--k', '--paper', '--probe-train'} do
        assert.truthy(out:find(flag, 1, true), name .. ' --help lacks ' .. flag .. ':\n' .. out)
      end
    end
    local _, k = sh(launcher .. ' experiments/ablations/k.lua --help')
    assert.truthy(k:find('The values of k to run, comma-separated. Default 10,30,100,300,1000.', 1, true), k)
  end)

  it('every script finishes a tiny run (1 epoch, 2 seeds)', function()
    local dir = tmpdir()
    for _, name in ipairs(scripts) do
      local out = dir .. '/' .. name
      local k = name == 'k' and '5,10' or '5'
      local ok, text = sh(launcher .. ' experiments/ablations/' .. name .. '.lua --subset 40 --epochs 1 ' ..
        '--seeds 2 --eval-test 10 ' .. (name == 'sobel' and '--probe-train 40 --probe-epochs 1' or
        '--probe-train 0') .. ' --batch 20 --threads 1 --k ' .. k .. ' --out ' .. out)
      assert.is_true(ok, name .. ':\n' .. text)
      assert.truthy(text:find('1 epoch,', 1, true), text)
      local r = cjson.decode(read_file(out .. '/results.json'))
      local variants = 0
      for _, v in ipairs(r.variants) do if not v.not_run then variants = variants + 1 end end
      assert.are.equal(2 * variants, #r.runs, name)
      assert.truthy(read_file(out .. '/results.md'):find('## Paired differences', 1, true))
    end
    local sobel = cjson.decode(read_file(dir .. '/sobel/results.json'))
    assert.are.equal(4, #sobel.runs[1].probe) -- one probe per conv layer
    os.execute('rm -rf ' .. dir)
  end)
end)
