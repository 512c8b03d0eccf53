/* JPEG codec: round trips, progressive / grayscale / CMYK sources, DCT-scaled decoding
 * against full decode + resize, region decoding against full decoding, the pixel limit, and
 * many corruptions that must fail cleanly (whole and region decodes). */
#include <turbojpeg.h>

#include "rng.h"
#include "data/jpeg.h"
#include "data/resample.h"
#include "data_util.h"
#include "tiny_test.h"

static dc_jpeg *J;

/* Encodes a picture and keeps a private copy of the bytes. */
static uint8_t *encode(const dc_image *im, int q, int progressive, size_t *n)
{
    const uint8_t *d;
    CHECK_OK(dc_jpeg_encode(J, im, q, progressive, &d, n));
    uint8_t *copy = malloc(*n);
    memcpy(copy, d, *n);
    return copy;
}

static void test_round_trip(void)
{
    for (int c = 1; c <= 3; c += 2)
        for (int prog = 0; prog <= 1; prog++) {
            dc_buffer b0 = {0}, b1 = {0};
            dc_image src, out;
            du_picture(&src, &b0, 97, 61, c, 1);
            size_t n;
            uint8_t *jpg = encode(&src, 95, prog, &n);
            int has_sof2 = 0;
            for (size_t i = 0; i + 1 < n; i++) has_sof2 |= jpg[i] == 0xFF && jpg[i + 1] == 0xC2;
            CHECK(has_sof2 == prog);
            dc_jpeg_info info;
            CHECK_OK(dc_jpeg_info_read(J, jpg, n, &info));
            CHECK(info.width == 97 && info.height == 61 && info.components == c);
            CHECK_OK(dc_jpeg_decode(J, jpg, n, c, 0, 0, &b1, &out));
            CHECK(out.w == 97 && out.h == 61 && out.c == c);
            double psnr = du_psnr(&src, &out);
            if (psnr < 35) printf("  c=%d progressive=%d: PSNR %.1f dB\n", c, prog, psnr);
            CHECK(psnr >= 35);
            /* lower quality, smaller file, still recognisable */
            size_t n30;
            uint8_t *j30 = encode(&src, 30, 0, &n30);
            CHECK(n30 < n);
            CHECK_OK(dc_jpeg_decode(J, j30, n30, c, 0, 0, &b1, &out));
            CHECK(du_psnr(&src, &out) >= 25);
            free(j30);
            free(jpg);
            dc_buffer_free(&b0);
            dc_buffer_free(&b1);
        }
}

static void test_gray_and_colour_conversions(void)
{
    dc_buffer b0 = {0}, b1 = {0};
    dc_image src, out;
    du_picture(&src, &b0, 64, 48, 1, 2);
    size_t n;
    uint8_t *jpg = encode(&src, 95, 0, &n);
    CHECK_OK(dc_jpeg_decode(J, jpg, n, 3, 0, 0, &b1, &out)); /* gray source, RGB out */
    CHECK(out.c == 3);
    int equal = 1;
    for (int i = 0; i < 64 * 48; i++)
        equal &= out.data[3 * i] == out.data[3 * i + 1] && out.data[3 * i] == out.data[3 * i + 2];
    CHECK(equal);
    free(jpg);

    du_picture(&src, &b0, 64, 48, 3, 3);
    jpg = encode(&src, 98, 0, &n);
    dc_buffer b2 = {0};
    dc_image gray, ref;
    CHECK_OK(dc_jpeg_decode(J, jpg, n, 1, 0, 0, &b1, &gray)); /* colour source, gray out */
    du_picture(&ref, &b2, 64, 48, 1, 3);
    CHECK(gray.c == 1 && du_psnr(&ref, &gray) >= 33);
    free(jpg);
    dc_buffer_free(&b0);
    dc_buffer_free(&b1);
    dc_buffer_free(&b2);
}

/* An Adobe CMYK JPEG made with TurboJPEG from the inverse of the conversion libjpeg-turbo
 * documents (cmyk.h: C = 255 - (1 - r - k') ..., stored inverted). */
static void test_cmyk_source(void)
{
    dc_buffer b0 = {0}, b1 = {0};
    dc_image rgb, out;
    int w = 80, h = 56;
    du_picture(&rgb, &b0, w, h, 3, 4);
    uint8_t *cmyk = malloc((size_t)w * h * 4);
    for (int i = 0; i < w * h; i++) {
        double r = rgb.data[3 * i] / 255.0, g = rgb.data[3 * i + 1] / 255.0,
               b = rgb.data[3 * i + 2] / 255.0;
        double c = 1 - r, m = 1 - g, y = 1 - b, k = fmin(c, fmin(m, y));
        double d = k < 1 ? 1 - k : 1;
        cmyk[4 * i + 0] = (uint8_t)(255.0 - (c - k) / d * 255.0 + 0.5);
        cmyk[4 * i + 1] = (uint8_t)(255.0 - (m - k) / d * 255.0 + 0.5);
        cmyk[4 * i + 2] = (uint8_t)(255.0 - (y - k) / d * 255.0 + 0.5);
        cmyk[4 * i + 3] = (uint8_t)(255.0 - k * 255.0 + 0.5);
    }
    tjhandle tj = tjInitCompress();
    unsigned char *jpg = NULL;
    unsigned long n = 0;
    CHECK(tjCompress2(tj, cmyk, w, 0, h, TJPF_CMYK, &jpg, &n, TJSAMP_444, 98, 0) == 0);
    dc_jpeg_info info;
    CHECK_OK(dc_jpeg_info_read(J, jpg, n, &info));
    CHECK(info.components == 4);
    CHECK_OK(dc_jpeg_decode(J, jpg, n, 3, 0, 0, &b1, &out));
    double psnr = du_psnr(&rgb, &out);
    if (psnr < 30) printf("  CMYK -> RGB PSNR %.1f dB\n", psnr);
    CHECK(psnr >= 30);
    dc_image gray;
    dc_buffer b2 = {0};
    CHECK_OK(dc_jpeg_decode(J, jpg, n, 1, 0, 0, &b2, &gray));
    CHECK(gray.c == 1 && gray.w == w);
    /* the gray of the decoded RGB, PIL's formula */
    int close = 1;
    for (int i = 0; i < w * h; i++) {
        int l = (19595 * out.data[3 * i] + 38470 * out.data[3 * i + 1] +
                 7471 * out.data[3 * i + 2] + 32768) >> 16;
        close &= abs(l - gray.data[i]) <= 1;
    }
    CHECK(close);
    tjFree(jpg);
    tjDestroy(tj);
    free(cmyk);
    dc_buffer_free(&b0);
    dc_buffer_free(&b1);
    dc_buffer_free(&b2);
}

static void test_scaled_sizes(void)
{
    dc_jpeg_info info = {500, 375, 3};
    int w, h;
    dc_jpeg_scaled_size(&info, 256, 256, &w, &h); /* 1/2 would be 188 high: full size */
    CHECK(w == 500 && h == 375);
    dc_jpeg_scaled_size(&info, 180, 180, &w, &h); /* 1/2: 250 x 188 (not 3/4, slower) */
    CHECK(w == 250 && h == 188);
    dc_jpeg_scaled_size(&info, 0, 0, &w, &h);
    CHECK(w == 500 && h == 375);
    dc_jpeg_scaled_size(&info, 600, 10, &w, &h); /* above full size: full size */
    CHECK(w == 500 && h == 375);
    dc_jpeg_scaled_size(&info, 1, 1, &w, &h); /* 1/8, rounded up */
    CHECK(w == 63 && h == 47);
    dc_jpeg_scaled_size(&info, 224, 0, &w, &h); /* 4/8: 250 x 188 */
    CHECK(w == 250 && h == 188);
}

/* Decoding at 1/2 or 1/4 in the DCT domain, then resizing, is close to a full decode and an
 * antialiased resize to the same size. */
static void test_dct_scaled_decode_matches_resize(void)
{
    dc_buffer b0 = {0}, b1 = {0}, b2 = {0}, b3 = {0}, b4 = {0};
    dc_resample_scratch rs = {0};
    dc_image src, full, small, a, b;
    du_picture(&src, &b0, 400, 300, 3, 5);
    size_t n;
    uint8_t *jpg = encode(&src, 95, 0, &n);
    CHECK_OK(dc_jpeg_decode(J, jpg, n, 3, 0, 0, &b1, &full));
    int targets[2][2] = {{100, 75}, {180, 130}};
    for (int t = 0; t < 2; t++) {
        int tw = targets[t][0], th = targets[t][1];
        CHECK_OK(dc_jpeg_decode(J, jpg, n, 3, tw, th, &b2, &small));
        CHECK(small.w >= tw && small.h >= th && small.w < 400);
        dc_image_alloc(&a, &b3, tw, th, 3);
        dc_image_alloc(&b, &b4, tw, th, 3);
        double fb[4] = {0, 0, full.w, full.h}, sb[4] = {0, 0, small.w, small.h};
        CHECK_OK(dc_resample(&full, fb, &a, &rs));
        CHECK_OK(dc_resample(&small, sb, &b, &rs));
        double mad = 0;
        for (int i = 0; i < tw * th * 3; i++) mad += abs(a.data[i] - b.data[i]);
        mad /= tw * th * 3;
        if (mad > 2.0) printf("  %dx%d: mean abs difference %.2f\n", tw, th, mad);
        CHECK(mad <= 2.0);
    }
    free(jpg);
    dc_buffer_free(&b0), dc_buffer_free(&b1), dc_buffer_free(&b2), dc_buffer_free(&b3),
        dc_buffer_free(&b4);
    dc_resample_scratch_free(&rs);
}

/* Region decodes of jpg at every DCT scale, for many random regions, against the same
 * pixels of a full decode at that scale: equal, every byte (see run() in core/data/jpeg.c for
 * why the fancy-upsampled edge columns still match). Returns the number of mismatches. */
static int region_mismatches(const uint8_t *jpg, size_t n, int channels, uint64_t seed)
{
    dc_buffer fb = {0}, rb = {0};
    dc_image full, part;
    dc_rng rng = dc_rng_for(seed, 0, 0);
    dc_jpeg_info info;
    CHECK_OK(dc_jpeg_info_read(J, jpg, n, &info));
    int bad = 0;
    for (int k = 1; k <= 8; k *= 2) {
        int mw = (info.width + k - 1) / k, mh = (info.height + k - 1) / k;
        CHECK_OK(dc_jpeg_decode(J, jpg, n, channels, mw, mh, &fb, &full));
        for (int trial = 0; trial < 40; trial++) {
            int x0 = (int)dc_rng_below(&rng, (uint64_t)full.w);
            int y0 = (int)dc_rng_below(&rng, (uint64_t)full.h);
            int x1 = x0 + 1 + (int)dc_rng_below(&rng, (uint64_t)(full.w - x0));
            int y1 = y0 + 1 + (int)dc_rng_below(&rng, (uint64_t)(full.h - y0));
            if (trial == 0) x0 = y0 = 0, x1 = full.w, y1 = full.h;
            int region[4] = {x0, y0, x1, y1}, at[2] = {-1, -1};
            CHECK_OK(dc_jpeg_decode_region(J, jpg, n, channels, mw, mh, region, &rb, &part, at));
            int covers = at[0] >= 0 && at[0] <= x0 && at[0] + part.w >= x1 && at[1] == y0 &&
                         part.h == y1 - y0 && at[0] + part.w <= full.w && part.c == channels;
            if (!covers) {
                printf("  1/%d: region (%d, %d, %d, %d) gave %d x %d at (%d, %d)\n", k, x0, y0,
                       x1, y1, part.w, part.h, at[0], at[1]);
                bad++;
                continue;
            }
            for (int y = 0; y < part.h; y++) {
                const uint8_t *a = part.data + (int64_t)y * part.stride;
                const uint8_t *b = full.data + (int64_t)(y + y0) * full.stride +
                                   (int64_t)at[0] * channels;
                if (memcmp(a, b, (size_t)part.w * (size_t)channels) != 0) {
                    printf("  1/%d: region (%d, %d, %d, %d): row %d differs\n", k, x0, y0, x1,
                           y1, y + y0);
                    bad++;
                    break;
                }
            }
        }
    }
    dc_buffer_free(&fb);
    dc_buffer_free(&rb);
    return bad;
}

/* A noisy photo-like picture, so an upsampling difference at a region edge would show. */
static void noisy_picture(dc_image *im, dc_buffer *buf, int w, int h, int c, uint64_t seed)
{
    du_picture(im, buf, w, h, c, (int)seed);
    dc_rng rng = dc_rng_for(seed, 1, 0);
    for (int64_t i = 0; i < (int64_t)w * h * c; i++) {
        int v = im->data[i] + (int)dc_rng_below(&rng, 41) - 20;
        im->data[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
    }
}

/* Region decode == the same pixels of a full decode: 4:2:0 (as PIL saves), 4:2:2, 4:4:4 and
 * gray sources, baseline and progressive, to RGB and to gray, odd sizes (partial iMCUs). */
static void test_region_matches_full_decode(void)
{
    dc_buffer b0 = {0};
    dc_image src;
    const int samp[4] = {TJSAMP_420, TJSAMP_422, TJSAMP_444, TJSAMP_GRAY};
    int bad = 0;
    for (int si = 0; si < 4; si++)
        for (int prog = 0; prog <= 1; prog++) {
            int c = samp[si] == TJSAMP_GRAY ? 1 : 3;
            noisy_picture(&src, &b0, 203 + 16 * si, 157 - 8 * prog, c, (uint64_t)(si + 10));
            /* a fresh encoder each time: TurboJPEG 2.1 writes a broken baseline file after a
             * progressive one on the same handle */
            tjhandle tj = tjInitCompress();
            unsigned char *jpg = NULL;
            unsigned long n = 0;
            CHECK(tjCompress2(tj, src.data, src.w, (int)src.stride, src.h,
                              c == 1 ? TJPF_GRAY : TJPF_RGB, &jpg, &n, samp[si], 90,
                              prog ? TJFLAG_PROGRESSIVE : 0) == 0);
            for (int ch = 1; ch <= 3; ch += 2) {
                int m = region_mismatches(jpg, n, ch, (uint64_t)(si * 4 + prog * 2 + ch));
                if (m) printf("  subsampling %d, progressive %d, %d channels\n", si, prog, ch);
                bad += m;
            }
            tjFree(jpg);
            tjDestroy(tj);
        }
    CHECK(bad == 0);
    /* a region outside the picture is an argument error, not a crash */
    du_picture(&src, &b0, 40, 30, 3, 1);
    size_t n;
    uint8_t *jpg = encode(&src, 90, 0, &n);
    dc_buffer b1 = {0};
    dc_image out;
    int at[2], outside[4] = {50, 0, 60, 10};
    CHECK_FAILS(dc_jpeg_decode_region(J, jpg, n, 3, 0, 0, outside, &b1, &out, at), DC_ERR_ARG,
                "outside the 40 x 30 picture");
    free(jpg);
    dc_buffer_free(&b0);
    dc_buffer_free(&b1);
}

/* A header asking for more pixels than PIL would open is refused before any allocation,
 * with the size in the message; at the limit's edge of a side (65500) too. */
static void test_huge_header_refused(void)
{
    dc_buffer b0 = {0}, b1 = {0};
    dc_image src, out;
    du_picture(&src, &b0, 16, 16, 3, 1);
    size_t n;
    uint8_t *jpg = encode(&src, 90, 0, &n);
    size_t sof = 0;
    for (size_t i = 2; i + 9 < n && !sof; i++)
        if (jpg[i] == 0xFF && jpg[i + 1] == 0xC0) sof = i;
    CHECK(sof > 0);
    /* SOF0: FF C0, length (2), precision (1), height (2), width (2) */
    jpg[sof + 5] = 65000 >> 8, jpg[sof + 6] = 65000 & 255;
    jpg[sof + 7] = 60000 >> 8, jpg[sof + 8] = 60000 & 255;
    dc_jpeg_info info;
    CHECK_FAILS(dc_jpeg_info_read(J, jpg, n, &info), DC_ERR_FORMAT,
                "JPEG of 60000 x 65000 pixels refused");
    CHECK_FAILS(dc_jpeg_decode(J, jpg, n, 3, 0, 0, &b1, &out), DC_ERR_FORMAT, "refused");
    int region[4] = {0, 0, 8, 8}, at[2];
    CHECK_FAILS(dc_jpeg_decode_region(J, jpg, n, 3, 0, 0, region, &b1, &out, at), DC_ERR_FORMAT,
                "refused");
    /* just under the limit passes the check (and then fails on the missing data) */
    jpg[sof + 5] = 13000 >> 8, jpg[sof + 6] = 13000 & 255;
    jpg[sof + 7] = 13000 >> 8, jpg[sof + 8] = 13000 & 255;
    CHECK_OK(dc_jpeg_info_read(J, jpg, n, &info));
    CHECK(info.width == 13000 && info.height == 13000);
    free(jpg);
    dc_buffer_free(&b0);
    dc_buffer_free(&b1);
}

/* Decoding corrupt bytes: an error, never a crash; truncation is always an error. */
static void test_corruptions(void)
{
    dc_buffer b0 = {0}, b1 = {0};
    dc_image src, out;
    du_picture(&src, &b0, 48, 40, 3, 6);
    size_t n;
    uint8_t *jpg = encode(&src, 90, 0, &n), *buf = malloc(n);
    CHECK_FAILS(dc_jpeg_decode(J, jpg, 0, 3, 0, 0, &b1, &out), DC_ERR_FORMAT, "empty file");
    const uint8_t png[8] = {0x89, 'P', 'N', 'G', 13, 10, 26, 10};
    CHECK_FAILS(dc_jpeg_decode(J, png, 8, 3, 0, 0, &b1, &out), DC_ERR_FORMAT, "not a JPEG");
    int bad = 0, corner[4] = {0, 0, 9, 7}, at[2];
    for (size_t k = 1; k < n; k++) {
        dc_status s = dc_jpeg_decode(J, jpg, k, 3, 0, 0, &b1, &out);
        if (s != DC_ERR_FORMAT) {
            bad++;
            printf("  truncated at %zu of %zu: %s\n", k, n, dc_status_name(s));
        }
        /* a region in the top-left corner: the missing bytes lie outside it, still an error */
        s = dc_jpeg_decode_region(J, jpg, k, 3, 0, 0, corner, &b1, &out, at);
        if (s != DC_ERR_FORMAT) {
            bad++;
            printf("  truncated at %zu of %zu, region: %s\n", k, n, dc_status_name(s));
        }
        if (dc_jpeg_decode(J, jpg, n, 3, 0, 0, &b1, &out) != DC_OK) bad++;
    }
    CHECK(bad == 0);
    /* bit flips and random bytes everywhere: OK or a format error; the progressive one too */
    dc_rng rng = dc_rng_for(7, 0, 0);
    for (int prog = 0; prog <= 1; prog++) {
        free(jpg);
        free(buf);
        jpg = encode(&src, 90, prog, &n);
        buf = malloc(n);
        for (int trial = 0; trial < 600; trial++) {
            memcpy(buf, jpg, n);
            int flips = 1 + (int)dc_rng_below(&rng, 4);
            for (int f = 0; f < flips; f++) {
                size_t at = (size_t)dc_rng_below(&rng, n);
                if (trial % 2) buf[at] ^= (uint8_t)(1u << dc_rng_below(&rng, 8));
                else buf[at] = (uint8_t)dc_rng_below(&rng, 256);
            }
            int ch = trial % 3 ? 3 : 1;
            dc_status s = dc_jpeg_decode(J, buf, n, ch, trial % 5 ? 0 : 12, 10, &b1, &out);
            if (s != DC_OK && s != DC_ERR_FORMAT) bad++;
            if (s == DC_OK && (out.c != ch || out.w <= 0 || out.h <= 0)) bad++;
            int region[4] = {(int)dc_rng_below(&rng, 40), (int)dc_rng_below(&rng, 30), 0, 0};
            region[2] = region[0] + 1 + (int)dc_rng_below(&rng, 8);
            region[3] = region[1] + 1 + (int)dc_rng_below(&rng, 10);
            s = dc_jpeg_decode_region(J, buf, n, ch, 0, 0, region, &b1, &out, at);
            if (s != DC_OK && s != DC_ERR_FORMAT) bad++;
            if (s == DC_OK && (out.c != ch || at[0] > region[0] || at[0] + out.w < region[2] ||
                               out.h != region[3] - region[1]))
                bad++;
            /* a failure leaves the codec usable: the intact file still decodes */
            if (dc_jpeg_decode(J, jpg, n, ch, 0, 0, &b1, &out) != DC_OK) bad++;
        }
    }
    CHECK(bad == 0);
    free(jpg);
    free(buf);
    dc_buffer_free(&b0);
    dc_buffer_free(&b1);
}

static void test_encode_errors(void)
{
    dc_buffer b0 = {0};
    dc_image src;
    du_picture(&src, &b0, 8, 8, 3, 0);
    const uint8_t *d;
    size_t n;
    CHECK_FAILS(dc_jpeg_encode(J, &src, 0, 0, &d, &n), DC_ERR_ARG, "quality");
    CHECK_FAILS(dc_jpeg_encode(J, &src, 101, 0, &d, &n), DC_ERR_ARG, "quality");
    src.c = 2;
    CHECK_FAILS(dc_jpeg_encode(J, &src, 90, 0, &d, &n), DC_ERR_ARG, "1 or 3 channels");
    dc_buffer_free(&b0);
}

int main(void)
{
    if (dc_jpeg_new(&J) != DC_OK) return 1;
    RUN_TEST(test_round_trip);
    RUN_TEST(test_gray_and_colour_conversions);
    RUN_TEST(test_cmyk_source);
    RUN_TEST(test_scaled_sizes);
    RUN_TEST(test_dct_scaled_decode_matches_resize);
    RUN_TEST(test_region_matches_full_decode);
    RUN_TEST(test_huge_header_refused);
    RUN_TEST(test_corruptions);
    RUN_TEST(test_encode_errors);
    dc_jpeg_free(J);
    return TEST_SUMMARY();
}
