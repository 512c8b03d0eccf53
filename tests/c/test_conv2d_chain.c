/* conv2d_chain (oneDNN inference chain) against the same layers run one by one through the
 * existing kernels (conv2d_bn_forward / conv2d_forward + relu, maxpool2d_forward): the
 * feature stacks of small (28x28), AlexNet and VGG-16 (224x224), with folded BatchNorms and
 * ReLUs, in fp32 and in bf16, plus a pooling first, a convolution without BatchNorm, padded
 * and ceil-mode poolings, and the errors.
 * Tolerances, relative to the largest output: the bf16 chain against the bf16 layers 1e-5
 * (the same roundings: a bf16 convolution rounds its input either way, and rounding commutes
 * with max pooling and ReLU; only the order of fp32 sums inside oneDNN may differ); the fp32
 * chain against the fp32 layers 1e-4 (measured 0.6-1.2e-6 on the Xeon: the same kernels on
 * other layouts sum in other orders, and the layers fold the BatchNorm themselves); the bf16 chain against fp32 2e-2 (bf16 inputs at every layer, 8 bits of
 * mantissa, compounding over up to 13 convolutions). */

#include "bf16_skip.h"
#include "gradcheck.h"
#include "layers/conv2d_chain.h"
#include "layers/maxpool2d.h"
#include "layers/relu.h"

typedef struct layer {
    char kind; /* 'c' conv, 'p' max pool */
    int in, out, k, s, p;
    bool bn, ceil;
} layer;

#define L_CONV(i, o, k, s, p) {'c', i, o, k, s, p, true, false}
#define L_POOL(k, s) {'p', 0, 0, k, s, 0, false, false}

/* the parameters of one convolution */
typedef struct params {
    dc_conv2d_cfg cfg;
    dc_tensor w, b, bn[4];
    dc_pool2d_cfg pool;
} params;

static void make(const layer *l, bool bf16, params *p)
{
    *p = (params){0};
    if (l->kind == 'p') {
        p->pool = (dc_pool2d_cfg){l->k, l->k, l->s, l->s, l->p, l->p, l->ceil, true};
        return;
    }
    p->cfg = (dc_conv2d_cfg){l->in, l->out, l->k, l->k, l->s, l->s, l->p, l->p, true,
                             DC_CONV_AUTO, bf16};
    const int64_t ws[4] = {l->out, l->in, l->k, l->k}, cs[1] = {l->out};
    /* He-scaled weights: activations keep their size through deep stacks */
    const double a = sqrt(6.0 / (l->in * l->k * l->k));
    p->w = gc_rand(4, ws, -a, a);
    p->b = gc_rand(1, cs, -0.1, 0.1);
    if (!l->bn) return;
    p->bn[0] = gc_rand(1, cs, 0.5, 1.5), p->bn[1] = gc_rand(1, cs, -0.2, 0.2);
    p->bn[2] = gc_rand(1, cs, -0.2, 0.2), p->bn[3] = gc_rand(1, cs, 0.5, 2);
}

static void release(params *p)
{
    dc_tensor *all[] = {&p->w, &p->b, &p->bn[0], &p->bn[1], &p->bn[2], &p->bn[3]};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) dc_tensor_release(all[i]);
}

/* The stack run layer by layer with the existing kernels (every conv followed by a ReLU). */
static void layer_by_layer(int n, const layer *ls, params *ps, const dc_tensor *x, dc_tensor *y)
{
    dc_tensor cur = dc_tensor_empty();
    dc_tensor_share(&cur, x);
    for (int i = 0; i < n; i++) {
        dc_tensor next = dc_tensor_empty();
        params *p = &ps[i];
        if (ls[i].kind == 'p') {
            CHECK_OK(dc_maxpool2d_forward(&p->pool, &cur, &next, NULL));
        } else if (ls[i].bn) {
            CHECK_OK(dc_conv2d_bn_forward(&p->cfg, &cur, &p->w, &p->b, &p->bn[0], &p->bn[1],
                                          &p->bn[2], &p->bn[3], 1e-5, true, &next));
        } else {
            CHECK_OK(dc_conv2d_forward(&p->cfg, &cur, &p->w, &p->b, &next));
            CHECK_OK(dc_relu_forward(&next, &next));
        }
        dc_tensor_share(&cur, &next);
        dc_tensor_release(&next);
    }
    dc_tensor_share(y, &cur);
    dc_tensor_release(&cur);
}

static void chain(int n, params *ps, const layer *ls, const dc_tensor *x, dc_tensor *y)
{
    dc_chain_stage st[DC_CHAIN_MAX];
    for (int i = 0; i < n; i++) {
        params *p = &ps[i];
        st[i] = ls[i].kind == 'p'
                    ? (dc_chain_stage){.pool = &p->pool}
                    : (dc_chain_stage){.conv = &p->cfg, .w = &p->w, .b = &p->b, .eps = 1e-5, .relu = true,
                                       .bn = {ls[i].bn ? &p->bn[0] : NULL, &p->bn[1], &p->bn[2], &p->bn[3]}};
    }
    CHECK_OK(dc_conv2d_chain_forward(n, st, x, y));
}

/* The stack ls (n layers) on N images of C x H x W: the chain against the layers in the
 * precision bf16, and in bf16 also against the fp32 layers. */
static void compare(const char *name, int n, const layer *ls, int N, int C, int H, bool bf16)
{
    params ps[DC_CHAIN_MAX], p32[DC_CHAIN_MAX];
    const int64_t xs[4] = {N, C, H, H};
    dc_tensor x = gc_rand(4, xs, -1, 1), y = dc_tensor_empty(), r = dc_tensor_empty(),
              r32 = dc_tensor_empty();
    for (int i = 0; i < n; i++) make(&ls[i], bf16, &ps[i]);
    chain(n, ps, ls, &x, &y);
    layer_by_layer(n, ls, ps, &x, &r);
    CHECK(dc_tensor_same_shape(&y, &r));
    const double e = gc_rel_err(&y, &r);
    if (!(e <= (bf16 ? 1e-5 : 1e-4)))
        TT_REPORT("%s %s: chain against the layers: relative error %.3g", name, bf16 ? "bf16" : "fp32", e);
    if (bf16) {
        for (int i = 0; i < n; i++) {
            p32[i] = ps[i];
            p32[i].cfg.bf16 = false;
        }
        layer_by_layer(n, ls, p32, &x, &r32);
        const double e32 = gc_rel_err(&y, &r32);
        if (!(e32 <= 2e-2 && e32 > 0))
            TT_REPORT("%s bf16 chain against the fp32 layers: relative error %.3g", name, e32);
    }
    for (int i = 0; i < n; i++) release(&ps[i]);
    dc_tensor *all[] = {&x, &y, &r, &r32};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) dc_tensor_release(all[i]);
}

static const layer SMALL[] = {L_CONV(2, 64, 3, 1, 1), L_POOL(2, 2), L_CONV(64, 128, 3, 1, 1),
                              L_POOL(2, 2), L_CONV(128, 256, 3, 1, 1), L_CONV(256, 256, 3, 1, 1),
                              L_POOL(2, 2)};
static const layer ALEXNET[] = {L_CONV(2, 96, 11, 4, 2), L_POOL(3, 2), L_CONV(96, 256, 5, 1, 2),
                                L_POOL(3, 2), L_CONV(256, 384, 3, 1, 1), L_CONV(384, 384, 3, 1, 1),
                                L_CONV(384, 256, 3, 1, 1), L_POOL(3, 2)};
static const layer VGG16[] = {
    L_CONV(2, 64, 3, 1, 1),    L_CONV(64, 64, 3, 1, 1),   L_POOL(2, 2),
    L_CONV(64, 128, 3, 1, 1),  L_CONV(128, 128, 3, 1, 1), L_POOL(2, 2),
    L_CONV(128, 256, 3, 1, 1), L_CONV(256, 256, 3, 1, 1), L_CONV(256, 256, 3, 1, 1), L_POOL(2, 2),
    L_CONV(256, 512, 3, 1, 1), L_CONV(512, 512, 3, 1, 1), L_CONV(512, 512, 3, 1, 1), L_POOL(2, 2),
    L_CONV(512, 512, 3, 1, 1), L_CONV(512, 512, 3, 1, 1), L_CONV(512, 512, 3, 1, 1), L_POOL(2, 2)};
/* a pooling first, a convolution without BatchNorm, a padded pooling, a ceil-mode pooling
 * (its last windows reach past the map) */
static const layer ODD[] = {L_POOL(2, 2), {'c', 16, 32, 3, 1, 1, false, false}, {'p', 0, 0, 3, 2, 1, false, false},
                            L_CONV(32, 32, 3, 1, 1), {'p', 0, 0, 2, 2, 0, false, true}};

#define COUNT(a) ((int)(sizeof a / sizeof *a))

static void test_fp32(void)
{
    compare("small", COUNT(SMALL), SMALL, 3, 2, 28, false);
    compare("odd", COUNT(ODD), ODD, 2, 16, 29, false);
    compare("alexnet", COUNT(ALEXNET), ALEXNET, 2, 2, 224, false);
}

static void test_bf16(void)
{
    const char *why = no_bf16();
    if (why) TT_SKIP(why);
    compare("small", COUNT(SMALL), SMALL, 3, 2, 28, true);
    compare("odd", COUNT(ODD), ODD, 2, 16, 29, true);
    compare("alexnet", COUNT(ALEXNET), ALEXNET, 2, 2, 224, true);
    compare("vgg16", COUNT(VGG16), VGG16, 1, 2, 224, true);
}

static void test_errors(void)
{
    params ps[2];
    const layer ls[2] = {L_CONV(4, 8, 3, 1, 1), L_POOL(2, 2)};
    for (int i = 0; i < 2; i++) make(&ls[i], false, &ps[i]);
    const int64_t xs[4] = {1, 3, 8, 8}, tiny[4] = {1, 4, 1, 1};
    dc_tensor x = gc_rand(4, xs, -1, 1), t = gc_rand(4, tiny, -1, 1), y = dc_tensor_empty();
    dc_chain_stage st[2] = {{.conv = &ps[0].cfg, .w = &ps[0].w, .b = &ps[0].b, .relu = true,
                             .bn = {&ps[0].bn[0], &ps[0].bn[1], &ps[0].bn[2], &ps[0].bn[3]}, .eps = 1e-5},
                            {.pool = &ps[1].pool}};
    CHECK_FAILS(dc_conv2d_chain_forward(2, st, &x, &y), DC_ERR_SHAPE,
                "conv2d_chain: stage 1: conv2d: expected 4 input channels");
    CHECK_FAILS(dc_conv2d_chain_forward(2, st, &t, &y), DC_ERR_SHAPE,
                "conv2d_chain: stage 2: maxpool2d: x float32 [1, 8, 1, 1] is too small for a 2x2 window");
    CHECK_FAILS(dc_conv2d_chain_forward(0, st, &x, &y), DC_ERR_ARG,
                "conv2d_chain: 0 stages, expected 1 to 64");
    st[0].eps = 0;
    const int64_t ok[4] = {1, 4, 8, 8};
    dc_tensor x4 = gc_rand(4, ok, -1, 1);
    CHECK_FAILS(dc_conv2d_chain_forward(2, st, &x4, &y), DC_ERR_ARG,
                "conv2d_chain: stage 1: conv2d: eps must be > 0");
    for (int i = 0; i < 2; i++) release(&ps[i]);
    dc_tensor_release(&x);
    dc_tensor_release(&x4);
    dc_tensor_release(&t);
}

int main(void)
{
    gc_seed(5);
    RUN_TEST(test_fp32);
    RUN_TEST(test_bf16);
    RUN_TEST(test_errors);
    return TEST_SUMMARY();
}
