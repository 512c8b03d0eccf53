-- dclab: deep-clustering research on a C engine. `local dc = require 'dclab'`.
-- The C module dclab.core holds the engine bindings; this file assembles the public `dc`
-- table from it and from the Lua library (tensor sugar, nn, data, clustering, ...).
local core = require 'dclab.core'

local dc = {core = core, version = '0.1.0'}

require('dclab.tensor')(dc, core)
for _, k in ipairs{'mm', 'bmm', 'matmul', 'mv', 'dot', 'addmm', 'set_num_threads', 'get_num_threads', 'clock'} do dc[k] = core[k] end

return dc
