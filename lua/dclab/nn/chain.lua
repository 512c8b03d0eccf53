-- Where a Sequential in evaluation hands runs of its layers to one oneDNN inference chain
-- (core.conv2d_chain_forward, core/layers/conv2d_chain.h): a run of convolutions computing in
-- bf16 (each with the BatchNorm folded into it and the ReLU after, as Sequential fuses them)
-- and max poolings keeps its activations channels-last, in bf16 where the next convolution
-- reads bf16, instead of converting to NCHW fp32 around every layer; NCHW fp32 comes in at
-- the run's start and out at its end. The results are the layer-by-layer ones (tested).
-- This file is the one rule for where those conversions happen: a layer takes part by a
-- chain_stage method (Conv2d, MaxPool2d); a run needs a convolution and two stages.
local core = require 'dclab.core'

local chain = {}

-- The run starting at modules[i] in evaluation: its stages and the position of its last
-- module, or nil when none starts there.
function chain.at(modules, i)
  local stages, j, convs = {}, i, 0
  while modules[j] and modules[j].chain_stage and not modules[j].is_training do
    local st, n = modules[j]:chain_stage()
    if not st then break end
    stages[#stages + 1] = st
    if st.conv then convs = convs + 1 end
    j = j + n
  end
  if convs == 0 or #stages < 2 then return nil end
  return stages, j - 1
end

-- Runs the stages on x into buf (a table the caller keeps per run: the output tensor is
-- reused while x's shape stays the same) and returns the output.
function chain.forward(stages, x, buf)
  local key = table.concat(x:shape(), 'x')
  if buf.key ~= key then buf.key, buf.y = key, nil end
  buf.y = core.conv2d_chain_forward(stages, x, buf.y)
  return buf.y
end

return chain
