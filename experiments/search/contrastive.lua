-- The search's contrastive network (dc.contrastive: SimCLR, two augmented views, NT-Xent):
-- the training options of its points and of the shipped recipe (RECIPE), and the cache that
-- trains each network once and keeps its features, so points that differ only in their steps
-- or clustering share one training run.
--   local c = require 'contrastive'
--   local ftr, fte, info = c.cached_features(c.RECIPE, 'trunk', train, test, seed, cache)
local dc = require 'dclab'

local M = {}

-- The training options of the search's simclr points and of the shipped recipe (the rest
-- are dc.contrastive's defaults).
M.RECIPE = {epochs = 10, batch = 128, lr = 0.1}

-- A canonical text of a table (keys sorted), so equal configurations give equal names.
local function canonical(v)
  if type(v) ~= 'table' then return tostring(v) end
  local keys = {}
  for k in pairs(v) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
  local parts = {}
  for _, k in ipairs(keys) do parts[#parts + 1] = tostring(k) .. '=' .. canonical(v[k]) end
  return '{' .. table.concat(parts, ',') .. '}'
end

-- The cache's file stem of a training run: one per (options, train size, test size, seed).
function M.cache_base(train_opt, seed, train, test, cache)
  local opt = {}
  for k, v in pairs(train_opt or {}) do opt[k] = v end
  opt.seed = seed
  local key = canonical(opt) .. '#' .. #train .. '/' .. #test
  local h = 2166136261 -- FNV-1a of the key: a short file name
  for i = 1, #key do h = ((h ~ key:byte(i)) * 16777619) & 0xffffffff end
  return string.format('%s/simclr_%08x', cache, h), opt, key
end

-- The features (layer 'trunk', 'hidden' or 'z') of train and test from a network trained
-- on train with options train_opt and seed; trained once per (options, train size, seed)
-- and kept in folder cache (every layer, the network as _model.bin and the training log
-- with each epoch's test NMI), so points that differ only in their steps or clustering share
-- one training run. Returns ftr, fte, the run's log {history, seconds (training), trained
-- (false when read from the cache)}.
function M.cached_features(train_opt, layer, train, test, seed, cache)
  local base, opt, key = M.cache_base(train_opt, seed, train, test, cache)
  local cjson = require 'cjson'
  local f = io.open(base .. '.json')
  local info
  if f then
    info = cjson.decode(f:read('a'))
    f:close()
    info.trained = false
  else
    os.execute('mkdir -p "' .. cache .. '"')
    opt.log = function(e, loss, ips, secs)
      io.write(string.format('  simclr seed %d epoch %d: loss %.4f, %.0f img/s, %.0f s\n', seed, e,
        loss, ips, secs))
      io.flush()
    end
    opt.watch = test
    local t0 = dc.now()
    local model, history = dc.contrastive.train(train, opt)
    local seconds = dc.now() - t0
    dc.save(base .. '_model.bin', model)
    local ftr, fte = dc.contrastive.features(model, train), dc.contrastive.features(model, test)
    for name, t in pairs(ftr) do
      dc.save_npy(string.format('%s_%s_train.npy', base, name), t)
      dc.save_npy(string.format('%s_%s_test.npy', base, name), fte[name])
    end
    info = {key = key, history = history, seconds = seconds}
    f = assert(io.open(base .. '.json', 'w'))
    f:write(cjson.encode(info))
    f:close()
    info.trained = true
  end
  return dc.load_npy(string.format('%s_%s_train.npy', base, layer)),
    dc.load_npy(string.format('%s_%s_test.npy', base, layer)), info
end

-- The network cached_features trained with (train_opt, seed, train, test, cache), or an
-- error naming the missing file.
function M.load_model(train_opt, seed, train, test, cache)
  local base = M.cache_base(train_opt, seed, train, test, cache)
  local path = base .. '_model.bin'
  local f = io.open(path)
  if not f then
    error('load_model: no trained network at ' .. path .. ' (run cached_features first)', 2)
  end
  f:close()
  local model = dc.contrastive.net(train_opt, dc.Generator(seed))
  dc.load(path, model)
  return model
end

return M
