/* The oneDNN inference chain (see conv2d_chain.h).
 *
 * Every stage reads and writes the chain's layout (dnnl_util.h, dc_dnnl_act: channels-last
 * in a chain of bf16 convolutions, blocked in an fp32 one). The dtype of the activation
 * after stage i is the compute dtype of the next convolution after it (bf16 or fp32, by
 * conv2d_dnnl's rule for the forward pass), fp32 after the last convolution; a convolution
 * reads its own compute dtype and a pooling writes what it reads. Where what a stage reads
 * differs from what the one before wrote (the chain's NCHW input; an fp32 first layer
 * handing over to bf16 when oneDNN cannot write bf16 from it) a reorder converts. The
 * activations alternate between scratch slots 4 and 5, the convolution's weights (the folded
 * BatchNorm's, slots 8 and 9) are reordered into slot 6 on every call, oneDNN's scratchpad
 * is slot 10. A chain's primitives are built on its first call for its shapes and the thread
 * count of the moment, and cached (the cache's mutex is held while a chain runs). */
#include "conv2d_chain.h"

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

#define SLOT_A 4
#define SLOT_B 5
#define SLOT_W 6
#define KEY_HEAD 6
#define KEY_STAGE 12
#define NKEY (KEY_HEAD + KEY_STAGE * DC_CHAIN_MAX)

typedef struct stage {
    dnnl_primitive_t prim, in_reorder, w_reorder;
    dnnl_memory_desc_t in;         /* what the stage reads, whole */
    dnnl_memory_desc_t src;        /* ... as its primitive reads it (a pooling: its windows' rows) */
    dnnl_memory_desc_t out;        /* what it writes */
    dnnl_memory_desc_t w_user, w, bias;
    dnnl_memory_desc_t pad, in_pad, w_pad; /* scratchpads */
    int64_t O, H, W;               /* a convolution's output channels, its input map */
} stage;

typedef struct chain {
    dc_prim_node node; /* first: the cache's link */
    int64_t key[NKEY];
    int n;
    stage *st;
    dnnl_primitive_t out_reorder;
    dnnl_memory_desc_t user_in, user_out, out_pad;
    size_t act_bytes, w_bytes, pad_bytes;
} chain;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static dc_status fail(const char *what, dnnl_status_t s)
{
    return dc_fail(s == dnnl_out_of_memory ? DC_ERR_NOMEM : DC_ERR_ARG,
                   "conv2d_chain: oneDNN %s failed (dnnl_status %d)", what, (int)s);
}

/* The propagation kind a convolution of algorithm alg is built for: an inference Winograd
 * kernel reads weights pre-transformed into its own layout, and the chain folds and reorders
 * its weights on every call: that transform took as long as the convolution (small's conv4
 * at batch 256: 39 against 72 ms, ONEDNN_VERBOSE), the training kernel's layout a reorder of
 * 0.3 ms. */
static dnnl_prop_kind_t prop(dnnl_alg_kind_t alg)
{
    return alg == dnnl_convolution_winograd ? dnnl_forward_training : dnnl_forward_inference;
}

/* The convolution of stage s (input map H x W, output Ho x Wo, N images) writing dtype out
 * (fp32 when oneDNN has no kernel writing bf16 from this layer's compute dtype); in fp32 by
 * oneDNN's Winograd where it has it (as conv2d_dnnl.c's layers), else directly. */
static dnnl_status_t build_conv(dnnl_engine_t e, const_dnnl_primitive_attr_t attr,
                                const dc_chain_stage *s, int64_t N, int64_t H, int64_t W,
                                int64_t Ho, int64_t Wo, dnnl_data_type_t out, bool b16, stage *st)
{
    const dc_conv2d_cfg *c = s->conv;
    const dnnl_data_type_t ct = dc_conv2d_dnnl_bf16_forward(c, H, W) ? dnnl_bf16 : dnnl_f32;
    const dnnl_dims_t wd = {c->out_ch, c->in_ch, c->kh, c->kw}, bd = {c->out_ch},
                      str = {c->sh, c->sw}, pl = {c->ph, c->pw},
                      pr = {(Ho - 1) * c->sh + c->kh - H - c->ph, (Wo - 1) * c->sw + c->kw - W - c->pw};
    const bool bias = s->b || s->bn[0];
    dnnl_alg_kind_t algs[2];
    const int na = dc_dnnl_conv_algs(c, algs);
    /* what to try, in order: (algorithm, output dtype) */
    struct attempt { dnnl_alg_kind_t alg; dnnl_data_type_t dt; } tries[4];
    int nt = 0;
    for (int o = 0; o < (out == dnnl_f32 ? 1 : 2); o++)
        for (int a = 0; a < na; a++) tries[nt++] = (struct attempt){algs[a], o ? dnnl_f32 : out};
    dnnl_memory_desc_t wa;
    dnnl_status_t r = dc_dnnl_act(&st->in, N, c->in_ch, H, W, ct, b16);
    if (r == dnnl_success) r = dnnl_memory_desc_init_by_tag(&st->w_user, 4, wd, dnnl_f32, dnnl_oihw);
    if (r == dnnl_success) r = dnnl_memory_desc_init_by_tag(&wa, 4, wd, ct, dnnl_format_tag_any);
    if (r == dnnl_success) r = dnnl_memory_desc_init_by_tag(&st->bias, 1, bd, dnnl_f32, dnnl_x);
    st->src = st->in;
    for (int k = 0; k < nt && r == dnnl_success; k++) {
        dnnl_convolution_desc_t d;
        dnnl_primitive_desc_t pd = NULL;
        r = dc_dnnl_act(&st->out, N, c->out_ch, Ho, Wo, tries[k].dt, b16);
        if (r == dnnl_success)
            r = dnnl_convolution_forward_desc_init(&d, prop(tries[k].alg), tries[k].alg,
                                                   &st->in, &wa, bias ? &st->bias : NULL, &st->out,
                                                   str, pl, pr);
        if (r == dnnl_success) r = dnnl_primitive_desc_create(&pd, &d, attr, e, NULL);
        if (r == dnnl_success) {
            st->w = *dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
            r = dc_dnnl_create(pd, &st->prim, &st->pad);
        }
        if (pd) dnnl_primitive_desc_destroy(pd);
        if (r != dnnl_unimplemented || k == nt - 1) break;
        r = dnnl_success; /* no such kernel here: the next try (an fp32 output: the next stage converts) */
    }
    return r;
}

/* The max pooling of stage s on an input of dtype dt, windows by PyTorch's rule, writing
 * dtype out where oneDNN can (else dt). */
static dnnl_status_t build_pool(dnnl_engine_t e, const_dnnl_primitive_attr_t attr,
                                const dc_chain_stage *s, int64_t N, int64_t C, int64_t H, int64_t W,
                                int64_t Ho, int64_t Wo, dnnl_data_type_t dt, dnnl_data_type_t out,
                                bool b16, stage *st)
{
    const dc_pool2d_cfg *c = s->pool;
    const dnnl_dims_t pr = {(Ho - 1) * c->sh + c->kh - H - c->ph, (Wo - 1) * c->sw + c->kw - W - c->pw},
                      str = {c->sh, c->sw}, k = {c->kh, c->kw}, pl = {c->ph, c->pw};
    dnnl_status_t r = dc_dnnl_act(&st->in, N, C, H, W, dt, b16);
    st->src = st->in;
    for (int attempt = 0; attempt < 2 && r == dnnl_success; attempt++) {
        dnnl_pooling_desc_t d;
        dnnl_primitive_desc_t pd = NULL;
        r = dc_dnnl_act(&st->out, N, C, Ho, Wo, attempt ? dt : out, b16);
        if (r == dnnl_success)
            r = dnnl_pooling_forward_desc_init(&d, dnnl_forward_inference, dnnl_pooling_max,
                                               &st->src, &st->out, str, k, pl, pr);
        if (r == dnnl_success) r = dnnl_primitive_desc_create(&pd, &d, attr, e, NULL);
        if (r == dnnl_success) r = dc_dnnl_create(pd, &st->prim, &st->pad);
        if (pd) dnnl_primitive_desc_destroy(pd);
        if (r != dnnl_unimplemented || out == dt) break;
        r = dnnl_success;
    }
    return r;
}

static void destroy(dc_prim_node *node)
{
    chain *ch = (chain *)node;
    for (int i = 0; i < ch->n; i++) {
        stage *st = &ch->st[i];
        if (st->prim) dnnl_primitive_destroy(st->prim);
        if (st->in_reorder) dnnl_primitive_destroy(st->in_reorder);
        if (st->w_reorder) dnnl_primitive_destroy(st->w_reorder);
    }
    if (ch->out_reorder) dnnl_primitive_destroy(ch->out_reorder);
    free(ch->st);
    free(ch);
}

/* The primitives of a chain of checked stages (shapes[i]: the input of stage i, shapes[n]:
 * the output). */
static dnnl_status_t build(dnnl_engine_t e, chain *ch, const dc_chain_stage *s, int64_t (*shapes)[4])
{
    const int n = ch->n;
    const int64_t N = shapes[0][0];
    dnnl_primitive_attr_t attr = NULL, relu_attr = NULL;
    dnnl_post_ops_t po = NULL;
    dnnl_status_t r = dnnl_primitive_attr_create(&attr);
    if (r == dnnl_success) r = dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user);
    if (r == dnnl_success) r = dnnl_primitive_attr_clone(&relu_attr, attr);
    if (r == dnnl_success) r = dnnl_post_ops_create(&po);
    if (r == dnnl_success) r = dnnl_post_ops_append_eltwise(po, 1.0f, dnnl_eltwise_relu, 0, 0);
    if (r == dnnl_success) r = dnnl_primitive_attr_set_post_ops(relu_attr, po);
    if (po) dnnl_post_ops_destroy(po);
    /* the dtype each activation is written in: the next convolution's compute dtype */
    dnnl_data_type_t want[DC_CHAIN_MAX], next = dnnl_f32;
    bool b16 = false; /* a chain of bf16 convolutions (the activations' layout) */
    for (int i = n - 1; i >= 0; i--) {
        want[i] = next;
        b16 = b16 || (s[i].conv && s[i].conv->bf16);
        if (s[i].conv)
            next = dc_conv2d_dnnl_bf16_forward(s[i].conv, shapes[i][2], shapes[i][3]) ? dnnl_bf16
                                                                                      : dnnl_f32;
    }
    dnnl_dims_t x = {0}, y = {0};
    memcpy(x, shapes[0], sizeof shapes[0]);
    memcpy(y, shapes[n], sizeof shapes[n]);
    if (r == dnnl_success) r = dnnl_memory_desc_init_by_tag(&ch->user_in, 4, x, dnnl_f32, dnnl_abcd);
    if (r == dnnl_success) r = dnnl_memory_desc_init_by_tag(&ch->user_out, 4, y, dnnl_f32, dnnl_abcd);
    const dnnl_memory_desc_t *prev = &ch->user_in;
    for (int i = 0; i < n && r == dnnl_success; i++) {
        stage *st = &ch->st[i];
        const int64_t *in = shapes[i], *out = shapes[i + 1];
        st->O = out[1], st->H = in[2], st->W = in[3];
        if (s[i].conv)
            r = build_conv(e, s[i].relu ? relu_attr : attr, &s[i], N, in[2], in[3], out[2], out[3],
                           want[i], b16, st);
        else
            r = build_pool(e, attr, &s[i], N, in[1], in[2], in[3], out[2], out[3],
                           i == 0 ? want[i] : prev->data_type, want[i], b16, st);
        if (r == dnnl_success && !dnnl_memory_desc_equal(prev, &st->in))
            r = dc_dnnl_reorder(e, prev, &st->in, attr, &st->in_reorder, &st->in_pad);
        if (r == dnnl_success && s[i].conv && !dnnl_memory_desc_equal(&st->w_user, &st->w))
            r = dc_dnnl_reorder(e, &st->w_user, &st->w, attr, &st->w_reorder, &st->w_pad);
        ch->act_bytes = dc_dnnl_max_size(dc_dnnl_max_size(ch->act_bytes, &st->in), &st->out);
        if (st->w_reorder) ch->w_bytes = dc_dnnl_max_size(ch->w_bytes, &st->w);
        ch->pad_bytes = dc_dnnl_max_size(ch->pad_bytes, &st->pad);
        ch->pad_bytes = dc_dnnl_max_size(dc_dnnl_max_size(ch->pad_bytes, &st->in_pad), &st->w_pad);
        prev = &st->out;
    }
    if (r == dnnl_success) r = dc_dnnl_reorder(e, prev, &ch->user_out, attr, &ch->out_reorder, &ch->out_pad);
    ch->pad_bytes = dc_dnnl_max_size(ch->pad_bytes, &ch->out_pad);
    if (attr) dnnl_primitive_attr_destroy(attr);
    if (relu_attr) dnnl_primitive_attr_destroy(relu_attr);
    return r;
}

static dc_prim_cache cache = {NULL, 8, destroy};

/* The cached chain of these stages and shapes, built on first use. Called with lock held. */
static dc_status lookup(int n, const dc_chain_stage *s, int64_t (*shapes)[4], chain **out)
{
    int64_t key[NKEY] = {n, shapes[0][0], shapes[0][1], shapes[0][2], shapes[0][3],
                         omp_get_max_threads()};
    for (int i = 0; i < n; i++) {
        int64_t *k = key + KEY_HEAD + KEY_STAGE * i;
        if (s[i].conv) {
            const int m = dc_dnnl_conv_key(k, s[i].conv);
            k[m] = s[i].conv->bf16, k[m + 1] = s[i].b || s[i].bn[0], k[m + 2] = s[i].relu;
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
    stage *stages = calloc((size_t)n, sizeof *stages);
    if (!ch || !stages) {
        free(ch);
        free(stages);
        return dc_fail(DC_ERR_NOMEM, "conv2d_chain: out of memory for oneDNN primitives");
    }
    memcpy(ch->key, key, sizeof key);
    ch->node.key = ch->key, ch->node.key_bytes = sizeof ch->key;
    ch->n = n, ch->st = stages;
    dnnl_status_t r = build(e, ch, s, shapes);
    if (r != dnnl_success) { /* keep nothing half-built: the next call reports the same error */
        destroy(&ch->node);
        return fail("primitive", r);
    }
    dc_prim_cache_add(&cache, &ch->node);
    return *out = ch, DC_OK;
}

/* The chain on x into y (checked). */
static dc_status exec(const chain *ch, const dc_chain_stage *s, const float *x, float *y)
{
    dnnl_engine_t e;
    dnnl_stream_t strm;
    DC_TRY(dc_dnnl_engine(&e, &strm));
    const size_t fl = sizeof(float);
    float *a = dc_scratch(SLOT_A, ch->act_bytes / fl + 1), *b = dc_scratch(SLOT_B, ch->act_bytes / fl + 1);
    float *wbuf = ch->w_bytes ? dc_scratch(SLOT_W, ch->w_bytes / fl + 1) : NULL;
    float *pad = ch->pad_bytes ? dc_scratch(DC_SLOT_DNNL_PAD, ch->pad_bytes / fl + 1) : NULL;
    DC_CHECK(a && b && (wbuf || !ch->w_bytes) && (pad || !ch->pad_bytes), DC_ERR_NOMEM,
             "conv2d_chain: out of memory for the activations");
    const void *cur = x;
    const dnnl_memory_desc_t *cur_md = &ch->user_in;
    dnnl_status_t r = dnnl_success;
    for (int i = 0; i < ch->n && r == dnnl_success; i++) {
        const stage *st = &ch->st[i];
        if (st->in_reorder) {
            float *to = cur == a ? b : a;
            r = dc_dnnl_run_reorder(e, strm, st->in_reorder, &st->in_pad, pad, cur_md, cur, &st->in, to);
            cur = to;
        }
        float *to = cur == a ? b : a;
        if (r == dnnl_success && s[i].conv) {
            const float *w = dc_tensor_data(s[i].w), *bias = s[i].b ? dc_tensor_data(s[i].b) : NULL;
            if (s[i].bn[0]) {
                const size_t k = (size_t)s[i].conv->in_ch * s[i].conv->kh * s[i].conv->kw;
                float *wf = dc_scratch(DC_SLOT_FOLD_W, (size_t)st->O * k),
                      *bf = dc_scratch(DC_SLOT_FOLD_B, (size_t)st->O);
                DC_CHECK(wf && bf, DC_ERR_NOMEM, "conv2d_chain: out of memory for the folded weights");
                dc_conv2d_bn_fold(s[i].conv, s[i].w, s[i].b, s[i].bn, s[i].eps, wf, bf);
                w = wf, bias = bf;
            }
            if (st->w_reorder)
                r = dc_dnnl_run_reorder(e, strm, st->w_reorder, &st->w_pad, pad, &st->w_user, w, &st->w, wbuf);
            const void *wp = st->w_reorder ? (const void *)wbuf : (const void *)w;
            if (r == dnnl_success)
                r = dc_dnnl_run(e, strm, st->prim, &st->pad, pad, bias ? 4 : 3,
                        (const dnnl_memory_desc_t *const[]){&st->src, &st->w, &st->out, &st->bias},
                        (void *const[]){(void *)cur, (void *)wp, to, (void *)bias},
                        (const int[]){DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_DST, DNNL_ARG_BIAS});
        } else if (r == dnnl_success) {
            r = dc_dnnl_run(e, strm, st->prim, &st->pad, pad, 2,
                    (const dnnl_memory_desc_t *const[]){&st->src, &st->out},
                    (void *const[]){(void *)cur, to}, (const int[]){DNNL_ARG_SRC, DNNL_ARG_DST});
        }
        cur = to, cur_md = &st->out;
    }
    if (r == dnnl_success)
        r = dc_dnnl_run_reorder(e, strm, ch->out_reorder, &ch->out_pad, pad, cur_md, cur, &ch->user_out, y);
    return r == dnnl_success ? DC_OK : fail("execution", r);
}

/* Checks stage i on an input of shape in (x's storage, for the shape checks only) and sets
 * out to its output shape. */
static dc_status check_stage(int i, const dc_chain_stage *s, const dc_tensor *x, const int64_t *in,
                             int64_t *out)
{
    dc_tensor t = *x;
    int64_t stride = 1;
    for (int d = 3; d >= 0; d--) t.shape[d] = in[d], t.stride[d] = stride, stride *= in[d];
    dc_status st;
    if (s->conv) {
        st = dc_conv2d_out_shape(s->conv, &t, out);
        if (st == DC_OK) st = dc_conv2d_params_check(s->conv, s->w, s->b, s->bn[0] ? s->bn : NULL, s->eps, "conv2d");
        if (st == DC_OK && !dc_conv2d_dnnl_fits(s->conv, in[2], in[3]))
            st = dc_fail(DC_ERR_ARG, "oneDNN cannot run this layer on [%lld, %lld, %lld, %lld]: its "
                         "last window overhangs the padding", (long long)in[0], (long long)in[1],
                         (long long)in[2], (long long)in[3]);
    } else {
        st = s->pool ? dc_pool2d_out_shape(s->pool, &t, "maxpool2d", out)
                     : dc_fail(DC_ERR_ARG, "neither a convolution nor a pooling");
    }
    if (st == DC_OK) return DC_OK;
    char msg[512];
    snprintf(msg, sizeof msg, "%s", dc_last_error());
    return dc_fail(st, "conv2d_chain: stage %d: %s", i + 1, msg);
}

dc_status dc_conv2d_chain_forward(int n, const dc_chain_stage *s, const dc_tensor *x, dc_tensor *y)
{
    const char *op = "conv2d_chain";
    DC_CHECK(n >= 1 && n <= DC_CHAIN_MAX, DC_ERR_ARG, "%s: %d stages, expected 1 to %d", op, n,
             DC_CHAIN_MAX);
    DC_TRY(dc_arg_f32(x, 4, op, "x", "[N, C, H, W]"));
    int64_t shapes[DC_CHAIN_MAX + 1][4];
    memcpy(shapes[0], x->shape, sizeof shapes[0]);
    for (int i = 0; i < n; i++) DC_TRY(check_stage(i, &s[i], x, shapes[i], shapes[i + 1]));
    DC_TRY(dc_arg_out(y, DC_F32, 4, shapes[n], op, "y"));
    if (shapes[0][0] == 0) return DC_OK;
    pthread_mutex_lock(&lock);
    chain *ch = NULL;
    dc_status st = lookup(n, s, shapes, &ch);
    if (st == DC_OK) st = exec(ch, s, dc_tensor_data(x), dc_tensor_data(y));
    pthread_mutex_unlock(&lock);
    return st;
}
