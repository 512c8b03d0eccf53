-- tests/run.lua and tests/c/tiny_test.h: skipped tests (TT_SKIP in C, pending() in a spec)
-- are counted as skipped, never as passed, and their reasons are printed.
local h = require 'spec_helpers'

local c_test = [[
#include "tiny_test.h"
static void passes(void) { CHECK(1 + 1 == 2); }
static void fails(void) { CHECK(1 + 1 == 3); }
static void skips(void) { TT_SKIP("no such unit here"); CHECK(0); }
static void fails_then_skips(void) { CHECK(0); TT_SKIP("too late"); }
int main(void)
{
    RUN_TEST(passes);
    RUN_TEST(fails);
    RUN_TEST(skips);
    RUN_TEST(fails_then_skips);
    return TEST_SUMMARY();
}
]]

local spec = [[
describe('fake', function()
  it('passes', function() assert.equal(2, 1 + 1) end)
  it('is pending', function() pending('needs a tape drive') end)
  it('fails', function() assert.equal(3, 1 + 1) end)
end)
]]

-- Runs the C file and the spec through tests/run.lua; its output lines and exit status.
local function run_suite(c_source, spec_source)
  local dir = h.tmpdir()
  assert(os.execute('mkdir -p ' .. dir .. '/tests ' .. dir .. '/specs'))
  h.write_file(dir .. '/fake.c', c_source)
  h.write_file(dir .. '/specs/fake_spec.lua', spec_source)
  assert(os.execute('cc -std=c11 -Icore -Itests/c -o ' .. dir .. '/tests/test_fake ' .. dir ..
    '/fake.c -lm'), 'cc failed')
  local p = io.popen('lua5.4 tests/run.lua --build ' .. dir .. ' --specs ' .. dir .. '/specs 2>&1')
  local lines = {}
  for line in p:lines() do lines[#lines + 1] = line end
  local ok = p:close()
  os.execute('rm -rf ' .. dir)
  return lines, ok
end

describe('tests/run.lua', function()
  it('counts skipped C tests and pending specs as skipped, with their reasons', function()
    local lines, ok = run_suite(c_test, spec)
    local out = table.concat(lines, '\n')
    assert.is_falsy(ok)
    assert.equal('2 passed, 3 failed, 2 skipped', lines[#lines])
    assert.truthy(out:find('fake.c: 1 passed, 2 failed, 1 skipped', 1, true))
    assert.truthy(out:find('SKIP skips: no such unit here', 1, true))
    assert.truthy(out:find('busted specs: 1 passed, 1 failed, 1 skipped', 1, true))
    assert.truthy(out:find('needs a tape drive', 1, true))
  end)

  it('exits 0 when tests only pass or skip', function()
    local c_ok = c_test:gsub('RUN_TEST%(fails%);', ''):gsub('RUN_TEST%(fails_then_skips%);', '')
    local lines, ok = run_suite(c_ok, spec:gsub("  it%('fails'.-\n", ''))
    assert.equal('2 passed, 0 failed, 2 skipped', lines[#lines])
    assert.is_true(ok)
  end)
end)
