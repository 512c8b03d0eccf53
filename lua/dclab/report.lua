-- Results for people: markdown tables, files written atomically, line plots through gnuplot.
--   dc.report.table({'method', 'NMI'}, {{'pixels', 0.51}, ...}) -> markdown text
--   dc.report.write(path, text)             (temporary file + rename)
--   dc.report.plot{path = 'nmi.png', title =, xlabel =, ylabel =,
--                  series = {{name = 'NMI', x = {...}, y = {...}}, ...}} -> true | nil, message
return function(dc)
  local report = {}

  local function cell(v)
    if type(v) == 'number' then
      if math.type(v) == 'integer' or (v == math.floor(v) and math.abs(v) < 1e15) then
        return string.format('%d', v)
      end
      return string.format('%.4f', v)
    end
    return tostring(v == nil and '-' or v)
  end

  function report.table(headers, rows)
    if type(headers) ~= 'table' or type(rows) ~= 'table' then
      error(string.format('report.table: expected (headers, rows) lists, got %s, %s',
        type(headers), type(rows)), 2)
    end
    for i, row in ipairs(rows) do
      if type(row) ~= 'table' then
        error(string.format('report.table: row %d is a %s, not a list of cells', i, type(row)), 2)
      end
    end
    local lines = {'| ' .. table.concat(headers, ' | ') .. ' |'}
    local rule = {}
    for i = 1, #headers do rule[i] = '---' end
    lines[2] = '|' .. table.concat(rule, '|') .. '|'
    for _, row in ipairs(rows) do
      local cells = {}
      for i = 1, #headers do cells[i] = cell(row[i]) end
      lines[#lines + 1] = '| ' .. table.concat(cells, ' | ') .. ' |'
    end
    return table.concat(lines, '\n') .. '\n'
  end

  function report.write(path, text)
    if type(path) ~= 'string' or type(text) ~= 'string' then
      error(string.format('report.write: expected (path, text) strings, got %s, %s', type(path), type(text)), 2)
    end
    local tmp = path .. '.tmp'
    local f, err = io.open(tmp, 'w')
    if not f then error('report.write: ' .. err, 2) end
    f:write(text)
    f:close()
    local ok, rerr = os.rename(tmp, path)
    if not ok then error('report.write: ' .. rerr, 2) end
  end

  local function quote(s) return '"' .. tostring(s):gsub('"', "'") .. '"' end

  function report.plot(p)
    if type(p) ~= 'table' or type(p.path) ~= 'string' or type(p.series) ~= 'table' then
      error('report.plot: expected {path = ..., series = {{name, x, y}, ...}}', 2)
    end
    local data = p.path .. '.dat'
    local f = assert(io.open(data, 'w'))
    local plots, xmax = {}, 0
    for i, s in ipairs(p.series) do
      for _, x in ipairs(s.x) do xmax = math.max(xmax, x) end
      f:write('# ', s.name, '\n')
      for j = 1, #s.x do
        if s.y[j] ~= nil and s.y[j] == s.y[j] then f:write(s.x[j], ' ', s.y[j], '\n') end
      end
      f:write('\n\n')
      plots[i] = string.format('%s index %d with linespoints title %s', quote(data), i - 1, quote(s.name))
    end
    f:close()
    local script = table.concat({
      'set terminal pngcairo size 800,500 noenhanced',
      'set output ' .. quote(p.path),
      'set title ' .. quote(p.title or ''),
      'set xlabel ' .. quote(p.xlabel or ''),
      'set ylabel ' .. quote(p.ylabel or ''),
      'set grid', 'set key left top', xmax <= 20 and 'set xtics 1' or '',
      'plot ' .. table.concat(plots, ', '),
    }, '\n')
    local g = io.popen('gnuplot 2>&1', 'w')
    if not g then return nil, 'gnuplot not found (install gnuplot-nox)' end
    g:write(script, '\n')
    local ok = g:close()
    os.remove(data)
    if not ok then return nil, 'gnuplot failed to draw ' .. p.path end
    return true
  end

  dc.report = report
  return report
end
