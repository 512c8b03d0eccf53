-- Learning-rate schedules: functions t -> lr of the epoch (or step) t = 1, 2, ...
--   constant{lr = 0.05}                        the paper's
--   step{lr = 0.1, step = 30, gamma = 0.1}     lr * gamma ^ floor((t - 1) / step)
--   cosine{lr = 0.1, total = 100, min = 0}     min + (lr - min) * (1 + cos(pi (t-1) / total)) / 2
--   warmup_cosine{lr = 4.8, total = 400, warmup = 10, start = 0.3, final = 0.0048, cosine = true}
--       DeepCluster-v2's and SwAV's: linear from start to lr over the first warmup epochs, then
--       cosine from lr down to final over the rest (constant lr when cosine = false)
-- Use: opt:set_lr(sched(epoch)).
local options = require 'dclab.options'

local schedule = {}

local RATE = {type = 'number', min = 0, required = true}

local function check_t(fname, t)
  if math.type(t) ~= 'integer' or t < 1 then
    error(string.format('%s: t must be an integer >= 1, got %s', fname, tostring(t)), 3)
  end
end

function schedule.constant(opt)
  local o = options.check('schedule.constant', opt, {lr = RATE}, 2)
  return function(t)
    check_t('schedule.constant', t)
    return o.lr
  end
end

function schedule.step(opt)
  local o = options.check('schedule.step', opt, {lr = RATE,
    step = {type = 'integer', min = 1, required = true},
    gamma = {type = 'number', min = 0, default = 0.1}}, 2)
  return function(t)
    check_t('schedule.step', t)
    return o.lr * o.gamma ^ ((t - 1) // o.step)
  end
end

function schedule.cosine(opt)
  local o = options.check('schedule.cosine', opt, {lr = RATE,
    total = {type = 'integer', min = 1, required = true},
    min = {type = 'number', min = 0, default = 0}}, 2)
  return function(t)
    check_t('schedule.cosine', t)
    local f = math.min(t - 1, o.total) / o.total
    return o.min + (o.lr - o.min) * (1 + math.cos(math.pi * f)) / 2
  end
end

function schedule.warmup_cosine(opt)
  local o = options.check('schedule.warmup_cosine', opt, {lr = RATE,
    total = {type = 'integer', min = 1, required = true},
    warmup = {type = 'integer', min = 0, default = 0},
    start = {type = 'number', min = 0, default = 0},
    final = {type = 'number', min = 0, default = 0},
    cosine = {type = 'boolean', default = true}}, 2)
  if o.warmup >= o.total then
    error(string.format('schedule.warmup_cosine: warmup (%d) must be shorter than total (%d)',
      o.warmup, o.total), 2)
  end
  return function(t)
    check_t('schedule.warmup_cosine', t)
    if t <= o.warmup then return o.start + (o.lr - o.start) * (t - 1) / o.warmup end
    if not o.cosine then return o.lr end
    local f = math.min(t - o.warmup - 1, o.total - o.warmup) / (o.total - o.warmup)
    return o.final + (o.lr - o.final) * (1 + math.cos(math.pi * f)) / 2
  end
end

return schedule
