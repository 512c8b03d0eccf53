/* Whole-file reads into reusable buffers, writes and mkdir -p, with path-naming errors. */
#include "file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

dc_status dc_buffer_reserve(dc_buffer *b, size_t n)
{
    if (n <= b->cap) return DC_OK;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < n) cap = cap > SIZE_MAX / 2 ? n : cap * 2;
    uint8_t *p = realloc(b->data, cap);
    DC_CHECK(p, DC_ERR_NOMEM, "out of memory for a %zu-byte file buffer", n);
    b->data = p;
    b->cap = cap;
    return DC_OK;
}

void dc_buffer_free(dc_buffer *b)
{
    free(b->data);
    b->data = NULL;
    b->size = b->cap = 0;
}

dc_status dc_file_read(const char *path, dc_buffer *b)
{
    FILE *f = fopen(path, "rb");
    DC_CHECK(f, DC_ERR_IO, "%s: %s", path, strerror(errno));
    dc_status s = DC_OK;
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        s = dc_fail(DC_ERR_IO, "%s: not a regular file", path);
        goto done;
    }
    /* one byte more than the size, so a file that grew since fstat is noticed */
    size_t want = (size_t)st.st_size;
    if ((s = dc_buffer_reserve(b, want + 1)) != DC_OK) goto done;
    size_t got = fread(b->data, 1, want + 1, f);
    if (ferror(f)) {
        s = dc_fail(DC_ERR_IO, "%s: read error: %s", path, strerror(errno));
        goto done;
    }
    b->size = got;
done:
    fclose(f);
    return s;
}

dc_status dc_file_write(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    DC_CHECK(f, DC_ERR_IO, "%s: %s", path, strerror(errno));
    size_t put = fwrite(data, 1, n, f);
    int err = put != n ? errno : 0;
    if (fclose(f) != 0 && !err) err = errno;
    DC_CHECK(!err && put == n, DC_ERR_IO, "%s: write failed: %s", path,
             strerror(err ? err : EIO));
    return DC_OK;
}

dc_status dc_mkdirs(const char *path)
{
    char buf[4096];
    size_t n = strlen(path);
    DC_CHECK(n > 0 && n < sizeof buf, DC_ERR_ARG, "mkdir: bad path length %zu", n);
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != '\0') continue;
        char c = buf[i];
        buf[i] = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return dc_fail(DC_ERR_IO, "%s: cannot create directory: %s", buf, strerror(errno));
        buf[i] = c;
    }
    struct stat st;
    DC_CHECK(stat(path, &st) == 0 && S_ISDIR(st.st_mode), DC_ERR_IO,
             "%s: exists and is not a directory", path);
    return DC_OK;
}
