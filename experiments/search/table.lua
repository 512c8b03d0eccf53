-- Prints the search's results file as a markdown table (one row per line of results.jsonl).
--   ./dclab experiments/search/table.lua [runs/search/results.jsonl]
local cjson = require 'cjson'

local path = arg[1] or 'runs/search/results.jsonl'
local f = io.open(path)
if not f then
  io.stderr:write('table.lua: cannot open ' .. path .. '\n')
  os.exit(1)
end
local function ms(m) return string.format('%.3f ± %.3f', m.mean, m.std) end
print('| point | train images | seeds | NMI | ACC | ARI | k-NN (l2) | k-NN (cosine) | seconds |')
print('|---|---|---|---|---|---|---|---|---|')
for line in f:lines() do
  local r = cjson.decode(line)
  print(string.format('| %s | %d | %d | %s | %s | %s | %.3f | %.3f | %d |', r.point, r.train,
    #r.seeds, ms(r.nmi), ms(r.acc), ms(r.ari), r.knn.mean, r.knn_cosine.mean, r.seconds))
end
f:close()
