/* Tests of core/io/npy.c: round trips of every dtype and layout, the exact header numpy
 * writes, hand-made files for the converted dtypes, Fortran order and version 2.0, and one
 * named DC_ERR_FORMAT for each kind of truncated or corrupt file. */
#include <dirent.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tiny_test.h"

static char dir[64];

static const char *path_of(const char *name)
{
    static char p[4][160];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
    return p[k];
}

static void write_bytes(const char *path, const void *buf, size_t n)
{
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f) return;
    CHECK(fwrite(buf, 1, n, f) == n);
    fclose(f);
}

/* A .npy file by hand: version major, the header text (unpadded), then the data. */
static void write_npy(const char *path, int major, const char *header, const void *data,
                      size_t n)
{
    unsigned char buf[4096];
    size_t h = strlen(header), k = 0;
    memcpy(buf, "\x93NUMPY", 6);
    buf[6] = (unsigned char)major;
    buf[7] = 0;
    if (major == 1) {
        buf[8] = (unsigned char)h;
        buf[9] = (unsigned char)(h >> 8);
        k = 10;
    } else {
        for (int i = 0; i < 4; i++) buf[8 + i] = (unsigned char)(h >> (8 * i));
        k = 12;
    }
    memcpy(buf + k, header, h);
    if (n) memcpy(buf + k + h, data, n);
    write_bytes(path, buf, k + h + n);
}

static bool same_values(const dc_tensor *a, const dc_tensor *b)
{
    if (a->dtype != b->dtype || !dc_tensor_same_shape(a, b)) return false;
    int64_t n = dc_tensor_numel(a), idx[DC_MAX_DIMS] = {0};
    for (int64_t i = 0; i < n; i++) {
        if (dc_tensor_get_i64(a, idx) != dc_tensor_get_i64(b, idx) ||
            dc_tensor_get(a, idx) != dc_tensor_get(b, idx))
            return false;
        for (int d = a->ndim - 1; d >= 0 && ++idx[d] == a->shape[d]; d--) idx[d] = 0;
    }
    return true;
}

static void fill_pattern(dc_tensor *t)
{
    int64_t n = dc_tensor_numel(t), idx[DC_MAX_DIMS] = {0};
    for (int64_t i = 0; i < n; i++) {
        if (t->dtype == DC_I64) dc_tensor_set_i64(t, idx, (i * 7919) << 33 | i);
        else dc_tensor_set(t, idx, t->dtype == DC_U8 ? (double)(i * 37 % 256) : i * 0.37 - 2);
        for (int d = t->ndim - 1; d >= 0 && ++idx[d] == t->shape[d]; d--) idx[d] = 0;
    }
}

static void roundtrip(dc_dtype dt, int ndim, const int64_t *shape)
{
    dc_tensor t = dc_tensor_empty(), u = dc_tensor_empty();
    CHECK_OK(dc_tensor_alloc(&t, dt, ndim, shape));
    fill_pattern(&t);
    CHECK_OK(dc_npy_save(path_of("rt.npy"), &t));
    CHECK_OK(dc_npy_load(path_of("rt.npy"), &u));
    CHECK(same_values(&t, &u));
    dc_tensor_release(&t);
    dc_tensor_release(&u);
}

static void test_roundtrips(void)
{
    int64_t s23[2] = {2, 3}, s4[1] = {4}, s222[3] = {2, 2, 2}, s03[2] = {0, 3};
    int64_t big[2] = {300, 257};
    roundtrip(DC_F32, 2, s23);
    roundtrip(DC_I64, 1, s4);
    roundtrip(DC_U8, 3, s222);
    roundtrip(DC_F32, 0, s4); /* 0-d: the shape is not read */
    roundtrip(DC_I64, 2, s03);
    roundtrip(DC_F32, 2, big);

    /* a transposed view is written in its logical order */
    dc_tensor t = dc_tensor_empty(), v = dc_tensor_empty(), u = dc_tensor_empty();
    CHECK_OK(dc_tensor_alloc(&t, DC_F32, 2, s23));
    fill_pattern(&t);
    CHECK_OK(dc_tensor_transpose(&v, &t, 0, 1));
    CHECK_OK(dc_npy_save(path_of("tr.npy"), &v));
    CHECK_OK(dc_npy_load(path_of("tr.npy"), &u));
    CHECK(same_values(&v, &u) && dc_tensor_is_contiguous(&u));

    /* into an existing output of the right shape; a wrong one is refused untouched */
    dc_tensor out = dc_tensor_empty();
    int64_t s32[2] = {3, 2};
    CHECK_OK(dc_tensor_zeros(&out, DC_F32, 2, s32));
    CHECK_OK(dc_npy_load(path_of("tr.npy"), &out));
    CHECK(same_values(&v, &out));
    dc_tensor wrong = dc_tensor_empty();
    CHECK_OK(dc_tensor_zeros(&wrong, DC_F32, 2, s23));
    CHECK_FAILS(dc_npy_load(path_of("tr.npy"), &wrong), DC_ERR_SHAPE, "load_npy: out");
    int64_t zero[2] = {0, 0};
    CHECK(dc_tensor_get(&wrong, zero) == 0);
    dc_tensor_release(&t);
    dc_tensor_release(&v);
    dc_tensor_release(&u);
    dc_tensor_release(&out);
    dc_tensor_release(&wrong);
}

/* The header is numpy's own (bytes checked against numpy 1.24's np.save), padded so the data
 * starts at byte 128; no temporary file is left behind. */
static void test_written_header(void)
{
    int64_t s23[2] = {2, 3}, s5[1] = {5};
    dc_tensor t = dc_tensor_empty();
    CHECK_OK(dc_tensor_zeros(&t, DC_F32, 2, s23));
    CHECK_OK(dc_npy_save(path_of("h.npy"), &t));
    unsigned char buf[256];
    FILE *f = fopen(path_of("h.npy"), "rb");
    size_t n = f ? fread(buf, 1, sizeof buf, f) : 0;
    if (f) fclose(f);
    CHECK(n == 128 + 24);
    CHECK(memcmp(buf, "\x93NUMPY\x01\x00", 8) == 0 && buf[8] == 118 && buf[9] == 0);
    const char *dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
    CHECK(memcmp(buf + 10, dict, strlen(dict)) == 0);
    CHECK(buf[127] == '\n' && buf[126] == ' ');
    dc_tensor_release(&t);

    CHECK_OK(dc_tensor_zeros(&t, DC_U8, 1, s5));
    CHECK_OK(dc_npy_save(path_of("h.npy"), &t)); /* over the old file */
    f = fopen(path_of("h.npy"), "rb");
    n = f ? fread(buf, 1, sizeof buf, f) : 0;
    if (f) fclose(f);
    CHECK(n == 128 + 5);
    const char *d1 = "{'descr': '|u1', 'fortran_order': False, 'shape': (5,), }";
    CHECK(memcmp(buf + 10, d1, strlen(d1)) == 0);
    dc_tensor_release(&t);

    DIR *dd = opendir(dir);
    int tmps = 0;
    for (struct dirent *e; dd && (e = readdir(dd));) tmps += strstr(e->d_name, ".tmp-") != NULL;
    if (dd) closedir(dd);
    CHECK(tmps == 0);
}

static void test_converted_dtypes(void)
{
    dc_tensor t = dc_tensor_empty();
    double f8[3] = {1.5, -2.25, 1e30};
    write_npy(path_of("f8.npy"), 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }",
              f8, sizeof f8);
    CHECK_OK(dc_npy_load(path_of("f8.npy"), &t));
    CHECK(t.dtype == DC_F32 && t.ndim == 1 && t.shape[0] == 3);
    const float *fv = dc_tensor_data(&t);
    CHECK(fv[0] == 1.5f && fv[1] == -2.25f && fv[2] == 1e30f);
    dc_tensor_release(&t);

    int32_t i4[4] = {-7, 0, 2147483647, -2147483647 - 1};
    write_npy(path_of("i4.npy"), 1,
              "{\"shape\": (2, 2), \"fortran_order\": False, \"descr\": \"<i4\"}", i4,
              sizeof i4);
    CHECK_OK(dc_npy_load(path_of("i4.npy"), &t));
    CHECK(t.dtype == DC_I64 && t.ndim == 2 && t.shape[1] == 2);
    const int64_t *iv = dc_tensor_data(&t);
    CHECK(iv[0] == -7 && iv[2] == 2147483647 && iv[3] == -2147483648LL);
    dc_tensor_release(&t);

    uint8_t b1[3] = {1, 0, 1};
    write_npy(path_of("b1.npy"), 2, "{'descr': '|b1', 'fortran_order': False, 'shape': (3L,)}",
              b1, 3);
    CHECK_OK(dc_npy_load(path_of("b1.npy"), &t));
    CHECK(t.dtype == DC_U8 && ((uint8_t *)dc_tensor_data(&t))[2] == 1);
    dc_tensor_release(&t);

    float one = 4.0f;
    write_npy(path_of("s.npy"), 3, "{'descr': '<f4', 'fortran_order': False, 'shape': ()}  \n",
              &one, 4);
    CHECK_OK(dc_npy_load(path_of("s.npy"), &t));
    CHECK(t.ndim == 0 && *(float *)dc_tensor_data(&t) == 4.0f);
    dc_tensor_release(&t);
}

/* Fortran order: the file holds [[1, 2, 3], [4, 5, 6]] column by column. */
static void test_fortran_order(void)
{
    float data[6] = {1, 4, 2, 5, 3, 6};
    write_npy(path_of("fo.npy"), 1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }",
              data, sizeof data);
    dc_tensor t = dc_tensor_empty();
    CHECK_OK(dc_npy_load(path_of("fo.npy"), &t));
    CHECK(t.ndim == 2 && t.shape[0] == 2 && t.shape[1] == 3 && dc_tensor_is_contiguous(&t));
    const float *v = dc_tensor_data(&t);
    for (int i = 0; i < 6; i++) CHECK(v[i] == i + 1);
    dc_tensor_release(&t);
}

static void expect_format_error(const char *name, const char *msg)
{
    dc_tensor t = dc_tensor_empty();
    CHECK_FAILS(dc_npy_load(path_of(name), &t), DC_ERR_FORMAT, msg);
    CHECK(t.storage == NULL);
    CHECK(strstr(dc_last_error(), path_of(name)) != NULL);
}

static void test_corrupt_files(void)
{
    float d[6] = {0};
    const char *h23 = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
    write_bytes(path_of("empty.npy"), "", 0);
    expect_format_error("empty.npy", "is not a .npy file");
    write_bytes(path_of("text.npy"), "hello world, not numpy", 22);
    expect_format_error("text.npy", "is not a .npy file (no \\x93NUMPY magic)");
    write_bytes(path_of("pre.npy"), "\x93NUMPY\x01", 7);
    expect_format_error("pre.npy", "truncated file: 3 bytes of preamble expected at offset 7");
    write_npy(path_of("ver.npy"), 9, h23, d, sizeof d);
    expect_format_error("ver.npy", "unsupported .npy version 9.0");
    write_bytes(path_of("hdr.npy"), "\x93NUMPY\x01\x00\xff\x00{'descr'", 18);
    expect_format_error("hdr.npy", "truncated file: header of 255 bytes, only 8 left");
    write_npy(path_of("data.npy"), 1, h23, d, 10);
    expect_format_error("data.npy", "truncated data: 24 bytes of '<f4' data for shape [2, 3], "
                                    "the file has 10");
    write_npy(path_of("extra.npy"), 1, h23, d, 24);
    FILE *f = fopen(path_of("extra.npy"), "ab");
    if (f) {
        fputs("junk", f);
        fclose(f);
    }
    expect_format_error("extra.npy", "extra data: 24 bytes of '<f4' data for shape [2, 3], "
                                     "the file has 28");
    write_npy(path_of("be.npy"), 1, "{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }",
              d, 4);
    expect_format_error("be.npy", "unsupported dtype '>f4' (supported: <f4, <i8, |u1, <f8, <i4, "
                                  "|b1)");
    write_npy(path_of("rec.npy"), 1,
              "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", d, 4);
    expect_format_error("rec.npy", "structured dtypes are not supported");
    write_npy(path_of("key.npy"), 1, "{'descr': '<f4', 'fortran_order': False}", d, 4);
    expect_format_error("key.npy", "bad header: expected the keys 'descr', 'fortran_order' and "
                                   "'shape'");
    write_npy(path_of("dup.npy"), 1,
              "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,)}", d, 4);
    expect_format_error("dup.npy", "once each");
    write_npy(path_of("neg.npy"), 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}",
              d, 4);
    expect_format_error("neg.npy", "expected a non-negative integer in 'shape'");
    write_npy(path_of("fo.npy"), 1, "{'descr': '<f4', 'fortran_order': 1, 'shape': (1,)}", d, 4);
    expect_format_error("fo.npy", "expected True or False for 'fortran_order'");
    write_npy(path_of("tail.npy"), 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,)} x",
              d, 4);
    expect_format_error("tail.npy", "expected nothing but spaces after the dict");
    write_npy(path_of("dims.npy"), 1,
              "{'descr': '<f4', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,1)}", d, 4);
    expect_format_error("dims.npy", "expected a shape of at most 8 dimensions");
    write_npy(path_of("huge.npy"), 1,
              "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999, 99999999999)}",
              d, 4);
    expect_format_error("huge.npy", "shape too large");
}

static void test_io_errors(void)
{
    dc_tensor t = dc_tensor_empty();
    CHECK_FAILS(dc_npy_load(path_of("missing.npy"), &t), DC_ERR_IO,
                "cannot open '");
    CHECK(strstr(dc_last_error(), "No such file or directory") != NULL);
    CHECK_FAILS(dc_npy_load(dir, &t), DC_ERR_IO, "is not a regular file");
    int64_t s[1] = {2};
    CHECK_OK(dc_tensor_zeros(&t, DC_F32, 1, s));
    CHECK_FAILS(dc_npy_save(path_of("no/such/folder.npy"), &t), DC_ERR_IO,
                "save_npy: cannot write '");
    dc_tensor_release(&t);
    CHECK_FAILS(dc_npy_save(path_of("x.npy"), &t), DC_ERR_STATE, "save_npy: tensor");
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/dclab_test_npy_XXXXXX");
    if (!mkdtemp(dir)) return 1;
    RUN_TEST(test_roundtrips);
    RUN_TEST(test_written_header);
    RUN_TEST(test_converted_dtypes);
    RUN_TEST(test_fortran_order);
    RUN_TEST(test_corrupt_files);
    RUN_TEST(test_io_errors);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) printf("could not remove %s\n", dir);
    return TEST_SUMMARY();
}
