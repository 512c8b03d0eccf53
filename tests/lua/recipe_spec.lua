-- experiments/fashion_mnist_recipe.lua and experiments/search/run.lua: --help, and a tiny
-- run writing every file it promises.
local dc = require 'dclab'

local tmpdir = require('spec_helpers').tmpdir

local function run(cmd)
  local p = io.popen(cmd .. ' 2>&1')
  local text = p:read('a')
  return p:close(), text
end

describe('the recipe script', function()
  it('--help lists every flag', function()
    local _, text = run('./dclab experiments/fashion_mnist_recipe.lua --help')
    for _, flag in ipairs{'--out', '--cache', '--epochs', '--train', '--test', '--seeds',
      '--umap-epochs', '--faithful-train', '--faithful-epochs', '--faithful-from', '--quick'} do
      assert.truthy(text:find(flag, 1, true), flag)
    end
  end)

  it('refuses --faithful-from with --faithful-train, and sizes below one', function()
    local ok, text = run('./dclab experiments/fashion_mnist_recipe.lua --faithful-from x ' ..
      '--faithful-train 100')
    assert.is_falsy(ok)
    assert.truthy(text:find('--faithful-from scores a finished run; --faithful-train sizes a new one',
      1, true), text)
    ok, text = run('./dclab experiments/fashion_mnist_recipe.lua --quick --seeds 0')
    assert.is_falsy(ok)
    assert.truthy(text:find('--seeds must be at least 1, got 0', 1, true), text)
    ok, text = run('./dclab experiments/fashion_mnist_recipe.lua --quick --train 300 --test 200 ' ..
      '--faithful-from /nonexistent')
    assert.is_falsy(ok)
    assert.truthy(text:find('--faithful-from: no checkpoint at /nonexistent/checkpoint.bin', 1, true),
      text)
  end)

  it('a tiny run writes results.json, test_features.npy and test_assign.npy', function()
    local out = tmpdir()
    local ok, text = run(string.format('./dclab experiments/fashion_mnist_recipe.lua --out %s ' ..
      '--train 300 --test 200 --seeds 1 --epochs 1 --umap-epochs 20 --faithful-train 100 ' ..
      '--faithful-epochs 1', out))
    assert.is_true(ok, text)
    local f = assert(io.open(out .. '/results.json'))
    local r = require('cjson').decode(f:read('a'))
    f:close()
    assert.are.equal(300, r.train)
    for _, name in ipairs{'raw pixels', 'random network', 'faithful DeepCluster',
      'layout + mixture', 'recipe features', 'recipe (predicted)', 'layout + mixture (pred.)'} do
      local fs = r.feature_sets[name]
      assert.are.equal(1, #fs.per_seed, name)
      -- predicted clusters are no feature space: no k-NN for them
      for _, m in ipairs{'nmi', 'acc', 'ari', not name:find('pred') and 'knn' or nil} do
        assert.is_true(fs[m].mean > 0 and fs[m].mean <= 1, name .. ' ' .. m)
      end
    end
    -- the kept SCAN head's argmax is the written assignment
    assert.is_true(r.feature_sets['recipe (predicted)'].per_seed[1].head >= 1)
    local feats = dc.load_npy(out .. '/test_features.npy')
    assert.are.same({200, 1152}, feats:shape())
    assert.are.equal('float32', feats:dtype())
    local assign = dc.load_npy(out .. '/test_assign.npy')
    assert.are.same({200}, assign:shape())
    assert.is_true(assign:min() >= 0 and assign:max() <= 9)
    assert.truthy(text:find('recipe, NMI (recipe (predicted)): ', 1, true), text)
    assert.truthy(text:find('recipe, k-NN (recipe features): ', 1, true), text)
    -- the trained network's features are cached: a second run reads them; it scores the
    -- first run's faithful network instead of training one
    local ok2, again = run(string.format('./dclab experiments/fashion_mnist_recipe.lua --out %s ' ..
      '--train 300 --test 200 --seeds 1 --epochs 1 --umap-epochs 0 --faithful-from %s/faithful',
      out, out))
    assert.is_true(ok2, again)
    assert.falsy(again:find('simclr seed 1 epoch 1', 1, true), again)
    assert.truthy(again:find('the network of ' .. out .. '/faithful after epoch 1', 1, true), again)
    f = assert(io.open(out .. '/results.json'))
    r = require('cjson').decode(f:read('a'))
    f:close()
    assert.is_nil(r.feature_sets['layout + mixture'])
    assert.are.equal(out .. '/faithful', r.feature_sets['faithful DeepCluster'].per_seed[1].from)
    assert.truthy(text:find('simclr seed 1 epoch 1', 1, true), text)
    local ok3, tab = run('./dclab experiments/search/table.lua ' .. out .. '/results.json')
    assert.is_true(ok3, tab)
    assert.truthy(tab:find('| recipe (predicted) | 1 | ', 1, true), tab)
    os.execute('rm -rf ' .. out)
  end)
end)

describe('dc.eval.mean_std', function()
  it('gives the mean and the sample standard deviation', function()
    local s = dc.eval.mean_std{1, 2, 3}
    assert.are.equal(2, s.mean)
    assert.are.equal(1, s.std)
    assert.are.equal(0, dc.eval.mean_std{5}.std)
  end)
end)

describe('the search runner', function()
  it('lists its points and refuses an unknown one', function()
    local ok, text = run('./dclab experiments/search/run.lua --list')
    assert.is_true(ok)
    assert.truthy(text:find('pixels_l2_kmeans', 1, true))
    ok, text = run('./dclab experiments/search/run.lua no_such_point')
    assert.is_falsy(ok)
    assert.truthy(text:find("unknown point 'no_such_point'", 1, true))
  end)
end)
