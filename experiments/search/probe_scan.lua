-- The search's small check of SCAN configurations (scan.lua) on one seed's cached contrastive
-- network (trained on the first TRAIN train images, default 10,000): each configuration (a JSON object of scan.lua's options)
-- prints test NMI / ACC / ARI of the kept head's argmax, the neighbour accuracy, every head's
-- loss, the last self-labelling epoch and the predicted cluster sizes. Writes nothing.
--   ./dclab experiments/search/probe_scan.lua SEED '[{}, {"entropy_weight": 2}]' CACHE [TRAIN]
local dc = require 'dclab'
local cjson = require 'cjson'
local here = debug.getinfo(1, 'S').source:match('^@(.*/)') or './'
package.path = here .. '?.lua;' .. package.path
local scan = require 'scan'

local seed = math.tointeger(tonumber(arg[1] or 1))
local configs = cjson.decode(arg[2] or '[{}]')
local cache = assert(arg[3], 'probe_scan: give the cache folder of the trained networks')
local train = dc.data.fashion_mnist{split = 'train'}:subset(math.tointeger(tonumber(arg[4] or 10000)))
local test = dc.data.fashion_mnist{split = 'test'}
for _, c in ipairs(configs) do
  -- JSON numbers arrive as floats; scan.lua's integer options want integers
  for key, v in pairs(c) do
    if math.type(v) == 'float' and v == math.floor(v) and not key:match('lr$') then
      c[key] = math.tointeger(v)
    end
  end
  local t0 = dc.now()
  local _, pte, info = scan.features(c, train, test, seed, cache)
  local a = pte:argmax(2)
  local sizes = {}
  for i = 1, pte:size(2) do sizes[i] = 0 end
  for i = 1, a:size(1) do sizes[a[i]] = sizes[a[i]] + 1 end
  local losses = {}
  for h, l in ipairs(info.losses) do losses[h] = string.format('%.3f', l) end
  local sl = info.selflabel_history
  print(string.format('%s seed %d: NMI %.4f ACC %.4f ARI %.4f neighbour acc %.3f head %d ' ..
    'losses %s selflabel %s %.0f s sizes %s', cjson.encode(c), seed,
    dc.metrics.nmi(a, test.labels), (dc.metrics.acc(a, test.labels)),
    dc.metrics.ari(a, test.labels), info.neighbor_acc, info.head, table.concat(losses, ' '),
    sl and cjson.encode(sl[#sl]) or '-', dc.now() - t0, table.concat(sizes, ',')))
  io.stdout:flush()
end
