/* dataset: the field checks (one source, label and subset shapes, subset range), the subset
 * map, raw images against the source tensor read element by element, and the JPEG export:
 * file names, class folders, and pixels that decode back close to the source. */
#include "data/dataset.h"
#include "data_util.h"
#include "tiny_test.h"

/* uint8 [n, c, h, w] (c = 0: [n, h, w]) whose pixel says where it is */
static dc_tensor images(int64_t n, int64_t c, int64_t h, int64_t w)
{
    dc_tensor t = dc_tensor_empty();
    int64_t s4[4] = {n, c, h, w}, s3[3] = {n, h, w};
    CHECK_OK(dc_tensor_alloc(&t, DC_U8, c ? 4 : 3, c ? s4 : s3));
    uint8_t *p = dc_tensor_data(&t);
    for (int64_t i = 0; i < dc_tensor_numel(&t); i++) p[i] = (uint8_t)(i * 7 + i / 13);
    return t;
}

static dc_tensor int64s(int64_t n, const int64_t *v)
{
    dc_tensor t = dc_tensor_empty();
    CHECK_OK(dc_tensor_alloc(&t, DC_I64, 1, &n));
    memcpy(dc_tensor_data(&t), v, sizeof(int64_t) * (size_t)n);
    return t;
}

static void test_check(void)
{
    dc_dataset ds = dc_dataset_empty();
    int64_t n;
    int shape[3];
    CHECK_FAILS(dc_dataset_check(&ds, &n, shape), DC_ERR_ARG, "dataset: needs exactly one source");
    ds.images = images(5, 3, 4, 6);
    CHECK_OK(dc_dataset_check(&ds, &n, shape));
    CHECK(n == 5 && shape[0] == 3 && shape[1] == 4 && shape[2] == 6);
    dc_tensor_release(&ds.images);
    ds.images = images(5, 0, 4, 6);
    CHECK_OK(dc_dataset_check(&ds, &n, shape));
    CHECK(n == 5 && shape[0] == 1 && shape[1] == 4 && shape[2] == 6);
    int64_t labels[4] = {1, 2, 3, 4};
    ds.labels = int64s(4, labels);
    CHECK_FAILS(dc_dataset_check(&ds, &n, shape), DC_ERR_SHAPE,
                "dataset: labels must be int64 [5], got int64 [4]");
    dc_tensor_release(&ds.labels);
    int64_t sub[3] = {5, 1, 6};
    ds.index = int64s(3, sub);
    ds.base = 1;
    CHECK_FAILS(dc_dataset_check(&ds, &n, shape), DC_ERR_INDEX,
                "dataset: subset index 6 at position 3 is out of range 1..5");
    sub[2] = 3;
    dc_tensor_release(&ds.index);
    ds.index = int64s(3, sub);
    CHECK_OK(dc_dataset_check(&ds, &n, shape));
    CHECK(n == 3);
    CHECK(dc_dataset_row(&ds, 0) == 4 && dc_dataset_row(&ds, 1) == 0);
    CHECK(dc_dataset_row(&ds, 2) == 2);
    dc_tensor_release(&ds.index);
    dc_tensor_release(&ds.images);
    ds.images = images(2, 2, 4, 4); /* two channels */
    CHECK_FAILS(dc_dataset_check(&ds, &n, shape), DC_ERR_SHAPE, "dataset: images must be uint8");
    dc_tensor_release(&ds.images);
}

static void test_raw_images(void)
{
    int64_t cs[2] = {3, 0};
    for (int k = 0; k < 2; k++) {
        dc_dataset ds = dc_dataset_empty();
        ds.images = images(6, cs[k], 5, 7);
        int64_t sub[4] = {5, 0, 3, 3};
        ds.index = int64s(4, sub);
        dc_data_ctx ctx;
        CHECK_OK(dc_data_ctx_init(&ctx));
        for (int64_t pos = 0; pos < 4; pos++) {
            dc_tensor out = dc_tensor_empty();
            CHECK_OK(dc_dataset_image(&ds, pos, &ctx, &out));
            int64_t c = cs[k] ? cs[k] : 1;
            CHECK(out.ndim == 3 && out.shape[0] == c && out.shape[1] == 5 && out.shape[2] == 7);
            for (int64_t ch = 0; ch < c; ch++)
                for (int64_t y = 0; y < 5; y++)
                    for (int64_t x = 0; x < 7; x++) {
                        int64_t o[3] = {ch, y, x}, i4[4] = {sub[pos], ch, y, x},
                                i3[3] = {sub[pos], y, x};
                        CHECK(dc_tensor_get(&out, o) == dc_tensor_get(&ds.images, cs[k] ? i4 : i3));
                    }
            dc_tensor_release(&out);
        }
        dc_data_ctx_free(&ctx);
        dc_tensor_release(&ds.images);
        dc_tensor_release(&ds.index);
    }
}

static void test_export(void)
{
    char dir[64], path[256];
    CHECK(du_tempdir(dir, sizeof dir, "export") != NULL);
    snprintf(path, sizeof path, "%s/out/deeper", dir);
    dc_dataset ds = dc_dataset_empty();
    ds.images = dc_tensor_empty();
    int64_t shape[4] = {12, 3, 16, 16};
    CHECK_OK(dc_tensor_alloc(&ds.images, DC_U8, 4, shape));
    uint8_t *p = dc_tensor_data(&ds.images);
    for (int64_t i = 0; i < 12; i++) /* smooth pictures: JPEG keeps them close */
        for (int64_t j = 0; j < 3 * 16 * 16; j++) p[i * 768 + j] = (uint8_t)(20 * i + (j % 16) * 2);
    int64_t labels[12] = {1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2};
    ds.labels = int64s(12, labels);
    const char *classes[2] = {"cat", "dog"};
    dc_export_cfg cfg = {.dir = path, .quality = 95, .class_dirs = classes, .nclasses = 2,
                         .label_base = 1};
    int64_t written = -1;
    CHECK_OK(dc_export_jpeg(&ds, &cfg, &written));
    CHECK(written == 12);
    for (int64_t i = 0; i < 12; i++) { /* names padded to the width of 12: 01 .. 12 */
        char f[320];
        snprintf(f, sizeof f, "%s/%s/%02lld.jpg", path, classes[labels[i] - 1], (long long)(i + 1));
        dc_tensor back = dc_tensor_empty();
        CHECK_OK(dc_jpeg_load(f, 3, &back));
        if (!back.storage) continue;
        CHECK(back.shape[0] == 3 && back.shape[1] == 16 && back.shape[2] == 16);
        const float *b = dc_tensor_data(&back); /* [0, 1] */
        double err = 0;
        for (int64_t j = 0; j < 768; j++) err += fabs(255.0 * b[j] - p[i * 768 + j]);
        if (!(err / 768 < 3)) TT_REPORT("image %lld: mean error %g", (long long)i, err / 768);
        dc_tensor_release(&back);
    }
    labels[4] = 3; /* a label outside the classes */
    dc_tensor_release(&ds.labels);
    ds.labels = int64s(12, labels);
    CHECK_FAILS(dc_export_jpeg(&ds, &cfg, &written), DC_ERR_INDEX,
                "export_jpeg: sample 4 has label 3, outside the 2 classes"); /* base 0 */
    CHECK(written == 4);
    cfg.quality = 0;
    CHECK_FAILS(dc_export_jpeg(&ds, &cfg, &written), DC_ERR_ARG,
                "export_jpeg: quality must be in 1..100");
    du_rmtree(dir);
    dc_tensor_release(&ds.images);
    dc_tensor_release(&ds.labels);
}

int main(void)
{
    RUN_TEST(test_check);
    RUN_TEST(test_raw_images);
    RUN_TEST(test_export);
    return TEST_SUMMARY();
}
