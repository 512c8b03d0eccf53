-- Versions and timing: dc.versions(), dc.version_string(), dc.now(), dc.time(fn, ...).
return function(dc, core)
  -- {dclab=, lua=, openblas=, faiss=, jpeg=}: what this build runs on.
  dc.versions = core.versions

  -- The CPU as probed at run time (core/cpu.h): what the kernels are picked by.
  dc.cpu = core.cpu

  -- One line per component, as `dclab --version` prints it.
  function dc.version_string()
    local v, cpu = core.versions(), core.cpu()
    return table.concat({
      'dclab ' .. v.dclab,
      v.lua,
      v.openblas, -- openblas_get_config() already starts with "OpenBLAS <version>"
      'FAISS ' .. v.faiss,
      'libjpeg-turbo ' .. v.jpeg,
      string.format('CPU %s (%s): %s; convolutions: %s', cpu.brand, cpu.vendor, cpu.features,
        cpu.conv2d),
    }, '\n')
  end

  -- Seconds on a monotonic wall clock; only differences mean anything.
  dc.now = core.now

  -- dc.isatty([fd = 1]): whether stdout (or fd) is a terminal.
  dc.isatty = core.isatty

  -- dc.catch_interrupts(true): Ctrl-C (SIGINT) only raises a flag that dc.interrupted()
  -- reports (and clears), so a long loop stops at a safe point; false restores the handler.
  dc.catch_interrupts = core.catch_interrupts
  dc.interrupted = core.interrupted

  -- dc.time(fn, ...) -> seconds, fn's results: wall time of one call of fn(...).
  function dc.time(fn, ...)
    if type(fn) ~= 'function' then
      local mt = getmetatable(fn)
      if not (mt and mt.__call) then
        error(string.format('time: bad argument #1 (function expected, got %s)', type(fn)), 2)
      end
    end
    local t0 = core.now()
    local res = table.pack(fn(...))
    return core.now() - t0, table.unpack(res, 1, res.n)
  end
end
