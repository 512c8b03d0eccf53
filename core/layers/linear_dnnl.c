/* oneDNN matmul bodies of the fully connected layer (see linear_dnnl.h).
 *
 * Every pass is one matmul c = a b on row-major tensors, the transposes given by strides:
 *   forward:          a = x [N, in],        b = W^T [in, out] -> c = y [N, out] (+ bias)
 *   backward data:    a = dy [N, out],      b = W [out, in]   -> c = dx [N, in]
 *   backward weights: a = dy^T [out, N],    b = x [N, in]     -> c = dw [out, in], computed as
 *                     c = scale * a b + c (an output scale and a sum post-op: no temporary)
 * c is always the caller's fp32 tensor. In fp32, a and b are read where they are. In bf16, W
 * is the caller's bfloat16 copy, read where it is (plain, transposed or not: rounding the fp32
 * weight into oneDNN's blocked layout took 85-97 ms on AlexNet's 9216 x 4096 layer, 8-9x the
 * product itself, loaded Xeon); reorders round the other inputs to bfloat16 into per-thread
 * scratch slots 4 and 5 (the weight gradient's x in the layout its kernel asks for: on plain
 * bf16 it took twice as long). oneDNN's scratchpad is slot 10 (user mode). A shape's
 * primitives are built on its first call for the thread count of the moment and kept (up to
 * CACHE_MAX, least recently used dropped); the cache's mutex is held while a pass runs. */
#include "linear_dnnl.h"

#include <dnnl.h>
#include <omp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conv2d_dnnl.h"
#include "dnnl_util.h"
#include "prim_cache.h"
#include "scratch.h"

/* scratch slots of the bf16 copies of a and b (slots 4-7: oneDNN's reordered tensors) */
#define SLOT0 4
#define CACHE_MAX 16

/* FWD32 / FWD16: the forward pass in fp32 / bf16; ROUND: w -> w16 (a reorder, no matmul) */
enum { FWD32, FWD16, BWD_DATA, BWD_W, ROUND, NKEY = 7 };

typedef struct lprim {
    dc_prim_node node; /* first: the cache hands back this node */
    int64_t key[NKEY];
    dnnl_primitive_t mm;           /* the matmul (ROUND: the reorder) */
    dnnl_primitive_t reorder[2];   /* a, b: fp32 -> bf16 where the matmul wants bf16 */
    dnnl_memory_desc_t user[3], inner[2], bias;
    dnnl_memory_desc_t pad[3];     /* scratchpads: the matmul's, then reorder i's */
    size_t inner_floats[2], pad_bytes;
} lprim;

static void destroy(lprim *p);
static void destroy_node(dc_prim_node *n) { destroy((lprim *)n); }

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static dc_prim_cache cache = {NULL, CACHE_MAX, destroy_node};

static dc_status fail(const char *what, dnnl_status_t s)
{
    return dc_fail(s == dnnl_out_of_memory ? DC_ERR_NOMEM : DC_ERR_ARG,
                   "linear: oneDNN %s failed (dnnl_status %d)", what, (int)s);
}

/* The primitive of pd into *prim, its scratchpad (prim index: 0 the matmul, 1 + i reorder i)
 * kept and counted in pad_bytes. */
static dnnl_status_t create(lprim *p, int prim, const_dnnl_primitive_desc_t pd, dnnl_primitive_t *out)
{
    const dnnl_status_t s = dc_dnnl_create(pd, out, &p->pad[prim]);
    if (s == dnnl_success) p->pad_bytes = dc_dnnl_max_size(p->pad_bytes, &p->pad[prim]);
    return s;
}

static void destroy(lprim *p)
{
    for (int i = 0; i < 2; i++)
        if (p->reorder[i]) dnnl_primitive_destroy(p->reorder[i]);
    if (p->mm) dnnl_primitive_destroy(p->mm);
    free(p);
}

/* w [out, in] fp32 -> w16 [out, in] bf16. */
static dnnl_status_t build_round(lprim *p, dnnl_engine_t engine, int64_t in, int64_t out,
                                 const_dnnl_primitive_attr_t rattr)
{
    const dnnl_dims_t d = {out, in};
    dnnl_status_t s = dnnl_memory_desc_init_by_tag(&p->user[0], 2, d, dnnl_f32, dnnl_ab);
    if (s == dnnl_success) s = dnnl_memory_desc_init_by_tag(&p->user[2], 2, d, dnnl_bf16, dnnl_ab);
    dnnl_primitive_desc_t rpd = NULL;
    if (s == dnnl_success)
        s = dnnl_reorder_primitive_desc_create(&rpd, &p->user[0], engine, &p->user[2], engine, rattr);
    if (s == dnnl_success) s = create(p, 0, rpd, &p->mm);
    if (rpd) dnnl_primitive_desc_destroy(rpd);
    return s;
}

/* The matmul of pass kind (a, b, c as in the table above) and the reorders of the inputs it
 * wants in bf16 that the caller gives in fp32. */
static dnnl_status_t build_matmul(lprim *p, dnnl_engine_t engine, int kind, int64_t N, int64_t in,
                                  int64_t out, bool bias, float scale, dnnl_primitive_attr_t attr,
                                  const_dnnl_primitive_attr_t rattr)
{
    const bool fwd = kind == FWD32 || kind == FWD16, bf16 = kind != FWD32;
    const int64_t M = kind == BWD_W ? out : N, K = fwd ? in : kind == BWD_DATA ? out : N,
                  Nc = fwd ? out : in;
    const dnnl_dims_t ad = {M, K}, bd = {K, Nc}, cd = {M, Nc}, biasd = {1, out};
    /* strides of a and b as they lie in the caller's tensors */
    const dnnl_dims_t as = {kind == BWD_W ? 1 : K, kind == BWD_W ? out : 1},
                      bs = {fwd ? 1 : Nc, fwd ? in : 1}, cs = {Nc, 1};
    /* W comes as the caller's bf16 copy in FWD16 and BWD_DATA */
    const dnnl_data_type_t bt = kind == FWD16 || kind == BWD_DATA ? dnnl_bf16 : dnnl_f32;
    dnnl_memory_desc_t a, b;
    dnnl_status_t s = dnnl_memory_desc_init_by_strides(&p->user[0], 2, ad, dnnl_f32, as);
    if (s == dnnl_success) s = dnnl_memory_desc_init_by_strides(&p->user[1], 2, bd, bt, bs);
    if (s == dnnl_success) s = dnnl_memory_desc_init_by_strides(&p->user[2], 2, cd, dnnl_f32, cs);
    if (s == dnnl_success) s = dnnl_memory_desc_init_by_tag(&p->bias, 2, biasd, dnnl_f32, dnnl_ab);
    a = p->user[0], b = p->user[1];
    if (s == dnnl_success && bf16) s = dnnl_memory_desc_init_by_tag(&a, 2, ad, dnnl_bf16, dnnl_ab);
    if (s == dnnl_success && kind == BWD_W)
        s = dnnl_memory_desc_init_by_tag(&b, 2, bd, dnnl_bf16, dnnl_format_tag_any);
    if (s == dnnl_success && kind == BWD_W) {
        dnnl_post_ops_t po = NULL;
        s = dnnl_primitive_attr_set_output_scales(attr, 1, 0, &scale);
        if (s == dnnl_success) s = dnnl_post_ops_create(&po);
        if (s == dnnl_success) s = dnnl_post_ops_append_sum(po, 1.0f);
        if (s == dnnl_success) s = dnnl_primitive_attr_set_post_ops(attr, po);
        if (po) dnnl_post_ops_destroy(po);
    }
    dnnl_matmul_desc_t md;
    dnnl_primitive_desc_t pd = NULL;
    if (s == dnnl_success)
        s = dnnl_matmul_desc_init(&md, &a, &b, fwd && bias ? &p->bias : NULL, &p->user[2]);
    if (s == dnnl_success) s = dnnl_primitive_desc_create(&pd, &md, attr, engine, NULL);
    if (s == dnnl_success) s = create(p, 0, pd, &p->mm);
    const dnnl_query_t q[2] = {dnnl_query_src_md, dnnl_query_weights_md};
    for (int i = 0; i < 2 && s == dnnl_success; i++) {
        const dnnl_memory_desc_t *want = dnnl_primitive_desc_query_md(pd, q[i], 0);
        if (dnnl_memory_desc_equal(want, &p->user[i])) continue;
        p->inner[i] = *want;
        p->inner_floats[i] = (dnnl_memory_desc_get_size(want) + sizeof(float) - 1) / sizeof(float);
        dnnl_primitive_desc_t rpd = NULL;
        s = dnnl_reorder_primitive_desc_create(&rpd, &p->user[i], engine, want, engine, rattr);
        if (s == dnnl_success) s = create(p, 1 + i, rpd, &p->reorder[i]);
        if (rpd) dnnl_primitive_desc_destroy(rpd);
    }
    if (pd) dnnl_primitive_desc_destroy(pd);
    return s;
}

/* The primitives of one pass of one shape; their scratchpads are ours (user mode). */
static dnnl_status_t build(lprim *p, dnnl_engine_t engine, int kind, int64_t N, int64_t in,
                           int64_t out, bool bias, float scale)
{
    dnnl_primitive_attr_t attr = NULL, rattr = NULL;
    dnnl_status_t s = dnnl_primitive_attr_create(&attr);
    if (s == dnnl_success) s = dnnl_primitive_attr_create(&rattr);
    if (s == dnnl_success) s = dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user);
    if (s == dnnl_success) s = dnnl_primitive_attr_set_scratchpad_mode(rattr, dnnl_scratchpad_mode_user);
    if (s == dnnl_success)
        s = kind == ROUND ? build_round(p, engine, in, out, rattr)
                          : build_matmul(p, engine, kind, N, in, out, bias, scale, attr, rattr);
    if (attr) dnnl_primitive_attr_destroy(attr);
    if (rattr) dnnl_primitive_attr_destroy(rattr);
    return s;
}

/* The cached primitives of this pass and shape, built on first use and moved to the front
 * of the cache on every use. Called with lock held. */
static dc_status lookup(dnnl_engine_t engine, int kind, int64_t N, int64_t in, int64_t out,
                        bool bias, float scale, lprim **found)
{
    int32_t sbits;
    memcpy(&sbits, &scale, sizeof sbits);
    const int nthr = omp_get_max_threads();
    const int64_t key[NKEY] = {kind, N, in, out, bias, kind == BWD_W ? sbits : 0, nthr};
    dc_prim_node *hit = dc_prim_cache_find(&cache, key, sizeof key);
    if (hit) return *found = (lprim *)hit, DC_OK;
    lprim *p = calloc(1, sizeof *p);
    DC_CHECK(p, DC_ERR_NOMEM, "linear: out of memory for a oneDNN primitive");
    memcpy(p->key, key, sizeof key);
    p->node.key = p->key, p->node.key_bytes = sizeof p->key;
    dnnl_status_t s = build(p, engine, kind, N, in, out, bias, scale);
    if (s != dnnl_success) { /* keep nothing half-built: the next call reports the same error */
        destroy(p);
        return fail("primitive", s);
    }
    dc_prim_cache_add(&cache, &p->node);
    return *found = p, DC_OK;
}

/* One pass: a, b the inputs (ROUND: a only), c the output, bias for the forward pass (or
 * NULL). */
static dc_status run(int kind, int64_t N, int64_t in, int64_t out, const void *a, const void *b,
                     const float *bias, void *c, float scale)
{
    if (N == 0 || in == 0 || out == 0) return DC_OK; /* linear.c handles the empty products */
    dnnl_engine_t engine;
    dnnl_stream_t stream;
    DC_TRY(dc_dnnl_engine(&engine, &stream));
    pthread_mutex_lock(&lock);
    lprim *p = NULL;
    dc_status st = lookup(engine, kind, N, in, out, bias != NULL, scale, &p);
    if (st != DC_OK) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", dc_last_error());
        pthread_mutex_unlock(&lock);
        return dc_fail(st, "%s", msg);
    }
    /* the matmul's arguments: the caller's tensors, or an input's bf16 copy where it wants one */
    const dnnl_memory_desc_t *md[4] = {&p->user[0], &p->user[1], &p->user[2], &p->bias};
    void *ptr[4] = {(void *)a, (void *)b, c, (void *)bias};
    const int arg[4] = {kind == ROUND ? DNNL_ARG_FROM : DNNL_ARG_SRC, DNNL_ARG_WEIGHTS,
                        kind == ROUND ? DNNL_ARG_TO : DNNL_ARG_DST, DNNL_ARG_BIAS};
    float *pad = p->pad_bytes ? dc_scratch(DC_SLOT_DNNL_PAD, p->pad_bytes / sizeof(float) + 1) : NULL;
    bool nomem = p->pad_bytes && !pad;
    dnnl_status_t s = dnnl_success;
    for (int i = 0; i < 2 && s == dnnl_success && !nomem; i++) {
        if (!p->reorder[i]) continue;
        float *buf = dc_scratch(SLOT0 + i, p->inner_floats[i]);
        nomem = !buf;
        if (nomem) break;
        s = dc_dnnl_run_reorder(engine, stream, p->reorder[i], &p->pad[1 + i], pad, md[i], ptr[i],
                                &p->inner[i], buf);
        md[i] = &p->inner[i], ptr[i] = buf;
    }
    if (kind == ROUND) /* from a to c: drop the weight slot */
        md[1] = md[2], ptr[1] = ptr[2];
    const int n = kind == ROUND ? 2 : bias ? 4 : 3;
    const int rarg[2] = {DNNL_ARG_FROM, DNNL_ARG_TO};
    if (s == dnnl_success && !nomem)
        s = dc_dnnl_run(engine, stream, p->mm, &p->pad[0], pad, n, md, ptr,
                        kind == ROUND ? rarg : arg);
    pthread_mutex_unlock(&lock);
    DC_CHECK(!nomem, DC_ERR_NOMEM, "linear: out of memory for oneDNN's bf16 copies");
    return s == dnnl_success ? DC_OK : fail("execution", s);
}

dc_status dc_linear_dnnl_round(int64_t out, int64_t in, const float *w, uint16_t *w16)
{
    return run(ROUND, 1, in, out, w, NULL, NULL, w16, 1.0f);
}

dc_status dc_linear_dnnl_forward(int64_t N, int64_t in, int64_t out, const float *x,
                                 const float *w, const uint16_t *w16, const float *b, float *y)
{
    return w16 ? run(FWD16, N, in, out, x, w16, b, y, 1.0f) : run(FWD32, N, in, out, x, w, b, y, 1.0f);
}

dc_status dc_linear_dnnl_backward_data(int64_t N, int64_t in, int64_t out, const uint16_t *w16,
                                       const float *dy, float *dx)
{
    return run(BWD_DATA, N, in, out, dy, w16, NULL, dx, 1.0f);
}

dc_status dc_linear_dnnl_backward_weights(int64_t N, int64_t in, int64_t out, const float *x,
                                          const float *dy, float *dw, float scale)
{
    return run(BWD_W, N, in, out, dy, x, NULL, dw, scale);
}
