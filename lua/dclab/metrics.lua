-- dc.metrics: comparing labelings (int64 tensors of 1-based labels; core/cluster/metrics.c).
--   dc.metrics.nmi(a, b, {average = 'geometric'})  'geometric' (the paper's), 'arithmetic'
--                                                  (scikit-learn's default), 'min', 'max'
--   dc.metrics.ari(a, b)                           adjusted Rand index
--   dc.metrics.acc(pred, truth) -> acc, mapping    best one-to-one matching (Hungarian);
--                                                  mapping[c] = class of cluster c, 0 = none
--   dc.metrics.contingency(a, b) -> int64 [ka, kb]
--   dc.metrics.sizes(assign [, k]) -> {sizes = int64 [k], k, empty, min, max, entropy,
--                                      norm_entropy, imbalance}
return function(dc, core)
  local options = require 'dclab.options'
  local metrics = {}

  function metrics.nmi(a, b, opts)
    opts = options.check('nmi', opts, {average = {type = 'string', default = 'geometric'}})
    return core.nmi(a, b, opts.average)
  end

  metrics.ari = core.ari
  metrics.acc = core.acc
  metrics.contingency = core.contingency

  function metrics.sizes(assign, k)
    local sizes, st = core.cluster_sizes(assign, k)
    st.sizes = sizes
    return st
  end

  dc.metrics = metrics
end
