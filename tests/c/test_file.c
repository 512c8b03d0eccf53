/* Tests of core/file.c: the target appears only on commit (never on abort or before), the
 * old content stays until then, a commit removes dead saves' temporaries and nothing else,
 * running CRCs match zlib's, short reads are named errors; whole-file writes and reads
 * round-trip into a reused buffer; folders are made with their parents. */
#include <dirent.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "file.h"
#include "tiny_test.h"

static char dir[64];

static const char *path_of(const char *name)
{
    static char p[160];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return p;
}

static int files_in_dir(void)
{
    int n = 0;
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));) n += e->d_name[0] != '.';
    if (d) closedir(d);
    return n;
}

static size_t slurp(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    return n;
}

static void test_commit_and_abort(void)
{
    const char *p = path_of("out.bin");
    dc_wfile w;
    CHECK_OK(dc_wfile_open(&w, p, "test"));
    CHECK_OK(dc_wfile_write(&w, "hello ", 6));
    CHECK_OK(dc_wfile_write(&w, "world", 5));
    CHECK(access(p, F_OK) != 0 && files_in_dir() == 1); /* only the temporary so far */
    CHECK(w.crc == (uint32_t)crc32(crc32(0, Z_NULL, 0), (const Bytef *)"hello world", 11));
    CHECK_OK(dc_wfile_commit(&w));
    char buf[64];
    CHECK(slurp(p, buf, sizeof buf) == 11 && memcmp(buf, "hello world", 11) == 0);
    CHECK(files_in_dir() == 1);
    dc_wfile_abort(&w); /* no-op after commit */
    CHECK(access(p, F_OK) == 0);

    CHECK_OK(dc_wfile_open(&w, p, "test"));
    CHECK_OK(dc_wfile_write(&w, "new", 3));
    CHECK(slurp(p, buf, sizeof buf) == 11); /* the old content until commit */
    dc_wfile_abort(&w);
    dc_wfile_abort(&w);
    CHECK(slurp(p, buf, sizeof buf) == 11 && files_in_dir() == 1);

    CHECK_FAILS(dc_wfile_open(&w, path_of("missing/x"), "test"), DC_ERR_IO,
                "test: cannot write '");
    CHECK(w.tmp == NULL && w.f == NULL);
}

static void touch(const char *name)
{
    FILE *f = fopen(path_of(name), "wb");
    CHECK(f != NULL);
    if (f) fclose(f);
}

static void test_commit_removes_dead_temporaries(void)
{
    pid_t dead = fork(); /* a pid that is surely gone: a reaped child's */
    if (dead == 0) _exit(0);
    CHECK(dead > 0);
    waitpid(dead, NULL, 0);
    char stale[64], live[64], mine[64], odd[64], other[64];
    snprintf(stale, sizeof stale, "ck.bin.tmp-%ld-7", (long)dead);
    snprintf(live, sizeof live, "ck.bin.tmp-%ld-0", (long)getppid());
    snprintf(mine, sizeof mine, "ck.bin.tmp-%ld-9", (long)getpid());
    snprintf(odd, sizeof odd, "ck.bin.tmp-%ld-7.keep", (long)dead);
    snprintf(other, sizeof other, "other.bin.tmp-%ld-7", (long)dead);
    const char *names[5] = {stale, live, mine, odd, other};
    for (int i = 0; i < 5; i++) touch(names[i]);
    dc_wfile w;
    CHECK_OK(dc_wfile_open(&w, path_of("ck.bin"), "test"));
    CHECK_OK(dc_wfile_write(&w, "x", 1));
    CHECK_OK(dc_wfile_commit(&w));
    CHECK(access(path_of(stale), F_OK) != 0);
    for (int i = 1; i < 5; i++) CHECK(access(path_of(names[i]), F_OK) == 0);
    for (int i = 1; i < 5; i++) unlink(path_of(names[i]));
    unlink(path_of("ck.bin"));
}

static void test_checked_reads(void)
{
    const char *p = path_of("in.bin");
    FILE *f = fopen(p, "wb");
    CHECK(f != NULL);
    if (f) {
        fputs("0123456789", f);
        fclose(f);
    }
    dc_rfile r;
    CHECK_OK(dc_rfile_open(&r, p, "test"));
    CHECK(r.size == 10 && dc_rfile_left(&r) == 10);
    char buf[16];
    CHECK_OK(dc_rfile_read(&r, buf, 4, "a head"));
    CHECK(memcmp(buf, "0123", 4) == 0 && dc_rfile_left(&r) == 6);
    CHECK(r.crc == (uint32_t)crc32(crc32(0, Z_NULL, 0), (const Bytef *)"0123", 4));
    CHECK_FAILS(dc_rfile_read(&r, buf, 7, "a body"), DC_ERR_FORMAT,
                "truncated file: 7 bytes of a body expected at offset 4, only 6 left");
    CHECK(strstr(dc_last_error(), p) != NULL);
    CHECK_OK(dc_rfile_read(&r, buf, 6, "a body"));
    dc_rfile_close(&r);
    dc_rfile_close(&r);
    CHECK_FAILS(dc_rfile_open(&r, path_of("nope"), "test"), DC_ERR_IO,
                "test: cannot open '");
    CHECK_FAILS(dc_rfile_open(&r, dir, "test"), DC_ERR_IO, "is not a regular file");
}

static void test_little_endian_helpers(void)
{
    unsigned char b[8];
    dc_put_le32(b, 0x01020304u);
    CHECK(b[0] == 4 && b[3] == 1 && dc_le32(b) == 0x01020304u);
    dc_put_le64(b, 0x0102030405060708ull);
    CHECK(b[0] == 8 && b[7] == 1 && dc_le64(b) == 0x0102030405060708ull);
}

static void test_whole_files(void)
{
    unsigned char data[10000];
    for (size_t i = 0; i < sizeof data; i++) data[i] = (unsigned char)(i * 31 + 7);
    CHECK_OK(dc_file_write(path_of("whole"), data, sizeof data));
    dc_buffer b = {0};
    CHECK_OK(dc_file_read(path_of("whole"), &b));
    CHECK(b.size == sizeof data && memcmp(b.data, data, sizeof data) == 0);
    uint8_t *kept = b.data;
    CHECK_OK(dc_file_write(path_of("whole"), data, 100)); /* truncated, then read again */
    CHECK_OK(dc_file_read(path_of("whole"), &b));
    CHECK(b.size == 100 && b.data == kept); /* the buffer is reused, not regrown */
    CHECK_OK(dc_buffer_reserve(&b, 3 * b.cap));
    CHECK(b.cap >= 3 * sizeof data && memcmp(b.data, data, 100) == 0); /* contents kept */
    CHECK_FAILS(dc_file_read(path_of("missing"), &b), DC_ERR_IO, "missing: No such file");
    CHECK_FAILS(dc_file_read(dir, &b), DC_ERR_IO, "not a regular file");
    CHECK_FAILS(dc_file_write(path_of("no/such/folder/x"), data, 1), DC_ERR_IO, "no/such/folder/x");
    dc_buffer_free(&b);
    CHECK(b.data == NULL && b.cap == 0);
    remove(path_of("whole"));
}

static void test_mkdirs(void)
{
    char deep[200];
    snprintf(deep, sizeof deep, "%s/a/b/c/", dir);
    CHECK_OK(dc_mkdirs(deep));
    CHECK_OK(dc_mkdirs(deep)); /* existing: fine */
    CHECK_OK(dc_file_write(path_of("a/b/c/x"), "x", 1));
    CHECK_FAILS(dc_mkdirs(path_of("a/b/c/x")), DC_ERR_IO, "exists and is not a directory");
    CHECK_FAILS(dc_mkdirs(path_of("a/b/c/x/y")), DC_ERR_IO, "cannot create directory");
    CHECK_FAILS(dc_mkdirs(""), DC_ERR_ARG, "mkdirs: empty path");
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s/a'", dir);
    CHECK(system(cmd) == 0);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/dclab_test_file_XXXXXX");
    if (!mkdtemp(dir)) return 1;
    RUN_TEST(test_commit_and_abort);
    RUN_TEST(test_commit_removes_dead_temporaries);
    RUN_TEST(test_checked_reads);
    RUN_TEST(test_little_endian_helpers);
    RUN_TEST(test_whole_files);
    RUN_TEST(test_mkdirs);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) printf("could not remove %s\n", dir);
    return TEST_SUMMARY();
}
