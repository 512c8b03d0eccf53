/* Tests of core/tensor_print.c: exact texts for each layout (1-D, 2-D, N-d slices, column
 * blocks, summaries) and number format (integers, fixed, scientific, nan/inf), the format
 * chosen from printed elements only, and option checks. */
#include <stdlib.h>

#include "tiny_test.h"

typedef struct text {
    char *s;
    size_t n, cap;
    int pieces;
} text;

static void sink(void *ud, const char *s, size_t n)
{
    text *t = ud;
    if (t->n + n + 1 > t->cap) {
        t->cap = (t->n + n + 1) * 2;
        t->s = realloc(t->s, t->cap);
    }
    memcpy(t->s + t->n, s, n);
    t->n += n;
    t->s[t->n] = '\0';
    t->pieces++;
}

static text out;

static const char *print_with(const dc_tensor *t, const dc_print_opts *o)
{
    out.n = 0;
    out.pieces = 0;
    if (out.s) out.s[0] = '\0';
    CHECK_OK(dc_tensor_print(t, o, sink, &out));
    return out.s ? out.s : "";
}

static const char *print(const dc_tensor *t)
{
    dc_print_opts o;
    dc_print_opts_init(&o);
    return print_with(t, &o);
}

#define CHECK_TEXT(got, want)                                                                  \
    do {                                                                                       \
        const char *g_ = (got), *w_ = (want);                                                  \
        if (strcmp(g_, w_) != 0) TT_REPORT("got\n%s\n---- expected\n%s", g_, w_);              \
    } while (0)

static dc_tensor from(dc_dtype dt, int ndim, const int64_t *shape, const double *v)
{
    dc_tensor t = dc_tensor_empty();
    CHECK_OK(dc_tensor_alloc(&t, dt, ndim, shape));
    int64_t n = dc_tensor_numel(&t), idx[DC_MAX_DIMS] = {0};
    for (int64_t i = 0; i < n; i++) {
        dc_tensor_set(&t, idx, v ? v[i] : (double)i);
        for (int d = ndim - 1; d >= 0 && ++idx[d] == shape[d]; d--) idx[d] = 0;
    }
    return t;
}

static void test_small_matrices(void)
{
    int64_t s23[2] = {2, 3}, s34[2] = {3, 4};
    double v[6] = {0.4611, -0.6737, 1.2001, -0.6769, 0.3312, -0.0952};
    dc_tensor f = from(DC_F32, 2, s23, v), i = from(DC_I64, 2, s34, NULL);
    CHECK_TEXT(print(&f), " 0.4611 -0.6737  1.2001\n"
                          "-0.6769  0.3312 -0.0952\n"
                          "[dclab.Tensor float32 2x3]");
    CHECK_TEXT(print(&i), " 0  1  2  3\n"
                          " 4  5  6  7\n"
                          " 8  9 10 11\n"
                          "[dclab.Tensor int64 3x4]");
    dc_tensor tr = dc_tensor_empty();
    CHECK_OK(dc_tensor_transpose(&tr, &i, 0, 1));
    CHECK_TEXT(print(&tr), " 0  4  8\n 1  5  9\n 2  6 10\n 3  7 11\n[dclab.Tensor int64 4x3]");
    dc_tensor_release(&f);
    dc_tensor_release(&i);
    dc_tensor_release(&tr);
}

static void test_number_formats(void)
{
    int64_t s3[1] = {3}, s4[1] = {4}, s2[1] = {2};
    double sci[3] = {1.5, 1e-6, 3}, big[2] = {1e9, -2}, ints[3] = {-3, 0, 250};
    double odd[4] = {NAN, INFINITY, -INFINITY, 2}, ratio[2] = {0.001, 10}, bytes[3] = {0, 250, 7};
    dc_tensor a = from(DC_F32, 1, s3, sci), b = from(DC_F32, 1, s2, big),
              c = from(DC_F32, 1, s3, ints), d = from(DC_F32, 1, s4, odd),
              e = from(DC_F32, 1, s2, ratio), u = from(DC_U8, 1, s3, bytes);
    CHECK_TEXT(print(&a), "1.5000e+00 1.0000e-06 3.0000e+00\n[dclab.Tensor float32 3]");
    CHECK_TEXT(print(&b), " 1.0000e+09 -2.0000e+00\n[dclab.Tensor float32 2]");
    CHECK_TEXT(print(&c), " -3   0 250\n[dclab.Tensor float32 3]");
    CHECK_TEXT(print(&d), " nan  inf -inf    2\n[dclab.Tensor float32 4]");
    CHECK_TEXT(print(&e), "1.0000e-03 1.0000e+01\n[dclab.Tensor float32 2]");
    CHECK_TEXT(print(&u), "  0 250   7\n[dclab.Tensor uint8 3]");
    dc_print_opts o;
    dc_print_opts_init(&o);
    o.precision = 1;
    double fx[2] = {0.25, -12.5};
    dc_tensor g = from(DC_F32, 1, s2, fx);
    CHECK_TEXT(print_with(&g, &o), "  0.2 -12.5\n[dclab.Tensor float32 2]");
    dc_tensor s = dc_tensor_empty();
    CHECK_OK(dc_tensor_alloc(&s, DC_F32, 0, s2));
    dc_tensor_set(&s, s2, 3.5);
    CHECK_TEXT(print(&s), "3.5000\n[dclab.Tensor float32 scalar]");
    dc_tensor *all[8] = {&a, &b, &c, &d, &e, &u, &g, &s};
    for (int k = 0; k < 8; k++) dc_tensor_release(all[k]);
}

/* The hidden middle of a summarised tensor does not influence the format. */
static void test_format_from_printed_elements_only(void)
{
    int64_t s[1] = {2000};
    static double v[2000];
    for (int i = 0; i < 2000; i++) v[i] = 1 + i / 1000.0;
    v[1000] = 1e20; /* hidden: would force scientific notation if it were looked at */
    v[1999] = 0.5;
    dc_tensor t = from(DC_F32, 1, s, v);
    CHECK_TEXT(print(&t), "1.0000 1.0010 1.0020 ... 2.9970 2.9980 0.5000\n"
                          "[dclab.Tensor float32 2000]");
    dc_tensor_release(&t);
}

static void test_summarised_big_matrix(void)
{
    int64_t s[2] = {10000, 4096};
    dc_tensor t = dc_tensor_empty();
    CHECK_OK(dc_tensor_zeros(&t, DC_F32, 2, s));
    int64_t first[2] = {0, 0}, lastc[2] = {9999, 4095};
    dc_tensor_set(&t, first, 1.5);
    dc_tensor_set(&t, lastc, -2);
    CHECK_TEXT(print(&t), " 1.5000  0.0000  0.0000 ...  0.0000  0.0000  0.0000\n"
                          " 0.0000  0.0000  0.0000 ...  0.0000  0.0000  0.0000\n"
                          " 0.0000  0.0000  0.0000 ...  0.0000  0.0000  0.0000\n"
                          "    ...\n"
                          " 0.0000  0.0000  0.0000 ...  0.0000  0.0000  0.0000\n"
                          " 0.0000  0.0000  0.0000 ...  0.0000  0.0000  0.0000\n"
                          " 0.0000  0.0000  0.0000 ...  0.0000  0.0000 -2.0000\n"
                          "[dclab.Tensor float32 10000x4096, 156.2 MiB]");
    dc_tensor_release(&t);
}

static void test_slices(void)
{
    int64_t s[3] = {8, 2, 2};
    dc_tensor t = from(DC_I64, 3, s, NULL);
    dc_print_opts o;
    dc_print_opts_init(&o);
    o.threshold = 10;
    o.edgeitems = 1;
    o.base = 1;
    CHECK_TEXT(print_with(&t, &o), "(1,.,.) =\n"
                                   " 0  1\n"
                                   " 2  3\n"
                                   "\n"
                                   "...\n"
                                   "\n"
                                   "(8,.,.) =\n"
                                   "28 29\n"
                                   "30 31\n"
                                   "[dclab.Tensor int64 8x2x2]");
    o.threshold = 1000;
    o.base = 0;
    int64_t s4[4] = {2, 1, 1, 2};
    dc_tensor q = from(DC_I64, 4, s4, NULL);
    CHECK_TEXT(print_with(&q, &o),
               "(0,0,.,.) =\n0 1\n\n(1,0,.,.) =\n2 3\n[dclab.Tensor int64 2x1x1x2]");
    dc_tensor_release(&t);
    dc_tensor_release(&q);
}

static void test_column_blocks(void)
{
    int64_t s[2] = {2, 8};
    dc_tensor t = from(DC_I64, 2, s, NULL);
    dc_print_opts o;
    dc_print_opts_init(&o);
    o.linewidth = 20;
    o.base = 1;
    CHECK_TEXT(print_with(&t, &o), "Columns 1 to 7\n"
                                   " 0  1  2  3  4  5  6\n"
                                   " 8  9 10 11 12 13 14\n"
                                   "\n"
                                   "Columns 8 to 8\n"
                                   " 7\n"
                                   "15\n"
                                   "[dclab.Tensor int64 2x8]");
    /* a 1-D row wraps without headers */
    int64_t s1[1] = {12};
    dc_tensor r = from(DC_I64, 1, s1, NULL);
    CHECK_TEXT(print_with(&r, &o), " 0  1  2  3  4  5  6\n 7  8  9 10 11\n[dclab.Tensor int64 12]");
    dc_tensor_release(&t);
    dc_tensor_release(&r);
}

static void test_long_lines_and_empty(void)
{
    int64_t s[1] = {300}, e[2] = {0, 3};
    dc_tensor t = from(DC_I64, 1, s, NULL), z = dc_tensor_empty();
    dc_print_opts o;
    dc_print_opts_init(&o);
    o.linewidth = 100000;
    const char *txt = print_with(&t, &o);
    CHECK(strncmp(txt, "  0   1   2", 11) == 0);
    CHECK(strlen(txt) == 300 * 4 - 1 + 1 + strlen("[dclab.Tensor int64 300]"));
    CHECK(out.pieces >= 2); /* the 1199-character line went through the sink in pieces */
    CHECK_OK(dc_tensor_zeros(&z, DC_F32, 2, e));
    CHECK_TEXT(print(&z), "[dclab.Tensor float32 0x3]");
    dc_tensor_release(&z);
    CHECK_TEXT(print(&z), "[dclab.Tensor released]");
    dc_tensor_release(&t);
}

static void test_option_checks(void)
{
    dc_print_opts o;
    dc_print_opts_init(&o);
    CHECK(o.edgeitems == 3 && o.threshold == 1000 && o.precision == 4 && o.linewidth == 80);
    CHECK_OK(dc_print_opts_check(&o));
    int64_t s[1] = {1};
    dc_tensor t = from(DC_F32, 1, s, NULL);
    o.precision = 31;
    CHECK_FAILS(dc_tensor_print(&t, &o, sink, &out), DC_ERR_ARG,
                "set_printoptions: precision must be in 0..30, got 31");
    dc_print_opts_init(&o);
    o.edgeitems = 0;
    CHECK_FAILS(dc_print_opts_check(&o), DC_ERR_ARG, "edgeitems must be in 1..1000, got 0");
    dc_print_opts_init(&o);
    o.linewidth = 5;
    CHECK_FAILS(dc_print_opts_check(&o), DC_ERR_ARG, "linewidth must be in 20..100000, got 5");
    dc_print_opts_init(&o);
    o.threshold = -1;
    CHECK_FAILS(dc_print_opts_check(&o), DC_ERR_ARG, "threshold must be >= 0, got -1");
    dc_tensor_release(&t);
}

int main(void)
{
    RUN_TEST(test_small_matrices);
    RUN_TEST(test_number_formats);
    RUN_TEST(test_format_from_printed_elements_only);
    RUN_TEST(test_summarised_big_matrix);
    RUN_TEST(test_slices);
    RUN_TEST(test_column_blocks);
    RUN_TEST(test_long_lines_and_empty);
    RUN_TEST(test_option_checks);
    free(out.s);
    return TEST_SUMMARY();
}
