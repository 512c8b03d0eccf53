/* Transforms and resampling: against slow references and hand-computed values, and the
 * RandomResizedCrop box ranges. */
#include "data/transforms.h"
#include "data_util.h"
#include "tiny_test.h"

static dc_tf_scratch S;

/* img[y][x][ch] = 10 * y + x + 100 * ch (a picture whose every pixel says where it is) */
static void coords(dc_image *im, dc_buffer *b, int w, int h, int c)
{
    dc_image_alloc(im, b, w, h, c);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int ch = 0; ch < c; ch++)
                im->data[y * im->stride + x * c + ch] = (uint8_t)(10 * y + x + 100 * ch);
}

static uint8_t px(const dc_image *im, int x, int y, int ch)
{
    return im->data[(int64_t)y * im->stride + x * im->c + ch];
}

static dc_status run(const dc_transform *t, const dc_image *img, uint64_t seed, dc_image *out,
                     float (*lut)[256])
{
    dc_rng rng = dc_rng_for(seed, 0, 0);
    dc_tf_plan plan;
    dc_transform_plan(t, img->w, img->h, &rng, &plan);
    return dc_transform_run(t, &plan, img, 0, &rng, &S, out, lut);
}

static dc_tf op(dc_tf_kind k, int h, int w)
{
    dc_tf o;
    dc_tf_init(&o, k);
    o.h = h;
    o.w = w;
    return o;
}

/* ---- resampling ---- */

static double tri(double x) { return fabs(x) < 1 ? 1 - fabs(x) : 0; }

/* Weights of one axis, the textbook way: out pixel i covers [in0 + i s, in0 + (i + 1) s]
 * with s = (in1 - in0) / out; triangle of half-width max(s, 1) around its centre. */
static void ref_weights(int in_size, double in0, double in1, int out_size, int i, double *w)
{
    double s = (in1 - in0) / out_size, support = s > 1 ? s : 1;
    double centre = in0 + (i + 0.5) * s, sum = 0;
    for (int x = 0; x < in_size; x++) {
        w[x] = (x + 0.5 >= centre - support && x + 0.5 <= centre + support)
                   ? tri((x + 0.5 - centre) / support) : 0;
        sum += w[x];
    }
    for (int x = 0; x < in_size; x++) w[x] = sum > 0 ? w[x] / sum : 0;
}

static void test_resample_against_reference(void)
{
    struct { int w, h, ow, oh, c; double box[4]; } cases[] = {
        {40, 30, 16, 12, 1, {0, 0, 40, 30}},     /* shrink 2.5 x */
        {40, 30, 16, 12, 3, {0, 0, 40, 30}},
        {13, 9, 31, 20, 3, {0, 0, 13, 9}},       /* enlarge */
        {50, 40, 20, 25, 3, {5.5, 3.25, 40, 38}},/* fractional box, mixed */
        {64, 64, 7, 64, 1, {0, 0, 64, 64}},      /* one axis only */
        {64, 48, 64, 20, 3, {0, 0, 64, 48}},
    };
    dc_buffer b0 = {0}, b1 = {0};
    dc_resample_scratch rs = {0};
    int worst = 0;
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        dc_image src, dst;
        du_picture(&src, &b0, cases[k].w, cases[k].h, cases[k].c, (int)k);
        dc_image_alloc(&dst, &b1, cases[k].ow, cases[k].oh, cases[k].c);
        CHECK_OK(dc_resample(&src, cases[k].box, &dst, &rs));
        double wx[64], wy[64];
        for (int y = 0; y < dst.h; y++) {
            ref_weights(src.h, cases[k].box[1], cases[k].box[3], dst.h, y, wy);
            for (int x = 0; x < dst.w; x++) {
                ref_weights(src.w, cases[k].box[0], cases[k].box[2], dst.w, x, wx);
                for (int ch = 0; ch < src.c; ch++) {
                    double v = 0;
                    for (int yy = 0; yy < src.h; yy++)
                        for (int xx = 0; xx < src.w; xx++)
                            v += wy[yy] * wx[xx] * px(&src, xx, yy, ch);
                    int d = abs((int)lround(v) - px(&dst, x, y, ch));
                    worst = d > worst ? d : worst;
                }
            }
        }
    }
    if (worst > 1) printf("  worst difference %d\n", worst);
    CHECK(worst <= 1);
    /* same size, whole box: an exact copy */
    dc_image src, dst;
    du_picture(&src, &b0, 20, 10, 3, 9);
    dc_image_alloc(&dst, &b1, 20, 10, 3);
    double full[4] = {0, 0, 20, 10};
    CHECK_OK(dc_resample(&src, full, &dst, &rs));
    CHECK(memcmp(src.data, dst.data, 600) == 0);
    double outside[4] = {0, 0, 21, 10};
    CHECK_FAILS(dc_resample(&src, outside, &dst, &rs), DC_ERR_ARG, "outside");
    dc_buffer_free(&b0);
    dc_buffer_free(&b1);
    dc_resample_scratch_free(&rs);
}

/* A colour resample is exactly the resample of each channel on its own (the 3-channel
 * horizontal pass has its own vector code; the 1-channel one is plain C): noisy pictures,
 * shrinking and enlarging, fractional boxes touching the right edge or not. */
static void test_resample_colour_equals_per_channel(void)
{
    dc_buffer b0 = {0}, b1 = {0}, b2 = {0}, b3 = {0};
    dc_resample_scratch rs = {0};
    dc_rng rng = dc_rng_for(3, 0, 0);
    int bad = 0;
    for (int trial = 0; trial < 200; trial++) {
        int w = 1 + (int)dc_rng_below(&rng, 90), h = 1 + (int)dc_rng_below(&rng, 40);
        int ow = 1 + (int)dc_rng_below(&rng, 120), oh = 1 + (int)dc_rng_below(&rng, 30);
        dc_image src, dst, one, ref;
        dc_image_alloc(&src, &b0, w, h, 3);
        for (int64_t i = 0; i < (int64_t)w * h * 3; i++)
            src.data[i] = (uint8_t)dc_rng_below(&rng, 256);
        double x0 = dc_rng_uniform(&rng) * w * 0.5, y0 = dc_rng_uniform(&rng) * h * 0.5;
        double box[4] = {x0, y0, trial % 2 ? w : x0 + (w - x0) * (0.5 + dc_rng_uniform(&rng) / 2),
                         h};
        if (box[2] <= box[0]) box[2] = w;
        dc_image_alloc(&dst, &b1, ow, oh, 3);
        CHECK_OK(dc_resample(&src, box, &dst, &rs));
        dc_image_alloc(&one, &b2, w, h, 1);
        dc_image_alloc(&ref, &b3, ow, oh, 1);
        for (int ch = 0; ch < 3; ch++) {
            for (int64_t i = 0; i < (int64_t)w * h; i++) one.data[i] = src.data[3 * i + ch];
            CHECK_OK(dc_resample(&one, box, &ref, &rs));
            for (int64_t i = 0; i < (int64_t)ow * oh; i++) bad += ref.data[i] != dst.data[3 * i + ch];
        }
    }
    CHECK(bad == 0);
    dc_buffer_free(&b0), dc_buffer_free(&b1), dc_buffer_free(&b2), dc_buffer_free(&b3);
    dc_resample_scratch_free(&rs);
}

/* ---- geometric ops ---- */

static void test_resize_sizes(void)
{
    dc_buffer b = {0};
    dc_image img, out;
    float lut[4][256];
    dc_transform t = {1, {op(DC_TF_RESIZE, 256, 0)}};
    du_picture(&img, &b, 500, 375, 3, 0);
    CHECK_OK(run(&t, &img, 1, &out, lut));
    CHECK(out.w == 341 && out.h == 256); /* int(256 * 500 / 375) */
    du_picture(&img, &b, 375, 500, 3, 0);
    CHECK_OK(run(&t, &img, 1, &out, lut));
    CHECK(out.w == 256 && out.h == 341);
    t.op[0] = op(DC_TF_RESIZE, 30, 40); /* (h, w) */
    CHECK_OK(run(&t, &img, 1, &out, lut));
    CHECK(out.w == 40 && out.h == 30);
    int shape[3];
    CHECK_OK(dc_transform_shape(&t, 3, -1, -1, shape));
    CHECK(shape[0] == 3 && shape[1] == 30 && shape[2] == 40);
    t.op[0] = op(DC_TF_RESIZE, 64, 0);
    CHECK_OK(dc_transform_shape(&t, 1, -1, -1, shape));
    CHECK(shape[1] == -1 && shape[2] == -1);
    CHECK_OK(dc_transform_shape(&t, 1, 28, 56, shape));
    CHECK(shape[1] == 64 && shape[2] == 128);
    dc_buffer_free(&b);
}

static void test_center_crop(void)
{
    dc_buffer b = {0};
    dc_image img, out;
    float lut[4][256];
    coords(&img, &b, 7, 6, 3);
    dc_transform t = {1, {op(DC_TF_CENTER_CROP, 3, 4)}};
    CHECK_OK(run(&t, &img, 0, &out, lut));
    /* top = round((6 - 3) / 2) = round(1.5) = 2 (half to even), left = round(1.5) = 2 */
    CHECK(out.w == 4 && out.h == 3);
    CHECK(px(&out, 0, 0, 0) == 22 && px(&out, 3, 2, 0) == 45 && px(&out, 1, 1, 2) == 233);
    /* larger than the image: zero padding, (crop - size) // 2 on the top / left */
    t.op[0] = op(DC_TF_CENTER_CROP, 9, 10);
    CHECK_OK(run(&t, &img, 0, &out, lut));
    CHECK(out.w == 10 && out.h == 9);
    CHECK(px(&out, 0, 0, 0) == 0 && px(&out, 1, 1, 0) == 0 && px(&out, 9, 8, 1) == 0);
    CHECK(px(&out, 1, 1, 1) == 100 && px(&out, 7, 6, 0) == 56); /* pixel (6, 5) at (7, 6) */
    dc_buffer_free(&b);
}

static void test_random_crop_with_padding(void)
{
    dc_buffer b = {0};
    dc_image img, out;
    float lut[4][256];
    coords(&img, &b, 8, 8, 1);
    dc_tf rc = op(DC_TF_RANDOM_CROP, 8, 8);
    rc.pad = 2;
    dc_transform t = {1, {rc}};
    int seen[5][5] = {{0}};
    for (uint64_t seed = 0; seed < 400; seed++) {
        CHECK_OK(run(&t, &img, seed, &out, lut));
        /* find the offset from the content: pixel (x, y) of out is source (x + dx, y + dy) */
        int dx = 99, dy = 99;
        for (int y = 0; y < 8 && dx == 99; y++)
            for (int x = 0; x < 8; x++)
                if (px(&out, x, y, 0) != 0 || (x == 2 && y == 2)) {
                    int v = px(&out, x, y, 0);
                    dx = v % 10 - x;
                    dy = v / 10 - y;
                    break;
                }
        CHECK(dx >= -2 && dx <= 2 && dy >= -2 && dy <= 2);
        if (dx < -2 || dx > 2 || dy < -2 || dy > 2) break;
        seen[dy + 2][dx + 2]++;
        int ok = 1;
        for (int y = 0; y < 8; y++)
            for (int x = 0; x < 8; x++) {
                int sx = x + dx, sy = y + dy;
                int want = sx < 0 || sy < 0 || sx >= 8 || sy >= 8 ? 0 : 10 * sy + sx;
                ok &= px(&out, x, y, 0) == want;
            }
        CHECK(ok);
    }
    int all = 1; /* every one of the 25 offsets happens */
    for (int i = 0; i < 25; i++) all &= seen[i / 5][i % 5] > 0;
    CHECK(all);
    dc_tf big = op(DC_TF_RANDOM_CROP, 13, 8);
    big.pad = 2;
    dc_transform t2 = {1, {big}};
    CHECK_FAILS(run(&t2, &img, 0, &out, lut), DC_ERR_ARG, "larger than");
    int shape[3];
    CHECK_FAILS(dc_transform_shape(&t2, 1, 8, 8, shape), DC_ERR_ARG, "larger than");
    dc_buffer_free(&b);
}

static void test_flip_grayscale_normalize(void)
{
    dc_buffer b = {0};
    dc_image img, out;
    float lut[4][256];
    coords(&img, &b, 5, 2, 3);
    dc_tf flip = op(DC_TF_HFLIP, 0, 0);
    flip.p = 1.0;
    dc_transform t = {1, {flip}};
    CHECK_OK(run(&t, &img, 0, &out, lut));
    CHECK(px(&out, 0, 0, 0) == 4 && px(&out, 4, 1, 2) == 210 && px(&out, 2, 1, 1) == 112);
    CHECK(px(&img, 0, 0, 0) == 0); /* the input was read-only: flipped in a copy */
    t.op[0].p = 0.0;
    CHECK_OK(run(&t, &img, 0, &out, lut));
    CHECK(px(&out, 0, 0, 0) == 0);
    /* p = 0.5: about half of 1000 samples */
    t.op[0].p = 0.5;
    int flips = 0;
    for (uint64_t s = 0; s < 1000; s++) {
        CHECK_OK(run(&t, &img, s, &out, lut));
        flips += px(&out, 0, 0, 0) == 4;
    }
    CHECK(flips > 430 && flips < 570);

    /* Grayscale: PIL's L = (19595 R + 38470 G + 7471 B + 32768) >> 16 */
    dc_image_alloc(&img, &b, 2, 1, 3);
    uint8_t rgb[6] = {255, 0, 0, 10, 200, 30};
    memcpy(img.data, rgb, 6);
    dc_transform g = {1, {op(DC_TF_GRAYSCALE, 0, 0)}};
    CHECK_OK(run(&g, &img, 0, &out, lut));
    CHECK(out.c == 1 && px(&out, 0, 0, 0) == 76 && px(&out, 1, 0, 0) == 124);
    g.op[0].channels = 3;
    CHECK_OK(run(&g, &img, 0, &out, lut));
    CHECK(out.c == 3 && px(&out, 1, 0, 0) == 124 && px(&out, 1, 0, 2) == 124);

    /* Normalize: (v / 255 - mean) / std per channel; ToFloat alone: v / 255 */
    dc_tf nm = op(DC_TF_NORMALIZE, 0, 0);
    nm.n = 3;
    float mean[3] = {0.485f, 0.456f, 0.406f}, sd[3] = {0.229f, 0.224f, 0.225f};
    memcpy(nm.mean, mean, sizeof mean);
    memcpy(nm.std, sd, sizeof sd);
    dc_transform n = {2, {op(DC_TF_TO_FLOAT, 0, 0), nm}};
    CHECK_OK(run(&n, &img, 0, &out, lut));
    for (int ch = 0; ch < 3; ch++)
        for (int v = 0; v < 256; v += 51)
            CHECK_CLOSE(lut[ch][v], (v / 255.0 - mean[ch]) / sd[ch], 1e-6);
    float dst[6];
    dc_image_to_float(&out, (const float(*)[256])lut, dst);
    CHECK_CLOSE(dst[0], (255 / 255.0 - 0.485) / 0.229, 1e-6); /* R of pixel 0 */
    CHECK_CLOSE(dst[3], (200 / 255.0 - 0.456) / 0.224, 1e-6); /* G of pixel 1 (plane 1) */
    dc_transform tf = {1, {op(DC_TF_TO_FLOAT, 0, 0)}};
    CHECK_OK(run(&tf, &img, 0, &out, lut));
    CHECK_CLOSE(lut[1][51], 0.2, 1e-7);
    dc_buffer_free(&b);
}

/* ---- RandomResizedCrop ---- */

static void test_random_resized_crop_boxes(void)
{
    dc_tf rrc = op(DC_TF_RANDOM_RESIZED_CROP, 224, 224);
    dc_transform t = {1, {rrc}};
    int sizes[4][2] = {{500, 375}, {375, 500}, {224, 224}, {1000, 300}};
    int fallbacks = 0, bad = 0;
    for (int k = 0; k < 4; k++)
        for (uint64_t s = 0; s < 3000; s++) {
            int W = sizes[k][0], H = sizes[k][1];
            dc_rng rng = dc_rng_for(s, k, 3);
            dc_tf_plan p;
            dc_transform_plan(&t, W, H, &rng, &p);
            double x0 = p.box[0], y0 = p.box[1], w = p.box[2] - x0, h = p.box[3] - y0;
            bad += !(p.planned && x0 >= 0 && y0 >= 0 && x0 + w <= W && y0 + h <= H && w >= 1 &&
                     h >= 1 && p.out_w == 224 && p.out_h == 224);
            double area = w * h / ((double)W * H), ratio = w / h;
            /* rounding of w and h to integers moves area and ratio a little */
            double tol_r = 1.0 / h + 1.0 / w, tol_a = (w + h + 1) / ((double)W * H);
            int fallback = area > 1 + tol_a || area < 0.08 - tol_a ||
                           ratio < 0.75 * (1 - tol_r) || ratio > 4.0 / 3 * (1 + tol_r);
            if (fallback) {
                /* the center fallback: the whole image clamped to the ratio range, centred */
                fallbacks++;
                bad += !(w == W || h == H);
            }
            /* the decode needed for this box keeps at least 224 pixels across it */
            bad += p.min_w * w / W < 224 - 1e-6 || p.min_h * h / H < 224 - 1e-6;
        }
    CHECK(bad == 0);
    CHECK(fallbacks < 100); /* only the 1000 x 300 image (ratio 3.3) ever needs it */

    /* impossible scale: a 1000 x 10 strip never fits 3/4..4/3 with >= 90% area */
    dc_tf strip = rrc;
    strip.scale[0] = 0.9;
    dc_transform ts = {1, {strip}};
    dc_rng rng = dc_rng_for(1, 2, 3);
    dc_tf_plan p;
    dc_transform_plan(&ts, 1000, 10, &rng, &p);
    /* fallback: h = 10, w = round(10 * 4/3) = 13, left = (1000 - 13) // 2 = 493 */
    CHECK(p.box[0] == 493 && p.box[1] == 0 && p.box[2] == 506 && p.box[3] == 10);

    /* the sample is deterministic in its stream */
    dc_buffer b = {0}, b2 = {0};
    dc_image img, o1, o2;
    float lut[4][256];
    du_picture(&img, &b, 300, 200, 3, 1);
    dc_transform t2 = {2, {rrc, op(DC_TF_HFLIP, 0, 0)}};
    CHECK_OK(run(&t2, &img, 42, &o1, lut));
    dc_image_alloc(&o2, &b2, o1.w, o1.h, 3);
    for (int y = 0; y < o1.h; y++) memcpy(o2.data + y * o2.stride, o1.data + y * o1.stride, 672);
    CHECK_OK(run(&t2, &img, 42, &o1, lut));
    CHECK(o1.w == 224 && o1.h == 224 && du_psnr(&o1, &o2) == 99.0);
    dc_buffer_free(&b);
    dc_buffer_free(&b2);
}

/* A planned first op on a DCT-scaled picture gives nearly the full-size result. */
static void test_planned_op_on_scaled_picture(void)
{
    dc_buffer b = {0}, b2 = {0}, b3 = {0};
    dc_resample_scratch rs = {0};
    dc_image full, half, o1, keep;
    float lut[4][256];
    du_picture(&full, &b, 400, 300, 3, 2);
    dc_image_alloc(&half, &b2, 200, 150, 3);
    double box[4] = {0, 0, 400, 300};
    CHECK_OK(dc_resample(&full, box, &half, &rs));
    dc_transform t = {1, {op(DC_TF_RESIZE, 100, 0)}};
    dc_rng r1 = dc_rng_for(0, 0, 0);
    dc_tf_plan p;
    dc_transform_plan(&t, 400, 300, &r1, &p);
    CHECK(p.out_w == 133 && p.out_h == 100 && p.min_w == 133 && p.min_h == 100);
    CHECK_OK(dc_transform_run(&t, &p, &full, 0, &r1, &S, &o1, lut));
    dc_image_alloc(&keep, &b3, o1.w, o1.h, 3);
    for (int y = 0; y < o1.h; y++)
        memcpy(keep.data + y * keep.stride, o1.data + y * o1.stride, 399);
    CHECK_OK(dc_transform_run(&t, &p, &half, 0, &r1, &S, &o1, lut));
    CHECK(o1.w == 133 && o1.h == 100); /* sizes come from the full-size plan */
    CHECK(du_psnr(&keep, &o1) > 35);
    dc_buffer_free(&b), dc_buffer_free(&b2), dc_buffer_free(&b3);
    dc_resample_scratch_free(&rs);
}

/* Running a transform on only the region dc_transform_region asks for (possibly with extra
 * columns, as a region decode gives) is the same as running it on the whole picture, byte
 * for byte: RandomResizedCrop and Resize + CenterCrop, at full size and DCT-scaled sizes. */
static void test_transform_on_region(void)
{
    dc_buffer b = {0}, keep_b = {0};
    dc_image whole, keep;
    dc_tf_scratch s2 = {0};
    const int sizes[3][2] = {{500, 375}, {375, 500}, {97, 61}};
    int bad = 0, partial = 0;
    for (int kind = 0; kind < 3; kind++) {
        dc_transform t = {0};
        if (kind == 0) {
            t.n = 2;
            t.op[0] = op(DC_TF_RANDOM_RESIZED_CROP, 224, 224);
            t.op[1] = op(DC_TF_HFLIP, 0, 0);
        } else if (kind == 1) {
            t.n = 2;
            t.op[0] = op(DC_TF_RESIZE, 256, 0);
            t.op[1] = op(DC_TF_CENTER_CROP, 224, 224);
        } else {
            t.n = 1;
            t.op[0] = op(DC_TF_RANDOM_RESIZED_CROP, 32, 24);
        }
        for (int sz = 0; sz < 3; sz++)
            for (int seed = 0; seed < 30; seed++) {
                int W0 = sizes[sz][0], H0 = sizes[sz][1];
                dc_rng r1 = dc_rng_for((uint64_t)seed, 1, (uint64_t)kind);
                dc_tf_plan p1;
                dc_transform_plan(&t, W0, H0, &r1, &p1);
                /* as a decoder would: the full size or a DCT scale that keeps min_w x min_h */
                int k = 1;
                while (k < 8 && (W0 + 2 * k - 1) / (2 * k) >= p1.min_w &&
                       (H0 + 2 * k - 1) / (2 * k) >= p1.min_h)
                    k *= 2;
                int w = (W0 + k - 1) / k, h = (H0 + k - 1) / k;
                du_picture(&whole, &b, w, h, 3, seed);
                dc_rng r2 = r1;
                dc_tf_plan p2 = p1;
                dc_image o1, o2;
                float l1[4][256], l2[4][256];
                CHECK_OK(dc_transform_run(&t, &p1, &whole, 0, &r1, &S, &o1, l1));
                dc_image_alloc(&keep, &keep_b, o1.w, o1.h, o1.c);
                for (int y = 0; y < o1.h; y++)
                    memcpy(keep.data + y * keep.stride, o1.data + y * o1.stride,
                           (size_t)o1.w * 3);
                int region[4];
                dc_transform_region(&t, &p2, w, h, region);
                CHECK(region[0] >= 0 && region[1] >= 0 && region[0] < region[2] &&
                      region[1] < region[3] && region[2] <= w && region[3] <= h);
                partial += region[2] - region[0] < w || region[3] - region[1] < h;
                /* a few more columns on either side, as the region decode may give */
                int x0 = region[0] - seed % 3, x1 = region[2] + seed % 4;
                x0 = x0 < 0 ? 0 : x0;
                x1 = x1 > w ? w : x1;
                dc_image part = dc_image_view(&whole, x0, region[1], x1 - x0,
                                              region[3] - region[1]);
                p2.full_w = w;
                p2.full_h = h;
                p2.at_x = x0;
                p2.at_y = region[1];
                CHECK_OK(dc_transform_run(&t, &p2, &part, 0, &r2, &s2, &o2, l2));
                int same = o2.w == keep.w && o2.h == keep.h && o2.c == keep.c;
                for (int y = 0; same && y < o2.h; y++)
                    same = memcmp(keep.data + y * keep.stride, o2.data + y * o2.stride,
                                  (size_t)o2.w * 3) == 0;
                if (!same) {
                    printf("  kind %d, %d x %d at 1/%d, seed %d: region (%d, %d, %d, %d) "
                           "differs\n", kind, W0, H0, k, seed, region[0], region[1],
                           region[2], region[3]);
                    bad++;
                }
            }
    }
    CHECK(bad == 0);
    CHECK(partial > 100); /* most regions are a real part of the picture */
    dc_buffer_free(&b), dc_buffer_free(&keep_b);
    dc_tf_scratch_free(&s2);
}

/* Resize followed by CenterCrop computes only the crop: same pixels as the two steps. */
static void test_resize_center_crop_fusion(void)
{
    dc_buffer b = {0}, b2 = {0};
    dc_image img, two, fused;
    float lut[4][256];
    du_picture(&img, &b, 500, 375, 3, 3);
    for (int first = 0; first <= 1; first++) { /* as op 0 (planned) and later */
        dc_transform r = {0}, rc = {0};
        int k = 0;
        if (!first) r.op[k] = rc.op[k] = op(DC_TF_HFLIP, 0, 0), r.op[k].p = rc.op[k].p = 0, k++;
        r.op[k] = rc.op[k] = op(DC_TF_RESIZE, 256, 0);
        rc.op[k + 1] = op(DC_TF_CENTER_CROP, 224, 200);
        r.n = k + 1;
        rc.n = k + 2;
        CHECK_OK(run(&r, &img, 0, &two, lut));
        CHECK(two.w == 341 && two.h == 256);
        dc_image copy;
        dc_image_alloc(&copy, &b2, 200, 224, 3);
        int x = (int)nearbyint((341 - 200) / 2.0), y = (256 - 224) / 2;
        for (int yy = 0; yy < 224; yy++)
            memcpy(copy.data + yy * copy.stride, two.data + (yy + y) * two.stride + x * 3, 600);
        CHECK_OK(run(&rc, &img, 0, &fused, lut));
        CHECK(fused.w == 200 && fused.h == 224);
        int worst = 0;
        for (int yy = 0; yy < 224; yy++)
            for (int i = 0; i < 600; i++)
            {
                int d = copy.data[yy * copy.stride + i] - fused.data[yy * fused.stride + i];
                worst = abs(d) > worst ? abs(d) : worst;
            }
        CHECK(worst == 0);
    }
    dc_buffer_free(&b);
    dc_buffer_free(&b2);
}

static void test_spec_errors(void)
{
    int shape[3];
    dc_transform t = {2, {op(DC_TF_NORMALIZE, 0, 0), op(DC_TF_HFLIP, 0, 0)}};
    CHECK_FAILS(dc_transform_shape(&t, 3, 10, 10, shape), DC_ERR_ARG,
                "transform 2 (RandomHorizontalFlip) comes after ToFloat/Normalize");
    dc_tf nm = op(DC_TF_NORMALIZE, 0, 0);
    nm.n = 3;
    nm.std[0] = nm.std[1] = nm.std[2] = 1;
    dc_transform t2 = {1, {nm}};
    CHECK_FAILS(dc_transform_shape(&t2, 1, 10, 10, shape), DC_ERR_ARG,
                "3 mean/std values for 1-channel images");
    nm.std[1] = 0;
    dc_transform t3 = {1, {nm}};
    CHECK_FAILS(dc_transform_shape(&t3, 3, 10, 10, shape), DC_ERR_ARG, "std[2] = 0");
    dc_tf r = op(DC_TF_RANDOM_RESIZED_CROP, 32, 32);
    r.scale[0] = 0.9;
    r.scale[1] = 0.5;
    dc_transform t4 = {1, {r}};
    CHECK_FAILS(dc_transform_shape(&t4, 3, 10, 10, shape), DC_ERR_ARG, "scale must satisfy");
    dc_transform t5 = {1, {op(DC_TF_CENTER_CROP, 0, 5)}};
    CHECK_FAILS(dc_transform_shape(&t5, 3, 10, 10, shape), DC_ERR_ARG, "(CenterCrop): size");
    dc_tf f = op(DC_TF_HFLIP, 0, 0);
    f.p = 1.5;
    dc_transform t6 = {1, {f}};
    CHECK_FAILS(dc_transform_shape(&t6, 3, 10, 10, shape), DC_ERR_ARG, "p must be in [0, 1]");
    dc_transform t7 = {1, {op(DC_TF_GRAYSCALE, 0, 0)}};
    CHECK_OK(dc_transform_shape(&t7, 3, 10, 12, shape));
    CHECK(shape[0] == 1 && shape[1] == 10 && shape[2] == 12);
}

/* ---- augmentations: the ops' wiring and their parameter draws ---- */

/* a smooth colour (or gray) picture */
static void pattern(dc_image *im, dc_buffer *b, int w, int h, int c)
{
    dc_image_alloc(im, b, w, h, c);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int ch = 0; ch < c; ch++)
                im->data[y * im->stride + x * c + ch] = (uint8_t)(13 * y + 21 * x + 80 * ch);
}

static int same_pixels(const dc_image *a, const dc_image *b)
{
    if (a->w != b->w || a->h != b->h || a->c != b->c) return 0;
    for (int y = 0; y < a->h; y++)
        if (memcmp(a->data + y * a->stride, b->data + y * b->stride, (size_t)(a->w * a->c)))
            return 0;
    return 1;
}

/* An op whose ranges are single points is its functional form at that point. */
static void test_augment_ops_are_their_functional_forms(void)
{
    dc_buffer b = {0}, e = {0}, tmp = {0};
    dc_image im, want, got;
    float lut[4][256];
    pattern(&im, &b, 11, 9, 3);
    dc_image_alloc(&want, &e, 11, 9, 3);
    double m[6];
    float fill[3] = {10, 20, 30};

    dc_tf r = op(DC_TF_ROTATION, 0, 0);
    r.degrees[0] = r.degrees[1] = 25;
    r.interp = DC_INTERP_BILINEAR;
    r.nvalue = 3;
    memcpy(r.value, fill, sizeof fill);
    dc_transform t = {1, {r}};
    CHECK_OK(run(&t, &im, 1, &got, lut));
    dc_affine_inverse(-25, 0, 0, 1, 0, 0, m);
    dc_affine(&im, m, DC_INTERP_BILINEAR, fill, &want);
    CHECK(same_pixels(&got, &want));

    dc_tf a = op(DC_TF_AFFINE, 0, 0);
    a.degrees[0] = a.degrees[1] = -40;
    a.scale[0] = a.scale[1] = 1.3;
    a.shear[0] = a.shear[1] = 12;
    a.shear[2] = a.shear[3] = -7;
    t.op[0] = a;
    CHECK_OK(run(&t, &im, 2, &got, lut));
    dc_affine_inverse(-40, 0, 0, 1.3, 12, -7, m);
    dc_affine(&im, m, DC_INTERP_NEAREST, (float[3]){0, 0, 0}, &want);
    CHECK(same_pixels(&got, &want));

    dc_tf g = op(DC_TF_BLUR, 0, 0);
    g.ksize[0] = 5, g.ksize[1] = 3;
    g.sigma[0] = g.sigma[1] = 1.1;
    t.op[0] = g;
    CHECK_OK(run(&t, &im, 3, &got, lut));
    CHECK_OK(dc_gaussian_blur(&im, 5, 3, 1.1, 1.1, &tmp, &want));
    CHECK(same_pixels(&got, &want));

    /* ColorJitter with brightness alone; RandomSolarize and RandomGrayscale with p = 1 */
    dc_tf j = op(DC_TF_JITTER, 0, 0);
    j.jitter[0][0] = j.jitter[0][1] = 0.7;
    dc_tf so = op(DC_TF_SOLARIZE, 0, 0);
    so.threshold = 100, so.p = 1;
    dc_tf gr = op(DC_TF_RANDOM_GRAYSCALE, 0, 0);
    gr.p = 1;
    dc_transform t3 = {3, {j, so, gr}};
    CHECK_OK(run(&t3, &im, 4, &got, lut));
    for (int y = 0; y < 9; y++) memcpy(want.data + y * want.stride, im.data + y * im.stride, 33);
    dc_adjust_brightness(&want, 0.7);
    dc_solarize(&want, 100);
    int ok = got.c == 3;
    for (int y = 0; y < 9; y++)
        for (int x = 0; x < 11; x++) {
            const uint8_t *p = want.data + y * want.stride + 3 * x;
            uint8_t l = (uint8_t)((19595u * p[0] + 38470u * p[1] + 7471u * p[2] + 32768u) >> 16);
            for (int ch = 0; ch < 3; ch++) ok &= got.data[y * got.stride + 3 * x + ch] == l;
        }
    CHECK(ok);
    /* the source was not written (run gives it as read-only) */
    dc_image fresh;
    dc_buffer fb = {0};
    pattern(&fresh, &fb, 11, 9, 3);
    CHECK(same_pixels(&im, &fresh));
    dc_buffer_free(&fb);
    dc_buffer_free(&b), dc_buffer_free(&e), dc_buffer_free(&tmp);
}

/* torchvision's ranges: shifts within translate, factors within their ranges, erased boxes
 * within scale and ratio, each applied with its probability. */
static void test_augment_draws(void)
{
    dc_buffer b = {0};
    dc_image im, got;
    float lut[4][256];
    /* one bright pixel at (5, 5) of a 10 x 10 picture, moved by RandomAffine's translate */
    dc_image_alloc(&im, &b, 10, 10, 1);
    memset(im.data, 0, 100);
    im.data[5 * im.stride + 5] = 255;
    dc_tf a = op(DC_TF_AFFINE, 0, 0);
    a.translate[0] = 0.2, a.translate[1] = 0.3;
    dc_transform t = {1, {a}};
    int lo[2] = {99, 99}, hi[2] = {-99, -99}, ok = 1;
    for (uint64_t seed = 0; seed < 300; seed++) {
        CHECK_OK(run(&t, &im, seed, &got, lut));
        int found = 0;
        for (int y = 0; y < 10; y++)
            for (int x = 0; x < 10; x++)
                if (got.data[y * got.stride + x] == 255) {
                    int d[2] = {x - 5, y - 5};
                    for (int k = 0; k < 2; k++) {
                        lo[k] = d[k] < lo[k] ? d[k] : lo[k];
                        hi[k] = d[k] > hi[k] ? d[k] : hi[k];
                    }
                    found++;
                }
        ok &= found == 1;
    }
    CHECK(ok && lo[0] == -2 && hi[0] == 2 && lo[1] == -3 && hi[1] == 3);

    /* ColorJitter brightness in [0.5, 1.5] on a flat 100: every level of 50..150 seen */
    memset(im.data, 100, 100);
    dc_tf j = op(DC_TF_JITTER, 0, 0);
    j.jitter[0][0] = 0.5, j.jitter[0][1] = 1.5;
    t.op[0] = j;
    int vmin = 255, vmax = 0;
    for (uint64_t seed = 0; seed < 2000; seed++) {
        CHECK_OK(run(&t, &im, seed, &got, lut));
        int v = got.data[0];
        vmin = v < vmin ? v : vmin;
        vmax = v > vmax ? v : vmax;
    }
    CHECK(vmin >= 50 && vmin <= 52 && vmax >= 147 && vmax <= 150);

    /* RandomSolarize(p = 0.5) and RandomGrayscale's default p = 0.1: how often they act */
    dc_tf so = op(DC_TF_SOLARIZE, 0, 0);
    so.threshold = 0;
    t.op[0] = so;
    int inverted = 0;
    for (uint64_t seed = 0; seed < 1000; seed++) {
        CHECK_OK(run(&t, &im, seed, &got, lut));
        inverted += got.data[0] == 155;
    }
    CHECK(inverted > 440 && inverted < 560);
    dc_buffer cb = {0};
    dc_image col;
    pattern(&col, &cb, 4, 4, 3);
    t.op[0] = op(DC_TF_RANDOM_GRAYSCALE, 0, 0);
    int grayed = 0;
    for (uint64_t seed = 0; seed < 1000; seed++) {
        CHECK_OK(run(&t, &col, seed, &got, lut));
        grayed += got.c == 3 && got.data[3] == got.data[4] && got.data[4] == got.data[5];
    }
    CHECK(grayed > 70 && grayed < 130);
    /* RandomApply(p = 0.8) of two solarizations: both (back to the start) or neither, never
     * one; and which, decided with the given p */
    dc_tf ap = op(DC_TF_APPLY, 0, 0), s1 = op(DC_TF_SOLARIZE, 0, 0), s2 = op(DC_TF_HFLIP, 0, 0);
    ap.p = 0.8, ap.count = 2;
    s1.p = 1, s1.threshold = 0;
    s2.p = 1;
    dc_transform ta = {3, {ap, s1, s2}};
    int applied = 0, odd = 0;
    for (uint64_t seed = 0; seed < 1000; seed++) {
        CHECK_OK(run(&ta, &col, seed, &got, lut));
        int inv = got.data[0] == 255 - col.data[(col.w - 1) * 3];
        int same = got.data[0] == col.data[0];
        applied += inv;
        odd += !inv && !same;
    }
    CHECK(odd == 0 && applied > 760 && applied < 840);

    /* RandomErasing on a 1 x 20 x 30 tensor of zeros: boxes inside, areas and ratios in range */
    dc_tf er = op(DC_TF_ERASE, 0, 0);
    er.value[0] = 1;
    dc_transform te = {1, {er}};
    float x[600];
    int erased = 0;
    ok = 1;
    for (uint64_t seed = 0; seed < 1000; seed++) {
        memset(x, 0, sizeof x);
        dc_rng rng = dc_rng_for(seed, 0, 0);
        dc_transform_erase(&te, &rng, 1, 20, 30, x);
        int x0 = 30, x1 = -1, y0 = 20, y1 = -1, n = 0;
        for (int y = 0; y < 20; y++)
            for (int xx = 0; xx < 30; xx++)
                if (x[y * 30 + xx] == 1) {
                    n++;
                    x0 = xx < x0 ? xx : x0, x1 = xx > x1 ? xx : x1;
                    y0 = y < y0 ? y : y0, y1 = y > y1 ? y : y1;
                }
        if (!n) continue;
        erased++;
        int h = y1 - y0 + 1, w = x1 - x0 + 1;
        ok &= n == h * w && h < 20 && w < 30;
        /* rounding h and w moves area and ratio a little past the drawn ones */
        ok &= n >= 0.02 * 600 * 0.5 && n <= 0.33 * 600 * 1.5;
        ok &= (double)h / w >= 0.3 * 0.5 && (double)h / w <= 3.3 * 2;
    }
    CHECK(ok && erased > 420 && erased < 560);
    /* value 'random': standard normal noise */
    er.nvalue = 0;
    er.p = 1;
    er.scale[0] = er.scale[1] = 0.3;
    dc_transform tr = {1, {er}};
    memset(x, 0, sizeof x);
    dc_rng rng = dc_rng_for(7, 0, 0);
    dc_transform_erase(&tr, &rng, 1, 20, 30, x);
    double sum = 0, sq = 0;
    int n = 0;
    for (int i = 0; i < 600; i++)
        if (x[i] != 0) sum += x[i], sq += x[i] * x[i], n++;
    CHECK(n > 120 && fabs(sum / n) < 0.3 && fabs(sq / n - 1) < 0.4);
    dc_buffer_free(&b);
    dc_buffer_free(&cb);
}

static void test_augment_spec_errors(void)
{
    int shape[3];
    dc_tf er = op(DC_TF_ERASE, 0, 0);
    dc_transform t = {2, {er, op(DC_TF_NORMALIZE, 0, 0)}};
    CHECK_FAILS(dc_transform_shape(&t, 1, 10, 10, shape), DC_ERR_ARG,
                "transform 2 (Normalize) comes after RandomErasing");
    er.nvalue = 3;
    t = (dc_transform){1, {er}};
    CHECK_FAILS(dc_transform_shape(&t, 1, 10, 10, shape), DC_ERR_ARG,
                "transform 1 (RandomErasing): 3 values for 1-channel images");
    er.nvalue = 1;
    er.scale[1] = 1.5;
    t.op[0] = er;
    CHECK_FAILS(dc_transform_shape(&t, 1, 10, 10, shape), DC_ERR_ARG,
                "(RandomErasing): scale must satisfy 0 <= lo <= hi <= 1");
    dc_tf b = op(DC_TF_BLUR, 0, 0);
    b.ksize[0] = 4, b.ksize[1] = 3;
    t.op[0] = b;
    CHECK_FAILS(dc_transform_shape(&t, 1, 10, 10, shape), DC_ERR_ARG,
                "(GaussianBlur): kernel_size must be odd and in 1..1023, got 4 x 3");
    b.ksize[0] = 3, b.sigma[0] = 0;
    t.op[0] = b;
    CHECK_FAILS(dc_transform_shape(&t, 1, 10, 10, shape), DC_ERR_ARG, "sigma must satisfy 0 < lo");
    dc_tf j = op(DC_TF_JITTER, 0, 0);
    j.jitter[3][1] = 0.7;
    t.op[0] = j;
    CHECK_FAILS(dc_transform_shape(&t, 3, 10, 10, shape), DC_ERR_ARG,
                "(ColorJitter): hue range must satisfy -0.5 <= lo <= hi <= 0.5, got (0, 0.7)");
    dc_tf a = op(DC_TF_AFFINE, 0, 0);
    a.shear[1] = 95;
    t.op[0] = a;
    CHECK_FAILS(dc_transform_shape(&t, 3, 10, 10, shape), DC_ERR_ARG, "shear ranges must satisfy");
    a = op(DC_TF_AFFINE, 0, 0);
    a.nvalue = 3;
    t.op[0] = a;
    CHECK_FAILS(dc_transform_shape(&t, 1, 10, 10, shape), DC_ERR_ARG,
                "(RandomAffine): 3 fill values for 1-channel images");
    dc_tf r = op(DC_TF_ROTATION, 0, 0);
    r.degrees[0] = 5, r.degrees[1] = -5;
    t.op[0] = r;
    CHECK_FAILS(dc_transform_shape(&t, 1, 10, 10, shape), DC_ERR_ARG,
                "(RandomRotation): degrees must satisfy lo <= hi");
    dc_tf so = op(DC_TF_SOLARIZE, 0, 0);
    so.p = -1;
    t.op[0] = so;
    CHECK_FAILS(dc_transform_shape(&t, 1, 10, 10, shape), DC_ERR_ARG, "p must be in [0, 1]");
    dc_tf ap = op(DC_TF_APPLY, 0, 0);
    ap.count = 2;
    t = (dc_transform){2, {ap, op(DC_TF_HFLIP, 0, 0)}};
    CHECK_FAILS(dc_transform_shape(&t, 1, 10, 10, shape), DC_ERR_ARG,
                "transform 1 (RandomApply): 2 ops asked, 1 follow");
    t = (dc_transform){2, {ap, op(DC_TF_CENTER_CROP, 5, 5)}};
    t.op[0].count = 1;
    CHECK_FAILS(dc_transform_shape(&t, 1, 10, 10, shape), DC_ERR_ARG,
                "transform 2 (CenterCrop) changes the image's shape inside a RandomApply");
    t = (dc_transform){3, {ap, op(DC_TF_HFLIP, 0, 0), op(DC_TF_NORMALIZE, 0, 0)}};
    CHECK_FAILS(dc_transform_shape(&t, 1, 10, 10, shape), DC_ERR_ARG,
                "transform 3 (Normalize) is inside a RandomApply");
    /* the augmentations keep the size (and RandomGrayscale the channels) */
    dc_transform ok = {2, {op(DC_TF_RANDOM_GRAYSCALE, 0, 0), op(DC_TF_AFFINE, 0, 0)}};
    CHECK_OK(dc_transform_shape(&ok, 3, 10, 12, shape));
    CHECK(shape[0] == 3 && shape[1] == 10 && shape[2] == 12);
}

int main(void)
{
    RUN_TEST(test_resample_against_reference);
    RUN_TEST(test_resample_colour_equals_per_channel);
    RUN_TEST(test_resize_sizes);
    RUN_TEST(test_center_crop);
    RUN_TEST(test_random_crop_with_padding);
    RUN_TEST(test_flip_grayscale_normalize);
    RUN_TEST(test_random_resized_crop_boxes);
    RUN_TEST(test_planned_op_on_scaled_picture);
    RUN_TEST(test_resize_center_crop_fusion);
    RUN_TEST(test_transform_on_region);
    RUN_TEST(test_spec_errors);
    RUN_TEST(test_augment_ops_are_their_functional_forms);
    RUN_TEST(test_augment_draws);
    RUN_TEST(test_augment_spec_errors);
    dc_tf_scratch_free(&S);
    return TEST_SUMMARY();
}
