-- Ablations of the paper as scripts: the same DeepCluster run with one part swapped, every
-- variant run with the same seeds and scored the same way, so that a difference can be told
-- from seed noise.
--   local ab = dc.ablation.setup('sampler', arg)        -- common flags, data, transforms
--   ab:run{{label = 'uniform', cfg = {sampler = 'uniform_per_cluster'}}, ...}
-- The first variant is the baseline. Each (variant, seed) run lives in its own folder
-- <out>/<variant>/seed<S> and checkpoints every epoch: re-running the script skips finished
-- runs (their result.json) and resumes an unfinished one. <out>/results.json holds every
-- run's numbers; results.md and the plots are rebuilt from it (dc.ablation.render,
-- dc.ablation.plots): means with 95% Student-t intervals over seeds, and paired differences
-- with the baseline on the same seeds.
return function(dc)
  local argparse = require 'argparse'
  local cjson = require 'cjson'
  local options = require 'dclab.options'
  local plot = require('dclab.ablation_plot')(dc)
  local ablation = {plot = plot}
  local Ablation = {}
  Ablation.__index = Ablation

  local LEVEL = 0.95
  local TRAIN_SPLIT, TEST_SPLIT = 60000, 10000
  local EVAL_K = 10 -- test clustering: k-means with one cluster per class
  local EVAL_RESTARTS = 2 -- k-means restarts averaged into a run's test NMI

  -- Sizes when neither the flag nor --paper sets them: minutes per script.
  local DEFAULTS = {subset = 1000, epochs = 3, k = 100, seeds = 3, batch = 64, eval_test = 1000,
    probe_train = 1000, probe_epochs = 10}
  -- The flags that size a run, in the order results.md states them.
  local SIZES = {'subset', 'epochs', 'batch', 'k', 'eval_test', 'probe_train', 'probe_epochs'}

  local function fail(fmt, ...) error('ablation: ' .. string.format(fmt, ...), 3) end
  -- The argument rules of the public functions.
  local RESULTS = {test = function(v)
    return type(v) == 'table' and type(v.runs) == 'table' and type(v.variants) == 'table'
  end, what = 'a results table (results.json of an ablation)'}
  local FOLDER = {type = 'string'}
  local GET = {type = 'function'}

  -- A number as written by hand: JSON gives back 31.0 for 31.
  local function num(v) return tostring(math.tointeger(v) or v) end

  local function nums(list)
    local out = {}
    for i, v in ipairs(list) do out[i] = num(v) end
    return table.concat(out, ', ')
  end

  -- "1 epoch", "3 epochs", "2,000 images".
  local function count(n, noun, plural)
    local s = num(n):reverse():gsub('(%d%d%d)', '%1,'):reverse():gsub('^,', '')
    return s .. ' ' .. (n == 1 and noun or (plural or noun .. 's'))
  end

  local function at_least(name, min, what)
    return function(s)
      local v = math.tointeger(tonumber(s))
      if not v or v < min then
        return nil, string.format('%s must be %s, got %s', name, what, tostring(s))
      end
      return v
    end
  end

  -- --k of a script that varies k: a comma-separated list of distinct positive integers.
  local function k_list(s)
    local ks, seen = {}, {}
    for part in (s .. ','):gmatch('([^,]*),') do
      local v = math.tointeger(tonumber(part))
      if not v or v < 1 then return nil, '--k must be positive integers separated by commas, got ' .. s end
      if seen[v] then return nil, '--k lists ' .. v .. ' twice' end
      seen[v], ks[#ks + 1] = true, v
    end
    table.sort(ks)
    return ks
  end

  local function read_json(path)
    local f = io.open(path, 'r')
    if not f then return nil end
    local text = f:read('a')
    f:close()
    local ok, v = pcall(cjson.decode, text)
    if not ok then fail('%s is not valid JSON (%s); delete it to redo that run', path, v) end
    return v
  end

  local function write_json(path, v) dc.report.write(path, cjson.encode(v) .. '\n') end

  -- The line of results.md naming the plots.
  local function plot_lines(drawn)
    if #drawn == 0 then return '' end
    return '\nPlots: ' .. table.concat(drawn, ', ') .. '\n'
  end

  local function label_dir(label) return (label:gsub('[^%w_.=-]', '_')) end

  -- opts: description; k_values = {...} when the script varies k (--k is then the list to
  -- run); per-script defaults (subset, epochs, k, batch, ...); paper = the --paper sizes.
  function ablation.setup(name, argv, opts)
    options.arg('setup', 1, name, {type = 'string'})
    opts = opts or {}
    local defaults = {}
    for key, v in pairs(DEFAULTS) do defaults[key] = opts[key] or v end
    local paper = opts.paper or {}
    local parser = argparse(name .. '.lua', opts.description or ('DeepCluster ablation: ' .. name))
    local function int(flag, min, what, help, key)
      local d = key and string.format(' Default %s%s.', tostring(defaults[key]),
        paper[key] and string.format(', with --paper %s', tostring(paper[key])) or '') or ''
      parser:option(flag, help .. d, nil, at_least(flag, min, what))
    end
    int('--subset', 2, 'an integer >= 2', 'Train images (the first N of the train split).', 'subset')
    int('--epochs', 1, 'a positive integer', 'DeepCluster epochs per run.', 'epochs')
    if opts.k_values then
      local ks = {}
      for i, k in ipairs(opts.k_values) do ks[i] = tostring(k) end
      defaults.k = table.concat(ks, ',')
      parser:option('--k', 'The values of k to run, comma-separated. Default ' .. defaults.k .. '.',
        nil, k_list)
    else
      int('--k', 1, 'a positive integer', 'Number of clusters' ..
        (opts.k_note and ' (' .. opts.k_note .. ').' or '.'), 'k')
    end
    int('--seeds', 1, 'a positive integer', 'Seeds per variant (the same seeds for every variant).', 'seeds')
    int('--first-seed', 0, 'an integer >= 0', 'The first seed; the others follow it. Default 31.')
    -- 64, not the paper's 256: at a few thousand images, 256 leaves too few steps to learn
    int('--batch', 1, 'a positive integer', 'Mini-batch size.', 'batch')
    int('--threads', 1, 'a positive integer', 'Loader threads. Default 2.')
    int('--eval-test', EVAL_K, 'an integer >= ' .. EVAL_K,
      'Test images for the test clustering (k-means, k = 10) and the linear probes.', 'eval_test')
    int('--probe-train', 0, 'an integer >= 0',
      'Labelled train images for the linear probes on each conv layer (0: no probes).', 'probe_train')
    int('--probe-epochs', 1, 'a positive integer', 'Epochs of each linear probe.', 'probe_epochs')
    dc.cli.precision_option(parser)
    parser:option('--out', 'Run folder. Default runs/ablation_' .. name .. '.')
    parser:flag('--paper', 'The preset sized to end within an hour on 2 cores (see the README); ' ..
      'flags given with it override its sizes.')
    if type(argv) ~= 'table' then error('ablation.setup: argument 2 must be the script\'s arg table', 2) end
    local ok, args = parser:pparse(argv)
    if not ok then error(parser:get_usage() .. '\nablation ' .. name .. ': ' .. args, 2) end
    if args.probe_epochs and args.probe_train == 0 then
      error('ablation ' .. name .. ': --probe-epochs does nothing with --probe-train 0 (no probes)', 2)
    end
    dc.cli.fill_sizes(args, defaults, paper, args.paper)
    if type(args.k) == 'string' then args.k = k_list(args.k) end
    args.first_seed = args.first_seed or 31
    args.threads = args.threads or 2
    args.out = args.out or 'runs/ablation_' .. name
    for _, c in ipairs{{'subset', 'train', TRAIN_SPLIT}, {'eval_test', 'test', TEST_SPLIT},
                       {'probe_train', 'train', TRAIN_SPLIT}} do
      if args[c[1]] > c[3] then
        error(string.format('ablation %s: --%s %d, but the %s split has %s', name, c[1]:gsub('_', '-'),
          args[c[1]], c[2], count(c[3], 'image')), 2)
      end
    end
    local self = setmetatable({name = name, args = args, argv = argv}, Ablation)
    local tf = dc.data.fashion_mnist_transforms()
    self.eval_tf, self.train_tf = tf.eval, tf.train
    local train = dc.data.fashion_mnist{split = 'train'}
    self.data = train:subset(args.subset)
    self.probe_data = args.probe_train > 0 and train:subset(args.probe_train) or nil
    self.test = dc.data.fashion_mnist{split = 'test'}:subset(args.eval_test)
    self.seeds = {}
    for i = 1, args.seeds do self.seeds[i] = args.first_seed + i - 1 end
    dc.mkdirs(args.out)
    return self
  end

  -- A train transform of the recipe's kind for variants that change it (views, stronger
  -- augmentation): a random crop of side `side` covering `scale` of the image, flipped half
  -- the time, then opts.pixel (transforms of the uint8 crop), the evaluation transform's
  -- normalisation, then opts.final (transforms of the normalised values: RandomErasing).
  function Ablation:crop(side, scale, opts)
    opts = opts or {}
    local T = dc.transforms
    local list = {T.RandomResizedCrop(side, {scale = scale}), T.RandomHorizontalFlip(0.5)}
    for _, t in ipairs(opts.pixel or {}) do list[#list + 1] = t end
    list[#list + 1] = self.eval_tf
    for _, t in ipairs(opts.final or {}) do list[#list + 1] = t end
    return T.compose(list)
  end

  -- The runner's configuration of variant v with seed s; with_model = false leaves out the
  -- network (what cannot_run and protocol read does not need one built). v.cfg's views
  -- replace the train transform and its heads the k option (the runner takes one or the
  -- other); v.model(m) edits the built network (say, pooling for small crops).
  function Ablation:config(v, seed, with_model)
    local a = self.args
    local cfg = {
      data = self.data, k = type(a.k) == 'number' and a.k or nil, epochs = a.epochs, seed = seed,
      threads = a.threads, batch = a.batch, precision = a.precision,
      transforms = {train = self.train_tf, eval = self.eval_tf},
      verbose = false, resume = true, out = a.out .. '/' .. label_dir(v.label) .. '/seed' .. seed,
    }
    if with_model ~= false then
      cfg.model = dc.models.small{sobel = v.sobel ~= false, generator = dc.Generator(seed)}
      if v.model then v.model(cfg.model) end
    end
    local own = v.cfg or {}
    if own.views and not own.transforms then cfg.transforms = {eval = self.eval_tf} end
    if own.heads then cfg.k = nil end
    for key, val in pairs(own) do cfg[key] = val end
    return cfg
  end

  -- The k of every head of a configuration.
  local function head_ks(cfg)
    if not cfg.heads then return {cfg.k} end
    local ks = {}
    for i, h in ipairs(cfg.heads) do ks[i] = h.k end
    return ks
  end

  -- Why variant v cannot run at this size, or nil.
  function Ablation:cannot_run(v)
    local cfg = self:config(v, self.seeds[1], false)
    local kmeans = (cfg.clustering or 'kmeans') == 'kmeans'
    for _, k in ipairs(head_ks(cfg)) do
      if kmeans and k > #self.data then
        return string.format('k = %d is larger than the %s', k, count(#self.data, 'train image'))
      end
    end
  end

  -- What a finished run must agree with to be reused: the sizes and the variant.
  function Ablation:protocol(v, seed)
    local cfg, a = self:config(v, seed, false), self.args
    local p = {script = self.name, variant = v.label, seed = seed,
      k = cfg.heads and table.concat(head_ks(cfg), ',') or cfg.k}
    for _, key in ipairs(SIZES) do if key ~= 'k' then p[key] = a[key] end end
    p.precision = a.precision
    return p
  end

  local function check_protocol(dir, want, got)
    for key, v in pairs(want) do
      if got[key] ~= v then
        fail('%s holds a run made with %s = %s, not %s: give the flags it was made with to resume ' ..
          'it, or another --out', dir, key, num(got[key]), num(v))
      end
    end
  end

  -- The per-epoch log of a run folder, one entry per epoch (an epoch replayed after an
  -- interruption between its log line and its checkpoint appears once, as last written).
  local function epochs_of(dir)
    local by = {}
    for _, e in ipairs(dc.deepcluster_log(dir)) do by[e.epoch] = e end
    local out = {}
    for i = 1, #by do
      local e = by[i]
      out[i] = {epoch = i, loss = e.loss, nmi_labels = e.nmi_labels, nmi_prev = e.nmi_prev, k = e.k,
        empty = e.empty, empty_met = e.empty_met, seconds = e.t_features + e.t_cluster + e.t_train}
    end
    return out
  end

  -- The sum of key over a run's epochs; nil when an epoch has no number for it (a clustering
  -- that does not report it, or a log written before the key existed).
  local function total(epochs, key)
    local sum = 0
    for _, e in ipairs(epochs) do
      if type(e[key]) ~= 'number' then return nil end
      sum = sum + e[key]
    end
    return sum
  end

  -- Linear probe accuracy of every conv layer of model: {acc of conv1, ...}.
  function Ablation:probes(model, seed)
    local a, acc = self.args, {}
    for l = 1, dc.eval.conv_layers(model) do
      local fopt = {layer = l, transform = self.eval_tf, threads = a.threads}
      local tr = dc.eval.features(model, self.probe_data, fopt)
      local te = dc.eval.features(model, self.test, fopt)
      acc[l] = dc.eval.linear_probe(tr, self.probe_data.labels, te, self.test.labels,
        {epochs = a.probe_epochs, seed = seed})
    end
    return acc
  end

  -- Runs (or resumes) variant v with one seed and evaluates it; returns its result.
  function Ablation:run_one(v, seed)
    local cfg = self:config(v, seed)
    local dir = cfg.out
    local want = self:protocol(v, seed)
    local done = read_json(dir .. '/result.json')
    if done then
      check_protocol(dir, want, done.protocol)
      return done, 'finished earlier'
    end
    dc.mkdirs(dir)
    local started = read_json(dir .. '/protocol.json')
    if started then check_protocol(dir, want, started) else write_json(dir .. '/protocol.json', want) end
    local run = dc.deepcluster(cfg)
    run:prepare() -- resumes from the run folder's checkpoint, if any
    local from = run.epoch
    run:fit()
    local t0 = dc.now()
    local feats = dc.eval.features(run.model, self.test,
      {transform = self.eval_tf, threads = self.args.threads})
    local ev = dc.eval.clustering(feats, self.test.labels,
      {k = EVAL_K, seeds = EVAL_RESTARTS, preprocess = {'l2'}})
    local epochs = epochs_of(dir)
    local last = epochs[#epochs]
    local r = {variant = v.label, seed = seed, protocol = want, epochs = epochs, loss = last.loss,
      nmi_labels = last.nmi_labels, nmi_prev = last.nmi_prev, k = last.k, empty = last.empty,
      empty_met = total(epochs, 'empty_met'),
      test_nmi = ev.l2.nmi.mean, test_acc = ev.l2.acc.mean,
      probe = self.probe_data and self:probes(run.model, seed) or nil}
    r.train_seconds, r.eval_seconds = total(epochs, 'seconds'), dc.now() - t0
    write_json(dir .. '/result.json', r)
    return r, from > 0 and string.format('resumed after %s', count(from, 'epoch')) or nil
  end

  -- Runs every variant ({label =, cfg = runner options over the recipe, sobel = bool,
  -- model = function editing the network, x = its value on a numeric axis}) with every
  -- seed; opts.baseline names the baseline (default: the first variant). Writes
  -- results.json, results.md and the plots; returns the results table.
  function Ablation:run(variants, opts)
    local a = self.args
    if type(variants) ~= 'table' or #variants == 0 then fail('run: expected a list of variants') end
    local baseline = variants[1].label
    for _, v in ipairs(variants) do
      if type(v) ~= 'table' or type(v.label) ~= 'string' then fail('run: every variant needs a label') end
      if opts and v.label == opts.baseline then baseline = v.label end
    end
    local list, runnable = {}, {}
    for _, v in ipairs(variants) do
      local why = self:cannot_run(v)
      list[#list + 1] = {label = v.label, x = v.x, not_run = why}
      if why then print(string.format('not run: %s (%s)', v.label, why))
      else runnable[#runnable + 1] = v end
    end
    if #runnable == 0 then fail('%s: no variant can run at this size', self.name) end
    print(string.format('ablation %s: %s x %s (%s), %s, %s, batch %d -> %s', self.name,
      count(#runnable, 'variant'), count(#self.seeds, 'seed'), table.concat(self.seeds, ', '),
      count(#self.data, 'train image'), count(a.epochs, 'epoch'), a.batch, a.out))
    local results = {script = self.name, dclab = dc.version, level = LEVEL,
      command = './dclab experiments/ablations/' .. self.name .. '.lua' ..
        (#self.argv > 0 and ' ' .. table.concat(self.argv, ' ') or ''),
      sizes = {}, seeds = self.seeds, baseline = baseline, variants = list, runs = {},
      precision = a.precision, eval = {k = EVAL_K, restarts = EVAL_RESTARTS}}
    for _, key in ipairs(SIZES) do results.sizes[key] = a[key] end
    local n, total = 0, #runnable * #self.seeds
    for _, seed in ipairs(self.seeds) do -- seeds outside: paired results accumulate early
      for _, v in ipairs(runnable) do
        n = n + 1
        local t0 = dc.now()
        local r, note = self:run_one(v, seed)
        results.runs[#results.runs + 1] = r
        print(string.format('run %d/%d  %-26s seed %-4d loss %.3f  NMI(labels) %.3f  test NMI %.3f  %s',
          n, total, v.label, seed, r.loss, r.nmi_labels, r.test_nmi,
          note == 'finished earlier' and '(finished earlier)' or
          string.format('(%.0f s%s)', dc.now() - t0, note and ', ' .. note or '')))
        write_json(a.out .. '/results.json', results)
      end
    end
    local md = ablation.render(results)
    local drawn = ablation.plots(results, a.out)
    dc.report.write(a.out .. '/results.md', md .. plot_lines(drawn))
    print('\n' .. md .. '\nwrote ' .. a.out .. '/results.json, results.md' ..
      (#drawn > 0 and ', ' or '') .. table.concat(drawn, ', '))
    return results
  end

  -- ---- tables and plots, from results.json alone ----

  local function probe_layers(results)
    local n = 0
    for _, r in ipairs(results.runs) do n = math.max(n, #(r.probe or {})) end
    return n
  end

  -- The measures of a run shown in the tables: {key, head, get(run), fmt}.
  local function measures(results)
    local function field(key) return function(r) return r[key] end end
    local m = {
      {key = 'test_nmi', head = 'test NMI', get = field('test_nmi'), fmt = '%.3f'},
      {key = 'test_acc', head = 'test ACC', get = field('test_acc'), fmt = '%.3f'},
      {key = 'nmi_labels', head = 'NMI(labels), train', get = field('nmi_labels'), fmt = '%.3f'},
      {key = 'nmi_prev', head = 'NMI(t-1, t)', get = field('nmi_prev'), fmt = '%.3f'},
    }
    for l = 1, probe_layers(results) do
      m[#m + 1] = {key = 'probe' .. l, head = 'probe conv' .. l, fmt = '%.3f',
        get = function(r) return r.probe and r.probe[l] end}
    end
    m[#m + 1] = {key = 'loss', head = 'final loss', get = field('loss'), fmt = '%.3f'}
    m[#m + 1] = {key = 'k', head = 'k', get = field('k'), fmt = '%.0f', plain = true}
    m[#m + 1] = {key = 'empty', head = 'empty clusters', get = field('empty'), fmt = '%.1f', plain = true}
    m[#m + 1] = {key = 'empty_met', head = 'empty met, all epochs', get = field('empty_met'),
      fmt = '%.1f', plain = true}
    m[#m + 1] = {key = 'train_seconds', head = 'train s', get = field('train_seconds'), fmt = '%.0f',
      plain = true}
    return m
  end

  -- {seed = value} of one measure for one variant (runs where it is defined).
  local function by_seed(results, label, get)
    local out = {}
    for _, r in ipairs(results.runs) do
      if r.variant == label then out[r.seed] = get(r) end
    end
    return out
  end

  -- Values of one measure for one variant, in seed order.
  local function series_of(results, label, get)
    local map, xs = by_seed(results, label, get), {}
    for _, seed in ipairs(results.seeds) do
      if map[seed] ~= nil then xs[#xs + 1] = map[seed] end
    end
    return xs
  end

  -- Summary of one measure for one variant, or nil when no run has it.
  function ablation.summary(results, label, get)
    options.arg('summary', 1, results, RESULTS)
    options.arg('summary', 3, get, GET)
    local xs = series_of(results, label, get)
    return #xs > 0 and dc.stats.summary(xs, results.level) or nil
  end

  -- Paired difference variant - baseline of one measure over the seeds both have, or nil.
  function ablation.paired(results, label, get)
    options.arg('paired', 1, results, RESULTS)
    options.arg('paired', 3, get, GET)
    local a = by_seed(results, label, get)
    local b = by_seed(results, results.baseline, get)
    local xs, ys = {}, {}
    for _, seed in ipairs(results.seeds) do
      if a[seed] ~= nil and b[seed] ~= nil then xs[#xs + 1], ys[#ys + 1] = a[seed], b[seed] end
    end
    return #xs > 0 and dc.stats.paired(xs, ys, results.level) or nil
  end

  local function mean_cell(s, fmt, plain)
    if not s then return '-' end
    if plain or not s.half then return string.format(fmt, s.mean) end
    return string.format(fmt .. ' ± ' .. fmt, s.mean, s.half)
  end

  local function diff_cell(p)
    if not p then return '-' end
    if not p.half then return string.format('%+.3f (1 seed)', p.mean) end
    return string.format('%+.3f [%+.3f, %+.3f]%s', p.mean, p.lo, p.hi, p.different and ' different' or '')
  end

  local function ran(results)
    local out = {}
    for _, v in ipairs(results.variants) do if not v.not_run then out[#out + 1] = v end end
    return out
  end

  -- Per-epoch summaries of one key ('nmi_labels' | 'nmi_prev') for one variant:
  -- {x = epochs, s = summaries} over the seeds that logged that epoch.
  local function per_epoch(results, label, key)
    local xs, ss = {}, {}
    for e = 1, results.sizes.epochs do
      local s = ablation.summary(results, label, function(r) return r.epochs[e] and r.epochs[e][key] end)
      if s then xs[#xs + 1], ss[#ss + 1] = e, s end
    end
    return {x = xs, s = ss}
  end

  -- results.md's text for a results table (as decoded from results.json).
  function ablation.render(results)
    options.arg('render', 1, results, RESULTS)
    local sz = results.sizes
    local ms = measures(results)
    local variants = ran(results)
    local pct = string.format('%g%%', results.level * 100)
    local lines = {
      '# Ablation: ' .. results.script, '',
      'Command: `' .. results.command .. '`  ',
      string.format('dclab %s; %s (the first of the train split), %s, batch %d, %s, k = %s unless ' ..
        'the variant sets it; %s (%s); test: %s; linear probes: %s.', results.dclab,
        count(sz.subset, 'train image'), count(sz.epochs, 'epoch'), sz.batch,
        results.precision or 'fp32',
        type(sz.k) == 'table' and nums(sz.k) or num(sz.k),
        count(#results.seeds, 'seed'), nums(results.seeds), count(sz.eval_test, 'image'),
        sz.probe_train > 0 and string.format('%s, %s', count(sz.probe_train, 'labelled train image'),
          count(sz.probe_epochs, 'epoch')) or 'none'),
      '',
      string.format('Each cell: the mean over seeds ± the half-width of its %s Student-t interval ' ..
        '(no interval with 1 seed). test NMI / ACC: k-means (k = %d, L2, mean of %s) on the ' ..
        'penultimate features of the test images; NMI(labels), train and NMI(t-1, t): the last ' ..
        'epoch\'s assignment; probe convL: a linear classifier on conv layer L\'s output, ' ..
        'average-pooled to about 2,300 values, accuracy on the test images. The training ' ..
        'assignment\'s NMI and the loss depend on its number of clusters itself: compare them ' ..
        'between variants with the same k only (the test measures use the same k and probes for all).',
        pct, results.eval.k,
        count(results.eval.restarts, 'restart')),
    }
    for _, v in ipairs(results.variants) do
      if v.not_run then lines[#lines + 1] = '\n**Not run:** ' .. v.label .. ' (' .. v.not_run .. ').' end
    end
    local heads, rows = {'variant', 'seeds'}, {}
    for _, m in ipairs(ms) do heads[#heads + 1] = m.head end
    for _, v in ipairs(variants) do
      local row = {v.label .. (v.label == results.baseline and ' (baseline)' or ''),
        #series_of(results, v.label, function(r) return r.loss end)}
      for _, m in ipairs(ms) do
        row[#row + 1] = mean_cell(ablation.summary(results, v.label, m.get), m.fmt, m.plain)
      end
      rows[#rows + 1] = row
    end
    lines[#lines + 1] = '\n## Results\n'
    lines[#lines + 1] = dc.report.table(heads, rows)

    local base_ran = false
    for _, v in ipairs(variants) do base_ran = base_ran or v.label == results.baseline end
    lines[#lines + 1] = '## Paired differences with the baseline (' .. results.baseline .. ')\n'
    if not base_ran then
      lines[#lines + 1] = 'None: the baseline did not run.\n'
    elseif #variants < 2 then
      lines[#lines + 1] = 'None: only the baseline ran.\n'
    else
      lines[#lines + 1] = string.format('variant - baseline on the same seeds, [its %s interval]; ' ..
        '"different" only where the interval excludes zero.\n', pct)
      local dheads, drows = {'variant', 'pairs'}, {}
      for _, m in ipairs(ms) do
        if not m.plain then dheads[#dheads + 1] = m.head end
      end
      for _, v in ipairs(variants) do
        if v.label ~= results.baseline then
          local row = {v.label, 0}
          for _, m in ipairs(ms) do
            if not m.plain then
              local p = ablation.paired(results, v.label, m.get)
              if p then row[2] = math.max(row[2], p.n) end
              row[#row + 1] = diff_cell(p)
            end
          end
          drows[#drows + 1] = row
        end
      end
      lines[#lines + 1] = dc.report.table(dheads, drows)
    end

    for _, what in ipairs{{'nmi_labels', 'NMI(assignment, labels) per epoch (paper Fig. 2a)'},
                          {'nmi_prev', 'NMI(assignment t-1, assignment t) per epoch (paper Fig. 2b)'}} do
      local eheads, erows = {'variant'}, {}
      for e = 1, sz.epochs do eheads[#eheads + 1] = 'epoch ' .. e end
      for _, v in ipairs(variants) do
        local pe, row = per_epoch(results, v.label, what[1]), {v.label}
        for e = 1, sz.epochs do row[e + 1] = '-' end
        for i, e in ipairs(pe.x) do row[e + 1] = mean_cell(pe.s[i], '%.3f') end
        erows[#erows + 1] = row
      end
      lines[#lines + 1] = '## ' .. what[2] .. '\n'
      lines[#lines + 1] = dc.report.table(eheads, erows)
    end
    return table.concat(lines, '\n')
  end

  local function band(s) return s.lo or s.mean, s.hi or s.mean end

  -- Draws the plots of a results table into folder out; returns the file names drawn.
  -- Per-epoch NMI(labels) and NMI(t-1, t) with bands for every script; against k on a log
  -- axis when the variants have x values (k.lua); otherwise bars with intervals.
  function ablation.plots(results, out)
    options.arg('plots', 1, results, RESULTS)
    options.arg('plots', 2, out, FOLDER)
    local variants = ran(results)
    local drawn = {}
    local function keep(file, ok, err)
      if ok then drawn[#drawn + 1] = file else print('no plot ' .. file .. ': ' .. tostring(err)) end
    end
    for _, what in ipairs{{'nmi_labels', 'NMI(assignment, labels)', 'Fig. 2a'},
                          {'nmi_prev', 'NMI(assignment t-1, assignment t)', 'Fig. 2b'}} do
      local series = {}
      for _, v in ipairs(variants) do
        local pe = per_epoch(results, v.label, what[1])
        local s = {name = v.label, x = pe.x, mean = {}, lo = {}, hi = {}}
        for i, sm in ipairs(pe.s) do s.mean[i] = sm.mean; s.lo[i], s.hi[i] = band(sm) end
        if #s.x > 0 then series[#series + 1] = s end
      end
      local file = what[1] .. '.png'
      if #series > 0 then
        keep(file, plot.lines{path = out .. '/' .. file, title = string.format('%s: %s per epoch (%s)',
          results.script, what[2], what[3]), panels = {{xlabel = 'epoch', ylabel = what[2], band = true,
          series = series}}})
      end
    end
    local ms = measures(results)
    local numeric = #variants > 0
    for _, v in ipairs(variants) do numeric = numeric and type(v.x) == 'number' end
    if numeric then
      local function curve(name, get)
        local s = {name = name, x = {}, mean = {}, lo = {}, hi = {}}
        for _, v in ipairs(variants) do
          local sm = ablation.summary(results, v.label, get)
          if sm then
            local i = #s.x + 1
            s.x[i], s.mean[i] = v.x, sm.mean
            s.lo[i], s.hi[i] = band(sm)
          end
        end
        return s
      end
      local probes = {}
      for _, m in ipairs(ms) do
        if m.key:match('^probe') then probes[#probes + 1] = curve(m.head, m.get) end
      end
      local panels = {{title = 'test NMI (k-means, k = ' .. num(results.eval.k) .. ')',
        xlabel = 'k (log scale)', ylabel = 'NMI', logx = true,
        series = {curve('test NMI', function(r) return r.test_nmi end)}}}
      if #probes > 0 then
        panels[2] = {title = 'linear probes on the conv layers', xlabel = 'k (log scale)',
          ylabel = 'test accuracy', logx = true, series = probes}
      end
      keep('vs_k.png', plot.lines{path = out .. '/vs_k.png', title = results.script ..
        ': against the number of clusters (paper Fig. 2c)', panels = panels})
    elseif #variants > 0 then
      local groups, series = {}, {}
      for i, v in ipairs(variants) do groups[i] = v.label end
      for _, m in ipairs(ms) do
        if m.key == 'test_nmi' or m.key == 'test_acc' or m.key == 'nmi_labels' or m.key:match('^probe') then
          local s = {name = m.head, mean = {}, lo = {}, hi = {}}
          for i, v in ipairs(variants) do
            local sm = ablation.summary(results, v.label, m.get)
            s.mean[i] = sm and sm.mean or 0
            s.lo[i], s.hi[i] = table.unpack(sm and {band(sm)} or {0, 0})
          end
          series[#series + 1] = s
        end
      end
      keep('bars.png', plot.bars{path = out .. '/bars.png', title = results.script ..
        string.format(': means with %g%% intervals over seeds', results.level * 100),
        ylabel = 'score', groups = groups, series = series})
    end
    return drawn
  end

  -- Rebuilds results.md and the plots of a run folder from its results.json.
  function ablation.rebuild(out)
    options.arg('rebuild', 1, out, FOLDER)
    local results = read_json(out .. '/results.json')
    if not results then error(string.format('rebuild: %s/results.json does not exist', out), 2) end
    local drawn = ablation.plots(results, out)
    dc.report.write(out .. '/results.md', ablation.render(results) .. plot_lines(drawn))
    return results
  end

  dc.ablation = ablation
  return ablation
end
