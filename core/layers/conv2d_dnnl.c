/* oneDNN convolution bodies (see conv2d_dnnl.h).
 *
 * Every pass is one oneDNN convolution with three tensors: two inputs and one output
 *   forward:         src = x,  weights = w   -> dst = y   (+ bias)
 *   backward data:   diff_dst = dy, weights = w -> diff_src = dx
 *   backward weights: src = x, diff_dst = dy  -> diff_weights (then dw += scale * it)
 * (in bf16 the two inputs are bfloat16, the output fp32: the reorders convert)
 * created with format "any", so oneDNN picks the layouts its fastest kernel wants (blocked
 * nChw16c / OIhw16i16o on AVX-512); reorders from and to dclab's NCHW / OIHW run around it
 * when they differ, into per-thread scratch slots 4-7. A shape's primitives, reorders and
 * memory objects are built on its first call and kept (up to CACHE_MAX shapes); the cache's
 * mutex is held while a pass runs, since the cached memory objects
 * get this call's pointers. */
#include "conv2d_dnnl.h"

#include <dnnl.h>
#include <pthread.h>
#include <stdlib.h>

#include "../parallel.h"
#include "scratch.h"

/* scratch slots of the reordered tensors (0-3 belong to im2col and Winograd) */
#define SLOT0 4
#define PAR_MIN 32768

enum { FWD, BWD_DATA, BWD_W, FWD_RELU, NKEY = 15 };

typedef struct dprim {
    struct dprim *next;
    int64_t key[NKEY];
    dnnl_primitive_t conv;
    dnnl_primitive_t reorder[3];   /* inputs 0, 1: plain -> conv layout; 2: conv -> plain */
    dnnl_memory_t user[3], inner[3], bias;
    size_t inner_floats[3];
    int arg[3];                    /* DNNL_ARG_* of the three tensors */
} dprim;

static dnnl_engine_t engine;
static dnnl_stream_t stream;
static dnnl_status_t engine_status = dnnl_runtime_error;
static pthread_once_t engine_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static dprim *cache;

static void engine_init(void)
{
    engine_status = dnnl_engine_create(&engine, dnnl_cpu, 0);
    if (engine_status == dnnl_success)
        engine_status = dnnl_stream_create(&stream, engine, dnnl_stream_default_flags);
}

static dc_status fail(const char *what, dnnl_status_t s)
{
    return dc_fail(s == dnnl_out_of_memory ? DC_ERR_NOMEM : DC_ERR_ARG,
                   "conv2d: oneDNN %s failed (dnnl_status %d)", what, (int)s);
}

#define DN(call, what)                                                                         \
    do {                                                                                       \
        dnnl_status_t s_ = (call);                                                             \
        if (s_ != dnnl_success) return fail(what, s_);                                         \
    } while (0)

static int64_t pad_end(int64_t in, int k, int s, int p)
{
    int64_t out = (in + 2 * p - k) / s + 1;
    return (out - 1) * s + k - in - p;
}

bool dc_conv2d_dnnl_fits(const dc_conv2d_cfg *c, int64_t H, int64_t W)
{
    return pad_end(H, c->kh, c->sh, c->ph) >= 0 && pad_end(W, c->kw, c->sw, c->pw) >= 0;
}

/* The primitives of one pass of one shape. */
static dc_status build(dprim *p, int kind, const dc_conv2d_cfg *c, int64_t N, int64_t H, int64_t W,
                       bool bias)
{
    const int64_t Ho = (H + 2 * c->ph - c->kh) / c->sh + 1, Wo = (W + 2 * c->pw - c->kw) / c->sw + 1;
    const dnnl_dims_t xd = {N, c->in_ch, H, W}, wd = {c->out_ch, c->in_ch, c->kh, c->kw},
                      yd = {N, c->out_ch, Ho, Wo}, bd = {c->out_ch}, st = {c->sh, c->sw},
                      pl = {c->ph, c->pw},
                      pr = {pad_end(H, c->kh, c->sh, c->ph), pad_end(W, c->kw, c->sw, c->pw)};
    /* bf16: the inputs of each pass in bf16 (the reorders round them), its output in fp32 */
    const dnnl_data_type_t in = c->bf16 ? dnnl_bf16 : dnnl_f32;
    const dnnl_data_type_t tx = kind == BWD_DATA ? dnnl_f32 : in, tw = kind == BWD_W ? dnnl_f32 : in,
                           ty = kind == FWD ? dnnl_f32 : in;
    dnnl_memory_desc_t x, w, y, b, xa, wa, ya;
    DN(dnnl_memory_desc_init_by_tag(&x, 4, xd, dnnl_f32, dnnl_nchw), "memory_desc");
    DN(dnnl_memory_desc_init_by_tag(&w, 4, wd, dnnl_f32, dnnl_oihw), "memory_desc");
    DN(dnnl_memory_desc_init_by_tag(&y, 4, yd, dnnl_f32, dnnl_nchw), "memory_desc");
    DN(dnnl_memory_desc_init_by_tag(&b, 1, bd, dnnl_f32, dnnl_x), "memory_desc");
    DN(dnnl_memory_desc_init_by_tag(&xa, 4, xd, tx, dnnl_format_tag_any), "memory_desc");
    DN(dnnl_memory_desc_init_by_tag(&wa, 4, wd, tw, dnnl_format_tag_any), "memory_desc");
    DN(dnnl_memory_desc_init_by_tag(&ya, 4, yd, ty, dnnl_format_tag_any), "memory_desc");

    dnnl_convolution_desc_t fd, od;
    dnnl_primitive_desc_t fpd = NULL, pd = NULL;
    dnnl_memory_desc_t fx = xa, fw = wa, fy = ya; /* the forward pass this pass is the adjoint of */
    fx.data_type = fw.data_type = in, fy.data_type = dnnl_f32;
    DN(dnnl_convolution_forward_desc_init(&fd, dnnl_forward_training, dnnl_convolution_direct, &fx,
                                          &fw, bias ? &b : NULL, &fy, st, pl, pr),
       "forward descriptor");
    dnnl_primitive_attr_t attr = NULL;
    dnnl_post_ops_t po = NULL;
    if (kind == FWD_RELU) {
        DN(dnnl_primitive_attr_create(&attr), "attributes");
        dnnl_status_t as = dnnl_post_ops_create(&po);
        if (as == dnnl_success) as = dnnl_post_ops_append_eltwise(po, 1.0f, dnnl_eltwise_relu, 0, 0);
        if (as == dnnl_success) as = dnnl_primitive_attr_set_post_ops(attr, po);
        if (po) dnnl_post_ops_destroy(po);
        if (as != dnnl_success) {
            dnnl_primitive_attr_destroy(attr);
            return fail("ReLU post-op", as);
        }
    }
    dnnl_status_t cs = dnnl_primitive_desc_create(&fpd, &fd, attr, engine, NULL);
    if (attr) dnnl_primitive_attr_destroy(attr);
    if (cs != dnnl_success) return fail("forward primitive descriptor", cs);
    const dnnl_memory_desc_t *plain[3];
    dnnl_query_t q[3];
    dnnl_status_t s = dnnl_success;
    if (kind == FWD || kind == FWD_RELU) {
        pd = fpd, fpd = NULL;
        plain[0] = &x, plain[1] = &w, plain[2] = &y;
        q[0] = dnnl_query_src_md, q[1] = dnnl_query_weights_md, q[2] = dnnl_query_dst_md;
        p->arg[0] = DNNL_ARG_SRC, p->arg[1] = DNNL_ARG_WEIGHTS, p->arg[2] = DNNL_ARG_DST;
    } else if (kind == BWD_DATA) {
        s = dnnl_convolution_backward_data_desc_init(&od, dnnl_convolution_direct, &xa, &wa, &ya,
                                                     st, pl, pr);
        if (s == dnnl_success) s = dnnl_primitive_desc_create(&pd, &od, NULL, engine, fpd);
        plain[0] = &y, plain[1] = &w, plain[2] = &x;
        q[0] = dnnl_query_diff_dst_md, q[1] = dnnl_query_weights_md, q[2] = dnnl_query_diff_src_md;
        p->arg[0] = DNNL_ARG_DIFF_DST, p->arg[1] = DNNL_ARG_WEIGHTS, p->arg[2] = DNNL_ARG_DIFF_SRC;
    } else {
        s = dnnl_convolution_backward_weights_desc_init(&od, dnnl_convolution_direct, &xa, &wa,
                                                        NULL, &ya, st, pl, pr);
        if (s == dnnl_success) s = dnnl_primitive_desc_create(&pd, &od, NULL, engine, fpd);
        plain[0] = &x, plain[1] = &y, plain[2] = &w;
        q[0] = dnnl_query_src_md, q[1] = dnnl_query_diff_dst_md, q[2] = dnnl_query_diff_weights_md;
        p->arg[0] = DNNL_ARG_SRC, p->arg[1] = DNNL_ARG_DIFF_DST, p->arg[2] = DNNL_ARG_DIFF_WEIGHTS;
    }
    if (fpd) dnnl_primitive_desc_destroy(fpd);
    if (s != dnnl_success) return fail("backward primitive descriptor", s);
    s = dnnl_primitive_create(&p->conv, pd);
    for (int i = 0; i < 3 && s == dnnl_success; i++) {
        const dnnl_memory_desc_t *md = dnnl_primitive_desc_query_md(pd, q[i], 0);
        s = dnnl_memory_create(&p->user[i], plain[i], engine, DNNL_MEMORY_NONE);
        if (s != dnnl_success || dnnl_memory_desc_equal(md, plain[i])) continue;
        p->inner_floats[i] = (dnnl_memory_desc_get_size(md) + sizeof(float) - 1) / sizeof(float);
        s = dnnl_memory_create(&p->inner[i], md, engine, DNNL_MEMORY_NONE);
        dnnl_primitive_desc_t rpd = NULL;
        if (s == dnnl_success)
            s = i < 2 ? dnnl_reorder_primitive_desc_create(&rpd, plain[i], engine, md, engine, NULL)
                      : dnnl_reorder_primitive_desc_create(&rpd, md, engine, plain[i], engine, NULL);
        if (s == dnnl_success) s = dnnl_primitive_create(&p->reorder[i], rpd);
        if (rpd) dnnl_primitive_desc_destroy(rpd);
    }
    if (s == dnnl_success && (kind == FWD || kind == FWD_RELU) && bias)
        s = dnnl_memory_create(&p->bias, &b, engine, DNNL_MEMORY_NONE);
    dnnl_primitive_desc_destroy(pd);
    return s == dnnl_success ? DC_OK : fail("primitive", s);
}

static void destroy(dprim *p)
{
    for (int i = 0; i < 3; i++) {
        if (p->reorder[i]) dnnl_primitive_destroy(p->reorder[i]);
        if (p->user[i]) dnnl_memory_destroy(p->user[i]);
        if (p->inner[i]) dnnl_memory_destroy(p->inner[i]);
    }
    if (p->conv) dnnl_primitive_destroy(p->conv);
    if (p->bias) dnnl_memory_destroy(p->bias);
    free(p);
}

/* Shapes kept: a network has a few per pass (its layers, the short last batch); a session
 * that feeds many batch sizes drops the least recently used instead of growing. */
#define CACHE_MAX 64

/* The cached primitives of this pass and shape, built on first use and moved to the front
 * of the cache on every use. Called with lock held. */
static dc_status lookup(int kind, const dc_conv2d_cfg *c, int64_t N, int64_t H, int64_t W, bool bias,
                        dprim **out)
{
    const int64_t key[NKEY] = {kind, N, c->in_ch, H, W, c->out_ch, c->kh, c->kw,
                               c->sh, c->sw, c->ph, c->pw, bias, c->bf16, 0};
    int n = 0;
    for (dprim **link = &cache; *link; link = &(*link)->next, n++) {
        dprim *p = *link;
        bool same = true;
        for (int i = 0; i < NKEY && same; i++) same = p->key[i] == key[i];
        if (!same) continue;
        *link = p->next, p->next = cache, cache = p;
        return *out = p, DC_OK;
    }
    if (n >= CACHE_MAX) { /* drop the last (least recently used) */
        dprim **link = &cache;
        while ((*link)->next) link = &(*link)->next;
        destroy(*link);
        *link = NULL;
    }
    pthread_once(&engine_once, engine_init);
    if (engine_status != dnnl_success) return fail("engine", engine_status);
    dprim *p = calloc(1, sizeof *p);
    DC_CHECK(p, DC_ERR_NOMEM, "conv2d: out of memory for a oneDNN primitive");
    for (int i = 0; i < NKEY; i++) p->key[i] = key[i];
    dc_status st = build(p, kind, c, N, H, W, bias);
    if (st != DC_OK) { /* keep nothing half-built: the next call reports the same error */
        destroy(p);
        return st;
    }
    p->next = cache, cache = p;
    return *out = p, DC_OK;
}

static dc_status exec(dnnl_primitive_t prim, int n, const dnnl_exec_arg_t *args)
{
    DN(dnnl_primitive_execute(prim, stream, n, args), "execute");
    return DC_OK;
}

/* One pass: t[0], t[1] inputs, t[2] output, all plain; bias for the forward pass. */
static dc_status run_locked(int kind, const dc_conv2d_cfg *c, int64_t N, int64_t H, int64_t W,
                            const float *in0, const float *in1, const float *bias, float *out)
{
    dprim *p = NULL;
    DC_TRY(lookup(kind, c, N, H, W, bias != NULL, &p));
    void *t[3] = {(void *)in0, (void *)in1, out};
    dnnl_exec_arg_t args[4];
    for (int i = 0; i < 3; i++) {
        DN(dnnl_memory_set_data_handle(p->user[i], t[i]), "set_data_handle");
        args[i] = (dnnl_exec_arg_t){p->arg[i], p->user[i]};
        if (!p->reorder[i]) continue;
        float *buf = dc_scratch(SLOT0 + i, p->inner_floats[i]);
        DC_CHECK(buf, DC_ERR_NOMEM, "conv2d: out of memory for oneDNN's reordered tensors");
        DN(dnnl_memory_set_data_handle(p->inner[i], buf), "set_data_handle");
        args[i].memory = p->inner[i];
        if (i < 2) {
            dnnl_exec_arg_t r[2] = {{DNNL_ARG_FROM, p->user[i]}, {DNNL_ARG_TO, p->inner[i]}};
            DC_TRY(exec(p->reorder[i], 2, r));
        }
    }
    int n = 3;
    if (p->bias) {
        DN(dnnl_memory_set_data_handle(p->bias, (void *)bias), "set_data_handle");
        args[n++] = (dnnl_exec_arg_t){DNNL_ARG_BIAS, p->bias};
    }
    DC_TRY(exec(p->conv, n, args));
    if (p->reorder[2]) {
        dnnl_exec_arg_t r[2] = {{DNNL_ARG_FROM, p->inner[2]}, {DNNL_ARG_TO, p->user[2]}};
        DC_TRY(exec(p->reorder[2], 2, r));
    }
    DN(dnnl_stream_wait(stream), "stream wait");
    return DC_OK;
}

static dc_status run(int kind, const dc_conv2d_cfg *c, int64_t N, int64_t H, int64_t W,
                     const float *in0, const float *in1, const float *bias, float *out)
{
    pthread_mutex_lock(&lock);
    dc_status s = run_locked(kind, c, N, H, W, in0, in1, bias, out);
    pthread_mutex_unlock(&lock);
    return s;
}

dc_status dc_conv2d_dnnl_forward(const dc_conv2d_cfg *cfg, int64_t N, int64_t H, int64_t W,
                                 const float *x, const float *w, const float *b, bool relu,
                                 float *y)
{
    return run(relu ? FWD_RELU : FWD, cfg, N, H, W, x, w, b, y);
}

dc_status dc_conv2d_dnnl_backward_data(const dc_conv2d_cfg *cfg, int64_t N, int64_t H, int64_t W,
                                       const float *w, const float *dy, float *dx)
{
    return run(BWD_DATA, cfg, N, H, W, dy, w, NULL, dx);
}

dc_status dc_conv2d_dnnl_backward_weights(const dc_conv2d_cfg *cfg, int64_t N, int64_t H,
                                          int64_t W, const float *x, const float *dy, float *dw,
                                          float scale)
{
    const int64_t n = (int64_t)cfg->out_ch * cfg->in_ch * cfg->kh * cfg->kw;
    float *g = dc_scratch(SLOT0 + 3, (size_t)n);
    DC_CHECK(g, DC_ERR_NOMEM, "conv2d: out of memory for the weight gradient");
    DC_TRY(run(BWD_W, cfg, N, H, W, x, dy, NULL, g));
#pragma omp parallel for simd schedule(static) if (dc_par(n, PAR_MIN))
    for (int64_t i = 0; i < n; i++) dw[i] += scale * g[i];
    return DC_OK;
}

const char *dc_dnnl_isa(void)
{
    switch (dnnl_get_effective_cpu_isa()) {
    case dnnl_cpu_isa_sse41: return "sse41";
    case dnnl_cpu_isa_avx: return "avx";
    case dnnl_cpu_isa_avx2: return "avx2";
    case dnnl_cpu_isa_avx512_core: return "avx512_core";
    case dnnl_cpu_isa_avx512_core_vnni: return "avx512_core_vnni";
    case dnnl_cpu_isa_avx512_core_bf16: return "avx512_core_bf16";
    case dnnl_cpu_isa_avx512_core_amx: return "avx512_core_amx";
    default: return "other";
    }
}
