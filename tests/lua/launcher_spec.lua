-- The dclab launcher (bindings/dclab_main.c) run as a program: scripts with arguments, -e,
-- --version, errors and exit codes, piped stdin to the REPL; and `make install` checked with a
-- stock lua5.4 against a temporary DESTDIR.
local dc = require 'dclab'

local build = os.getenv('DCLAB_BUILD') or 'build'
local root = assert(io.popen('pwd')):read('l')
local launcher = root .. '/' .. build .. '/dclab'

local function quote(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

local function tmpname()
  local p = os.tmpname()
  os.remove(p)
  return p
end

local function slurp(path)
  local f = io.open(path, 'rb')
  if not f then return '' end
  local s = f:read('a')
  f:close()
  return s
end

-- Runs a shell command with stdin from the given text (else /dev/null); returns its exit
-- code, stdout and stderr.
local function sh(cmd, stdin)
  local inp, out, err = os.tmpname(), os.tmpname(), os.tmpname()
  local f = assert(io.open(inp, 'wb'))
  f:write(stdin or '')
  f:close()
  local ok, _, code = os.execute('(' .. cmd .. ') < ' .. inp .. ' > ' .. out .. ' 2> ' .. err)
  local o, e = slurp(out), slurp(err)
  os.remove(inp)
  os.remove(out)
  os.remove(err)
  return ok and 0 or code, o, e
end

local function write_script(text)
  local path = tmpname() .. '.lua'
  local f = assert(io.open(path, 'w'))
  f:write(text)
  f:close()
  return path
end

describe('dclab launcher', function()
  it('runs a script with its arguments in arg and ...', function()
    local path = write_script([[
print(arg[0], arg[1], arg[2], #arg)
print(select('#', ...), ...)
print(arg[-1] ~= nil, dc.zeros(2, 3):numel())
]])
    local code, out, err = sh(quote(launcher) .. ' ' .. quote(path) .. ' first "second arg"')
    os.remove(path)
    assert.equal('', err)
    assert.equal(0, code)
    assert.equal(path .. '\tfirst\tsecond arg\t2\n2\tfirst\tsecond arg\ntrue\t6\n', out)
  end)

  it('runs -e code with dc loaded', function()
    local code, out = sh(quote(launcher) ..
      [[ -e 'print(dc.tensor{{1, 2}, {3, 4}}:shape()[2], type(arg))']])
    assert.equal(0, code)
    assert.equal('2\ttable\n', out)
  end)

  it('has help() and who() in -e chunks and scripts, as in the REPL', function()
    local doc = require 'dclab.doc'
    local code, out = sh(quote(launcher) .. [[ -e 'help(dc.mm)']])
    assert.equal(0, code)
    assert.equal(doc['dc.mm'] .. '\n', out)
    local path = tmpname() .. '.lua'
    local f = assert(io.open(path, 'w'))
    f:write('x = dc.zeros(2)\nhelp(dc.nn.Linear)\nwho()\n')
    f:close()
    code, out = sh(quote(launcher) .. ' ' .. quote(path))
    os.remove(path)
    assert.equal(0, code)
    assert.truthy(out:find(doc['dc.nn.Linear'], 1, true), out)
    assert.truthy(out:find('x  dclab.Tensor float32 2\n', 1, true), out)
  end)

  it('prints the versions of dclab, Lua, OpenBLAS, FAISS and libjpeg-turbo, and the CPU', function()
    local code, out = sh(quote(launcher) .. ' --version')
    assert.equal(0, code)
    local lines = {}
    for line in out:gmatch('[^\n]+') do lines[#lines + 1] = line end
    assert.equal(6, #lines)
    assert.equal('dclab ' .. dc.version, lines[1])
    assert.truthy(lines[2]:match('^Lua 5%.4%.%d+$'), lines[2])
    assert.truthy(lines[3]:match('^OpenBLAS %d+%.%d+'), lines[3])
    assert.truthy(lines[4]:match('^FAISS %d+%.%d+%.%d+$'), lines[4])
    assert.truthy(lines[5]:match('^libjpeg%-turbo %d+%.%d+%.%d+$'), lines[5])
    local cpu = dc.cpu()
    assert.equal(string.format('CPU %s (%s): %s; convolutions: %s', cpu.brand, cpu.vendor,
      cpu.features, cpu.conv2d), lines[6])
    assert.equal(dc.version_string() .. '\n', out)
  end)

  it('exits non-zero with a traceback when a script fails', function()
    local path = write_script([[
local function inner() error('boom') end
local function outer() inner() end
outer()
]])
    local code, out, err = sh(quote(launcher) .. ' ' .. quote(path))
    os.remove(path)
    assert.equal(1, code)
    assert.equal('', out)
    assert.truthy(err:find(':1: boom', 1, true), err)
    assert.truthy(err:find('stack traceback:', 1, true), err)
    assert.truthy(err:find("'inner'", 1, true) and err:find("'outer'", 1, true), err)
  end)

  it('reports an error object that is not a string, and a failing -e chunk', function()
    local code, _, err = sh(quote(launcher) .. [[ -e 'error({})']])
    assert.equal(1, code)
    assert.truthy(err:find('(error object is a table value)', 1, true), err)
    code, _, err = sh(quote(launcher) .. [[ -e 'local y = dc.zeros(2) + dc.zeros(3)']])
    assert.equal(1, code)
    assert.truthy(err:find('[2]', 1, true) and err:find('[3]', 1, true), err)
    code, _, err = sh(quote(launcher) .. [[ -e 'x = = 1']])
    assert.equal(1, code)
    assert.truthy(err:find("(command line):1: unexpected symbol near '='", 1, true), err)
  end)

  it('reports a missing script', function()
    local code, _, err = sh(quote(launcher) .. ' /nonexistent/script.lua')
    assert.equal(1, code)
    assert.truthy(err:find('cannot open /nonexistent/script.lua', 1, true), err)
  end)

  it('rejects bad usage with exit code 2, and --help prints the usage', function()
    for _, args in ipairs({'-x', '-e', "-e 'print(1)' extra", '--version extra'}) do
      local code, out, err = sh(quote(launcher) .. ' ' .. args)
      assert.equal(2, code, args)
      assert.equal('', out, args)
      assert.truthy(err:find('usage:', 1, true), args)
    end
    local code, out = sh(quote(launcher) .. ' --help')
    assert.equal(0, code)
    assert.truthy(out:find('usage:', 1, true))
  end)

  it('evaluates piped stdin line by line as the REPL does, without prompts', function()
    local code, out, err = sh(quote(launcher), table.concat({
      '1 + 1',
      'x = dc.zeros(2, 3)',
      'x:shape()',
      'for i = 1, 2 do',
      '  print(i)',
      'end',
      'nil',
    }, '\n') .. '\n')
    assert.equal('', err)
    assert.equal(0, code)
    assert.equal('2\n{2, 3}\n1\n2\nnil\n', out)
  end)

  it('goes on after a failing piped line, then exits with status 1', function()
    local code, out, err = sh(quote(launcher), 'error("first")\nx = = 2\n"still here"\n')
    assert.equal(1, code)
    assert.equal('still here\n', out)
    assert.equal("stdin:1: first\nstdin:1: unexpected symbol near '='\n", err)
  end)

  it('finds its library from any directory, whatever LUA_PATH says', function()
    local code, out = sh('cd / && env LUA_PATH=/nowhere/?.lua LUA_CPATH=/nowhere/?.so ' ..
      quote(launcher) .. [[ -e 'print(package.searchpath("dclab.core", package.cpath))']])
    assert.equal(0, code)
    assert.equal(root .. '/' .. build .. '/lib/dclab/core.so\n', out)
  end)

  it('links readline into the launcher only, never into the dclab.core module', function()
    local _, out = sh('ldd ' .. quote(root .. '/' .. build .. '/lib/dclab/core.so'))
    assert.falsy(out:find('readline', 1, true), out)
    _, out = sh('ldd ' .. quote(launcher))
    assert.truthy(out:find('libreadline', 1, true), out)
  end)
end)

describe('make install', function()
  it('installs where a stock lua5.4 finds dclab, with a launcher that finds it too', function()
    local destdir = tmpname()
    -- a sub-make of `make test` must not inherit its jobserver
    local code, out, err = sh('env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s' ..
      ' --no-print-directory install PREFIX=/usr/local DESTDIR=' .. quote(destdir) ..
      ' BUILD=' .. quote(build))
    assert.equal(0, code, out .. err)
    local prefix = destdir .. '/usr/local'
    -- stock lua5.4's own search path with /usr/local moved under DESTDIR: what it would find
    -- after a real `make install`
    local _, lpath = sh([[lua5.4 -e 'print(package.path)']])
    local _, cpath = sh([[lua5.4 -e 'print(package.cpath)']])
    assert.truthy(lpath:find('/usr/local/share/lua/5.4/?.lua', 1, true), lpath)
    assert.truthy(cpath:find('/usr/local/lib/lua/5.4/?.so', 1, true), cpath)
    local function moved(p)
      return (p:gsub('\n$', ''):gsub('/usr/local/', (prefix:gsub('%%', '%%%%')) .. '/'))
    end
    local env = 'cd / && env LUA_PATH=' .. quote(moved(lpath)) .. ' LUA_CPATH=' ..
      quote(moved(cpath)) .. ' '
    code, out, err = sh(env .. [[lua5.4 -e "
      local dc = require 'dclab'
      print(package.searchpath('dclab', package.path))
      print(package.searchpath('dclab.core', package.cpath))
      print(dc.zeros(2, 3):numel(), require('dclab.repl') ~= nil)"]])
    assert.equal('', err)
    assert.equal(0, code)
    assert.equal(prefix .. '/share/lua/5.4/dclab/init.lua\n' ..
      prefix .. '/lib/lua/5.4/dclab/core.so\n6\ttrue\n', out)
    -- the installed launcher, with no help from the environment
    code, out, err = sh('cd / && env -u LUA_PATH -u LUA_CPATH ' .. quote(prefix .. '/bin/dclab') ..
      [[ -e 'print(package.searchpath("dclab", package.path)); print(dc.ones(4):numel())']])
    assert.equal('', err)
    assert.equal(0, code)
    assert.equal(prefix .. '/bin/../share/lua/5.4/dclab/init.lua\n4\n', out)
    os.execute('rm -rf ' .. quote(destdir))
  end)

  it("installs into any prefix that the README's LUA_PATH / LUA_CPATH lines then reach",
    function()
      local home = tmpname() -- stands for $HOME in the README's lines
      local prefix = home .. '/.local'
      local code, out, err = sh('env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s' ..
        ' --no-print-directory install PREFIX=' .. quote(prefix) .. ' BUILD=' .. quote(build))
      assert.equal(0, code, out .. err)
      local readme = slurp(root .. '/README.md')
      local exports = {}
      for line in readme:gmatch('\n(export LUA_C?PATH=[^\n]+)') do
        exports[#exports + 1] = (line:gsub('%$HOME', (home:gsub('%%', '%%%%'))))
      end
      assert.equal(2, #exports, 'the README gives the LUA_PATH and LUA_CPATH lines')
      -- make install prints the same two lines for its prefix
      for _, line in ipairs(exports) do
        local name, value = line:match('^export (LUA_C?PATH)="(.*)"$')
        assert.truthy(out:find('export ' .. name .. "='" .. value .. "'", 1, true), out)
      end
      code, out, err = sh('cd / && ' .. table.concat(exports, '; ') .. [[; lua5.4 -e "
        local dc = require 'dclab'
        print(package.searchpath('dclab.core', package.cpath))
        print(dc.ones(3):numel(), #require('dclab.doc').method > 1000)"]])
      assert.equal('', err)
      assert.equal(0, code)
      assert.equal(prefix .. '/lib/lua/5.4/dclab/core.so\n3\ttrue\n', out)
      os.execute('rm -rf ' .. quote(home))
    end)
end)
