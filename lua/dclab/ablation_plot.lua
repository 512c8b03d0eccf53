-- Plots of results over seeds, drawn by gnuplot: means with their intervals.
--   plot.lines{path =, title =, panels = {{title =, xlabel =, ylabel =, logx = bool,
--              band = bool (a shaded band instead of error bars),
--              series = {{name =, x = {...}, mean = {...}, lo = {...}, hi = {...}}}}}}
--   plot.bars{path =, title =, ylabel =, groups = {'kmeans', 'pic'},
--             series = {{name =, mean = {...}, lo = {...}, hi = {...}}}}   (one bar per group)
-- Each returns true, or nil and a message (gnuplot missing or failing).
return function(dc)
  local plot = {}

  local function quote(s) return '"' .. tostring(s):gsub('[\\"]', "'") .. '"' end

  local function fail(fname, fmt, ...)
    error('ablation.plot.' .. fname .. ': ' .. string.format(fmt, ...), 3)
  end

  local function check_list(fname, what, list, n)
    if type(list) ~= 'table' or (n and #list ~= n) then
      fail(fname, '%s must be a list%s', what, n and (' of ' .. n .. ' numbers') or '')
    end
    for i = 1, #list do
      if type(list[i]) ~= 'number' then
        fail(fname, '%s[%d] must be a number, got %s', what, i, tostring(list[i]))
      end
    end
  end

  -- Runs a gnuplot script; data: the file it reads, removed afterwards.
  local function gnuplot(script, data)
    local log = data .. '.log'
    local g = io.popen('gnuplot > "' .. log .. '" 2>&1', 'w')
    if not g then os.remove(data); return nil, 'gnuplot could not be started' end
    g:write(script, '\n')
    local ok = g:close()
    local f = io.open(log, 'r')
    local msg = f and f:read('a') or ''
    if f then f:close() end
    os.remove(log)
    os.remove(data)
    if not ok then
      if msg:find('not found', 1, true) then return nil, 'gnuplot not found (install gnuplot-nox)' end
      return nil, 'gnuplot failed: ' .. msg:gsub('%s+$', '')
    end
    return true
  end

  local function header(p, width, height)
    return {'set terminal pngcairo size ' .. width .. ',' .. height .. ' noenhanced',
      'set output ' .. quote(p.path)}
  end

  -- x range and tics of one panel: the x values themselves (epochs, or k on a log axis).
  local function x_axis(panel)
    local xs, seen = {}, {}
    for _, s in ipairs(panel.series) do
      for _, x in ipairs(s.x) do if not seen[x] then seen[x], xs[#xs + 1] = true, x end end
    end
    table.sort(xs)
    local lines, tics = {}, {}
    for i, x in ipairs(xs) do tics[i] = string.format('"%g" %.17g', x, x) end
    if #xs > 0 and #xs <= 20 then lines[#lines + 1] = 'set xtics (' .. table.concat(tics, ', ') .. ')' end
    lines[#lines + 1] = panel.logx and 'set logscale x' or 'unset logscale x'
    if #xs > 0 then -- a margin around the points: a factor on a log axis, half a step on a linear one
      local lo, hi = xs[1] - 0.5, xs[#xs] + 0.5
      if panel.logx then lo, hi = xs[1] / 1.5, xs[#xs] * 1.5 end
      lines[#lines + 1] = string.format('set xrange [%.17g:%.17g]', lo, hi)
    end
    return lines
  end

  function plot.lines(p)
    if type(p) ~= 'table' or type(p.path) ~= 'string' or type(p.panels) ~= 'table' or #p.panels == 0 then
      fail('lines', 'expected {path =, panels = {{series = {...}}, ...}}')
    end
    for pi, panel in ipairs(p.panels) do -- all checked before any file is written
      if type(panel.series) ~= 'table' then fail('lines', 'panels[%d].series must be a list', pi) end
      for si, s in ipairs(panel.series) do
        local what = string.format('panels[%d].series[%d]', pi, si)
        check_list('lines', what .. '.x', s.x)
        for _, key in ipairs{'mean', 'lo', 'hi'} do check_list('lines', what .. '.' .. key, s[key], #s.x) end
      end
    end
    local data = p.path .. '.dat'
    local f = assert(io.open(data, 'w'))
    local n = #p.panels
    local script = header(p, 560 * n + 240, 480)
    if n > 1 then
      script[#script + 1] = string.format('set multiplot layout 1,%d title %s', n, quote(p.title or ''))
    end
    script[#script + 1] = 'set style fill transparent solid 0.2 noborder'
    script[#script + 1] = 'set grid'
    script[#script + 1] = 'set key left top'
    local block = 0
    for _, panel in ipairs(p.panels) do
      local terms = {}
      for si, s in ipairs(panel.series) do
        f:write('# ', tostring(s.name), '\n')
        -- error bars of several series at the same x are drawn a little apart
        local shift = panel.band and 0 or (si - (#panel.series + 1) / 2)
        local function dodge(x) return panel.logx and x * 1.03 ^ shift or x + 0.04 * shift end
        for j = 1, #s.x do
          f:write(string.format('%.17g %.17g %.17g %.17g\n', dodge(s.x[j]), s.mean[j], s.lo[j], s.hi[j]))
        end
        f:write('\n\n')
        if panel.band then
          terms[#terms + 1] = string.format('%s index %d using 1:3:4 with filledcurves lc %d notitle',
            quote(data), block, si)
          terms[#terms + 1] = string.format('%s index %d using 1:2%s lc %d lw 2 title %s',
            quote(data), block, #s.x == 1 and ':3:4 with yerrorbars' or ' with linespoints', si,
            quote(s.name)) -- one point has no band to shade
        else
          terms[#terms + 1] = string.format('%s index %d using 1:2:3:4 with yerrorlines lc %d lw 2 title %s',
            quote(data), block, si, quote(s.name))
        end
        block = block + 1
      end
      local title = n > 1 and (panel.title or '') or (p.title or panel.title or '')
      script[#script + 1] = 'set title ' .. quote(title)
      script[#script + 1] = 'set xlabel ' .. quote(panel.xlabel or '')
      script[#script + 1] = 'set ylabel ' .. quote(panel.ylabel or '')
      for _, l in ipairs(x_axis(panel)) do script[#script + 1] = l end
      script[#script + 1] = #terms > 0 and 'plot ' .. table.concat(terms, ', ') or ''
    end
    if n > 1 then script[#script + 1] = 'unset multiplot' end
    f:close()
    return gnuplot(table.concat(script, '\n'), data)
  end

  function plot.bars(p)
    if type(p) ~= 'table' or type(p.path) ~= 'string' or type(p.groups) ~= 'table'
        or type(p.series) ~= 'table' or #p.series == 0 then
      fail('bars', 'expected {path =, groups = {...}, series = {{name, mean, lo, hi}, ...}}')
    end
    for si, s in ipairs(p.series) do
      for _, key in ipairs{'mean', 'lo', 'hi'} do
        check_list('bars', string.format('series[%d].%s', si, key), s[key], #p.groups)
      end
    end
    local data = p.path .. '.dat'
    local f = assert(io.open(data, 'w'))
    for gi, g in ipairs(p.groups) do
      local row = {quote(g)}
      for _, s in ipairs(p.series) do
        row[#row + 1] = string.format('%.17g %.17g %.17g', s.mean[gi], s.lo[gi], s.hi[gi])
      end
      f:write(table.concat(row, ' '), '\n')
    end
    f:close()
    local terms = {}
    for si, s in ipairs(p.series) do
      local c = 3 * si - 1
      terms[si] = string.format('%s using %d:%d:%d%s title %s', si == 1 and quote(data) or "''",
        c, c + 1, c + 2, si == 1 and ':xtic(1)' or '', quote(s.name))
    end
    local script = header(p, math.max(700, 120 * #p.groups * math.max(1, #p.series // 2) + 300), 480)
    for _, l in ipairs{'set title ' .. quote(p.title or ''), 'set ylabel ' .. quote(p.ylabel or ''),
        'set style data histogram', 'set style histogram errorbars gap 2 lw 1',
        'set style fill solid 0.7 border -1', 'set grid ytics', 'set yrange [0:*]',
        'set key outside right top', 'plot ' .. table.concat(terms, ', ')} do
      script[#script + 1] = l
    end
    return gnuplot(table.concat(script, '\n'), data)
  end

  return plot
end
