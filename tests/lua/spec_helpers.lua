-- Shared by the busted specs: an assertion that a call fails with a message containing
-- plain (not pattern) strings, a fresh temporary folder, whole-file reads and writes.
local assert = require 'luassert'
local helpers = {}

-- text: a string, or a list of strings the message must all contain. Returns the message.
function helpers.errors_with(text, f, ...)
  local texts = type(text) == 'table' and text or {text}
  local ok, err = pcall(f, ...)
  assert.is_false(ok, 'expected an error containing ' .. table.concat(texts, ' and '))
  for _, t in ipairs(texts) do
    assert.truthy(tostring(err):find(t, 1, true), 'error "' .. tostring(err) .. '" lacks "' .. t .. '"')
  end
  return tostring(err)
end

-- A new empty folder under the system's temporary one; its path.
function helpers.tmpdir()
  local d = os.tmpname()
  os.remove(d)
  assert(os.execute('mkdir -p ' .. d))
  return d
end

function helpers.read_file(path)
  local f = assert(io.open(path, 'rb'))
  local s = f:read('a')
  f:close()
  return s
end

function helpers.write_file(path, bytes)
  local f = assert(io.open(path, 'wb'))
  f:write(bytes)
  f:close()
end

return helpers
