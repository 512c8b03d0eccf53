-- DeepCluster's feature preprocessing as its own step: PCA to `pca` dims, whitening (FAISS's
-- eigen_power -0.5), row L2 normalisation. Fit and apply are separate, so test features reuse
-- the training PCA. Both go batch by batch, so the N x D matrix of raw features never has to
-- exist: partial_fit accumulates the mean and covariance of each batch, apply (which takes an
-- output tensor) projects each batch.
--   local pre = dc.cluster.preprocess{pca = 256, whiten = true, l2 = true}
--   local y = pre(x)                  -- fit on x, then project x
--   for batch in batches() do pre:partial_fit(batch) end   -- pass 1
--   for batch in batches() do pre:apply(batch, y:narrow(1, row, n)) end   -- pass 2
local core = require 'dclab.core'
local options = require 'dclab.options'

local Preprocess = {}
Preprocess.__index = Preprocess

local OPTIONS = {pca = {default = 256}, whiten = true, l2 = {default = true}, min_variance = true}

-- opts.pca: output dims (default 256; false or 0: no PCA); whiten (default true with a PCA);
-- l2 (default true); min_variance (default 1e-10): whitening drops the components whose
-- variance is below this fraction of the largest one's. The default drops only numerically
-- zero ones, as FAISS (the paper's code) whitens all the others; 1e-5 keeps only the strong
-- directions of collapsed features (see README).
function Preprocess.new(opts)
  opts = options.check('preprocess', opts, OPTIONS)
  local pca = opts.pca
  if pca == false then pca = 0 end
  if math.type(pca) ~= 'integer' or pca < 0 then
    error(string.format('preprocess: pca must be a dimension >= 0 or false, got %s',
      tostring(pca)), 2)
  end
  local whiten = opts.whiten
  if whiten == nil then whiten = pca > 0 end
  local l2 = opts.l2
  local self = setmetatable({}, Preprocess)
  self.pca = core.pca_new{dim = pca, whiten = whiten, l2 = l2, min_variance = opts.min_variance}
  return self
end

-- Fits the PCA on x (float32 [n, D]: all the features, or a sample of them), forgetting any
-- rows given to partial_fit; returns self.
function Preprocess:fit(x)
  self.pca:fit(x)
  self.pending = false
  return self
end

-- Adds the rows of x (float32 [b, D]) to the accumulated mean and covariance; the fit covers
-- every row given so far and is computed at the next apply, dims, transform or finish.
-- Returns self.
function Preprocess:partial_fit(x)
  self.pca:partial_fit(x)
  self.pending = true
  return self
end

-- Forgets the rows given to partial_fit (not the current fit); returns self.
function Preprocess:reset()
  self.pca:reset()
  self.pending = false
  return self
end

-- Fits on the rows given to partial_fit so far (apply does it when needed); returns self.
function Preprocess:finish()
  self.pca:finish()
  self.pending = false
  return self
end

local function ready(self)
  if self.pending then self:finish() end
end

-- Projects x (float32 [m, D]) into out (float32 [m, d_out], allocated when nil).
function Preprocess:apply(x, out)
  ready(self)
  return self.pca:apply(x, out)
end

-- Fits on x and projects it: DeepCluster's preprocess_features.
function Preprocess:fit_apply(x)
  self:fit(x)
  return self.pca:apply(x)
end
Preprocess.__call = Preprocess.fit_apply

-- d_in, d_out once fitted (d_out may be below the pca asked for: see dc_pca_finish).
function Preprocess:dims()
  ready(self)
  return self.pca:dims()
end

-- Projects n rows arriving in batches: next_batch() returns float32 [b, D] tensors, then nil.
-- Needs a fitted PCA; returns float32 [n, d_out].
function Preprocess:transform(n, next_batch)
  local _, d_out = self:dims()
  if not d_out then
    error('preprocess: transform needs a fitted PCA (call fit or partial_fit first)', 2)
  end
  local out = core.empty({n, d_out}, 'float32')
  local row = 0
  for batch in next_batch do
    local b = batch:size(1)
    if row + b > n then
      error(string.format('preprocess: the batches hold more than the %d rows announced', n), 2)
    end
    self.pca:apply(batch, out:narrow(1, row + 1, b))
    row = row + b
  end
  if row ~= n then
    error(string.format('preprocess: the batches held %d rows, %d were announced', row, n), 2)
  end
  return out
end

function Preprocess:__tostring()
  return 'Preprocess: ' .. tostring(self.pca)
end

return Preprocess
