-- Checks an options table against the names a constructor takes, as the C bindings do:
-- check(opts, 'kmeans', {'k', 'niter'}) raises "kmeans: unknown option 'nitr' (valid: k, niter)".
return function(opts, fname, valid, level)
  if opts == nil then return {} end
  if type(opts) ~= 'table' then
    error(string.format('%s: options must be a table, got %s', fname, type(opts)), (level or 2) + 1)
  end
  local known = {}
  for _, k in ipairs(valid) do known[k] = true end
  for k in pairs(opts) do
    if not known[k] then
      error(string.format("%s: unknown option '%s' (valid: %s)", fname, tostring(k),
        table.concat(valid, ', ')), (level or 2) + 1)
    end
  end
  return opts
end
