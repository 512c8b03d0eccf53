-- Sinkhorn-Knopp equipartition (core/cluster/sinkhorn.c): the soft assignment Q [N, K]
-- closest to exp(scores / epsilon) whose rows sum to 1 and whose column j sums to
-- N * marginals[j] (N / K each by default). SwAV's codes and SeLa's pseudo-labels.
--   local q, info = dc.cluster.sinkhorn(scores, {iters = 3, epsilon = 0.05})
--   local res = dc.cluster.new('sinkhorn', {k = K}):fit(scores)   -- labels: argmax of Q
local core = require 'dclab.core'
local options = require 'dclab.options'

local Sinkhorn = {}
Sinkhorn.__index = Sinkhorn

-- The binding checks the values of iters, epsilon and tol (defaults in core: 3, 0.05, 0).
local SOLVE = {iters = true, epsilon = true, tol = true, marginals = {type = 'tensor'},
  inplace = true}
local NEW = {k = {type = 'integer', min = 1, required = true}, iters = true, epsilon = true,
  tol = true, marginals = {type = 'tensor'}}

-- dc.cluster.sinkhorn(scores, opts) -> Q float32 [N, K], {iters, err}
function Sinkhorn.solve(scores, opts)
  opts = options.check('sinkhorn', opts, SOLVE)
  local marginals = opts.marginals
  opts.marginals = nil
  return core.sinkhorn(scores, opts, marginals)
end

-- The clustering 'sinkhorn': opts.k (required) and the options of solve but inplace.
function Sinkhorn.new(opts)
  opts = options.check('sinkhorn', opts, NEW)
  local self = setmetatable({}, Sinkhorn)
  for name in pairs(NEW) do self[name] = opts[name] end
  return self
end

-- scores: float32 [N, k], one score per point and cluster (logits, log-probabilities or
-- cosine similarities). opts.seed is accepted for the plug-in contract; Sinkhorn draws
-- nothing. -> {assign = argmax of Q (int64 [N], 1..k), k, stats = {iters, err}}
function Sinkhorn:fit(scores, opts)
  options.check('sinkhorn:fit', opts, {seed = true})
  if core.is_tensor(scores) and (scores:dim() ~= 2 or scores:size(2) ~= self.k) then
    error(string.format('sinkhorn: the features must be a score matrix [N, k] with k = %d ' ..
      'columns (one score per cluster), got %s [%s]', self.k, scores:dtype(),
      table.concat(scores:shape(), ', ')), 2)
  end
  local q, info = core.sinkhorn(scores, {iters = self.iters, epsilon = self.epsilon,
    tol = self.tol}, self.marginals)
  return {assign = q:argmax(2), k = self.k, stats = {iters = info.iters, err = info.err}}
end

function Sinkhorn:__tostring()
  return string.format('Sinkhorn(k=%d, iters=%d, epsilon=%g%s%s)', self.k, self.iters or 3,
    self.epsilon or 0.05, self.tol and string.format(', tol=%g', self.tol) or '',
    self.marginals and ', marginals' or '')
end

return Sinkhorn
