-- Loader: batches of a dataset, decoded and transformed by C worker threads.
--   local loader = dc.data.loader(ds, {batch = 256, transform = t, order = idx, threads = 2})
--   for x, y, idx in loader do ... end          -- x float32 [B, C, H, W], y labels, idx ids
--   for x, y, idx in loader:iter() do ... end   -- the same, and `break` stops the workers
-- Multi-view (multi-crop): views = {tf1, tf2, ...} instead of transform; each batch is then
--   xs, y, idx with xs = {x1, ..., xV}, xv float32 [B, C, Hv, Wv]: row b of every xv comes
--   from the same image, each view with its own random stream (sizes may differ).
-- x, y, idx are reused buffers, valid until the next batch: clone what you keep. A pass
-- ends at the end of `order`; loader:reset{epoch = e, order = o} starts the next one.
local options = require 'dclab.options'

return function(dc, core)
  local Loader = {}
  Loader.__index = Loader

  local OPTS = {batch = true, transform = true, order = true, threads = true, prefetch = true,
    drop_last = true, seed = true, epoch = true, on_error = true, views = true}

  local function order_tensor(order)
    if order == nil or dc.is_tensor(order) then return order end
    if type(order) == 'table' then return dc.tensor(order, 'int64') end
    error('loader: order must be an int64 tensor or a list of indices', 3)
  end

  function Loader.new(ds, opts)
    if type(ds) ~= 'table' or ds.desc == nil then
      error('loader: argument 1 must be a dataset', 2)
    end
    opts = options.check('loader', opts, OPTS)
    local tf = opts.transform
    if tf ~= nil and not dc.transforms.is_transform(tf) then
      error('loader: transform must be a dc.transforms transform', 2)
    end
    local views
    if opts.views ~= nil then
      if tf ~= nil then
        error('loader: transform and views are exclusive (put the transform in each view)', 2)
      end
      if type(opts.views) ~= 'table' or #opts.views < 1 then
        error('loader: views must be a non-empty list of transforms', 2)
      end
      views = {}
      for v, t in ipairs(opts.views) do
        if not dc.transforms.is_transform(t) then
          error(string.format('loader: views[%d] must be a dc.transforms transform', v), 2)
        end
        views[v] = t:spec()
      end
    end
    -- absent options take the core's defaults (dc_loader_cfg_init)
    local c = core.loader_new(ds.desc, tf and tf:spec(), {
      batch = opts.batch, threads = opts.threads, prefetch = opts.prefetch,
      drop_last = opts.drop_last, seed = opts.seed, epoch = opts.epoch,
      on_error = opts.on_error or ds.on_error, order = order_tensor(opts.order), views = views})
    return setmetatable({_c = c, dataset = ds, epoch = c:epoch(), reported = false,
      views = views and #views}, Loader)
  end

  -- Says once per pass which unreadable images were skipped.
  local function report(self)
    local n, lines = self._c:skipped()
    if n > 0 and not self.reported then
      io.stderr:write(string.format('loader: skipped %d unreadable image%s in epoch %d%s:\n%s\n',
        n, n == 1 and '' or 's', self.epoch, n > 5 and ' (first 5)' or '', lines))
    end
    self.reported = true
  end

  -- the iterator: next batch, or nil at the end of the pass (workers then exit)
  function Loader:__call()
    local x, y, idx = self._c:next()
    if x == nil then report(self) end
    return x, y, idx
  end

  -- for x, y, idx in loader:iter(): its closing value stops the workers when the loop ends,
  -- by break or error included; the loader can then be reset and used again.
  function Loader:iter()
    local closer = setmetatable({}, {__close = function() self:stop() end})
    return self, nil, nil, closer
  end

  -- Ends the current pass now: the workers are joined, the buffers kept.
  function Loader:stop()
    self._c:reset(nil, self.epoch)
    self.reported = false
  end

  -- A new pass: loader:reset{epoch = e, order = o} (each optional).
  function Loader:reset(opts)
    opts = options.check('reset', opts, {epoch = true, order = true})
    self.epoch = opts.epoch or self.epoch
    self._c:reset(order_tensor(opts.order), self.epoch)
    self.reported = false
  end

  -- count, report lines of the images skipped in this pass
  function Loader:skipped() return self._c:skipped() end
  function Loader:__len() return self._c:batches() end
  -- {C, H, W}, or for a multi-view loader the list of its views' shapes
  function Loader:item_shape() return self._c:item_shape() end

  -- Frees the workers and buffers now (also on `local l <close> = ...` and collection).
  function Loader:close() self._c:close() end
  Loader.__close = Loader.close

  function Loader:__tostring() return tostring(self._c) end

  return Loader
end
