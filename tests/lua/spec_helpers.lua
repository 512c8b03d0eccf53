-- Shared by the busted specs: an assertion that a call fails with a message containing
-- plain (not pattern) strings.
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

return helpers
