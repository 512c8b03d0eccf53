-- dclab: deep-clustering research on a C engine. `local dc = require 'dclab'`.
-- The C module dclab.core holds the engine bindings; this file assembles the public `dc`
-- table from it and from the Lua library (tensor sugar, nn, data, clustering, ...).
local core = require 'dclab.core'

local dc = {core = core, version = core.versions().dclab}

require('dclab.tensor')(dc, core)
require('dclab.sys')(dc, core)
require('dclab.cluster')(dc, core)
require('dclab.metrics')(dc, core)

return dc
