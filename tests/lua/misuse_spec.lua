-- Every Lua-visible function and tensor method, called with wrong types, nil, missing
-- arguments, negative and huge sizes, released tensors and unknown option keys: each call
-- either works or raises a Lua error with a message; none may crash the process. New
-- functions are covered automatically: the spec walks the `dc` table.
local dc = require 'dclab'

-- Functions that take over the process or the terminal, not data; and the big models, whose
-- defaults build 58M and 134M parameters (their argument errors are in models_spec).
local SKIP = {['repl.run'] = true, ['repl.loop'] = true, ['dc.models.alexnet'] = true,
  ['dc.models.vgg16'] = true}

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

local function collect(tbl, prefix, out, seen)
  seen = seen or {}
  if seen[tbl] then return out end
  seen[tbl] = true
  local keys = {}
  for k in pairs(tbl) do
    if type(k) == 'string' then keys[#keys + 1] = k end
  end
  table.sort(keys)
  for _, k in ipairs(keys) do
    local v, name = tbl[k], prefix .. k
    if type(v) == 'function' and not SKIP[name] then
      out[#out + 1] = {name = name, fn = v}
    elseif type(v) == 'table' and k ~= 'core' and k ~= 'Tensor' and not k:match('^_') then
      collect(v, name .. '.', out, seen)
    end
  end
  return out
end

describe('misuse from Lua never crashes', function()
  it('every dc function', function()
    local fns = collect(dc, 'dc.', {})
    assert.is_true(#fns > 10)
    for _, f in ipairs(fns) do
      for _, args in ipairs(bad_argument_lists()) do
        local ok, err = pcall(f.fn, table.unpack(args, 1, 10))
        if not ok then
          assert.is_true(type(err) == 'string' and #err > 0,
            f.name .. ' raised a non-message error: ' .. tostring(err))
          assert.is_nil(err:find('(null)', 1, true), f.name .. ': ' .. err)
        end
      end
    end
  end)

  it('every tensor method, on a float, an int64 and a released tensor', function()
    local names = {}
    for k, v in pairs(dc.Tensor) do
      if type(v) == 'function' then names[#names + 1] = k end
    end
    table.sort(names)
    assert.is_true(#names > 30)
    for _, name in ipairs(names) do
      for _, args in ipairs(bad_argument_lists()) do
        for _, self in ipairs{dc.tensor{{1, 2}, {3, 4}}, dc.tensor({{1}, {2}}, 'int64'), released()} do
          local ok, err = pcall(dc.Tensor[name], self, table.unpack(args, 1, 10))
          if not ok then
            assert.is_true(type(err) == 'string' and #err > 0,
              name .. ' raised a non-message error: ' .. tostring(err))
          end
        end
      end
    end
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
end)
