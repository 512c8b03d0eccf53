-- Folders of JPEG files: dc.data.image_folder{root = dir, layout = 'auto' | 'classes' |
-- 'flat', list = file, gray = false, on_error = 'skip' | 'error'}.
--   'classes': one subfolder per class, labels from the sorted folder names (torchvision's
--   ImageFolder); 'flat': every JPEG under root, no labels; 'auto': classes when root has
--   subfolders. list: a text file of paths (relative to root), each optionally followed by
--   a tab and a class name.
local options = require 'dclab.options'

return function(dc, core, Dataset)
  return function(opts)
    opts = options.check('image_folder', opts, {root = true, layout = true, list = true, gray = true,
      on_error = true})
    if opts.root == nil and opts.list == nil then
      error('image_folder: root or list is required', 2)
    end
    local policy = opts.on_error or 'skip'
    if policy ~= 'skip' and policy ~= 'error' then
      error("image_folder: on_error must be 'skip' or 'error', got " .. tostring(policy), 2)
    end
    local files
    if opts.list then
      files = core.filelist_read(opts.list, opts.root)
    else
      files = core.folder_scan(opts.root, opts.layout or 'auto')
    end
    return Dataset.new({files = files, labels = files:labels(), gray = opts.gray == true},
      {classes = files:classes(), name = 'image_folder ' .. (opts.root or opts.list),
       on_error = policy})
  end
end
