-- A progress display for long loops: a redrawn bar with items/s and ETA on a terminal,
-- a few plain lines elsewhere (logs, pipes, CI).
--   local p = dc.progress('features', n)   p:update(done)   p:finish()
local options = require 'dclab.options'

return function(dc)
  local Progress = {}
  Progress.__index = Progress

  local function clock(s)
    s = math.max(0, math.floor(s + 0.5))
    return string.format('%d:%02d', s // 60, s % 60)
  end

  -- opts: {out = io.stdout, tty = auto}
  function dc.progress(label, total, opts)
    options.arg('progress', 1, label, {type = 'string'})
    options.arg('progress', 2, total, {type = 'number'})
    opts = options.check('progress', opts, {out = true, tty = {type = 'boolean'}})
    local tty = opts.tty
    if tty == nil then tty = dc.isatty(1) end
    return setmetatable({label = label, total = math.max(total, 1), done = 0, t0 = dc.now(),
      out = opts.out or io.stdout, tty = tty, next_line = 0.25, last_draw = 0}, Progress)
  end

  function Progress:line()
    local elapsed = dc.now() - self.t0
    local rate = self.done / math.max(elapsed, 1e-9)
    local eta = rate > 0 and (self.total - self.done) / rate or 0
    return string.format('%s %d/%d %.0f/s %s ETA %s', self.label, self.done, self.total, rate,
      clock(elapsed), clock(eta))
  end

  function Progress:update(done)
    self.done = math.min(done, self.total)
    local frac = self.done / self.total
    if self.tty then
      local now = dc.now()
      if now - self.last_draw < 0.1 and self.done < self.total then return end
      self.last_draw = now
      local width = 24
      local fill = math.floor(frac * width + 0.5)
      self.out:write(string.format('\r[%s%s] %3d%% %s\27[K', string.rep('#', fill),
        string.rep('.', width - fill), math.floor(frac * 100), self:line()))
      self.out:flush()
    elseif frac >= self.next_line and self.done < self.total then
      self.out:write(self:line(), '\n')
      self.next_line = self.next_line + 0.25
    end
  end

  function Progress:finish()
    if self.tty then self.out:write('\r\27[K') end
    self.out:flush()
    return dc.now() - self.t0
  end

  return Progress
end
