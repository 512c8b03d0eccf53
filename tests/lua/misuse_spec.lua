-- Every Lua-visible function (dc.core's included) and tensor method, called with wrong types,
-- nil, missing arguments, negative and huge sizes, released tensors and unknown option keys:
-- each call either works or raises a Lua error with a message that starts with the name of
-- the function called; none may crash the process. New functions are covered automatically:
-- the spec walks `dc`.
local dc = require 'dclab'

-- Functions that take over the process or the terminal, not data; and the big models, whose
-- defaults build 58M and 134M parameters (their argument errors are in models_spec).
-- dc.core.image_save takes any string or number as its path and writes the picture there
-- (dc.image.save, which checks the path, is walked). dc.mkdirs makes the folder it is given,
-- whatever its name, as it should; its refusals are in mkdirs_spec.
local SKIP = {['repl.run'] = true, ['repl.loop'] = true, ['dc.models.alexnet'] = true,
  ['dc.models.vgg16'] = true, ['dc.core.image_save'] = true, ['dc.mkdirs'] = true,
  ['dc.core.mkdirs'] = true}

-- The names in the working folder, one string (the walk must not leave files behind).
local function folder()
  local p = io.popen('ls -A')
  local s = p:read('a')
  p:close()
  return s
end

-- dc.core functions whose messages name the dc function that wraps them (the name a user
-- called), or the kind of table they were given.
local WRAPPER = {['dc.core.pca_new'] = 'preprocess', ['dc.core.export_jpeg'] = 'dataset',
  ['dc.core.loader_new'] = 'dataset'}
-- pool2d_cfg and sizes_and_options take the caller's name as an argument and name their
-- errors with it.
local NAMED_BY_CALLER = {['dc.core.pool2d_cfg'] = true, ['dc.core.sizes_and_options'] = true}
-- Written in Lua on top of other methods: a released tensor is reported by the first method
-- they call (t:dim), not by their own name.
local CALLS_THROUGH = {['Tensor:split'] = true, ['Tensor:chunk'] = true, ['Tensor:flatten'] = true,
  ['Tensor:repeat_tensor'] = true, ['Tensor:zero_'] = true}

local function released()
  local t = dc.zeros(2, 2)
  t:free()
  return t
end

-- Argument lists every function gets; built fresh for each call (some calls mutate).
local function bad_argument_lists()
  local f = dc.tensor{{1, 2}, {3, 4}}
  local i = dc.tensor({1, 2}, 'int64')
  return {
    {},
    {nil},
    {'x'},
    {{}},
    {{bogus = 1}},
    {-1},
    {1e13},
    {10000000000000},
    {0.5},
    {f},
    {released()},
    {f, 'x'},
    {f, {bogus = 1}},
    {f, -5},
    {f, 99},
    {f, f:t()},
    {f, i},
    {i, f},
    {f, released()},
    {f, 1, 2, 3, 4, 5, 6, 7, 8, 9},
    {f, math.huge},
    {f, 0 / 0},
  }
end

-- A function calling tbl.key(...) (or self:key(...)) by name, so that Lua's own argument
-- errors can name it as they do for a user; results packed (no tail call, which loses it).
local function by_name(tbl, key, method)
  local body = method and 'local self = ...; return table.pack(self:' .. key .. '(select(2, ...)))'
    or 'return table.pack(t.' .. key .. '(...))'
  return assert(load('local t = ...; return function(...) ' .. body .. ' end'))(tbl)
end

local function collect(tbl, prefix, out, seen)
  seen = seen or {}
  if seen[tbl] then return out end
  seen[tbl] = true
  local keys = {}
  for k in pairs(tbl) do
    if type(k) == 'string' and k:match('^[%a_][%w_]*$') then keys[#keys + 1] = k end
  end
  table.sort(keys)
  for _, k in ipairs(keys) do
    local v, name = tbl[k], prefix .. k
    if type(v) == 'function' and not SKIP[name] and not k:match('^_') then -- _x: private
      out[#out + 1] = {name = name, call = by_name(tbl, k), named = not NAMED_BY_CALLER[name]}
    elseif type(v) == 'table' and k ~= 'Tensor' and not k:match('^_') then
      collect(v, name .. '.', out, seen)
    end
  end
  return out
end

-- The name an error message starts with: "name: ..." or "Class:method: ..." (after any
-- "file.lua:N: " position) or Lua's "bad argument #n to 'name'" and "calling 'name' on bad
-- self"; its last component ('forward' of 'Conv2d:forward').
local function leading_name(err)
  err = err:gsub('^%[string ".-"%]:%d+: ', ''):gsub('^[^\n]-%.lua:%d+: ', '')
  local n = err:match("^bad argument #%d+ to '([^']+)'") or
    err:match("^calling '([^']+)' on bad self") or err:match('^([%w_%.:]-):%s')
  return n and n:match('[%w_]+$')
end

-- fname: 'dc.core.kmeans_fit' or 'Tensor:add'. A message names it when its leading name is
-- fname's last component, or (3 letters or more) part of it ('kmeans' in 'kmeans_fit', 'add'
-- in 'add_') or containing it ('knn_graph' for 'knn'), case aside. A constructor
-- ('dc.optim.SGD.new') is named by its class in the same way ('sgd: ...').
local function names(fname, err)
  local n = leading_name(err)
  if not n then return false end
  n = n:lower()
  local function matches(name)
    name = name:lower()
    return n == name or (#n >= 3 and name:find(n, 1, true) ~= nil) or
      (#name >= 3 and n:find(name, 1, true) ~= nil)
  end
  return matches(fname:match('[%w_]+$')) or WRAPPER[fname] == n or
    (fname:match('%.new$') ~= nil and matches(fname:match('([%w_]+)%.new$')))
end

-- Records in bad[fname] the first problem of a failed call, if it has one.
local function check(bad, fname, named, ok, err)
  if ok or bad[fname] then return end
  if type(err) ~= 'string' or #err == 0 then
    bad[fname] = 'raised a non-message error: ' .. tostring(err)
  elseif err:find('(null)', 1, true) then
    bad[fname] = err
  elseif named and not names(fname, err) then
    bad[fname] = 'message does not name it: ' .. err
  end
end

local function assert_none(bad)
  local lines = {}
  for fname, why in pairs(bad) do lines[#lines + 1] = fname .. ': ' .. why end
  table.sort(lines)
  assert.are.equal('', table.concat(lines, '\n'))
end

describe('misuse from Lua never crashes', function()
  it('every dc function, dc.core included', function()
    local fns = collect(dc, 'dc.', {})
    local core, bad, before = 0, {}, folder()
    for _, f in ipairs(fns) do
      if f.name:match('^dc%.core%.') then core = core + 1 end
      for _, args in ipairs(bad_argument_lists()) do
        check(bad, f.name, f.named, pcall(f.call, table.unpack(args, 1, 10)))
      end
    end
    assert_none(bad)
    assert.are.equal(before, folder())
    assert.is_true(#fns > 300 and core > 80, #fns .. ' functions, ' .. core .. ' in dc.core')
  end)

  it('every tensor method, on a float, an int64 and a released tensor', function()
    local names_ = {}
    for k, v in pairs(dc.Tensor) do
      if type(v) == 'function' and k:match('^[%a_][%w_]*$') then names_[#names_ + 1] = k end
    end
    table.sort(names_)
    assert.is_true(#names_ > 30)
    local bad = {}
    for _, name in ipairs(names_) do
      local call = by_name(nil, name, true)
      for _, args in ipairs(bad_argument_lists()) do
        local gone = released()
        for _, self in ipairs{dc.tensor{{1, 2}, {3, 4}}, dc.tensor({{1}, {2}}, 'int64'), gone} do
          assert.are.equal(dc.Tensor[name], self[name])
          check(bad, 'Tensor:' .. name, not (CALLS_THROUGH['Tensor:' .. name] and self == gone),
            pcall(call, self, table.unpack(args, 1, 10)))
        end
      end
    end
    assert_none(bad)
  end)

  it('a released tensor is named in the error', function()
    local t = released()
    for _, name in ipairs{'add', 'view', 'sum', 'narrow', 'clone', 'copy', 'fill'} do
      if dc.Tensor[name] then
        local ok, err = pcall(dc.Tensor[name], t, 1)
        assert.is_false(ok)
        assert.truthy(err:find('released tensor', 1, true), name .. ': ' .. err)
      end
    end
  end)

  it('the name check itself: what counts as naming the function', function()
    assert.is_true(names('dc.core.kmeans_fit', 'kmeans: unknown option'))
    assert.is_true(names('Tensor:add_', "bad argument #1 to 'add_' (number expected, got nil)"))
    assert.is_true(names('dc.image.mosaic', './lua/dclab/image.lua:9: mosaic: no images'))
    assert.is_true(names('dc.core.pca_new', "preprocess: unknown option 'bogus'"))
    assert.is_false(names('dc.core.eye', 'tensor of more than 2^63 elements'))
    assert.is_false(names('dc.core.folder_scan', 'x: No such file or directory'))
    assert.is_false(names('Tensor:abs', "bad argument #1 to '?' (attempt to use a released tensor)"))
  end)
end)

describe('nonsense is refused, not turned into something', function()
  local errors_with = require('spec_helpers').errors_with

  it('a table with keys is not a tensor, nor a shape', function()
    errors_with("tensor: key 'bogus' at depth 1 is not a list index 1..0", dc.tensor, {bogus = 1})
    errors_with("tensor: key 'x' at depth 2 is not a list index 1..2", dc.tensor,
      {{1, 2}, {3, 4, x = 5}})
    errors_with("tensor: key '4' at depth 1", dc.tensor, {1, 2, [4] = 3})
    errors_with("a shape is a list of sizes, got key 'bogus'", dc.core.zeros, {bogus = 1})
    assert.are.same({0}, dc.tensor{}:shape())
    assert.are.same({2, 0}, dc.tensor{{}, {}}:shape())
  end)

  it('errors from the engine name the function', function()
    errors_with('eye: ', dc.eye, 2 ^ 40, 2 ^ 40)
    errors_with('arange: ', dc.arange, 1e13)
    errors_with('randperm: ', dc.randperm, 10000000000000)
    errors_with('folder_scan: /no/such/dir', dc.core.folder_scan, '/no/such/dir')
    errors_with('filelist_read: /no/such/list', dc.core.filelist_read, '/no/such/list')
    errors_with({"bad argument #1 to 'conv2d_forward'", "dclab.Conv2dCfg expected"},
      function() return dc.core.conv2d_forward({}, dc.zeros(1, 1, 2, 2)) end)
  end)

  it('a method called without its object names itself and says how to call it', function()
    local conv, x = dc.nn.Conv2d(1, 2, 3), dc.zeros(1, 1, 4, 4)
    errors_with('Conv2d:forward: called on a dclab.Tensor, not a Conv2d (write x:forward(...), ' ..
      'with a colon)', conv.forward, x)
    errors_with('Module:zero_grad: called on nil, not a Module', dc.nn.Linear.zero_grad, nil)
    errors_with('SGD:step: called on a table, not a SGD', dc.optim.SGD.step, {})
    errors_with('Loader:reset: called on a number', dc.data.Loader.reset, 1)
    errors_with('DeepCluster:fit: called on nil', dc.DeepCluster.fit)
    -- methods of a subclass, defined after extend, are checked too; instances pass
    local Twice = dc.nn.Module:extend('Twice')
    function Twice:forward(v) self.output = v * 2 return self.output end
    errors_with('Twice:forward: called on a string', Twice.forward, 'x', x)
    assert.are.equal(4, Twice():forward(dc.tensor{2}):item())
    assert.are.equal(4, Twice()(dc.tensor{2}):item())
    errors_with("extend: expected Parent:extend('Name') on a module class, got (table, nil)",
      dc.nn.Module.extend, dc.nn.Module)
  end)
end)
