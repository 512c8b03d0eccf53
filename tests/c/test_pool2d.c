/* pool2d: the output size rule of both pooling layers against a slow count of the windows
 * PyTorch places, over many sizes, windows, strides, paddings and both rounding modes; and
 * the refusals (bad window, stride or padding, an input too small). */
#include "layers/pool2d.h"
#include "tiny_test.h"

/* Counts the windows along one dimension of size n, window k, stride s, padding p, walking
 * their starts (in padded coordinates, 0, s, 2s, ...):
 * floor mode takes the windows that lie inside the padded input; ceil mode also a last
 * window running past its end, unless that window starts in the right padding. */
static int64_t windows(int64_t n, int k, int s, int p, bool ceil_mode)
{
    int64_t count = 0;
    for (int64_t start = 0;; start += s) {
        bool inside = start + k <= n + 2 * p;
        bool partial = ceil_mode && start < n + 2 * p - k + s && start - p < n;
        if (!inside && !partial) break;
        count++;
    }
    return count;
}

static dc_tensor input(int64_t h, int64_t w)
{
    dc_tensor x = dc_tensor_empty();
    int64_t shape[4] = {2, 3, h, w};
    CHECK_OK(dc_tensor_zeros(&x, DC_F32, 4, shape));
    return x;
}

static void test_sizes_match_the_window_count(void)
{
    int checked = 0;
    for (int64_t n = 1; n <= 12; n++)
        for (int k = 1; k <= 5; k++)
            for (int s = 1; s <= 4; s++)
                for (int p = 0; 2 * p <= k; p++)
                    for (int ceil_mode = 0; ceil_mode <= 1; ceil_mode++) {
                        int64_t want = windows(n, k, s, p, ceil_mode);
                        if (want < 1) continue;
                        dc_pool2d_cfg c;
                        dc_pool2d_cfg_init(&c, k);
                        c.kw = k > 1 ? k - 1 : k; /* a different window along W */
                        c.sh = s, c.sw = 1, c.ph = p, c.pw = 0, c.ceil_mode = ceil_mode;
                        dc_tensor x = input(n, 7);
                        int64_t shape[4];
                        CHECK_OK(dc_pool2d_out_shape(&c, &x, "pool", shape));
                        if (shape[2] != want || shape[3] != windows(7, c.kw, 1, 0, ceil_mode))
                            TT_REPORT("n %lld k %d s %d p %d ceil %d: %lld x %lld, expected %lld",
                                      (long long)n, k, s, p, ceil_mode, (long long)shape[2],
                                      (long long)shape[3], (long long)want);
                        CHECK(shape[0] == 2 && shape[1] == 3);
                        dc_tensor_release(&x);
                        checked++;
                    }
    CHECK(checked > 500);
}

/* Values PyTorch gives (torch.nn.functional.max_pool2d output sizes). */
static void test_known_sizes(void)
{
    struct { int64_t n; int k, s, p; bool ceil_mode; int64_t out; } cases[] = {
        {5, 2, 2, 0, false, 2}, {5, 2, 2, 0, true, 3}, {6, 3, 2, 1, false, 3},
        {6, 3, 2, 1, true, 4},  {4, 3, 3, 1, true, 2}, {13, 3, 2, 0, false, 6},
        {55, 3, 2, 0, false, 27},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dc_pool2d_cfg c;
        dc_pool2d_cfg_init(&c, cases[i].k);
        c.sh = c.sw = cases[i].s;
        c.ph = c.pw = cases[i].p;
        c.ceil_mode = cases[i].ceil_mode;
        dc_tensor x = input(cases[i].n, cases[i].n);
        int64_t shape[4];
        CHECK_OK(dc_pool2d_out_shape(&c, &x, "pool", shape));
        CHECK(shape[2] == cases[i].out && shape[3] == cases[i].out);
        CHECK(windows(cases[i].n, cases[i].k, cases[i].s, cases[i].p, cases[i].ceil_mode) ==
              cases[i].out);
        dc_tensor_release(&x);
    }
}

static void test_refusals(void)
{
    dc_tensor x = input(4, 4);
    int64_t shape[4];
    dc_pool2d_cfg c;
    dc_pool2d_cfg_init(&c, 0);
    CHECK_FAILS(dc_pool2d_out_shape(&c, &x, "mypool", shape), DC_ERR_ARG, "mypool: window");
    dc_pool2d_cfg_init(&c, 2);
    c.sw = 0;
    CHECK_FAILS(dc_pool2d_out_shape(&c, &x, "mypool", shape), DC_ERR_ARG, "mypool: stride");
    dc_pool2d_cfg_init(&c, 2);
    c.ph = 2;
    CHECK_FAILS(dc_pool2d_out_shape(&c, &x, "mypool", shape), DC_ERR_ARG, "mypool: padding");
    dc_pool2d_cfg_init(&c, 5);
    CHECK_FAILS(dc_pool2d_out_shape(&c, &x, "mypool", shape), DC_ERR_SHAPE, "too small");
    dc_tensor_release(&x);
    int64_t s3[3] = {1, 4, 4};
    CHECK_OK(dc_tensor_zeros(&x, DC_F32, 3, s3));
    dc_pool2d_cfg_init(&c, 2);
    CHECK_FAILS(dc_pool2d_out_shape(&c, &x, "mypool", shape), DC_ERR_SHAPE, "[N, C, H, W]");
    dc_tensor_release(&x);
}

int main(void)
{
    RUN_TEST(test_sizes_match_the_window_count);
    RUN_TEST(test_known_sizes);
    RUN_TEST(test_refusals);
    return TEST_SUMMARY();
}
