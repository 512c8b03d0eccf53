-- Options tables of the data area: unknown keys are errors that list the valid ones
-- (the Lua side of dcb_checkoptions), so {bacth = 64} fails instead of being ignored.
local M = {}

function M.check(fname, opts, allowed)
  if opts == nil then return {} end
  if type(opts) ~= 'table' then
    error(string.format('%s: options must be a table, got %s', fname, type(opts)), 3)
  end
  local ok = {}
  for _, k in ipairs(allowed) do ok[k] = true end
  for k in pairs(opts) do
    if not ok[k] then
      local names = {}
      for _, n in ipairs(allowed) do names[#names + 1] = n end
      table.sort(names)
      error(string.format("%s: unknown option '%s' (valid: %s)", fname, tostring(k),
        table.concat(names, ', ')), 3)
    end
  end
  return opts
end

-- A positive integer argument, or an error naming the function and the argument.
function M.positive(fname, what, v)
  if math.type(v) ~= 'integer' or v < 1 then
    error(string.format('%s: %s must be a positive integer, got %s', fname, what, tostring(v)), 3)
  end
  return v
end

return M
