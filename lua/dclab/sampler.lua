-- Samplers: which dataset images (1-based indices, int64) one DeepCluster epoch trains on,
-- given the cluster assignment. A registry, so a script swaps the policy by name or passes
-- its own function(assign, k, gen, n_epoch) -> int64 indices.
-- Method: lua/dclab/method.md §5 (UnifLabelSampler and the reference code's bug).
return function(dc)
  local sampler = {registry = {}}

  -- Dataset indices grouped by cluster: members of cluster c are
  -- order:narrow(1, start[c], counts[c]) (stable, so ascending within a cluster).
  local function groups(assign, k)
    local counts = dc.bincount(assign, {minlength = k})
    local order = assign:argsort(1)
    local start, s = {}, 1
    local ctab = counts:totable()
    for c = 1, #ctab do
      start[c] = s
      s = s + ctab[c]
    end
    return order, ctab, start
  end

  -- The paper's intent: every non-empty cluster gets the same quota s = floor(n / c) + 1,
  -- drawn with replacement only when the cluster has <= s members; then shuffle, truncate.
  function sampler.registry.uniform_per_cluster(assign, k, gen, n_epoch)
    local order, counts, start = groups(assign, k)
    local nonempty = 0
    for c = 1, #counts do
      if counts[c] > 0 then nonempty = nonempty + 1 end
    end
    if nonempty == 0 then error('uniform_per_cluster: every cluster is empty', 2) end
    local s = n_epoch // nonempty + 1
    local parts = {}
    for c = 1, #counts do
      local n = counts[c]
      if n > 0 then
        local members = order:narrow(1, start[c], n)
        local pick
        if n <= s then
          pick = dc.randint(1, n, s, {generator = gen})
        else
          pick = dc.randperm(n, {generator = gen}):narrow(1, 1, s)
        end
        parts[#parts + 1] = members:index_select(1, pick)
      end
    end
    local all = dc.cat(parts, 1)
    local shuffled = all:index_select(1, dc.randperm(all:numel(), {generator = gen}))
    return shuffled:narrow(1, 1, n_epoch):contiguous()
  end

  -- The released code's behaviour: the uniform sampler yields dataset indices q, but the
  -- dataset it indexes is in cluster-concatenated order, so image order[q] is what trains.
  -- Cluster frequencies end up ~ proportional to cluster size.
  function sampler.registry.reference_bug_compatible(assign, k, gen, n_epoch)
    local q = sampler.registry.uniform_per_cluster(assign, k, gen, n_epoch)
    local order = groups(assign, k)
    return order:index_select(1, q)
  end

  -- Natural frequencies: a permutation of the dataset, repeated as needed to n_epoch.
  function sampler.registry.shuffle(assign, k, gen, n_epoch)
    local _ = k
    local n = assign:numel()
    local parts, total = {}, 0
    while total < n_epoch do
      parts[#parts + 1] = dc.randperm(n, {generator = gen})
      total = total + n
    end
    return dc.cat(parts, 1):narrow(1, 1, n_epoch):contiguous()
  end

  -- Natural frequencies too; the runner weights each image's loss by 1/|its cluster|
  -- (sampler.class_weights) instead of resampling.
  sampler.registry.loss_weights = sampler.registry.shuffle

  -- Per-cluster loss weights N/(c * |cluster|), c the number of non-empty clusters, for the 'loss_weights' policy (0 for empty
  -- clusters): a uniform assignment gives weight 1.
  function sampler.class_weights(assign, k)
    local counts = dc.bincount(assign, {minlength = k}):float()
    local nonempty = counts:gt(0):sum()
    local w = dc.where(counts:gt(0), (assign:numel() / nonempty) / counts:clamp(1), 0)
    return w
  end

  function sampler.register(name, fn)
    assert(type(name) == 'string' and type(fn) == 'function',
      'sampler.register(name, fn): a name and a function(assign, k, gen, n_epoch)')
    sampler.registry[name] = fn
  end

  -- Resolves a name or a function into a function, with a clear error for unknown names.
  function sampler.get(spec)
    if type(spec) == 'function' then return spec end
    local fn = sampler.registry[spec]
    if not fn then
      local names = {}
      for name in pairs(sampler.registry) do names[#names + 1] = name end
      table.sort(names)
      error(string.format("sampler: unknown sampler '%s' (registered: %s)", tostring(spec),
        table.concat(names, ', ')), 2)
    end
    return fn
  end

  return sampler
end
