-- The dclab REPL. A Repl evaluates input lines the way lua5.4's interactive mode does
-- (expressions are printed, statements run, incomplete input waits for more lines) and finds
-- completion candidates; neither needs a terminal, which is how tests/lua/repl_spec.lua drives
-- them. Repl.run is the loop the launcher starts: GNU readline from the launcher's
-- dclab.readline on a terminal, plain stdin without prompts otherwise.
--
--   local r = Repl.new{env = env}       -- env: where globals live (default _G)
--   r:eval('1 + 1')      --> 'ok', '2'
--   r:eval('for i = 1, 2 do')  --> 'more', ''   (then r:prompt() is '>> ')
--   r:complete('dc.ze')  --> {'dc.zeros'}
local Repl = {}
Repl.__index = Repl

local HISTORY_MAX = 1000
local TABLE_ITEMS = 20 -- a printed table shows at most this many entries ...
local TABLE_DEPTH = 2  -- ... and nests this deep

local KEYWORDS = {
  'and', 'break', 'do', 'else', 'elseif', 'end', 'false', 'for', 'function', 'goto', 'if',
  'in', 'local', 'nil', 'not', 'or', 'repeat', 'return', 'then', 'true', 'until', 'while',
}

-- ---- showing values ----

local function is_tensor(v)
  local mt = getmetatable(v)
  return type(v) == 'userdata' and type(mt) == 'table' and mt.__name == 'dclab.Tensor'
end

local function has_tostring(v)
  local mt = getmetatable(v)
  return type(mt) == 'table' and mt.__tostring ~= nil
end

-- One line naming a value, for table entries and who(): "dclab.Tensor float32 2x3".
local function brief(v)
  if is_tensor(v) then
    local ok, shape = pcall(v.shape, v)
    if not ok then return 'dclab.Tensor (released)' end
    return string.format('dclab.Tensor %s %s', v:dtype(),
      #shape == 0 and '0-d' or table.concat(shape, 'x'))
  elseif type(v) == 'string' then
    return (string.format('%q', v):gsub('\\\n', '\\n'))
  elseif has_tostring(v) or type(v) ~= 'table' then
    local s = tostring(v)
    return s:match('^[^\n]*')
  end
  local n = 0
  for _ in pairs(v) do n = n + 1 end
  return string.format('table (%d entries)', n)
end

local function is_identifier(s)
  return type(s) == 'string' and s:match('^[%a_][%w_]*$') ~= nil
end

-- A plain table on one line: {1, 2, 3}, {name = "x", size = {2, 3}}.
local function pretty_table(t, depth, seen)
  if seen[t] or depth > TABLE_DEPTH then return '{...}' end
  seen[t] = true
  local parts, n = {}, #t
  local function show(v)
    if type(v) == 'table' and not has_tostring(v) then return pretty_table(v, depth + 1, seen) end
    return brief(v)
  end
  for i = 1, math.min(n, TABLE_ITEMS) do parts[#parts + 1] = show(t[i]) end
  local keys = {}
  for k in pairs(t) do
    if not (math.type(k) == 'integer' and k >= 1 and k <= n) then keys[#keys + 1] = k end
  end
  table.sort(keys, function(a, b)
    if type(a) == type(b) and (type(a) == 'string' or type(a) == 'number') then return a < b end
    return type(a) < type(b)
  end)
  for _, k in ipairs(keys) do
    if #parts >= TABLE_ITEMS then break end
    local key = is_identifier(k) and k or '[' .. brief(k) .. ']'
    parts[#parts + 1] = key .. ' = ' .. show(t[k])
  end
  seen[t] = nil
  if n + #keys > #parts then parts[#parts + 1] = '...' end
  return '{' .. table.concat(parts, ', ') .. '}'
end

-- A result as the REPL prints it: what print would show, except that plain tables show
-- their content.
local function show(v)
  if type(v) == 'table' and not has_tostring(v) then return pretty_table(v, 1, {}) end
  return tostring(v)
end

-- ---- errors ----

-- The text of an error object that may not be a string (as lua.c's msghandler does).
local function error_text(e)
  if type(e) == 'string' or type(e) == 'number' then return tostring(e) end
  if has_tostring(e) then
    local ok, s = pcall(tostring, e)
    if ok and type(s) == 'string' then return s end
  end
  return string.format('(error object is a %s value)', type(e))
end

-- A traceback frame worth showing: a Lua function other than the input's main chunk and the
-- dclab library (whose messages already name the caller's line).
local function is_user_frame(line)
  return not (line:match('^%s*%[C%]') or line:match('in main chunk$')
    or line:match('dclab/[%w_/]+%.lua:') or line:match('%(%.%.%.tail calls%.%.%.%)'))
end

-- The xpcall handler: the message, plus the traceback cut where the REPL's own frames begin,
-- shown only when it runs through the user's functions.
local function on_error(e)
  local tb = debug.traceback(error_text(e), 2)
  local head, frames = tb:match('^(.-)\nstack traceback:\n(.*)$')
  if not head then return tb end
  local kept, useful = {}, false
  for line in frames:gmatch('[^\n]+') do
    if line:match("^%s*%[C%]: in function 'xpcall'") then break end
    kept[#kept + 1] = line
    useful = useful or is_user_frame(line)
  end
  if not useful then return head end
  return head .. '\nstack traceback:\n' .. table.concat(kept, '\n')
end

-- ---- the session ----

-- Repl.new{env = table, chunkname = '=stdin'}: a session evaluating in env. help and who are
-- added to env when it lacks them; who() lists what was defined after this point.
function Repl.new(opts)
  opts = opts or {}
  local self = setmetatable({
    env = opts.env or _G,
    chunkname = opts.chunkname or '=stdin',
    pending = nil, -- the lines of an incomplete statement, waiting for more
  }, Repl)
  local function say(text) (self.env.print or print)(text) end
  if rawget(self.env, 'help') == nil then
    self.env.help = function(...) say(self:help(...)) end
  end
  if rawget(self.env, 'who') == nil then
    self.env.who = function() say(self:who()) end
  end
  self.baseline = {}
  for k in pairs(self.env) do self.baseline[k] = true end
  return self
end

-- The prompt for the next line: '>> ' while a statement is incomplete.
function Repl:prompt()
  return self.pending and '>> ' or '> '
end

-- Forgets an incomplete statement (Ctrl-C).
function Repl:reset()
  self.pending = nil
end

-- Evaluates one input line. Returns the kind and the text to show:
--   'ok', results ('' when there are none)  'more', '' (incomplete: send the next line)
--   'error', message (with a traceback when the error went through the user's functions)
-- As in lua5.4, the input is first tried as an expression (`return <input>`), so `x` and
-- `f()` print their values while `x = 1` prints nothing. Input is incomplete when either
-- reading stops at the end of input ("1 +", "for i = 1, 2 do").
-- A first line `=expr` is `return expr`, as in lua5.4.
function Repl:eval(line)
  if not self.pending and line:sub(1, 1) == '=' then line = 'return ' .. line:sub(2) end
  local src = self.pending and (self.pending .. '\n' .. line) or line
  local fn, expr_err = load('return ' .. src, self.chunkname, 't', self.env)
  local err
  if fn then
    -- the expression is evaluated as arguments, not tail-called: error positions (error
    -- level 2 in the callee) then name the input line rather than nothing
    fn = load('return (function(...) return ... end)(' .. src .. '\n)', self.chunkname, 't',
      self.env)
  else
    fn, err = load(src, self.chunkname, 't', self.env)
  end
  if not fn then
    if err:sub(-5) == '<eof>' or expr_err:sub(-5) == '<eof>' then
      self.pending = src
      return 'more', ''
    end
    self.pending = nil
    return 'error', err
  end
  self.pending = nil
  local res = table.pack(xpcall(fn, on_error))
  if not res[1] then return 'error', res[2] end
  local out = {}
  for i = 2, res.n do out[#out + 1] = show(res[i]) end
  return 'ok', table.concat(out, '\t')
end

-- ---- completion ----

-- The names reachable from v with `.` (fields) or `:` (methods): own fields of a table, then
-- a metatable's __methods (tensors), then the __index chain of tables (classes).
local function members(v, methods_only)
  local names, seen = {}, {}
  local function add(tbl)
    if type(tbl) ~= 'table' or seen[tbl] then return end
    seen[tbl] = true
    for k, x in pairs(tbl) do
      local callable = type(x) == 'function' or (getmetatable(x) or {}).__call ~= nil
      -- metamethods and other __names are machinery, not API
      if is_identifier(k) and k:sub(1, 2) ~= '__' and (callable or not methods_only) then
        names[k] = true
      end
    end
  end
  local depth = 0
  while v ~= nil and depth < 8 do
    if type(v) == 'table' then add(v) end
    local mt = getmetatable(v)
    if type(mt) ~= 'table' then break end
    add(rawget(mt, '__methods'))
    v = rawget(mt, '__index')
    depth = depth + 1
  end
  return names
end

-- Candidates for the word before the cursor: a global ("pri"), a field path ("dc.nn.Li") or
-- a method ("t:su"). Returns the full words, sorted.
function Repl:complete(word)
  local path, sep, partial = word:match('^(.-)([.:])([%w_]*)$')
  local names, prefix = {}, ''
  if not path then
    if word ~= '' and not is_identifier(word) then return {} end
    partial = word
    names = members(self.env)
    for _, k in ipairs(KEYWORDS) do names[k] = true end
  else
    local v = self.env
    for seg in (path .. '.'):gmatch('(.-)%.') do
      if not is_identifier(seg) or v == nil then return {} end
      local ok, x = pcall(function() return v[seg] end)
      v = ok and x or nil
    end
    if v == nil then return {} end
    if type(v) == 'string' then v = string end
    names = members(v, sep == ':')
    prefix = path .. sep
  end
  local out = {}
  for name in pairs(names) do
    if name:sub(1, #partial) == partial then out[#out + 1] = prefix .. name end
  end
  table.sort(out)
  return out
end

-- ---- help and who ----

-- ---- what help covers: the public API reachable from dc ----

-- A class is a table that is a metatable of its instances (it has __index): its functions
-- are methods, named with ':' ('dc.nn.Linear:forward').
local function is_class(t)
  return rawget(t, '__index') ~= nil
end

local function sorted_public_keys(t)
  local keys = {}
  for k in pairs(t) do
    if is_identifier(k) and k:sub(1, 1) ~= '_' then keys[#keys + 1] = k end
  end
  table.sort(keys)
  return keys
end

-- Every public function and table reachable from dc, as a list of {name =, value =, class =,
-- method =} in a fixed order (a function reached under several names is listed under each,
-- a table under the first).
-- Fields are 'dc.a.b', class methods 'dc.nn.Linear:forward', tensor methods 'Tensor:add'.
-- Not public: dc.core (the C bindings under the Lua API) and names starting with '_'.
function Repl.public(dc)
  local list, visited = {}, {[dc.core or false] = true}
  local function walk(t, path)
    if visited[t] then return end
    visited[t] = true
    local class = t == dc.Tensor or is_class(t)
    local prefix = t == dc.Tensor and 'Tensor:' or path .. (class and ':' or '.')
    for _, k in ipairs(sorted_public_keys(t)) do
      local v = t[k]
      if type(v) == 'function' or (type(v) == 'table' and not visited[v]) then
        list[#list + 1] = {name = prefix .. k, value = v, class = class and t or nil, method = k}
      end
      if type(v) == 'table' then walk(v, prefix .. k) end
    end
  end
  list[1] = {name = 'dc', value = dc}
  walk(dc, 'dc')
  return list
end

-- The help text of a public item: its own entry, or for a method that overrides one of a
-- parent class, the parent's entry (the contract is the same).
local function entry_of(doc, item, class_names)
  if doc[item.name] then return doc[item.name] end
  local class = item.class
  while class do
    local mt = getmetatable(class)
    class = mt and type(rawget(mt, '__index')) == 'table' and rawget(mt, '__index') or nil
    local cname = class and class_names[class]
    if cname and doc[cname .. ':' .. item.method] then return doc[cname .. ':' .. item.method] end
  end
end

-- {item, ...} of Repl.public(dc) with their help texts (item.text; nil when there is none).
local function documented(dc, doc)
  local items, class_names = Repl.public(dc), {}
  for _, item in ipairs(items) do
    if type(item.value) == 'table' and is_class(item.value) then
      class_names[item.value] = class_names[item.value] or item.name
    end
  end
  for _, item in ipairs(items) do item.text = entry_of(doc, item, class_names) end
  return items
end

-- The names of the public functions and tables of dc that have no help text, sorted.
function Repl.undocumented(dc, doc)
  local missing = {}
  for _, item in ipairs(documented(dc, doc)) do
    if not item.text then missing[#missing + 1] = item.name end
  end
  table.sort(missing)
  return missing
end

-- The name and help text of a function or table: 'dc.zeros', 'Tensor:add', 'dc.nn.Linear', or
-- a global of env ('print', 'string.format'). A value under several names (t and transpose)
-- takes a documented one.
local function name_of(v, dc, doc, env)
  local found
  for _, item in ipairs(documented(dc, doc)) do
    if item.value == v and (found == nil or (item.text and not found.text)) then found = item end
  end
  if found then return found.name, found.text end
  for k in pairs(members(env)) do
    if env[k] == v then return k end
  end
  for _, lib in ipairs({'string', 'table', 'math', 'io', 'os', 'coroutine', 'utf8', 'debug'}) do
    if type(env[lib]) == 'table' then
      for k, x in pairs(env[lib]) do
        if x == v and is_identifier(k) then return lib .. '.' .. k end
      end
    end
  end
end

-- The names of t's members, sorted and wrapped into indented lines.
local function field_list(t)
  local names = {}
  for k in pairs(members(t)) do names[#names + 1] = k end
  table.sort(names)
  local lines, line = {}, ''
  for _, k in ipairs(names) do
    if #line + #k > 80 then
      lines[#lines + 1] = line
      line = ''
    end
    line = line .. (line == '' and '    ' or ' ') .. k
  end
  lines[#lines + 1] = line
  return table.concat(lines, '\n')
end

-- The help text of obj: a function, a tensor, a table such as dc or dc.nn, or a name
-- ('dc.zeros', 'zeros', 'sum'); help() gives the overview.
function Repl:help(...)
  local doc = require 'dclab.doc'
  local dc = require 'dclab'
  if select('#', ...) == 0 then return doc.help end
  local obj = ...
  if type(obj) == 'string' then
    for _, name in ipairs({obj, 'dc.' .. obj, 'Tensor:' .. obj}) do
      if doc[name] then return doc[name] end
    end
    return string.format("help: no entry named '%s'", obj)
  end
  if is_tensor(obj) then
    return string.format('%s\n%s\n  methods:\n%s', brief(obj), doc['dc.Tensor'], field_list(obj))
  end
  local name, text
  if type(obj) == 'function' or type(obj) == 'table' then
    name, text = name_of(obj, dc, doc, self.env)
  end
  local class = type(obj) == 'table' and not text and getmetatable(obj)
  if type(class) == 'table' then -- an instance (a module, a dataset): its class's text
    local _, class_text = name_of(class, dc, doc, self.env)
    text = class_text
  end
  if text then
    if type(obj) == 'table' then return text .. '\n  fields:\n' .. field_list(obj) end
    return text
  end
  if type(obj) == 'table' then
    return string.format('%s: no help text\n  fields:\n%s', name or brief(obj), field_list(obj))
  end
  if type(obj) == 'function' then
    local info = debug.getinfo(obj, 'S')
    local where = info.what == 'C' and 'a C function' or
      string.format('a function defined at %s:%d', info.short_src, info.linedefined)
    return string.format('%s: no help text (%s)', name or 'function', where)
  end
  return string.format('%s: a %s value (help covers functions, tensors and tables)', brief(obj),
    type(obj))
end

-- The globals defined since the session began, one a line: "x  dclab.Tensor float32 2x3".
function Repl:who()
  local names, width = {}, 0
  for k in pairs(self.env) do
    if type(k) == 'string' and not self.baseline[k] then
      names[#names + 1] = k
      width = math.max(width, #k)
    end
  end
  if #names == 0 then return '(no globals defined in this session)' end
  table.sort(names)
  local lines = {}
  for i, k in ipairs(names) do
    lines[i] = string.format('%-' .. width .. 's  %s', k, brief(self.env[k]))
  end
  return table.concat(lines, '\n')
end

-- ---- the loop ----

local function history_path()
  local home = os.getenv('HOME')
  return home and home ~= '' and (home .. '/.dclab_history') or nil
end

-- Reads lines until the end of input. Interactive (a terminal): readline with prompts,
-- history and completion; Ctrl-C clears the line. Otherwise lines come from stdin without
-- prompts. Results go to stdout, errors to stderr. Returns false when a piped line failed.
-- opts.readline replaces the launcher's readline binding (tests drive the loop with it).
-- A statement typed over several lines is one history entry, its lines joined by newlines.
function Repl.run(opts)
  opts = opts or {}
  local self = Repl.new{env = opts.env}
  local rl = opts.interactive and (opts.readline or require('dclab.readline'))
  local hist = rl and history_path()
  local last_entry
  local entry = {} -- the lines of the statement being typed
  local all_ok = true
  local function step()
    local line
    if rl then
      line = rl.readline(self:prompt())
      if line == false then
        entry = {}
        return self:reset()
      end
    else
      line = io.read('L')
      if line then line = line:gsub('\n$', '') end
    end
    if line == nil then return 'eof' end
    local kind, text = self:eval(line)
    entry[#entry + 1] = line
    local statement = table.concat(entry, '\n')
    if kind ~= 'more' then entry = {} end
    if rl and kind ~= 'more' and statement:match('%S') and statement ~= last_entry then
      rl.add_history(statement)
      last_entry = statement
      if hist then rl.append_history(hist, HISTORY_MAX) end
    end
    if kind == 'error' then
      all_ok = false
      io.stderr:write(text, '\n')
    elseif text ~= '' then
      io.stdout:write(text, '\n')
    end
    io.stdout:flush()
  end
  if rl then
    if hist then rl.read_history(hist, HISTORY_MAX) end
    rl.set_completer(function(word) return self:complete(word) end)
    local dc = require 'dclab'
    print(string.format('dclab %s (%s)  help() for help, Ctrl-D to exit', dc.version, _VERSION))
  end
  while true do
    -- a Ctrl-C landing between two evaluations raises in the loop itself: survive it too
    local ok, res = pcall(step)
    if not ok then io.stderr:write(error_text(res), '\n') end
    if res == 'eof' then break end
  end
  if rl then
    io.stdout:write('\n')
    return true
  end
  return all_ok
end

return Repl
