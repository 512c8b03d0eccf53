-- The engine's floors, checked on the #include lines of every file under core/: a file may
-- include headers of its own floor or below, never above, and no Lua header at all (core is
-- pure C; the bindings sit above all of it). From the bottom:
--   0  core/*  (tensor, rng, status, file, parallel, ...: the ground floor)
--   1  core/ops/, core/data/
--   2  core/layers/, core/cluster/, core/io/, core/optim/
--   3  bindings/
-- core/dc.h is the umbrella header the bindings include: it may include any floor of core.
-- A quoted include is resolved as the compiler does (the including file's folder, then core/
-- from -Icore); one that resolves nowhere is reported too, so a misspelt path cannot hide.
local FLOORS = {
  {floor = 0, prefix = 'core/', top_only = true},
  {floor = 1, prefix = 'core/ops/'},
  {floor = 1, prefix = 'core/data/'},
  {floor = 2, prefix = 'core/layers/'},
  {floor = 2, prefix = 'core/cluster/'},
  {floor = 2, prefix = 'core/io/'},
  {floor = 2, prefix = 'core/optim/'},
  {floor = 3, prefix = 'bindings/'},
}
local FLOOR_NAMES = {[0] = 'tensor and rng', 'ops and data', 'layers, cluster, io and optim',
  'bindings'}
local UMBRELLA = 'core/dc.h'
local LUA_HEADERS = {['lua.h'] = true, ['lauxlib.h'] = true, ['lualib.h'] = true,
  ['luaconf.h'] = true, ['lua.hpp'] = true}

local function floor_of(path)
  for _, f in ipairs(FLOORS) do
    local rest = path:sub(1, #f.prefix) == f.prefix and path:sub(#f.prefix + 1)
    if rest and not (f.top_only and rest:find('/')) then return f.floor end
  end
end

-- 'core/layers/../args.h' -> 'core/args.h'
local function normalize(path)
  local parts = {}
  for p in path:gmatch('[^/]+') do
    if p == '..' and #parts > 0 and parts[#parts] ~= '..' then
      parts[#parts] = nil
    elseif p ~= '.' then
      parts[#parts + 1] = p
    end
  end
  return table.concat(parts, '/')
end

local function exists(root, path)
  local f = io.open(root .. '/' .. path, 'rb')
  if f then f:close() end
  return f ~= nil
end

local function lines_of(cmd)
  local p = assert(io.popen(cmd))
  local out = {}
  for l in p:lines() do out[#out + 1] = l end
  p:close()
  return out
end

-- Every breach of the floors under root/core, as "file:line: reason" strings.
local function breaches(root)
  local found = {}
  local files = lines_of('cd "' .. root .. '" && find core -type f \\( -name "*.c" ' ..
    '-o -name "*.h" -o -name "*.cpp" \\) | sort')
  assert(#files > 0, 'no source files under ' .. root .. '/core')
  for _, file in ipairs(files) do
    local own = floor_of(file)
    local n = 0
    for line in io.lines(root .. '/' .. file) do
      n = n + 1
      local quote, name = line:match('^%s*#%s*include%s*([<"])([^>"]+)[>"]')
      local where = file .. ':' .. n .. ': '
      if name and LUA_HEADERS[name:match('[^/]+$')] then
        found[#found + 1] = where .. 'core includes the Lua header ' .. name
      elseif quote == '"' then
        local dir = file:match('^(.*)/')
        local target = normalize(dir .. '/' .. name)
        if not exists(root, target) then target = normalize('core/' .. name) end
        local to = floor_of(target)
        if not exists(root, target) then
          found[#found + 1] = where .. 'cannot resolve "' .. name .. '"'
        elseif to == nil then
          found[#found + 1] = where .. name .. ' is outside the floors'
        elseif file ~= UMBRELLA and to > own then
          found[#found + 1] = string.format('%s%s (floor %d, %s) includes %s (floor %d, %s)',
            where, file, own, FLOOR_NAMES[own], target, to, FLOOR_NAMES[to])
        end
      end
    end
  end
  return found
end

local function write(root, path, text)
  os.execute('mkdir -p "' .. (root .. '/' .. path):match('^(.*)/') .. '"')
  local f = assert(io.open(root .. '/' .. path, 'w'))
  f:write(text)
  f:close()
end

describe('the layering of core/', function()
  it('holds: no core file includes a header of a higher floor, or a Lua header', function()
    local found = breaches('.')
    assert.are.same({}, found)
  end)

  it('is checked: a breach in a small tree is reported', function()
    local root = os.tmpname()
    os.remove(root)
    write(root, 'core/tensor.h', '#include "status.h"\n')
    write(root, 'core/status.h', '\n')
    write(root, 'core/tensor.c', '#include "tensor.h"\n#include "ops/elementwise.h"\n')
    write(root, 'core/ops/elementwise.h', '#include "../tensor.h"\n')
    write(root, 'core/ops/iter.c', '#include <lauxlib.h>\n#include "missing.h"\n')
    write(root, 'core/data/file.c', '#include "layers/args.h"\n#include "../../bindings/dcb.h"\n')
    write(root, 'core/layers/args.h', '#include "tensor.h"\n#include "../ops/elementwise.h"\n')
    write(root, 'bindings/dcb.h', '\n')
    write(root, 'core/dc.h', '#include "layers/args.h"\n')
    local found = breaches(root)
    os.execute('rm -rf "' .. root .. '"')
    assert.are.same({
      'core/data/file.c:1: core/data/file.c (floor 1, ops and data) includes core/layers/args.h ' ..
        '(floor 2, layers, cluster, io and optim)',
      'core/data/file.c:2: core/data/file.c (floor 1, ops and data) includes bindings/dcb.h ' ..
        '(floor 3, bindings)',
      'core/ops/iter.c:1: core includes the Lua header lauxlib.h',
      'core/ops/iter.c:2: cannot resolve "missing.h"',
      'core/tensor.c:2: core/tensor.c (floor 0, tensor and rng) includes core/ops/elementwise.h ' ..
        '(floor 1, ops and data)',
    }, found)
  end)
end)
