-- The paper's recipe on any JPEG class-folder tree (ImageNet's train folder, or the
-- Fashion-MNIST JPEG export as a smoke test): AlexNet-BN (or VGG-16-BN) with Sobel input,
-- RandomResizedCrop(224) + flip for training, Resize(256) + CenterCrop(224) for features,
-- PCA-256 + whitening + L2, k-means with k = 10000, uniform sampling, lr 0.05.
--   ./dclab experiments/imagenet.lua --data /path/to/train [--k 10000] [--epochs 500] ...
local dc = require 'dclab'
local argparse = require 'argparse'

local parser = argparse('imagenet.lua', 'DeepCluster (Caron et al. 2018) on a JPEG class-folder tree.')
parser:option('--data', 'Root of the image folder (one subfolder per class, or flat).')
parser:option('--arch', 'alexnet | vgg16.', 'alexnet')
dc.cli.int_option(parser, '--k', 'Number of clusters.', 10000)
dc.cli.int_option(parser, '--epochs', 'Epochs (the paper trains 500, the code defaults to 200).', 200)
dc.cli.int_option(parser, '--batch', 'Mini-batch size.', 256)
parser:option('--lr', 'Learning rate.', '0.05', tonumber)
dc.cli.int_option(parser, '--subset', 'Use only the first N images (0: all).', 0)
dc.cli.int_option(parser, '--size', 'Crop size fed to the network.', 224)
dc.cli.int_option(parser, '--resize', 'Shorter side before the center crop of the feature pass.', 256)
dc.cli.int_option(parser, '--threads', 'Loader threads.', 4)
dc.cli.int_option(parser, '--seed', 'Seed.', 31)
parser:option('--out', 'Run folder.', 'runs/imagenet')
parser:option('--sampler', 'Sampler name.', 'uniform_per_cluster')
parser:option('--clustering', 'kmeans | pic.', 'kmeans')
parser:flag('--no-sobel', 'RGB input instead of the Sobel front end.')
parser:flag('--stream-features', 'Fit the PCA batch by batch and keep only the projected features '
  .. '(N x 256 floats instead of N x 4096: 1.3 GB instead of 21 GB on ImageNet) at the cost of '
  .. 'a second forward pass over the images.')
parser:flag('--resume', 'Continue from the checkpoint in --out.')
local args = parser:parse(arg)
if not args.data then parser:error('--data is required: the root of a JPEG folder tree') end

local T = dc.transforms
local MEAN, STD = {0.485, 0.456, 0.406}, {0.229, 0.224, 0.225}
local train_tf = T.compose{T.RandomResizedCrop(args.size), T.RandomHorizontalFlip(0.5), T.ToFloat(),
  T.Normalize(MEAN, STD)}
local eval_tf = T.compose{T.Resize(args.resize), T.CenterCrop(args.size), T.ToFloat(), T.Normalize(MEAN, STD)}

local data = dc.data.image_folder{root = args.data}
if args.subset > 0 then data = data:subset(math.min(args.subset, #data)) end
local sobel = not args.no_sobel
local model = dc.models[args.arch]{sobel = sobel, generator = dc.Generator(args.seed)}
print(string.format('DeepCluster %s%s on %s: %d images, k = %d, %d epochs, batch %d -> %s', args.arch,
  sobel and ' (sobel)' or '', args.data, #data, args.k, args.epochs, args.batch, args.out))

local run = dc.deepcluster{
  model = model, data = data, k = args.k, epochs = args.epochs, batch = args.batch, seed = args.seed,
  out = args.out, resume = args.resume, threads = args.threads, sampler = args.sampler,
  clustering = args.clustering, transforms = {train = train_tf, eval = eval_tf},
  stream_features = args.stream_features,
  optim = {lr = args.lr, momentum = 0.9, weight_decay = 1e-5},
  head_optim = {lr = args.lr, weight_decay = 1e-5},
}
run:fit()
print('log: ' .. args.out .. '/log.jsonl, checkpoint: ' .. args.out .. '/checkpoint.bin')
