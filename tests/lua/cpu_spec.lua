-- dc.cpu(): the run-time probe agrees with what the kernel reports in /proc/cpuinfo.
local dc = require 'dclab'
local doc = require 'dclab.doc'

local function cpuinfo_flags()
  local f = io.open('/proc/cpuinfo')
  if not f then return nil end
  local text = f:read('a')
  f:close()
  local flags = {}
  for name in (text:match('\nflags%s*:%s*([^\n]*)') or ''):gmatch('%S+') do flags[name] = true end
  return flags
end

describe('dc.cpu', function()
  it('has help text', function()
    assert.truthy(doc['dc.cpu']:match('^dc%.cpu%(%)'))
  end)

  it('names the vendor and brand and lists the usable features in one string', function()
    local c = dc.cpu()
    assert.truthy(#c.vendor == 12, c.vendor)
    assert.is_string(c.brand)
    for name in c.features:gmatch('%S+') do assert.is_true(c[name], name) end
    for _, name in ipairs{'avx2', 'fma'} do assert.is_true(c[name], name) end -- the baseline
    assert.equal(c.avx512_bf16 or c.amx_bf16, c.bf16)
  end)

  it('agrees with /proc/cpuinfo on every flag (less those DCLAB_CPU_MAX=avx2 masks)', function()
    local flags = cpuinfo_flags()
    if not flags then return pending('no /proc/cpuinfo on this system') end
    if os.getenv('DCLAB_CPU_MAX') == 'avx2' then
      for name in pairs(flags) do
        if name:match('^avx512') or name:match('^amx') then flags[name] = nil end
      end
    end
    local c = dc.cpu()
    for _, name in ipairs{'sse4_1', 'avx2', 'fma', 'avx512f', 'avx512bw', 'avx512vl', 'avx512_bf16'} do
      assert.equal(flags[name] == true, c[name], name)
    end
    -- AMX also needs the kernel's permission, which the probe asked for
    for _, name in ipairs{'amx_tile', 'amx_bf16'} do
      assert.equal(flags[name] == true and c.amx_error == nil, c[name], name)
    end
  end)

  it('names the convolution kernels AUTO runs: oneDNN exactly where AVX-512 is', function()
    local c = dc.cpu()
    if c.avx512f then assert.truthy(c.conv2d:match('^oneDNN avx512'), c.conv2d)
    else assert.equal('Winograd / im2col + OpenBLAS', c.conv2d) end
  end)

  it('returns a fresh table each call, probed once', function()
    local a, b = dc.cpu(), dc.cpu()
    assert.are_not.equal(a, b)
    assert.same(a, b)
  end)
end)
