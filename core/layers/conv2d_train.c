/* The oneDNN training chain (see conv2d_train.h).
 *
 * Activations (dtype dt: bf16 when the convolutions compute in bf16, else fp32) are in the
 * chains' layout (dnnl_util.h, dc_dnnl_act: NHWC in bf16, blocked nChw16c in fp32, where the
 * convolutions run as oneDNN's Winograd wherever the layers do).
 * Forward: x is reordered into act[0]; a conv stage i runs the convolution act[i] ->
 * conv[i] and the BatchNorm (with the ReLU fused, oneDNN keeping its mask in a workspace)
 * conv[i] -> act[i + 1]; a pooling runs act[i] -> act[i + 1] keeping its argmax in a
 * workspace; act[n] is reordered into y. All of act, conv, the workspaces and the batch
 * statistics live in the caller's saved tensor. Backward: dy is reordered into one of two
 * gradient buffers (scratch slots 4, 5) and every step reads one and writes the other (a bf16
 * stride-1 convolution's input gradient as a forward convolution, build_flip); the
 * weight gradient comes out in oneDNN's layout (slot 7) and a reorder with a sum post-op adds
 * it into dw. The fp32 weights are reordered into the convolution's layout and dtype on every
 * pass (slot 6): they change at every optimizer step. oneDNN's scratchpad is slot 10.
 *
 * A chain's primitives are built on its first call for its shapes and the thread count of the
 * moment, and cached; the mutex is held while a chain runs. */
#include "conv2d_train.h"

#include <dnnl.h>
#include <omp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../args.h"
#include "conv2d_dnnl.h"
#include "dnnl_util.h"
#include "prim_cache.h"
#include "scratch.h"

#define SLOT_FLIP 0 /* free while a chain runs: im2col's and Winograd's */
#define SLOT_D0 4
#define SLOT_D1 5
#define SLOT_W 6
#define SLOT_DW 7
#define SLOT_COPY_X 8
#define SLOT_COPY_Y 9
#define ALIGN 64
#define SPLIT_MAX 64
#define KEY_HEAD 7
#define KEY_STAGE 12
#define NKEY (KEY_HEAD + KEY_STAGE * DC_TRAIN_MAX)

typedef struct step {
    dnnl_primitive_t p;
    dnnl_memory_desc_t pad; /* its scratchpad */
} step;

/* The weight gradient of one share of the batch: nb images (the threads' shares have at most
 * two sizes), its inputs' descriptors, its output's and the reorder adding that into dw. */
typedef struct wshare {
    int64_t nb;
    step p, sum;
    dnnl_memory_desc_t in, conv, dw;
    step rin, rconv;               /* the reorders of in and conv into the copies it reads */
    dnnl_memory_desc_t cin, cconv; /* (in its layouts and compute dtype) */
} wshare;

typedef struct tstage {
    step fwd, bwd;                     /* convolution or pooling: forward, backward data */
    step bn_fwd, bn_bwd;               /* a conv stage's BatchNorm */
    step w_fwd, w_bwd;                 /* the weights' reorders into the two passes' layouts */
    wshare bw[2];                      /* weight gradient (bw[1].nb 0: one share size) */
    dnnl_memory_desc_t in, conv, out;  /* act[i], conv[i], act[i + 1] */
    dnnl_memory_desc_t w_user, w_f, w_b, bias, stat, ws;
    bool flip;                         /* input gradient as a forward pass (build_flip) */
    dnnl_memory_desc_t w_flip;         /* its weights before the reorder: [in][out][kh][kw] */
    size_t off_conv, off_ws, off_mean, off_var; /* in saved */
    int64_t C;                         /* output channels */
    double count;                      /* values per channel the BatchNorm sees */
} tstage;

typedef struct chain {
    dc_prim_node node; /* first: the cache's link */
    int64_t key[NKEY];
    int n;
    tstage *st;
    step x_in, y_out, dy_in, dx_out;  /* the reorders at the two ends */
    dnnl_memory_desc_t user_in, user_out;
    size_t off_act[DC_TRAIN_MAX + 1];
    size_t saved_bytes, diff_bytes, w_bytes, pad_bytes, flip_floats;
    size_t copy_bytes[2];       /* slots 8, 9 of every thread: the copies of a share */
    size_t dw_stride, bn_bytes; /* slot 7: per share the weight and bias gradients, then gamma's
                                 * and beta's */
    int T;             /* shares of the weight gradient */
    int64_t N;         /* images */
} chain;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static dc_status fail(const char *what, dnnl_status_t s)
{
    return dc_fail(s == dnnl_out_of_memory ? DC_ERR_NOMEM : DC_ERR_ARG,
                   "conv2d_train: oneDNN %s failed (dnnl_status %d)", what, (int)s);
}

static void drop(step *s)
{
    if (s->p) dnnl_primitive_destroy(s->p);
    s->p = NULL;
}

static void destroy(dc_prim_node *node)
{
    chain *ch = (chain *)node;
    for (int i = 0; i < ch->n; i++) {
        tstage *t = &ch->st[i];
        step *all[] = {&t->fwd, &t->bwd, &t->bn_fwd, &t->bn_bwd, &t->w_fwd, &t->w_bwd,
                       &t->bw[0].p, &t->bw[0].sum, &t->bw[1].p, &t->bw[1].sum, &t->bw[0].rin,
                       &t->bw[0].rconv, &t->bw[1].rin, &t->bw[1].rconv};
        for (size_t k = 0; k < sizeof all / sizeof *all; k++) drop(all[k]);
    }
    drop(&ch->x_in), drop(&ch->y_out), drop(&ch->dy_in), drop(&ch->dx_out);
    free(ch->st);
    free(ch);
}

static dc_prim_cache cache = {NULL, 8, destroy};

/* The primitive of the descriptor d (hint: the forward primitive descriptor of a backward
 * pass) into s; its descriptor stays in *pd for queries (the caller destroys it). */
static dnnl_status_t make(dnnl_engine_t e, const_dnnl_op_desc_t d, const_dnnl_primitive_attr_t attr,
                          const_dnnl_primitive_desc_t hint, dnnl_primitive_desc_t *pd, step *s)
{
    dnnl_status_t r = dnnl_primitive_desc_create(pd, d, attr, e, hint);
    if (r == dnnl_success) r = dc_dnnl_create(*pd, &s->p, &s->pad);
    return r;
}

static size_t up(size_t b) { return (b + ALIGN - 1) / ALIGN * ALIGN; }

/* The weight gradient of conv stage s on shares of nb images (for nthr threads): a forward
 * descriptor as its hint, the pass, and the reorder adding its result into dw. It reads copies
 * of its share in the layouts oneDNN picks for it (blocked): on channels-last input AlexNet's
 * bf16 weight gradients took 1.2-2.2x as long, more than the copies cost (loaded Xeon,
 * ONEDNN_VERBOSE). Where the convolution's own rule (conv2d_dnnl.c, pass_cfg) computes this
 * pass in fp32 although the chain is bf16 (3x3 layers on maps under 10x10, where oneDNN's AMX
 * weight gradient is slower than its fp32 Winograd one; first layers of few channels), the
 * copies are fp32. */
static dnnl_status_t build_bw(dnnl_engine_t e, const_dnnl_primitive_attr_t attr,
                              const_dnnl_primitive_attr_t sum_attr, const dc_train_stage *s,
                              const int64_t *in, const int64_t *out, dnnl_data_type_t dt,
                              int64_t nb, int nthr, tstage *t, wshare *w)
{
    const dc_conv2d_cfg *c = s->conv;
    dc_conv2d_cfg c32 = *c;
    c32.bf16 = false;
    const bool f32 = !c->bf16 || !dc_conv2d_dnnl_bf16_weight_grad(c, in[2], in[3]);
    const dnnl_data_type_t ct = f32 ? dnnl_f32 : dt;
    const dnnl_dims_t wd = {c->out_ch, c->in_ch, c->kh, c->kw}, str = {c->sh, c->sw},
                      pl = {c->ph, c->pw}, xd = {nb, in[1], in[2], in[3]},
                      yd = {nb, out[1], out[2], out[3]},
                      pr = {(out[2] - 1) * c->sh + c->kh - in[2] - c->ph,
                            (out[3] - 1) * c->sw + c->kw - in[3] - c->pw};
    dnnl_alg_kind_t algs[2];
    const int na = dc_dnnl_conv_algs(f32 ? &c32 : c, algs);
    const dnnl_memory_desc_t *bias = c->bias ? &t->bias : NULL;
    dnnl_memory_desc_t wa, dwa, xa, ya;
    dnnl_convolution_desc_t fd, wdesc;
    dnnl_primitive_desc_t fpd = NULL, pd = NULL;
    w->nb = nb;
    /* oneDNN splits a primitive's work for the thread count it is created under */
    const int saved = omp_get_max_threads();
    omp_set_num_threads(nthr);
    dnnl_status_t r = dnnl_memory_desc_init_by_tag(&wa, 4, wd, ct, dnnl_format_tag_any);
    if (r == dnnl_success) r = dnnl_memory_desc_init_by_tag(&dwa, 4, wd, dnnl_f32, dnnl_format_tag_any);
    if (r == dnnl_success) r = dc_dnnl_act(&w->in, nb, in[1], in[2], in[3], dt, dt == dnnl_bf16);
    if (r == dnnl_success) r = dc_dnnl_act(&w->conv, nb, out[1], out[2], out[3], dt, dt == dnnl_bf16);
    if (r == dnnl_success) r = dnnl_memory_desc_init_by_tag(&xa, 4, xd, ct, dnnl_format_tag_any);
    if (r == dnnl_success) r = dnnl_memory_desc_init_by_tag(&ya, 4, yd, ct, dnnl_format_tag_any);
    for (int a = 0; a < na && r == dnnl_success; a++) {
        r = dnnl_convolution_forward_desc_init(&fd, dnnl_forward_training, algs[a], &xa, &wa, bias,
                                               &ya, str, pl, pr);
        if (r == dnnl_success) r = dnnl_primitive_desc_create(&fpd, &fd, attr, e, NULL);
        if (r == dnnl_success)
            r = dnnl_convolution_backward_weights_desc_init(&wdesc, algs[a], &xa, &dwa, bias, &ya,
                                                            str, pl, pr);
        if (r == dnnl_success) r = make(e, &wdesc, attr, fpd, &pd, &w->p);
        if (r == dnnl_success || a == na - 1) break;
        if (fpd) dnnl_primitive_desc_destroy(fpd);
        fpd = NULL, r = dnnl_success; /* no Winograd kernel for this layer here: the direct one */
    }
    if (r == dnnl_success) {
        w->dw = *dnnl_primitive_desc_query_md(pd, dnnl_query_diff_weights_md, 0);
        w->cin = *dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0);
        w->cconv = *dnnl_primitive_desc_query_md(pd, dnnl_query_diff_dst_md, 0);
        r = dc_dnnl_reorder(e, &w->dw, &t->w_user, sum_attr, &w->sum.p, &w->sum.pad);
    }
    const bool copy = r == dnnl_success && !(dnnl_memory_desc_equal(&w->in, &w->cin) &&
                                             dnnl_memory_desc_equal(&w->conv, &w->cconv));
    if (copy) r = dc_dnnl_reorder(e, &w->in, &w->cin, attr, &w->rin.p, &w->rin.pad);
    if (r == dnnl_success && copy) r = dc_dnnl_reorder(e, &w->conv, &w->cconv, attr, &w->rconv.p, &w->rconv.pad);
    omp_set_num_threads(saved);
    if (fpd) dnnl_primitive_desc_destroy(fpd);
    if (pd) dnnl_primitive_desc_destroy(pd);
    return r;
}

/* The input gradient of a bf16 stride-1 convolution as the forward convolution it equals:
 * dy convolved with the weights transposed (in and out channels swapped) and flipped in
 * space, padding k - 1 - p. oneDNN's AMX forward kernel (brgconv) ran small's 7x7 layers at
 * batch 256 in about half the time of its backward-data kernel (conv4: 28.6 against 53.9 ms,
 * ONEDNN_VERBOSE). Replaces t->bwd and its weights' reorder; on failure leaves them. */
static dnnl_status_t build_flip(dnnl_engine_t e, const_dnnl_primitive_attr_t attr,
                                const dc_conv2d_cfg *c, const int64_t *in, const int64_t *out,
                                tstage *t)
{
    const dnnl_dims_t wd = {c->in_ch, c->out_ch, c->kh, c->kw}, str = {1, 1},
                      pl = {c->kh - 1 - c->ph, c->kw - 1 - c->pw},
                      pr = {in[2] - 1 + c->kh - out[2] - pl[0], in[3] - 1 + c->kw - out[3] - pl[1]};
    dnnl_memory_desc_t wa, user;
    dnnl_convolution_desc_t d;
    dnnl_primitive_desc_t pd = NULL;
    step conv = {0}, reorder = {0};
    dnnl_status_t r = dnnl_memory_desc_init_by_tag(&user, 4, wd, dnnl_f32, dnnl_oihw);
    if (r == dnnl_success) r = dnnl_memory_desc_init_by_tag(&wa, 4, wd, dnnl_bf16, dnnl_format_tag_any);
    if (r == dnnl_success)
        r = dnnl_convolution_forward_desc_init(&d, dnnl_forward_training, dnnl_convolution_direct,
                                               &t->conv, &wa, NULL, &t->in, str, pl, pr);
    if (r == dnnl_success) r = make(e, &d, attr, NULL, &pd, &conv);
    const dnnl_memory_desc_t *w = r == dnnl_success ? dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0) : NULL;
    if (r == dnnl_success) r = dc_dnnl_reorder(e, &user, w, attr, &reorder.p, &reorder.pad);
    if (r == dnnl_success) {
        drop(&t->bwd), drop(&t->w_bwd);
        t->bwd = conv, t->w_bwd = reorder, t->w_b = *w, t->w_flip = user, t->flip = true;
    } else {
        drop(&conv), drop(&reorder);
    }
    if (pd) dnnl_primitive_desc_destroy(pd);
    return r;
}

/* A conv stage's primitives: convolution (three passes), BatchNorm (two), weight reorders. */
static dnnl_status_t build_conv(dnnl_engine_t e, const_dnnl_primitive_attr_t attr, const dc_train_stage *s,
                                const int64_t *in, const int64_t *out, dnnl_data_type_t dt,
                                tstage *t)
{
    const dc_conv2d_cfg *c = s->conv;
    const dnnl_dims_t wd = {c->out_ch, c->in_ch, c->kh, c->kw}, bd = {c->out_ch},
                      str = {c->sh, c->sw}, pl = {c->ph, c->pw},
                      pr = {(out[2] - 1) * c->sh + c->kh - in[2] - c->ph,
                            (out[3] - 1) * c->sw + c->kw - in[3] - c->pw};
    const unsigned flags = dnnl_use_scale | dnnl_use_shift | (s->relu ? dnnl_fuse_norm_relu : 0);
    dnnl_memory_desc_t wa;
    dnnl_convolution_desc_t fd, bd_;
    dnnl_batch_normalization_desc_t nf, nb;
    dnnl_primitive_desc_t fpd = NULL, pd = NULL, npd = NULL, nbpd = NULL;
    const dnnl_memory_desc_t *bias = c->bias ? &t->bias : NULL;
    dnnl_status_t r = dnnl_memory_desc_init_by_tag(&t->w_user, 4, wd, dnnl_f32, dnnl_oihw);
    if (r == dnnl_success) r = dnnl_memory_desc_init_by_tag(&wa, 4, wd, dt, dnnl_format_tag_any);
    if (r == dnnl_success) r = dnnl_memory_desc_init_by_tag(&t->bias, 1, bd, dnnl_f32, dnnl_x);
    if (r == dnnl_success) r = dnnl_memory_desc_init_by_tag(&t->stat, 1, bd, dnnl_f32, dnnl_x);
    if (r == dnnl_success) r = dc_dnnl_act(&t->conv, out[0], out[1], out[2], out[3], dt, dt == dnnl_bf16);
    /* fp32: oneDNN's Winograd where it has it (as conv2d_dnnl.c's layers), else direct */
    dnnl_alg_kind_t algs[2];
    const int na = dc_dnnl_conv_algs(c, algs);
    for (int a = 0; a < na && r == dnnl_success; a++) {
        r = dnnl_convolution_forward_desc_init(&fd, dnnl_forward_training, algs[a], &t->in, &wa,
                                               bias, &t->conv, str, pl, pr);
        if (r == dnnl_success) r = make(e, &fd, attr, NULL, &fpd, &t->fwd);
        if (r == dnnl_success)
            r = dnnl_convolution_backward_data_desc_init(&bd_, algs[a], &t->in, &wa, &t->conv,
                                                         str, pl, pr);
        if (r == dnnl_success) r = make(e, &bd_, attr, fpd, &pd, &t->bwd);
        if (r == dnnl_success || a == na - 1) break;
        drop(&t->fwd), drop(&t->bwd); /* no Winograd kernel for this layer here */
        if (fpd) dnnl_primitive_desc_destroy(fpd);
        if (pd) dnnl_primitive_desc_destroy(pd);
        fpd = pd = NULL, r = dnnl_success;
    }
    if (r == dnnl_success) t->w_f = *dnnl_primitive_desc_query_md(fpd, dnnl_query_weights_md, 0);
    if (r == dnnl_success) {
        t->w_b = *dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
        r = dc_dnnl_reorder(e, &t->w_user, &t->w_f, attr, &t->w_fwd.p, &t->w_fwd.pad);
    }
    if (r == dnnl_success && !dnnl_memory_desc_equal(&t->w_f, &t->w_b))
        r = dc_dnnl_reorder(e, &t->w_user, &t->w_b, attr, &t->w_bwd.p, &t->w_bwd.pad);
    /* where oneDNN has no such forward kernel the backward-data one stays */
    if (r == dnnl_success && dt == dnnl_bf16 && c->sh == 1 && c->sw == 1 && c->ph < c->kh &&
        c->pw < c->kw && c->in_ch >= 16)
        build_flip(e, attr, c, in, out, t);
    if (r == dnnl_success)
        r = dnnl_batch_normalization_forward_desc_init(&nf, dnnl_forward_training, &t->conv,
                                                       (float)s->eps, flags);
    if (r == dnnl_success) r = make(e, &nf, attr, NULL, &npd, &t->bn_fwd);
    if (r == dnnl_success) {
        t->ws = *dnnl_primitive_desc_query_md(npd, dnnl_query_workspace_md, 0);
        r = dnnl_batch_normalization_backward_desc_init(&nb, dnnl_backward, &t->conv, &t->conv,
                                                        (float)s->eps, flags);
    }
    if (r == dnnl_success) r = make(e, &nb, attr, npd, &nbpd, &t->bn_bwd);
    t->out = t->conv;
    t->C = out[1];
    t->count = (double)out[0] * out[2] * out[3];
    dnnl_primitive_desc_t all[] = {fpd, pd, npd, nbpd};
    for (int k = 0; k < 4; k++)
        if (all[k]) dnnl_primitive_desc_destroy(all[k]);
    return r;
}

/* A max pooling's forward (keeping its argmax) and backward, windows by PyTorch's rule. */
static dnnl_status_t build_pool(dnnl_engine_t e, const_dnnl_primitive_attr_t attr,
                                const dc_pool2d_cfg *c, const int64_t *in, const int64_t *out,
                                dnnl_data_type_t dt, tstage *t)
{
    const dnnl_dims_t pr = {(out[2] - 1) * c->sh + c->kh - in[2] - c->ph,
                            (out[3] - 1) * c->sw + c->kw - in[3] - c->pw},
                      str = {c->sh, c->sw}, k = {c->kh, c->kw}, pl = {c->ph, c->pw};
    dnnl_pooling_desc_t fd, bd;
    dnnl_primitive_desc_t fpd = NULL, bpd = NULL;
    dnnl_status_t r = dc_dnnl_act(&t->out, out[0], out[1], out[2], out[3], dt, dt == dnnl_bf16);
    if (r == dnnl_success)
        r = dnnl_pooling_forward_desc_init(&fd, dnnl_forward_training, dnnl_pooling_max, &t->in,
                                           &t->out, str, k, pl, pr);
    if (r == dnnl_success) r = make(e, &fd, attr, NULL, &fpd, &t->fwd);
    if (r == dnnl_success) {
        t->ws = *dnnl_primitive_desc_query_md(fpd, dnnl_query_workspace_md, 0);
        r = dnnl_pooling_backward_desc_init(&bd, dnnl_pooling_max, &t->in, &t->out, str, k, pl, pr);
    }
    if (r == dnnl_success) r = make(e, &bd, attr, fpd, &bpd, &t->bwd);
    if (fpd) dnnl_primitive_desc_destroy(fpd);
    if (bpd) dnnl_primitive_desc_destroy(bpd);
    return r;
}

/* The primitives and the saved tensor's layout of a chain of checked stages (shapes[i]: the
 * input of stage i, shapes[n]: the output). */
static dnnl_status_t build(dnnl_engine_t e, chain *ch, const dc_train_stage *s, int64_t (*shapes)[4],
                           dnnl_data_type_t dt)
{
    const int n = ch->n, threads = omp_get_max_threads();
    /* the weight gradient runs split by images, as conv2d_dnnl.c's (which says why) */
    ch->N = shapes[0][0];
    ch->T = ch->N < threads ? 1 : threads < SPLIT_MAX ? threads : SPLIT_MAX;
    dnnl_primitive_attr_t attr = NULL, sum_attr = NULL;
    dnnl_post_ops_t po = NULL;
    dnnl_status_t r = dnnl_primitive_attr_create(&attr);
    if (r == dnnl_success) r = dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user);
    if (r == dnnl_success) r = dnnl_primitive_attr_clone(&sum_attr, attr);
    if (r == dnnl_success) r = dnnl_post_ops_create(&po);
    if (r == dnnl_success) r = dnnl_post_ops_append_sum(po, 1.0f);
    if (r == dnnl_success) r = dnnl_primitive_attr_set_post_ops(sum_attr, po);
    if (po) dnnl_post_ops_destroy(po);
    dnnl_dims_t x = {0}, y = {0};
    memcpy(x, shapes[0], sizeof shapes[0]);
    memcpy(y, shapes[n], sizeof shapes[n]);
    if (r == dnnl_success) r = dnnl_memory_desc_init_by_tag(&ch->user_in, 4, x, dnnl_f32, dnnl_abcd);
    if (r == dnnl_success) r = dnnl_memory_desc_init_by_tag(&ch->user_out, 4, y, dnnl_f32, dnnl_abcd);
    size_t off = 0;
    for (int i = 0; i < n && r == dnnl_success; i++) {
        tstage *t = &ch->st[i];
        const int64_t *in = shapes[i], *out = shapes[i + 1];
        r = dc_dnnl_act(&t->in, in[0], in[1], in[2], in[3], dt, dt == dnnl_bf16);
        if (r == dnnl_success)
            r = s[i].conv ? build_conv(e, attr, &s[i], in, out, dt, t)
                          : build_pool(e, attr, s[i].pool, in, out, dt, t);
        /* shares of floor(N / T) and maybe one more image */
        const int64_t N = in[0], small = N / ch->T;
        for (int v = 0; v < 2 && s[i].conv && r == dnnl_success; v++)
            if (v == 0 || N % ch->T)
                r = build_bw(e, attr, sum_attr, &s[i], in, out, dt, small + v, ch->T > 1 ? 1 : threads, t,
                             &t->bw[v]);
        if (r != dnnl_success) break;
        ch->off_act[i] = off, off += up(dnnl_memory_desc_get_size(&t->in));
        t->off_ws = off, off += up(dnnl_memory_desc_get_size(&t->ws));
        ch->diff_bytes = dc_dnnl_max_size(dc_dnnl_max_size(ch->diff_bytes, &t->in), &t->out);
        const step *all[] = {&t->fwd, &t->bwd, &t->bn_fwd, &t->bn_bwd, &t->w_fwd, &t->w_bwd,
                             &t->bw[0].p, &t->bw[0].sum, &t->bw[1].p, &t->bw[1].sum,
                             &t->bw[0].rin, &t->bw[0].rconv, &t->bw[1].rin, &t->bw[1].rconv};
        for (size_t k = 0; k < sizeof all / sizeof *all; k++)
            if (all[k]->p) ch->pad_bytes = dc_dnnl_max_size(ch->pad_bytes, &all[k]->pad);
        if (!s[i].conv) continue;
        t->off_conv = off, off += up(dnnl_memory_desc_get_size(&t->conv));
        t->off_mean = off, off += up((size_t)t->C * sizeof(float));
        t->off_var = off, off += up((size_t)t->C * sizeof(float));
        ch->w_bytes = dc_dnnl_max_size(dc_dnnl_max_size(ch->w_bytes, &t->w_f), &t->w_b);
        if (t->flip && dnnl_memory_desc_get_size(&t->w_flip) / sizeof(float) > ch->flip_floats)
            ch->flip_floats = dnnl_memory_desc_get_size(&t->w_flip) / sizeof(float);
        for (int v = 0; v < 2; v++) {
            const size_t dw = up(dnnl_memory_desc_get_size(&t->bw[v].dw)) + up((size_t)t->C * sizeof(float));
            if (t->bw[v].nb && dw > ch->dw_stride) ch->dw_stride = dw;
            if (t->bw[v].rin.p) {
                ch->copy_bytes[0] = dc_dnnl_max_size(ch->copy_bytes[0], &t->bw[v].cin);
                ch->copy_bytes[1] = dc_dnnl_max_size(ch->copy_bytes[1], &t->bw[v].cconv);
            }
        }
        if (2 * up((size_t)t->C * sizeof(float)) > ch->bn_bytes) ch->bn_bytes = 2 * up((size_t)t->C * sizeof(float));
    }
    const dnnl_memory_desc_t *last = &ch->st[n - 1].out;
    ch->off_act[n] = off, off += up(dnnl_memory_desc_get_size(last));
    ch->saved_bytes = off;
    if (r == dnnl_success) r = dc_dnnl_reorder(e, &ch->user_in, &ch->st[0].in, attr, &ch->x_in.p, &ch->x_in.pad);
    if (r == dnnl_success) r = dc_dnnl_reorder(e, &ch->st[0].in, &ch->user_in, attr, &ch->dx_out.p, &ch->dx_out.pad);
    if (r == dnnl_success) r = dc_dnnl_reorder(e, last, &ch->user_out, attr, &ch->y_out.p, &ch->y_out.pad);
    if (r == dnnl_success) r = dc_dnnl_reorder(e, &ch->user_out, last, attr, &ch->dy_in.p, &ch->dy_in.pad);
    const step *ends[] = {&ch->x_in, &ch->dx_out, &ch->y_out, &ch->dy_in};
    for (int k = 0; k < 4 && r == dnnl_success; k++)
        ch->pad_bytes = dc_dnnl_max_size(ch->pad_bytes, &ends[k]->pad);
    if (attr) dnnl_primitive_attr_destroy(attr);
    if (sum_attr) dnnl_primitive_attr_destroy(sum_attr);
    return r;
}

/* The cached chain of these stages and shapes, built on first use. Called with lock held. */
static dc_status lookup(int n, const dc_train_stage *s, int64_t (*shapes)[4], bool bf16, chain **out)
{
    int64_t key[NKEY] = {n, shapes[0][0], shapes[0][1], shapes[0][2], shapes[0][3],
                         omp_get_max_threads(), bf16};
    for (int i = 0; i < n; i++) {
        int64_t *k = key + KEY_HEAD + KEY_STAGE * i;
        if (s[i].conv) {
            const int m = dc_dnnl_conv_key(k, s[i].conv);
            k[m] = s[i].conv->bias, k[m + 1] = s[i].relu;
            memcpy(&k[m + 2], &s[i].eps, sizeof s[i].eps);
        } else {
            dc_dnnl_pool_key(k, s[i].pool);
        }
    }
    dc_prim_node *hit = dc_prim_cache_find(&cache, key, sizeof key);
    if (hit) return *out = (chain *)hit, DC_OK;
    dnnl_engine_t e;
    dnnl_stream_t st;
    DC_TRY(dc_dnnl_engine(&e, &st));
    chain *ch = calloc(1, sizeof *ch);
    tstage *stages = calloc((size_t)n, sizeof *stages);
    if (!ch || !stages) {
        free(ch);
        free(stages);
        return dc_fail(DC_ERR_NOMEM, "conv2d_train: out of memory for oneDNN primitives");
    }
    memcpy(ch->key, key, sizeof key);
    ch->node.key = ch->key, ch->node.key_bytes = sizeof ch->key;
    ch->n = n, ch->st = stages;
    dnnl_status_t r = build(e, ch, s, shapes, bf16 ? dnnl_bf16 : dnnl_f32);
    if (r != dnnl_success) { /* keep nothing half-built: the next call reports the same error */
        destroy(&ch->node);
        return fail("primitive", r);
    }
    dc_prim_cache_add(&cache, &ch->node);
    return *out = ch, DC_OK;
}

/* Checks stage i on an input of shape in (x's storage, for the shape checks only), sets out
 * to its output shape. */
static dc_status check_stage(int i, const dc_train_stage *s, const dc_tensor *x, const int64_t *in,
                             bool bf16, int64_t *out)
{
    dc_tensor t = *x;
    int64_t stride = 1;
    for (int d = 3; d >= 0; d--) t.shape[d] = in[d], t.stride[d] = stride, stride *= in[d];
    dc_status st = DC_OK;
    const char *op = "conv2d_train";
    if (s->conv) {
        const dc_conv2d_cfg *c = s->conv;
        const dc_batchnorm_cfg bc = {s->eps, s->momentum, true, s->relu};
        const int64_t ws[4] = {c->out_ch, c->in_ch, c->kh, c->kw}, cs[1] = {c->out_ch};
        st = dc_conv2d_out_shape(c, &t, out);
        if (st == DC_OK) st = dc_conv2d_params_check(c, s->w, s->b, (const dc_tensor *const *)s->bn, s->eps, op);
        if (st == DC_OK) st = dc_batchnorm_cfg_check(&bc, op);
        if (st == DC_OK) st = dc_arg_f32_shape(s->dw, 4, ws, op, "dw");
        if (st == DC_OK && c->bias) st = dc_arg_f32_shape(s->db, 1, cs, op, "db");
        if (st == DC_OK) st = dc_arg_f32_shape(s->dbn[0], 1, cs, op, "dgamma");
        if (st == DC_OK) st = dc_arg_f32_shape(s->dbn[1], 1, cs, op, "dbeta");
        if (st == DC_OK && c->bf16 != bf16)
            st = dc_fail(DC_ERR_ARG, "computes in %s, the first convolution in %s",
                         c->bf16 ? "bf16" : "fp32", bf16 ? "bf16" : "fp32");
        if (st == DC_OK && !dc_conv2d_dnnl_fits(c, in[2], in[3]))
            st = dc_fail(DC_ERR_ARG, "oneDNN cannot run this layer on [%lld, %lld, %lld, %lld]: its "
                         "last window overhangs the padding", (long long)in[0], (long long)in[1],
                         (long long)in[2], (long long)in[3]);
        if (st == DC_OK && out[0] * out[2] * out[3] < 2)
            st = dc_fail(DC_ERR_ARG, "BatchNorm in training needs more than one value per channel");
    } else if (i == 0) {
        st = dc_fail(DC_ERR_ARG, "a chain starts with a convolution");
    } else {
        st = s->pool ? dc_pool2d_out_shape(s->pool, &t, "maxpool2d", out)
                     : dc_fail(DC_ERR_ARG, "neither a convolution nor a pooling");
    }
    if (st == DC_OK) return DC_OK;
    char msg[512];
    snprintf(msg, sizeof msg, "%s", dc_last_error());
    return dc_fail(st, "conv2d_train: stage %d: %s", i + 1, msg);
}

/* Checks the stages on x, sets shapes and whether the chain computes in bf16. */
static dc_status check(const char *op, int n, const dc_train_stage *s, const dc_tensor *x,
                       int64_t (*shapes)[4], bool *bf16)
{
    DC_CHECK(n >= 1 && n <= DC_TRAIN_MAX, DC_ERR_ARG, "%s: %d stages, expected 1 to %d", op, n,
             DC_TRAIN_MAX);
    DC_TRY(dc_arg_f32(x, 4, op, "x", "[N, C, H, W]"));
    *bf16 = s[0].conv && s[0].conv->bf16;
    memcpy(shapes[0], x->shape, sizeof shapes[0]);
    for (int i = 0; i < n; i++) DC_TRY(check_stage(i, &s[i], x, shapes[i], *bf16, shapes[i + 1]));
    return DC_OK;
}

/* A step's primitive on n (descriptor, pointer, argument) triples: the lists MDS, PTRS, ARGS. */
#define RUN(step, n, mds, ptrs, args) \
    dc_dnnl_run(e, strm, (step).p, &(step).pad, pad, n, mds, ptrs, args)
#define MDS(...) ((const dnnl_memory_desc_t *const[]){__VA_ARGS__})
#define PTRS(...) ((void *const[]){__VA_ARGS__})
#define ARGS(...) ((const int[]){__VA_ARGS__})

static dnnl_status_t forward(const chain *ch, const dc_train_stage *s, const float *x, float *y,
                             uint8_t *saved, float *wbuf, void *pad)
{
    dnnl_engine_t e;
    dnnl_stream_t strm;
    if (dc_dnnl_engine(&e, &strm) != DC_OK) return dnnl_runtime_error;
    dnnl_status_t r = dc_dnnl_run_reorder(e, strm, ch->x_in.p, &ch->x_in.pad, pad, &ch->user_in, x,
                                          &ch->st[0].in, saved + ch->off_act[0]);
    for (int i = 0; i < ch->n && r == dnnl_success; i++) {
        const tstage *t = &ch->st[i];
        void *in = saved + ch->off_act[i], *out = saved + ch->off_act[i + 1], *ws = saved + t->off_ws;
        if (!s[i].conv) {
            r = RUN(t->fwd, 3, MDS(&t->in, &t->out, &t->ws), PTRS(in, out, ws),
                    ARGS(DNNL_ARG_SRC, DNNL_ARG_DST, DNNL_ARG_WORKSPACE));
            continue;
        }
        void *conv = saved + t->off_conv;
        float *mean = (float *)(saved + t->off_mean), *var = (float *)(saved + t->off_var);
        r = dc_dnnl_run_reorder(e, strm, t->w_fwd.p, &t->w_fwd.pad, pad, &t->w_user,
                                dc_tensor_data(s[i].w), &t->w_f, wbuf);
        if (r == dnnl_success)
            r = RUN(t->fwd, s[i].b ? 4 : 3, MDS(&t->in, &t->w_f, &t->conv, &t->bias),
                    PTRS(in, wbuf, conv, s[i].b ? dc_tensor_data(s[i].b) : NULL),
                    ARGS(DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_DST, DNNL_ARG_BIAS));
        if (r == dnnl_success)
            r = RUN(t->bn_fwd, s[i].relu ? 7 : 6, MDS(&t->conv, &t->out, &t->stat, &t->stat, &t->stat,
                    &t->stat, &t->ws),
                    PTRS(conv, out, dc_tensor_data(s[i].bn[0]), dc_tensor_data(s[i].bn[1]), mean, var, ws),
                    ARGS(DNNL_ARG_SRC, DNNL_ARG_DST, DNNL_ARG_SCALE, DNNL_ARG_SHIFT, DNNL_ARG_MEAN,
                         DNNL_ARG_VARIANCE, DNNL_ARG_WORKSPACE));
        if (r != dnnl_success) break;
        /* running statistics as dc_batchnorm_forward: toward the unbiased batch variance */
        float *rm = dc_tensor_data(s[i].bn[2]), *rv = dc_tensor_data(s[i].bn[3]);
        const double m = s[i].momentum, unbias = t->count / (t->count - 1);
        for (int64_t c = 0; c < t->C; c++) {
            rm[c] = (float)((1 - m) * rm[c] + m * mean[c]);
            rv[c] = (float)((1 - m) * rv[c] + m * var[c] * unbias);
        }
    }
    if (r == dnnl_success)
        r = dc_dnnl_run_reorder(e, strm, ch->y_out.p, &ch->y_out.pad, pad, &ch->st[ch->n - 1].out,
                                saved + ch->off_act[ch->n], &ch->user_out, y);
    return r;
}

static void add(float *to, const float *from, int64_t n)
{
    for (int64_t i = 0; i < n; i++) to[i] += from[i];
}

/* dw, db += the weight and bias gradients of conv stage t from its input x and the gradient
 * of its output dc (NHWC): each of the T threads runs a one-thread primitive on its share of
 * the images into its own part of dwbuf, then the shares are added in. */
static dnnl_status_t weight_grad(const chain *ch, const tstage *t, const dc_train_stage *s,
                                 const uint8_t *x, const uint8_t *dc, uint8_t *dwbuf)
{
    dnnl_engine_t e;
    dnnl_stream_t strm;
    if (dc_dnnl_engine(&e, &strm) != DC_OK) return dnnl_runtime_error;
    const int T = ch->T;
    const int64_t N = ch->N;
    const size_t xs = dnnl_memory_desc_get_size(&t->in) / (size_t)N,
                 ys = dnnl_memory_desc_get_size(&t->conv) / (size_t)N;
    dnnl_status_t r = dnnl_success;
#pragma omp parallel num_threads(T) if (T > 1)
    {
        const int th = T > 1 ? omp_get_thread_num() : 0;
        const int64_t i0 = N * th / T, nb = N * (th + 1) / T - i0;
        const wshare *w = &t->bw[nb == t->bw[0].nb ? 0 : 1];
        uint8_t *g = dwbuf + th * ch->dw_stride;
        float *db = (float *)(g + up(dnnl_memory_desc_get_size(&w->dw)));
        void *pad = dc_scratch(DC_SLOT_DNNL_PAD, ch->pad_bytes / sizeof(float) + 1);
        void *xp = (void *)(x + i0 * xs), *yp = (void *)(dc + i0 * ys);
        const dnnl_memory_desc_t *xm = &w->in, *ym = &w->conv;
        dnnl_status_t q = pad ? dnnl_success : dnnl_out_of_memory;
        if (q == dnnl_success && w->rin.p) { /* the copies of the share */
            void *cx = dc_scratch(SLOT_COPY_X, ch->copy_bytes[0] / sizeof(float) + 1),
                 *cy = dc_scratch(SLOT_COPY_Y, ch->copy_bytes[1] / sizeof(float) + 1);
            q = cx && cy ? dnnl_success : dnnl_out_of_memory;
            if (q == dnnl_success)
                q = dc_dnnl_run_reorder(e, strm, w->rin.p, &w->rin.pad, pad, xm, xp, &w->cin, cx);
            if (q == dnnl_success)
                q = dc_dnnl_run_reorder(e, strm, w->rconv.p, &w->rconv.pad, pad, ym, yp, &w->cconv, cy);
            xp = cx, yp = cy, xm = &w->cin, ym = &w->cconv;
        }
        if (q == dnnl_success)
            q = RUN(w->p, s->b ? 4 : 3, MDS(xm, ym, &w->dw, &t->bias), PTRS(xp, yp, g, db),
                    ARGS(DNNL_ARG_SRC, DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_WEIGHTS, DNNL_ARG_DIFF_BIAS));
        if (q != dnnl_success) {
#pragma omp critical(dc_conv2d_train_error)
            r = q;
        }
    }
    void *pad = dc_scratch(DC_SLOT_DNNL_PAD, ch->pad_bytes / sizeof(float) + 1);
    for (int th = 0; th < T && r == dnnl_success; th++) {
        const int64_t nb = N * (th + 1) / T - N * th / T;
        const wshare *w = &t->bw[nb == t->bw[0].nb ? 0 : 1];
        uint8_t *g = dwbuf + th * ch->dw_stride;
        r = dc_dnnl_run_reorder(e, strm, w->sum.p, &w->sum.pad, pad, &w->dw, g, &t->w_user,
                                dc_tensor_data(s->dw));
        if (s->b) add(dc_tensor_data(s->db), (const float *)(g + up(dnnl_memory_desc_get_size(&w->dw))), t->C);
    }
    return r;
}

/* w [out][in][kh][kw] transposed and flipped into buf [in][out][kh][kw] (see build_flip). */
static const float *flipped(const dc_conv2d_cfg *c, const float *w, float *buf)
{
    const int64_t O = c->out_ch, C = c->in_ch, K = (int64_t)c->kh * c->kw;
    for (int64_t o = 0; o < O; o++)
        for (int64_t i = 0; i < C; i++)
            for (int64_t k = 0; k < K; k++) buf[(i * O + o) * K + K - 1 - k] = w[(o * C + i) * K + k];
    return buf;
}

static dnnl_status_t backward(const chain *ch, const dc_train_stage *s, const float *dy, float *dx,
                              const uint8_t *saved, void *d0, void *d1, float *wbuf, uint8_t *dwbuf,
                              void *pad, float *flipbuf)
{
    dnnl_engine_t e;
    dnnl_stream_t strm;
    if (dc_dnnl_engine(&e, &strm) != DC_OK) return dnnl_runtime_error;
    uint8_t *sv = (uint8_t *)saved;
    void *cur = d0, *other = d1;
    dnnl_status_t r = dc_dnnl_run_reorder(e, strm, ch->dy_in.p, &ch->dy_in.pad, pad, &ch->user_out,
                                          dy, &ch->st[ch->n - 1].out, cur);
    for (int i = ch->n - 1; i >= 0 && r == dnnl_success; i--) {
        const tstage *t = &ch->st[i];
        void *ws = sv + t->off_ws, *swap;
        if (!s[i].conv) {
            r = RUN(t->bwd, 3, MDS(&t->out, &t->ws, &t->in), PTRS(cur, ws, other),
                    ARGS(DNNL_ARG_DIFF_DST, DNNL_ARG_WORKSPACE, DNNL_ARG_DIFF_SRC));
            swap = cur, cur = other, other = swap;
            continue;
        }
        float *dg = (float *)(dwbuf + ch->T * ch->dw_stride),
              *dbeta = dg + up((size_t)t->C * sizeof(float)) / sizeof(float);
        /* oneDNN counts shift as an input of the backward pass too */
        r = RUN(t->bn_bwd, s[i].relu ? 10 : 9,
                MDS(&t->conv, &t->stat, &t->stat, &t->out, &t->stat, &t->stat, &t->conv, &t->stat,
                    &t->stat, &t->ws),
                PTRS(sv + t->off_conv, sv + t->off_mean, sv + t->off_var, cur,
                     dc_tensor_data(s[i].bn[0]), dc_tensor_data(s[i].bn[1]), other, dg, dbeta, ws),
                ARGS(DNNL_ARG_SRC, DNNL_ARG_MEAN, DNNL_ARG_VARIANCE, DNNL_ARG_DIFF_DST,
                     DNNL_ARG_SCALE, DNNL_ARG_SHIFT, DNNL_ARG_DIFF_SRC, DNNL_ARG_DIFF_SCALE,
                     DNNL_ARG_DIFF_SHIFT, DNNL_ARG_WORKSPACE));
        if (r != dnnl_success) break;
        add(dc_tensor_data(s[i].dbn[0]), dg, t->C);
        add(dc_tensor_data(s[i].dbn[1]), dbeta, t->C);
        swap = cur, cur = other, other = swap;
        r = weight_grad(ch, t, &s[i], sv + ch->off_act[i], cur, dwbuf);
        if (r != dnnl_success) break;
        if (i == 0 && !dx) break;
        const step *wr = t->w_bwd.p ? &t->w_bwd : &t->w_fwd;
        const float *w = dc_tensor_data(s[i].w);
        if (t->flip) w = flipped(s[i].conv, w, flipbuf);
        r = dc_dnnl_run_reorder(e, strm, wr->p, &wr->pad, pad, t->flip ? &t->w_flip : &t->w_user,
                                w, &t->w_b, wbuf);
        if (r == dnnl_success)
            r = RUN(t->bwd, 3, MDS(&t->conv, &t->w_b, &t->in), PTRS(cur, wbuf, other),
                    t->flip ? ARGS(DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_DST)
                            : ARGS(DNNL_ARG_DIFF_DST, DNNL_ARG_WEIGHTS, DNNL_ARG_DIFF_SRC));
        swap = cur, cur = other, other = swap;
    }
    if (r == dnnl_success && dx)
        r = dc_dnnl_run_reorder(e, strm, ch->dx_out.p, &ch->dx_out.pad, pad, &ch->st[0].in, cur,
                                &ch->user_in, dx);
    return r;
}

dc_status dc_conv2d_train_forward(int n, const dc_train_stage *s, const dc_tensor *x, dc_tensor *y,
                                  dc_tensor *saved)
{
    const char *op = "conv2d_train";
    int64_t shapes[DC_TRAIN_MAX + 1][4];
    bool bf16;
    DC_TRY(check(op, n, s, x, shapes, &bf16));
    DC_TRY(dc_arg_out(y, DC_F32, 4, shapes[n], op, "y"));
    pthread_mutex_lock(&lock);
    chain *ch = NULL;
    dc_status st = lookup(n, s, shapes, bf16, &ch);
    if (st == DC_OK) st = dc_arg_out(saved, DC_U8, 1, (const int64_t[1]){(int64_t)ch->saved_bytes}, op, "saved");
    float *wbuf = NULL, *pad = NULL;
    if (st == DC_OK) {
        wbuf = dc_scratch(SLOT_W, ch->w_bytes / sizeof(float) + 1);
        pad = dc_scratch(DC_SLOT_DNNL_PAD, ch->pad_bytes / sizeof(float) + 1);
        if (!wbuf || !pad) st = dc_fail(DC_ERR_NOMEM, "%s: out of memory for the weights", op);
    }
    if (st == DC_OK) {
        dnnl_status_t r = forward(ch, s, dc_tensor_data(x), dc_tensor_data(y), dc_tensor_data(saved),
                                  wbuf, pad);
        if (r != dnnl_success) st = fail("execution", r);
    }
    pthread_mutex_unlock(&lock);
    return st;
}

dc_status dc_conv2d_train_backward(int n, const dc_train_stage *s, const dc_tensor *x,
                                   const dc_tensor *dy, dc_tensor *dx, const dc_tensor *saved)
{
    const char *op = "conv2d_train_backward";
    int64_t shapes[DC_TRAIN_MAX + 1][4];
    bool bf16;
    DC_TRY(check(op, n, s, x, shapes, &bf16));
    DC_TRY(dc_arg_f32_shape(dy, 4, shapes[n], op, "dy"));
    if (dx) DC_TRY(dc_arg_out(dx, DC_F32, 4, shapes[0], op, "dx"));
    pthread_mutex_lock(&lock);
    chain *ch = NULL;
    dc_status st = lookup(n, s, shapes, bf16, &ch);
    if (st == DC_OK && (saved->dtype != DC_U8 || saved->ndim != 1 ||
                        dc_tensor_numel(saved) != (int64_t)ch->saved_bytes))
        st = dc_fail(DC_ERR_ARG, "%s: saved does not come from a forward pass of these stages on "
                     "this shape (%lld bytes, expected %lld)", op, (long long)dc_tensor_numel(saved),
                     (long long)ch->saved_bytes);
    void *d0 = NULL, *d1 = NULL, *wbuf = NULL, *dwbuf = NULL, *pad = NULL;
    float *flipbuf = NULL;
    if (st == DC_OK) {
        const size_t fl = sizeof(float);
        d0 = dc_scratch(SLOT_D0, ch->diff_bytes / fl + 1), d1 = dc_scratch(SLOT_D1, ch->diff_bytes / fl + 1);
        wbuf = dc_scratch(SLOT_W, ch->w_bytes / fl + 1), dwbuf = dc_scratch(SLOT_DW, (ch->T * ch->dw_stride + ch->bn_bytes) / fl + 1);
        pad = dc_scratch(DC_SLOT_DNNL_PAD, ch->pad_bytes / fl + 1);
        flipbuf = ch->flip_floats ? dc_scratch(SLOT_FLIP, ch->flip_floats) : NULL;
        if (!d0 || !d1 || !wbuf || !dwbuf || !pad || (ch->flip_floats && !flipbuf))
            st = dc_fail(DC_ERR_NOMEM, "%s: out of memory for the gradients", op);
    }
    if (st == DC_OK) {
        dnnl_status_t r = backward(ch, s, dc_tensor_data(dy), dx ? dc_tensor_data(dx) : NULL,
                                   dc_tensor_data(saved), d0, d1, wbuf, dwbuf, pad, flipbuf);
        if (r != dnnl_success) st = fail("execution", r);
    }
    pthread_mutex_unlock(&lock);
    return st;
}
