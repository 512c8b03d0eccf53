/* resample: the parts of the resampler the transforms tests do not reach directly (those
 * compare dc_resample with a slow textbook filter, tests/c/test_transforms.c): resampling a
 * part of a picture gives exactly the whole picture's result, the span names every pixel
 * that matters (pixels outside it change nothing), an unscaled box is a copy, and bad
 * boxes, parts and sizes are refused. */
#include <stdlib.h>

#include "data/resample.h"
#include "tiny_test.h"

static unsigned rnd(unsigned *s) { return (*s = *s * 1103515245u + 12345u) >> 8; }

static void noisy(dc_image *im, dc_buffer *b, int w, int h, int c, unsigned seed)
{
    CHECK_OK(dc_image_alloc(im, b, w, h, c));
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w * c; x++) im->data[(int64_t)y * im->stride + x] = (uint8_t)rnd(&seed);
}

static bool same_pixels(const dc_image *a, const dc_image *b)
{
    if (a->w != b->w || a->h != b->h || a->c != b->c) return false;
    for (int y = 0; y < a->h; y++)
        if (memcmp(a->data + (int64_t)y * a->stride, b->data + (int64_t)y * b->stride,
                   (size_t)a->w * (size_t)a->c) != 0)
            return false;
    return true;
}

/* A random box of the w x h picture (fractional corners) and an output size around it. */
static void random_box(unsigned *s, int w, int h, double box[4], int *ow, int *oh)
{
    double x0 = rnd(s) % (w * 8) / 10.0, y0 = rnd(s) % (h * 8) / 10.0;
    box[0] = x0, box[1] = y0;
    box[2] = x0 + 1 + rnd(s) % (int)(w - x0 - 1 + 1) * 0.9;
    box[3] = y0 + 1 + rnd(s) % (int)(h - y0 - 1 + 1) * 0.9;
    if (box[2] > w) box[2] = w;
    if (box[3] > h) box[3] = h;
    *ow = 1 + (int)(rnd(s) % 40);
    *oh = 1 + (int)(rnd(s) % 40);
}

static void test_part_equals_whole(void)
{
    unsigned seed = 7;
    dc_buffer bw = {0}, b1 = {0}, b2 = {0};
    dc_resample_scratch s = {0};
    for (int trial = 0; trial < 200; trial++) {
        int w = 5 + (int)(rnd(&seed) % 60), h = 5 + (int)(rnd(&seed) % 60), c = trial % 2 ? 3 : 1;
        dc_image whole, want, got;
        noisy(&whole, &bw, w, h, c, seed);
        double box[4];
        int ow, oh;
        random_box(&seed, w, h, box, &ow, &oh);
        CHECK_OK(dc_image_alloc(&want, &b1, ow, oh, c));
        CHECK_OK(dc_image_alloc(&got, &b2, ow, oh, c));
        CHECK_OK(dc_resample(&whole, box, &want, &s));
        int sx[2], sy[2];
        dc_resample_span(w, box[0], box[2], ow, sx);
        dc_resample_span(h, box[1], box[3], oh, sy);
        CHECK(0 <= sx[0] && sx[0] < sx[1] && sx[1] <= w);
        CHECK(0 <= sy[0] && sy[0] < sy[1] && sy[1] <= h);
        dc_image part = dc_image_view(&whole, sx[0], sy[0], sx[1] - sx[0], sy[1] - sy[0]);
        CHECK_OK(dc_resample_part(&part, sx[0], sy[0], w, h, box, &got, &s));
        if (!same_pixels(&want, &got))
            TT_REPORT("trial %d: %dx%dx%d box (%g, %g, %g, %g) -> %dx%d: the part differs", trial,
                      w, h, c, box[0], box[1], box[2], box[3], ow, oh);
        /* pixels outside the span are not read: scribbling over them changes nothing */
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                if (x < sx[0] || x >= sx[1] || y < sy[0] || y >= sy[1])
                    for (int ch = 0; ch < c; ch++)
                        whole.data[(int64_t)y * whole.stride + x * c + ch] ^= 0x5a;
        CHECK_OK(dc_resample(&whole, box, &got, &s));
        if (!same_pixels(&want, &got))
            TT_REPORT("trial %d: a pixel outside the span mattered", trial);
        /* a part one pixel short of the span is refused */
        if (sx[1] - sx[0] > 1) {
            dc_image short_part = dc_image_view(&whole, sx[0] + 1, sy[0], sx[1] - sx[0] - 1,
                                                sy[1] - sy[0]);
            CHECK_FAILS(dc_resample_part(&short_part, sx[0] + 1, sy[0], w, h, box, &got, &s),
                        DC_ERR_ARG, "reads outside the");
        }
    }
    dc_buffer_free(&bw), dc_buffer_free(&b1), dc_buffer_free(&b2);
    dc_resample_scratch_free(&s);
}

static void test_unscaled_box_is_a_copy(void)
{
    dc_buffer bw = {0}, bo = {0};
    dc_resample_scratch s = {0};
    dc_image whole, out;
    noisy(&whole, &bw, 17, 11, 3, 3);
    double box[4] = {4, 2, 13, 9};
    CHECK_OK(dc_image_alloc(&out, &bo, 9, 7, 3));
    CHECK_OK(dc_resample(&whole, box, &out, &s));
    dc_image crop = dc_image_view(&whole, 4, 2, 9, 7);
    CHECK(same_pixels(&crop, &out));
    dc_buffer_free(&bw), dc_buffer_free(&bo);
    dc_resample_scratch_free(&s);
}

static void test_refusals(void)
{
    dc_buffer bw = {0}, bo = {0}, bg = {0};
    dc_resample_scratch s = {0};
    dc_image whole, out, gray;
    noisy(&whole, &bw, 10, 8, 3, 5);
    CHECK_OK(dc_image_alloc(&out, &bo, 4, 4, 3));
    CHECK_OK(dc_image_alloc(&gray, &bg, 4, 4, 1));
    double inside[4] = {0, 0, 10, 8}, outside[4] = {2, 2, 11, 8}, flat[4] = {3, 2, 3, 8};
    CHECK_FAILS(dc_resample(&whole, outside, &out, &s), DC_ERR_ARG,
                "resample: box (2, 2, 11, 8) outside the 10 x 8 image");
    CHECK_FAILS(dc_resample(&whole, flat, &out, &s), DC_ERR_ARG, "resample: box");
    CHECK_FAILS(dc_resample(&whole, inside, &gray, &s), DC_ERR_ARG,
                "resample: 3 channels in, 1 out");
    dc_image part = dc_image_view(&whole, 2, 2, 8, 6);
    CHECK_FAILS(dc_resample_part(&part, 3, 2, 10, 8, inside, &out, &s), DC_ERR_ARG,
                "resample: part 8 x 6 at (3, 2) outside the 10 x 8 picture");
    dc_buffer_free(&bw), dc_buffer_free(&bo), dc_buffer_free(&bg);
    dc_resample_scratch_free(&s);
}

int main(void)
{
    RUN_TEST(test_part_equals_whole);
    RUN_TEST(test_unscaled_box_is_a_copy);
    RUN_TEST(test_refusals);
    return TEST_SUMMARY();
}
