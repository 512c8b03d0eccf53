-- Shared by the busted specs: an assertion that a call fails with a message containing a
-- plain (not pattern) string.
local assert = require 'luassert'
local helpers = {}

function helpers.errors_with(text, f, ...)
  local ok, err = pcall(f, ...)
  assert.is_false(ok, 'expected an error containing ' .. text)
  assert.truthy(tostring(err):find(text, 1, true), 'error "' .. tostring(err) .. '" lacks "' .. text .. '"')
end

return helpers
