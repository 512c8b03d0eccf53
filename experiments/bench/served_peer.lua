-- A peer process kept running for a whole benchmark, so both sides are timed in the same
-- steady state: cmd starts it with its stdout and stderr on a FIFO; it prints one line
-- containing "ready" when set up, then one line per request line it reads on stdin.
--   local ask, stop = dofile('experiments/bench/served_peer.lua')(cmd, 'torchvision peer')
--   local line = ask('case')   -- its answer, or nil once it failed (its output is printed)
return function(cmd, name)
  local fifo = os.tmpname()
  assert(os.execute("rm -f '" .. fifo .. "' && mkfifo '" .. fifo .. "'"))
  local to = assert(io.popen(cmd .. " > '" .. fifo .. "' 2>&1", 'w'))
  local from = assert(io.open(fifo, 'r'))
  local alive = true
  local function failed(line)
    io.stderr:write(name .. ' failed:\n' .. tostring(line) .. '\n' .. (from:read('a') or '') .. '\n')
    alive = false
  end
  -- its set-up (data loads, untimed passes) must not overlap our timings
  local ready = from:read('l')
  if not (ready and ready:find('ready', 1, true)) then failed(ready) end
  local function ask(request, answered)
    if not alive then return nil end
    to:write(request, '\n')
    to:flush()
    local line = from:read('l')
    if not (line and (not answered or answered(line))) then return failed(line) end
    return line
  end
  local function stop()
    to:close()
    from:close()
    os.remove(fifo)
  end
  return ask, stop
end
