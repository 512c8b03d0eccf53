-- The search's autoencoder features (pipeline.trained_features, kind 'ae'): options
-- {epochs = E, dims = {784, 500, 500, 2000, 10}, batch = 256, lr = 1e-3, augment = nil}: a
-- dc.models.autoencoder initialised from seed, trained on the train images' pixels (no
-- labels), then its embedding of the train and test pixels. augment = {degrees = d,
-- translate = t} trains on randomly rotated and shifted images instead (DEC-DA: its input
-- and target are the same augmented image; T.RandomAffine(d, {translate = {t, t}})). The
-- model and its optimizer are saved in cache_dir after training; a later call for more epochs with the same settings, images and seed continues
-- the longest saved run (equal to a straight run, ae:fit's first_epoch). Returns ftr, fte,
-- {epochs, resumed_from, seconds, images_per_second, loss} (seconds, speed and final loss
-- of this call's training; nil when everything was loaded).
local dc = require 'dclab'

local T = dc.transforms

return function(o, train, test, seed, cache_dir)
  local batch, lr, aug = o.batch or 256, o.lr or 1e-3, o.augment
  local xtr = dc.eval.features(nil, train, {layer = 'pixels'})
  local xte = dc.eval.features(nil, test, {layer = 'pixels'})
  local ae = dc.models.autoencoder{dims = o.dims, generator = dc.Generator(seed)}
  local adam = dc.optim.adam(ae, {lr = lr})
  dc.mkdirs(cache_dir)
  local base = string.format('%s/ae_%s_b%d_lr%g_n%d_s%d%s_e', cache_dir, table.concat(ae.dims, '-'),
    batch, lr, xtr:size(1), seed,
    aug and string.format('_aff%g-%g', aug.degrees, aug.translate) or '')
  local info = {epochs = o.epochs, resumed_from = 0}
  for e = o.epochs, 1, -1 do
    local f = io.open(base .. e .. '.bin', 'rb')
    if f then
      f:close()
      dc.checkpoint.load(base .. e .. '.bin', {model = ae, optim = adam})
      info.resumed_from = e
      break
    end
  end
  if info.resumed_from < o.epochs then
    local from = xtr
    if aug then
      from = dc.data.loader(train, {batch = batch, seed = seed, transform = T.compose{
        T.RandomAffine(aug.degrees, {translate = {aug.translate, aug.translate}}), T.ToFloat()}})
    end
    local r = ae:fit(from, {epochs = o.epochs - info.resumed_from,
      first_epoch = info.resumed_from + 1, batch = not aug and batch or nil, seed = seed,
      optimizer = adam, on_epoch = function(e, loss)
        io.write(string.format('  ae seed %d epoch %d: loss %.5f\n', seed, e, loss))
        io.flush()
      end})
    dc.checkpoint.save(base .. o.epochs .. '.bin', {model = ae, optim = adam})
    info.seconds, info.images_per_second, info.loss = r.seconds, r.images_per_second,
      r.losses[#r.losses]
  end
  ae:evaluate()
  local function embed(x)
    local out = dc.empty(x:size(1), ae.dims[#ae.dims])
    for s = 1, x:size(1), 1000 do
      local len = math.min(1000, x:size(1) - s + 1)
      out:narrow(1, s, len):copy(ae:encode(x:narrow(1, s, len)))
    end
    return out
  end
  return embed(xtr), embed(xte), info
end
