-- What the benchmarks share: dofile('experiments/bench/shared.lua') returns
--   median(list)           the median of a list of numbers (the list is left as it was)
--   loadavg()              the 1, 5 and 15 minute load averages, as one string
--   peak_rss_mib()         this process's peak resident memory (VmHWM), MiB; 0 if unknown
--   print_cpu(dc)          prints the CPU, its vector features and the convolutions dclab runs
--                          on it, then the load average: every benchmark's first lines
--   time_in_turns(dc, runs, x, repeats)  times m:forward(x) and m:backward(x, dy) of every
--                          run {m = module, dy = gradient} in turns, repeats rounds, so load
--                          changes hit them all alike; sets each run's f and b to its lists of
--                          seconds
--   served_peer(cmd, name) a peer process kept running for a whole benchmark, so both sides
--                          are timed in the same steady state (see below)
local shared = {}

function shared.median(xs)
  local s = {table.unpack(xs)}
  table.sort(s)
  local m = #s // 2
  return #s % 2 == 1 and s[m + 1] or (s[m] + s[m + 1]) / 2
end

function shared.loadavg()
  local f = io.open('/proc/loadavg')
  if not f then return '?' end
  local line = f:read('l')
  f:close()
  return line:match('^(%S+ %S+ %S+)')
end

function shared.peak_rss_mib()
  local f = io.open('/proc/self/status')
  local kb = f and f:read('a'):match('VmHWM:%s*(%d+) kB')
  if f then f:close() end
  return kb and tonumber(kb) / 1024 or 0
end

function shared.print_cpu(dc)
  local cpu = dc.cpu()
  print(string.format('CPU %s (%s): %s; convolutions: %s', cpu.brand, cpu.vendor, cpu.features,
    cpu.conv2d))
  print('load average at start: ' .. shared.loadavg())
end

function shared.time_in_turns(dc, runs, x, repeats)
  for _, r in ipairs(runs) do r.f, r.b = {}, {} end
  for _ = 1, repeats do
    for _, r in ipairs(runs) do
      r.f[#r.f + 1] = dc.time(function() r.m:forward(x) end)
      r.b[#r.b + 1] = dc.time(function() r.m:backward(x, r.dy) end)
    end
  end
end

-- cmd starts the peer with its stdout and stderr on a FIFO; it prints one line containing
-- "ready" when set up, then one line per request line it reads on stdin.
--   local ask, stop = shared.served_peer(cmd, 'torchvision peer')
--   local line = ask('case' [, answered])  -- its answer (one that answered(line) accepts),
--                                          -- or nil once it failed (its output is printed)
function shared.served_peer(cmd, name)
  local fifo = os.tmpname()
  assert(os.execute("rm -f '" .. fifo .. "' && mkfifo '" .. fifo .. "'"))
  local to = assert(io.popen(cmd .. " > '" .. fifo .. "' 2>&1", 'w'))
  local from = assert(io.open(fifo, 'r'))
  local alive = true
  local function failed(line)
    io.stderr:write(name .. ' failed:\n' .. tostring(line) .. '\n' .. (from:read('a') or '') ..
      '\n')
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

return shared
