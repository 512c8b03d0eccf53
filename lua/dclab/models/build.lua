-- Shared by the model builders: option checking, the conv-BN-ReLU block and the Net itself.
local nn = require 'dclab.nn'
local Net = require 'dclab.models.Net'
local options = require 'dclab.options'

local build = {}

-- The options table of model fname checked, defaults filled; bn only for the models that
-- have a BatchNorm variant.
function build.options(fname, opt, with_bn)
  local o = options.check(fname, opt, {
    sobel = {type = 'boolean', default = true},
    bn = with_bn and {type = 'boolean', default = true} or nil,
    k = {type = 'integer', min = 1},
    generator = {type = 'generator'},
  }, 3)
  return o -- not a tail call: the error level counts this frame
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
