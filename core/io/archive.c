/* The named-tensor archive (layout in archive.h).
 *
 * Loading checks every length it reads against the bytes left in the file before allocating
 * anything, reads the tensors into fresh storage, and hands them over only once the CRC of
 * the whole file matches: a caller never sees part of a damaged checkpoint. */
#include "archive.h"

#include <stdlib.h>
#include <string.h>

#include "../file.h"
#include "../ops/elementwise.h"

static const char archive_magic[8] = {'D', 'C', 'L', 'A', 'B', 'A', 'R', 'C'};

/* dtype codes on disk, independent of the dc_dtype enum's order */
static uint32_t dtype_code(dc_dtype dt)
{
    switch (dt) {
    case DC_F32: return 1;
    case DC_I64: return 2;
    default: return 3;
    }
}

static bool dtype_from_code(uint32_t code, dc_dtype *dt)
{
    static const dc_dtype by_code[4] = {DC_F32, DC_F32, DC_I64, DC_U8};
    if (code < 1 || code > 3) return false;
    *dt = by_code[code];
    return true;
}

/* ---- writing ---- */

static dc_status check_entries(int n, const char *const *names, const dc_tensor *const *tensors)
{
    DC_CHECK(n >= 0, DC_ERR_ARG, "save: negative tensor count %d", n);
    for (int i = 0; i < n; i++) {
        size_t len = names[i] ? strlen(names[i]) : 0;
        DC_CHECK(len > 0 && len <= DC_ARCHIVE_MAX_NAME, DC_ERR_ARG,
                 "save: tensor %d: a name must have 1 to %d bytes", i + 1, DC_ARCHIVE_MAX_NAME);
        for (int k = 0; k < i; k++)
            DC_CHECK(strcmp(names[k], names[i]) != 0, DC_ERR_ARG,
                     "save: two tensors are named '%s'", names[i]);
        DC_CHECK(dc_tensor_ok(tensors[i]), DC_ERR_STATE, "save: tensor '%s' is released",
                 names[i]);
    }
    return DC_OK;
}

static dc_status write_tensor(dc_wfile *w, const char *name, const dc_tensor *t)
{
    unsigned char h[12 + 8 * DC_MAX_DIMS];
    size_t len = strlen(name);
    dc_put_le32(h, (uint32_t)len);
    DC_TRY(dc_wfile_write(w, h, 4));
    DC_TRY(dc_wfile_write(w, name, len));
    dc_put_le32(h, dtype_code(t->dtype));
    dc_put_le32(h + 4, (uint32_t)t->ndim);
    for (int d = 0; d < t->ndim; d++) dc_put_le64(h + 8 + 8 * d, (uint64_t)t->shape[d]);
    DC_TRY(dc_wfile_write(w, h, 8 + 8 * (size_t)t->ndim));
    size_t bytes = (size_t)dc_tensor_numel(t) * dc_dtype_size(t->dtype);
    if (bytes == 0) return DC_OK;
    dc_tensor c = dc_tensor_empty();
    DC_TRY(dc_tensor_contiguous(&c, t));
    dc_status s = dc_wfile_write(w, dc_tensor_data(&c), bytes);
    dc_tensor_release(&c);
    return s;
}

dc_status dc_archive_save(const char *path, int n, const char *const *names,
                          const dc_tensor *const *tensors, const char *meta, size_t meta_len)
{
    DC_TRY(check_entries(n, names, tensors));
    dc_wfile w;
    DC_TRY(dc_wfile_open(&w, path, "save"));
    unsigned char h[24];
    memcpy(h, archive_magic, 8);
    dc_put_le32(h + 8, DC_ARCHIVE_VERSION);
    dc_put_le32(h + 12, (uint32_t)n);
    dc_put_le64(h + 16, (uint64_t)meta_len);
    dc_status s = dc_wfile_write(&w, h, 24);
    if (s == DC_OK && meta_len) s = dc_wfile_write(&w, meta, meta_len);
    for (int i = 0; i < n && s == DC_OK; i++) s = write_tensor(&w, names[i], tensors[i]);
    if (s == DC_OK) {
        dc_put_le32(h, w.crc);
        s = dc_wfile_write(&w, h, 4);
    }
    if (s == DC_OK) return dc_wfile_commit(&w);
    dc_wfile_abort(&w);
    return s;
}

/* ---- reading ---- */

static dc_status corrupt(const dc_rfile *r, const char *what)
{
    return dc_fail(DC_ERR_FORMAT, "load: '%s': corrupt or truncated archive: %s (at offset %lld)",
                   r->path, what, (long long)r->pos);
}

/* One tensor record into a->names[i] / a->tensors[i]. */
static dc_status read_tensor(dc_rfile *r, dc_archive *a, int i)
{
    unsigned char h[8 * DC_MAX_DIMS];
    DC_TRY(dc_rfile_read(r, h, 4, "a tensor name length"));
    uint32_t len = dc_le32(h);
    if (len == 0 || len > DC_ARCHIVE_MAX_NAME || (int64_t)len > dc_rfile_left(r) - 4)
        return corrupt(r, "impossible tensor name length");
    a->names[i] = malloc(len + 1);
    DC_CHECK(a->names[i], DC_ERR_NOMEM, "load: out of memory");
    a->n = i + 1; /* from here on dc_archive_free releases record i (its tensor is empty) */
    DC_TRY(dc_rfile_read(r, a->names[i], len, "a tensor name"));
    a->names[i][len] = '\0';
    /* a NUL would cut the name short: two different records could then share a name */
    if (memchr(a->names[i], '\0', len)) return corrupt(r, "NUL byte in a tensor name");
    for (int k = 0; k < i; k++)
        if (strcmp(a->names[k], a->names[i]) == 0) return corrupt(r, "duplicate tensor name");
    DC_TRY(dc_rfile_read(r, h, 8, "a tensor header"));
    dc_dtype dt;
    uint32_t ndim = dc_le32(h + 4);
    if (!dtype_from_code(dc_le32(h), &dt)) return corrupt(r, "unknown dtype code");
    if (ndim > DC_MAX_DIMS) return corrupt(r, "more than 8 dimensions");
    DC_TRY(dc_rfile_read(r, h, 8 * ndim, "a tensor shape"));
    int64_t shape[DC_MAX_DIMS], bytes = (int64_t)dc_dtype_size(dt);
    for (uint32_t d = 0; d < ndim; d++) {
        shape[d] = (int64_t)dc_le64(h + 8 * d);
        if (shape[d] < 0) return corrupt(r, "negative size");
        if (shape[d] && bytes > (dc_rfile_left(r) - 4) / shape[d])
            return corrupt(r, "tensor data longer than the file");
        bytes *= shape[d];
    }
    if (bytes > dc_rfile_left(r) - 4) return corrupt(r, "tensor data longer than the file");
    DC_TRY(dc_tensor_alloc(&a->tensors[i], dt, (int)ndim, shape));
    return dc_rfile_read(r, dc_tensor_data(&a->tensors[i]), (size_t)bytes, "tensor data");
}

static dc_status load_from(dc_rfile *r, dc_archive *a)
{
    unsigned char h[24];
    size_t first = r->size < 8 ? (size_t)r->size : 8;
    DC_TRY(dc_rfile_read(r, h, first, "the magic number"));
    if (first < 8 || memcmp(h, archive_magic, 8) != 0)
        return dc_fail(DC_ERR_FORMAT, "load: '%s' is not a dclab archive (bad magic number)",
                       r->path);
    DC_TRY(dc_rfile_read(r, h, 16, "the archive header"));
    uint32_t version = dc_le32(h), n = dc_le32(h + 4);
    uint64_t meta_len = dc_le64(h + 8);
    if (version != DC_ARCHIVE_VERSION)
        return dc_fail(DC_ERR_FORMAT,
                       "load: '%s': archive version %u is not supported (this dclab reads "
                       "version %d)",
                       r->path, version, DC_ARCHIVE_VERSION);
    if (dc_rfile_left(r) < 4 || meta_len > (uint64_t)(dc_rfile_left(r) - 4))
        return corrupt(r, "metadata longer than the file");
    /* a tensor record takes at least 13 bytes: n cannot exceed what is left */
    if ((int64_t)n > (dc_rfile_left(r) - 4 - (int64_t)meta_len) / 13)
        return corrupt(r, "impossible tensor count");
    a->meta = malloc(meta_len + 1);
    a->names = calloc(n ? n : 1, sizeof *a->names);
    a->tensors = calloc(n ? n : 1, sizeof *a->tensors);
    DC_CHECK(a->meta && a->names && a->tensors, DC_ERR_NOMEM, "load: out of memory");
    DC_TRY(dc_rfile_read(r, a->meta, meta_len, "metadata"));
    a->meta[meta_len] = '\0';
    a->meta_len = meta_len;
    for (uint32_t i = 0; i < n; i++) DC_TRY(read_tensor(r, a, (int)i));
    a->n = (int)n;
    if (dc_rfile_left(r) != 4) return corrupt(r, "unexpected bytes before the checksum");
    uint32_t computed = r->crc;
    DC_TRY(dc_rfile_read(r, h, 4, "the checksum"));
    if (dc_le32(h) != computed)
        return dc_fail(DC_ERR_FORMAT,
                       "load: '%s': corrupt archive: checksum mismatch (stored %08x, computed "
                       "%08x)",
                       r->path, dc_le32(h), computed);
    return DC_OK;
}

dc_status dc_archive_load(const char *path, dc_archive *out)
{
    dc_rfile r;
    DC_TRY(dc_rfile_open(&r, path, "load"));
    dc_archive a = {0};
    dc_status s = load_from(&r, &a);
    dc_rfile_close(&r);
    if (s == DC_OK) *out = a;
    else dc_archive_free(&a);
    return s;
}

void dc_archive_free(dc_archive *a)
{
    for (int i = 0; i < a->n; i++) {
        dc_tensor_release(&a->tensors[i]);
        free(a->names[i]);
    }
    free(a->names);
    free(a->tensors);
    free(a->meta);
    memset(a, 0, sizeof *a);
}
