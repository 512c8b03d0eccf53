/* linear: forward against a double loop, backward by finite differences (fp32; the forward
 * pass is oneDNN's on AVX-512, OpenBLAS's elsewhere, and on AVX-512 also checked against
 * sgemm within 1e-5 on the shapes below). The bf16 path (oneDNN's matmul) against the fp32
 * one on every Linear shape of the small (batch 256) and AlexNet (batch 32) models and two
 * small odd ones: y, dx, dw and db within BF16_TOL * max |fp32| per tensor (x, w, dy rounded
 * to 8 significant bits, relative error 2^-9 each, sums in fp32; the worst measured on these
 * shapes was 2.9e-3); skipped, with the reason printed and not counted as passed, on a CPU
 * without AVX512_BF16 or AMX-BF16, where the test checks the refusal instead. */
#include <cblas.h>
#include <stdlib.h>
#include <string.h>

#include "bf16_skip.h"
#include "gradcheck.h"
#include "layers/linear.h"

#define BF16_TOL 5e-3

typedef struct fixture {
    dc_tensor x, w, b, r;
    bool bias;
} fixture;

static double *reference(const void *ctx)
{
    const fixture *f = ctx;
    int64_t N = f->x.shape[0], in = f->x.shape[1], out = f->w.shape[0];
    double *y = calloc((size_t)(N * out), sizeof(double));
    for (int64_t n = 0; n < N; n++)
        for (int64_t o = 0; o < out; o++) {
            double s = f->bias ? gc_f(&f->b)[o] : 0;
            for (int64_t i = 0; i < in; i++) s += (double)gc_f(&f->x)[n * in + i] * gc_f(&f->w)[o * in + i];
            y[n * out + o] = s;
        }
    return y;
}

static void run_case(int64_t N, int64_t in, int64_t out, bool bias)
{
    fixture f;
    int64_t xs[2] = {N, in}, ws[2] = {out, in}, bs[1] = {out}, ys[2] = {N, out};
    f.bias = bias;
    f.x = gc_rand(2, xs, -1, 1);
    f.w = gc_rand(2, ws, -1, 1);
    f.b = gc_rand(1, bs, -1, 1);
    f.r = gc_rand(2, ys, -1, 1);
    dc_tensor y = dc_tensor_empty(), dx = dc_tensor_empty(), dw = gc_zeros(2, ws),
              db = gc_zeros(1, bs);
    CHECK_OK(dc_linear_forward(&f.x, &f.w, bias ? &f.b : NULL, &y, NULL));
    double *want = reference(&f);
    gc_compare("y", &y, want, 1e-5);
    free(want);
    /* scale 0.5 twice: checks accumulation and scale at once */
    CHECK_OK(dc_linear_backward(&f.x, &f.w, &f.r, &dx, &dw, &db, 0.5f, NULL));
    CHECK_OK(dc_linear_backward(&f.x, &f.w, &f.r, NULL, &dw, &db, 0.5f, NULL));
    gc_check_projected("x", &f.x, &dx, reference, &f, &f.r, 1e-2, 1e-4);
    gc_check_projected("w", &f.w, &dw, reference, &f, &f.r, 1e-2, 1e-4);
    if (bias) gc_check_projected("b", &f.b, &db, reference, &f, &f.r, 1e-2, 1e-4);
    dc_tensor *all[] = {&f.x, &f.w, &f.b, &f.r, &y, &dx, &dw, &db};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) dc_tensor_release(all[i]);
}

static void test_small(void) { run_case(3, 5, 4, true); }
static void test_odd_no_bias(void) { run_case(7, 13, 3, false); }
static void test_wide(void) { run_case(2, 300, 17, true); }

static void test_errors(void)
{
    int64_t xs[2] = {2, 5}, ws[2] = {4, 6}, bs[1] = {3};
    dc_tensor x = gc_rand(2, xs, 0, 1), w = gc_rand(2, ws, 0, 1), b = gc_rand(1, bs, 0, 1),
              y = dc_tensor_empty();
    CHECK_FAILS(dc_linear_forward(&x, &w, NULL, &y, NULL), DC_ERR_SHAPE,
                "linear_forward: weight float32 [4, 6] expects 6 input features, got x float32 [2, 5]");
    CHECK_FAILS(dc_linear_forward(&x, &x, &b, &y, NULL), DC_ERR_SHAPE,
                "linear_forward: bias must be float32 [2], got float32 [3]");
    CHECK_FAILS(dc_linear_forward(&b, &w, NULL, &y, NULL), DC_ERR_SHAPE,
                "linear_forward: x must be a float32 [N, in] tensor, got float32 [3]");
    dc_tensor_release(&x);
    dc_tensor_release(&w);
    dc_tensor_release(&b);
}

/* [N, in, out]: small's classifier and head (batch 256), AlexNet's (batch 32), two odd ones */
static const int64_t shapes[][3] = {
    {256, 2304, 512}, {256, 512, 512}, {256, 512, 100},
    {32, 9216, 4096}, {32, 4096, 4096}, {32, 4096, 1000},
    {7, 13, 3}, {5, 37, 19},
};
#define NSHAPES (sizeof shapes / sizeof *shapes)

/* On AVX-512 the fp32 forward pass runs in oneDNN (linear.c): against sgemm, on every shape. */
static void test_fp32_forward_shapes(void)
{
    if (!dc_cpu_get()->avx512f) TT_SKIP("no AVX-512: the fp32 forward pass is OpenBLAS's sgemm here");
    for (size_t s = 0; s < NSHAPES; s++) {
        const int64_t N = shapes[s][0], in = shapes[s][1], out = shapes[s][2];
        const int64_t xs[2] = {N, in}, ws[2] = {out, in}, bs[1] = {out}, ys[2] = {N, out};
        dc_tensor x = gc_rand(2, xs, -1, 1), w = gc_rand(2, ws, -0.05, 0.05),
                  b = gc_rand(1, bs, -1, 1), y = dc_tensor_empty(), ref = gc_zeros(2, ys);
        CHECK_OK(dc_linear_forward(&x, &w, &b, &y, NULL));
        for (int64_t n = 0; n < N; n++) memcpy(gc_f(&ref) + n * out, gc_f(&b), (size_t)out * sizeof(float));
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)N, (int)out, (int)in, 1.0f, gc_f(&x),
                    (int)in, gc_f(&w), (int)in, 1.0f, gc_f(&ref), (int)out);
        const double e = gc_rel_err(&y, &ref);
        if (!(e <= 1e-5))
            TT_REPORT("[%lld, %lld] -> %lld: relative error %.3g", (long long)N, (long long)in,
                      (long long)out, e);
        dc_tensor *all[] = {&x, &w, &b, &y, &ref};
        for (size_t i = 0; i < 5; i++) dc_tensor_release(all[i]);
    }
}

/* One forward and two backward passes (scale 0.5 each, the second without dx), in bf16 when
 * bf16, into y, dx, dw, db (dw, db from zero). */
static void passes(const dc_tensor *x, const dc_tensor *w, const dc_tensor *b, const dc_tensor *dy,
                   bool bf16, dc_tensor out[4])
{
    dc_tensor w16 = dc_tensor_empty();
    dc_tensor *w16p = bf16 ? &w16 : NULL;
    out[0] = dc_tensor_empty(), out[1] = dc_tensor_empty();
    out[2] = gc_zeros(2, w->shape), out[3] = gc_zeros(1, w->shape);
    CHECK_OK(dc_linear_forward(x, w, b, &out[0], w16p));
    CHECK_OK(dc_linear_backward(x, w, dy, &out[1], &out[2], &out[3], 0.5f, w16p));
    CHECK_OK(dc_linear_backward(x, w, dy, NULL, &out[2], &out[3], 0.5f, w16p));
    dc_tensor_release(&w16);
}

static void test_bf16_shapes(void)
{
    const char *why = no_bf16();
    if (why) TT_SKIP(why);
    double worst = 0;
    for (size_t s = 0; s < NSHAPES; s++) {
        const int64_t N = shapes[s][0], in = shapes[s][1], out = shapes[s][2];
        const int64_t xs[2] = {N, in}, ws[2] = {out, in}, bs[1] = {out}, ys[2] = {N, out};
        dc_tensor x = gc_rand(2, xs, -1, 1), w = gc_rand(2, ws, -0.05, 0.05),
                  b = gc_rand(1, bs, -1, 1), dy = gc_rand(2, ys, -1, 1), r[2][4];
        passes(&x, &w, &b, &dy, false, r[0]);
        passes(&x, &w, &b, &dy, true, r[1]);
        for (int i = 0; i < 4; i++) {
            const double e = gc_rel_err(&r[1][i], &r[0][i]);
            if (e > worst) worst = e;
            /* > 0: the bf16 path ran (db is summed in fp32 either way, so it matches exactly) */
            if (!(e <= BF16_TOL && (i == 3 || e > 0)))
                TT_REPORT("[%lld, %lld] -> %lld: %s relative error %.3g", (long long)N, (long long)in,
                          (long long)out, (const char *[]){"y", "dx", "dw", "db"}[i], e);
            dc_tensor_release(&r[0][i]);
            dc_tensor_release(&r[1][i]);
        }
        dc_tensor *all[] = {&x, &w, &b, &dy};
        for (size_t i = 0; i < 4; i++) dc_tensor_release(all[i]);
    }
    printf("  bf16 worst relative error %.2e\n", worst);
}

/* The backward pass takes only the forward pass's weight copy (checked before the CPU). */
static void test_bf16_w16_checked(void)
{
    int64_t xs[2] = {2, 3}, ws[2] = {4, 3}, ys[2] = {2, 4};
    dc_tensor x = gc_rand(2, xs, 0, 1), w = gc_rand(2, ws, 0, 1), dy = gc_rand(2, ys, 0, 1);
    CHECK_FAILS(dc_linear_backward(&x, &w, &dy, NULL, NULL, NULL, 1.0f, &w), DC_ERR_SHAPE,
                "linear_backward: w16 must be the uint8 [4, 6] bf16 copy of the weight that "
                "linear_forward made, got float32 [4, 3]");
    dc_tensor *all[] = {&x, &w, &dy};
    for (size_t i = 0; i < 3; i++) dc_tensor_release(all[i]);
}

/* Without bf16 compute both passes refuse, naming the pass. */
static void test_bf16_refused(void)
{
    if (!no_bf16()) TT_SKIP("this CPU has bf16 compute: the refusal cannot happen");
    int64_t xs[2] = {2, 3}, ws[2] = {4, 3}, ys[2] = {2, 4};
    dc_tensor x = gc_rand(2, xs, 0, 1), w = gc_rand(2, ws, 0, 1), dy = gc_rand(2, ys, 0, 1),
              y = dc_tensor_empty(), w16 = dc_tensor_empty();
    CHECK_FAILS(dc_linear_forward(&x, &w, NULL, &y, &w16), DC_ERR_ARG,
                "linear_forward: bf16 needs a CPU with AVX512_BF16 or AMX-BF16; this one");
    int64_t w16s[2] = {4, 6};
    CHECK_OK(dc_tensor_zeros(&w16, DC_U8, 2, w16s));
    CHECK_FAILS(dc_linear_backward(&x, &w, &dy, NULL, NULL, NULL, 1.0f, &w16), DC_ERR_ARG,
                "linear_backward: bf16 needs a CPU with AVX512_BF16 or AMX-BF16; this one");
    dc_tensor *all[] = {&x, &w, &dy, &y, &w16};
    for (size_t i = 0; i < 5; i++) dc_tensor_release(all[i]);
}

int main(void)
{
    gc_seed(2);
    RUN_TEST(test_small);
    RUN_TEST(test_odd_no_bias);
    RUN_TEST(test_wide);
    RUN_TEST(test_errors);
    RUN_TEST(test_fp32_forward_shapes);
    RUN_TEST(test_bf16_shapes);
    RUN_TEST(test_bf16_w16_checked);
    RUN_TEST(test_bf16_refused);
    return TEST_SUMMARY();
}
