-- Benchmark of the loader on Fashion-MNIST (60k training images, tensor source), one worker
-- thread, CPU time of the whole process per pass (os.clock; a busy shared machine disturbs it
-- far less than wall-clock time), the median of ROUNDS passes:
--   single: RandomResizedCrop(28) + RandomHorizontalFlip + Normalize (one transform)
--   views:  multi-crop, 2 x RandomResizedCrop(28) + 4 x RandomResizedCrop(16, scale (0.05,
--           0.4)), each + RandomHorizontalFlip + Normalize (SwAV's recipe scaled to 28 px)
--   strong: single + RandomAffine(10, translate 0.1, scale 0.9-1.1) + RandomApply(ColorJitter
--           0.4, 0.4, p 0.8) + RandomApply(GaussianBlur(3), p 0.5) + RandomErasing
--   ./dclab experiments/bench/loader.lua [ROUNDS = 3] [CASES = single,views,strong]
local dc = require 'dclab'
local median = dofile('experiments/bench/shared.lua').median
local T = dc.transforms

local ROUNDS = tonumber(arg and arg[1]) or 3
local CASES = arg and arg[2] or 'single,views,strong'
local ds = dc.data.fashion_mnist{split = 'train'}
local norm = T.Normalize({0.286}, {0.353})
local function crop(size, scale)
  return T.compose{T.RandomResizedCrop(size, {scale = scale}), T.RandomHorizontalFlip(), norm}
end
local cases = {
  single = {transform = crop(28, {0.14, 1})},
  views = {views = {crop(28, {0.14, 1}), crop(28, {0.14, 1}), crop(16, {0.05, 0.4}),
    crop(16, {0.05, 0.4}), crop(16, {0.05, 0.4}), crop(16, {0.05, 0.4})}},
  strong = {transform = T.compose{T.RandomResizedCrop(28, {scale = {0.14, 1}}),
    T.RandomHorizontalFlip(), T.RandomAffine(10, {translate = {0.1, 0.1}, scale = {0.9, 1.1}}),
    T.RandomApply(T.ColorJitter{brightness = 0.4, contrast = 0.4}, 0.8),
    T.RandomApply(T.GaussianBlur(3), 0.5), norm, T.RandomErasing()}},
}
for name in CASES:gmatch('[^,]+') do
  local opts = assert(cases[name], 'unknown case ' .. name)
  opts.batch, opts.threads, opts.seed = 256, 1, 1
  local loader = dc.data.loader(ds, opts)
  local times = {}
  for r = 0, ROUNDS do -- round 0 is untimed
    loader:reset{epoch = r + 1}
    local t0 = os.clock()
    for _ in loader do end
    if r > 0 then times[#times + 1] = os.clock() - t0 end
  end
  local t, rounds = median(times), {}
  for i, v in ipairs(times) do rounds[i] = string.format('%.3f', v) end
  print(string.format('%-7s %6.0f images/s of CPU (%.3f s per pass of %d; rounds %s)', name,
    #ds / t, t, #ds, table.concat(rounds, ' ')))
  loader:close()
end
