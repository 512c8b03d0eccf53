/* Helpers shared by the oneDNN chains (conv2d_chain.c for inference, conv2d_train.c for
 * training): the activations' memory descriptors, reorders, and running a primitive on
 * (descriptor, pointer, argument) triples with a user scratchpad. */
#ifndef DC_DNNL_UTIL_H
#define DC_DNNL_UTIL_H

#include <dnnl.h>
#include <stddef.h>

#include "conv2d.h"
#include "pool2d.h"

/* [N, C, H, W] in dtype dt as a chain keeps it between layers: channels-last (NHWC) in a
 * chain of bf16 convolutions; oneDNN's blocked nChw16c in a chain of fp32 ones on AVX-512, the
 * layout its fp32 Winograd kernels need (plain NCHW under 16 channels: a first layer's
 * input); channels-last again in fp32 on other CPUs, where dclab chains no fp32 layers
 * (dc_conv2d_chains) but the chains' C functions may be called. */
dnnl_status_t dc_dnnl_act(dnnl_memory_desc_t *md, int64_t N, int64_t C, int64_t H, int64_t W,
                          dnnl_data_type_t dt, bool bf16_chain);

/* A reorder from one layout to another (attr: its scratchpad mode, post-ops), its scratchpad
 * descriptor into *pad. */
dnnl_status_t dc_dnnl_reorder(dnnl_engine_t e, const dnnl_memory_desc_t *from,
                              const dnnl_memory_desc_t *to, const_dnnl_primitive_attr_t attr,
                              dnnl_primitive_t *r, dnnl_memory_desc_t *pad);

/* The primitive of pd into *prim, its scratchpad descriptor into *pad. */
dnnl_status_t dc_dnnl_create(const_dnnl_primitive_desc_t pd, dnnl_primitive_t *prim,
                             dnnl_memory_desc_t *pad);

/* Runs prim on n (at most 12) (descriptor, pointer, argument) triples with its scratchpad pad
 * in buf, and waits for it. */
dnnl_status_t dc_dnnl_run(dnnl_engine_t e, dnnl_stream_t strm, dnnl_primitive_t prim,
                          const dnnl_memory_desc_t *pad, void *buf, int n,
                          const dnnl_memory_desc_t *const *md, void *const *ptr, const int *arg);

/* A reorder's run: from (at src) to (at dst). */
dnnl_status_t dc_dnnl_run_reorder(dnnl_engine_t e, dnnl_stream_t strm, dnnl_primitive_t r,
                                  const dnnl_memory_desc_t *pad, void *buf,
                                  const dnnl_memory_desc_t *from, const void *src,
                                  const dnnl_memory_desc_t *to, void *dst);

/* The geometry of a convolution (a tag, channels, kernel, stride, padding) or of a pooling (a
 * tag, window, stride, padding, ceil mode) into k, for the chains' cache keys; returns the
 * count of values written (at most 9). */
int dc_dnnl_conv_key(int64_t *k, const dc_conv2d_cfg *c);
int dc_dnnl_pool_key(int64_t *k, const dc_pool2d_cfg *c);

/* The algorithms a convolution pass computing as cfg says (cfg->bf16) tries, in order, into
 * algs; returns their count: oneDNN's Winograd first where dc_conv2d_dnnl_winograd allows it
 * (the caller falls back to the direct one where oneDNN has no Winograd kernel for the
 * layer), else the direct convolution alone. */
int dc_dnnl_conv_algs(const dc_conv2d_cfg *cfg, dnnl_alg_kind_t algs[2]);

/* The larger of m and md's size in bytes. */
size_t dc_dnnl_max_size(size_t m, const dnnl_memory_desc_t *md);

#endif
