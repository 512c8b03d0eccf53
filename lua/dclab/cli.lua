-- Command-line helpers shared by the experiment scripts.
--   dc.cli.int_option(parser, '--k', 'Number of clusters.', 100)
--   dc.cli.precision_option(parser)
return function(dc)
  local cli = {}
  local options = require 'dclab.options'
  local PARSER = {test = function(v) return type(v) == 'table' and type(v.option) == 'function' end,
    what = 'an argparse parser'}

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
    options.arg('int_option', 1, parser, PARSER)
    options.arg('int_option', 2, name, {type = 'string'})
    return parser:option(name, help, tostring(default), cli.integer(name))
  end

  -- --precision, its choices dc.nn.precision_names() (default fp32).
  function cli.precision_option(parser)
    options.arg('precision_option', 1, parser, PARSER)
    local names = dc.nn.precision_names()
    return parser:option('--precision', table.concat(names, ' | ') .. ' (bf16: convolutions ' ..
      'in bf16 with fp32 sums; needs AVX512_BF16 or AMX).', names[1]):choices(names)
  end

  -- Sizes a preset flag chooses: each key of defaults the command line left unset takes
  -- preset[key] when the preset flag is on (and names the key), else defaults[key]. Flags
  -- given beside the preset therefore override it.
  function cli.fill_sizes(args, defaults, preset, on)
    options.arg('fill_sizes', 1, args, {type = 'table'})
    options.arg('fill_sizes', 2, defaults, {type = 'table'})
    options.arg('fill_sizes', 3, preset, {type = 'table'})
    for key, v in pairs(defaults) do
      if args[key] == nil then
        if on and preset[key] ~= nil then args[key] = preset[key] else args[key] = v end
      end
    end
    return args
  end

  dc.cli = cli
  return cli
end
