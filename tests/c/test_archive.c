/* Tests of core/io/archive.c: round trips, the documented layout and its CRC, and refusal of
 * every truncation and every single-bit corruption of a small archive, whole. */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>

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

static size_t read_all(const char *path, unsigned char *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    return n;
}

static void write_all(const char *path, const unsigned char *buf, size_t n)
{
    FILE *f = fopen(path, "wb");
    CHECK(f && fwrite(buf, 1, n, f) == n);
    if (f) fclose(f);
}

static double elem(const dc_tensor *t, int64_t i0, int64_t i1)
{
    int64_t idx[2] = {i0, i1};
    return dc_tensor_get(t, idx);
}

/* Three tensors (float32 2x3 given as a transposed view, int64 [4], uint8 0-d), meta with a
 * NUL byte inside. */
static void save_sample(const char *path)
{
    int64_t s32[2] = {3, 2}, s4[1] = {4};
    dc_tensor a = dc_tensor_empty(), at = dc_tensor_empty(), b = dc_tensor_empty(),
              c = dc_tensor_empty();
    CHECK_OK(dc_tensor_alloc(&a, DC_F32, 2, s32));
    for (int i = 0; i < 6; i++) ((float *)dc_tensor_data(&a))[i] = (float)i + 0.5f;
    CHECK_OK(dc_tensor_transpose(&at, &a, 0, 1));
    CHECK_OK(dc_tensor_alloc(&b, DC_I64, 1, s4));
    for (int i = 0; i < 4; i++) ((int64_t *)dc_tensor_data(&b))[i] = INT64_MIN + i;
    CHECK_OK(dc_tensor_alloc(&c, DC_U8, 0, s4));
    *(uint8_t *)dc_tensor_data(&c) = 200;
    const char *names[3] = {"layer.weight", "assign", "flag"};
    const dc_tensor *ts[3] = {&at, &b, &c};
    CHECK_OK(dc_archive_save(path, 3, names, ts, "{epoch=3}\0x", 11));
    dc_tensor_release(&a);
    dc_tensor_release(&at);
    dc_tensor_release(&b);
    dc_tensor_release(&c);
}

static void test_roundtrip(void)
{
    save_sample(path_of("a.dcbin"));
    dc_archive a;
    CHECK_OK(dc_archive_load(path_of("a.dcbin"), &a));
    CHECK(a.n == 3 && a.meta_len == 11 && memcmp(a.meta, "{epoch=3}\0x", 12) == 0);
    CHECK(strcmp(a.names[0], "layer.weight") == 0 && strcmp(a.names[2], "flag") == 0);
    const dc_tensor *w = &a.tensors[0];
    CHECK(w->dtype == DC_F32 && w->ndim == 2 && w->shape[0] == 2 && w->shape[1] == 3);
    CHECK(elem(w, 0, 1) == 2.5 && elem(w, 1, 0) == 1.5 && elem(w, 1, 2) == 5.5);
    CHECK(a.tensors[1].dtype == DC_I64 && ((int64_t *)dc_tensor_data(&a.tensors[1]))[3] ==
                                              INT64_MIN + 3);
    CHECK(a.tensors[2].ndim == 0 && *(uint8_t *)dc_tensor_data(&a.tensors[2]) == 200);
    dc_archive_free(&a);
    dc_archive_free(&a); /* idempotent */
    CHECK(a.n == 0 && a.meta == NULL);

    /* no tensors, no metadata */
    CHECK_OK(dc_archive_save(path_of("e.dcbin"), 0, NULL, NULL, NULL, 0));
    CHECK_OK(dc_archive_load(path_of("e.dcbin"), &a));
    CHECK(a.n == 0 && a.meta_len == 0 && a.meta[0] == '\0');
    dc_archive_free(&a);
}

static void test_layout_and_checksum(void)
{
    save_sample(path_of("a.dcbin"));
    unsigned char buf[512];
    size_t n = read_all(path_of("a.dcbin"), buf, sizeof buf);
    /* 24 header + 11 meta + (4+12 + 8+16 + 24) + (4+6 + 8+8 + 32) + (4+4 + 8 + 1) + 4 crc */
    CHECK(n == 24 + 11 + 64 + 58 + 17 + 4);
    CHECK(memcmp(buf, "DCLABARC", 8) == 0 && buf[8] == 1 && buf[12] == 3 && buf[16] == 11);
    uint32_t crc = (uint32_t)crc32(crc32(0, Z_NULL, 0), buf, (uInt)(n - 4));
    CHECK(buf[n - 4] == (crc & 0xff) && buf[n - 1] == crc >> 24);
}

/* A damaged file is refused with a format error and leaves the output untouched. */
static int refused(const char *path)
{
    dc_archive a = {.n = -7};
    dc_status s = dc_archive_load(path, &a);
    if (s == DC_OK) dc_archive_free(&a);
    return s == DC_ERR_FORMAT && a.n == -7 && strstr(dc_last_error(), path) != NULL;
}

static void test_every_truncation_and_bit_flip_is_refused(void)
{
    save_sample(path_of("a.dcbin"));
    unsigned char buf[512], bad[512];
    size_t n = read_all(path_of("a.dcbin"), buf, sizeof buf);
    const char *p = path_of("bad.dcbin");
    int ok = 0;
    for (size_t len = 0; len < n; len++) {
        write_all(p, buf, len);
        ok += refused(p);
    }
    CHECK(ok == (int)n);
    ok = 0;
    for (size_t i = 0; i < n; i++)
        for (int bit = 0; bit < 8; bit++) {
            memcpy(bad, buf, n);
            bad[i] ^= (unsigned char)(1u << bit);
            write_all(p, bad, n);
            ok += refused(p);
        }
    CHECK(ok == (int)n * 8);
    /* appended bytes too */
    memcpy(bad, buf, n);
    bad[n] = 0;
    write_all(p, bad, n + 1);
    CHECK(refused(p));
}

static void test_messages(void)
{
    save_sample(path_of("a.dcbin"));
    unsigned char buf[512];
    size_t n = read_all(path_of("a.dcbin"), buf, sizeof buf);
    const char *p = path_of("m.dcbin");
    dc_archive a;

    write_all(p, (const unsigned char *)"\x93NUMPY", 6);
    CHECK_FAILS(dc_archive_load(p, &a), DC_ERR_FORMAT, "is not a dclab archive (bad magic number)");
    write_all(p, buf, 20);
    CHECK_FAILS(dc_archive_load(p, &a), DC_ERR_FORMAT,
                "truncated file: 16 bytes of the archive header expected at offset 8, only 12");
    buf[8] = 2; /* a newer version, with a valid checksum */
    uint32_t crc = (uint32_t)crc32(crc32(0, Z_NULL, 0), buf, (uInt)(n - 4));
    for (int k = 0; k < 4; k++) buf[n - 4 + k] = (unsigned char)(crc >> (8 * k));
    write_all(p, buf, n);
    CHECK_FAILS(dc_archive_load(p, &a), DC_ERR_FORMAT,
                "archive version 2 is not supported (this dclab reads version 1)");
    buf[8] = 1;
    buf[40] ^= 1; /* inside the first name: only the checksum can tell */
    write_all(p, buf, n);
    CHECK_FAILS(dc_archive_load(p, &a), DC_ERR_FORMAT, "corrupt archive: checksum mismatch");
    buf[40] ^= 1;
    buf[16] = 200; /* metadata length beyond the file */
    write_all(p, buf, n);
    CHECK_FAILS(dc_archive_load(p, &a), DC_ERR_FORMAT,
                "corrupt or truncated archive: metadata longer than the file");
    CHECK_FAILS(dc_archive_load(path_of("none.dcbin"), &a), DC_ERR_IO, "load: cannot open '");
}

static void test_save_errors_leave_the_old_file(void)
{
    const char *p = path_of("keep.dcbin");
    save_sample(p);
    int64_t s1[1] = {1};
    dc_tensor t = dc_tensor_empty(), gone = dc_tensor_empty();
    CHECK_OK(dc_tensor_zeros(&t, DC_F32, 1, s1));
    const char *dup[2] = {"x", "x"}, *empty[1] = {""}, *one[1] = {"x"};
    const dc_tensor *two[2] = {&t, &t}, *ts[1] = {&t}, *rel[1] = {&gone};
    CHECK_FAILS(dc_archive_save(p, 2, dup, two, NULL, 0), DC_ERR_ARG,
                "save: two tensors are named 'x'");
    CHECK_FAILS(dc_archive_save(p, 1, empty, ts, NULL, 0), DC_ERR_ARG,
                "save: tensor 1: a name must have 1 to 4096 bytes");
    CHECK_FAILS(dc_archive_save(p, 1, one, rel, NULL, 0), DC_ERR_STATE,
                "save: tensor 'x' is released");
    CHECK_FAILS(dc_archive_save(path_of("no/dir/x.dcbin"), 1, one, ts, NULL, 0), DC_ERR_IO,
                "save: cannot write '");
    dc_archive a;
    CHECK_OK(dc_archive_load(p, &a));
    CHECK(a.n == 3);
    dc_archive_free(&a);
    /* a successful save replaces it */
    CHECK_OK(dc_archive_save(p, 1, one, ts, "m", 1));
    CHECK_OK(dc_archive_load(p, &a));
    CHECK(a.n == 1 && strcmp(a.names[0], "x") == 0);
    dc_archive_free(&a);
    dc_tensor_release(&t);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/dclab_test_archive_XXXXXX");
    if (!mkdtemp(dir)) return 1;
    RUN_TEST(test_roundtrip);
    RUN_TEST(test_layout_and_checksum);
    RUN_TEST(test_every_truncation_and_bit_flip_is_refused);
    RUN_TEST(test_messages);
    RUN_TEST(test_save_errors_leave_the_old_file);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) printf("could not remove %s\n", dir);
    return TEST_SUMMARY();
}
