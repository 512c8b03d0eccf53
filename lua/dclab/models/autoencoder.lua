-- autoencoder{dims = {784, 500, 500, 2000, 10}, generator = nil}: the fully connected
-- autoencoder of DEC / IDEC / N2D. An encoder Flatten, Linear(dims[1] -> dims[2]), ReLU, ...,
-- Linear(dims[#dims - 1] -> dims[#dims]) (a linear embedding) and the mirror decoder ending
-- in a linear output of dims[1] values. Weights start Glorot-uniform, biases 0 (the Keras
-- defaults those papers used; dclab's Linear default, N(0, 0.01^2), starts a 4-layer
-- autoencoder with a vanishing signal).
--   ae:encode(x)   -> the embedding [N, dims[#dims]] of x [N, ...] (any shape with
--                     dims[1] values per row, e.g. [N, 1, 28, 28]); a buffer, as forward
--   ae:forward(x)  -> the reconstruction, of x's shape; ae:backward(x, dy) as any module
--   ae:fit(x, {epochs =, batch = 256, lr = 1e-3, weight_decay = 0, seed = 1, on_epoch =,
--              first_epoch = 1, optimizer =})
--                  -> {losses = {per epoch}, seconds, cpu_seconds, images_per_second,
--                     optimizer}: Adam on the MSE reconstruction loss of the rows of x,
--                     shuffled each epoch; x may be a dc.data loader instead (its batches,
--                     e.g. augmented images as DEC-DA, are input and target, in the
--                     epoch's order); a run saved (model and optimizer) after epoch E
--                     and resumed with first_epoch = E + 1, optimizer = the restored Adam,
--                     ends where a straight run ends
-- ae.encoder and ae.decoder are Sequentials; ae is a Sequential of the two (state names
-- '1.<i>.weight' for the encoder, '2.<i>.weight' for the decoder).
local core = require 'dclab.core'
local nn = require 'dclab.nn'
local options = require 'dclab.options'
local Adam = require 'dclab.optim.Adam'

local Autoencoder, parent = nn.Sequential:extend('Autoencoder')

-- Appends Linear(sizes[1] -> sizes[2]), ReLU, ..., Linear(sizes[#sizes - 1] -> sizes[#sizes]).
local function add_mlp(seq, sizes)
  for i = 1, #sizes - 1 do
    if i > 1 then seq:add(nn.ReLU{inplace = true}) end
    seq:add(nn.Linear(sizes[i], sizes[i + 1]))
  end
  return seq
end

function Autoencoder:__init(opt)
  opt = options.check('models.autoencoder', opt, {
    dims = {type = 'table', default = {784, 500, 500, 2000, 10}},
    generator = {type = 'generator'},
  }, 4)
  local dims = opt.dims
  if #dims < 2 then error('models.autoencoder: dims needs at least 2 sizes, got ' .. #dims, 4) end
  for i, d in ipairs(dims) do
    if math.type(d) ~= 'integer' or d < 1 then
      error(string.format('models.autoencoder: dims[%d] must be a positive integer, got %s', i,
        tostring(d)), 4)
    end
  end
  self.dims = table.move(dims, 1, #dims, 1, {})
  local reversed = {}
  for i = #dims, 1, -1 do reversed[#reversed + 1] = dims[i] end
  self.encoder = add_mlp(nn.Sequential{nn.Flatten()}, dims)
  self.decoder = add_mlp(nn.Sequential(), reversed)
  parent.__init(self, {self.encoder, self.decoder})
  self:reset(opt.generator)
end

-- Glorot-uniform weights (U(-a, a), a = sqrt(6 / (in + out))), zero biases, from gen.
function Autoencoder:reset(gen)
  for _, part in ipairs{self.encoder, self.decoder} do
    for _, m in ipairs(part.modules) do
      if m.weight then
        local a = math.sqrt(6 / (m.in_features + m.out_features))
        m.weight:uniform_(-a, a, gen)
        m.bias:fill(0)
      end
    end
  end
  return self
end

local function check_input(self, fname, x)
  if not core.is_tensor(x) or x:dtype() ~= 'float32' or x:dim() < 2 then
    error(string.format('%s: x must be a float32 tensor [N, ...], got %s', fname,
      core.is_tensor(x) and x:dtype() .. ' [' .. table.concat(x:shape(), ', ') .. ']' or type(x)), 3)
  end
  if x:numel() ~= x:size(1) * self.dims[1] then
    error(string.format('%s: x [%s] has %d values per row, the autoencoder takes %d', fname,
      table.concat(x:shape(), ', '), x:numel() // math.max(1, x:size(1)), self.dims[1]), 3)
  end
end

function Autoencoder:encode(x)
  check_input(self, 'autoencoder:encode', x)
  return self.encoder:forward(x)
end

function Autoencoder:forward(x)
  check_input(self, 'autoencoder:forward', x)
  self.output = parent.forward(self, x):view(x:shape())
  return self.output
end

function Autoencoder:backward(x, dy)
  return parent.backward(self, x, dy:view(x:size(1), -1))
end

-- A dc.data loader (rather than a tensor of rows).
local function is_loader(v)
  return type(v) == 'table' and v.dataset ~= nil and type(v.reset) == 'function'
end

function Autoencoder:fit(x, opt)
  opt = options.check('autoencoder:fit', opt, {
    epochs = {type = 'integer', min = 1, required = true},
    first_epoch = {type = 'integer', min = 1, default = 1},
    batch = {type = 'integer', min = 1},
    lr = {type = 'number', above = 0, default = 1e-3},
    weight_decay = {type = 'number', min = 0, default = 0},
    seed = {type = 'integer', default = 1},
    optimizer = {type = 'table'},
    on_epoch = {type = 'function'},
  }, 2)
  local loader = is_loader(x) and x
  if loader and opt.batch then
    error('autoencoder:fit: batch is the loader\'s own; leave it out with a loader', 2)
  end
  if not loader then check_input(self, 'autoencoder:fit', x) end
  local n, batch = loader and #loader.dataset or x:size(1), opt.batch or 256
  local adam = opt.optimizer or Adam.new(self, {lr = opt.lr, weight_decay = opt.weight_decay})
  local crit = nn.MSELoss()
  local root = core.Generator(opt.seed)
  local losses, cpu0, wall0 = {}, os.clock(), core.now()
  local function step(xb)
    local y = self:forward(xb)
    local loss = crit:forward(y, xb)
    self:zero_grad()
    self:backward(xb, crit:backward(y, xb))
    adam:step()
    return loss * xb:size(1)
  end
  self:training()
  for epoch = opt.first_epoch, opt.first_epoch + opt.epochs - 1 do
    -- each epoch's order from its own stream: resuming at first_epoch repeats a straight run
    local perm, sum = core.randperm(n, root:split(epoch)), 0
    if loader then
      loader:reset{epoch = epoch, order = perm}
      for xb in loader:iter() do sum = sum + step(xb) end
    else
      for s = 1, n, batch do
        sum = sum + step(x:index_select(1, perm:narrow(1, s, math.min(batch, n - s + 1))))
      end
    end
    losses[#losses + 1] = sum / n
    if opt.on_epoch then opt.on_epoch(epoch, losses[#losses]) end
  end
  self:evaluate()
  local seconds = core.now() - wall0
  return {losses = losses, seconds = seconds, cpu_seconds = os.clock() - cpu0,
    images_per_second = seconds > 0 and n * opt.epochs / seconds or nil, optimizer = adam}
end

function Autoencoder:describe()
  return 'Autoencoder(' .. table.concat(self.dims, '-') .. ')\n' .. parent.describe(self)
end

-- dc.models.autoencoder(opt): the constructor (dc.models.Autoencoder is the class; the
-- underscore keeps it out of the class's public methods).
function Autoencoder._build(opt)
  local ae = Autoencoder(opt) -- not a tail call: the error level counts this frame
  return ae
end

return Autoencoder
