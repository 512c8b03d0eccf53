-- Power Iteration Clustering as in DeepCluster (core/cluster/pic.c): kNN graph, power
-- iteration, basins of the local maxima. The number of clusters comes out of the data.
--   local res = dc.cluster.pic{}:fit(x)   -- {assign = int64 [N] (1..res.k), k, loss = 0, stats}
local core = require 'dclab.core'
local options = require 'dclab.options'
local Preprocess = require 'dclab.cluster.preprocess'

local PIC = {}
PIC.__index = PIC

local OPTIONS = {nnn = true, sigma = true, alpha = true, niter = true, distribute_singletons = true,
  preprocess = true}

-- opts: nnn = 5, sigma = 0.2, alpha = 0.001, niter = 200, distribute_singletons = true (the
-- reference's values); preprocess = a dc.cluster.preprocess object or its options.
function PIC.new(opts)
  opts = options.check('pic', opts, OPTIONS)
  local self = setmetatable({}, PIC)
  self.opts = {}
  for name in pairs(OPTIONS) do
    if name ~= 'preprocess' then self.opts[name] = opts[name] end
  end
  self.preprocess = opts.preprocess
  if type(opts.preprocess) == 'table' and getmetatable(opts.preprocess) ~= Preprocess then
    self.preprocess = Preprocess.new(opts.preprocess)
  end
  return self
end

function PIC:fit(x)
  if self.preprocess then x = self.preprocess:fit_apply(x) end
  local assign, k, stats = core.pic_fit(x, self.opts)
  return {assign = assign, k = k, loss = 0, stats = stats}
end

function PIC:__tostring()
  local o = self.opts
  return string.format('PIC(nnn=%d, sigma=%g, alpha=%g, niter=%d)', o.nnn or 5, o.sigma or 0.2,
    o.alpha or 0.001, o.niter or 200)
end

return PIC
