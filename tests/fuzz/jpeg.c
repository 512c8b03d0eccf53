/* JPEG decode with DCT scaling, then the transforms, as a loader worker runs them
 * (core/data/dataset.c: header, plan, scaled decode, transform, float conversion).
 *
 * Input: a flags byte (bit 0: 1 or 3 channels; bits 1-3: number of ops), 6 bytes per op
 * (kind, then its parameters), a seed byte, then the JPEG file. The transform list comes
 * from the fuzzer too: lists the checker refuses are skipped, as the loader never runs them.
 * One codec and one scratch live across inputs, as in a worker, so state left behind by
 * earlier files is exercised as well: a second, fresh codec must read the same header and
 * decode the same pixels (a sample must not depend on what its worker decoded before), a
 * region decode the same pixels of its region, and the transform run on just the region it
 * reads (the loader's path) the same result as on the whole picture. */
#include <math.h>

#include "data/jpeg.h"
#include "data/transforms.h"
#include "fuzz.h"

/* Pictures above this are skipped for throughput (each would take a second to decode); the
 * reader's own limit (MAX_PIXELS in core/data/jpeg.c) is tested in tests/c/test_jpeg.c. */
#define FUZZ_MAX_PIXELS (2048 * 2048)

static void op_from_bytes(dc_tf *op, const uint8_t b[6])
{
    dc_tf_init(op, (dc_tf_kind)(b[0] % DC_TF_KIND_COUNT));
    op->h = b[1] % 80;
    op->w = b[2] % 80;
    switch (op->kind) {
    case DC_TF_RANDOM_CROP: op->pad = b[3] % 9; break;
    case DC_TF_RANDOM_RESIZED_CROP:
        op->scale[0] = (b[3] + 1) / 256.0;
        op->scale[1] = op->scale[0] + (1 - op->scale[0]) * (b[4] & 15) / 15.0;
        op->ratio[0] = 0.125 + (b[4] >> 4) / 4.0;
        op->ratio[1] = op->ratio[0] * (1 + b[5] / 32.0);
        break;
    case DC_TF_HFLIP: op->p = b[3] / 255.0; break;
    case DC_TF_GRAYSCALE: op->channels = b[3] % 4; break;
    case DC_TF_NORMALIZE:
        op->n = b[3] % 4 + 1;
        for (int k = 0; k < 4; k++) {
            op->mean[k] = (float)(b[4] / 255.0 + k * 0.1);
            op->std[k] = (float)(b[5] / 64.0 + k * 0.05);
        }
        break;
    default: break;
    }
}

DC_FUZZ_TARGET(dc_fuzz_jpeg)
{
    static dc_jpeg *j, *fresh;
    static dc_buffer pixels, fresh_pixels, part_pixels;
    static dc_tf_scratch scratch, part_scratch;
    static float *out;
    static int64_t out_cap;
    if (size < 2) return 0;
    int channels = data[0] & 1 ? 3 : 1, nops = (data[0] >> 1) & 7;
    if (size < 2 + 6 * (size_t)nops) return 0;
    dc_transform t = {.n = nops};
    for (int i = 0; i < nops; i++) op_from_bytes(&t.op[i], data + 1 + 6 * i);
    uint8_t seed = data[1 + 6 * nops];
    const uint8_t *file = data + 2 + 6 * nops;
    size_t n = size - 2 - 6 * (size_t)nops;
    int shape[3];
    if (dc_transform_shape(&t, channels, -1, -1, shape) != DC_OK) return 0;
    if (!j) FUZZ_ASSERT(dc_jpeg_new(&j) == DC_OK);
    dc_jpeg_free(fresh);
    FUZZ_ASSERT(dc_jpeg_new(&fresh) == DC_OK);

    dc_jpeg_info info;
    dc_status s = dc_jpeg_info_read(j, file, n, &info);
    if (s != DC_OK) {
        FUZZ_REFUSED(s);
        return 0;
    }
    FUZZ_ASSERT(info.width > 0 && info.height > 0);
    FUZZ_ASSERT(info.components == 1 || info.components == 3 || info.components == 4);
    if ((int64_t)info.width * info.height > FUZZ_MAX_PIXELS) return 0;
    dc_jpeg_info again;
    FUZZ_ASSERT(dc_jpeg_info_read(fresh, file, n, &again) == DC_OK);
    FUZZ_ASSERT(again.width == info.width && again.height == info.height);
    FUZZ_ASSERT(again.components == info.components);
    dc_rng rng = dc_rng_for(seed, 0, 0);
    dc_tf_plan plan;
    dc_transform_plan(&t, info.width, info.height, &rng, &plan);
    dc_rng part_rng = rng;
    dc_tf_plan part_plan = plan;
    dc_image img;
    s = dc_jpeg_decode(j, file, n, channels, plan.min_w, plan.min_h, &pixels, &img);
    if (s != DC_OK) {
        FUZZ_REFUSED(s);
        return 0;
    }
    int sw, sh;
    dc_jpeg_scaled_size(&info, plan.min_w, plan.min_h, &sw, &sh);
    FUZZ_ASSERT(img.w == sw && img.h == sh && img.c == channels);
    FUZZ_ASSERT(sw >= plan.min_w || sw == info.width);
    FUZZ_ASSERT(sh >= plan.min_h || sh == info.height);
    dc_image same;
    FUZZ_ASSERT(dc_jpeg_decode(fresh, file, n, channels, plan.min_w, plan.min_h, &fresh_pixels,
                               &same) == DC_OK);
    FUZZ_ASSERT(same.w == img.w && same.h == img.h);
    for (int y = 0; y < img.h; y++)
        FUZZ_ASSERT(memcmp(same.data + y * same.stride, img.data + y * img.stride,
                           (size_t)img.w * (size_t)img.c) == 0);
    /* a region decode (on the fresh codec) gives exactly the same pixels of that region */
    dc_rng rrng = dc_rng_for(seed, 1, 0);
    int region[4], at[2];
    region[0] = (int)dc_rng_below(&rrng, (uint64_t)img.w);
    region[1] = (int)dc_rng_below(&rrng, (uint64_t)img.h);
    region[2] = region[0] + 1 + (int)dc_rng_below(&rrng, (uint64_t)(img.w - region[0]));
    region[3] = region[1] + 1 + (int)dc_rng_below(&rrng, (uint64_t)(img.h - region[1]));
    FUZZ_ASSERT(dc_jpeg_decode_region(fresh, file, n, channels, plan.min_w, plan.min_h, region,
                                      &fresh_pixels, &same, at) == DC_OK);
    FUZZ_ASSERT(at[0] >= 0 && at[0] <= region[0] && at[0] + same.w >= region[2]);
    FUZZ_ASSERT(at[0] + same.w <= img.w && at[1] == region[1]);
    FUZZ_ASSERT(same.h == region[3] - region[1] && same.c == img.c);
    for (int y = 0; y < same.h; y++)
        FUZZ_ASSERT(memcmp(same.data + y * same.stride,
                           img.data + (y + at[1]) * img.stride + at[0] * img.c,
                           (size_t)same.w * (size_t)same.c) == 0);

    dc_image res;
    float lut[4][256];
    s = dc_transform_run(&t, &plan, &img, 1, &rng, &scratch, &res, lut);
    if (s != DC_OK) {
        FUZZ_REFUSED(s);
        return 0;
    }
    /* the loader's path, decoding only the region the transform reads: the same result */
    int need[4], pat[2];
    dc_image part, pres;
    float plut[4][256];
    dc_transform_region(&t, &part_plan, sw, sh, need);
    FUZZ_ASSERT(need[0] >= 0 && need[1] >= 0 && need[0] < need[2] && need[1] < need[3]);
    FUZZ_ASSERT(need[2] <= sw && need[3] <= sh);
    FUZZ_ASSERT(dc_jpeg_decode_region(fresh, file, n, channels, plan.min_w, plan.min_h, need,
                                      &part_pixels, &part, pat) == DC_OK);
    part_plan.full_w = sw;
    part_plan.full_h = sh;
    part_plan.at_x = pat[0];
    part_plan.at_y = pat[1];
    FUZZ_ASSERT(dc_transform_run(&t, &part_plan, &part, 1, &part_rng, &part_scratch, &pres,
                                 plut) == DC_OK);
    FUZZ_ASSERT(pres.w == res.w && pres.h == res.h && pres.c == res.c);
    FUZZ_ASSERT(memcmp(plut, lut, sizeof lut[0] * (size_t)res.c) == 0);
    for (int y = 0; y < res.h; y++)
        FUZZ_ASSERT(memcmp(pres.data + y * pres.stride, res.data + y * res.stride,
                           (size_t)res.w * (size_t)res.c) == 0);
    /* the shape the checker promised, wherever it did not depend on the image */
    FUZZ_ASSERT(res.c == shape[0]);
    FUZZ_ASSERT(shape[1] < 0 || res.h == shape[1]);
    FUZZ_ASSERT(shape[2] < 0 || res.w == shape[2]);
    FUZZ_ASSERT(res.w > 0 && res.h > 0 && res.stride >= (int64_t)res.w * res.c);
    int64_t numel = (int64_t)res.c * res.h * res.w;
    if (numel > out_cap) {
        free(out);
        out = malloc((size_t)numel * sizeof *out);
        FUZZ_ASSERT(out);
        out_cap = numel;
    }
    dc_image_to_float(&res, (const float(*)[256])lut, out);
    for (int64_t i = 0; i < numel; i++) FUZZ_ASSERT(isfinite(out[i]));
    return 0;
}
