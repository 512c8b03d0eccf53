/* oneDNN convolution bodies (see conv2d_dnnl.h).
 *
 * Every pass is one oneDNN convolution with three tensors: two inputs and one output
 *   forward:         src = x,  weights = w   -> dst = y   (+ bias)
 *   backward data:   diff_dst = dy, weights = w -> diff_src = dx
 *   backward weights: src = x, diff_dst = dy  -> diff_weights (then dw += scale * it)
 * (in bf16 the two inputs are bfloat16, the output fp32: the reorders convert)
 * created with format "any", so oneDNN picks the layouts its fastest kernel wants (blocked
 * nChw16c / OIhw16i16o on AVX-512); reorders from and to dclab's NCHW / OIHW run around it
 * when they differ, into per-thread scratch slots 4-7; oneDNN's scratchpad is slot 10 (user
 * mode: threads may run one primitive at once). A shape's primitives and reorders are built
 * on its first call for the thread count of the moment and kept (up to CACHE_MAX shapes);
 * the cache's mutex is held while a pass runs. */
#include "conv2d_dnnl.h"

#include <dnnl.h>
#include <omp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "../parallel.h"
#include "dnnl_util.h"
#include "prim_cache.h"
#include "scratch.h"

/* scratch slots of the reordered tensors (0-3 belong to im2col and Winograd) */
#define SLOT0 4
#define PAR_MIN 32768
#define BF16_MIN_CH 16
#define WINO_MIN_CH 16
#define BF16_W_MIN_MAP 100

enum { FWD, BWD_DATA, BWD_W, FWD_RELU, NKEY = 15 };

typedef struct dprim {
    dc_prim_node node; /* first: the cache's link */
    int64_t key[NKEY];
    dnnl_primitive_t conv;
    dnnl_primitive_t reorder[3];   /* inputs 0, 1: plain -> conv layout; 2: conv -> plain */
    dnnl_memory_desc_t user[3], inner[3], bias;
    dnnl_memory_desc_t pad[4];     /* scratchpads: the convolution's, then reorder i's */
    size_t inner_floats[3], pad_bytes;
    int arg[3];                    /* DNNL_ARG_* of the three tensors */
} dprim;

static dnnl_engine_t engine;
static dnnl_stream_t stream;
static dnnl_status_t engine_status = dnnl_runtime_error;
static pthread_once_t engine_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void engine_init(void)
{
    engine_status = dnnl_engine_create(&engine, dnnl_cpu, 0);
    if (engine_status == dnnl_success)
        engine_status = dnnl_stream_create(&stream, engine, dnnl_stream_default_flags);
}

dc_status dc_dnnl_engine(dnnl_engine_t *e, dnnl_stream_t *st)
{
    pthread_once(&engine_once, engine_init);
    if (engine_status != dnnl_success) return dc_fail(DC_ERR_ARG, "oneDNN: no CPU engine (dnnl_status %d)", (int)engine_status);
    *e = engine, *st = stream;
    return DC_OK;
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
    return (dc_conv2d_out_len(in, k, s, p) - 1) * s + k - in - p;
}

bool dc_conv2d_dnnl_fits(const dc_conv2d_cfg *c, int64_t H, int64_t W)
{
    return pad_end(H, c->kh, c->sh, c->ph) >= 0 && pad_end(W, c->kw, c->sw, c->pw) >= 0;
}

/* The scratchpad of primitive prim (index 0: the convolution, 1 + i: reorder i) of pd. */
static void keep_scratchpad(dprim *p, int prim, const_dnnl_primitive_desc_t pd)
{
    p->pad[prim] = *dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
    const size_t bytes = dnnl_memory_desc_get_size(&p->pad[prim]);
    if (bytes > p->pad_bytes) p->pad_bytes = bytes;
}

/* The convolution of pass kind from its forward descriptor fd (attr: the user scratchpad and
 * any post-op, rattr: the reorders' user scratchpad; the backward passes take the forward
 * primitive as their hint), the plain
 * layouts of x, w, y and the "any" layouts xa, wa, ya, then a reorder for each tensor whose
 * layout differs from the plain one. */
static dnnl_status_t build_pass(dprim *p, int kind, const dnnl_convolution_desc_t *fd,
                                const_dnnl_primitive_attr_t attr, const_dnnl_primitive_attr_t rattr,
                                const dnnl_memory_desc_t *x,
                                const dnnl_memory_desc_t *w, const dnnl_memory_desc_t *y,
                                const dnnl_memory_desc_t *xa, const dnnl_memory_desc_t *wa,
                                const dnnl_memory_desc_t *ya)
{
    dnnl_primitive_desc_t fpd = NULL, pd = NULL;
    dnnl_convolution_desc_t od;
    const dnnl_memory_desc_t *plain[3];
    dnnl_query_t q[3];
    dnnl_status_t s = dnnl_primitive_desc_create(&fpd, fd, attr, engine, NULL);
    if (kind == FWD || kind == FWD_RELU) {
        pd = fpd, fpd = NULL;
        plain[0] = x, plain[1] = w, plain[2] = y;
        q[0] = dnnl_query_src_md, q[1] = dnnl_query_weights_md, q[2] = dnnl_query_dst_md;
        p->arg[0] = DNNL_ARG_SRC, p->arg[1] = DNNL_ARG_WEIGHTS, p->arg[2] = DNNL_ARG_DST;
    } else if (kind == BWD_DATA) {
        if (s == dnnl_success)
            s = dnnl_convolution_backward_data_desc_init(&od, fd->alg_kind, xa, wa, ya,
                                                         fd->strides, fd->padding[0], fd->padding[1]);
        if (s == dnnl_success) s = dnnl_primitive_desc_create(&pd, &od, attr, engine, fpd);
        plain[0] = y, plain[1] = w, plain[2] = x;
        q[0] = dnnl_query_diff_dst_md, q[1] = dnnl_query_weights_md, q[2] = dnnl_query_diff_src_md;
        p->arg[0] = DNNL_ARG_DIFF_DST, p->arg[1] = DNNL_ARG_WEIGHTS, p->arg[2] = DNNL_ARG_DIFF_SRC;
    } else {
        if (s == dnnl_success)
            s = dnnl_convolution_backward_weights_desc_init(&od, fd->alg_kind, xa, wa, NULL,
                                                            ya, fd->strides, fd->padding[0],
                                                            fd->padding[1]);
        if (s == dnnl_success) s = dnnl_primitive_desc_create(&pd, &od, attr, engine, fpd);
        plain[0] = x, plain[1] = y, plain[2] = w;
        q[0] = dnnl_query_src_md, q[1] = dnnl_query_diff_dst_md, q[2] = dnnl_query_diff_weights_md;
        p->arg[0] = DNNL_ARG_SRC, p->arg[1] = DNNL_ARG_DIFF_DST, p->arg[2] = DNNL_ARG_DIFF_WEIGHTS;
    }
    if (fpd) dnnl_primitive_desc_destroy(fpd);
    if (s == dnnl_success) s = dnnl_primitive_create(&p->conv, pd);
    if (s == dnnl_success) keep_scratchpad(p, 0, pd);
    for (int i = 0; i < 3 && s == dnnl_success; i++) {
        const dnnl_memory_desc_t *md = dnnl_primitive_desc_query_md(pd, q[i], 0);
        p->user[i] = *plain[i];
        if (dnnl_memory_desc_equal(md, plain[i])) continue;
        p->inner[i] = *md;
        p->inner_floats[i] = (dnnl_memory_desc_get_size(md) + sizeof(float) - 1) / sizeof(float);
        dnnl_primitive_desc_t rpd = NULL;
        s = i < 2 ? dnnl_reorder_primitive_desc_create(&rpd, plain[i], engine, md, engine, rattr)
                  : dnnl_reorder_primitive_desc_create(&rpd, md, engine, plain[i], engine, rattr);
        if (s == dnnl_success) s = dnnl_primitive_create(&p->reorder[i], rpd);
        if (s == dnnl_success) keep_scratchpad(p, 1 + i, rpd);
        if (rpd) dnnl_primitive_desc_destroy(rpd);
    }
    if (pd) dnnl_primitive_desc_destroy(pd);
    return s;
}

/* Drops p's primitives and what build_pass recorded (p's key and link stay). */
static void clear(dprim *p)
{
    for (int i = 0; i < 3; i++)
        if (p->reorder[i]) dnnl_primitive_destroy(p->reorder[i]);
    if (p->conv) dnnl_primitive_destroy(p->conv);
    p->conv = NULL;
    for (int i = 0; i < 3; i++) p->reorder[i] = NULL, p->inner_floats[i] = 0;
    p->pad_bytes = 0;
}

/* Whether oneDNN's Winograd F(4x4, 3x3) may run the layer (in fp32; build() falls back to
 * the direct convolution where oneDNN has no such kernel). */
static bool winograd_fits(const dc_conv2d_cfg *c)
{
    return c->kh == 3 && c->kw == 3 && c->sh == 1 && c->sw == 1 && c->in_ch >= WINO_MIN_CH;
}

/* The primitives of one pass of one shape. */
static dc_status build(dprim *p, int kind, const dc_conv2d_cfg *c, int64_t N, int64_t H, int64_t W,
                       bool bias)
{
    const int64_t Ho = dc_conv2d_out_len(H, c->kh, c->sh, c->ph),
                  Wo = dc_conv2d_out_len(W, c->kw, c->sw, c->pw);
    const dnnl_dims_t xd = {N, c->in_ch, H, W}, wd = {c->out_ch, c->in_ch, c->kh, c->kw},
                      yd = {N, c->out_ch, Ho, Wo}, bd = {c->out_ch}, st = {c->sh, c->sw},
                      pl = {c->ph, c->pw},
                      pr = {pad_end(H, c->kh, c->sh, c->ph), pad_end(W, c->kw, c->sw, c->pw)};
    /* bf16: the inputs of each pass in bf16 (the reorders round them), its output in fp32 */
    const dnnl_data_type_t in = c->bf16 ? dnnl_bf16 : dnnl_f32;
    const dnnl_data_type_t tx = kind == BWD_DATA ? dnnl_f32 : in, tw = kind == BWD_W ? dnnl_f32 : in,
                           ty = kind == FWD ? dnnl_f32 : in;
    dnnl_memory_desc_t x, w, y, xa, wa, ya;
    DN(dnnl_memory_desc_init_by_tag(&x, 4, xd, dnnl_f32, dnnl_nchw), "memory_desc");
    DN(dnnl_memory_desc_init_by_tag(&w, 4, wd, dnnl_f32, dnnl_oihw), "memory_desc");
    DN(dnnl_memory_desc_init_by_tag(&y, 4, yd, dnnl_f32, dnnl_nchw), "memory_desc");
    DN(dnnl_memory_desc_init_by_tag(&p->bias, 1, bd, dnnl_f32, dnnl_x), "memory_desc");
    DN(dnnl_memory_desc_init_by_tag(&xa, 4, xd, tx, dnnl_format_tag_any), "memory_desc");
    DN(dnnl_memory_desc_init_by_tag(&wa, 4, wd, tw, dnnl_format_tag_any), "memory_desc");
    DN(dnnl_memory_desc_init_by_tag(&ya, 4, yd, ty, dnnl_format_tag_any), "memory_desc");

    dnnl_convolution_desc_t fd;
    dnnl_memory_desc_t fx = xa, fw = wa, fy = ya; /* the forward pass this pass is the adjoint of */
    fx.data_type = fw.data_type = in, fy.data_type = dnnl_f32;
    /* the scratchpad is ours (exec: per thread), so threads can run one primitive at once */
    dnnl_primitive_attr_t attr = NULL, rattr = NULL;
    dnnl_post_ops_t po = NULL;
    DN(dnnl_primitive_attr_create(&attr), "attributes");
    dnnl_status_t s = dnnl_primitive_attr_create(&rattr);
    if (s == dnnl_success) s = dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user);
    if (s == dnnl_success) s = dnnl_primitive_attr_set_scratchpad_mode(rattr, dnnl_scratchpad_mode_user);
    if (s == dnnl_success && kind == FWD_RELU) {
        s = dnnl_post_ops_create(&po);
        if (s == dnnl_success) s = dnnl_post_ops_append_eltwise(po, 1.0f, dnnl_eltwise_relu, 0, 0);
        if (s == dnnl_success) s = dnnl_primitive_attr_set_post_ops(attr, po);
        if (po) dnnl_post_ops_destroy(po);
    }
    /* fp32 3x3 stride-1 layers of >= 16 input channels: oneDNN's Winograd F(4x4, 3x3) in all
     * three passes where it has one (AVX-512: jit_wino_4x3), else the direct convolution. On
     * the Xeon it cut the CPU time of small's train step by 10-25%, of its eval pass by 10-18%,
     * of AlexNet's train step by 8-17% (process CPU time, load 9-10); on the layers of small,
     * AlexNet and VGG-16 its results are within 4e-6 of im2col's, relative to the largest
     * value (test_conv2d_dnnl checks 1e-4). */
    dnnl_alg_kind_t algs[2];
    const int na = dc_dnnl_conv_algs(c, algs);
    for (int a = 0; a < na && s == dnnl_success; a++) {
        s = dnnl_convolution_forward_desc_init(&fd, dnnl_forward_training, algs[a], &fx, &fw,
                                               bias ? &p->bias : NULL, &fy, st, pl, pr);
        if (s == dnnl_success) s = build_pass(p, kind, &fd, attr, rattr, &x, &w, &y, &xa, &wa, &ya);
        if (s == dnnl_success || a == na - 1) break;
        clear(p); /* no Winograd kernel for this layer here: try the direct one */
        s = dnnl_success;
    }
    dnnl_primitive_attr_destroy(attr);
    if (rattr) dnnl_primitive_attr_destroy(rattr);
    return s == dnnl_success ? DC_OK : fail("primitive", s);
}

static void destroy(dc_prim_node *node)
{
    dprim *p = (dprim *)node;
    clear(p);
    free(p);
}

/* Shapes kept: a network has a few per pass (its layers, the short last batch). */
static dc_prim_cache cache = {NULL, 64, destroy};

/* The cached primitives of this pass and shape, built on first use and moved to the front
 * of the cache on every use. Called with lock held. */
static dc_status lookup(int kind, const dc_conv2d_cfg *c, int64_t N, int64_t H, int64_t W, bool bias,
                        int nthr, dprim **out)
{
    const int64_t key[NKEY] = {kind, N, c->in_ch, H, W, c->out_ch, c->kh, c->kw,
                               c->sh, c->sw, c->ph, c->pw, bias, c->bf16, nthr};
    dc_prim_node *hit = dc_prim_cache_find(&cache, key, sizeof key);
    if (hit) return *out = (dprim *)hit, DC_OK;
    dnnl_engine_t e;
    dnnl_stream_t st0;
    DC_TRY(dc_dnnl_engine(&e, &st0));
    dprim *p = calloc(1, sizeof *p);
    DC_CHECK(p, DC_ERR_NOMEM, "conv2d: out of memory for a oneDNN primitive");
    for (int i = 0; i < NKEY; i++) p->key[i] = key[i];
    p->node.key = p->key, p->node.key_bytes = sizeof p->key;
    /* oneDNN splits a primitive's work for the thread count it is created under */
    const int saved = omp_get_max_threads();
    omp_set_num_threads(nthr);
    dc_status st = build(p, kind, c, N, H, W, bias);
    omp_set_num_threads(saved);
    if (st != DC_OK) { /* keep nothing half-built: the next call reports the same error */
        destroy(&p->node);
        return st;
    }
    dc_prim_cache_add(&cache, &p->node);
    return *out = p, DC_OK;
}

/* Runs prim with its n arguments (room for one more) and its scratchpad pad in buf. */
static dnnl_status_t execute(dnnl_primitive_t prim, const dnnl_memory_desc_t *pad, void *buf, int n,
                             dnnl_exec_arg_t *args)
{
    dnnl_memory_t m = NULL;
    dnnl_status_t s = dnnl_success;
    if (dnnl_memory_desc_get_size(pad) > 0) {
        s = dnnl_memory_create(&m, pad, engine, buf);
        args[n++] = (dnnl_exec_arg_t){DNNL_ARG_SCRATCHPAD, m};
    }
    if (s == dnnl_success) s = dnnl_primitive_execute(prim, stream, n, args);
    if (m) dnnl_memory_destroy(m);
    return s;
}

/* One pass of p on the calling thread: t[0], t[1] inputs, t[2] output, all plain; bias for
 * the forward pass. The memory objects are made per call (a few microseconds) and the
 * reordered tensors and the scratchpad are the calling thread's scratch slots, so that
 * threads can run the same cached primitives at once. */
static dc_status exec(const dprim *p, void *const t[3], const float *bias)
{
    dnnl_memory_t user[3] = {NULL}, inner[3] = {NULL}, bm = NULL;
    dnnl_exec_arg_t args[5];
    float *pad = p->pad_bytes ? dc_scratch(DC_SLOT_DNNL_PAD, p->pad_bytes / sizeof(float) + 1) : NULL;
    bool nomem = p->pad_bytes && !pad;
    dnnl_status_t s = dnnl_success;
    int n = 0;
    for (int i = 0; i < 3 && s == dnnl_success && !nomem; i++, n++) {
        s = dnnl_memory_create(&user[i], &p->user[i], engine, t[i]);
        args[i] = (dnnl_exec_arg_t){p->arg[i], user[i]};
        if (s != dnnl_success || !p->reorder[i]) continue;
        float *buf = dc_scratch(SLOT0 + i, p->inner_floats[i]);
        nomem = !buf;
        if (nomem) break;
        s = dnnl_memory_create(&inner[i], &p->inner[i], engine, buf);
        args[i].memory = inner[i];
        if (s == dnnl_success && i < 2)
            s = execute(p->reorder[i], &p->pad[1 + i], pad, 2,
                        (dnnl_exec_arg_t[3]){{DNNL_ARG_FROM, user[i]}, {DNNL_ARG_TO, inner[i]}});
    }
    if (s == dnnl_success && !nomem && bias) {
        s = dnnl_memory_create(&bm, &p->bias, engine, (void *)bias);
        args[n++] = (dnnl_exec_arg_t){DNNL_ARG_BIAS, bm};
    }
    if (s == dnnl_success && !nomem) s = execute(p->conv, &p->pad[0], pad, n, args);
    if (s == dnnl_success && !nomem && p->reorder[2])
        s = execute(p->reorder[2], &p->pad[3], pad, 2,
                    (dnnl_exec_arg_t[3]){{DNNL_ARG_FROM, inner[2]}, {DNNL_ARG_TO, user[2]}});
    if (s == dnnl_success && !nomem) s = dnnl_stream_wait(stream);
    for (int i = 0; i < 3; i++) {
        if (user[i]) dnnl_memory_destroy(user[i]);
        if (inner[i]) dnnl_memory_destroy(inner[i]);
    }
    if (bm) dnnl_memory_destroy(bm);
    DC_CHECK(!nomem, DC_ERR_NOMEM, "conv2d: out of memory for oneDNN's reordered tensors");
    return s == dnnl_success ? DC_OK : fail("execution", s);
}

/* One pass. The weight gradient runs split by images over the threads: each thread runs a
 * one-thread primitive on its share of the batch (images i0.. of in0 and in1, whose sizes per
 * image are step[0..1]) into its own output (step[2] floats apart), summed by the caller;
 * step is NULL for the other passes. oneDNN's own threading of that pass synchronises its
 * threads once per image (a spin barrier in the AMX kernel): on a loaded machine, where a
 * thread waits for its descheduled partner, that made the bf16 weight gradient up to 4x slower on two threads
 * than on one. The other passes run as one primitive on all threads: split too, they were
 * faster layer by layer but slower in the contrastive network's step (README, "oneDNN on a
 * shared machine"); so is a batch smaller than the thread count. *shares (shares may be
 * NULL): the number of outputs. */
#define SPLIT_MAX 64

static dc_status run(int kind, const dc_conv2d_cfg *c, int64_t N, int64_t H, int64_t W,
                     const float *in0, const float *in1, const float *bias, float *out,
                     const int64_t step[3], int *shares)
{
    const int threads = omp_get_max_threads();
    const int T = kind != BWD_W || N < threads ? 1 : threads < SPLIT_MAX ? threads : SPLIT_MAX;
    dprim *p[SPLIT_MAX];
    pthread_mutex_lock(&lock);
    dc_status bad = DC_OK;
    for (int t = 0; t < T && bad == DC_OK; t++)
        bad = lookup(kind, c, N * (t + 1) / T - N * t / T, H, W, bias != NULL, T > 1 ? 1 : threads,
                     &p[t]);
    char msg[512] = "";
    if (bad != DC_OK) snprintf(msg, sizeof msg, "%s", dc_last_error());
    if (bad == DC_OK && T == 1) {
        bad = exec(p[0], (void *const[3]){(void *)in0, (void *)in1, out}, bias);
        if (bad != DC_OK) snprintf(msg, sizeof msg, "%s", dc_last_error());
    } else if (bad == DC_OK) {
#pragma omp parallel for schedule(static, 1) num_threads(T)
        for (int t = 0; t < T; t++) {
            const int64_t i0 = N * t / T;
            void *const io[3] = {(void *)(in0 + i0 * step[0]), (void *)(in1 + i0 * step[1]),
                                 out + t * step[2]};
            dc_status s = exec(p[t], io, bias);
            if (s != DC_OK) {
#pragma omp critical(dc_conv2d_dnnl_error)
                if (bad == DC_OK) bad = s, snprintf(msg, sizeof msg, "%s", dc_last_error());
            }
        }
    }
    pthread_mutex_unlock(&lock);
    if (shares) *shares = T;
    return bad == DC_OK ? DC_OK : dc_fail(bad, "%s", msg);
}

/* The configuration pass kind of a layer on H x W maps runs with. In bf16, some passes are
 * faster in fp32:
 *  - all three of a layer of few input channels (a network's first): oneDNN's AMX kernels pad
 *    the channels to 16. On AlexNet's conv1 (2 channels, 11x11, stride 4) the bf16 input
 *    gradient took 4x the fp32 time (loaded Xeon, conv_layers.lua); on small's conv1 (2
 *    channels, 3x3, 28x28, batch 256) the bf16 forward took 2.2x and the weight gradient 1.3x
 *    the fp32 time (load 4-8);
 *  - the weight gradient of a Winograd layer on maps under 10x10: on small's 7x7 layers the AMX
 *    kernel took 1.3-1.7x the time of fp32 Winograd (13x13 AlexNet layers: 0.8-0.95x, kept;
 *    load 8-9, ONEDNN_VERBOSE times). */
static dc_conv2d_cfg pass_cfg(const dc_conv2d_cfg *cfg, int kind, int64_t H, int64_t W)
{
    dc_conv2d_cfg c = *cfg;
    c.bf16 = c.bf16 && c.in_ch >= BF16_MIN_CH &&
             !(kind == BWD_W && winograd_fits(&c) && H * W < BF16_W_MIN_MAP);
    return c;
}

bool dc_conv2d_dnnl_bf16_forward(const dc_conv2d_cfg *cfg, int64_t H, int64_t W)
{
    return pass_cfg(cfg, FWD, H, W).bf16;
}

bool dc_conv2d_dnnl_bf16_weight_grad(const dc_conv2d_cfg *cfg, int64_t H, int64_t W)
{
    return pass_cfg(cfg, BWD_W, H, W).bf16;
}

bool dc_conv2d_dnnl_winograd(const dc_conv2d_cfg *cfg)
{
    return !cfg->bf16 && winograd_fits(cfg);
}

dc_status dc_conv2d_dnnl_forward(const dc_conv2d_cfg *cfg, int64_t N, int64_t H, int64_t W,
                                 const float *x, const float *w, const float *b, bool relu,
                                 float *y)
{
    const dc_conv2d_cfg c = pass_cfg(cfg, FWD, H, W);
    return run(relu ? FWD_RELU : FWD, &c, N, H, W, x, w, b, y, NULL, NULL);
}

dc_status dc_conv2d_dnnl_backward_data(const dc_conv2d_cfg *cfg, int64_t N, int64_t H, int64_t W,
                                       const float *w, const float *dy, float *dx)
{
    const dc_conv2d_cfg c = pass_cfg(cfg, BWD_DATA, H, W);
    return run(BWD_DATA, &c, N, H, W, dy, w, NULL, dx, NULL, NULL);
}

dc_status dc_conv2d_dnnl_backward_weights(const dc_conv2d_cfg *cfg, int64_t N, int64_t H,
                                          int64_t W, const float *x, const float *dy, float *dw,
                                          float scale)
{
    const int64_t n = (int64_t)cfg->out_ch * cfg->in_ch * cfg->kh * cfg->kw;
    const int most = omp_get_max_threads() < SPLIT_MAX ? omp_get_max_threads() : SPLIT_MAX;
    float *g = dc_scratch(SLOT0 + 3, (size_t)(most * n));
    DC_CHECK(g, DC_ERR_NOMEM, "conv2d: out of memory for the weight gradient");
    const int64_t Ho = dc_conv2d_out_len(H, cfg->kh, cfg->sh, cfg->ph),
                  Wo = dc_conv2d_out_len(W, cfg->kw, cfg->sw, cfg->pw);
    const int64_t xs = (int64_t)cfg->in_ch * H * W, ys = (int64_t)cfg->out_ch * Ho * Wo;
    int T;
    const dc_conv2d_cfg c = pass_cfg(cfg, BWD_W, H, W);
    DC_TRY(run(BWD_W, &c, N, H, W, x, dy, NULL, g, (const int64_t[3]){xs, ys, n}, &T));
#pragma omp parallel for simd schedule(static) if (dc_par(n, PAR_MIN))
    for (int64_t i = 0; i < n; i++) {
        float sum = 0;
        for (int t = 0; t < T; t++) sum += g[t * n + i];
        dw[i] += scale * sum;
    }
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
