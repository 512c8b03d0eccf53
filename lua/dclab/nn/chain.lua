-- Where a Sequential hands runs of its layers to one oneDNN chain whose activations stay in
-- oneDNN's layout between the layers (channels-last in bf16, blocked nChw16c in fp32)
-- instead of converting to NCHW fp32 around every layer; NCHW fp32 comes in at the run's
-- start and goes out at its end. The results are the layer-by-layer ones up to rounding
-- (tested). This file is the one rule for where those conversions happen.
--  * evaluation (core.conv2d_chain_forward, core/layers/conv2d_chain.h): runs of
--    convolutions (each with the BatchNorm folded into it and the ReLU after, as Sequential
--    fuses them) and max poolings, in bf16 where the next convolution reads bf16. A layer takes
--    part by a chain_stage method (Conv2d, MaxPool2d); a run needs a convolution and two stages.
--  * training (core.conv2d_train_forward / _backward, core/layers/conv2d_train.h): runs of
--    Conv2d -> BatchNorm2d -> in-place ReLU blocks and max poolings, forward and backward, with
--    the activations and their gradients in the convolutions' precision and the weights,
--    gradients and BatchNorm statistics fp32. A layer takes part by a train_stage method; a
--    run starts with such a block.
-- A convolution takes part where all its passes run in oneDNN (core.conv2d_chains): in
-- bf16, and in fp32 on AVX-512 CPUs; elsewhere fp32 layers keep their own kernels (README,
-- "One build for both CPU families", says why).
local core = require 'dclab.core'

local chain = {}

-- The stages of the run starting at modules[i] (method: 'chain_stage' or 'train_stage', in
-- the mode training) and the position of its last module, or nil. A run's convolutions share
-- one precision (a training chain computes in one).
local function run_at(modules, i, method, training)
  local stages, j, convs, precision = {}, i, 0, nil
  while modules[j] and modules[j][method] and (modules[j].is_training == true) == training do
    local st, n = modules[j][method](modules[j])
    if not st or (st.conv and precision and st.conv.precision ~= precision) then break end
    if st.conv then convs, precision = convs + 1, st.conv.precision end
    if training and convs == 0 then break end
    stages[#stages + 1] = st
    j = j + n
  end
  if convs == 0 or (not training and #stages < 2) then return nil end
  return stages, j - 1
end

-- The evaluation run starting at modules[i]: its stages and the position of its last module,
-- or nil when none starts there.
function chain.at(modules, i)
  return run_at(modules, i, 'chain_stage', false)
end

-- The training run starting at modules[i], as chain.at.
function chain.train_at(modules, i)
  return run_at(modules, i, 'train_stage', true)
end

-- buf (a table the caller keeps per run) forgets its tensors when x's shape or the run's
-- precision changes (the saved tensor's layout depends on both).
local function fit(buf, x, stages)
  local key = table.concat(x:shape(), 'x')
  for _, st in ipairs(stages) do
    if st.conv then key = key .. ' ' .. st.conv.precision break end
  end
  if buf.key ~= key then buf.key, buf.y, buf.saved, buf.dx = key, nil, nil, nil end
end

-- Runs the evaluation stages on x into buf's output tensor and returns it.
function chain.forward(stages, x, buf)
  fit(buf, x, stages)
  buf.y = core.conv2d_chain_forward(stages, x, buf.y)
  return buf.y
end

-- Runs the training stages' forward pass on x (kept in buf for the backward pass) and
-- returns the output.
function chain.train_forward(stages, x, buf)
  fit(buf, x, stages)
  buf.y, buf.saved = core.conv2d_train_forward(stages, x, buf.y, buf.saved)
  return buf.y
end

-- The backward pass of the last train_forward on x with buf, from dy: accumulates the
-- gradients of the run's parameters; returns dL/dx when need_dx, else nil.
function chain.train_backward(stages, x, dy, buf, need_dx)
  local dx = false
  if need_dx then dx = buf.dx end
  dx = core.conv2d_train_backward(stages, x, dy, dx, buf.saved)
  if need_dx then buf.dx = dx end
  return dx
end

return chain
