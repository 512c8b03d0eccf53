-- Help texts shown by help(obj) in the REPL. Keys: 'dc.<name>' for the dc table's fields,
-- 'Tensor:<name>' for tensor methods, plus 'help' (the overview) and 'dc.Tensor' (the class).
-- Each text starts with the call signature; in-place twins (add_) share their function's text.
-- tests/lua/repl_spec.lua checks that every function of dc, dc.cluster and dc.metrics and every
-- tensor method has an entry.
local doc = {}

local function entry(names, text)
  if type(names) == 'string' then names = {names} end
  for _, name in ipairs(names) do doc[name] = text end
end

entry('help', [[
dclab REPL: `dc` is loaded. Results are printed; an error leaves you at the prompt.
  help(obj)        help on a function, tensor or table: help(dc.zeros), help(t), help(dc)
  who()            the globals defined in this session, with tensor shapes
  dc.time(fn, ...) wall-clock seconds of one call fn(...), then fn's results
  dc.<TAB>, t:<TAB>  complete names, fields and tensor methods
  Ctrl-C clears the line or interrupts running code; Ctrl-D exits.
  History is kept in ~/.dclab_history.]])

-- ---- the dc table ----

entry('dc', [[
dc: the dclab library (`local dc = require 'dclab'`; the REPL and scripts run by the
  launcher have it already). Tensors: dc.tensor, dc.zeros, ...; help(dc.Tensor) for methods.]])

entry('dc.Tensor', [[
dc.Tensor: the tensor class (its methods; `t:<TAB>` lists them)
  Tensors are float32 (default), int64 (labels, indices, cluster ids) or uint8 (images, masks),
  up to 8 dimensions. Views share storage with their source. Indices and dimensions count
  from 1, negative ones from the end. Operators + - * / ^ and unary - work elementwise with
  numpy broadcasting, with tensors or numbers.]])

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
  start, start + step, ... up to stop excluded (start 0, step 1 by default). int64 when all
  bounds are integers, float32 otherwise: dc.arange(5) is 0 1 2 3 4.]])

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

entry('dc.deepcluster', [[
dc.deepcluster{model =, data =, k = 100, epochs = 1, batch = 256, seed = 31, out = nil, ...} -> run
  The DeepCluster loop (Caron et al. 2018): per epoch, features in evaluation mode ->
  PCA-whitening + L2 -> clustering -> pseudo-labels -> sampler -> fresh head -> one epoch
  of training. run:fit() runs the remaining epochs; run:step() one. Swappable: clustering
  ('kmeans' | 'pic' | object | function(x, k, gen)), reassign (empty-cluster strategy),
  sampler ('uniform_per_cluster' | 'reference_bug_compatible' | 'shuffle' | 'loss_weights' |
  function(assign, k, gen, n)), head ('reinit' | 'keep' | 'centroids'), preprocess, optim,
  head_optim, transforms = {train =, eval =}, epoch_size, threads, resume, hooks
  {on_epoch_start, on_features, on_clusters, on_batch, on_epoch_end}. With out = dir:
  config.json, log.jsonl, assign.npy and checkpoint.bin (atomic) every epoch.
  stream_features = true: the raw N x D features never exist (one pass fits the PCA batch by
  batch, a second projects; twice the forward passes). precision = 'bf16': bf16 convolutions
  with fp32 sums (dc.nn.set_precision), refused on a CPU without bf16 compute.]])

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
  Integers in [lo, hi], both included as in math.random; int64 unless dtype says otherwise:
  dc.randint(1, 6, 10).]])

entry('dc.randperm', [[
dc.randperm(n [, {generator=, seed=}]) -> int64 tensor
  1..n in random order (Fisher-Yates): dc.randperm(5).]])

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
dc.save(path, tensors [, meta])
  Writes a checkpoint: tensors = {name = tensor, ...}, meta = a plain Lua value (tables,
  strings, numbers, booleans), atomically (temporary file, fsync, rename), with a CRC32.]])

entry('dc.load', [[
dc.load(path) -> tensors, meta
  Reads a checkpoint written by dc.save; a corrupt or truncated file is refused whole.]])

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
  Without dim, the same as t:shape(); with dim, the size of that dimension (1-based).]])

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
t:type(dtype) -> tensor
  Converted to dtype (t itself when it already has it).]])

entry('Tensor:copy', [[
t:copy(src) -> t
  Copies src into t, converting the dtype; src broadcasts to t's shape.]])

entry('Tensor:fill', [[
t:fill(value) -> t
  Sets every element to value.]])

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

-- ---- clustering (dc.cluster) ----

entry('dc.cluster', [=[
dc.cluster: clustering algorithms (k-means, PIC), their registries, the PCA-whitening step
  and exact kNN. A clustering is an object with fit(x) or a function(x); either returns
  {assign = int64 [N] (1..k), k =, loss =, stats =}, so a Lua algorithm plugs in anywhere.]=])

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
  subsample), spherical (inner product, unit centroids), init ('random' | 'kmeans++' |
  'faiss'), backend ('dclab' | 'faiss': FAISS's own Clustering), reassign (empty-cluster
  strategy: 'faiss_split' | 'deepercluster' | 'farthest_point' | 'random_point' | 'none' | a
  registered name | function(centroids, counts, ctx)), preprocess (object or its options).
  km:fit(x [, {seed =}]) -> {assign = int64 [N] (1..k), k, loss, centroids, stats}; stats:
  iters[i].obj, imbalance, nempty_met, nfixed, nempty_final. km:assign(x) -> ids, dist.]=])

entry('dc.cluster.pic', [=[
dc.cluster.pic{nnn = 5, sigma = 0.2, alpha = 0.001, niter = 200, ...} -> pic
  Power Iteration Clustering as DeepCluster's: kNN graph with weights exp(-d / sigma^2),
  power iteration, clusters = basins of local maxima; distribute_singletons = true;
  preprocess (object or its options). pic:fit(x) -> {assign, k (from the data), loss = 0,
  stats}.]=])

entry('dc.cluster.register', [=[
dc.cluster.register(name, factory)
  Adds a clustering: factory(opts) returns an object with fit(x) or a function(x). Names
  are unique ('kmeans' and 'pic' are built in).]=])

entry('dc.cluster.new', [=[
dc.cluster.new(name, opts) -> clustering
  The registered factory's clustering for opts (an error lists the registered names).]=])

entry('dc.cluster.fit', [=[
dc.cluster.fit(algo, x, ...) -> {assign, k, loss, stats}
  Runs a clustering (object with fit, or function) on x and checks its result: a bare
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
dc.nn.set_precision(model, 'fp32' | 'bf16') -> model
  The compute precision of every convolution in model (any nesting of Sequential / Net).
  'bf16' is mixed precision through oneDNN (AVX512_BF16 / AMX): inputs and weights rounded to
  bfloat16, products summed in fp32, outputs and gradients fp32; weights, optimizer state,
  BatchNorm statistics, Linear layers and the loss stay fp32. Results differ from fp32 by
  about 2e-3 of the largest value. Refused on a CPU without AVX512_BF16 or AMX-BF16, with a
  message naming the features it has (dc.cpu()).]=])

entry('dc.nn.precision', [=[
dc.nn.precision(model) -> 'fp32' | 'bf16'
  The precision last set on model by dc.nn.set_precision ('fp32' when never set).]=])

return doc
