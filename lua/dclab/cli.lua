-- Command-line helpers shared by the experiment scripts.
--   dc.cli.int_option(parser, '--k', 'Number of clusters.', 100)
return function(dc)
  local cli = {}

  -- An argparse converter for option `name`: the integer written in s, or nil and a message
  -- naming the option (argparse then prints it with the usage and exits).
  function cli.integer(name)
    if type(name) ~= 'string' then error('integer: the option name must be a string', 2) end
    return function(s)
      local v = math.tointeger(tonumber(s))
      if not v then return nil, string.format('%s must be an integer, got %s', name, tostring(s)) end
      return v
    end
  end

  -- parser:option(name, help, default) whose value must be an integer.
  function cli.int_option(parser, name, help, default)
    if type(parser) ~= 'table' or type(parser.option) ~= 'function' or type(name) ~= 'string' then
      error('int_option: expected (parser, name, help, default): an argparse parser and an ' ..
        'option name', 2)
    end
    return parser:option(name, help, tostring(default), cli.integer(name))
  end

  dc.cli = cli
  return cli
end
