-- Learning-rate schedules: functions t -> lr of the epoch (or step) t = 1, 2, ...
--   constant{lr = 0.05}                        the paper's
--   step{lr = 0.1, step = 30, gamma = 0.1}     lr * gamma ^ floor((t - 1) / step)
--   cosine{lr = 0.1, total = 100, min = 0}     min + (lr - min) * (1 + cos(pi (t-1) / total)) / 2
-- Use: opt:set_lr(sched(epoch)).
local schedule = {}

local function options(fname, opt, spec)
  if type(opt) ~= 'table' then
    error(string.format('%s: expected an options table, got %s', fname, type(opt)), 3)
  end
  for k in pairs(opt) do
    if spec[k] == nil then
      local names = {}
      for n in pairs(spec) do names[#names + 1] = n end
      table.sort(names)
      error(string.format("%s: unknown option '%s' (valid: %s)", fname, tostring(k),
        table.concat(names, ', ')), 3)
    end
  end
  local o = {}
  for k, default in pairs(spec) do
    local v = opt[k]
    if v == nil then v = default end
    if v == false or type(v) ~= 'number' or v < 0 then
      error(string.format("%s: option '%s' must be a number >= 0, got %s", fname, k, tostring(opt[k])), 3)
    end
    o[k] = v
  end
  return o
end

local function check_t(fname, t)
  if math.type(t) ~= 'integer' or t < 1 then
    error(string.format('%s: t must be an integer >= 1, got %s', fname, tostring(t)), 3)
  end
end

function schedule.constant(opt)
  local o = options('schedule.constant', opt, {lr = false})
  return function(t)
    check_t('schedule.constant', t)
    return o.lr
  end
end

function schedule.step(opt)
  local o = options('schedule.step', opt, {lr = false, step = false, gamma = 0.1})
  if math.type(o.step) ~= 'integer' or o.step < 1 then
    error('schedule.step: option step must be an integer >= 1', 2)
  end
  return function(t)
    check_t('schedule.step', t)
    return o.lr * o.gamma ^ ((t - 1) // o.step)
  end
end

function schedule.cosine(opt)
  local o = options('schedule.cosine', opt, {lr = false, total = false, min = 0})
  if math.type(o.total) ~= 'integer' or o.total < 1 then
    error('schedule.cosine: option total must be an integer >= 1', 2)
  end
  return function(t)
    check_t('schedule.cosine', t)
    local f = math.min(t - 1, o.total) / o.total
    return o.min + (o.lr - o.min) * (1 + math.cos(math.pi * f)) / 2
  end
end

return schedule
