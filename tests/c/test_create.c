/* create: arange, linspace and eye against element-by-element references (the count by
 * stepping until the bound, the points by the formula in double, the identity by i == j),
 * their empty cases, the output convention and the refusals. */
#include "tiny_test.h"

/* How many values start, start + step, ... lie before stop (stepping, no formula). */
static int64_t count_steps(double start, double stop, double step)
{
    int64_t n = 0;
    for (double v = start; step > 0 ? v < stop : v > stop; v = start + (double)(++n) * step) {}
    return n;
}

static void check_arange(double start, double stop, double step, dc_dtype dt)
{
    dc_tensor t = dc_tensor_empty();
    CHECK_OK(dc_arange(start, stop, step, dt, &t));
    int64_t n = count_steps(start, stop, step);
    if (t.ndim != 1 || t.shape[0] != n || t.dtype != dt) {
        TT_REPORT("arange(%g, %g, %g): %lld elements, expected %lld", start, stop, step,
                  (long long)(t.ndim == 1 ? t.shape[0] : -1), (long long)n);
    } else {
        for (int64_t i = 0; i < n; i++) {
            int64_t idx[1] = {i};
            double want = start + (double)i * step;
            if (dt == DC_F32) CHECK_CLOSE(dc_tensor_get(&t, idx), (float)want, 1e-7);
            else CHECK(dc_tensor_get_i64(&t, idx) == (int64_t)want);
        }
    }
    dc_tensor_release(&t);
}

static void test_arange(void)
{
    check_arange(0, 10, 1, DC_F32);
    check_arange(0, 10, 1, DC_I64);
    check_arange(-3, 7, 2, DC_I64);
    check_arange(10, 0, -3, DC_I64);
    check_arange(0, 1, 0.1, DC_F32);
    check_arange(1.5, -2, -0.25, DC_F32);
    check_arange(5, 5, 1, DC_F32);  /* empty */
    check_arange(5, 0, 1, DC_I64);  /* empty: the step points away */
    dc_tensor t = dc_tensor_empty();
    CHECK_FAILS(dc_arange(0, 1, 0, DC_F32, &t), DC_ERR_ARG, "arange: step must be non-zero");
    CHECK_FAILS(dc_arange(0, INFINITY, 1, DC_F32, &t), DC_ERR_ARG, "arange: bounds must be finite");
    CHECK_FAILS(dc_arange(0, 1e300, 1, DC_F32, &t), DC_ERR_ARG, "too many");
    CHECK(!t.storage);
}

static void test_linspace(void)
{
    struct { double a, b; int64_t n; } cases[] = {{0, 1, 11}, {-2, 3, 7}, {5, -5, 4}, {1, 1, 3},
                                                  {2, 9, 1}, {2, 9, 0}};
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        dc_tensor t = dc_tensor_empty();
        double a = cases[c].a, b = cases[c].b;
        int64_t n = cases[c].n;
        CHECK_OK(dc_linspace(a, b, n, &t));
        CHECK(t.ndim == 1 && t.shape[0] == n && t.dtype == DC_F32);
        for (int64_t i = 0; i < n; i++) {
            int64_t idx[1] = {i};
            double want = n == 1 ? a : a + (b - a) * (double)i / (double)(n - 1);
            CHECK_CLOSE(dc_tensor_get(&t, idx), (float)want, 1e-6);
        }
        if (n > 1) { /* both ends exactly */
            int64_t first[1] = {0}, last[1] = {n - 1};
            CHECK(dc_tensor_get(&t, first) == (float)a && dc_tensor_get(&t, last) == (float)b);
        }
        dc_tensor_release(&t);
    }
    dc_tensor t = dc_tensor_empty();
    CHECK_FAILS(dc_linspace(0, 1, -1, &t), DC_ERR_ARG, "linspace: negative number of points -1");
}

static void test_eye(void)
{
    int64_t sizes[][2] = {{3, 3}, {2, 5}, {4, 1}, {0, 3}, {1, 1}};
    dc_dtype dts[] = {DC_F32, DC_I64, DC_U8};
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++)
        for (size_t d = 0; d < 3; d++) {
            dc_tensor t = dc_tensor_empty();
            CHECK_OK(dc_eye(sizes[s][0], sizes[s][1], dts[d], &t));
            CHECK(t.ndim == 2 && t.shape[0] == sizes[s][0] && t.shape[1] == sizes[s][1] &&
                  t.dtype == dts[d]);
            for (int64_t i = 0; i < sizes[s][0]; i++)
                for (int64_t j = 0; j < sizes[s][1]; j++) {
                    int64_t idx[2] = {i, j};
                    CHECK(dc_tensor_get(&t, idx) == (i == j ? 1 : 0));
                }
            dc_tensor_release(&t);
        }
    /* an existing output is overwritten in place, every element */
    dc_tensor t = dc_tensor_empty();
    int64_t shape[2] = {3, 4};
    CHECK_OK(dc_tensor_alloc(&t, DC_F32, 2, shape));
    CHECK_OK(dc_fill(&t, 7));
    void *data = t.storage->data;
    CHECK_OK(dc_eye(3, 4, DC_F32, &t));
    CHECK(t.storage->data == data);
    int64_t off[2] = {0, 3}, on[2] = {2, 2};
    CHECK(dc_tensor_get(&t, off) == 0 && dc_tensor_get(&t, on) == 1);
    CHECK_FAILS(dc_eye(4, 4, DC_F32, &t), DC_ERR_SHAPE, "eye: out");
    CHECK_FAILS(dc_eye(-1, 2, DC_F32, &t), DC_ERR_ARG, "eye: negative size -1 x 2");
    dc_tensor_release(&t);
}

int main(void)
{
    RUN_TEST(test_arange);
    RUN_TEST(test_linspace);
    RUN_TEST(test_eye);
    return TEST_SUMMARY();
}
