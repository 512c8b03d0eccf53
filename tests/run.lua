-- Runs every suite (the C test binaries and the busted specs) and ends with the one line
-- "N passed, N failed, N skipped" that sums them all. A skipped test (TT_SKIP in C, pending()
-- in a spec) counts as skipped, never as passed; its reason is printed. Exit status: 0 only
-- when nothing failed.
--   lua5.4 tests/run.lua [--build DIR] [--specs DIR]
local build, spec_dir = 'build', 'tests/lua'
for i = 1, #arg do
  if arg[i] == '--build' then build = arg[i + 1] end
  if arg[i] == '--specs' then spec_dir = arg[i + 1] end
end

local passed, failed, skipped = 0, 0, 0
local preload = os.getenv('DC_PRELOAD')
local env = preload and ('LD_PRELOAD="' .. preload .. '" ') or ''

local function run(cmd, on_line)
  local p = assert(io.popen(cmd .. ' 2>&1'))
  for line in p:lines() do on_line(line) end
  local ok, _, code = p:close()
  return ok, code
end

-- C tests: each binary prints "<file>: N passed, M failed, K skipped" last.
local bins = {}
local ls = io.popen('ls ' .. build .. '/tests/ 2>/dev/null')
for name in ls:lines() do
  if name:match('^test_[%w_]+$') then bins[#bins + 1] = name end
end
ls:close()
table.sort(bins)
for _, name in ipairs(bins) do
  local counted = false
  local ok, code = run(build .. '/tests/' .. name, function(line)
    local p, f, s = line:match(':%s*(%d+) passed, (%d+) failed, (%d+) skipped$')
    if p then
      passed, failed, skipped = passed + tonumber(p), failed + tonumber(f), skipped + tonumber(s)
      counted = true
    end
    if line ~= '' then print(line) end
  end)
  if not counted or (not ok and code ~= 1) then
    print(name .. ': crashed or printed no summary (exit ' .. tostring(code) .. ')')
    failed = failed + 1
  end
end

-- busted specs, TAP output: "ok N - ...", "ok N - # SKIP <reason>" (pending) and
-- "not ok N - ...".
local lpath = './lua/?.lua;./lua/?/init.lua;./tests/lua/?.lua'
local cpath = build .. '/lib/?.so'
local specs = {passed = 0, failed = 0, skipped = 0}
local ok, code = run(env .. 'DCLAB_BUILD=' .. build .. ' lua5.4 /usr/bin/busted -o TAP --lpath="' ..
  lpath .. '" --cpath="' .. cpath .. '" ' .. spec_dir, function(line)
  if line:match('^ok %d+ %- # SKIP') then
    specs.skipped = specs.skipped + 1
    print('SKIP ' .. line:match('# SKIP%s*(.*)$'))
  elseif line:match('^ok %d') then
    specs.passed = specs.passed + 1
  elseif line:match('^not ok %d') then
    specs.failed = specs.failed + 1
    print(line)
  elseif not line:match('^1%.%.%d') and specs.failed > 0 then
    print(line) -- the failure's details follow its "not ok" line
  end
end)
print(string.format('busted specs: %d passed, %d failed, %d skipped',
  specs.passed, specs.failed, specs.skipped))
if specs.passed + specs.failed + specs.skipped == 0 or (not ok and specs.failed == 0) then
  print('busted: no spec ran or it crashed (exit ' .. tostring(code) .. ')')
  specs.failed = specs.failed + 1
end
passed, failed, skipped = passed + specs.passed, failed + specs.failed, skipped + specs.skipped

print(string.format('%d passed, %d failed, %d skipped', passed, failed, skipped))
os.exit(failed == 0 and 0 or 1)
