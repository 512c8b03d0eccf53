-- The project documents itself: the method description ships in the library (help shows
-- it), and comments and messages cite files of the repository, never notes outside it.
local doc = require 'dclab.doc'
local H = require 'spec_helpers'

local METHOD = 'lua/dclab/method.md'

-- The repository's text files (this spec excepted: it names what it looks for).
local function repository_files()
  local p = assert(io.popen('find lua core bindings experiments tests README.md Makefile ' ..
    "-type f \\( -name '*.lua' -o -name '*.c' -o -name '*.h' -o -name '*.md' -o " ..
    "-name '*.cpp' -o -name '*.py' -o -name Makefile \\) ! -name docs_spec.lua"))
  local files = {}
  for line in p:lines() do files[#files + 1] = line end
  p:close()
  assert.truthy(#files > 50, 'run from the repository top')
  return files
end

describe('the method description', function()
  it("is what help('method') shows", function()
    local text = H.read_file(METHOD)
    assert.equal(text, doc.method)
    for _, part in ipairs{'## §1 The loop', 'lr', '0.05', 'UnifLabelSampler', '70.4'} do
      assert.truthy(text:find(part, 1, true), part)
    end
  end)

  it('has every section the sources cite, and no source cites notes outside the repository',
    function()
      local sections = {}
      for n in H.read_file(METHOD):gmatch('\n## §(%d+) ') do sections[tonumber(n)] = true end
      local outside = {'deepcluster' .. '.md', 'shared' .. '/', 'STYLE' .. '.md', 'DESIGN' .. '.md'}
      local bad = {}
      for _, path in ipairs(repository_files()) do
        local text = H.read_file(path)
        for _, name in ipairs(outside) do
          if text:find(name, 1, true) then bad[#bad + 1] = path .. ' cites ' .. name end
        end
        for n in text:gmatch('method%.md §(%d+)') do
          if not sections[tonumber(n)] then bad[#bad + 1] = path .. ' cites a missing §' .. n end
        end
      end
      assert.same({}, bad)
    end)
end)
