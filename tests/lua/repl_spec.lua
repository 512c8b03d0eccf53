-- The REPL without a terminal (lua/dclab/repl.lua): evaluation, multi-line input, errors,
-- completion candidates, help/who, and dc.time.
local dc = require 'dclab'
local Repl = require 'dclab.repl'
local doc = require 'dclab.doc'

-- A session in a fresh environment whose print is captured into `printed`.
local function session(globals)
  local env = setmetatable({dc = dc}, {__index = _G})
  for k, v in pairs(globals or {}) do env[k] = v end
  local printed = {}
  env.print = function(...)
    local parts = table.pack(...)
    for i = 1, parts.n do parts[i] = tostring(parts[i]) end
    printed[#printed + 1] = table.concat(parts, '\t', 1, parts.n)
  end
  return Repl.new{env = env}, printed, env
end

local function contains(list, x)
  for _, v in ipairs(list) do if v == x then return true end end
  return false
end

describe('Repl:eval', function()
  it('prints the value of an expression', function()
    local r = session()
    assert.same({'ok', '2'}, {r:eval('1 + 1')})
    assert.same({'ok', 'hello'}, {r:eval('"hello"')})
    assert.same({'ok', 'true'}, {r:eval('1 < 2')})
  end)

  it('takes =expr as lua5.4 does: return expr', function()
    local r = session({x = 7})
    assert.same({'ok', '7'}, {r:eval('=x')})
    assert.same({'ok', '3\t4'}, {r:eval('= 3, 4')})
    assert.same({'more', ''}, {r:eval('=(1 +')})
    assert.same({'ok', '3'}, {r:eval('2)')})
  end)

  it('prints several results separated by tabs, nil included', function()
    local r = session()
    assert.same({'ok', '1\tnil\ta'}, {r:eval('1, nil, "a"')})
    assert.same({'ok', 'nil'}, {r:eval('nil')})
    assert.same({'ok', 'nil\tnil'}, {r:eval('(function() return nil, nil end)()')})
  end)

  it('runs statements without printing, keeping globals between lines', function()
    local r, _, env = session()
    assert.same({'ok', ''}, {r:eval('x = 40')})
    assert.same({'ok', ''}, {r:eval('x = x + 2')})
    assert.equal(42, env.x)
    assert.same({'ok', '42'}, {r:eval('x')})
  end)

  it('prints nothing for a call that returns nothing, but shows what the call prints', function()
    local r, printed = session()
    assert.same({'ok', ''}, {r:eval('print("side", 1)')})
    assert.same({'side\t1'}, printed)
  end)

  it('shows plain tables by content and other values by tostring', function()
    local r = session()
    assert.same({'ok', '{2, 3}'}, {r:eval('dc.zeros(2, 3):shape()')})
    local table_text = '{1, "a", n = 2, sub = {x = true}}'
    assert.same({'ok', table_text}, {r:eval(table_text)})
    assert.same({'ok', '{}'}, {r:eval('{}')})
    local _, text = r:eval('setmetatable({}, {__tostring = function() return "obj" end})')
    assert.equal('obj', text)
    _, text = r:eval('{dc.zeros(2, 3)}')
    assert.equal('{dclab.Tensor float32 2x3}', text)
  end)

  it('shows a table nested in itself, and a long table, in bounded form', function()
    local r = session()
    r:eval('t = {1}; t.self = t')
    local _, text = r:eval('t')
    assert.equal('{1, self = {...}}', text)
    r:eval('long = {}; for i = 1, 22 do long[i] = i end')
    _, text = r:eval('long')
    assert.truthy(text:match(', 20, %.%.%.}$'), text)
  end)
end)

describe('Repl multi-line input', function()
  it('waits for more lines while a statement is incomplete', function()
    local r, printed = session()
    assert.equal('> ', r:prompt())
    assert.same({'more', ''}, {r:eval('for i = 1, 3 do')})
    assert.equal('>> ', r:prompt())
    assert.same({'more', ''}, {r:eval('  print(i * 10)')})
    assert.same({'ok', ''}, {r:eval('end')})
    assert.equal('> ', r:prompt())
    assert.same({'10', '20', '30'}, printed)
  end)

  it('continues an incomplete expression and prints its value', function()
    local r = session()
    assert.same({'more', ''}, {r:eval('1 +')})
    assert.same({'ok', '3'}, {r:eval('2')})
    assert.same({'more', ''}, {r:eval('dc.zeros(2,')})
    local kind, text = r:eval('3):numel()')
    assert.same({'ok', '6'}, {kind, text})
  end)

  it('continues a function definition and an unfinished long string', function()
    local r = session()
    assert.same({'more', ''}, {r:eval('function sq(x)')})
    assert.same({'more', ''}, {r:eval('  return x * x')})
    assert.same({'ok', ''}, {r:eval('end')})
    assert.same({'ok', '49'}, {r:eval('sq(7)')})
    assert.same({'more', ''}, {r:eval('s = [[first')})
    assert.same({'ok', ''}, {r:eval('second]]')})
    assert.same({'ok', 'first\nsecond'}, {r:eval('s')})
  end)

  it('reports a syntax error in a continued statement and starts afresh', function()
    local r = session()
    r:eval('if true then')
    local kind, text = r:eval('x = = 1')
    assert.equal('error', kind)
    assert.truthy(text:find("unexpected symbol near '='", 1, true), text)
    assert.equal('> ', r:prompt())
    assert.same({'ok', '5'}, {r:eval('5')})
  end)

  it('keeps a statement typed over several lines as one history entry', function()
    local lines = {'for i = 1, 2 do', '  x = i', 'end', '=x', '', 'y = (', false, 'z = 1'}
    local n, history = 0, {}
    local rl = {
      readline = function() n = n + 1 return lines[n] end, -- false: Ctrl-C, nil: Ctrl-D
      add_history = function(s) history[#history + 1] = s end,
      append_history = function() end, read_history = function() end,
      set_completer = function() end,
    }
    local env = setmetatable({dc = dc, print = function() end}, {__index = _G})
    local ok = Repl.run{interactive = true, readline = rl, env = env} -- prints the banner and 2
    assert.is_true(ok)
    assert.same({'for i = 1, 2 do\n  x = i\nend', '=x', 'z = 1'}, history)
    assert.equal(2, env.x)
    assert.equal(1, env.z)
  end)

  it('forgets an incomplete statement on reset (Ctrl-C)', function()
    local r = session()
    r:eval('for i = 1, 2 do')
    r:reset()
    assert.equal('> ', r:prompt())
    assert.same({'ok', '1'}, {r:eval('1')})
  end)
end)

describe('Repl errors', function()
  it('reports a failing call with the input position and keeps the session', function()
    local r = session()
    local kind, text = r:eval('dc.zeros("a")')
    assert.equal('error', kind)
    assert.equal('stdin:1: zeros: size 1 must be an integer, got string', text)
    assert.same({'ok', '2'}, {r:eval('1 + 1')})
  end)

  it('reports an engine error raised from C', function()
    local r = session()
    local kind, text = r:eval('dc.zeros(2, 3) + dc.zeros(4, 5)')
    assert.equal('error', kind)
    assert.truthy(text:find('[2, 3]', 1, true) and text:find('[4, 5]', 1, true), text)
    assert.falsy(text:find('stack traceback', 1, true), text)
  end)

  it('reports a syntax error', function()
    local r = session()
    local kind, text = r:eval('x = )')
    assert.equal('error', kind)
    assert.equal("stdin:1: unexpected symbol near ')'", text)
  end)

  it('reports error objects that are not strings', function()
    local r = session()
    assert.same({'error', '(error object is a table value)'}, {r:eval('error({code = 1})')})
    assert.same({'error', '(error object is a nil value)'}, {r:eval('error()')})
    assert.same({'error', 'custom'},
      {r:eval('error(setmetatable({}, {__tostring = function() return "custom" end}))')})
    assert.same({'error', '42'}, {r:eval('error(42)')})
  end)

  it('adds a traceback only when the error went through the user\'s functions', function()
    local r = session()
    local _, text = r:eval('error("top")')
    assert.equal('stdin:1: top', text)
    r:eval('function inner() error("deep") end')
    r:eval('function outer() inner() end')
    _, text = r:eval('outer()')
    assert.truthy(text:match('^stdin:1: deep\nstack traceback:\n'), text)
    assert.truthy(text:find("'inner'", 1, true), text)
    assert.truthy(text:find("'outer'", 1, true), text)
    assert.falsy(text:find('xpcall', 1, true), text)     -- the REPL's own frames are cut
    assert.falsy(text:find('repl.lua', 1, true), text)
  end)
end)

describe('Repl:complete', function()
  it('completes globals and keywords', function()
    local r = session({my_value = 1})
    assert.same({'my_value'}, r:complete('my_'))
    assert.truthy(contains(r:complete('pri'), 'print'))
    assert.truthy(contains(r:complete('func'), 'function'))
    assert.truthy(contains(r:complete(''), 'dc'))
  end)

  it('completes fields of dc', function()
    local r = session()
    assert.same({'dc.zeros'}, r:complete('dc.ze'))
    local all = r:complete('dc.')
    for _, name in ipairs({'dc.zeros', 'dc.tensor', 'dc.Tensor', 'dc.time', 'dc.version'}) do
      assert.truthy(contains(all, name), name)
    end
    assert.truthy(contains(r:complete('dc.Tensor.ad'), 'dc.Tensor.add_'))
  end)

  it('completes nested tables (dc.nn.<TAB> style)', function()
    local r = session({lib = {nn = {Linear = function() end, ReLU = function() end, depth = 2}}})
    assert.same({'lib.nn.Linear', 'lib.nn.ReLU', 'lib.nn.depth'}, r:complete('lib.nn.'))
    assert.same({'lib.nn.Linear'}, r:complete('lib.nn.L'))
    if type(dc.nn) == 'table' then -- once the nn library is merged in
      assert.truthy(#r:complete('dc.nn.') > 0)
    end
  end)

  it('lists a tensor\'s methods after t: from the metatable\'s __methods', function()
    local r = session({t = dc.zeros(2, 3)})
    local methods = r:complete('t:')
    for _, name in ipairs({'t:add', 't:add_', 't:shape', 't:view', 't:numel'}) do
      assert.truthy(contains(methods, name), name)
    end
    for _, name in ipairs(methods) do
      assert.falsy(name:find('__', 1, true), name)
    end
    local su = r:complete('t:su')
    assert.truthy(contains(su, 't:sub') and contains(su, 't:sub_'))
    for _, name in ipairs(su) do assert.equal('t:su', name:sub(1, 4)) end
  end)

  it('lists methods of class instances and of strings', function()
    local Class = {forward = function() end, reset = function() end}
    Class.__index = Class
    local obj = setmetatable({size = 3}, Class)
    local r = session({obj = obj, s = 'text'})
    assert.same({'obj:forward', 'obj:reset'}, r:complete('obj:'))
    assert.same({'obj.forward', 'obj.reset', 'obj.size'}, r:complete('obj.'))
    assert.same({'s:upper'}, r:complete('s:up'))
  end)

  it('returns nothing for unknown paths, bad words and failing __index', function()
    local bad = setmetatable({}, {__index = function() error('no fields here') end})
    local r = session({bad = bad, n = 3})
    assert.same({}, r:complete('nope.x'))
    assert.same({}, r:complete('dc..ze'))
    assert.same({}, r:complete('1.'))
    assert.same({}, r:complete('bad.x.'))
    assert.same({}, r:complete('n.'))
  end)
end)

describe('help and who', function()
  it('gives the docstring of dc functions and tensor methods', function()
    local r = session()
    assert.equal(doc['dc.zeros'], r:help(dc.zeros))
    assert.truthy(r:help(dc.zeros):match('^dc%.zeros%('))
    assert.equal(doc['Tensor:add'], r:help(dc.Tensor.add_))
    assert.equal(doc['Tensor:transpose'], r:help(dc.Tensor.t))
    assert.equal(doc['dc.zeros'], r:help('zeros'))
    assert.equal(doc.help, r:help())
  end)

  it('describes a tensor with its methods, and tables with their fields', function()
    local r = session()
    local text = r:help(dc.zeros(2, 3))
    assert.truthy(text:match('^dclab%.Tensor float32 2x3\n'), text)
    assert.truthy(text:find('methods:', 1, true) and text:find(' numel ', 1, true), text)
    text = r:help(dc)
    assert.truthy(text:find('fields:', 1, true) and text:find(' zeros', 1, true), text)
  end)

  it('says so when there is no entry', function()
    local r = session()
    assert.equal("help: no entry named 'frobnicate'", r:help('frobnicate'))
    assert.equal('tostring: no help text (a C function)', r:help(tostring))
    assert.equal('string.rep: no help text (a C function)', r:help(string.rep))
    r:eval('function mine() end')
    assert.equal('mine: no help text (a function defined at stdin:1)', r:help(r.env.mine))
    assert.equal('1: a number value (help covers functions, tensors and tables)', r:help(1))
  end)

  it('has an entry for every public function and table reachable from dc', function()
    assert.same({}, Repl.undocumented(dc, doc))
  end)

  it('finds what lacks an entry: nested tables, functions, and methods of classes', function()
    local Base = {}
    Base.__index = Base
    function Base.run() end
    local Child = setmetatable({}, {__index = Base})
    Child.__index = Child
    function Child.run() end    -- overrides a documented method: inherits its entry
    function Child.extra() end  -- new: needs its own
    local fake = {Tensor = {add = dc.Tensor.add}, core = {hidden = print},
      util = {deep = {f = print, _private = print}}, Base = Base, Child = Child, n = 1}
    local fake_doc = {dc = '', ['dc.Tensor'] = '', ['Tensor:add'] = '', ['dc.util'] = '',
      ['dc.Base'] = '', ['dc.Base:run'] = 'runs', ['dc.Child'] = ''}
    assert.same({'dc.Child:extra', 'dc.util.deep', 'dc.util.deep.f'},
      Repl.undocumented(fake, fake_doc))
    fake_doc['dc.util.deep'], fake_doc['dc.util.deep.f'] = '', ''
    fake_doc['dc.Child:extra'] = ''
    assert.same({}, Repl.undocumented(fake, fake_doc))
    fake.Tensor.sub = dc.Tensor.sub
    assert.same({'Tensor:sub'}, Repl.undocumented(fake, fake_doc))
  end)

  it('gives a method the entry of the method it overrides, and names no stale entry', function()
    local r = session()
    local lin = dc.nn.Linear(2, 3)
    assert.equal(doc['dc.nn.Linear'], r:help(lin):match('^(.-)\n  fields:\n'))
    assert.truthy(r:help(lin):find(' forward ', 1, true))
    assert.equal(doc['dc.nn.Module:forward'], r:help(dc.nn.Linear.forward))
    assert.equal(doc['dc.nn.Module:forward'], r:help(dc.nn.Linear(2, 3).forward))
    local names = {}
    for _, item in ipairs(Repl.public(dc)) do names[item.name] = true end
    for name in pairs(doc) do
      if name:match('^dc[%.:]') or name:match('^Tensor:') then assert.is_true(names[name], name) end
    end
    assert.equal(doc['dc.cluster.kmeans'], session():help(dc.cluster.kmeans))
    assert.truthy(session():help(dc.metrics):find('fields:\n    acc ari contingency nmi sizes', 1,
      true))
  end)

  it('who() lists the globals defined in the session with tensor shapes', function()
    local r = session()
    assert.equal('(no globals defined in this session)', r:who())
    r:eval('x = dc.zeros(2, 3)')
    r:eval('count = 5')
    r:eval('name = "run1"')
    assert.equal('count  5\nname   "run1"\nx      dclab.Tensor float32 2x3', r:who())
  end)

  it('help and who are globals of the session and print', function()
    local r, printed = session()
    assert.same({'ok', ''}, {r:eval('help(dc.ones)')})
    assert.same({'ok', ''}, {r:eval('who()')})
    assert.same({doc['dc.ones'], '(no globals defined in this session)'}, printed)
  end)
end)

describe('dc.time and dc.now', function()
  it('returns the seconds of one call, then the call\'s results', function()
    local calls = 0
    local secs, a, b = dc.time(function(x, y)
      calls = calls + 1
      return x + y, 'done'
    end, 2, 3)
    assert.equal(1, calls)
    assert.equal('number', type(secs))
    assert.truthy(secs >= 0)
    assert.same({5, 'done'}, {a, b})
  end)

  it('measures wall time on a clock that does not go back', function()
    local t0 = dc.now()
    local t1 = dc.now()
    assert.truthy(t1 >= t0)
    local secs = dc.time(function()
      local stop = dc.now() + 0.01
      repeat until dc.now() >= stop
    end)
    assert.truthy(secs >= 0.01)
  end)

  it('rejects what it cannot call', function()
    assert.has_error(function() dc.time(nil) end,
      'time: bad argument #1 (function expected, got nil)')
  end)
end)
