-- DeepCluster's feature preprocessing as its own step: PCA (FAISS) to `pca` dims, whitening,
-- row L2 normalisation. Fit and apply are separate, so test features reuse the training PCA,
-- and apply takes an output tensor, so features can be projected batch by batch (fit on a
-- sample first) without the N x D matrix of raw features ever existing.
--   local pre = dc.cluster.preprocess{pca = 256, whiten = true, l2 = true}
--   local y = pre(x)                  -- fit on x, then project x
--   pre:fit(sample); pre:apply(batch, y:narrow(1, row, n))
local core = require 'dclab.core'
local check = require 'dclab.cluster.options'

local Preprocess = {}
Preprocess.__index = Preprocess

local OPTIONS = {'pca', 'whiten', 'l2'}

-- opts.pca: output dims (default 256; false or 0: no PCA); whiten (default true with a PCA);
-- l2 (default true).
function Preprocess.new(opts)
  opts = check(opts, 'preprocess', OPTIONS)
  local pca = opts.pca
  if pca == nil then pca = 256 elseif pca == false then pca = 0 end
  if math.type(pca) ~= 'integer' or pca < 0 then
    error(string.format('preprocess: pca must be a dimension >= 0 or false, got %s',
      tostring(pca)), 2)
  end
  local whiten = opts.whiten
  if whiten == nil then whiten = pca > 0 end
  local l2 = opts.l2
  if l2 == nil then l2 = true end
  local self = setmetatable({}, Preprocess)
  self.pca = core.pca_new{dim = pca, whiten = whiten, l2 = l2}
  return self
end

-- Fits the PCA on x (float32 [n, D]: all the features, or a sample of them); returns self.
function Preprocess:fit(x)
  self.pca:fit(x)
  return self
end

-- Projects x (float32 [m, D]) into out (float32 [m, d_out], allocated when nil).
function Preprocess:apply(x, out)
  return self.pca:apply(x, out)
end

-- Fits on x and projects it: DeepCluster's preprocess_features.
function Preprocess:fit_apply(x)
  self.pca:fit(x)
  return self.pca:apply(x)
end
Preprocess.__call = Preprocess.fit_apply

-- d_in, d_out once fitted (d_out may be below the pca asked for: see dc_pca_fit).
function Preprocess:dims()
  return self.pca:dims()
end

-- Projects n rows arriving in batches: next_batch() returns float32 [b, D] tensors, then nil.
-- Needs a fitted PCA; returns float32 [n, d_out].
function Preprocess:transform(n, next_batch)
  local _, d_out = self.pca:dims()
  if not d_out then
    error('preprocess: transform needs a fitted PCA (call fit on a sample first)', 2)
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
