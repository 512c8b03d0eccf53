-- Help texts shown by help(obj) in the REPL. Keys: 'dc.<name>' for the dc table's fields,
-- 'Tensor:<name>' for tensor methods, plus 'help' (the overview) and 'dc.Tensor' (the class).
-- Each text starts with the call signature; in-place twins (add_) share their function's text.
-- tests/lua/repl_spec.lua checks that every dc function and tensor method has an entry.
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

entry('dc.now', [[
dc.now() -> seconds
  A monotonic wall clock; only differences mean anything. Wall time, not CPU time, since
  OpenMP and OpenBLAS run on several threads.]])

entry('dc.time', [[
dc.time(fn, ...) -> seconds, fn's results
  Calls fn(...) once and returns its wall-clock duration first:
  dc.time(function() return a:add(b) end).]])

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

return doc
