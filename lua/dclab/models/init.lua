-- dc.models: the DeepCluster networks, each split into sobel / features / classifier /
-- top_layer (see Net.lua), and the autoencoder of the search (autoencoder.lua).
return {
  Net = require 'dclab.models.Net',
  small = require 'dclab.models.small',
  alexnet = require 'dclab.models.alexnet',
  vgg16 = require 'dclab.models.vgg16',
  projection = require 'dclab.models.projection',
  Autoencoder = require 'dclab.models.autoencoder',
  autoencoder = require('dclab.models.autoencoder')._build,
}
