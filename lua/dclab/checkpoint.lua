-- Checkpoints: a model's state and its optimizers' state in one named-tensor archive, written
-- atomically (dc.save), plus export of a model's weights as .npy files for numpy.
--
--   dc.checkpoint.save(path, {model = net, optim = opt_or_list, meta = {epoch = 3}})
--   local meta = dc.checkpoint.load(path, {model = net, optim = opt_or_list, strict = true})
--   dc.checkpoint.export_npy(dir, net)      -- dir/<state name>.npy, dir must exist
--
-- Names in the archive: 'model.<state name>' ('model.features.1.weight') and
-- 'optim.<o>.<g>.<i>' for the momentum buffer of parameter i of group g of optimizer o; the
-- optimizer settings and the caller's meta go in the archive's metadata. Activations and
-- workspaces are never saved. With strict = false, entries the model lacks (a DeepCluster
-- top layer that will be re-created) are ignored, and missing ones keep their values.
local options = require 'dclab.options'

return function(dc)
  local checkpoint = {}

  local function optim_list(o)
    if o == nil then return {} end
    if type(o) == 'table' and o.groups then return {o} end
    if type(o) ~= 'table' then
      error('checkpoint: optim must be an optimizer or a list of them, got ' .. type(o), 3)
    end
    return o
  end

  local function check_args(fname, path, opt)
    if type(path) ~= 'string' then
      error(string.format('checkpoint.%s: path must be a string, got %s', fname, type(path)), 3)
    end
    if type(opt) ~= 'table' then
      error(string.format('checkpoint.%s: expected an options table {model =, optim =, ...}, got %s',
        fname, type(opt)), 3)
    end
    options.check('checkpoint.' .. fname, opt, fname == 'save' and {model = true, optim = true,
      meta = true} or {model = true, optim = true, strict = true}, 3)
    if opt.model ~= nil and not dc.nn.is_module(opt.model) then
      error(string.format('checkpoint.%s: model must be a module, got %s', fname, type(opt.model)), 3)
    end
  end

  function checkpoint.save(path, opt)
    check_args('save', path, opt)
    local tensors, optims = {}, {}
    if opt.model then
      for name, t in pairs(opt.model:state()) do tensors['model.' .. name] = t end
    end
    for oi, o in ipairs(optim_list(opt.optim)) do
      local s = o:state()
      local settings = {steps = s.steps, groups = {}}
      for gi, g in ipairs(s.groups) do
        local e = {}
        for k, v in pairs(g) do
          if k ~= 'momentum_buffers' then e[k] = v end
        end
        settings.groups[gi] = e
        for i, b in pairs(g.momentum_buffers) do
          tensors[string.format('optim.%d.%d.%d', oi, gi, i)] = b
        end
      end
      optims[oi] = settings
    end
    dc.save(path, tensors, {meta = opt.meta, optim = optims})
  end

  -- Restores what opt names from the checkpoint at path; returns the saved meta.
  -- A copy of a state value: tensors cloned, tables copied deeply.
  local function copy(v)
    if dc.is_tensor(v) then return v:clone() end
    if type(v) ~= 'table' then return v end
    local c = {}
    for k, x in pairs(v) do c[k] = copy(x) end
    return c
  end

  -- Loads everything or nothing: on any error (a shape or name that does not fit, a wrong
  -- number of optimizers) the model and optimizers are put back as they were.
  function checkpoint.load(path, opt)
    check_args('load', path, opt)
    local tensors, saved = dc.load(path)
    saved = type(saved) == 'table' and saved or {}
    local list = optim_list(opt.optim)
    local settings = saved.optim or {}
    if #list ~= #settings and #list > 0 then
      error(string.format("checkpoint.load: '%s' holds %d optimizers, %d given", path, #settings,
        #list), 2)
    end
    local before = {model = opt.model and copy(opt.model:state()), optim = {}}
    for oi, o in ipairs(list) do before.optim[oi] = copy(o:state()) end
    local ok, err = pcall(function()
      if opt.model then
        local state = {}
        for name, t in pairs(tensors) do
          local rest = name:match('^model%.(.+)$')
          if rest then state[rest] = t end
        end
        opt.model:load_state(state, {strict = opt.strict ~= false})
      end
      for oi, o in ipairs(list) do
        local s = {steps = settings[oi].steps, groups = {}}
        for gi, g in ipairs(settings[oi].groups or {}) do
          local e = {momentum_buffers = {}}
          for k, v in pairs(g) do e[k] = v end
          s.groups[gi] = e
        end
        for name, t in pairs(tensors) do
          local a, g, i = name:match('^optim%.(%d+)%.(%d+)%.(%d+)$')
          if tonumber(a) == oi and s.groups[tonumber(g)] then
            s.groups[tonumber(g)].momentum_buffers[tonumber(i)] = t
          end
        end
        o:load_state(s)
      end
    end)
    if not ok then
      if opt.model then opt.model:load_state(before.model, {strict = false}) end
      for oi, o in ipairs(list) do o:load_state(before.optim[oi]) end
      error(err, 2)
    end
    return saved.meta
  end

  -- One .npy per state entry of model: numpy.load(dir + '/features.1.weight.npy').
  function checkpoint.export_npy(dir, model)
    if type(dir) ~= 'string' then
      error('checkpoint.export_npy: dir must be a string, got ' .. type(dir), 2)
    end
    if not dc.nn.is_module(model) then
      error('checkpoint.export_npy: model must be a module, got ' .. type(model), 2)
    end
    local names = {}
    for name, t in pairs(model:state()) do
      dc.save_npy(dir .. '/' .. name .. '.npy', t)
      names[#names + 1] = name
    end
    table.sort(names)
    return names
  end

  return checkpoint
end
