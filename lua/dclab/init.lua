-- dclab: deep-clustering research on a C engine. `local dc = require 'dclab'`.
-- The C module dclab.core holds the engine bindings; this file assembles the public `dc`
-- table from it and from the Lua library (tensor sugar, nn, data, clustering, ...).
local core = require 'dclab.core'

local dc = {core = core, version = core.versions().dclab, options = require 'dclab.options'}

require('dclab.tensor')(dc, core)
require('dclab.index')(dc, core)
require('dclab.sys')(dc, core)
require('dclab.random')(dc, core)
require('dclab.io')(dc, core)
dc.set_printoptions = core.set_printoptions
for _, k in ipairs{'mm', 'bmm', 'matmul', 'mv', 'dot', 'addmm'} do dc[k] = core[k] end
dc.set_num_threads, dc.get_num_threads = core.set_num_threads, core.get_num_threads
dc.mkdirs = core.mkdirs
dc.sampler = require('dclab.sampler')(dc)
require('dclab.transforms')(dc, core)
require('dclab.data')(dc, core)
require('dclab.image')(dc, core)
dc.nn = require 'dclab.nn'
dc.optim = require 'dclab.optim'
dc.models = require 'dclab.models'
dc.checkpoint = require('dclab.checkpoint')(dc)
require('dclab.cluster')(dc, core)
require('dclab.metrics')(dc, core)
require('dclab.stats')(dc)
require('dclab.progress')(dc)
require('dclab.eval')(dc)
require('dclab.report')(dc)
require('dclab.cli')(dc)
require('dclab.ablation')(dc)
require('dclab.deepcluster')(dc)
require('dclab.swav')(dc)
require('dclab.recipes')(dc)
require('dclab.contrastive')(dc)
require('dclab.scan')(dc)

return dc
