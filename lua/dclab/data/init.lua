-- dc.data: datasets (Fashion-MNIST from IDX, JPEG folders), subsets, JPEG export and the
-- threaded loader. The hot paths (reading, decoding, transforming, batching) are C.
return function(dc, core)
  local Dataset = require('dclab.data.dataset')(dc, core)
  local Loader = require('dclab.data.loader')(dc, core)
  local fashion_mnist, fashion_mnist_transforms = require('dclab.data.fashion_mnist')(dc, core, Dataset)
  local data = {
    read_idx = core.read_idx,
    fashion_mnist = fashion_mnist,
    fashion_mnist_transforms = fashion_mnist_transforms,
    image_folder = require('dclab.data.image_folder')(dc, core, Dataset),
    export_jpeg = require('dclab.data.export')(dc, core),
    Dataset = Dataset,
    Loader = Loader,
  }

  -- dc.data.tensor_dataset(images [, labels [, classes]]): a dataset over uint8 images
  -- [N, C, H, W] (C = 1 or 3) with optional int64 labels 1..k.
  function data.tensor_dataset(images, labels, classes)
    return Dataset.new({images = images, labels = labels}, {classes = classes, name = 'tensors'})
  end

  function data.subset(ds, arg)
    if getmetatable(ds) ~= Dataset then error('subset: argument 1 must be a dataset', 2) end
    return ds:subset(arg)
  end
  function data.loader(ds, opts) return Loader.new(ds, opts) end
  -- live loader worker threads in the process (0 when every loader is idle or closed)
  data.threads_alive = core.loader_threads

  dc.data = data
  return data
end
