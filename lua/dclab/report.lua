-- Results for people: markdown tables, files written atomically, line plots through gnuplot.
--   dc.report.table({'method', 'NMI'}, {{'pixels', 0.51}, ...}) -> markdown text
--   dc.report.write(path, text)             (temporary file + rename)
--   dc.report.plot{path = 'nmi.png', title =, xlabel =, ylabel =, yrange = {0, 1},
--                  hlines = {{y = 4.6, name = 'chance'}},
--                  series = {{name = 'NMI', x = {...}, y = {...}}, ...}} -> true | nil, message
--   dc.report.run(run, {title =, clusters = 20, extra =}) -> path of results.md, its text
--                                           (run:report() is the same)
local options = require 'dclab.options'

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

  local function shell_quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

  -- A gnuplot string on one line (a newline would end the command).
  local function quote(s) return '"' .. tostring(s):gsub('"', "'"):gsub('[\r\n]', ' ') .. '"' end

  -- Draws line plots into a PNG through gnuplot. p: {path, series = {{name, x, y}, ...},
  -- title, xlabel, ylabel, yrange = {lo, hi}, hlines = {{y =, name =}, ...}}. Series with no
  -- finite point are left out; the x range is padded so that one epoch is a visible point.
  -- gnuplot's own messages go to a log file, not the terminal; they make the error message
  -- when it fails. Returns true, or nil and a message.
  function report.plot(p)
    if type(p) ~= 'table' or type(p.path) ~= 'string' or type(p.series) ~= 'table' then
      error('report.plot: expected {path = ..., series = {{name, x, y}, ...}}', 2)
    end
    if p.yrange ~= nil and not (type(p.yrange) == 'table' and type(p.yrange[1]) == 'number'
        and type(p.yrange[2]) == 'number' and p.yrange[1] < p.yrange[2]) then
      error('report.plot: yrange must be {lo, hi} with lo < hi', 2)
    end
    local data = p.path .. '.dat'
    local f = assert(io.open(data, 'w'))
    local plots, xmin, xmax, block = {}, math.huge, -math.huge, 0
    for _, s in ipairs(p.series) do
      local lines = {}
      for j = 1, #s.x do
        local y = s.y[j]
        if type(y) == 'number' and y == y and math.abs(y) ~= math.huge then
          lines[#lines + 1] = s.x[j] .. ' ' .. y
          xmin, xmax = math.min(xmin, s.x[j]), math.max(xmax, s.x[j])
        end
      end
      if #lines > 0 then
        f:write('# ', s.name, '\n', table.concat(lines, '\n'), '\n\n\n')
        plots[#plots + 1] = string.format('%s index %d with linespoints title %s', quote(data),
          block, quote(s.name))
        block = block + 1
      end
    end
    f:close()
    if #plots == 0 then
      os.remove(data)
      return nil, 'nothing to plot in ' .. p.path .. ' (no finite point)'
    end
    for _, h in ipairs(p.hlines or {}) do
      if type(h) ~= 'table' or type(h.y) ~= 'number' or h.y ~= h.y or math.abs(h.y) == math.huge then
        os.remove(data)
        error('report.plot: hlines must be {{y = <finite number>, name = ...}, ...}', 2)
      end
      plots[#plots + 1] = string.format('%.17g with lines dashtype 2 linecolor rgb "gray40" title %s',
        h.y, quote(h.name))
    end
    local pad = math.max(0.5, (xmax - xmin) * 0.03)
    local script = table.concat({
      'set terminal pngcairo size 800,500 noenhanced',
      'set output ' .. quote(p.path),
      'set title ' .. quote(p.title or ''),
      'set xlabel ' .. quote(p.xlabel or ''),
      'set ylabel ' .. quote(p.ylabel or ''),
      'set grid', 'set key below', -- never over the lines
      string.format('set xrange [%.17g:%.17g]', xmin - pad, xmax + pad),
      p.yrange and string.format('set yrange [%.17g:%.17g]', p.yrange[1], p.yrange[2]) or '',
      xmax - xmin <= 20 and 'set xtics 1' or '',
      'plot ' .. table.concat(plots, ', '),
    }, '\n')
    -- a script file rather than a pipe: a missing gnuplot must not kill us with SIGPIPE
    local gp, log = p.path .. '.gp', p.path .. '.log'
    local sf = assert(io.open(gp, 'w'))
    sf:write(script, '\n')
    sf:close()
    local ok, _, code = os.execute('gnuplot ' .. shell_quote(gp) .. ' > ' .. shell_quote(log) .. ' 2>&1')
    local lf = io.open(log, 'r')
    local said = lf and lf:read('a') or ''
    if lf then lf:close() end
    os.remove(log)
    os.remove(gp)
    os.remove(data)
    if code == 127 then return nil, 'gnuplot not found (install gnuplot-nox)' end
    if not ok then
      return nil, 'gnuplot failed to draw ' .. p.path .. (said ~= '' and (': ' .. said) or '')
    end
    return true
  end

  local function fmt(v, f) return v == nil and '-' or string.format(f, v) end

  -- Everything a DeepCluster run with an out folder can show, written into that folder:
  -- nmi.png (NMI against the labels and between consecutive epochs), loss.png (the training
  -- loss with chance level ln k), clusters.jpg (dc.image.contact_sheet of the last
  -- assignment) and results.md (the per-epoch table, the plots, the clusters shown). The
  -- epochs come from log.jsonl, so a resumed run reports all of them.
  -- opts: {title = 'DeepCluster', clusters = 20, extra = markdown appended}.
  -- Returns the path of results.md and its text.
  function report.run(run, opts)
    if type(run) ~= 'table' or type(run.cfg) ~= 'table' then
      error('report.run: argument 1 must be a dc.deepcluster run', 2)
    end
    opts = options.check('report.run', opts, {title = {type = 'string', default = 'DeepCluster'},
      clusters = {type = 'integer', min = 1, default = 20}, extra = {type = 'string', default = ''}})
    local out = run.cfg.out
    if not out then error('report.run: the run has no out folder (the option out)', 2) end
    local log = dc.deepcluster_log(out)
    if #log == 0 or not run.prev_assign then
      error('report.run: no epoch in ' .. out .. '/log.jsonl yet (run:fit() first)', 2)
    end
    local k = log[#log].k
    local xs, nmi_l, nmi_p, losses, rows = {}, {}, {}, {}, {}
    for i, s in ipairs(log) do
      xs[i], nmi_l[i], nmi_p[i], losses[i] = s.epoch, s.nmi_labels, s.nmi_prev, s.loss
      rows[i] = {s.epoch, s.loss, s.objective, s.dims, fmt(s.nmi_labels, '%.4f'),
        fmt(s.nmi_prev, '%.4f'), s.empty, s.size_min, s.size_max,
        string.format('%.1f', s.t_features + s.t_cluster + s.t_train)}
    end
    local plots = {}
    local function plot(name, p)
      p.path = out .. '/' .. name
      local ok, err = report.plot(p)
      plots[#plots + 1] = ok and name or ('(no ' .. name .. ': ' .. tostring(err) .. ')')
    end
    plot('nmi.png', {title = 'Clusters against the labels and the previous epoch', xlabel = 'epoch',
      ylabel = 'NMI', yrange = {0, 1}, series = {{name = 'NMI(assignment, labels)', x = xs, y = nmi_l},
      {name = 'NMI(t-1, t)', x = xs, y = nmi_p}}})
    local top = math.log(k)
    for _, l in ipairs(losses) do top = math.max(top, l) end
    plot('loss.png', {title = 'Training loss on the pseudo-labels', xlabel = 'epoch',
      ylabel = 'cross-entropy', yrange = {0, top * 1.1}, series = {{name = 'loss', x = xs, y = losses}},
      hlines = {{y = math.log(k), name = string.format('chance: ln k = %.3f', math.log(k))}}})
    local _, shown = dc.image.contact_sheet(run.data, run.prev_assign,
      {clusters = opts.clusters, path = out .. '/clusters.jpg'})
    local crow = {}
    for i, c in ipairs(shown) do
      crow[i] = {c.id, c.size, c.label or '-', c.purity and string.format('%.2f', c.purity) or '-'}
    end
    local c = run.cfg
    local function name(v) return type(v) == 'string' and v or v == nil and '-' or 'a Lua ' .. type(v) end
    local text = table.concat({
      '# ' .. opts.title .. '\n',
      string.format('dclab %s; %d images, k = %d, epochs in log.jsonl: %d, batch %d, seed %d; ' ..
        'clustering %s, reassign %s, sampler %s, head %s (config.json has every option).\n',
        dc.version, #run.data, k, #log, c.batch, c.seed, name(c.clustering), name(c.reassign),
        name(c.sampler), name(c.head)),
      '## Per epoch\n',
      report.table({'epoch', 'loss', 'k-means objective', 'dims', 'NMI(labels)', 'NMI(t-1, t)',
        'empty', 'min size', 'max size', 'seconds'}, rows),
      'Plots: ' .. table.concat(plots, ', ') .. ' (the dashed line of loss.png is chance level, ' ..
        'ln k: a loss there has learnt nothing about the pseudo-labels).\n',
      string.format('## The %d largest clusters of the last epoch (clusters.jpg)\n', #shown),
      report.table({'cluster', 'size', 'majority label', 'purity'}, crow),
      opts.extra,
    }, '\n')
    local path = out .. '/results.md'
    report.write(path, text)
    return path, text
  end

  dc.report = report
  return report
end
