/* IDX reader: the real Fashion-MNIST files, and every truncation / corruption of small
 * plain and gzip files fails cleanly with the file named. */
#include <zlib.h>

#include "data/idx.h"
#include "data_util.h"
#include "tiny_test.h"

#define FM "/usr/share/datasets/fashion-mnist/"

static char dir[256];

static void test_fashion_mnist(void)
{
    static const int64_t train_first[10] = {9, 0, 0, 3, 0, 2, 7, 2, 5, 5};
    static const int64_t test_first[10] = {9, 2, 1, 1, 6, 1, 4, 6, 5, 7};
    dc_tensor im = dc_tensor_empty(), lb = dc_tensor_empty();
    CHECK_OK(dc_idx_read(FM "train-images-idx3-ubyte.gz", &im));
    CHECK_OK(dc_idx_read(FM "train-labels-idx1-ubyte.gz", &lb));
    CHECK(im.dtype == DC_U8 && im.ndim == 4 && im.shape[0] == 60000 && im.shape[1] == 1 &&
          im.shape[2] == 28 && im.shape[3] == 28);
    CHECK(lb.dtype == DC_I64 && lb.ndim == 1 && lb.shape[0] == 60000);
    const int64_t *l = dc_tensor_data(&lb);
    for (int i = 0; i < 10; i++) CHECK(l[i] == train_first[i]);
    /* sums of the first and last image and one pixel, from Python's gzip module */
    const uint8_t *p = dc_tensor_data(&im);
    long s0 = 0, s1 = 0;
    for (int i = 0; i < 784; i++) s0 += p[i], s1 += p[59999 * 784 + i];
    CHECK(s0 == 76247 && s1 == 16684 && p[784 * 5 + 400] == 154);
    dc_tensor_release(&im);
    dc_tensor_release(&lb);

    CHECK_OK(dc_idx_read(FM "t10k-images-idx3-ubyte.gz", &im));
    CHECK_OK(dc_idx_read(FM "t10k-labels-idx1-ubyte.gz", &lb));
    CHECK(im.shape[0] == 10000 && lb.shape[0] == 10000);
    l = dc_tensor_data(&lb);
    for (int i = 0; i < 10; i++) CHECK(l[i] == test_first[i]);
    p = dc_tensor_data(&im);
    s0 = 0;
    for (int i = 0; i < 784; i++) s0 += p[i];
    CHECK(s0 == 33456);
    dc_tensor_release(&im);
    dc_tensor_release(&lb);
}

/* A 3 x 2 x 5 image file. */
static size_t small_file(uint8_t *buf)
{
    const uint8_t head[16] = {0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 5};
    memcpy(buf, head, 16);
    for (int i = 0; i < 30; i++) buf[16 + i] = (uint8_t)(7 * i + 1);
    return 46;
}

static void check_small(const dc_tensor *t)
{
    CHECK(t->dtype == DC_U8 && t->ndim == 4 && t->shape[0] == 3 && t->shape[1] == 1 &&
          t->shape[2] == 2 && t->shape[3] == 5);
    const uint8_t *p = dc_tensor_data(t);
    int ok = 1;
    for (int i = 0; i < 30; i++) ok &= p[i] == (uint8_t)(7 * i + 1);
    CHECK(ok);
}

static size_t gzip_bytes(const uint8_t *src, size_t n, uint8_t *dst, size_t cap)
{
    char path[300];
    snprintf(path, sizeof path, "%s/tmp.gz", dir);
    gzFile g = gzopen(path, "wb9");
    gzwrite(g, src, (unsigned)n);
    gzclose(g);
    FILE *f = fopen(path, "rb");
    size_t k = fread(dst, 1, cap, f);
    fclose(f);
    return k;
}

static void test_small_plain_and_gzip(void)
{
    uint8_t raw[64], gz[256];
    size_t n = small_file(raw);
    char path[300];
    snprintf(path, sizeof path, "%s/small.idx", dir);
    du_write(path, raw, n);
    dc_tensor t = dc_tensor_empty();
    CHECK_OK(dc_idx_read(path, &t));
    check_small(&t);
    dc_tensor_release(&t);

    size_t m = gzip_bytes(raw, n, gz, sizeof gz);
    snprintf(path, sizeof path, "%s/small.idx.gz", dir);
    du_write(path, gz, m);
    CHECK_OK(dc_idx_read(path, &t));
    check_small(&t);
    dc_tensor_release(&t);

    /* a label file: 1-D becomes int64 */
    const uint8_t labels[12] = {0, 0, 8, 1, 0, 0, 0, 4, 3, 0, 9, 255};
    snprintf(path, sizeof path, "%s/labels.idx", dir);
    du_write(path, labels, sizeof labels);
    CHECK_OK(dc_idx_read(path, &t));
    CHECK(t.dtype == DC_I64 && t.ndim == 1 && t.shape[0] == 4);
    const int64_t *l = dc_tensor_data(&t);
    CHECK(l[0] == 3 && l[1] == 0 && l[2] == 9 && l[3] == 255);
    dc_tensor_release(&t);
}

static void test_every_truncation_fails(void)
{
    uint8_t raw[64], gz[256];
    size_t n = small_file(raw), m = gzip_bytes(raw, n, gz, sizeof gz);
    char path[300];
    snprintf(path, sizeof path, "%s/cut.idx", dir);
    int bad = 0;
    for (size_t k = 0; k < n; k++) {
        du_write(path, raw, k);
        dc_tensor t = dc_tensor_empty();
        dc_status s = dc_idx_read(path, &t);
        if (s != DC_ERR_FORMAT || !strstr(dc_last_error(), path) || t.storage) {
            bad++;
            printf("  plain cut at %zu: %s (%s)\n", k, dc_status_name(s), dc_last_error());
        }
        dc_tensor_release(&t);
    }
    for (size_t k = 0; k < m; k++) {
        du_write(path, gz, k);
        dc_tensor t = dc_tensor_empty();
        dc_status s = dc_idx_read(path, &t);
        if (s != DC_ERR_FORMAT || !strstr(dc_last_error(), path) || t.storage) {
            bad++;
            printf("  gzip cut at %zu: %s (%s)\n", k, dc_status_name(s), dc_last_error());
        }
        dc_tensor_release(&t);
    }
    CHECK(bad == 0);
}

static void test_corrupt_files(void)
{
    uint8_t raw[64], gz[256], buf[256];
    size_t n = small_file(raw), m = gzip_bytes(raw, n, gz, sizeof gz);
    char path[300];
    snprintf(path, sizeof path, "%s/bad.idx", dir);
    dc_tensor t = dc_tensor_empty();

    memcpy(buf, raw, n);
    buf[0] = 0x1f; /* not 00 00 */
    du_write(path, buf, n);
    CHECK_FAILS(dc_idx_read(path, &t), DC_ERR_FORMAT, "not an IDX file");
    memcpy(buf, raw, n);
    buf[2] = 0x0D; /* float data */
    du_write(path, buf, n);
    CHECK_FAILS(dc_idx_read(path, &t), DC_ERR_FORMAT, "element type 0x0d");
    memcpy(buf, raw, n);
    buf[3] = 0;
    du_write(path, buf, n);
    CHECK_FAILS(dc_idx_read(path, &t), DC_ERR_FORMAT, "0 dimensions");
    memcpy(buf, raw, n);
    buf[4] = 0x7f; /* 2 billion images in 46 bytes */
    du_write(path, buf, n);
    CHECK_FAILS(dc_idx_read(path, &t), DC_ERR_FORMAT, "corrupt header");
    memcpy(buf, raw, n);
    buf[n] = 42; /* one byte too many */
    du_write(path, buf, n + 1);
    CHECK_FAILS(dc_idx_read(path, &t), DC_ERR_FORMAT, "unexpected bytes after");
    CHECK_FAILS(dc_idx_read("/nonexistent/x.idx", &t), DC_ERR_IO, "/nonexistent/x.idx");
    CHECK_FAILS(dc_idx_read(dir, &t), DC_ERR_IO, "not a regular file");
    CHECK(t.storage == NULL);

    /* every single-bit flip of the gzip file: an error, or (flips in header fields the CRC
     * does not cover, e.g. the timestamp) exactly the right data */
    int wrong = 0;
    for (size_t k = 0; k < m; k++)
        for (int bit = 0; bit < 8; bit += 3) {
            memcpy(buf, gz, m);
            buf[k] ^= (uint8_t)(1 << bit);
            du_write(path, buf, m);
            dc_status s = dc_idx_read(path, &t);
            if (s == DC_OK) {
                const uint8_t *p = dc_tensor_data(&t);
                int same = t.ndim == 4 && t.shape[0] == 3 && t.shape[3] == 5;
                for (int i = 0; same && i < 30; i++) same = p[i] == (uint8_t)(7 * i + 1);
                wrong += !same;
            } else if (!strstr(dc_last_error(), path)) {
                wrong++;
            }
            dc_tensor_release(&t);
        }
    CHECK(wrong == 0);
}

int main(void)
{
    if (!du_tempdir(dir, sizeof dir, "idx")) return 1;
    RUN_TEST(test_fashion_mnist);
    RUN_TEST(test_small_plain_and_gzip);
    RUN_TEST(test_every_truncation_fails);
    RUN_TEST(test_corrupt_files);
    du_rmtree(dir);
    return TEST_SUMMARY();
}
