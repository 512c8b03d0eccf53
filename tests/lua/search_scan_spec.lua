-- experiments/search/scan.lua (SCAN's clustering stage for the search): a tiny run of every
-- stage (frozen heads, fine-tuning, self-labelling) on a contrastive network trained for one
-- epoch, through the search's pipeline; option errors (dc.scan's own: scan_spec.lua).
local dc = require 'dclab'

local tmpdir = require('spec_helpers').tmpdir
package.path = 'experiments/search/?.lua;' .. package.path
local scan = require 'scan'
local pipeline = require 'pipeline'

describe('scan.lua', function()
  it('gives each image a distribution over the K clusters, every stage run', function()
    local train = dc.data.fashion_mnist{split = 'train'}:subset(300)
    local test = dc.data.fashion_mnist{split = 'test'}:subset(100)
    local cache = tmpdir()
    local spec = {'scan', {simclr = {epochs = 1, batch = 64, lr = 0.1}, neighbors = 5,
      heads = 3, epochs = 2, batch = 32, finetune = 1, selflabel = 1, threshold = 0.5}}
    local ptr, pte, info = pipeline.trained_features(spec, train, test, 1, cache)
    assert.are.same({300, 10}, ptr:shape())
    assert.are.same({100, 10}, pte:shape())
    assert.is_true((ptr:sum(2) - 1):abs():max() < 1e-5)
    assert.is_true((pte:sum(2) - 1):abs():max() < 1e-5)
    assert.is_true(info.head >= 1 and info.head <= 3)
    assert.are.equal(3, #info.losses)
    assert.are.equal(2, #info.history)
    assert.are.equal(1, #info.finetune_history)
    assert.are.equal(1, #info.selflabel_history)
    assert.is_true(info.neighbor_acc > 0 and info.neighbor_acc <= 1)
    -- the kept head is the one of lowest loss, and its argmax is the clustering
    for _, l in ipairs(info.losses) do assert.is_true(info.losses[info.head] <= l) end
    local a = pipeline.cluster({'argmax'}, pte, 1)
    assert.are.same({100}, a:shape())
    assert.is_true(a:min() >= 1 and a:max() <= 10)
    os.execute('rm -rf ' .. cache)
  end)

  it('names bad options', function()
    local ok, err = pcall(scan.features, {finetune = 1, layer = 'z'})
    assert.is_false(ok)
    assert.truthy(tostring(err):find("scan: finetune trains the trunk under the heads: layer " ..
      "must be 'trunk', got 'z'", 1, true), err)
    ok, err = pcall(scan.features, {heads = 0})
    assert.truthy(tostring(err):find("scan.options: option 'heads' must be >= 1, got 0", 1, true),
      err)
  end)
end)
