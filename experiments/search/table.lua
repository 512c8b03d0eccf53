-- Prints results as a markdown table: the search's results.jsonl (one row per point) or the
-- recipe script's results.json (one row per feature set, mean ± std over seeds).
--   ./dclab experiments/search/table.lua [runs/search/results.jsonl]
--   ./dclab experiments/search/table.lua runs/fashion_mnist_recipe/results.json
local cjson = require 'cjson'

local path = arg[1] or 'runs/search/results.jsonl'
local f = io.open(path)
if not f then
  io.stderr:write('table.lua: cannot open ' .. path .. '\n')
  os.exit(1)
end
local function ms(m) return m and string.format('%.3f ± %.3f', m.mean, m.std) or '-' end

if path:match('%.json$') then
  local r = cjson.decode(f:read('a'))
  f:close()
  print('| features | seeds | NMI | ACC | ARI | k-NN (l2) | k-NN (cosine) | seconds per seed |')
  print('|---|---|---|---|---|---|---|---|')
  for _, name in ipairs{'raw pixels', 'random network', 'faithful DeepCluster',
    'recipe features', 'recipe', 'recipe (predicted)'} do
    local fs = r.feature_sets[name]
    if fs then
      local secs = {}
      for i, row in ipairs(fs.per_seed) do secs[i] = string.format('%.0f', row.seconds) end
      print(string.format('| %s | %d | %s | %s | %s | %s | %s | %s |', name, #fs.per_seed,
        ms(fs.nmi), ms(fs.acc), ms(fs.ari), ms(fs.knn), ms(fs.knn_cosine),
        table.concat(secs, ', ')))
    end
  end
  os.exit(0)
end

print('| point | train images | seeds | NMI | ACC | ARI | k-NN (l2) | k-NN (cosine) | seconds |')
print('|---|---|---|---|---|---|---|---|---|')
for line in f:lines() do
  local r = cjson.decode(line)
  print(string.format('| %s | %d | %d | %s | %s | %s | %.3f | %.3f | %d |', r.point, r.train,
    #r.seeds, ms(r.nmi), ms(r.acc), ms(r.ari), r.knn.mean, r.knn_cosine.mean, r.seconds))
end
f:close()
