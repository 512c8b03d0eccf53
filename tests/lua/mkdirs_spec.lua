-- dc.mkdirs: mkdir -p without a shell.
local dc = require 'dclab'
local h = require 'spec_helpers'

-- On Linux a folder opens for reading, and reading it fails with EISDIR (21).
local function is_dir(path)
  local f = io.open(path, 'rb')
  if not f then return false end
  local _, _, code = f:read(1)
  f:close()
  return code == 21
end

describe('dc.mkdirs', function()
  it('creates a folder and its missing parents, and accepts an existing one', function()
    local root = h.tmpdir()
    local deep = root .. '/a/b c/d'
    assert.is_false(is_dir(root .. '/a'))
    dc.mkdirs(deep)
    assert.is_true(is_dir(root .. '/a') and is_dir(root .. '/a/b c') and is_dir(deep))
    h.write_file(deep .. '/x', 'kept')
    dc.mkdirs(deep) -- existing: nothing changes
    dc.mkdirs(deep .. '/') -- a trailing slash too
    assert.equals('kept', h.read_file(deep .. '/x'))
    os.execute('rm -rf "' .. root .. '"')
  end)

  it('names the path and the reason when it cannot', function()
    local root = h.tmpdir()
    h.write_file(root .. '/file', 'x')
    h.errors_with({'mkdirs: ', root .. '/file', 'exists and is not a directory'}, dc.mkdirs,
      root .. '/file')
    h.errors_with({'mkdirs: ', root .. '/file/sub', 'cannot create directory'}, dc.mkdirs,
      root .. '/file/sub')
    h.errors_with('mkdirs: empty path', dc.mkdirs, '')
    h.errors_with('mkdirs: path of 5000 bytes is too long', dc.mkdirs, string.rep('a', 5000))
    h.errors_with({'bad argument #1', 'mkdirs', 'string expected'}, dc.mkdirs)
    os.execute('rm -rf "' .. root .. '"')
  end)
end)
