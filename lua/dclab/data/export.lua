-- dc.data.export_jpeg(ds, dir, {quality = 95, size = n | {h, w}}): the dataset as a JPEG
-- class-folder tree, dir/<01_T-shirt_top>/<00001>.jpg: folder names start with the 1-based
-- label so that image_folder{root = dir} gives the same labels back, and file names with the
-- position, so the same order. Unlabelled datasets go flat. Returns the number of files.
local options = require 'dclab.options'

return function(dc, core)
  return function(ds, dir, opts)
    if type(ds) ~= 'table' or ds.desc == nil then
      error('export_jpeg: argument 1 must be a dataset', 2)
    end
    if type(dir) ~= 'string' then error('export_jpeg: argument 2 must be a folder path', 2) end
    opts = options.check('export_jpeg', opts, {quality = true, size = true})
    local class_dirs
    if ds.labels then
      local k = ds.classes and #ds.classes or ds.labels:max():item()
      local width = #tostring(k)
      class_dirs = {}
      for c = 1, k do
        local name = ds.classes and ds.classes[c] or ''
        name = name:gsub('[^%w%-%.]+', '_')
        class_dirs[c] = string.format('%0' .. width .. 'd', c) .. (name ~= '' and '_' .. name or '')
      end
    end
    local tf = opts.size and dc.transforms.Resize(opts.size)
    return core.export_jpeg(ds.desc, dir, {quality = opts.quality or 95,
      transform = tf and tf:spec(), class_dirs = class_dirs})
  end
end
