-- Runs a preset of dc.recipes on Fashion-MNIST and scores what it learned; shared by
-- experiments/deepcluster_v2.lua, sela.lua and swav.lua (one preset each; runner: the
-- function the preset's options go to, dc.deepcluster unless given):
--   ./dclab experiments/deepcluster_v2.lua --train 5000 --epochs 10 --out runs/v2
-- Prints per epoch the runner's line; at the end the NMI with the labels of k-means (k = 10,
-- 3 seeds, L2-normalised features) on the clustered features of held-out test images, the
-- NMI of every head with 10 outputs taken as a clustering (argmax), and the seconds.
local dc = require 'dclab'
local argparse = require 'argparse'

-- The train split's pixel/255 mean and std (those of dc.data.fashion_mnist_transforms).
local MEAN, STD = 0.2860, 0.3530

return function(preset, title, argv, runner)
  local parser = argparse(preset .. '.lua', title .. ' (dc.recipes.' .. preset ..
    ') on Fashion-MNIST, scored on test images.')
  dc.cli.int_option(parser, '--train', 'Train on the first N images of the train split.', 5000)
  dc.cli.int_option(parser, '--test', 'Test images scored at the end.', 2000)
  dc.cli.int_option(parser, '--epochs', 'Epochs.', 10)
  dc.cli.int_option(parser, '--k', 'Clusters per head (the paper: 3000 on ImageNet).', 100)
  dc.cli.int_option(parser, '--seed', 'Seed of every random choice.', 31)
  dc.cli.int_option(parser, '--threads', 'Loader threads.', 2)
  parser:option('--out', 'Run folder.', 'runs/' .. preset)
  parser:flag('--resume', 'Continue the run in --out from its checkpoint.')
  local args = parser:parse(argv)

  local o = dc.recipes[preset]{size = 28, mean = {MEAN}, std = {STD}, epochs = args.epochs,
    k = args.k}
  local train = dc.data.fashion_mnist{split = 'train'}
  local test = dc.data.fashion_mnist{split = 'test'}
  o.data = train:subset(math.min(args.train, #train))
  o.model = dc.models.small{sobel = false, generator = dc.Generator(args.seed)}
  if o.views then
    -- the small crops (16 pixels) leave a 2x2 map where the fc layers expect 3x3: pool to
    -- 3x3 first, as ResNet's global pooling lets DeepCluster-v2 take 224 and 96 crops
    o.model.features:add(dc.nn.AdaptiveAvgPool2d(3))
  end
  o.seed, o.out, o.threads, o.resume = args.seed, args.out, args.threads, args.resume
  print(string.format('dclab %s | %s on Fashion-MNIST: %d train images, %d epochs, %d heads of ' ..
    'k = %d, seed %d; run folder %s', dc.version, title, #o.data, args.epochs,
    #(o.heads or o.prototypes or {1}),
    args.k, args.seed, args.out))

  local t0 = dc.now()
  local run = (runner or dc.deepcluster)(o)
  run:fit()
  local seconds = dc.now() - t0

  local scored = test:subset(math.min(args.test, #test))
  local f = dc.eval.features(run.model, scored, {transform = o.transforms.eval,
    threads = args.threads})
  local nmi = dc.eval.clustering(f, scored.labels, {k = 10, seeds = 3, preprocess = {'l2'}}).l2.nmi
  print(string.format('test NMI, k-means (k = 10) of the clustered features: %.4f +- %.4f',
    nmi.mean, nmi.std))
  local last = run.history[#run.history]
  for h, s in ipairs(last.heads or {last}) do
    if type(s.head_nmi_labels) == 'number' then
      print(string.format('train NMI of head %d taken as a clustering (argmax): %.4f', h,
        s.head_nmi_labels))
    end
  end
  print(string.format('%.1f s of training', seconds))
end
