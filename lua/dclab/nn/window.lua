-- How Conv2d and the pooling layers print their window geometry: a size is one number when
-- height and width agree, else HxW; options(c, sh, sw) lists ', stride', ', pad' and ', ceil'
-- of a core conv2d/pool2d cfg c, each only when it differs from its default (stride sh, sw).
local window = {}

function window.pair(h, w)
  return h == w and tostring(h) or (h .. 'x' .. w)
end

function window.options(c, sh, sw)
  local s = ''
  if c.sh ~= sh or c.sw ~= sw then s = s .. ', stride ' .. window.pair(c.sh, c.sw) end
  if c.ph ~= 0 or c.pw ~= 0 then s = s .. ', pad ' .. window.pair(c.ph, c.pw) end
  if c.ceil_mode then s = s .. ', ceil' end
  return s
end

return window
