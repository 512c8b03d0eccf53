-- Samplers: which dataset images (1-based indices, int64) one DeepCluster epoch trains on,
-- given the cluster assignment. A registry, so a script swaps the policy by name or passes
-- its own function(assign, k, gen, n_epoch) -> int64 indices (sampler.registry: name -> that
-- function). A sampler may come with loss weights, function(assign, k) -> float32 [k];
-- sampler.entry gives both, {name, draw, loss_weights}. sampler.draw runs a sampler and
-- checks what it returns (the contract is in help(dc.deepcluster)).
-- Method: lua/dclab/method.md §5 (UnifLabelSampler and the reference code's bug).
local options = require 'dclab.options'

return function(dc)
  local sampler = {registry = {}}
  local draws = {}
  local loss_weights = {} -- name -> the loss weights of a registered sampler that has them

  -- The arguments of a built-in sampler or weighting fname: (assign, k [, gen, n_epoch]).
  local IDS = {type = 'tensor', dtype = 'int64', dim = 1}
  local function check_args(fname, assign, k, gen, n_epoch, draws_n)
    options.arg(fname, 1, assign, IDS, 3)
    options.arg(fname, 2, k, {type = 'integer', min = 1}, 3)
    if draws_n then
      options.arg(fname, 3, gen, {type = 'generator', optional = true}, 3)
      options.arg(fname, 4, n_epoch, {type = 'integer', min = 1}, 3)
    end
  end

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
  function draws.uniform_per_cluster(assign, k, gen, n_epoch)
    check_args('uniform_per_cluster', assign, k, gen, n_epoch, true)
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
  function draws.reference_bug_compatible(assign, k, gen, n_epoch)
    check_args('reference_bug_compatible', assign, k, gen, n_epoch, true)
    local q = draws.uniform_per_cluster(assign, k, gen, n_epoch)
    local order = groups(assign, k)
    return order:index_select(1, q)
  end

  -- Natural frequencies: a permutation of the dataset, repeated as needed to n_epoch (the
  -- draw of 'shuffle' and of 'loss_weights', each checking its arguments under its name).
  local function permutations(fname)
    return function(assign, k, gen, n_epoch)
      check_args(fname, assign, k, gen, n_epoch, true)
      local n = assign:numel()
      local parts, total = {}, 0
      while total < n_epoch do
        parts[#parts + 1] = dc.randperm(n, {generator = gen})
        total = total + n
      end
      return dc.cat(parts, 1):narrow(1, 1, n_epoch):contiguous()
    end
  end
  draws.shuffle = permutations('shuffle')

  -- Per-cluster loss weights N/(c * |cluster|), c the number of non-empty clusters (0 for
  -- empty clusters): a uniform assignment gives weight 1.
  function sampler.class_weights(assign, k)
    check_args('class_weights', assign, k)
    local counts = dc.bincount(assign, {minlength = k}):float()
    local nonempty = counts:gt(0):sum()
    local w = dc.where(counts:gt(0), (assign:numel() / nonempty) / counts:clamp(1), 0)
    return w
  end

  -- A registry entry from a function or an {draw =, loss_weights =} table, checked; level as
  -- in error(), from as_entry's caller.
  local function as_entry(fname, v, level)
    if type(v) == 'function' then return {draw = v} end
    if type(v) == 'table' and type(v.draw) == 'function'
        and (v.loss_weights == nil or type(v.loss_weights) == 'function') then
      return {draw = v.draw, loss_weights = v.loss_weights}
    end
    error(string.format('%s: a sampler is a function(assign, k, gen, n_epoch) or ' ..
      '{draw = function, loss_weights = function(assign, k)}, got %s', fname, type(v)), level + 1)
  end

  function sampler.register(name, fn)
    if type(name) ~= 'string' then
      error(string.format('sampler.register: name must be a string, got %s', type(name)), 2)
    end
    local e = as_entry('sampler.register', fn, 2)
    sampler.registry[name], loss_weights[name] = e.draw, e.loss_weights
  end

  for name, fn in pairs(draws) do sampler.register(name, fn) end
  -- Natural frequencies, each image's loss weighted by 1/|its cluster| instead of resampling.
  sampler.register('loss_weights', {draw = permutations('loss_weights'),
    loss_weights = sampler.class_weights})

  -- The registry entry of a name, function or entry table, with a clear error for unknown
  -- names; the entry's name says which sampler in errors. fname: the public function called,
  -- which entry's caller is.
  local function entry(fname, spec)
    if type(spec) == 'function' or type(spec) == 'table' then
      local e = as_entry(fname, spec, 3)
      e.name = 'the sampler function'
      return e
    end
    local draw = sampler.registry[spec]
    if not draw then
      local names = {}
      for name in pairs(sampler.registry) do names[#names + 1] = name end
      table.sort(names)
      error(string.format("%s: unknown sampler '%s' (registered: %s)", fname, tostring(spec),
        table.concat(names, ', ')), 4)
    end
    return {name = "sampler '" .. spec .. "'", draw = draw, loss_weights = loss_weights[spec]}
  end
  function sampler.entry(spec)
    local e = entry('sampler.entry', spec)
    return e -- not a tail call: entry's error level counts this frame
  end

  -- The draw function of a name or function.
  function sampler.get(spec)
    return entry('sampler.get', spec).draw
  end

  -- Runs sampler spec and checks its result: an int64 1-D tensor of dataset indices in
  -- 1..assign:numel(), at least one.
  function sampler.draw(spec, assign, k, gen, n_epoch)
    local e = type(spec) == 'table' and spec.name and spec or entry('sampler.draw', spec)
    local idx = e.draw(assign, k, gen, n_epoch)
    local n = assign:numel()
    local function bad(fmt, ...)
      error(string.format('sampler.draw: %s ' .. fmt .. ' (the contract: help(dc.deepcluster))',
        e.name, ...), 3)
    end
    if not dc.is_tensor(idx) then
      bad('returned a %s, not an int64 tensor of dataset indices', type(idx))
    end
    if idx:dtype() ~= 'int64' or idx:dim() ~= 1 or idx:numel() == 0 then
      bad('returned %s [%s]; expected int64 [n] dataset indices, n >= 1', idx:dtype(),
        table.concat(idx:shape(), ', '))
    end
    local lo, hi = idx:min(), idx:max()
    if lo < 1 or hi > n then
      bad('returned indices %d..%d, outside 1..%d (indices are 1-based dataset positions)',
        lo, hi, n)
    end
    return idx
  end

  return sampler
end
