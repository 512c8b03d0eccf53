-- Saving and loading tensors: .npy files (numpy reads and writes them) and checkpoint
-- archives (several named tensors plus a metadata table, written atomically, refused whole
-- when damaged). Files that cannot be read raise an error naming the path and the reason.
--   dc.save_npy('x.npy', t); local t = dc.load_npy('x.npy')
--   dc.save('run/checkpoint.bin', {['conv1.weight'] = w}, {epoch = 3, rng = g:state()})
--   local tensors, meta = dc.load('run/checkpoint.bin')
--   dc.save('net.bin', model); dc.load('net.bin', model)   -- a module's state
return function(dc, core)
  local serialize = require 'dclab.serialize'

  local function check_path(fname, path)
    if type(path) ~= 'string' then
      error(string.format('%s: path must be a string, got %s', fname, type(path)), 3)
    end
  end

  -- dc.save_npy(path, t): float32 -> '<f4', int64 -> '<i8', uint8 -> '|u1'
  function dc.save_npy(path, t)
    check_path('save_npy', path)
    if not core.is_tensor(t) then
      error(string.format('save_npy: expected a dclab.Tensor, got %s', type(t)), 2)
    end
    core.save_npy(path, t)
  end

  -- dc.load_npy(path) -> tensor; also reads '<f8' (as float32), '<i4' (as int64) and '|b1'
  -- (as uint8), in C or Fortran order
  function dc.load_npy(path)
    check_path('load_npy', path)
    local t = core.load_npy(path)
    return t
  end

  local function is_module(v)
    return type(v) == 'table' and type(v.state) == 'function'
      and type(v.load_state) == 'function'
  end

  -- dc.save(path, tensors, meta): tensors maps names (strings) to tensors, or is a module
  -- (its state() is saved); meta is a plain value (see dclab.serialize), typically a table.
  function dc.save(path, tensors, meta)
    check_path('save', path)
    if is_module(tensors) then tensors = tensors:state() end
    if type(tensors) ~= 'table' then
      error(string.format('save: tensors must be a table {name = tensor} or a module, got %s',
        type(tensors)), 2)
    end
    local names = {}
    for k, v in pairs(tensors) do
      if type(k) ~= 'string' then
        error(string.format('save: tensor names must be strings, got the %s key %s', type(k),
          tostring(k)), 2)
      end
      if k:find('\0', 1, true) then
        error(string.format('save: tensor name %q contains a NUL byte', k), 2)
      end
      if not core.is_tensor(v) then
        error(string.format("save: tensors['%s'] is a %s, not a dclab.Tensor", k, type(v)), 2)
      end
      names[#names + 1] = k
    end
    table.sort(names)
    local list = {}
    for i, k in ipairs(names) do list[i] = tensors[k] end
    local ok, text = pcall(serialize.encode, meta, 'meta')
    if not ok then error('save: ' .. (text:gsub('^serialize: ', '')), 2) end
    core.archive_save(path, names, list, text)
  end

  -- dc.load(path) -> tensors (name -> tensor), meta; dc.load(path, module) -> module, meta
  -- after module:load_state(tensors) (strict: every entry present, none unknown, same shapes).
  function dc.load(path, module)
    check_path('load', path)
    if module ~= nil and not is_module(module) then
      error(string.format('load: argument 2 must be a module, got %s', type(module)), 2)
    end
    local tensors, text = core.archive_load(path)
    local ok, meta = pcall(serialize.decode, text)
    if not ok then
      error(string.format("load: '%s': unreadable metadata: %s", path, meta), 2)
    end
    if module then
      local loaded, err = pcall(module.load_state, module, tensors)
      if not loaded then error(string.format("load: '%s': %s", path, err), 2) end
      return module, meta
    end
    return tensors, meta
  end
end
