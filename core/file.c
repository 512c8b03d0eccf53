/* Whole-file reads and writes, folders, and the checked reading and atomic writing of the
 * engine's formats (see file.h). */
#include "file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* zlib's crc32 takes a uInt length: feed big buffers in slices. */
static uint32_t crc_update(uint32_t crc, const void *buf, size_t n)
{
    const unsigned char *p = buf;
    while (n > 0) {
        uInt k = n > (1u << 30) ? (1u << 30) : (uInt)n;
        crc = (uint32_t)crc32(crc, p, k);
        p += k;
        n -= k;
    }
    return crc;
}

/* ---- whole files ---- */

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

/* ---- folders ---- */

dc_status dc_mkdirs(const char *path)
{
    char buf[4096];
    size_t n = strlen(path);
    DC_CHECK(n > 0, DC_ERR_ARG, "mkdirs: empty path");
    DC_CHECK(n < sizeof buf, DC_ERR_ARG, "mkdirs: path of %zu bytes is too long (at most %zu)",
             n, sizeof buf - 1);
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != '\0') continue;
        char c = buf[i];
        buf[i] = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return dc_fail(DC_ERR_IO, "mkdirs: %s: cannot create directory: %s", buf,
                           strerror(errno));
        buf[i] = c;
    }
    struct stat st;
    DC_CHECK(stat(path, &st) == 0 && S_ISDIR(st.st_mode), DC_ERR_IO,
             "mkdirs: %s: exists and is not a directory", path);
    return DC_OK;
}

/* ---- reading ---- */

dc_status dc_rfile_open(dc_rfile *r, const char *path, const char *op)
{
    memset(r, 0, sizeof *r);
    r->path = path;
    r->op = op;
    r->f = fopen(path, "rb");
    if (!r->f) return dc_fail(DC_ERR_IO, "%s: cannot open '%s': %s", op, path, strerror(errno));
    struct stat st;
    if (fstat(fileno(r->f), &st) != 0 || !S_ISREG(st.st_mode)) {
        dc_rfile_close(r);
        return dc_fail(DC_ERR_IO, "%s: '%s' is not a regular file", op, path);
    }
    r->size = (int64_t)st.st_size;
    r->crc = (uint32_t)crc32(0, Z_NULL, 0);
    return DC_OK;
}

dc_status dc_rfile_read(dc_rfile *r, void *buf, size_t n, const char *what)
{
    if ((uint64_t)n > (uint64_t)dc_rfile_left(r))
        return dc_fail(DC_ERR_FORMAT,
                       "%s: '%s': truncated file: %zu bytes of %s expected at offset %lld, only "
                       "%lld left",
                       r->op, r->path, n, what, (long long)r->pos, (long long)dc_rfile_left(r));
    if (fread(buf, 1, n, r->f) != n)
        return dc_fail(DC_ERR_IO, "%s: '%s': read error in %s at offset %lld: %s", r->op, r->path,
                       what, (long long)r->pos, ferror(r->f) ? strerror(errno) : "end of file");
    r->pos += (int64_t)n;
    r->crc = crc_update(r->crc, buf, n);
    return DC_OK;
}

void dc_rfile_close(dc_rfile *r)
{
    if (r->f) fclose(r->f);
    r->f = NULL;
}

/* ---- atomic writing ---- */

static atomic_uint tmp_serial; /* distinct temporary names for concurrent saves */

dc_status dc_wfile_open(dc_wfile *w, const char *path, const char *op)
{
    memset(w, 0, sizeof *w);
    w->path = path;
    w->op = op;
    size_t n = strlen(path) + 48;
    w->tmp = malloc(n);
    DC_CHECK(w->tmp, DC_ERR_NOMEM, "%s: out of memory", op);
    snprintf(w->tmp, n, "%s.tmp-%ld-%u", path, (long)getpid(), atomic_fetch_add(&tmp_serial, 1));
    int fd = open(w->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 || !(w->f = fdopen(fd, "wb"))) {
        int err = errno;
        if (fd >= 0) {
            close(fd);
            unlink(w->tmp);
        }
        free(w->tmp);
        w->tmp = NULL;
        return dc_fail(DC_ERR_IO, "%s: cannot write '%s': %s", op, path, strerror(err));
    }
    w->crc = (uint32_t)crc32(0, Z_NULL, 0);
    return DC_OK;
}

dc_status dc_wfile_write(dc_wfile *w, const void *buf, size_t n)
{
    if (fwrite(buf, 1, n, w->f) != n)
        return dc_fail(DC_ERR_IO, "%s: cannot write '%s': %s", w->op, w->path, strerror(errno));
    w->crc = crc_update(w->crc, buf, n);
    return DC_OK;
}

/* fsync of the folder makes the rename itself durable; best effort (not every file system
 * allows opening a folder for it). */
static void sync_folder(const char *path)
{
    char *copy = strdup(path);
    if (!copy) return;
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    free(copy);
}

/* Removes "<path>.tmp-<pid>-<n>" files left by saves of path whose process is gone (killed
 * mid-save), so a run that is killed and resumed again and again does not fill its folder.
 * Live processes' files stay, this process's included. Best effort, like sync_folder. */
static void remove_stale_temporaries(const char *path)
{
    char *dcopy = strdup(path), *bcopy = strdup(path);
    DIR *d = dcopy && bcopy ? opendir(dirname(dcopy)) : NULL;
    if (d) {
        const char *base = basename(bcopy);
        size_t blen = strlen(base);
        for (struct dirent *e; (e = readdir(d));) {
            long pid;
            unsigned serial;
            int end = 0;
            if (strncmp(e->d_name, base, blen) != 0 ||
                sscanf(e->d_name + blen, ".tmp-%ld-%u%n", &pid, &serial, &end) != 2 ||
                e->d_name[blen + (size_t)end] != '\0' || pid <= 0 || pid == (long)getpid())
                continue;
            if (kill((pid_t)pid, 0) != 0 && errno == ESRCH) unlinkat(dirfd(d), e->d_name, 0);
        }
        closedir(d);
    }
    free(dcopy);
    free(bcopy);
}

dc_status dc_wfile_commit(dc_wfile *w)
{
    const char *step = "flush";
    int ok = fflush(w->f) == 0;
    if (ok) {
        step = "fsync";
        ok = fsync(fileno(w->f)) == 0;
    }
    int err = errno;
    if (fclose(w->f) != 0 && ok) {
        err = errno;
        step = "close";
        ok = 0;
    }
    w->f = NULL;
    if (ok && rename(w->tmp, w->path) != 0) {
        err = errno;
        step = "rename";
        ok = 0;
    }
    if (!ok) {
        dc_wfile_abort(w);
        return dc_fail(DC_ERR_IO, "%s: cannot write '%s' (%s): %s", w->op, w->path, step,
                       strerror(err));
    }
    sync_folder(w->path);
    remove_stale_temporaries(w->path);
    free(w->tmp);
    w->tmp = NULL;
    return DC_OK;
}

void dc_wfile_abort(dc_wfile *w)
{
    if (w->f) fclose(w->f);
    w->f = NULL;
    if (w->tmp) unlink(w->tmp);
    free(w->tmp);
    w->tmp = NULL;
}
