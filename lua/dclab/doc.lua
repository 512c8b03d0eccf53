-- Help texts shown by help(obj) (REPL, scripts, -e). Keys: 'dc.a.b' for fields of the dc
-- table at any depth, 'dc.a.Class:m' for methods of classes (a method overriding a
-- documented one of its parent class shows the parent's text), 'Tensor:<name>' for tensor
-- methods, plus topics: 'help' (the overview), 'indexing', 'method' (lua/dclab/method.md).
-- Each text starts with the call signature; in-place twins (add_) share their function's
-- text. tests/lua/repl_spec.lua walks dc (Repl.public) and fails on anything without one.
local doc = {}

local function entry(names, text)
  if type(names) == 'string' then names = {names} end
  for _, name in ipairs(names) do doc[name] = text end
end

entry('help', [[
dclab REPL: `dc` is loaded. Results are printed; an error leaves you at the prompt.
  help(obj)        help on a function, tensor or table: help(dc.zeros), help(t), help(dc)
  help('method')   DeepCluster: the method, its hyper-parameters and the reference's quirks
  help('indexing') t[{i, j}], t[{{1, 3}, 2}], t[mask]
  =expr            prints expr (as lua5.4); an expression alone prints too
  who()            the globals defined in this session, with tensor shapes
  dc.time(fn, ...) wall-clock seconds of one call fn(...), then fn's results
  dc.<TAB>, t:<TAB>  complete names, fields and tensor methods
  Ctrl-C clears the line or interrupts running code; Ctrl-D exits.
  History is kept in ~/.dclab_history.]])

-- help('method'): the method description, lua/dclab/method.md, read from beside this file
-- (it is installed with it).
do
  local path = debug.getinfo(1, 'S').source:match('^@(.*)doc%.lua$')
  local f = path and io.open(path .. 'method.md', 'r')
  doc.method = f and f:read('a') or
    "help: method.md, the method description, is missing from dclab's library folder"
  if f then f:close() end
end

-- ---- the dc table ----

entry('dc', [[
dc: the dclab library (`local dc = require 'dclab'`; the REPL and scripts run by the
  launcher have it already). Tensors: dc.tensor, dc.zeros, ...; help(dc.Tensor) for methods.]])

entry('dc.Tensor', [[
dc.Tensor: the tensor class (its methods; `t:<TAB>` lists them)
  Tensors are float32 (default), int64 (labels, indices, cluster ids) or uint8 (images, masks),
  up to 8 dimensions. Views share storage with their source. Indices and dimensions count
  from 1, negative ones from the end. Operators + - * / ^ and unary - work elementwise with
  numpy broadcasting, with tensors or numbers. Indexing: t[i], t[{i, j}], t[{{1, 3}, 2}],
  t[mask] (help('indexing')); ipairs(t) visits rows (elements of a 1-D tensor).
  Methods ending in _ work in place (add_, fill_, zero_); fill and copy, Torch7's names,
  work in place too.]])

entry('dc.empty', [[
dc.empty(sizes... [, {dtype=}]) -> tensor
  An uninitialised tensor; sizes as integers or one table: dc.empty(2, 3), dc.empty({2, 3}).
  dtype: 'float32' (default), 'int64' or 'uint8'.]])

entry('dc.zeros', [[
dc.zeros(sizes... [, {dtype=}]) -> tensor
  A tensor of zeros: dc.zeros(2, 3), dc.zeros({2, 3}, {dtype = 'int64'}).]])

entry('dc.ones', [[
dc.ones(sizes... [, {dtype=}]) -> tensor
  A tensor of ones: dc.ones(4), dc.ones(2, 2, {dtype = 'uint8'}).]])

entry('dc.full', [[
dc.full(sizes..., value [, {dtype=}]) -> tensor
  A tensor filled with value: dc.full(2, 3, 7.5), dc.full({2, 3}, 1, {dtype = 'int64'}).]])

entry('dc.tensor', [[
dc.tensor(data [, dtype]) -> tensor
  A tensor from nested Lua tables (rectangular) or one number (0-dimensional):
  dc.tensor{{1, 2}, {3, 4}} is float32 [2, 2]; dc.tensor({1, 2, 3}, 'int64').]])

entry('dc.arange', [[
dc.arange(stop) | dc.arange(start, stop [, step]) [, {dtype=}] -> 1-D tensor
  start, start + step, ... up to stop excluded (start 0, step 1 by default), as numpy and
  PyTorch. int64 when all bounds are integers, float32 otherwise: dc.arange(5) is 0 1 2 3 4;
  1-based ids 1..n are dc.arange(1, n + 1). (Ranges differ by function, each as its model:
  arange excludes stop as numpy; randint includes hi as math.random; randperm gives 1..n.)]])

entry('dc.linspace', [[
dc.linspace(a, b, n) -> float32 1-D tensor
  n evenly spaced points from a to b, both included.]])

entry('dc.eye', [[
dc.eye(n [, m] [, dtype]) -> tensor
  The n x m identity matrix (m = n by default): ones on the main diagonal.]])

entry('dc.where', [[
dc.where(cond, a, b) -> tensor
  cond ~= 0 ? a : b elementwise; a and b are tensors or numbers; all three broadcast.
  Example: dc.where(x:gt(0), x, 0) is relu(x).]])

entry('dc.is_tensor', [[
dc.is_tensor(v) -> boolean
  True when v is a dclab tensor.]])

entry('dc.memory', [[
dc.memory() -> {bytes=, peak=, allocs=}
  Engine memory: bytes of tensor storage alive now, the highest value since start (or since
  dc.reset_peak_memory()), and the number of storage allocations made.]])

entry('dc.reset_peak_memory', [[
dc.reset_peak_memory()
  Restarts dc.memory().peak from the bytes alive now, to measure the peak of one step.]])

entry('dc.versions', [[
dc.versions() -> {dclab=, lua=, openblas=, faiss=, jpeg=}
  The versions of dclab and of the libraries this build uses (`dclab --version` prints them).]])

entry('dc.version_string', [[
dc.version_string() -> string
  dc.versions() as text, one component a line, as `dclab --version` prints it.]])

entry('dc.isatty', [[
dc.isatty([fd = 1]) -> boolean
  Whether stdout (or file descriptor fd) is a terminal: long work draws a progress bar
  there and prints plain lines elsewhere.]])

entry('dc.catch_interrupts', [[
dc.catch_interrupts(on)
  While on, Ctrl-C (SIGINT) only sets a flag that dc.interrupted() reports, so a long loop
  (DeepCluster training) stops after the current batch with its last checkpoint intact.
  dc.catch_interrupts(false) restores the previous handler.]])

entry('dc.interrupted', [[
dc.interrupted() -> boolean
  Whether SIGINT arrived since the last call (the flag is cleared). See dc.catch_interrupts.]])

entry('dc.deepcluster', [=[
dc.deepcluster{model =, data =, k = 100, epochs = 1, batch = 256, seed = 31, out = nil, ...} -> run
  The DeepCluster loop (Caron et al. 2018): per epoch, features in evaluation mode ->
  PCA-whitening + L2 -> clustering -> pseudo-labels -> sampler -> fresh head -> one epoch
  of training. run:fit() runs the remaining epochs; run:step() one. Options: clustering,
  reassign, sampler, head, preprocess (the plug-ins below), optim, head_optim,
  transforms = {train =, eval =}, epoch_size, threads, resume, hooks, feature_layer,
  stream_features. With out = dir: config.json, log.jsonl, assign.npy and checkpoint.bin
  (atomic) every epoch; a log entry's empty counts the clusters the assignment leaves empty,
  empty_met those k-means met over its iterations (what the reassign strategy acted on).
  stream_features = true: the raw N x D features never exist (one pass
  fits the PCA batch by batch, a second projects; twice the forward passes). precision =
  'bf16': bf16 convolutions and Linear layers with fp32 sums (dc.nn.set_precision), refused
  on a CPU without bf16 compute.

  Plug-in contracts (ids and indices are 1-based everywhere; each is checked where the
  plug-in returns, and the error names the plug-in):
  clustering = 'kmeans' | 'pic' | a name from dc.cluster.register | an object | a function
    object:   obj:fit(x, {seed = s}) with x float32 [N, D] (the preprocessed features) and s
              an integer in 0..2147483646, new every epoch.
    function: fn(x, k, gen) with k the configured k and gen a dc.Generator of the epoch.
    returns:  an int64 tensor [N] of cluster ids, or {assign = int64 [N], k = integer,
              loss = number, centroids = float32 [k, D], stats = table} (all but assign
              optional; head = 'centroids' needs centroids). Every id lies in 1..k, k being
              the returned k, else the k a function was asked for, else obj.k, else the
              largest id; clusters may be empty.
    checked by dc.cluster.fit: "cluster.fit: the clustering function returned cluster ids
              21..40, outside 1..20 (ids are 1-based, k = 20)".
  reassign = a name from dc.cluster.reassign_names() or dc.cluster.register_reassign, or a
    function; k-means' empty-cluster strategy, so only with clustering = 'kmeans' (refused
    otherwise; config.json records the strategy k-means used).
    function: fn(centroids, counts, ctx), called after an iteration that left clusters
              empty: centroids float32 [k, D] to edit in place (the empty clusters' rows);
              counts int64 [k]; ctx = {k, iter, empty = int64 ids of the empty clusters, x =
              float32 [N, D], dist = float32 [N] (each point's squared distance to its
              centroid), assign = int64 [N], similarity = boolean, seed = integer}.
    returns:  nothing, or the number of clusters it fixed (an integer >= 0).
    checked by k-means: every centroid finite ("the reassign function left non-finite
              centroids (NaN or Inf) in cluster 3"), the return value.
  sampler = 'uniform_per_cluster' | 'reference_bug_compatible' | 'shuffle' | 'loss_weights'
    | a name from dc.sampler.register | a function | {draw =, loss_weights =}
    draw:     fn(assign, k, gen, n) with assign int64 [N] (cluster ids), gen a dc.Generator
              of the epoch and n = round(epoch_size * N) >= 1, the number of images wanted.
    returns:  int64 [m], m >= 1 (normally n): the dataset indices (1..N, repeats allowed)
              trained on this epoch, in that order.
    loss_weights (optional): fw(assign, k) -> float32 [k], the cross-entropy weight of each
              cluster ('loss_weights' = 'shuffle' with weights N / (c |cluster|)).
    checked by dc.sampler.draw: "sampler.draw: the sampler function returned indices
              0..199, outside 1..200 (indices are 1-based dataset positions)".
  head = 'reinit' (a new Linear(dim, k), weights N(0, 0.01^2), bias 0, its own SGD from
    head_optim, every epoch) | 'keep' (the previous head while k is unchanged) |
    'centroids' (a frozen CentroidHead on the clustering's centroids; preprocess unset).
    Another head: override run:new_head (below).
  preprocess = options of dc.cluster.preprocess (default {pca = 256, whiten = true, l2 =
    true}) | false | an object with fit_apply(x) -> float32 [N, d] (and partial_fit, finish,
    apply, reset for stream_features). Its output is what the clustering gets; not checked
    here.
  hooks = {on_epoch_start(run, epoch), on_features(run, feats), on_clusters(run, res, h),
    on_batch(run, i, loss), on_epoch_end(run, stats)}.

  DeepCluster's successors (DeepCluster-v2, SeLa; presets in dc.recipes, method.md §10):
  feature_layer = 'projection' with projection = {hidden = H (default: the input width),
    dim = D} or a module [N, width] -> [N, D]: dc.models.projection appended to the
    classifier (trained and checkpointed with it); clustering and head work on its
    L2-normalised output.
  heads = {{k = K1}, {k = K2}, ...} (instead of k): one clustering and one head each, the
    loss averaged over heads; the sampler uses head 1's clusters; log entries carry head 1's
    statistics and heads = {...} with every head's (k, loss, nmi_labels, nmi_prev, sizes,
    collapse, head_nmi_labels); assign.npy, assign_2.npy, ...
  spherical = true: k-means with cosine assignment (dc.cluster.kmeans's option).
  head = 'centroids', temperature = 0.1: DeepCluster-v2's frozen normalised centroids.
  features = 'pass' (default: an evaluation pass each epoch) | 'memory_bank' (the
    embeddings of the previous epoch's training passes, views 1 and 2 in banks that the
    heads take in turn; the first epoch makes one plain pass). The bank holds every image's
    entry exactly once per epoch: the sampler must give a permutation (sampler = 'shuffle').
  clustering = 'sinkhorn' (SeLa), sinkhorn = {epsilon =, iters =}: each kept head's
    log-softmax scores over all images go through Sinkhorn-Knopp equipartition; labels =
    argmax. Needs head = 'keep'; kept heads are checkpointed with their optimizers.
  views = {tf1, tf2, ...} (instead of transforms.train): multi-crop; every view of an image
    has its labels, the loss is averaged over views and heads, one step per batch.
  lr_schedule = {warmup = E, cosine = true, start = 0, final = 0, total = epochs} (the main
    optimizer's lr from start up to its lr over E epochs, then cosine down to final;
    dc.optim.schedule.warmup_cosine) or function(epoch) -> lr.
  collapse_share = 0.5: a log entry's collapse is a message (also on stderr when verbose)
    when one cluster holds more than this share of the images or the loss is within 1% of
    ln k; else null.
  A head with as many outputs as the labels have classes is scored as a clustering: the
    argmax over all images (one evaluation pass), head_nmi_labels in the log.

  Subclassing (dc.DeepCluster): override a step, keep the rest.
    local MyRun = dc.DeepCluster:extend()
    function MyRun:cluster(feats, streams) ... return {assign = ids, k = self.cfg.k} end
    MyRun{model = m, data = ds, k = 10}:fit()       -- or MyRun:new{...}
  Steps, in order (streams = {cluster, sampler, head, dropout}: the epoch's generators):
    run:features(h) -> float32 [N, D], what head h clusters (h > 1 asked only when the
      heads' features differ: two memory banks, SeLa's scores)
    run:cluster(feats, streams, h) -> a clustering result of head h (as above, with k)
    run:sample(res, streams) -> int64 dataset indices (res: head 1's)
    run:new_head(res, dim, streams, h) -> head h's optimizer or nil (installs the head with
      run.model:set_top_layer(m), m mapping [B, dim] to [B, res.k] logits; several heads
      are then gathered into one dc.nn.ConcatTable)
    run:train(results, idx, epoch, streams, head_optims) -> mean loss, {each head's}
  MyRun.super[name](self, ...) calls the parent's step. dc.deepcluster(cfg) touches no file:
  run:prepare() (called by fit and step) makes out, resumes or writes config.json.
  resume = true refuses a checkpoint made with other settings (all but epochs, out, resume,
  verbose, progress, threads, hooks), listing each one that differs.]=])

entry('dc.deepcluster_log', [[
dc.deepcluster_log(dir) -> {entry, ...}
  The per-epoch entries of a run folder's log.jsonl as Lua tables (JSON null -> nil).]])

entry('dc.progress', [[
dc.progress(label, total [, {tty =, out =}]) -> p
  A progress display: p:update(done), p:finish(). A redrawn bar with items/s and ETA on a
  terminal; a plain line every quarter elsewhere.]])

entry('dc.now', [[
dc.now() -> seconds
  A monotonic wall clock; only differences mean anything. Wall time, not CPU time, since
  OpenMP and OpenBLAS run on several threads.]])

entry('dc.time', [[
dc.time(fn, ...) -> seconds, fn's results
  Calls fn(...) once and returns its wall-clock duration first:
  dc.time(function() return a:add(b) end).]])

-- ---- random numbers (lua/dclab/random.lua) ----

entry('dc.Generator', [[
dc.Generator(seed) -> generator
  A counter-based random generator (Philox4x32-10): same seed, same numbers, whatever the
  thread count. g:random() / g:random(m) / g:random(m, n) draw like math.random;
  g:normal([mean, std]); g:split(stream) -> an independent generator (g is not advanced);
  g:state() -> a plain table for checkpoints, g:set_state(s) restores it; g:seed();
  g:manual_seed(s) restarts g. Pass it as {generator = g} to dc.rand and friends.]])

entry('dc.is_generator', [[
dc.is_generator(v) -> boolean
  Whether v is a dc.Generator.]])

entry('dc.manual_seed', [[
dc.manual_seed(seed) -> the default generator
  Restarts the default generator, which every random function uses when given no
  generator. It starts from dc.default_seed (42), so unseeded runs are reproducible too.]])

entry('dc.default_generator', [[
dc.default_generator() -> generator
  The generator used when none is given (see dc.manual_seed).]])

entry('dc.rand', [[
dc.rand(sizes... [, {generator=, seed=}]) -> float32 tensor
  Uniform in [0, 1): dc.rand(2, 3), dc.rand({2, 3}, {seed = 1}).]])

entry('dc.randn', [[
dc.randn(sizes... [, {generator=, seed=}]) -> float32 tensor
  Standard normal N(0, 1) (Box-Muller): dc.randn(8, 3, 28, 28, {generator = g}).]])

entry('dc.randint', [[
dc.randint(lo, hi, sizes... [, {generator=, seed=, dtype=}]) -> tensor
  Integers in [lo, hi], both included as in math.random (torch.randint excludes its high;
  dclab does not): int64 unless dtype says otherwise. dc.randint(1, 6, 10): ten dice.]])

entry('dc.randperm', [[
dc.randperm(n [, {generator=, seed=}]) -> int64 tensor
  1..n in random order (Fisher-Yates), 1-based like every index in dclab (torch.randperm
  gives 0..n-1): dc.randperm(5), ds:subset(dc.randperm(#ds):narrow(1, 1, 100)).]])

entry('dc.bernoulli', [[
dc.bernoulli(p, sizes... [, {generator=, seed=, dtype=}]) -> tensor
  1 with probability p, else 0; float32 unless dtype says otherwise.]])

-- ---- files and printing (lua/dclab/io.lua, bindings/l_print.c) ----

entry('dc.save_npy', [[
dc.save_npy(path, t)
  Writes t as a numpy .npy file (float32 '<f4', int64 '<i8', uint8 '|u1'), atomically.]])

entry('dc.load_npy', [[
dc.load_npy(path) -> tensor
  Reads a .npy file; also '<f8' (as float32), '<i4' (as int64), '|b1' (as uint8) and
  Fortran order. A bad or truncated file raises an error naming it and the problem.]])

entry('dc.save', [[
dc.save(path, tensors | module [, meta])
  Writes a checkpoint: tensors = {name = tensor, ...} or a module (its m:state(): parameters
  and running statistics), meta = a plain Lua value (tables, strings, numbers, booleans),
  atomically (temporary file, fsync, rename), with a CRC32. dc.save('net.bin', model).]])

entry('dc.load', [[
dc.load(path) -> tensors, meta; dc.load(path, module) -> module, meta
  Reads a checkpoint written by dc.save; a corrupt or truncated file is refused whole. With
  a module, its state is loaded into it (module:load_state, strict: every entry present,
  none unknown, same shapes): dc.load('net.bin', dc.models.small{}).]])

entry('dc.set_printoptions', [[
dc.set_printoptions{edgeitems=, threshold=, precision=, linewidth=} -> previous options
  How print(t) looks: tensors over threshold elements (1000) are summarised to edgeitems (3)
  at each end; precision (4) digits; rows wider than linewidth (80) are cut into column
  blocks. Absent keys keep their value; dc.set_printoptions(previous) restores.]])

-- ---- tensor methods: inspection ----

entry('Tensor:shape', [[
t:shape() -> {sizes}
  The sizes of each dimension as a Lua table: {2, 3}; {} for a 0-dimensional tensor.]])

entry('Tensor:size', [[
t:size([dim]) -> {sizes} | size
  Without dim, the sizes as t:shape() gives them, in a list that prints as [2, 3]; with dim,
  the size of that dimension (1-based, negative from the end).]])

entry('Tensor:stride', [[
t:stride() -> {strides}
  The step, in elements, between neighbours along each dimension.]])

entry('Tensor:dim', [[
t:dim() -> n
  The number of dimensions.]])

entry('Tensor:numel', [[
t:numel() -> n
  The number of elements.]])

entry('Tensor:dtype', [[
t:dtype() -> 'float32' | 'int64' | 'uint8'
  The element type.]])

entry('Tensor:is_contiguous', [[
t:is_contiguous() -> boolean
  True when the elements are stored in row-major order without gaps.]])

entry('Tensor:item', [[
t:item() -> number
  The value of a one-element tensor (an integer for int64 and uint8).]])

entry('Tensor:totable', [[
t:totable() -> nested tables
  The elements as nested Lua tables (a number for a 0-dimensional tensor).]])

entry('Tensor:free', [[
t:free()
  Releases the storage now rather than at garbage collection; the tensor is unusable after.
  Also runs on `local t <close> = ...` at the end of the block. Calling it twice is harmless.]])

entry('Tensor:data_ptr', [[
t:data_ptr() -> string
  The address of the first element, for checking whether two tensors share storage.]])

-- ---- tensor methods: views (share storage with t) ----

entry('Tensor:view', [[
t:view(sizes...) -> view
  The same elements with another shape, without copying; t must be laid out compatibly
  (t:reshape copies when it is not). One size may be -1: it is inferred.]])

entry('Tensor:reshape', [[
t:reshape(sizes...) -> tensor
  Like t:view, but copies when the layout does not allow a view (as numpy does).]])

entry('Tensor:narrow', [[
t:narrow(dim, start, length) -> view
  Elements start .. start + length - 1 along dim.]])

entry('Tensor:select', [[
t:select(dim, index) -> view
  The slice at index along dim, with that dimension removed; t[i] is t:select(1, i).]])

entry({'Tensor:transpose', 'Tensor:t'}, [[
t:transpose(dim1, dim2) -> view;  t:t() -> view
  Swaps two dimensions; t:t() transposes a matrix.]])

entry('Tensor:permute', [[
t:permute(dims...) -> view
  Reorders the dimensions: t:permute(3, 1, 2) of a [C, H, W]... gives [W, C, H].]])

entry('Tensor:squeeze', [[
t:squeeze([dim]) -> view
  Removes dimension dim if its size is 1, or every size-1 dimension without dim.]])

entry('Tensor:unsqueeze', [[
t:unsqueeze(dim) -> view
  Inserts a dimension of size 1 at position dim (1 .. t:dim() + 1).]])

entry('Tensor:expand', [[
t:expand(sizes...) -> view
  Repeats size-1 dimensions to the given sizes without copying (stride 0).]])

entry('Tensor:contiguous', [[
t:contiguous() -> tensor
  t itself when contiguous, otherwise a contiguous copy.]])

-- ---- tensor methods: copies and conversion ----

entry('Tensor:clone', [[
t:clone([dtype]) -> tensor
  A contiguous copy, converted to dtype when given.]])

entry('Tensor:float', [[
t:float() -> tensor
  Converted to float32 (t itself when it already is).]])

entry('Tensor:long', [[
t:long() -> tensor
  Converted to int64, truncating toward zero (t itself when it already is).]])

entry('Tensor:byte', [[
t:byte() -> tensor
  Converted to uint8 (t itself when it already is).]])

entry('Tensor:type', [[
t:type() -> dtype name; t:type(dtype) -> tensor
  Without an argument, the dtype's name ('float32', 'int64' or 'uint8', as t:dtype());
  with one, t converted to dtype (t itself when it already has it): t:type('int64').]])

entry('Tensor:copy', [[
t:copy(src) -> t
  Copies src into t, converting the dtype; src broadcasts to t's shape.]])

-- ---- tensor methods: elementwise ----

local function binary(name, what)
  entry({'Tensor:' .. name, 'Tensor:' .. name .. '_'}, string.format([[
t:%s(b) -> tensor;  t:%s_(b) -> t (in place)
  %s, elementwise; b is a tensor or a number, broadcasting as in numpy.]], name, name, what))
end
binary('add', 't + b (the + operator)')
binary('sub', 't - b (the - operator)')
binary('mul', 't * b (the * operator)')
binary('div', 't / b as float32 (the / operator)')
binary('pow', 't ^ b as float32 (the ^ operator)')
binary('maximum', 'The larger of t and b')
binary('minimum', 'The smaller of t and b')

local function compare(name, op)
  entry('Tensor:' .. name, string.format([[
t:%s(b) -> uint8 mask
  1 where t %s b, 0 elsewhere; b is a tensor or a number, broadcasting.]], name, op))
end
compare('lt', '<')
compare('le', '<=')
compare('gt', '>')
compare('ge', '>=')
compare('eq', '==')
compare('ne', '~=')

local function unary(name, what)
  entry({'Tensor:' .. name, 'Tensor:' .. name .. '_'}, string.format([[
t:%s() -> tensor;  t:%s_() -> t (in place)
  %s, elementwise.]], name, name, what))
end
unary('neg', '-t (the unary - operator)')
unary('abs', '|t|')
unary('relu', 'max(t, 0)')
unary('sqrt', 'The square root as float32')
unary('exp', 'e^t as float32')
unary('log', 'The natural logarithm as float32')
unary('sigmoid', '1 / (1 + e^-t) as float32')
unary('tanh', 'The hyperbolic tangent as float32')
unary('floor', 'Rounded down')
unary('ceil', 'Rounded up')

entry({'Tensor:clamp', 'Tensor:clamp_'}, [[
t:clamp(lo [, hi]) -> tensor;  t:clamp_(lo [, hi]) -> t (in place)
  min(max(t, lo), hi) elementwise; a nil bound is not applied: t:clamp(nil, 1).]])

-- ---- indexing (bindings/l_index.c, lua/dclab/index.lua); index values count from 1 ----

entry('dc.cat', [=[
dc.cat(list [, dim]) -> tensor
  The tensors of list joined along dimension dim (1 by default); one dtype, equal sizes except
  at dim: dc.cat({a, b}) stacks rows, dc.cat({a, b}, 2) columns.]=])

entry('dc.stack', [=[
dc.stack(list [, dim]) -> tensor
  Tensors of one dtype and shape joined along a new dimension dim (1 by default):
  dc.stack{x, y} of two [3] tensors is [2, 3].]=])

entry('dc.bincount', [=[
dc.bincount(x [, {weights=, minlength=}]) -> 1-D tensor
  Entry i counts how often the value i occurs in the int64 1-D x (values >= 1), or sums
  weights (float32 or int64, x's shape) over those places. The length is max(x) or minlength
  if larger; int64 without weights. Example: cluster sizes dc.bincount(assign, {minlength = k}).]=])

entry('Tensor:index_select', [=[
t:index_select(dim, idx) -> tensor
  The entries of t at positions idx (int64 1-D, repeats allowed) along dim, in idx's order:
  t:index_select(1, dc.tensor({3, 1}, 'int64')) takes rows 3 and 1.]=])

entry('Tensor:gather', [=[
t:gather(dim, idx) -> tensor
  out[i][j] = t[i][idx[i][j]] for dim = 2 (likewise for any dim); idx is int64 with t's number
  of dimensions; out has idx's shape. Example: scores:gather(2, labels:view(-1, 1)).]=])

entry('Tensor:scatter_add_', [=[
t:scatter_add_(dim, idx, src) -> t (in place)
  t[i][idx[i][j]] += src[i][j] for dim = 2 (likewise for any dim); repeated indices add up.
  idx int64 with t's number of dimensions, src of t's dtype and at least idx's sizes.]=])

entry('Tensor:masked_select', [=[
t:masked_select(mask) -> 1-D tensor
  The entries of t where the uint8 mask (a comparison result) is non-zero, in row-major order;
  t and mask broadcast: t:masked_select(t:gt(0)).]=])

entry('Tensor:masked_fill_', [=[
t:masked_fill_(mask, v) -> t (in place)
  Sets the entries of t where the uint8 mask (broadcast to t's shape) is non-zero to v.]=])

entry('Tensor:cumsum', [=[
t:cumsum([dim]) -> tensor
  Running sums along dim (1 by default); integer tensors give int64.]=])

entry('Tensor:sort', [=[
t:sort([dim [, descending]]) -> values, indices
  t sorted along dim (the last by default), ascending unless descending is true, and where each
  value came from (int64). Stable: equal values keep their order; NaN sorts as the largest.]=])

entry('Tensor:argsort', [=[
t:argsort([dim [, descending]]) -> indices
  The indices of t:sort(dim, descending) alone.]=])

entry('Tensor:topk', [=[
t:topk(k [, dim [, largest]]) -> values, indices
  The k largest entries along dim (the last by default), or the k smallest when largest is
  false, best first, with their indices (int64); ties in index order: logits:topk(5).]=])

entry('Tensor:split', [=[
t:split(size [, dim]) -> {views}
  Views of size entries along dim (1 by default), the last one shorter when size does not
  divide the dimension: dc.arange(1, 8):split(3) gives {1 2 3}, {4 5 6}, {7}.]=])

entry('Tensor:chunk', [=[
t:chunk(n [, dim]) -> {views}
  At most n views of ceil(size / n) entries along dim (1 by default), the last smaller.]=])

-- ---- tensor methods: random fills ----

entry('Tensor:uniform_', [=[
t:uniform_([lo [, hi [, g]]]) -> t
  Fills float32 t with uniform numbers in [lo, hi) (0 and 1 by default) from generator g
  (the default generator when absent). Views are filled in their logical order.]=])

entry('Tensor:normal_', [=[
t:normal_([mean [, std [, g]]]) -> t
  Fills float32 t from N(mean, std^2) (0 and 1 by default) with generator g.]=])

entry('Tensor:bernoulli_', [[
t:bernoulli_(p [, g]) -> t
  Fills t (any dtype) with 1 (probability p) or 0 with generator g.]])
-- ---- tensor methods: reductions ----

local function reduction(name, what, extra)
  entry('Tensor:' .. name, string.format([=[
t:%s() -> number;  t:%s(dim [, keepdim]) -> tensor
  %s over all elements, or along dim (negative: from the end);
  keepdim keeps dim with size 1.%s]=],
    name, name, what, extra or ''))
end
reduction('sum', 'The sum',
  '\n  int64 and uint8 sums are exact int64; float32 is accumulated blockwise in double.')
reduction('mean', 'The mean', '\n  float32, also for integer tensors.')
reduction('prod', 'The product', '\n  int64 for integer tensors.')

local function moment(name, what)
  entry('Tensor:' .. name, string.format([=[
t:%s([dim [, keepdim]] [, {unbiased = true}]) -> number or tensor
  %s over all elements or along dim; unbiased (default) divides by n - 1,
  else by n.]=],
    name, what))
end
moment('var', 'The variance')
moment('std', 'The standard deviation')

entry('Tensor:norm', [=[
t:norm([p [, dim [, keepdim]]]) -> number or tensor
  The p-norm (sum |x|^p)^(1/p), p = 2 by default; p = 0 counts non-zeros, p = math.huge is
  max |x|. Over all elements, or along dim.]=])

local function extreme(name, what)
  entry('Tensor:' .. name, string.format([=[
t:%s() -> number;  t:%s(dim [, keepdim]) -> values, indices
  The %s over all elements, or along dim together with the (1-based, int64)
  index of the first one.
  A NaN wins: the result is NaN at the first NaN's index.]=], name, name, what))
end
extreme('max', 'largest value')
extreme('min', 'smallest value')

local function arg_extreme(name, what)
  entry('Tensor:' .. name, string.format([=[
t:%s() -> index;  t:%s(dim [, keepdim]) -> int64 tensor
  The 1-based index of the first %s: flat (row-major) over all
  elements, or along dim.]=],
    name, name, what))
end
arg_extreme('argmax', 'largest value (or NaN)')
arg_extreme('argmin', 'smallest value (or NaN)')

-- ---- matrix products (OpenBLAS; float32) and threads ----

local function product(name, shapes)
  entry({'dc.' .. name, 'Tensor:' .. name}, string.format([=[
dc.%s(a, b [, out]) or a:%s(b [, out]) -> tensor
  %s.
  Transposed views go to BLAS as they are (no copy).
  out: a float32 tensor of the result's shape to write into, returned (no allocation).]=],
    name, name, shapes))
end
product('mm', 'a [n, k] @ b [k, m] -> [n, m]')
product('bmm', 'Batches of products: a [B, n, k] @ b [B, k, m] -> [B, n, m]')
product('matmul', [=[As numpy: 1-D . 1-D -> 0-d; [n, k] @ [k] -> [n]; [k] @ [k, m] -> [m];
  stacks [.., n, k] @ [.., k, m] -> [.., n, m] with the batch dims broadcasting]=])
product('mv', 'a [n, m] @ v [m] -> [n]')

entry({'dc.dot', 'Tensor:dot'}, [=[
dc.dot(a, b) or a:dot(b) -> number
  The dot product of two float32 1-D tensors of one length.]=])

entry({'dc.addmm', 'Tensor:addmm', 'Tensor:addmm_'}, [=[
dc.addmm(c, a, b [, {alpha = 1, beta = 1}]) or c:addmm(a, b [, opts]) -> new tensor
c:addmm_(a, b [, opts]) -> c (in place)
  beta * c + alpha * (a @ b); a [n, k], b [k, m], c broadcasting to [n, m] (a bias row).]=])

entry('dc.set_num_threads', [=[
dc.set_num_threads(n)
  The threads of later parallel work: both OpenMP (elementwise ops, reductions) and OpenBLAS.]=])

entry('dc.get_num_threads', [=[
dc.get_num_threads() -> n
  The threads parallel work uses (the number of cores unless set).]=])

-- ---- Torch-style conveniences (lua/dclab/tensor.lua, lua/dclab/index.lua) ----

entry({'Tensor:fill_', 'Tensor:fill'}, [=[
t:fill_(value) -> t (in place)
  Sets every element to value. t:fill(value) is the same call under Torch7's name: it works
  in place too (dclab's rule is that a trailing _ marks in-place methods; fill and copy keep
  Torch7's names). Example: grad:fill_(0).]=])

entry('Tensor:zero_', [=[
t:zero_() -> t (in place)
  Sets every element to 0: t:zero_() is t:fill_(0).]=])

entry('Tensor:double', [=[
t:double() -> float32 tensor
  dclab has no float64: its dtypes are float32, int64 and uint8, and every kernel computes in
  float32 (sums and covariances accumulate in double inside). t:double() is t:float(), so
  Torch code that calls it runs; the result is float32, not float64.]=])

entry('Tensor:int', [=[
t:int() -> int64 tensor
  t:long(): converted to int64, truncating toward zero (dclab has no int32).]=])

entry('Tensor:flatten', [=[
t:flatten([first = 1 [, last = -1]]) -> tensor
  Dimensions first..last merged into one (negative dims count from the end); a view when t
  is contiguous, else a copy (as reshape). A 0-d tensor gives [1].
  Example: dc.zeros(8, 2, 3, 3):flatten(2) is [8, 18].]=])

entry('Tensor:repeat_tensor', [=[
t:repeat_tensor(counts...) -> tensor (a copy)
  t tiled counts[i] times along dimension i (Torch7's repeatTensor, PyTorch's repeat); counts
  may be one table and may have more entries than t has dimensions (leading ones are added).
  Example: dc.tensor{1, 2}:repeat_tensor(2, 2) is {{1, 2, 1, 2}, {1, 2, 1, 2}}. To repeat
  size-1 dimensions without copying use t:expand.]=])

entry({'Tensor:sin', 'Tensor:sin_'}, [=[
t:sin([out]) -> tensor; t:sin_() -> t (in place)
  Elementwise sine (radians), float32 (integer tensors are converted).]=])

entry({'Tensor:cos', 'Tensor:cos_'}, [=[
t:cos([out]) -> tensor; t:cos_() -> t (in place)
  Elementwise cosine (radians), float32 (integer tensors are converted).]=])

entry('indexing', [=[
Indexing a tensor (indices count from 1; negative ones from the end):
  t[i]                 row i: a view, or a number for a 1-D tensor; t[i] = v fills / copies it
  t[#t + 1]            nil, so that `for i, row in ipairs(t)` stops at the end; other
                       out-of-range indices raise
  t[{i, j}]            the element (a number) when every dimension gets an integer
  t[{{1, 3}, 2}]       Torch7 ranges: {first, last} inclusive, {i} = {i, i}, {} = all; a view
  t[{2}]               missing entries take whole dimensions
  t[{...}] = v         v a number (fills) or a tensor (copied, broadcast) into that view
  t[mask]              the entries where a uint8 mask (t:gt(0), ...) is non-zero, as 1-D
  t[mask] = v          sets them to the number v (masked_fill_)
Examples: x[{{}, 1}] is the first column; x[x:lt(0)] = 0 clamps negatives.]=])

-- ---- neural networks (dc.nn; lua/dclab/nn/) ----

entry('dc.nn', [=[
dc.nn: Torch-style modules, one class per file. Layers: Conv2d, Linear, BatchNorm2d,
  BatchNorm1d, ReLU, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, Dropout, Flatten, Sobel,
  Softmax, LogSoftmax, CentroidHead; container: Sequential; criteria: CrossEntropyLoss,
  NTXentLoss, MSELoss.
  Every module has the methods of dc.nn.Module (help(dc.nn.Module)). Example:
    local net = dc.nn.Sequential{dc.nn.Linear(784, 100), dc.nn.ReLU(), dc.nn.Linear(100, 10)}
    local y = net(x)   -- net:forward(x)]=])

entry('dc.nn.Module', [=[
dc.nn.Module: the base class of every module.
  m:forward(x) -> y (also m(x))       m:backward(x, dy) -> dx
  m:parameters() -> params, grads     m:zero_grad()   m:num_params()
  m:training() / m:evaluate()         m:state() -> {name = tensor}   m:load_state(state)
  tostring(m) describes it. Modules start in training mode. A new layer:
    local My, parent = dc.nn.Module:extend('My')
    function My:__init(n) parent.__init(self); self:param('weight', {n}) end
    function My:forward(x) ... return self.output end]=])

entry('dc.nn.Module:forward', [=[
m:forward(x) -> y    (m(x) is the same call)
  The output for input x. y is m.output, a buffer the next forward overwrites: y:clone()
  what you keep. Input shapes are checked and errors name the module, e.g.
  "Linear(3 -> 2): expected input [N, 3], got float32 [4, 5]".]=])

entry('dc.nn.Module:backward', [=[
m:backward(x, dy) -> dx
  After m:forward(x): adds the gradient of the loss to every parameter's gradient
  (accumulates: call m:zero_grad() first) and returns dL/dx (m.grad_input), or nil when
  m.need_input_grad is false. For a criterion: crit:backward(logits, target) -> dlogits.]=])

entry('dc.nn.Module:parameters', [=[
m:parameters() -> params, grads
  Two lists of tensors, weight before bias, in forward order; their identities never change,
  so an optimizer keeps them: dc.optim.sgd(m:parameters(), {lr = 0.1}).]=])

entry('dc.nn.Module:zero_grad', [=[
m:zero_grad() -> m
  Sets every parameter gradient to 0 (backward accumulates into them).]=])

entry('dc.nn.Module:num_params', [=[
m:num_params() -> n
  The number of trainable scalars.]=])

entry('dc.nn.Module:training', [=[
m:training([on = true]) -> m
  Training mode (batch statistics in BatchNorm, Dropout on); m:training(false) is
  m:evaluate(). Containers set their children too.]=])

entry('dc.nn.Module:evaluate', [=[
m:evaluate() -> m
  Evaluation mode: BatchNorm uses its running statistics, Dropout is the identity.]=])

entry('dc.nn.Module:state', [=[
m:state() -> {name = tensor}
  The parameters and running statistics (no activations), under stable names such as
  'weight' or, in containers, '3.weight' and 'features.1.bias'. The tensors are the
  module's own: dc.save(path, m) writes them; :clone() to snapshot.]=])

entry('dc.nn.Module:load_state', [=[
m:load_state(state [, {strict = true}]) -> m
  Copies the tensors of state (from m:state() or dc.load) into the module's, all or
  nothing: every entry is checked (m:check_state) before the first is copied. Strict: every
  entry must be present, none unknown, shapes equal; strict = false skips missing and
  unknown entries. dc.load(path, m) reads a file straight into m.]=])

entry('dc.nn.Module:check_state', [=[
m:check_state(state [, strict]) -> nothing
  Raises the error m:load_state(state, {strict = strict}) would raise, changing nothing:
  an entry that is not a tensor of the module's shape, and when strict a missing or an
  unknown one. Containers (Sequential, Net) name the child at fault.]=])

entry('dc.nn.Module:describe', [=[
m:describe() -> string
  The one-line description tostring(m) shows, e.g. "Conv2d(3 -> 96, 11x11, stride 4, pad 2)".]=])

entry('dc.nn.Module:extend', [=[
dc.nn.Module:extend(name) -> class, parent
  A subclass called as class(...) (which runs class:__init(...)); metamethods (tostring,
  calling) are inherited. See help(dc.nn.Module) for an example.]=])

entry('dc.nn.Module:is_module', [=[
dc.nn.Module.is_module(v) -> boolean
  Whether v is a module (an instance of Module or of a subclass).]=])

entry('dc.nn.is_module', [=[
dc.nn.is_module(v) -> boolean
  Whether v is a module (an instance of dc.nn.Module or of a subclass).]=])

entry('dc.nn.Module:param', [=[
m:param(name, shape) -> weight, grad
  For new layers, in __init: registers a trainable parameter (zeros) as m[name] and its
  gradient as m['grad_' .. name]; parameters() and state() then list it.]=])

entry('dc.nn.Module:buffer', [=[
m:buffer(name, tensor) -> tensor
  For new layers: state that is saved but not trained (running statistics), as m[name].]=])

entry('dc.nn.Module:fit_buffers', [=[
m:fit_buffers(x, names...)
  For new layers, in forward: when x's shape differs from the last call's, forgets
  m.output, m.grad_input and the named buffers so the kernels allocate them anew.]=])

entry('dc.nn.Conv2d', [=[
dc.nn.Conv2d(in, out, k [, {stride = 1, pad = 0, bias = true, algo = 'auto'}]) -> module
  2-D convolution of [N, in, H, W] into [N, out, Ho, Wo]; k, stride and pad are a number or
  {h, w}. algo 'im2col' | 'winograd2' | 'winograd4' forces the algorithm ('auto' picks
  Winograd for 3x3 stride-1 layers of >= 16 channels). Initialised as DeepCluster's code:
  weight N(0, 2 / (kh * kw * out)), bias 0.
  Example: dc.nn.Conv2d(3, 96, 11, {stride = 4, pad = 2}).]=])

entry({'dc.nn.Conv2d:reset', 'dc.nn.Linear:reset'}, [=[
m:reset([generator]) -> m
  Draws fresh weights as at construction, from generator (default: dclab's default one).]=])

entry('dc.nn.Linear', [=[
dc.nn.Linear(in, out [, {bias = true}]) -> module
  y = x W^T + b on [N, in] -> [N, out]. Initialised as DeepCluster's code: weight
  N(0, 0.01^2), bias 0. Example: dc.nn.Linear(4096, 100).]=])

entry('dc.nn.BatchNorm2d', [=[
dc.nn.BatchNorm2d(channels [, {eps = 1e-5, momentum = 0.1}]) -> module
  Batch normalisation over [N, C, H, W] per channel: weight 1 and bias 0 at start; batch
  statistics in training (running averages updated with momentum, unbiased variance as
  PyTorch), running statistics in evaluation. A following in-place ReLU in a Sequential
  runs fused with it.]=])

entry('dc.nn.BatchNorm1d', [=[
dc.nn.BatchNorm1d(features [, {eps = 1e-5, momentum = 0.1}]) -> module
  Batch normalisation over [N, C] per feature (see help(dc.nn.BatchNorm2d)).]=])

entry('dc.nn.ReLU', [=[
dc.nn.ReLU([{inplace = false}]) -> module
  y = max(x, 0). In place, the output is the input tensor itself (saves a buffer, as
  PyTorch's inplace=True); right after a BatchNorm in a Sequential it is fused into it.]=])

entry('dc.nn.MaxPool2d', [=[
dc.nn.MaxPool2d(k [, {stride = k, pad = 0, ceil_mode = false}]) -> module
  Max pooling of [N, C, H, W]; k, stride, pad a number or {h, w}; ties go to the first
  maximum. Example: dc.nn.MaxPool2d(3, {stride = 2}).]=])

entry('dc.nn.AvgPool2d', [=[
dc.nn.AvgPool2d(k [, {stride = k, pad = 0, ceil_mode = false, count_include_pad = true}])
  Average pooling of [N, C, H, W], as PyTorch's AvgPool2d.]=])

entry('dc.nn.AdaptiveAvgPool2d', [=[
dc.nn.AdaptiveAvgPool2d(size) -> module
  Average pooling to a fixed output size (a number or {h, w}) whatever the input size
  (PyTorch's bins). Example: dc.nn.AdaptiveAvgPool2d(6) turns [N, C, 13, 13] into [N, C, 6, 6].]=])

entry('dc.nn.Dropout', [=[
dc.nn.Dropout([p = 0.5] [, {generator = g}]) -> module
  In training, zeroes each element with probability p and scales the others by 1 / (1 - p);
  the identity in evaluation. The mask comes from g (default: dclab's default generator).]=])

entry('dc.nn.Flatten', [=[
dc.nn.Flatten() -> module
  [N, ...] -> [N, prod(...)], a view (no copy).]=])

entry('dc.nn.Sobel', [=[
dc.nn.Sobel() -> module
  DeepCluster's fixed front end, [N, 3 or 1, H, W] -> [N, 2, H, W]: grayscale (channel mean),
  then the horizontal and vertical Sobel filters (zero padding 1). No parameters.]=])

entry('dc.nn.Softmax', [=[
dc.nn.Softmax() -> module
  Softmax over the last dimension of [N, D].]=])

entry('dc.nn.LogSoftmax', [=[
dc.nn.LogSoftmax() -> module
  Log of the softmax over the last dimension of [N, D] (computed stably).]=])

entry('dc.nn.CentroidHead', [=[
dc.nn.CentroidHead(centroids [, {temperature = 0.1}]) -> module
  DeepCluster-v2's classifier: logits = normalize(x) . normalize(c)^T / temperature with the
  k-means centroids c float32 [k, D] frozen (no parameters); the gradient flows into x.
  Used by dc.deepcluster{head = 'centroids'}.]=])

entry('dc.nn.CrossEntropyLoss', [=[
dc.nn.CrossEntropyLoss([{weight = w}]) -> criterion
  Softmax + negative log-likelihood of the target classes, averaged over the batch; with
  class weights w float32 [k] the weighted mean sum w[t] nll / sum w[t] (as PyTorch).
    local loss = crit:forward(logits, target)     -- logits [N, k], target int64 [N] in 1..k
    local dlogits = crit:backward(logits, target)]=])

entry('dc.nn.Sequential', [=[
dc.nn.Sequential([{m1, m2, ...}]) -> container
  Runs its modules in order (backward in reverse). An error inside gets the module's path
  as prefix: "(3) Conv2d(96 -> 256, 5x5): ...". s:add(m), s:insert(m [, pos]),
  s:remove([pos]), s:replace(pos, m), s:get(pos), s:size(); state names are '<pos>.<name>'.
  Example: dc.nn.Sequential{dc.nn.Linear(2, 8), dc.nn.ReLU(), dc.nn.Linear(8, 2)}.]=])

entry('dc.nn.Sequential:add', [=[
s:add(m) -> s
  Appends module m (chainable: s:add(a):add(b)).]=])

entry('dc.nn.Sequential:insert', [=[
s:insert(m [, pos = end]) -> s
  Inserts module m at position pos; the modules from pos on move one place.]=])

entry('dc.nn.Sequential:remove', [=[
s:remove([pos = last]) -> module
  Removes and returns the module at pos.]=])

entry('dc.nn.Sequential:replace', [=[
s:replace(pos, m) -> old module
  Puts m at pos in place of the module there, which is returned.]=])

entry('dc.nn.Sequential:get', [=[
s:get(pos) -> module
  The module at position pos (1-based).]=])

entry('dc.nn.Sequential:size', [=[
s:size() -> n
  The number of modules.]=])

entry('dc.nn.Sequential:refresh_fusion', [=[
s:refresh_fusion()
  Re-marks BatchNorm + in-place ReLU pairs for fusion. add/insert/remove/replace call it;
  call it yourself only after editing s.modules directly.]=])

-- ---- optimizers (dc.optim; lua/dclab/optim/) ----

entry('dc.optim', [=[
dc.optim: optimizers and learning-rate schedules.
  dc.optim.sgd (help(dc.optim.sgd)), dc.optim.SGD (its class), dc.optim.adam, dc.optim.Adam,
  dc.optim.schedule.]=])

entry({'dc.optim.sgd', 'dc.optim.SGD:new'}, [=[
dc.optim.sgd(settings) | dc.optim.sgd(params [, grads], settings) | dc.optim.sgd(module, settings)
  -> optimizer
  SGD with momentum, dampening, Nesterov and weight decay, as PyTorch's torch.optim.SGD
  (one fused C update per parameter). settings: lr (required), momentum = 0, dampening = 0,
  weight_decay = 0, nesterov = false. The first form starts with no parameters (add them
  with opt:add); the others make a first group: a parameter list alone works for module
  parameters (their gradients are found), as in PyTorch:
    local opt = dc.optim.sgd(model:parameters(), {lr = 0.05, momentum = 0.9})
    model:zero_grad(); crit:backward(...); ...; opt:step()]=])

entry('dc.optim.SGD', [=[
dc.optim.SGD: the class of dc.optim.sgd's optimizers. opt:add, opt:step, opt:zero_grad,
  opt:set_lr, opt:state, opt:load_state; opt.groups is plain data.]=])

entry('dc.optim.SGD:add', [=[
opt:add(module [, settings]) | opt:add(params [, grads] [, settings]) -> opt
  A new parameter group with its own settings (the optimizer's by default), e.g. a head
  without momentum: opt:add(model.top_layer, {momentum = 0}).]=])

entry('dc.optim.SGD:step', [=[
opt:step() -> opt
  One update of every parameter from its gradient.]=])

entry('dc.optim.SGD:zero_grad', [=[
opt:zero_grad() -> opt
  Sets the gradients of every group's parameters to 0.]=])

entry('dc.optim.SGD:set_lr', [=[
opt:set_lr(lr) -> opt
  Sets the learning rate of every group (what schedules drive: opt:set_lr(sched(epoch))).]=])

entry('dc.optim.SGD:state', [=[
opt:state() -> {steps =, groups = {{lr =, momentum =, ..., momentum_buffers = {...}}}}
  The settings and momentum buffers, for a checkpoint (dc.checkpoint.save does it).]=])

entry('dc.optim.SGD:load_state', [=[
opt:load_state(state) -> opt
  Restores what opt:state() gave into the same groups (same count, same parameter sizes).]=])

entry('dc.optim.schedule', [=[
dc.optim.schedule: learning rates by epoch (or step) t = 1, 2, ...: constant, step, cosine.
  Each returns a function t -> lr. Example:
    local sched = dc.optim.schedule.cosine{lr = 0.1, total = 30}
    for epoch = 1, 30 do opt:set_lr(sched(epoch)); ... end]=])

entry('dc.optim.schedule.constant', [=[
dc.optim.schedule.constant{lr = 0.05} -> function(t) -> lr
  The same rate every epoch (the paper's).]=])

entry('dc.optim.schedule.step', [=[
dc.optim.schedule.step{lr = 0.1, step = 30, gamma = 0.1} -> function(t) -> lr
  lr * gamma ^ floor((t - 1) / step).]=])

entry('dc.optim.schedule.cosine', [=[
dc.optim.schedule.cosine{lr = 0.1, total = 100, min = 0} -> function(t) -> lr
  min + (lr - min) * (1 + cos(pi * (t - 1) / total)) / 2.]=])

-- ---- networks (dc.models; lua/dclab/models/) ----

entry('dc.models', [=[
dc.models: DeepCluster's networks, each a dc.models.Net split into sobel / features /
  classifier / top_layer: small (28x28 images), alexnet and vgg16 (224x224); and
  autoencoder (an MLP encoder / decoder).]=])

entry('dc.models.small', [=[
dc.models.small{sobel = true, k = nil, generator = nil} -> Net
  The convnet for 28x28 images (Fashion-MNIST): features conv3x3(64)-BN-ReLU-pool,
  conv(128)-BN-ReLU-pool, conv(256)-BN-ReLU, conv(256)-BN-ReLU-pool -> 2304; classifier
  Dropout-Linear(2304, 512)-ReLU-Dropout-Linear(512, 512)-ReLU; top_layer Linear(512, k) when
  k is given. 2.4M parameters. generator: draws the weights from it.
  Example: local net = dc.models.small{k = 10}; net(dc.zeros(8, 1, 28, 28)) is [8, 10].]=])

entry('dc.models.alexnet', [=[
dc.models.alexnet{sobel = true, bn = true, k = nil, generator = nil} -> Net
  DeepCluster's AlexNet for [N, 3, 224, 224]: 96/256/384/384/256 filters, BatchNorm after
  every conv, no LRN; classifier Dropout-Linear(9216, 4096)-ReLU-Dropout-Linear(4096,
  4096)-ReLU; top_layer Linear(4096, k) when k is given.]=])

entry('dc.models.vgg16', [=[
dc.models.vgg16{sobel = true, bn = true, k = nil, generator = nil} -> Net
  VGG-16 (with BatchNorm) as DeepCluster's code for [N, 3, 224, 224]; classifier
  Linear(25088, 4096)-ReLU-Dropout-Linear(4096, 4096)-ReLU; top_layer Linear(4096, k).]=])

entry('dc.models.Net', [=[
dc.models.Net(name, {sobel =, features =, classifier =, top_layer =}) -> network
  A DeepCluster network: forward runs sobel (optional) -> features -> flatten ->
  classifier -> top_layer (optional). The clustering feature is the classifier's output;
  the top layer is replaced every epoch (net:set_top_layer). State names are
  'features.1.weight', 'top_layer.bias', ...]=])

entry('dc.models.Net:stages', [=[
net:stages() -> {{name, module}, ...}
  The present parts in forward order ('sobel', 'features', 'flatten', 'classifier',
  'top_layer').]=])

entry('dc.models.Net:set_top_layer', [=[
net:set_top_layer(m) -> old top layer
  Replaces the head (nil removes it); m takes the network's training mode.]=])

-- ---- data (dc.data, dc.transforms; lua/dclab/data/, lua/dclab/transforms.lua) ----

entry('dc.data', [=[
dc.data: datasets (fashion_mnist, image_folder, tensor_dataset), subsets, JPEG export and
  the threaded loader. A dataset ds: #ds, ds[i] -> {image, label}, ds:get(i) -> image, label,
  ds.labels (int64, 1-based), ds.classes, ds:subset(n | indices).]=])

entry('dc.data.fashion_mnist', [=[
dc.data.fashion_mnist{split = 'train', root = <Debian's dataset-fashion-mnist folder>} -> dataset
  Fashion-MNIST from its IDX files (gzip or not): split 'train' (60,000), 'test' (10,000) or
  'all'; uint8 images [N, 1, 28, 28], labels 1..10, ds.classes the 10 names.
  Example: dc.data.fashion_mnist{split = 'test'}:subset(2000).]=])

entry('dc.data.fashion_mnist_transforms', [=[
dc.data.fashion_mnist_transforms() -> {train =, eval =}
  The recipe's transforms at 28x28: train = RandomResizedCrop(28, scale 0.5..1) + flip,
  eval = the image as is; both ToFloat then Normalize with the train split's mean 0.2860 and
  std 0.3530.]=])

entry('dc.data.image_folder', [=[
dc.data.image_folder{root =, layout = 'auto', list = nil, gray = false, on_error = 'skip'}
  -> dataset
  JPEG files under root. layout 'classes': one subfolder per class, labels from the sorted
  folder names (torchvision's ImageFolder); 'flat': every JPEG, no labels; 'auto': classes
  when root has subfolders. list: a text file of paths (relative to root), each optionally
  followed by a tab and a class name. on_error 'skip' counts unreadable files, 'error' raises.]=])

entry('dc.data.tensor_dataset', [=[
dc.data.tensor_dataset(images [, labels [, classes]]) -> dataset
  A dataset over uint8 images [N, C, H, W] (C = 1 or 3) with optional int64 labels 1..k and
  class names. Example: dc.data.tensor_dataset(dc.zeros({10, 1, 8, 8}, {dtype = 'uint8'})).]=])

entry('dc.data.subset', [=[
dc.data.subset(ds, n | indices) -> dataset
  ds:subset(...): the first n samples, or the samples at indices (1-based int64 tensor or
  list, repeats allowed), in that order.]=])

entry('dc.data.loader', [=[
dc.data.loader(ds, {batch = 256, transform = | views =, order =, threads = 1, prefetch = 2,
  drop_last = false, seed = 0, epoch = 1, on_error = ds's}) -> loader
  Batches decoded and transformed by C worker threads:
    for x, y, idx in loader:iter() do ... end   -- x float32 [B, C, H, W], y labels, idx ids
  x, y, idx are reused buffers valid until the next batch. order: the sample indices of a
  pass (default 1..#ds); the sample at position s of the pass in epoch e draws its
  randomness from (seed, e, s), so the thread count does not change results.
  loader:reset{epoch =, order =} starts a new pass.
  views = {tf1, ..., tfV} (1 to 16 transforms; not with transform): multi-view / multi-crop
  batches xs, y, idx with xs = {x1, ..., xV}, xv float32 [B, C, Hv, Wv]; row b of every view
  is the same image (decoded once), view v with its own stream (seed, e, s, v) (ds:get(i, tfv,
  seed, v) gives it for epoch 0 and order 1..#ds). loader.views = V. Example (SwAV's
  multi-crop at 28 px): views = {big, big, small, small, small, small} with
    big = T.compose{T.RandomResizedCrop(28, {scale = {0.3, 1}}), T.RandomHorizontalFlip(), norm}
    small = T.compose{T.RandomResizedCrop(16, {scale = {0.1, 0.3}}), T.RandomHorizontalFlip(),
      norm}.]=])

entry('dc.data.read_idx', [=[
dc.data.read_idx(path) -> tensor
  An unsigned-byte IDX file (the MNIST format; gzip or not): 3 dims [N, H, W] give uint8
  [N, 1, H, W] images, 1 dim gives int64 labels as stored, others uint8 with the file's dims.]=])

entry('dc.data.export_jpeg', [=[
dc.data.export_jpeg(ds, dir [, {quality = 95, size = n | {h, w}}]) -> count
  Writes the dataset as a JPEG class-folder tree dir/<01_T-shirt_top>/<00001>.jpg, so that
  image_folder{root = dir} gives the same labels and order back; unlabelled datasets go flat.]=])

entry('dc.data.threads_alive', [=[
dc.data.threads_alive() -> n
  Loader worker threads alive in the process (0 when every loader is idle or closed).]=])

entry('dc.data.Dataset', [=[
dc.data.Dataset: the class of datasets (see help(dc.data)): #ds, ds[i], ds:get, ds:subset.]=])

entry('dc.data.Dataset:new', [=[
dc.data.Dataset.new(desc, {classes =, name =, on_error =}) -> dataset
  For new dataset kinds: desc = {images = uint8 [N, C, H, W] | files = file list, labels =,
  index =, gray =}, the table the loader threads read.]=])

entry('dc.data.Dataset:get', [=[
ds:get(i [, transform, seed, view]) -> image, label
  Sample i: the stored pixels (uint8 [C, H, W]), or with a transform its float32 result for
  the random stream of sample i of a loader's pass in epoch 0 over 1..#ds with that seed
  (default 0), or for that of its view `view` in a multi-view loader (help(dc.data.loader)).
  ds[i] gives {image, label}.]=])

entry('dc.data.Dataset:subset', [=[
ds:subset(n | indices) -> dataset
  The first n samples, or those at indices (1-based int64 tensor or list), in that order.]=])

entry('dc.data.Loader', [=[
dc.data.Loader: the class of dc.data.loader's loaders (help(dc.data.loader)).]=])

entry('dc.data.Loader:new', [=[
dc.data.Loader.new(ds, opts) -> loader
  dc.data.loader(ds, opts).]=])

entry('dc.data.Loader:iter', [=[
loader:iter() -> iterator
  for x, y, idx in loader:iter() do ... end; leaving the loop (break or error included)
  stops the workers; the loader can then be reset and used again.]=])

entry('dc.data.Loader:stop', [=[
loader:stop()
  Ends the current pass now: the workers are joined, the buffers kept.]=])

entry('dc.data.Loader:reset', [=[
loader:reset([{epoch =, order =}])
  Starts a new pass, for epoch (its random streams) over order (sample indices).]=])

entry('dc.data.Loader:skipped', [=[
loader:skipped() -> count, lines
  The images skipped as unreadable in this pass, with one report line each.]=])

entry('dc.data.Loader:item_shape', [=[
loader:item_shape() -> {C, H, W}
  The shape of one transformed sample; for a multi-view loader a list of them, one per view.]=])

entry('dc.data.Loader:close', [=[
loader:close()
  Frees the workers and buffers now (also on `local l <close> = ...` and collection).]=])

entry('dc.transforms', [=[
dc.transforms: image transforms with torchvision's names and defaults, run in C by the
  loader threads: Resize, CenterCrop, RandomResizedCrop, RandomCrop, RandomHorizontalFlip,
  Grayscale, ToFloat, Normalize, compose; the augmentations RandomAffine, RandomRotation,
  GaussianBlur, ColorJitter, RandomGrayscale, RandomSolarize, RandomErasing, and
  RandomApply. Pixel ops
  first, ToFloat / Normalize after them, RandomErasing last.
  Example (T = dc.transforms):
    T.compose{T.RandomCrop(28, {pad = 2}), T.ToFloat(), T.Normalize({0.286}, {0.353})}]=])

entry('dc.transforms.Resize', [=[
dc.transforms.Resize(size) -> transform
  size n: the shorter side becomes n (aspect kept); {h, w}: exactly that size.]=])

entry('dc.transforms.CenterCrop', [=[
dc.transforms.CenterCrop(size) -> transform
  The central size x size (or {h, w}) region.]=])

entry('dc.transforms.RandomResizedCrop', [=[
dc.transforms.RandomResizedCrop(size [, {scale = {0.08, 1}, ratio = {3/4, 4/3}}]) -> transform
  A random region of scale of the area and aspect ratio in ratio, resized to size
  (torchvision's; the paper's training crop at 224).]=])

entry('dc.transforms.RandomCrop', [=[
dc.transforms.RandomCrop(size [, {pad = 0}]) -> transform
  Zero padding of pad pixels on every side, then a random size crop.]=])

entry('dc.transforms.RandomHorizontalFlip', [=[
dc.transforms.RandomHorizontalFlip([p = 0.5]) -> transform
  Mirrors the image with probability p.]=])

entry('dc.transforms.Grayscale', [=[
dc.transforms.Grayscale([channels = 1]) -> transform
  Luma as PIL's convert('L') (0.299 R + 0.587 G + 0.114 B), repeated to channels (1 or 3).]=])

entry('dc.transforms.ToFloat', [=[
dc.transforms.ToFloat() -> transform
  Pixels / 255 as float32 (torchvision's ToTensor).]=])

entry('dc.transforms.Normalize', [=[
dc.transforms.Normalize(mean, std) -> transform
  (x - mean) / std per channel on [0, 1] values: one number per channel, or one for all.]=])

entry('dc.transforms.compose', [=[
dc.transforms.compose{t1, t2, ...} -> transform
  One transform running them in order (nested composes flatten). Without ToFloat or
  Normalize the loader still gives float32 values in [0, 1].]=])

entry('dc.transforms.is_transform', [=[
dc.transforms.is_transform(v) -> boolean
  Whether v is a transform.]=])

-- ---- evaluation and output (dc.eval, dc.image, dc.report) ----

entry('dc.eval', [=[
dc.eval: how good are a network's features? The same code measures learned networks and
  the baselines (model = nil: raw pixels; a randomly initialised network), so comparisons
  are fair: features, clustering, knn, linear_probe, report.]=])

entry('dc.eval.features', [=[
dc.eval.features(model, data [, {layer = 'penultimate', transform =, batch = 256, threads = 2,
  dims = 2304}]) -> float32 [N, D]
  The features of every image in order, in evaluation mode. layer 'penultimate': the
  clustering feature; an integer i: the i-th conv stage's ReLU output, average-pooled to
  about dims values; 'pixels' (or model = nil): the raw image. transform: default ToFloat.]=])

entry('dc.eval.clustering', [=[
dc.eval.clustering(features, labels [, {k = 10, seeds = 3, niter = 20, preprocess =
  {'pca', 'l2'}, min_variance = 1e-10}]) -> {pca = scores, l2 = scores}
dc.eval.clustering(model, data [, opts])   (k = #data.classes; transform =, threads =)
  k-means with seeds 1..seeds, scored against the labels; 'pca' is the paper's
  PCA-whitening to min(256, D) dims + L2, 'l2' is L2 only. scores.nmi / .ari / .acc are
  {mean =, std =, runs = {...}}. Example: dc.eval.clustering(f, ds.labels).l2.nmi.mean]=])

entry('dc.eval.knn', [=[
dc.eval.knn(train_f, train_y, test_f, test_y [, {k = 20, temperature = 0.07}]) -> accuracy
dc.eval.knn(model, train, test [, opts])
  Weighted cosine k-NN (Wu et al. 2018): each test image votes among its k nearest training
  images with weight exp(similarity / temperature).]=])

entry('dc.eval.linear_probe', [=[
dc.eval.linear_probe(train_f, train_y, test_f, test_y [, {epochs = 10, lr = 0.01,
  weight_decay = 1e-4, batch = 256, seed = 1}]) -> test accuracy, train accuracy
dc.eval.linear_probe(model, train, test [, {layer = 1, ...}])
  A linear classifier on frozen features (standardised with the training mean and std),
  trained with SGD (momentum 0.9) and cross-entropy; the model form reads conv stage layer.]=])

entry('dc.eval.report', [=[
dc.eval.report(model, train, test [, {k = #test.classes, seeds = 3, knn = 20, probe_epochs = 10,
  probe_layers = every conv stage, min_variance = 1e-10, transform =, threads = 2}])
  -> {clustering = {pca =, l2 =}, knn = acc, probe = {[layer] = acc}}
  Every measure for one feature extractor (a network, or nil for raw pixels) on a
  train/test pair of labelled datasets: k-means on the test features, k-NN (knn
  neighbours) and a linear probe per conv stage trained on the train features.
  Example: dc.eval.report(nil, train, test).knn is the raw-pixel k-NN accuracy.]=])

entry('dc.eval.embed', [=[
dc.eval.embed(model, x) -> float32 [N, D]
  The clustering feature of batch x: sobel -> features -> flatten -> classifier without its
  final ReLU. The model's mode is the caller's business (model:evaluate() first).]=])

entry('dc.eval.conv_feature', [=[
dc.eval.conv_feature(model, x, layer, dims) -> float32 [N, ~dims]
  The output of the layer-th ReLU of model.features (before that stage's pooling),
  average-pooled to about dims values and flattened (the paper's probes).]=])

entry('dc.eval.conv_layers', [=[
dc.eval.conv_layers(model) -> n
  The number of conv stages (ReLUs) in model.features.]=])

entry('dc.image.load', [=[
dc.image.load(path [, {gray = false}]) -> float32 [C, H, W] in [0, 1] | nil, message
  A JPEG file; a missing or corrupt file returns nil and the reason.]=])

entry('dc.image.save', [=[
dc.image.save(t, path [, {quality = 95}])
  Writes t ([C, H, W] or [H, W], values in [0, 1], C = 1 or 3) as a JPEG file.]=])

entry('dc.image.mosaic', [=[
dc.image.mosaic(images [, {nrow = 8, padding = 2, pad_value = 0, normalize = false,
  scale_each = false, path = nil, quality = 95}]) -> grid float32 [C, H, W]
  The images ([N, C, H, W], [N, H, W] or a list of [C, H, W]) in a grid of nrow per row;
  normalize rescales values to [0, 1] (per image with scale_each); path also writes a JPEG.
  Example: dc.image.mosaic(model.features:get(1).weight, {normalize = true, path = 'f.jpg'}).]=])

entry('dc.report.table', [=[
dc.report.table(headers, rows) -> markdown text
  dc.report.table({'method', 'NMI'}, {{'pixels', 0.51}, {'ours', 0.6}}); whole numbers
  print as integers, others with 4 decimals, nil as '-'.]=])

entry('dc.report.write', [=[
dc.report.write(path, text)
  Writes text to path atomically (temporary file, then rename).]=])

-- ---- the DeepCluster parts (dc.sampler, dc.checkpoint, dc.ablation, dc.cli) ----

entry('dc.sampler', [=[
dc.sampler: which images one DeepCluster epoch trains on, given the clusters. A sampler is
  function(assign, k, gen, n) -> int64 [n] dataset indices (1-based); see help(dc.deepcluster)
  for the contract. Built in (dc.sampler.registry): uniform_per_cluster (the paper's),
  reference_bug_compatible, shuffle, loss_weights.]=])

entry('dc.sampler.registry', [=[
dc.sampler.registry: name -> sampler function; dc.sampler.register adds to it (the loss
  weights of a sampler that has them: dc.sampler.entry(name).loss_weights).]=])

entry('dc.sampler.registry.uniform_per_cluster', [=[
uniform_per_cluster(assign, k, gen, n) -> int64 [n]
  The paper's intent: every non-empty cluster gets the same quota floor(n / c) + 1 (c the
  non-empty clusters), drawn with replacement only when the cluster is smaller; then
  shuffled and cut to n.]=])

entry('dc.sampler.registry.reference_bug_compatible', [=[
reference_bug_compatible(assign, k, gen, n) -> int64 [n]
  What the released code trains on: its uniform sampler's indices applied to the dataset in
  cluster-concatenated order, so cluster frequencies end up about proportional to size.]=])

entry('dc.sampler.registry.shuffle', [=[
shuffle(assign, k, gen, n) -> int64 [n]
  Natural frequencies: a permutation of the dataset, repeated as needed to n.]=])

entry('dc.sampler.registry.loss_weights', [=[
loss_weights(assign, k, gen, n) -> int64 [n]
  Natural frequencies too; registered with loss weights dc.sampler.class_weights, which the
  runner applies to each image's loss instead of resampling.]=])

entry('dc.sampler.register', [=[
dc.sampler.register(name, fn | {draw = fn, loss_weights = fw})
  Makes dc.deepcluster{sampler = name} use fn(assign, k, gen, n) -> int64 [n] indices; fw(assign,
  k) -> float32 [k], when given, weights each cluster's loss (see dc.sampler.entry).
  Example, every image once in random order whatever the clusters:
    dc.sampler.register('plain', function(assign, k, gen, n)
      return dc.randperm(assign:size(1), {generator = gen}) end)]=])

entry('dc.sampler.get', [=[
dc.sampler.get(name | fn) -> fn
  The registered sampler of that name (an error lists the names), or fn itself.]=])

entry('dc.sampler.class_weights', [=[
dc.sampler.class_weights(assign, k) -> float32 [k]
  N / (c * |cluster|) per cluster, c the non-empty clusters, 0 for empty ones: a balanced
  assignment gives 1 everywhere.]=])

entry('dc.checkpoint', [=[
dc.checkpoint: a model's and its optimizers' state in one archive (see dc.save), and export
  of weights as .npy files.]=])

entry('dc.checkpoint.save', [=[
dc.checkpoint.save(path, {model =, optim = opt | {opt, ...}, meta = {...}})
  Writes model.state() ('model.<name>') and the optimizers' momentum buffers and settings
  atomically; meta is any plain value (epoch, random state, ...).
  Example: dc.checkpoint.save('runs/a/ckpt.bin', {model = net, optim = opt, meta = {epoch = 3}})]=])

entry('dc.checkpoint.load', [=[
dc.checkpoint.load(path, {model =, optim =, strict = true}) -> meta
  Restores everything or nothing: on any mismatch the model and optimizers are left as
  they were. strict = false ignores entries the model lacks and keeps missing ones.
  Example: local meta = dc.checkpoint.load('runs/a/ckpt.bin', {model = net, optim = opt})]=])

entry('dc.checkpoint.export_npy', [=[
dc.checkpoint.export_npy(dir, model)
  One .npy file per state entry: numpy.load(dir + '/features.1.weight.npy'); dir must exist.]=])

entry('dc.cli', [=[
dc.cli: command-line helpers for experiment scripts (argparse).]=])

entry('dc.cli.integer', [=[
dc.cli.integer(name) -> converter
  An argparse converter: the integer written in the argument, or an error naming option name.]=])

entry('dc.cli.int_option', [=[
dc.cli.int_option(parser, name, help, default)
  parser:option(name, help, default) whose value must be an integer.]=])

entry('dc.cli.fill_sizes', [=[
dc.cli.fill_sizes(args, defaults, preset, on) -> args
  Fills each key of defaults that args (parsed flags) left nil: from preset when on is
  true and preset has the key, else from defaults. Flags given beside a preset flag thus
  override it (the ablations' --paper, the recipe's --quick).
  Example: dc.cli.fill_sizes(args, {epochs = 10}, {epochs = 5}, args.quick)]=])

entry('dc.cli.precision_option', [=[
dc.cli.precision_option(parser)
  Adds --precision to an argparse parser: one of dc.nn.precision_names(), default fp32
  (the main job and every ablation script take it).
  Example: dc.cli.precision_option(parser); dc.deepcluster{..., precision = args.precision}]=])

-- ---- clustering (dc.cluster) ----

entry('dc.cluster', [=[
dc.cluster: clustering algorithms (k-means, PIC, Gaussian mixtures, Sinkhorn), their
  registries, the PCA-whitening step and exact kNN. dc.cluster.fit(algo, x, ...) runs a
  clustering: an object (algo:fit(x, ...))
  or a function (algo(x, ...)), returning int64 [N] ids in 1..k or {assign =, k =, loss =,
  stats =}. What dc.deepcluster passes to a clustering, and what it checks in the result,
  is the plug-in contract of help(dc.deepcluster), the one authority on it.]=])

entry('dc.cluster.preprocess', [=[
dc.cluster.preprocess{pca = 256, whiten = true, l2 = true, min_variance = 1e-10} -> pre
  DeepCluster's feature preprocessing: PCA to pca dims (false or 0: none), whitening
  (eigenvalue^-0.5: output covariance I), row L2 (a zero row stays 0). Output dims are
  clamped to min(pca, n - 1, D) and, when whitening, to the components whose variance is
  at least min_variance of the largest (default: all but numerically zero ones, as FAISS).
  pre(x) fits on x and projects it; pre:fit(x); pre:apply(x [, out]) projects (out: a
  contiguous [m, d_out] tensor, e.g. rows of a bigger one); pre:dims() -> d_in, d_out.
  Streaming, without the N x D matrix: pre:partial_fit(batch) per batch (mean and
  covariance accumulated in double), then apply (or pre:finish()) fits on all the rows so
  far; pre:reset() forgets them; pre:transform(n, next_batch) projects n rows of batches.]=])

entry('dc.cluster.kmeans', [=[
dc.cluster.kmeans{k =, niter = 20, nredo = 1, seed = 1234, ...} -> km
  k-means with exact FAISS assignment. Options: max_points_per_centroid (10M: never
  subsample), spherical (see below), init ('random' | 'kmeans++' |
  'faiss'), backend ('dclab' | 'faiss': FAISS's own Clustering), reassign (empty-cluster
  strategy: 'faiss_split' | 'deepercluster' | 'farthest_point' | 'random_point' | 'none' | a
  registered name | function(centroids, counts, ctx)), preprocess (object or its options).
  km:fit(x [, {seed =}]) -> {assign = int64 [N] (1..k), k, loss, centroids, stats}; stats:
  iters[i].obj, imbalance, nempty_met, nfixed, nempty_final. km:assign(x) -> ids, dist.
  spherical = true (DeepCluster-v2; FAISS's spherical flag): every centroid is renormalised
  to unit norm after each M-step and after the empty-cluster strategy (a refilled centroid
  too), and points go to the centroid of largest inner product, i.e. of largest cosine;
  objectives and dist are inner products (higher is better). Points are used as given:
  L2-normalise them for spherical k-means proper (a projection head's outputs are).
  DeepCluster-v2's own loop: spherical = true, niter = 10, reassign = 'none' (an empty
  cluster keeps its centroid); every strategy still works.]=])

entry('dc.cluster.pic', [=[
dc.cluster.pic{nnn = 5, sigma = 0.2, alpha = 0.001, niter = 200, ...} -> pic
  Power Iteration Clustering as DeepCluster's: kNN graph with weights exp(-d / sigma^2),
  power iteration, clusters = basins of local maxima; distribute_singletons = true;
  preprocess (object or its options). pic:fit(x) -> {assign, k (from the data), loss = 0,
  stats}.]=])

entry('dc.cluster.register', [=[
dc.cluster.register(name, factory)
  Adds a clustering: factory(opts) returns a clustering (an object with fit, or a function;
  help(dc.cluster)); dc.deepcluster{clustering = name} calls factory{k = k}. Names are
  unique ('kmeans', 'pic', 'gmm' and 'sinkhorn' are built in).]=])

entry('dc.cluster.new', [=[
dc.cluster.new(name, opts) -> clustering
  The registered factory's clustering for opts (an error lists the registered names).]=])

entry('dc.cluster.fit', [=[
dc.cluster.fit(algo, x, ...) -> {assign, k, loss, stats}
  Runs a clustering on x, algo:fit(x, ...) or algo(x, ...), and checks its result: a bare
  assignment tensor is wrapped; assign must be int64 [N]; k defaults to the largest label;
  stats.sizes gets dc.metrics.sizes-style statistics.]=])

entry('dc.cluster.names', [=[
dc.cluster.names() -> {name, ...}
  The registered clusterings, sorted.]=])

entry('dc.cluster.register_reassign', [=[
dc.cluster.register_reassign(name, f)
  Makes k-means' reassign = name run f(centroids, counts, ctx): f edits the float32 [k, D]
  centroids of the empty clusters in place (ctx: k, iter, empty (1-based ids), x, dist,
  assign, similarity, seed) and may return how many it fixed. Built-in names are taken.]=])

entry('dc.cluster.reassign_names', [=[
dc.cluster.reassign_names() -> {name, ...}
  The empty-cluster strategies: built-in ones first, then registered ones, sorted.]=])

entry('dc.cluster.knn', [=[
dc.cluster.knn(x, k) -> ids, dist
  Exact k nearest neighbours of every row of x (float32 [N, D]) among the others (FAISS
  flat L2): ids int64 [N, k] (1-based), squared distances float32 [N, k], nearest first.]=])

-- ---- metrics (dc.metrics; int64 tensors of 1-based labels) ----

entry('dc.metrics', [=[
dc.metrics: comparing labelings (int64 1-D tensors of 1-based labels): nmi, ari, acc,
  contingency, sizes.]=])

entry('dc.metrics.nmi', [=[
dc.metrics.nmi(a, b [, {average = 'geometric'}]) -> number
  Normalised mutual information in [0, 1]. average: 'geometric' (the paper's), 'arithmetic'
  (scikit-learn's default), 'min', 'max'. Two constant labelings give 1.]=])

entry('dc.metrics.ari', [=[
dc.metrics.ari(a, b) -> number
  Adjusted Rand index (scikit-learn's formula): 1 for identical partitions, ~0 at chance.]=])

entry('dc.metrics.acc', [=[
dc.metrics.acc(pred, truth) -> acc, mapping
  Clustering accuracy under the best one-to-one cluster -> class matching (Hungarian,
  k <= 4096); mapping int64 [k]: the class of each cluster, 0 when it has none.]=])

entry('dc.metrics.contingency', [=[
dc.metrics.contingency(a, b) -> int64 [ka, kb]
  Counts of items with a = i and b = j; ka, kb the largest labels.]=])

entry('dc.metrics.sizes', [=[
dc.metrics.sizes(assign [, k]) -> {sizes = int64 [k], k, empty, min, max, entropy,
  norm_entropy, imbalance}
  Cluster-size statistics: entropy in nats, norm_entropy = entropy / log(k) (1: balanced),
  imbalance = FAISS's k * sum(size^2) / N^2. k defaults to the largest label.]=])

-- ---- core-floor: folders (bindings/l_io.c over core/file.c) ----

entry('dc.mkdirs', [[
dc.mkdirs(path)
  Creates the folder path and its missing parents, as `mkdir -p` does, without a shell;
  an existing folder is fine. Raises an error naming the path and the reason when a part
  cannot be created or path exists and is not a folder.]])

-- ---- option tables and the DeepCluster runner (lua-runner) ----

entry('dc.options', [=[
dc.options: the one checker of {name = value} option tables (lua/dclab/options.lua). Every
  constructor and function of dclab that takes options uses it, so the errors read the same
  everywhere; scripts and plug-ins may use it too. See dc.options.check.]=])

entry('dc.options.check', [=[
dc.options.check(fname, opts, spec [, level]) -> table
  Checks opts (a table or nil) against spec {name = rule} and returns a new table: the given
  options over the defaults (opts itself is not changed). A rule is true (any value, no
  default) or a table of:
    type      a Lua type, 'integer', 'tensor', 'generator', or a list of them
    default   the value when the option is absent
    required  true: absent is an error
    min, max  inclusive bounds; above: exclusive lower bound (numbers only)
    choices   the list of allowed values
    dtype, dim  of a tensor (not released): {type = 'tensor', dtype = 'int64', dim = 1}
    test, what  a function true for allowed values, and the phrase after "must be"
  level: as in error(), counted from the function that calls check (default 2: its caller).
  Errors (fname first):
    kmeans: options must be a table, got number
    kmeans: unknown option 'nitr' (valid: k, niter, seed)
    kmeans: option 'k' is required
    kmeans: option 'k' must be an integer, got float 2.5
    kmeans: option 'k' must be >= 1, got 0
    deepcluster: option 'head' must be one of 'reinit', 'keep', 'centroids', got 'new'
  Example:
    local o = dc.options.check('myalgo', opts, {
      k = {type = 'integer', min = 1, required = true},
      tol = {type = 'number', above = 0, default = 1e-4}, verbose = true})]=])

entry('dc.DeepCluster', [=[
dc.DeepCluster: the class of dc.deepcluster runs, for subclassing: dc.DeepCluster:extend()
  -> a subclass whose methods override the steps (features, cluster, sample, new_head,
  train); Sub:new(cfg) or Sub(cfg) builds a run. See help(dc.deepcluster).]=])

entry('dc.sampler.draw', [=[
dc.sampler.draw(sampler, assign, k, gen, n) -> int64 [m]
  Runs a sampler (a name, a function or a dc.sampler.entry) and checks its result against the
  contract in help(dc.deepcluster): an int64 1-D tensor of m >= 1 dataset indices in
  1..assign:numel(). Errors name the sampler.]=])

entry('dc.sampler.entry', [=[
dc.sampler.entry(sampler) -> {name =, draw =, loss_weights =}
  The registry entry of a name, or the entry of a function / {draw =, loss_weights =} table;
  an unknown name is an error listing the registered ones.]=])

entry('dc.DeepCluster:new', [=[
DeepCluster:new(cfg) -> run   (also Class(cfg) for a subclass)
  Checks cfg (the options of help(dc.deepcluster)) and builds the parts; touches no file.
  dc.deepcluster(cfg) is dc.DeepCluster:new(cfg).]=])

entry('dc.DeepCluster:extend', [=[
DeepCluster:extend() -> subclass
  A subclass whose methods override the steps; Sub.super is the parent class:
    local Logged = dc.DeepCluster:extend()
    function Logged:sample(res, streams)
      local idx = Logged.super.sample(self, res, streams)
      print('epoch trains on', idx:numel()); return idx end]=])

entry('dc.DeepCluster:init', [=[
run:init()
  Part of new: makes the transforms, clustering, sampler entry, preprocessing and the trunk's
  optimizer from run.cfg. Override (calling DeepCluster.init) to build more parts.]=])

entry('dc.DeepCluster:prepare', [=[
run:prepare()
  The run's files, once (fit and step call it): with out, makes the folder (refused when it
  cannot take data), then resumes (resume = true) or writes config.json and empties
  log.jsonl. Without out it does nothing.]=])

entry('dc.DeepCluster:resume', [=[
run:resume()
  Loads out/checkpoint.bin (when there is one) into the model and the optimizer and sets
  run.epoch; refuses a checkpoint made with other settings, naming each that differs.]=])

entry('dc.DeepCluster:save', [=[
run:save(stats)
  Appends stats to log.jsonl, writes assign.npy and checkpoint.bin (atomically, without the
  head, with the settings a resume must find again).]=])

entry('dc.DeepCluster:fit', [=[
run:fit() -> history
  prepare, then step until run.epoch = epochs; prints each epoch's line when verbose.
  Ctrl-C stops after the current batch with an error saying what checkpoint is left.]=])

entry('dc.DeepCluster:step', [=[
run:step() -> stats
  One epoch: on_epoch_start, features, on_features, cluster, on_clusters, sample, new_head,
  train, then the log entry (saved with out), on_epoch_end.]=])

entry('dc.DeepCluster:features', [=[
run:features() -> float32 [N, D]
  Every image's feature in dataset order, evaluation mode (the classifier before its last
  ReLU, or a pooled conv layer); the preprocessed ones with stream_features.]=])

entry('dc.DeepCluster:streamed_features', [=[
run:streamed_features() -> float32 [N, d]
  The preprocessed features without the raw ones: a pass fits the preprocessing batch by
  batch, a second projects each batch.]=])

entry('dc.DeepCluster:cluster', [=[
run:cluster(feats, streams) -> res
  Preprocesses (unless streamed) and clusters through dc.cluster.fit, which checks the
  result: {assign = int64 [N] in 1..k, k, loss, stats, features = what was clustered}.]=])

entry('dc.DeepCluster:sample', [=[
run:sample(res, streams) -> int64 indices
  The epoch's images from the sampler (round(epoch_size * N) asked), checked by
  dc.sampler.draw.]=])

entry('dc.DeepCluster:new_head', [=[
run:new_head(res, dim, streams) -> optimizer or nil
  Installs the epoch's head (head = 'reinit' | 'keep' | 'centroids') on run.model and
  returns the optimizer stepping it.]=])

entry('dc.DeepCluster:head_width', [=[
run:head_width() -> integer
  The head's input width: out_features of the classifier's last layer that has one.]=])

entry('dc.DeepCluster:train', [=[
run:train(res, idx, epoch, streams, head_optim) -> mean loss
  One pass over the images idx with res.assign as targets (cross-entropy, weighted when the
  sampler has loss weights); stops on a NaN or infinite loss, and on Ctrl-C.]=])

entry('dc.DeepCluster:streams', [=[
run:streams(epoch) -> {cluster, sampler, head, dropout}
  The epoch's independent generators, from (seed, epoch) alone: a resumed run draws the
  same numbers as a straight one.]=])

entry('dc.DeepCluster:loader', [=[
run:loader(transform, order, epoch) -> loader
  A dc.data.loader over run.data with the run's batch, threads and seed.]=])

entry('dc.DeepCluster:show_progress', [=[
run:show_progress() -> boolean
  Whether progress bars are shown (progress = 'auto': when verbose).]=])

entry('dc.DeepCluster:format_stats', [=[
DeepCluster.format_stats(stats) -> string
  The one-line summary of an epoch's log entry that fit prints.]=])

entry('dc.nn.Dropout:set_generator', [=[
dropout:set_generator(gen) -> dropout
  Draws the masks from dc.Generator gen from now on (the DeepCluster runner gives each epoch's
  dropout its own stream, to every module that has set_generator).]=])
-- ---- reports, contact sheets and text on images (tests-honest) ----

entry('dc.report', [=[
dc.report: results for people: markdown tables (table), files written atomically (write),
  PNG line plots through gnuplot (plot), a DeepCluster run's plots and results.md (run).]=])

entry('dc.image', [=[
dc.image: pictures for people: JPEG load and save, mosaics (make_grid), a clustering's
  contact sheet, text drawn with a built-in 5x7 font.]=])

entry({'dc.report.run', 'dc.DeepCluster:report'}, [=[
dc.report.run(run [, {title = 'DeepCluster', clusters = 20, extra = markdown}]) -> path, text
run:report([opts])   (the same, as a method of every dc.deepcluster run)
  Writes into the run's out folder, from its log.jsonl (so a resumed run shows every epoch):
  nmi.png (NMI against the labels and between consecutive epochs, y from 0 to 1), loss.png
  (the training loss with a dashed chance line at ln k, y from 0), clusters.jpg (the
  clusters' contact sheet, dc.image.contact_sheet) and results.md (the per-epoch table, the
  plots, a table of the clusters shown: id, size, majority label, purity; then `extra`).
  Needs out and at least one epoch.
    run:fit(); run:report()           -- runs/mine/results.md]=])

entry('dc.report.plot', [=[
dc.report.plot{path =, series = {{name =, x = {...}, y = {...}}, ...}, title =, xlabel =,
               ylabel =, yrange = {lo, hi}, hlines = {{y =, name =}, ...}} -> true | nil, msg
  A PNG line plot through gnuplot (gnuplot-nox). Points that are nil, NaN or infinite are
  left out, and so is a series without any; the x range is padded so that a one-epoch run is
  a visible point; hlines are dashed horizontal lines (a chance level). gnuplot's messages
  never reach the terminal: they are in the error message when it fails.
  Example: dc.report.plot{path = 'loss.png', xlabel = 'epoch', yrange = {0, 5},
    series = {{name = 'loss', x = {1, 2, 3}, y = {4.6, 4.1, 3.9}}},
    hlines = {{y = math.log(100), name = 'chance: ln k'}}}]=])

entry('dc.image.contact_sheet', [=[
dc.image.contact_sheet(data, assign [, {clusters = 20, per_cluster = 16, nrow = 5, path =,
                       labels = data.labels, classes = data.classes}]) -> sheet, rows
  One picture of a clustering: a tile per cluster, largest first, with "#id N=size" and
  (with labels) the majority label and its purity written above a grid of its first
  members. assign: int64 [#data] in 1..k. sheet: float32 [C, H, W] in [0, 1], saved as a
  JPEG when path is given; rows: {id, size, label, purity} per tile.
    dc.image.contact_sheet(data, run.prev_assign, {path = 'clusters.jpg'})]=])

entry('dc.image.text', [=[
dc.image.text(img, str [, {x = 1, y = 1, value = 1}]) -> img
  Writes str into img (float32 [C, H, W]) in place with the built-in 5x7 font (digits, A-Z
  drawn upper case, space and # % = . , - / : ? ( ); other characters show as ?), top-left
  corner at pixel (x, y), every channel set to value on the glyphs; cut at the edge.]=])

entry('dc.image.text_mask', [=[
dc.image.text_mask(str) -> float32 [7, 6 * #str - 1]
  The 0/1 pixels of str in the built-in 5x7 font (one blank column between glyphs).]=])

-- ---- ablations and their statistics (dc.stats, dc.ablation) ----

entry('dc.stats', [=[
dc.stats: small-sample statistics over seeds: summary, paired, t_quantile, t_cdf, betainc,
  lgamma.]=])

entry('dc.stats.summary', [=[
dc.stats.summary(xs [, level = 0.95]) -> {n, mean, sd, half, lo, hi, level}
  Mean of a list of numbers with its two-sided Student-t interval mean -+ half, half =
  t_quantile((1 + level) / 2, n - 1) * sd / sqrt(n). With one value there is no interval:
  sd, half, lo and hi are nil.]=])

entry('dc.stats.paired', [=[
dc.stats.paired(xs, base [, level = 0.95]) -> summary + {different = bool}
  Paired comparison: the summary of xs[i] - base[i] (the same seed i on both sides);
  different is true only when the interval [lo, hi] excludes zero (never with one pair).]=])

entry('dc.stats.t_quantile', [=[
dc.stats.t_quantile(p, df) -> t
  The p-quantile of Student's t with df > 0 degrees of freedom (real df allowed), found by
  inverting the regularised incomplete beta function: t_quantile(0.975, 2) = 4.3027.]=])

entry('dc.stats.t_cdf', [=[
dc.stats.t_cdf(t, df) -> P(T <= t) for Student's t with df degrees of freedom.]=])

entry('dc.stats.betainc', [=[
dc.stats.betainc(x, a, b) -> I_x(a, b)
  The regularised incomplete beta function, 0 <= x <= 1, a, b > 0 (continued fraction).]=])

entry('dc.stats.lgamma', [=[
dc.stats.lgamma(x) -> log Gamma(x), x > 0 (Stirling's series after the recurrence).]=])

entry('dc.ablation', [=[
dc.ablation: the paper's ablations as scripts (experiments/ablations/*.lua): setup, render,
  plots, rebuild, summary, paired, plot.lines, plot.bars.]=])

entry('dc.ablation.setup', [=[
dc.ablation.setup(name, arg [, opts]) -> ab
  Parses a script's flags (--subset --epochs --k --seeds --first-seed --batch --threads
  --eval-test --probe-train --probe-epochs --out --paper; --help lists them), loads the
  Fashion-MNIST train subset, the probe images and the test images. A bad flag raises an
  error naming it. opts: description; k_values = {...} for a script that varies k (--k is
  then the comma-separated list to run); k_note; defaults (subset, epochs, k, seeds, batch,
  eval_test, probe_train, probe_epochs); paper = the --paper sizes (explicit flags win).
  ab:run(variants [, {baseline = label}]) runs every variant {label, cfg = runner options,
  sobel = false, model = fn(m) editing the built network, x = value on a numeric axis} (a
  cfg's views replace the train transform, its heads the k option) with every seed in
  <out>/<label>/seed<S> (resume = true: a re-run skips runs with a result.json and resumes
  the others; runs made with other sizes are refused), evaluates each (test k-means
  NMI/ACC, a linear probe per conv layer), writes results.json, results.md and the plots,
  and returns the results.
  A variant that cannot run at this size (k-means' k, any head's, above the number of
  images) is reported. ab:crop(side, {lo, hi} [, {pixel = {...}, final = {...}}]) -> a
  train transform: a random crop of side pixels covering lo..hi of the image, a flip, the
  pixel transforms, the evaluation normalisation, the final ones (RandomErasing).]=])

entry('dc.ablation.render', [=[
dc.ablation.render(results) -> markdown text
  results.md from a results table (results.json decoded): per variant the mean over seeds
  with its 95% Student-t half-width, paired differences with the baseline [interval] marked
  "different" only when the interval excludes zero, per-epoch NMI tables, what did not run.]=])

entry('dc.ablation.plots', [=[
dc.ablation.plots(results, folder) -> {file, ...}
  Draws nmi_labels.png and nmi_prev.png (per-epoch means with 95% bands, paper Fig. 2a/b),
  and vs_k.png (test NMI and probe accuracies against k on a log axis, when every variant
  has an x) or bars.png (means with interval bars). Returns the files drawn.]=])

entry('dc.ablation.rebuild', [=[
dc.ablation.rebuild(folder) -> results
  Rewrites folder/results.md and the plots from folder/results.json alone.]=])

entry('dc.ablation.summary', [=[
dc.ablation.summary(results, label, get) -> dc.stats.summary of get(run) over the variant's
  runs in seed order, or nil when none has it.]=])

entry('dc.ablation.paired', [=[
dc.ablation.paired(results, label, get) -> dc.stats.paired of get(run) for the variant
  against the baseline over the seeds both ran, or nil.]=])

entry('dc.ablation.plot', [=[
dc.ablation.plot: the gnuplot drawings of the ablation results (lua/dclab/ablation_plot.lua):
  plot.lines (means over epochs or k with bands or error bars) and plot.bars.]=])

entry('dc.ablation.plot.lines', [=[
dc.ablation.plot.lines{path, title, panels = {{title, xlabel, ylabel, logx, band,
  series = {{name, x, mean, lo, hi}}}}} -> true | nil, message
  Lines of means with shaded bands (band = true) or error bars, one panel per entry, drawn
  by gnuplot into a PNG.]=])

entry('dc.ablation.plot.bars', [=[
dc.ablation.plot.bars{path, title, ylabel, groups = {...}, series = {{name, mean, lo, hi}}}
  -> true | nil, message
  Grouped bars (one group per label, one bar per series) with interval bars.]=])

-- recipe: Gaussian mixtures, UMAP-style embedding, kNN search (issue #13)

entry('dc.cluster.gmm', [=[
dc.cluster.gmm{k, covariance = 'diag', niter = 100, tol = 1e-4, reg = 1e-6, seed = 1,
  init = nil} -> gmm
  Gaussian-mixture clustering by EM (covariance 'diag' or 'full'), started from k-means
  (seed) or from init, an int64 [N] partition (1..k) using every component. reg is added to
  every variance. gmm:fit(x [, {seed =}]) -> {assign = int64 [N] (1..k), k, loss = -mean
  log-likelihood, model = {means, covs, weights, covariance}, stats = {iters, loglik,
  converged, trace (mean log-likelihood of each E-step, never decreasing), init_loss}}.
  gmm:assign(x2) -> int64 [M], mean log-likelihood: components of new points under the fit.
  Also registered as 'gmm' (dc.cluster.new).]=])

entry('dc.cluster.umap', [=[
dc.cluster.umap{dim = 10, neighbors = 15, pca = 0, seed = 1, n_epochs = 200,
  min_dist = 0.1, spread = 1, a, b, learning_rate = 1, negative_rate = 5, repulsion = 1} -> um
  A UMAP-style manifold embedding as a preprocessing step (McInnes et al. 2018): exact kNN
  graph (FAISS), fuzzy membership weights, P = W + W^T - W o W^T, SGD with negative sampling
  from a PCA start scaled to [0, 10]; single-threaded, so the seed fixes the layout. pca > 0
  reduces the input to that many principal components first. um:fit_apply(x) -> float32
  [N, dim]; um:apply(x2) -> float32 [M, dim]: new points at the membership-weighted mean of
  their nearest fitted points' positions (the fit never sees them).]=])

entry('dc.cluster.knn_search', [=[
dc.cluster.knn_search(base, q, k) -> ids, dist
  The k nearest rows of base (float32 [N, D]) to each row of q (float32 [M, D]), exact
  (FAISS flat index): ids int64 [M, k] (1-based rows of base), dist float32 [M, k] squared
  L2 distances, nearest first.]=])

entry('dc.eval.mean_std', [=[
dc.eval.mean_std(xs) -> {mean, std, runs}
  Mean and sample standard deviation (n - 1; 0 for one value) of a list of numbers, with
  the list itself as runs: dc.eval.mean_std{0.61, 0.65, 0.63}.mean is 0.63.]=])

-- ---- throughput: CPU detection, kernels, precision ----

entry('dc.cpu', [=[
dc.cpu() -> {vendor, brand, features, sse4_1, avx2, fma, avx512f, avx512bw, avx512vl,
  avx512_bf16, amx_tile, amx_bf16, bf16, conv2d [, amx_error]}
  The CPU this process runs on, probed once at run time (cpuid, and on Linux the kernel's
  permission to use AMX tiles): the kernels are picked by it, not by the machine that built
  dclab. features lists the usable ones as one string (also printed by `dclab --version`
  and the benchmarks); a flag is true only when the OS also saves its registers. bf16: bf16
  compute is available (AVX512_BF16 or AMX-BF16). conv2d: the kernels convolutions run
  ('oneDNN avx512_core_amx' on AVX-512 CPUs, else 'Winograd / im2col + OpenBLAS'). amx_error
  says why a CPU with AMX cannot use it.]=])

entry('dc.nn.set_precision', [=[
dc.nn.set_precision(model, 'fp32' | 'bf16' [, fname]) -> model
  The compute precision of every convolution and Linear layer in model (any nesting of
  Sequential / Net). 'bf16' is mixed precision through oneDNN (AVX512_BF16 / AMX): inputs and
  weights rounded to bfloat16, products summed in fp32, outputs and gradients fp32; weights,
  optimizer state, BatchNorm statistics and the loss stay fp32. Results differ from fp32 by
  about 2e-3 of the largest value. Refused on a CPU without AVX512_BF16 or AMX-BF16, with a
  message naming the features it has (dc.cpu()). Errors start with fname (default
  'set_precision'): a function that sets the precision for its caller names itself.]=])

entry('dc.nn.precision_names', [=[
dc.nn.precision_names() -> {'fp32', 'bf16'}
  The precisions dc.nn.set_precision accepts (a new list each call).]=])

entry('dc.nn.precision', [=[
dc.nn.precision(model) -> 'fp32' | 'bf16'
  The precision last set on model by dc.nn.set_precision ('fp32' when never set).]=])

entry('dc.nn.Conv2d:set_precision', [=[
conv:set_precision('fp32' | 'bf16') -> conv
  The layer's compute precision (dc.nn.set_precision calls it on every layer that has it):
  the read-only configuration is rebuilt with the same geometry and the new precision;
  'bf16' is refused on a CPU without bf16 compute.]=])

-- ---- runner: DeepCluster's successors (issue #12) ----

entry('dc.nn.Normalize', [=[
dc.nn.Normalize() -> module
  Each row of float32 [N, D] divided by its L2 norm (clamped at 1e-12, as PyTorch's
  F.normalize): the output of DeepCluster-v2's and SwAV's projection head. No parameters;
  backward: dx = (dy - y <dy, y>) / |x|.]=])

entry('dc.nn.ConcatTable', [=[
dc.nn.ConcatTable{m1, m2, ...} -> module
  Every member applied to the same input (Torch's ConcatTable): forward(x) -> {m1(x),
  m2(x), ...}; backward(x, {dy1, dy2, ...}) -> the sum of the members' input gradients.
  Parameters, state and modes are the members' in order, named as a Sequential's
  ('1.weight'). The runner's several heads sit on the network this way.]=])

entry('dc.models.projection', [=[
dc.models.projection{input = D_in, hidden = H, dim = D [, generator = g]} -> Sequential
  DeepCluster-v2's and SwAV's projection head: Linear(D_in, H), BatchNorm1d(H), ReLU,
  Linear(H, D), Normalize (main_deepclusterv2.py: 2048 -> 2048 -> 128). Linear weights
  N(0, 0.01^2) from generator. dc.deepcluster builds it for feature_layer = 'projection'.]=])

entry('dc.optim.schedule.warmup_cosine', [=[
dc.optim.schedule.warmup_cosine{lr =, total =, warmup = 0, start = 0, final = 0, cosine =
  true} -> function(t) -> lr
  Linear warm-up from start to lr over epochs 1..warmup, then cosine from lr down to final
  by epoch total (constant lr when cosine = false), as DeepCluster-v2's and SwAV's schedule
  (there per iteration: 10 warm-up epochs from 0.3, cosine to 0.0048, base lr 4.8).]=])

entry('dc.recipes', [=[
dc.recipes: presets, each a function(opts) -> a table of options for dc.deepcluster
  opts = {size = image side (required), mean = {...}, std = {...} (per channel, required),
  epochs = the paper's, k = per head (the paper's), heads = the paper's number}. Add model,
  data and out, change any key, then dc.deepcluster(o):fit(). experiments/deepcluster_v2.lua
  and experiments/sela.lua run them on Fashion-MNIST. Entries: deepcluster, deepcluster_v2,
  sela.]=])

entry('dc.recipes.deepcluster', [=[
dc.recipes.deepcluster{size =, mean =, std = [, epochs =, k =]} -> options
  DeepCluster (Caron et al. 2018), deepcluster/main.py and the paper:
    k 10000 (ImageNet), k-means 20 iterations, PCA 256 + whitening + L2   main.py, clustering.py
    sampler 'uniform_per_cluster', head 'reinit', features 'pass'         main.py
    SGD lr 0.05, momentum 0.9, weight decay 1e-5; head SGD lr 0.05        main.py defaults
    batch 256, epochs 500                                                 paper §4
    RandomResizedCrop(size) + flip; scale 0.08-1 (torchvision default,    main.py
      at 224) or, below 96 pixels, 0.5-1 (dclab's 28x28 scaling)]=])

entry('dc.recipes.deepcluster_v2', [=[
dc.recipes.deepcluster_v2{size =, mean =, std = [, epochs =, k =, heads =]} -> options
  DeepCluster-v2 (Caron et al. 2020), swav/main_deepclusterv2.py unless said:
    projection {hidden = input width, dim = 128} (2048 -> 2048 -> 128)   feat_dim 128
    3 heads x k 3000, spherical k-means 10 iterations                     nmb_prototypes
    head 'centroids' (frozen), temperature 0.1                            temperature
    features 'memory_bank', sampler 'shuffle' (each image once)           the bank
    SGD lr 0.15, momentum 0.9, weight decay 1e-6, batch 64, cosine to 0,  swav issue #25 (one
      no warm-up (the 64-GPU recipe: LARC, lr 4.8, batch 4096, 10         machine); the full
      warm-up epochs from 0.3, cosine to 0.0048)                         recipe: the script
    epochs 800                                                            800-epoch script
    views: at 96 pixels and above 2 x size (scale 0.14-1) + 6 x size *    800-epoch script
      96/224 (0.05-0.14); below, 2 x size (0.3-1) + 4 x size * 16/28      (224/96 crops)
      (0.1-0.3), the 28x28 analogue of method.md §10; all with flips
  Not included: colour jitter, grayscale and blur (the script's; little use on gray
  images, method.md §10) and LARC.]=])

entry('dc.recipes.sela', [=[
dc.recipes.sela{size =, mean =, std = [, epochs =, k =, heads =]} -> options
  SeLa (Asano, Rupprecht, Vedaldi, ICLR 2020), yukimasano/self-label:
    10 heads x k 3000 (ImageNet; 10 x 128 on CIFAR-10)                   --hc, --ncl
    clustering 'sinkhorn' on the heads' log-softmax scores, epsilon 1/25  --lamb 25
      (Q = P^25); 100 iterations (sinkhornknopp.py: until the column
      scalings change by less than 0.1 in sum)
    head 'keep' (the heads are trained throughout, same SGD settings)     main.py Optimizer
    SGD lr 0.05, momentum 0.9, weight decay 1e-5, lr x 0.1 every 150      main.py defaults
      epochs, batch 256, epochs 400                                       scripts/alexnet.sh
    RandomResizedCrop(size) + flip (scale as dc.recipes.deepcluster)      its transforms
  Differences: labels are recomputed every epoch (SeLa: 100 times in 400 epochs, spread
  quadratically, --nopts; its first labels are a random equipartition); no colour jitter
  or grayscale (gray images).]=])

-- ---- argument checks (trust) ----

entry('dc.options.arg', [=[
dc.options.arg(fname, n, value, rule [, level]) -> value
  Checks positional argument n of function fname against a rule of dc.options.check (type,
  min, max, above, choices, dtype, dim, test with what) and returns it; nil is refused unless
  the rule has a default (returned instead) or optional = true. Errors name fname:
    knn: argument 1 must be a float32 2-D tensor, got a released tensor
    embed: argument 1 must be a dc.models network, got nil
  Example:
    dc.options.arg('myalgo', 2, k, {type = 'integer', min = 1})]=])

-- ---- clustering: Sinkhorn equipartition, spherical k-means (cluster) ----

entry('dc.cluster.sinkhorn', [=[
dc.cluster.sinkhorn(scores [, {iters = 3, epsilon = 0.05, tol = 0, marginals, inplace}])
    -> Q, {iters, err}
  Sinkhorn-Knopp equipartition (SwAV's codes, SeLa's pseudo-labels): Q float32 [N, K] is
  exp(scores / epsilon) rescaled by rows and columns until every row sums to 1 and column j
  sums to N * marginals[j] (marginals: float32 [K], >= 0, summing to 1; default 1/K each).
  scores: float32 [N, K], K <= N (logits, log-probabilities or cosine scores). Each
  iteration rescales the columns, then the rows, so rows always sum to 1 and the columns
  approach their targets; err = max over clusters of |column sum / target - 1|. SwAV: 3
  iterations, epsilon 0.05. SeLa's P^lambda (lambda = 25, iterated until the marginals
  hold) is log-probabilities as scores with epsilon = 1/25 and a large iters with a tol,
  e.g. iters = 1000, tol = 1e-3: it stops as soon as err <= tol (SeLa's own test is on the
  change of the scalings, not the same number). inplace = true writes Q over scores (no
  second N x K matrix).
  The result does not depend on the thread count; a cluster whose whole column underflows
  (epsilon too small for the spread of the scores) is an error.
  Cost: one exp per element, then one read of Q per iteration. 60,000 x 3,000
  (experiments/bench/sinkhorn.lua, Xeon Sapphire Rapids, one thread): 3 iterations 2.2-2.7 s
  of CPU, each further iteration about 0.13 s. Memory: Q (4 N K bytes) plus
  8 (N + 68 K) bytes; at ImageNet size (1.28M x 3,000) Q is 15.4 GB, and the scores another
  15.4 GB unless inplace.
  As a clustering: dc.cluster.new('sinkhorn', {k =, iters, epsilon, tol, marginals}) takes an
  [N, k] score matrix as its features (anything else is refused) and returns {assign =
  argmax of Q (1..k), k, stats = {iters, err}}; dc.cluster.fit adds stats.sizes.]=])

-- ---- data: augmentations (lua/dclab/transforms.lua, core/data/augment.c) ----

entry('dc.transforms.RandomAffine', [=[
dc.transforms.RandomAffine(degrees [, {translate = nil, scale = nil, shear = nil,
  interpolation = 'nearest', fill = 0}]) -> transform
  torchvision's RandomAffine: a rotation by an angle uniform in degrees (d: -d..d, or {lo,
  hi}), a shift of up to translate = {a, b} times the width / height (rounded to whole
  pixels), a scale factor uniform in scale = {lo, hi}, a shear uniform in shear (s: x shear
  in -s..s; {lo, hi}: x; {xlo, xhi, ylo, yhi}: x and y), about the image centre; the image
  keeps its size, pixels from outside get fill (0..255, one or one per channel).
  interpolation 'nearest' or 'bilinear'. The maths is F.affine on uint8 tensors.
  Example: T.RandomAffine(10, {translate = {0.1, 0.1}, scale = {0.9, 1.1}, shear = 5}).]=])

entry('dc.transforms.RandomRotation', [=[
dc.transforms.RandomRotation(degrees [, {interpolation = 'nearest', fill = 0}]) -> transform
  torchvision's RandomRotation (expand = false, about the centre): an angle uniform in
  degrees (d: -d..d, or {lo, hi}), counter-clockwise; fill as RandomAffine's.]=])

entry('dc.transforms.GaussianBlur', [=[
dc.transforms.GaussianBlur(kernel_size [, sigma = {0.1, 2.0}]) -> transform
  torchvision's GaussianBlur: kernel_size n or {kx, ky} (odd), a sigma uniform in sigma (a
  number: that one) for both axes, reflect padding, rounded back to 8 bits. SimCLR / BYOL
  use about a tenth of the image size as kernel_size.]=])

entry('dc.transforms.ColorJitter', [=[
dc.transforms.ColorJitter{brightness = 0, contrast = 0, saturation = 0, hue = 0} -> transform
  torchvision's ColorJitter: in a random order, brightness, contrast and saturation factors
  uniform in [max(0, 1 - v), 1 + v] (or {lo, hi}), a hue shift uniform in [-h, h] (h <=
  0.5, a fraction of a turn); 0 turns one off. Brightness and contrast (blend with the mean
  gray) work on gray images too; saturation and hue leave gray images unchanged, as
  torchvision. Example (SimCLR): T.ColorJitter{brightness = 0.8, contrast = 0.8,
  saturation = 0.8, hue = 0.2}.]=])

entry('dc.transforms.RandomGrayscale', [=[
dc.transforms.RandomGrayscale([p = 0.1]) -> transform
  With probability p, the Grayscale luma (PIL's formula) repeated to the image's channels.]=])

entry('dc.transforms.RandomSolarize', [=[
dc.transforms.RandomSolarize(threshold [, p = 0.5]) -> transform
  With probability p, every pixel value >= threshold (0..255, as on PIL / uint8 images;
  BYOL uses 128) becomes 255 - value.]=])

entry('dc.transforms.RandomApply', [=[
dc.transforms.RandomApply(transforms [, p = 0.5]) -> transform
  torchvision's RandomApply: with probability p the transforms (one, or a list run in
  order), else none of them; pixel ops that keep the image's size only. Example (SwAV):
  T.RandomApply(T.ColorJitter{brightness = 0.8, contrast = 0.8, saturation = 0.8,
  hue = 0.2}, 0.8).]=])

entry('dc.transforms.RandomErasing', [=[
dc.transforms.RandomErasing([{p = 0.5, scale = {0.02, 0.33}, ratio = {0.3, 3.3}, value = 0}])
  -> transform
  torchvision's RandomErasing on the final float values (after Normalize, so it comes last):
  with probability p, a rectangle of an area fraction uniform in scale and an aspect ratio
  (h / w) log-uniform in ratio, tried 10 times to fit inside, set to value (one number, one
  per channel, or 'random' for standard normal noise).]=])

-- ---- SwAV (the online variant: swapped prediction, prototypes, dc.swav) ----

entry('dc.nn.SwAVLoss', [=[
dc.nn.SwAVLoss([{temperature = 0.1, code_views = {1, 2}, views = V}]) -> criterion
  SwAV's swapped prediction (method.md §14): the codes q of each view listed in code_views
  (SwAV: the 2 large crops) are predicted from the scores z of every OTHER view,
    loss = mean over (code a, view v ~= view(a)) of
           1/B sum_b - sum_k q[a,b,k] log softmax(z[v,b,:] / temperature)_k
  No gradient flows into the codes (they are targets).
    local loss = crit:forward(scores, codes)   -- scores float32 [V, B, K] (V views of B
                                               -- images), codes [#code_views, B, K]
    local dscores = crit:backward(scores, codes)
  Views of different sizes can be scored group by group: with views = V given,
  crit:forward(scores, codes, first) takes the scores [Vs, B, K] of views first ..
  first + Vs - 1 and returns their part of the loss (backward with the same arguments: their
  gradient); the parts add up to the whole loss.]=])

entry('dc.nn.Prototypes', [=[
dc.nn.Prototypes(dim, k | {k1, k2, ...} [, {generator = g}]) -> module
  SwAV's prototypes: one bias-free linear layer per set, scores z_s = x W_s^T with W_s
  float32 [k_s, dim] (state names weight1, weight2, ...). Rows start at random directions of
  unit norm; p:normalize() puts them back on the sphere (dc.swav does it before every step).
  forward(x [N, dim]) -> {z1, ..., zS}; backward(x, {dz1, ..., dzS}) -> dx (summed over the
  sets). Example: dc.nn.Prototypes(128, {10, 50, 100}).]=])

entry('dc.nn.Prototypes:normalize', [=[
p:normalize() -> p
  Rescales every prototype (row of every set) to unit L2 norm, in place.]=])

entry('dc.nn.Prototypes:weight', [=[
p:weight(s) -> tensor
  The weight of set s: float32 [k_s, dim] (the module's own tensor, p['weight' .. s]).]=])

entry('dc.nn.Prototypes:reset', [=[
p:reset([generator]) -> p
  New random prototypes: standard normal rows (from generator, or the global stream),
  normalised to unit norm.]=])


entry('dc.swav', [=[
dc.swav{model =, data =, views = {tf1, ...} [, ...]} -> run  (dc.SwAV; run:fit(), run:report())
  SwAV (Caron et al. 2020, method.md §14), the online form of DeepCluster: every batch is
  clustered on the fly. Per batch: the prototypes are put back on the unit sphere; the views
  of each image go through the network and its projection head (views of one size in one
  pass); the codes of code_views come from codes(scores, {iters =, epsilon =}) (default
  dc.cluster.sinkhorn) on their scores against the prototypes, with the queue's scores in
  front once it is full; every other view predicts them (dc.nn.SwAVLoss, loss averaged over
  the prototype sets); the prototypes are not updated for the first freeze_prototypes
  iterations. After every epoch each prototype set's argmax over the evaluation embeddings
  of all images is its clustering, logged like a DeepCluster head (log.jsonl: k, loss,
  nmi_labels, nmi_prev, sizes, collapse, head_nmi_labels for a set with as many prototypes
  as classes; heads = {...} per set; queue = its length in use). Files, resume, fit, report:
  dc.deepcluster's (a resume refuses other settings; the queue is kept as queue.npy, ...).
  Options (SwAV's defaults):
    views           list of >= 2 transforms, one per crop; the first run of views of one
                    size must hold the code views (put the large crops first)
    code_views      {1, 2}: the views whose codes are predicted
    prototypes      3000 or a list of set sizes ({10, 50, 100}); each <= batch when codes
                    is Sinkhorn (it needs K <= N)
    projection      {dim = 128 [, hidden = classifier width]} or a module (the MLP head,
                    L2-normalised output, appended to the classifier)
    temperature     0.1     epsilon 0.05     sinkhorn_iters 3     codes  a function
    freeze_prototypes  313 iterations, or {epochs = E}
    queue_length    0 (none); trimmed to whole batches   queue_start  15: the queue is used
                    from epoch queue_start + 1 on
    optim           {lr = 0.6, momentum = 0.9, weight_decay = 1e-6} (one SGD for the network,
                    one for the prototypes)   lr_schedule  as dc.deepcluster's
    transforms      {eval = tf}: the transform of the evaluation pass
    epochs 1, batch 64 (full batches only), seed 31, out, resume, threads 2, progress,
    verbose, hooks (on_epoch_start, on_features, on_batch, on_epoch_end), precision,
    collapse_share 0.5.]=])

entry('dc.SwAV', [=[
dc.SwAV: the class of dc.swav runs, a subclass of dc.DeepCluster (dc.SwAV:extend() for
  one's own). It keeps DeepCluster's run folder, checkpoint, resume, fit and report, and has
  its own loop: step = train (the SwAV epoch) -> features (evaluation embeddings) ->
  assignments (each prototype set's argmax) -> statistics -> save.]=])

entry('dc.SwAV:assignments', [=[
run:assignments(feats) -> {{assign =, k =}, ...}
  Each prototype set's clustering of the embeddings feats (float32 [N, D]): the argmax of
  the scores against its prototypes (re-normalised first), int64 [N] in 1..k.]=])

entry('dc.SwAV:batch_codes', [=[
run:batch_codes(scores, emb, B) -> {codes_1, ...}
  The codes float32 [#code_views, B, K_s] of every prototype set from its scores of the
  first view group (scores[s]: [Vg * B, K_s]); with a full queue its scores against the
  current prototypes go in front and only the batch's rows are kept. Then the queue takes
  the batch's code-view embeddings (emb: [Vg * B, D]).]=])

entry('dc.SwAV:batches_per_epoch', [=[
run:batches_per_epoch() -> n
  Full batches per epoch (#data // batch): the iteration count of the freezing.]=])

entry('dc.SwAV:ensure_queue', [=[
run:ensure_queue(epoch)
  Makes the queue (zeros, one [queue_length, D] per code view) at the first epoch after
  queue_start, when queue_length > 0; it is used once its last row is filled.]=])

entry('dc.SwAV:remake_kept', [=[
run:remake_kept()
  The modules a checkpoint keeps besides the network: the prototypes and their optimizer.]=])

entry('dc.SwAV:view_groups', [=[
run:view_groups() -> {{first = v, n = count}, ...}
  Runs of consecutive views with the same image size (one forward pass each); refuses code
  views outside the first run.]=])

entry('dc.DeepCluster:remake_kept', [=[
run:remake_kept(ks)
  Makes run.kept = {{head =, optim =}, ...}, the kept heads of a checkpoint in their saved
  sizes ks, before resume loads them (a subclass keeping other modules re-makes those).]=])

entry('dc.recipes.swav', [=[
dc.recipes.swav{size =, mean =, std = [, epochs =, k =]} -> options of dc.swav
  SwAV (Caron et al. 2020; main_swav.py): temperature 0.1, Sinkhorn epsilon 0.05 and 3
  iterations, codes of the 2 large crops, prototypes frozen for the first epoch, SGD with
  momentum 0.9 and weight decay 1e-6 under a cosine schedule. At 96 px and above: 2 crops of
  size (scale 0.14-1) + 6 of 96/224 of it (0.05-0.14), one set of k = 3000 prototypes,
  projection to 128, queue of 3840 from epoch 16, batch 4096 (SwAV's whole batch; the
  Sinkhorn needs K <= N), lr 0.6 (SwAV uses LARC, which dclab lacks), 400 epochs. Below
  96 px, scaled: 2 x size (0.3-1) + 4 x 16/28 of it (0.1-0.3), three sets of k/10, k/2 and k
  prototypes (k = 100 by default: 10, 50, 100), projection to 32, queue of 384 from epoch 2, batch
  max(128, k), lr 0.05. The model must take both crop sizes (e.g. dc.models.small with an
  nn.AdaptiveAvgPool2d(3) after its features, as experiments/swav.lua does).]=])

entry('dc.DeepCluster:begin_epoch', [=[
run:begin_epoch() -> cfg, epoch, hooks, streams, lr
  The start of epoch run.epoch + 1 that every runner's step shares (DeepCluster's, dc.swav's):
  run:prepare(), the epoch's random streams (run:streams(epoch)), hooks.on_epoch_start, and
  the learning rate of cfg.lr_schedule set on run.optim (lr is nil without a schedule; a
  runner with more optimizers sets it on them).]=])

entry('dc.DeepCluster:close_epoch', [=[
run:close_epoch(epoch, results, all, stats) -> stats
  Ends an epoch of heads' results (results[h] = {assign =, k =}, their statistics all[h]):
  stats, the log entry, takes head 1's statistics where it has none of its own and all of
  them as heads = {...} when there are several; collapse warnings on stderr; the assignments
  kept; the log line and checkpoint written (with out); hooks.on_epoch_end called.]=])

-- contrastive (issue #13): the NT-Xent loss
entry('dc.nn.NTXentLoss', [=[
dc.nn.NTXentLoss([{temperature = 0.5}]) -> criterion
  SimCLR's contrastive loss (NT-Xent) of two embeddings z1, z2 float32 [B, D] of the same B
  images under two augmentations: the 2B rows are L2-normalised inside, their cosine
  similarities divided by temperature, and each row is a softmax over the other 2B - 1 rows
  whose target is its other view; the loss is the mean over the 2B rows. Run both views as
  one batch of 2B through the network (BatchNorm then sees both) and split its output.
    local loss = crit:forward(z1, z2)
    local dz1, dz2 = crit:backward(z1, z2)   -- after forward, with the same z1, z2]=])

-- ---- autoencoder: Adam, MSELoss, dc.models.autoencoder ----

entry({'dc.optim.adam', 'dc.optim.Adam:new'}, [=[
dc.optim.adam([settings]) | dc.optim.adam(params [, grads], settings) | dc.optim.adam(module, settings)
  -> optimizer
  Adam as PyTorch's torch.optim.Adam (one fused C update per parameter): bias-corrected
  moments, weight decay added to the gradient (L2, not AdamW). settings: lr = 1e-3,
  betas = {0.9, 0.999}, eps = 1e-8, weight_decay = 0. Groups, opt:add, opt:step,
  opt:zero_grad, opt:set_lr, opt:state / opt:load_state and checkpoints work as for
  dc.optim.sgd; each parameter's state is one float32 [2, <its shape>] tensor (first and
  second moment) under momentum_buffers, the bias correction counts each group's steps.
    local opt = dc.optim.adam(model, {lr = 1e-3})
    model:zero_grad(); crit:backward(...); ...; opt:step()]=])

entry('dc.optim.Adam', [=[
dc.optim.Adam: the class of dc.optim.adam's optimizers. opt:add, opt:step, opt:zero_grad,
  opt:set_lr, opt:state, opt:load_state (as dc.optim.SGD's); opt.groups is plain data.]=])

entry('dc.optim.Adam:add', [=[
opt:add(module [, settings]) | opt:add(params [, grads] [, settings]) -> opt
  A new parameter group with its own settings (the optimizer's by default) and its own step
  count.]=])

entry('dc.optim.Adam:step', [=[
opt:step() -> opt
  One Adam update of every parameter from its gradient.]=])

entry('dc.optim.Adam:zero_grad', [=[
opt:zero_grad() -> opt
  Sets the gradients of every group's parameters to 0.]=])

entry('dc.optim.Adam:set_lr', [=[
opt:set_lr(lr) -> opt
  Sets the learning rate of every group.]=])

entry('dc.optim.Adam:state', [=[
opt:state() -> {steps =, groups = {{lr =, betas =, eps =, weight_decay =, steps =,
  momentum_buffers = {[i] = float32 [2, ...]}}}}
  The settings, step counts and moments, for a checkpoint (dc.checkpoint.save does it).]=])

entry('dc.optim.Adam:load_state', [=[
opt:load_state(state) -> opt
  Restores what opt:state() gave into the same groups (same count, same parameter sizes).]=])

entry('dc.nn.MSELoss', [=[
dc.nn.MSELoss() -> criterion
  The mean over every element of (x - target)^2 (PyTorch's MSELoss, mean reduction): an
  autoencoder's reconstruction loss.
    local loss = crit:forward(x, target)   -- x, target float32 of one shape
    local dx = crit:backward(x, target)    -- 2 (x - target) / numel]=])

entry('dc.models.Autoencoder', [=[
dc.models.Autoencoder: the class of dc.models.autoencoder's models (a dc.nn.Sequential of
  ae.encoder and ae.decoder): ae:encode, ae:forward, ae:backward, ae:fit, ae:reset.]=])

entry('dc.models.autoencoder', [=[
dc.models.autoencoder{dims = {784, 500, 500, 2000, 10}, generator = nil} -> ae
  The fully connected autoencoder of DEC / IDEC / N2D: encoder Flatten, Linear(dims[1] ->
  dims[2]), ReLU, ..., Linear(-> dims[#dims]) (a linear embedding); decoder the mirror, ending
  in a linear output of dims[1] values. Glorot-uniform weights, zero biases (drawn from
  generator when given). ae.encoder and ae.decoder are Sequentials; ae is a Sequential of
  the two, so parameters, state, checkpoints and optimizers take it as any module.
    ae:encode(x)   -> float32 [N, dims[#dims]]: the embedding of x [N, ...] (dims[1] values
                      a row, e.g. [N, 1, 28, 28] images)
    ae:forward(x)  -> the reconstruction, of x's shape; ae:backward(x, dy)
    ae:fit(x, {epochs =, batch = 256, lr = 1e-3, seed = 1, ...}) -> {losses, seconds, ...}
  Example: local ae = dc.models.autoencoder{dims = {784, 500, 10}}
           ae:fit(pixels, {epochs = 20}); local z = ae:encode(pixels)]=])

entry('dc.models.Autoencoder:fit', [=[
ae:fit(x, {epochs =, batch = 256, lr = 1e-3, weight_decay = 0, seed = 1, on_epoch = nil,
  first_epoch = 1, optimizer = nil})
  -> {losses = {per epoch}, seconds, cpu_seconds, images_per_second, optimizer}
  Trains the autoencoder on the rows of x (float32 [N, ...], no labels) with Adam (lr,
  weight_decay) on the MSE reconstruction loss, in batches of a random order drawn for each
  epoch number from seed; on_epoch(epoch, mean_loss) is called after each. x may instead be
  a dc.data.loader (no batch option then): each epoch it is reset to that epoch and order,
  and its batches are input and target, so a transform such as T.RandomAffine trains on
  augmented images (DEC-DA) with the loader's per-image randomness. Leaves the model
  in evaluation mode. To continue a run saved after epoch E (dc.checkpoint.save of the model
  and result.optimizer), load both and pass first_epoch = E + 1, optimizer = the Adam: the
  result equals a straight run.]=])

entry('dc.models.Autoencoder:encode', [=[
ae:encode(x) -> float32 [N, dims[#dims]]
  The embedding of x [N, ...] (dims[1] values a row): the encoder's output, a reused buffer
  (:clone() to keep it).]=])

entry('dc.models.Autoencoder:reset', [=[
ae:reset([generator]) -> ae
  Redraws the weights Glorot-uniform (U(-a, a), a = sqrt(6 / (in + out))) and zeroes the
  biases.]=])

-- ---- SCAN (issue #13, neighbour consistency): dc.nn.SCANLoss ----

entry('dc.nn.SCANLoss', [=[
dc.nn.SCANLoss([{entropy_weight = 5}]) -> criterion
  SCAN's clustering loss (Van Gansbeke et al. 2020) of the cluster logits anchors float32
  [B, K] of B images and neighbors [B, K] of one of the k nearest neighbours of each (mined
  beforehand in a pretext embedding, e.g. with dc.cluster.knn on L2-normalised features):
    consistency = -mean_i log <softmax(anchors_i), softmax(neighbors_i)>
    entropy     = H(mean_i softmax(anchors_i))   (natural log; at most log K)
    loss        = consistency - entropy_weight * entropy
  An image and its neighbour are pushed to the same confident cluster; the entropy term
  keeps the batch from collapsing into one. Both inputs get gradients (run anchors and
  neighbours through the same network and head). Softmaxes and logs are taken stably in
  double, so any logits give a finite loss.
    local loss = crit:forward(anchors, neighbors)  -- crit.consistency, crit.entropy too
    local da, dn = crit:backward(anchors, neighbors)]=])

-- ---- Contrastive training and SCAN as parts (issue #13): dc.contrastive, dc.scan, and
-- ---- dc.eval.kmeans / kmeans_nmi / l2_rows ----

entry('dc.eval.l2_rows', [=[
dc.eval.l2_rows(x) -> float32 [N, D]
  The rows of x (float32 [N, D]) scaled to unit length (a zero row stays zero): the 'l2'
  step of the search's protocol and of cosine k-NN.]=])

entry('dc.eval.kmeans', [=[
dc.eval.kmeans(x [, {k = 10, seed = 1, niter = 20}]) -> int64 [N] (clusters 1..k)
  The evaluation's k-means on the rows of x (float32 [N, D]): every row takes part (no
  subsampling), FAISS's k-means with niter iterations from seed. dc.eval.clustering and the
  search's protocol cluster with it.]=])

entry('dc.eval.kmeans_nmi', [=[
dc.eval.kmeans_nmi(features, labels [, {k = 10, seed = 1}]) -> NMI
  The NMI with labels (int64 [N]) of dc.eval.kmeans on the L2-normalised rows of features
  (float32 [N, D]): a network's score as a training run tracks it (dc.contrastive.train's
  watch). Labels are used only to score.]=])

entry('dc.contrastive', [=[
dc.contrastive: contrastively trained features (SimCLR, method.md §15): a small convnet and a
  projection head trained without labels so that two augmented views of each image agree
  (dc.nn.NTXentLoss) against the other images of the batch.
    local model, history = dc.contrastive.train(ds, {epochs = 20})
    local f = dc.contrastive.features(model, ds)   -- f.trunk [N, 1152], f.hidden, f.z
  Parts: options, net, view_transform, intensity_jitter, train, features.]=])

entry('dc.contrastive.options', [=[
dc.contrastive.options([opts]) -> the options over their defaults (an error names a bad one)
  epochs = 20, batch = 256, lr = 0.3 (SGD, cosine-annealed to 0 over the run), momentum =
  0.9, weight_decay = 5e-4, temperature = 0.5 (NT-Xent), widths = {32, 64, 128, 128} (the
  trunk's conv stages, 1 to 5), hidden = 512, dim = 128 (projection head), crop = {0.3, 1}
  (RandomResizedCrop scale), flip = true, brightness = 0.4, contrast = 0.4 (per-view jitter,
  0 = off), precision = 'fp32' (or 'bf16' for training), seed = 1, threads = 2 (loader),
  log = function(epoch, loss, images_per_second, seconds), watch = a labelled dataset scored
  after every epoch (dc.eval.kmeans_nmi of its trunk features).]=])

entry('dc.contrastive.net', [=[
dc.contrastive.net([opts [, generator]]) -> network (dc.models.Net 'simclr')
  The trunk of dc.models.small (conv3x3-BN-ReLU stages of opts.widths, 2x2 max-pooling after
  all but the third; 28x28 -> 3x3 with 4 stages) on the grey image, no Sobel, and the
  projection head Linear-BN-ReLU-Linear (hidden, dim). Weights drawn from generator when
  given. opts: dc.contrastive.options'.]=])

entry('dc.contrastive.view_transform', [=[
dc.contrastive.view_transform([opts]) -> transform
  One view's augmentation: RandomResizedCrop(28, {scale = opts.crop}), a horizontal flip
  when opts.flip, then ToFloat ([0, 1]). The intensity jitter runs on the batch afterwards
  (dc.contrastive.intensity_jitter).]=])

entry('dc.contrastive.intensity_jitter', [=[
dc.contrastive.intensity_jitter(x [, {brightness = 0.4, contrast = 0.4, generator =}]) -> y
  torchvision's ColorJitter(brightness, contrast) on a batch x (float32 [N, C, H, W], values
  in [0, 1]), one factor per image and parameter, uniform in [1 - r, 1 + r]: y = x * b, then
  (y - mean(y)) * c + mean(y) with the image's mean, each clamped to [0, 1]; brightness
  factors are drawn first. 0 turns a part off. (dc.transforms.ColorJitter works per image on
  bytes, in a random order.) Returns a new tensor.]=])

entry('dc.contrastive.train', [=[
dc.contrastive.train(ds [, opts]) -> model, history
  Trains dc.contrastive.net on dataset ds (labels unused; at least batch images): every
  epoch a random order, batches of two independently augmented views of each image
  (view_transform, then intensity_jitter), both views through the network as one batch,
  NT-Xent on the projections, SGD with momentum and a cosine learning rate. history[e] =
  {epoch, loss (the epoch's mean), seconds, images_per_second, test_nmi (with watch)}.
  opts: dc.contrastive.options'. Example:
    local model = dc.contrastive.train(train, {epochs = 10, batch = 128, lr = 0.1,
      watch = test, log = print})]=])

entry('dc.contrastive.features', [=[
dc.contrastive.features(model, ds) -> {trunk = [N, D], hidden = [N, hidden], z = [N, dim]}
  The features of every image of ds in order (no augmentation, ToFloat only), fp32, in
  evaluation mode: trunk (the flattened conv output, what the search clusters), hidden (the
  head's ReLU output) and z (the projection the loss saw). model: dc.contrastive.net's.]=])

entry('dc.scan', [=[
dc.scan: SCAN's clustering stage (method.md §17) on features of a pretext network:
  neighbours mined once, cluster heads trained so that neighbours agree, the head of lowest
  loss kept.
    local heads = dc.scan.fit(train_features, {neighbors = 20, k = 10})
    local p = heads:predict(test_features)     -- [N, K] probabilities; p:argmax(2) clusters
  Parts: options, fit, Heads (predict), mine, neighbor_accuracy.]=])

entry('dc.scan.options', [=[
dc.scan.options([opts]) -> the options over their defaults (an error names a bad one)
  neighbors = 20 (mined per row), k = 10 (clusters), heads = 5, entropy_weight = 5,
  epochs = 50 (heads on the frozen features; Adam lr = 1e-2, weight_decay = 1e-4, batch =
  256), finetune = 0 (epochs of trunk + heads; finetune_lr = 1e-4; needs model =, data =,
  augment = dc.contrastive options of the views), selflabel = 0 (epochs; selflabel_lr =
  1e-4, threshold = 0.99), seed = 1, log = function(stage, epoch, record) with stage
  'frozen', 'finetune' or 'selflabel', mine_in = float32 [N, D'] (the rows, one per feature
  row, whose cosine neighbours SCAN uses; default the features themselves).]=])

entry('dc.scan.fit', [=[
dc.scan.fit(features [, opts]) -> heads (a dc.scan.Heads)
  SCAN on features float32 [N, D] of N images (rows L2-normalised here; more than neighbors
  rows, at least batch): the neighbours of each row by cosine (dc.scan.mine; in opts.mine_in
  when given), then
  opts.heads Linear heads trained by Adam so that each row and a random one of its
  neighbours agree (dc.nn.SCANLoss); optionally the trunk of opts.model (a
  dc.contrastive.net, trained in place) fine-tuned with the heads on augmented views of
  opts.data (the N images, in order); the head of lowest loss on the whole set kept (each
  row against each of its neighbours; no labels); optionally self-labelling of that head
  (cross-entropy towards its confident argmax, classes weighted by inverse frequency).
  heads.probs [N, K]: the kept head's probabilities of the N rows after every stage;
  heads.head, heads.losses (every head's), heads.neighbors (int64 [N, neighbors]),
  heads.history (per epoch, each head's mean loss), heads.finetune_history,
  heads.selflabel_history, heads.linear. opts: dc.scan.options'.]=])

entry('dc.scan.Heads', [=[
dc.scan.Heads: what dc.scan.fit returns: heads:predict(features), and the record fields
  probs, head, losses, neighbors, history, finetune_history, selflabel_history, linear.]=])

entry('dc.scan.Heads:predict', [=[
heads:predict(features) -> float32 [N, K]
  The kept head's cluster probabilities of new rows (float32 [N, D], D the fitted width;
  L2-normalised here); rows sum to 1, :argmax(2) gives the clusters. After a fine-tuned
  fit, give features of the fine-tuned network.]=])

entry('dc.scan.mine', [=[
dc.scan.mine(features, n) -> int64 [N, n]
  The n nearest neighbours (1-based rows, nearest first, the row itself excluded) of every
  row of features (float32 [N, D]) by cosine similarity: dc.cluster.knn on L2-normalised
  rows.]=])

entry('dc.scan.neighbor_accuracy', [=[
dc.scan.neighbor_accuracy(neighbors, labels) -> fraction
  The fraction of mined neighbours (int64 [N, n]) whose label (int64 [N]) is their row's:
  how often SCAN's pairs share a class (labels used only to score).]=])

-- issue #11 (bf16 kernels): the inference chain
entry('dc.nn.Conv2d:chain_stage', [=[
conv:chain_stage() -> stage, n | nil
  In evaluation, the stage this layer is in an inference chain (dc.nn's chain.lua: a
  Sequential runs a run of convolutions and max poolings as one oneDNN pass whose
  activations stay in oneDNN's layout, channels-last bf16 or blocked fp32): its
  configuration and weights, with the BatchNorm2d folded after it and its fused ReLU, and n,
  the modules the stage covers (1 to 3). nil for a layer whose passes do not all run in
  oneDNN (dc.core.conv2d_chains: fp32 on a CPU without AVX-512, or algo 'im2col' /
  'winograd2' / 'winograd4'). Sequential calls it; there is no reason to call it yourself.]=])

entry('dc.nn.MaxPool2d:chain_stage', [=[
pool:chain_stage() -> stage, 1
  In evaluation, the stage this layer is in an inference chain (see
  dc.nn.Conv2d:chain_stage): {pool = its configuration}.]=])

-- ---- throughput: the bf16 Linear layer (issue #11) ----

entry('dc.nn.Linear:set_precision', [=[
linear:set_precision('fp32' | 'bf16') -> linear
  The layer's compute precision (dc.nn.set_precision calls it on every layer that has it).
  'bf16': the forward product, the input gradient and the weight gradient round their inputs
  (x, the weight, the output gradient) to bfloat16 and sum in fp32 (oneDNN's matmul, AMX /
  AVX512_BF16); the weight, its gradients, the output and the input gradient stay fp32. 'fp32'
  (the default): the forward product in oneDNN on CPUs with AVX-512, the rest in OpenBLAS's
  sgemm (what measured faster). Errors: "Linear:set_precision: unknown precision 'x' (valid:
  fp32, bf16)"; 'bf16' on a CPU without bf16 compute is refused with a message naming what it
  has. In bf16 the input gradient uses the weight as the last forward pass rounded it (as
  PyTorch's autocast does); a backward with none since set_precision raises "Linear: backward
  in bf16 needs a forward pass first".]=])

-- issue #11 (bf16 kernels): the training chain
entry('dc.nn.Conv2d:train_stage', [=[
conv:train_stage() -> stage, 3 | nil
  In training, the stage this layer is in a training chain (dc.nn's chain.lua: a Sequential
  runs a run of Conv2d -> BatchNorm2d -> in-place ReLU blocks and max poolings forward and
  backward as one oneDNN pass whose activations and gradients stay in oneDNN's layout,
  channels-last bf16 or blocked fp32; weights, gradients and BatchNorm statistics stay
  fp32): its configuration, weights and gradients with the BatchNorm2d's, and 3, the modules
  it covers. nil for a layer whose passes do not all run in oneDNN (as chain_stage) or
  without a training BatchNorm2d and in-place ReLU after it. Sequential calls it; there is
  no reason to call it yourself.]=])

entry('dc.nn.MaxPool2d:train_stage', [=[
pool:train_stage() -> stage, 1
  In training, the stage this layer is in a training chain (see
  dc.nn.Conv2d:train_stage): {pool = its configuration}.]=])

return doc
