-- Plain Lua values to text and back: checkpoint metadata (config, epoch, generator states).
--
-- Values: nil, booleans, numbers (integers stay integers and floats stay floats, inf and
-- nan included), strings (any bytes) and tables of those, keyed by strings, numbers or
-- booleans, nested at most 100 deep, without cycles. Metatables are ignored.
-- The text is a Lua table constructor, e.g. {1,2,epoch=3,lr=0.05,["a b"]=inf}, with keys in
-- a fixed order (same value, same text). decode reads it with a small recursive-descent
-- parser: it never runs code (no load), so a checkpoint's metadata cannot do anything.
--   local serialize = require 'dclab.serialize'
--   local text = serialize.encode({epoch = 3})     -- raises "serialize: ..." on a bad value
--   local v = serialize.decode(text)               -- raises "serialize: ..." on bad text
local M = {}

local MAX_DEPTH = 100

local RESERVED = {}
for w in ([[and break do else elseif end false for function goto if in local nil not or
  repeat return then true until while inf nan]]):gmatch('%a+') do
  RESERVED[w] = true
end

-- ---- encoding ----

local function number_text(x)
  if math.type(x) == 'integer' then return string.format('%d', x) end
  if x ~= x then return 'nan' end
  if x == math.huge then return 'inf' end
  if x == -math.huge then return '-inf' end
  local s = string.format('%.14g', x) -- readable, and exact for most values
  if tonumber(s) ~= x then s = string.format('%.17g', x) end -- always exact
  if not s:find('[.e]') then s = s .. '.0' end -- "3" would read back as an integer
  return s
end

-- Keys in a fixed order: numbers, then strings, then booleans.
local KEY_RANK = {number = 1, string = 2, boolean = 3}
local function key_less(a, b)
  local ra, rb = KEY_RANK[type(a)], KEY_RANK[type(b)]
  if ra ~= rb then return ra < rb end
  if ra == 3 then return not a and b end
  return a < b
end

local function key_path(path, k)
  if type(k) == 'string' and k:match('^[%a_][%w_]*$') then return path .. '.' .. k end
  return path .. '[' .. (type(k) == 'string' and string.format('%q', k) or tostring(k)) .. ']'
end

local encode_value

local function encode_table(t, path, depth, open, out)
  if depth > MAX_DEPTH then
    error(string.format('serialize: tables nested more than %d deep at %s', MAX_DEPTH, path), 0)
  end
  if open[t] then error('serialize: a table contains itself at ' .. path, 0) end
  open[t] = true
  out[#out + 1] = '{'
  local n = 0
  while rawget(t, n + 1) ~= nil do
    n = n + 1
    if n > 1 then out[#out + 1] = ',' end
    encode_value(rawget(t, n), key_path(path, n), depth, open, out)
  end
  local keys = {}
  for k in next, t do
    if not (math.type(k) == 'integer' and k >= 1 and k <= n) then
      if not KEY_RANK[type(k)] then
        error(string.format('serialize: a %s key at %s (keys are strings, numbers or booleans)',
          type(k), path), 0)
      end
      if k ~= k then error('serialize: a nan key at ' .. path, 0) end
      keys[#keys + 1] = k
    end
  end
  table.sort(keys, key_less)
  for i, k in ipairs(keys) do
    if n > 0 or i > 1 then out[#out + 1] = ',' end
    if type(k) == 'string' and k:match('^[%a_][%w_]*$') and not RESERVED[k] then
      out[#out + 1] = k
    else
      out[#out + 1] = '['
      encode_value(k, path, depth, open, out)
      out[#out + 1] = ']'
    end
    out[#out + 1] = '='
    encode_value(rawget(t, k), key_path(path, k), depth, open, out)
  end
  out[#out + 1] = '}'
  open[t] = nil
end

function encode_value(v, path, depth, open, out)
  local tv = type(v)
  if tv == 'nil' or tv == 'boolean' then
    out[#out + 1] = tostring(v)
  elseif tv == 'number' then
    out[#out + 1] = number_text(v)
  elseif tv == 'string' then
    out[#out + 1] = string.format('%q', v)
  elseif tv == 'table' then
    encode_table(v, path, depth + 1, open, out)
  else
    error(string.format('serialize: cannot store a %s at %s (only nil, booleans, numbers, ' ..
      'strings and tables)', tv, path), 0)
  end
end

-- encode(v [, root]): the text of v; root names v in error messages ('value' by default).
function M.encode(v, root)
  local out = {}
  encode_value(v, root or 'value', 0, {}, out)
  return table.concat(out)
end

-- ---- decoding ----

local ESCAPES = {a = '\a', b = '\b', f = '\f', n = '\n', r = '\r', t = '\t', v = '\v',
  ['\\'] = '\\', ['"'] = '"', ["'"] = "'", ['\n'] = '\n'}

-- decode(text): the value text describes; raises "serialize: ... at position N" otherwise.
function M.decode(s)
  if type(s) ~= 'string' then
    error('serialize: decode expects a string, got ' .. type(s), 2)
  end
  local pos = 1

  local function fail(msg)
    error(string.format('serialize: %s at position %d', msg, pos), 0)
  end

  local function skip()
    pos = s:find('[^ \t\r\n]', pos) or #s + 1
  end

  local function parse_string()
    local start, q = pos, s:sub(pos, pos)
    local function unfinished()
      pos = start
      fail('unfinished string')
    end
    pos = pos + 1
    local parts = {}
    while true do
      local i = s:find(q == '"' and '[\\\n\r"]' or "[\\\n\r']", pos)
      if not i then unfinished() end
      parts[#parts + 1] = s:sub(pos, i - 1)
      local c = s:sub(i, i)
      pos = i + 1
      if c == q then return table.concat(parts) end
      if c ~= '\\' then unfinished() end
      local e = s:sub(pos, pos)
      if ESCAPES[e] then
        parts[#parts + 1] = ESCAPES[e]
        pos = pos + 1
      elseif e == 'x' then
        local h = s:match('^%x%x', pos + 1)
        if not h then fail('bad \\x escape') end
        parts[#parts + 1] = string.char(tonumber(h, 16))
        pos = pos + 3
      elseif e == 'z' then
        pos = s:find('[^ \t\r\n\f\v]', pos + 1) or #s + 1
      elseif e:match('%d') then
        local d = s:match('^%d%d?%d?', pos)
        if tonumber(d) > 255 then fail('decimal escape too large') end
        parts[#parts + 1] = string.char(tonumber(d))
        pos = pos + #d
      elseif e == 'u' then
        local h = s:match('^{(%x+)}', pos + 1)
        if not h or #h > 8 or tonumber(h, 16) > 0x7FFFFFFF then fail('bad \\u escape') end
        parts[#parts + 1] = utf8.char(tonumber(h, 16))
        pos = pos + #h + 3
      else
        fail('invalid escape \\' .. e)
      end
    end
  end

  local parse_value

  local function parse_table(depth)
    if depth > MAX_DEPTH then fail(string.format('tables nested more than %d deep', MAX_DEPTH)) end
    pos = pos + 1 -- '{'
    local t, n = {}, 0
    while true do
      skip()
      if s:sub(pos, pos) == '}' then break end
      local name = s:match('^[%a_][%w_]*', pos)
      local after = name and s:match('^%s*()=[^=]', pos + #name)
      if s:sub(pos, pos) == '[' then
        pos = pos + 1
        local k = parse_value(depth)
        if k == nil or k ~= k then fail('a nil or nan key') end
        skip()
        if s:sub(pos, pos) ~= ']' then fail("expected ']'") end
        pos = pos + 1
        skip()
        if s:sub(pos, pos) ~= '=' then fail("expected '='") end
        pos = pos + 1
        t[k] = parse_value(depth)
      elseif name and after and not RESERVED[name] then
        pos = after + 1
        t[name] = parse_value(depth)
      else
        n = n + 1
        t[n] = parse_value(depth)
      end
      skip()
      local sep = s:sub(pos, pos)
      if sep == ',' or sep == ';' then
        pos = pos + 1
      elseif sep == '}' then
        break
      else
        fail("expected ',' or '}'")
      end
    end
    pos = pos + 1 -- '}'
    return t
  end

  local WORDS = {['true'] = true, ['false'] = false, inf = math.huge, nan = 0 / 0}

  function parse_value(depth)
    skip()
    local c = s:sub(pos, pos)
    if c == '{' then return parse_table(depth + 1) end
    if c == '"' or c == "'" then return parse_string() end
    if s:sub(pos, pos + 3) == '-inf' then
      pos = pos + 4
      return -math.huge
    end
    local word = s:match('^[%a_][%w_]*', pos)
    if word then
      if word == 'nil' then
        pos = pos + 3
        return nil
      end
      if WORDS[word] == nil then fail(string.format("unexpected name '%s'", word)) end
      pos = pos + #word
      return WORDS[word]
    end
    local num = s:match('^-?%d[%d.]*[eE][-+]?%d+', pos) or s:match('^-?%d[%d.]*', pos)
    local v = num and tonumber(num)
    if not v then fail(c == '' and 'expected a value, found the end' or
      string.format("unexpected '%s'", c)) end
    pos = pos + #num
    return v
  end

  local v = parse_value(0)
  skip()
  if pos <= #s then fail('unexpected text after the value') end
  return v
end

return M
