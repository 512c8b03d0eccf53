-- Shared by the model builders: option checking, the conv-BN-ReLU block and the Net itself.
local nn = require 'dclab.nn'
local Net = require 'dclab.models.Net'

local build = {}

-- Checks the options table of model fname against the defaults table (every valid key has
-- a default; false marks "none"); returns the merged options.
function build.options(fname, opt, defaults)
  if opt ~= nil and type(opt) ~= 'table' then
    error(string.format('%s: options must be a table, got %s', fname, type(opt)), 3)
  end
  local o = {}
  for k, v in pairs(defaults) do o[k] = v end
  for k, v in pairs(opt or {}) do
    if defaults[k] == nil then
      local names = {}
      for n in pairs(defaults) do names[#names + 1] = n end
      table.sort(names)
      error(string.format("%s: unknown option '%s' (valid: %s)", fname, tostring(k),
        table.concat(names, ', ')), 3)
    end
    o[k] = v
  end
  if o.k and (math.type(o.k) ~= 'integer' or o.k < 1) then
    error(string.format('%s: k must be a positive integer, got %s', fname, tostring(o.k)), 3)
  end
  if type(o.sobel) ~= 'boolean' then
    error(string.format('%s: sobel must be a boolean, got %s', fname, type(o.sobel)), 3)
  end
  if o.generator and not require('dclab.core').is_generator(o.generator) then
    error(string.format('%s: generator must be a dclab.Generator, got %s', fname, type(o.generator)), 3)
  end
  return o
end

-- Appends conv (k x k, pad), [BatchNorm2d], in-place ReLU to seq.
function build.conv_block(seq, cin, cout, k, opt, bn)
  seq:add(nn.Conv2d(cin, cout, k, opt))
  if bn then seq:add(nn.BatchNorm2d(cout)) end
  seq:add(nn.ReLU{inplace = true})
end

-- The Net of every builder: name (plus ' (sobel)'), [Sobel], features, classifier and a
-- Linear(dim, o.k) top layer when o.k is set, redrawn from o.generator when it is given.
function build.net(name, o, features, classifier, dim)
  local net = Net(name .. (o.sobel and ' (sobel)' or ''), {
    sobel = o.sobel and nn.Sobel() or nil,
    features = features,
    classifier = classifier,
    top_layer = o.k and nn.Linear(dim, o.k) or nil,
  })
  return build.reset(net, o.generator)
end

-- Redraws every parameterised module of net from generator gen, in order.
function build.reset(net, gen)
  if not gen then return net end
  local function walk(m)
    if m.modules then
      for _, c in ipairs(m.modules) do walk(c) end
    elseif m.reset and #m.params > 0 then
      m:reset(gen)
    end
  end
  for _, s in ipairs(net:stages()) do walk(s[2]) end
  return net
end

return build
