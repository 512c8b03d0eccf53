-- Methods that say so when they are called without their object.
--
--   class.check_self(Conv2d, 'Conv2d')
--
-- replaces every function of the class table whose first parameter is `self` (the methods
-- defined with `function Conv2d:name(...)`) by one that first checks that self is the class,
-- a subclass or an instance of either, then tail-calls the method (tracebacks keep its frame,
-- and its error levels stay counted from the caller); methods added to the class later are
-- wrapped as they are defined. So `m.forward(x)` written for `m:forward(x)`, or
-- `Conv2d.forward(nil)`, raises "Conv2d:forward: called on a dclab.Tensor, not a Conv2d
-- (write x:forward(...), with a colon)" instead of failing inside on "attempt to index a nil
-- value (local 'self')".
-- Instances and subclasses link to their class through their metatable's __index (a table),
-- or through the metatable itself when __index is a function.
local class = {}

-- The next table up the class chain of v, or nil.
local function up(v)
  local mt = getmetatable(v)
  if type(mt) ~= 'table' then return nil end
  local index = rawget(mt, '__index')
  local nxt = type(index) == 'table' and index ~= v and index or mt
  return nxt ~= v and nxt or nil
end

-- True when v is cls, or reaches it up the chain (a subclass, or an instance of either).
local function descends(v, cls)
  while type(v) == 'table' do
    if v == cls then return true end
    v = up(v)
  end
  return false
end

local function what(v)
  local mt = getmetatable(v)
  local name = type(mt) == 'table' and rawget(mt, '__name')
  return type(name) == 'string' and 'a ' .. name or type(v) == 'nil' and 'nil' or 'a ' .. type(v)
end

-- the wrappers made here: a method inherited by assignment (Sub.__call = Parent.__call) is
-- not wrapped twice
local wrappers = setmetatable({}, {__mode = 'k'})

local function is_method(f)
  return type(f) == 'function' and not wrappers[f] and debug.getinfo(f, 'S').what == 'Lua' and
    debug.getlocal(f, 1) == 'self'
end

-- A method f of cls that checks its self first. accepted: the metatables of the selves
-- already found to descend from cls (a weak set), so that after the first call on each
-- class the check is one table lookup (the wrapper's call and the lookup cost about 0.25 us
-- per method call: nothing next to a layer's forward or backward).
local function checked(cls, label, key, f, accepted)
  local function method(self, ...)
    if not accepted[getmetatable(self)] then
      if not descends(self, cls) then
        error(string.format('%s:%s: called on %s, not a %s (write x:%s(...), with a colon)',
          label, key, what(self), label, key), 2)
      end
      accepted[getmetatable(self)] = true
    end
    return f(self, ...)
  end
  wrappers[method] = true
  return method
end

class.is_a = descends

function class.check_self(cls, label)
  local accepted = setmetatable({}, {__mode = 'k'})
  for k, f in pairs(cls) do
    if type(k) == 'string' and is_method(f) then
      rawset(cls, k, checked(cls, label, k, f, accepted))
    end
  end
  local mt = getmetatable(cls)
  if mt == nil then
    mt = {}
    setmetatable(cls, mt)
  end
  mt.__newindex = function(t, k, v)
    if type(k) == 'string' and is_method(v) then v = checked(cls, label, k, v, accepted) end
    rawset(t, k, v)
  end
  return cls
end

return class
