-- Ablations of the paper as scripts: the same DeepCluster run with one part swapped, each
-- variant scored the same way, written as a markdown table and a plot in one run folder.
--   local ab = dc.ablation.setup('sampler', arg)        -- common flags, data, transforms
--   ab:run{{label = 'uniform', cfg = {sampler = 'uniform_per_cluster'}}, ...}
-- Common flags: --subset N --epochs E --k K --seed S --batch B --out DIR --threads T
-- --eval-test N --full (the whole train split, 20 epochs, batch 256). Defaults keep each
-- script to a few minutes.
return function(dc)
  local argparse = require 'argparse'
  local ablation = {}
  local Ablation = {}
  Ablation.__index = Ablation

  function ablation.setup(name, argv, opts)
    opts = opts or {}
    local parser = argparse(name .. '.lua', opts.description or ('DeepCluster ablation: ' .. name))
    dc.cli.int_option(parser, '--subset', 'Train images (first N of the train split).', opts.subset or 2000)
    dc.cli.int_option(parser, '--epochs', 'DeepCluster epochs per variant.', opts.epochs or 3)
    dc.cli.int_option(parser, '--k', 'Number of clusters.', opts.k or 100)
    dc.cli.int_option(parser, '--seed', 'Seed.', 31)
    dc.cli.int_option(parser, '--threads', 'Loader threads.', 2)
    -- 64, not the paper's 256: at a few thousand images, 256 leaves too few steps to learn
    dc.cli.int_option(parser, '--batch', 'Mini-batch size.', opts.batch or 64)
    dc.cli.int_option(parser, '--eval-test', 'Test images for the clustering evaluation.', 2000)
    parser:option('--out', 'Run folder.', 'runs/ablation_' .. name)
    parser:flag('--full', 'Full size: the 60k train split, 20 epochs, all 10k test images.')
    if type(argv) ~= 'table' then error('ablation.setup: argument 2 must be the script\'s arg table', 2) end
    local ok, args = parser:pparse(argv)
    if not ok then error(parser:get_usage() .. '\nablation ' .. name .. ': ' .. args, 2) end
    if args.full then args.subset, args.epochs, args.eval_test, args.batch = 60000, 20, 10000, 256 end
    local self = setmetatable({name = name, args = args}, Ablation)
    local tf = dc.data.fashion_mnist_transforms()
    self.eval_tf, self.train_tf = tf.eval, tf.train
    self.data = dc.data.fashion_mnist{split = 'train'}:subset(args.subset)
    self.test = dc.data.fashion_mnist{split = 'test'}:subset(math.min(args.eval_test, 10000))
    dc.mkdirs(args.out)
    print(string.format('ablation %s: %d train images, %d epochs, k = %d, seed %d -> %s',
      name, #self.data, args.epochs, args.k, args.seed, args.out))
    return self
  end

  local function label_dir(label) return (label:gsub('[^%w_.-]', '_')) end

  -- Runs every variant: {label =, cfg = runner options over the recipe, sobel = bool}.
  function Ablation:run(variants)
    local a = self.args
    local rows, series = {}, {}
    for _, v in ipairs(variants) do
      local cfg = {
        model = dc.models.small{sobel = v.sobel ~= false, generator = dc.Generator(a.seed)},
        data = self.data, k = a.k, epochs = a.epochs, seed = a.seed, threads = a.threads, batch = a.batch,
        transforms = {train = self.train_tf, eval = self.eval_tf}, verbose = false,
        out = a.out .. '/' .. label_dir(v.label),
      }
      for key, val in pairs(v.cfg or {}) do cfg[key] = val end
      local t0 = dc.now()
      local run = dc.deepcluster(cfg)
      run:fit()
      local feats = dc.eval.features(run.model, self.test, {transform = self.eval_tf, threads = a.threads})
      local ev = dc.eval.clustering(feats, self.test.labels, {k = 10, seeds = 2, preprocess = {'l2'}})
      local last = run.history[#run.history]
      local xs, ys = {}, {}
      for i, s in ipairs(run.history) do xs[i], ys[i] = s.epoch, s.nmi_labels end
      series[#series + 1] = {name = v.label, x = xs, y = ys}
      local prev = type(last.nmi_prev) == 'number' and last.nmi_prev or '-' -- JSON null in epoch 1
      rows[#rows + 1] = {v.label, last.k, last.loss, last.nmi_labels, prev, last.empty, last.size_min .. '/' .. last.size_max,
        string.format('%.3f ± %.3f', ev.l2.nmi.mean, ev.l2.nmi.std),
        string.format('%.3f', ev.l2.acc.mean), string.format('%.0f', dc.now() - t0)}
      print(string.format('  %-28s loss %.3f  NMI(train labels) %.3f  test NMI %.3f  (%.0f s)', v.label,
        last.loss, last.nmi_labels, ev.l2.nmi.mean, dc.now() - t0))
    end
    local tbl = dc.report.table({'variant', 'k', 'final loss', 'NMI(labels), train', 'NMI(t-1, t)',
      'empty', 'min/max size', 'test NMI, k-means k=10 (L2)', 'test ACC', 'seconds'}, rows)
    local ok, err = dc.report.plot{path = a.out .. '/nmi.png', title = 'Ablation: ' .. self.name,
      xlabel = 'epoch', ylabel = 'NMI(assignment, labels)', series = series}
    local text = string.format('# Ablation: %s\n\nCommand: `./dclab experiments/ablations/%s.lua %s`  \n' ..
      'dclab %s; %d train images, %d epochs, batch %d, k = %d (unless the variant sets it), seed %d; ' ..
      'test: %d images.\n\n%s\n%s\n',
      self.name, self.name, table.concat(arg or {}, ' '), dc.version, #self.data, a.epochs, a.batch, a.k,
      a.seed, #self.test, tbl, ok and 'Plot: nmi.png' or ('(no plot: ' .. tostring(err) .. ')'))
    dc.report.write(a.out .. '/results.md', text)
    print('\n' .. tbl .. '\nwrote ' .. a.out .. '/results.md')
    return rows
  end

  dc.ablation = ablation
  return ablation
end
