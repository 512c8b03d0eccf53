-- One point of the recipe search: features of N train images (no labels used in fitting)
-- and the 10k test images, the point's steps fitted on the train features, the test
-- representation clustered with k = 10, scored (pipeline.lua). Appends one JSON line to
-- OUT/results.jsonl: point, configuration, train size, seeds, seconds, CPU, NMI / ACC / ARI
-- (mean, std, runs), k-NN accuracies.
--   ./dclab experiments/search/run.lua pixels_l2_kmeans --train 10000 --out runs/search
--   ./dclab experiments/search/run.lua --list
local dc = require 'dclab'
local argparse = require 'argparse'
local cjson = require 'cjson'
local here = debug.getinfo(1, 'S').source:match('^@(.*/)') or './'
package.path = here .. '?.lua;' .. package.path
local pipeline = require 'pipeline'
local points = require 'points'

local parser = argparse('run.lua', 'One point of the Fashion-MNIST recipe search.')
parser:argument('point', 'Name of the point (--list shows them).'):args('?')
dc.cli.int_option(parser, '--train', 'Train images (the first N of the train split).', 10000)
dc.cli.int_option(parser, '--seeds', 'Seeds 1..S (clustering, layout, random network).', 3)
parser:option('--out', 'Folder of results.jsonl.', 'runs/search')
parser:flag('--list', 'List the points and exit.')
local args = parser:parse(arg)

local names = {}
for n in pairs(points) do names[#names + 1] = n end
table.sort(names)
if args.list or not args.point then
  print(table.concat(names, '\n'))
  os.exit(args.list and 0 or 1)
end
local point = points[args.point]
if not point then
  io.stderr:write(string.format("run.lua: unknown point '%s' (--list)\n", args.point))
  os.exit(1)
end

local train = dc.data.fashion_mnist{split = 'train'}
train = train:subset(math.min(args.train, #train))
local test = dc.data.fashion_mnist{split = 'test'}
local t0 = os.time()
local seeds = {}
for s = 1, args.seeds do seeds[s] = s end
-- A point with a random part (network, layout) is rebuilt per seed; clustering seeds ride
-- along. Pixels with fixed steps are built once and clustered with every seed.
local trained = type(point.features) == 'table' -- a network trained per seed (pipeline.lua)
local random_part = point.features == 'random' or trained
for _, st in ipairs(point.steps) do random_part = random_part or st[1] == 'umap' end
local per_seed = {}
local ftr, fte
for i, seed in ipairs(random_part and seeds or {1}) do
  local train_info
  if trained then
    ftr, fte, train_info = pipeline.trained_features(point.features, train, test, seed,
      args.out .. '/cache')
  elseif not ftr or point.features == 'random' then
    ftr, fte = pipeline.features(point.features, train, seed), pipeline.features(point.features, test, seed)
  end
  local rtr, rte, times = pipeline.represent(point.steps, ftr, fte, seed)
  local sc = pipeline.score(rtr, train.labels, rte, test.labels, point.cluster,
    random_part and {seed} or seeds)
  sc.assign, sc.step_seconds, sc.training = nil, times, train_info
  per_seed[i] = sc
  print(string.format('%s seed %d: NMI %.4f ACC %.4f ARI %.4f kNN %.4f (cosine %.4f)', args.point,
    seed, sc.nmi.mean, sc.acc.mean, sc.ari.mean, sc.knn, sc.knn_cosine))
end
local function collect(field)
  local xs = {}
  for _, sc in ipairs(per_seed) do
    if type(sc[field]) == 'table' then
      for _, v in ipairs(sc[field].runs) do xs[#xs + 1] = v end
    else
      xs[#xs + 1] = sc[field]
    end
  end
  return pipeline.mean_std(xs)
end
local row = {point = args.point, config = point, train = #train, test = #test, seeds = seeds,
  seconds = os.difftime(os.time(), t0), cpu = pipeline.cpu(),
  nmi = collect('nmi'), acc = collect('acc'), ari = collect('ari'), knn = collect('knn'),
  knn_cosine = collect('knn_cosine'), per_seed = per_seed}
os.execute('mkdir -p ' .. args.out)
local f = assert(io.open(args.out .. '/results.jsonl', 'a'))
f:write(cjson.encode(row), '\n')
f:close()
print(string.format('%s (%d train, %d s): NMI %.4f +- %.4f  ACC %.4f +- %.4f  ARI %.4f +- %.4f  ' ..
  'kNN %.4f (cosine %.4f)', args.point, #train, row.seconds, row.nmi.mean, row.nmi.std,
  row.acc.mean, row.acc.std, row.ari.mean, row.ari.std, row.knn.mean, row.knn_cosine.mean))
