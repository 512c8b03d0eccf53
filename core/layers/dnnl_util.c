/* oneDNN helpers of the chains (see dnnl_util.h). */
#include "dnnl_util.h"

#include <string.h>

#include "conv2d_dnnl.h"

#define RUN_MAX 12

dnnl_status_t dc_dnnl_act(dnnl_memory_desc_t *md, int64_t N, int64_t C, int64_t H, int64_t W,
                          dnnl_data_type_t dt, bool bf16_chain)
{
    const dnnl_dims_t d = {N, C, H, W};
    /* only AVX-512 kernels take nChw16c: others would fall back to reference code */
    const bool blocked = !bf16_chain && dnnl_get_effective_cpu_isa() >= dnnl_cpu_isa_avx512_core;
    return dnnl_memory_desc_init_by_tag(md, 4, d, dt,
                                        !blocked ? dnnl_acdb : C < 16 ? dnnl_abcd : dnnl_aBcd16b);
}

dnnl_status_t dc_dnnl_create(const_dnnl_primitive_desc_t pd, dnnl_primitive_t *prim,
                             dnnl_memory_desc_t *pad)
{
    dnnl_status_t s = dnnl_primitive_create(prim, pd);
    if (s == dnnl_success) *pad = *dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
    return s;
}

dnnl_status_t dc_dnnl_reorder(dnnl_engine_t e, const dnnl_memory_desc_t *from,
                              const dnnl_memory_desc_t *to, const_dnnl_primitive_attr_t attr,
                              dnnl_primitive_t *r, dnnl_memory_desc_t *pad)
{
    dnnl_primitive_desc_t pd = NULL;
    dnnl_status_t s = dnnl_reorder_primitive_desc_create(&pd, from, e, to, e, attr);
    if (s == dnnl_success) s = dc_dnnl_create(pd, r, pad);
    if (pd) dnnl_primitive_desc_destroy(pd);
    return s;
}

dnnl_status_t dc_dnnl_run(dnnl_engine_t e, dnnl_stream_t strm, dnnl_primitive_t prim,
                          const dnnl_memory_desc_t *pad, void *buf, int n,
                          const dnnl_memory_desc_t *const *md, void *const *ptr, const int *arg)
{
    dnnl_memory_t m[RUN_MAX + 1] = {NULL};
    dnnl_exec_arg_t args[RUN_MAX + 1];
    dnnl_status_t r = n <= RUN_MAX ? dnnl_success : dnnl_invalid_arguments;
    int k = 0;
    for (int i = 0; i < n && r == dnnl_success; i++, k++) {
        r = dnnl_memory_create(&m[k], md[i], e, ptr[i]);
        args[k] = (dnnl_exec_arg_t){arg[i], m[k]};
    }
    if (r == dnnl_success && dnnl_memory_desc_get_size(pad) > 0) {
        r = dnnl_memory_create(&m[k], pad, e, buf);
        args[k] = (dnnl_exec_arg_t){DNNL_ARG_SCRATCHPAD, m[k]};
        k++;
    }
    if (r == dnnl_success) r = dnnl_primitive_execute(prim, strm, k, args);
    if (r == dnnl_success) r = dnnl_stream_wait(strm);
    for (int i = 0; i <= RUN_MAX; i++)
        if (m[i]) dnnl_memory_destroy(m[i]);
    return r;
}

dnnl_status_t dc_dnnl_run_reorder(dnnl_engine_t e, dnnl_stream_t strm, dnnl_primitive_t r,
                                  const dnnl_memory_desc_t *pad, void *buf,
                                  const dnnl_memory_desc_t *from, const void *src,
                                  const dnnl_memory_desc_t *to, void *dst)
{
    return dc_dnnl_run(e, strm, r, pad, buf, 2, (const dnnl_memory_desc_t *const[]){from, to},
                       (void *const[]){(void *)src, dst}, (const int[]){DNNL_ARG_FROM, DNNL_ARG_TO});
}

size_t dc_dnnl_max_size(size_t m, const dnnl_memory_desc_t *md)
{
    const size_t b = dnnl_memory_desc_get_size(md);
    return b > m ? b : m;
}

int dc_dnnl_conv_key(int64_t *k, const dc_conv2d_cfg *c)
{
    const int64_t v[] = {1, c->in_ch, c->out_ch, c->kh, c->kw, c->sh, c->sw, c->ph, c->pw};
    memcpy(k, v, sizeof v);
    return (int)(sizeof v / sizeof *v);
}

int dc_dnnl_pool_key(int64_t *k, const dc_pool2d_cfg *c)
{
    const int64_t v[] = {2, c->kh, c->kw, c->sh, c->sw, c->ph, c->pw, c->ceil_mode};
    memcpy(k, v, sizeof v);
    return (int)(sizeof v / sizeof *v);
}

int dc_dnnl_conv_algs(const dc_conv2d_cfg *cfg, dnnl_alg_kind_t algs[2])
{
    int n = 0;
    if (dc_conv2d_dnnl_winograd(cfg)) algs[n++] = dnnl_convolution_winograd;
    algs[n++] = dnnl_convolution_direct;
    return n;
}
