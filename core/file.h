/* Files, the one home of reading, writing and folder creation:
 * - whole-file reads into reusable buffers and plain writes (images, exports);
 * - the engine's formats (.npy, checkpoints): checked reading (every short read is a named
 *   format error) and atomic writing (a temporary file in the same folder, fsync, rename),
 *   both keeping a running CRC32 (zlib) of the bytes that went through them;
 * - folder creation (mkdir -p).
 *
 * Messages name the path, and the operation where one is given: "load_npy: 'x.npy':
 * truncated ...". */
#ifndef DC_FILE_H
#define DC_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "status.h"

/* ---- whole files ---- */

/* The data loader reads one JPEG per sample; its buffer grows to the largest file seen and
 * is then reused, so steady-state reading allocates nothing. */
typedef struct dc_buffer {
    uint8_t *data;  /* owned, malloc'd; NULL when cap == 0 */
    size_t size;    /* bytes in use */
    size_t cap;     /* bytes allocated */
} dc_buffer;

/* Makes room for at least n bytes (contents kept). */
dc_status dc_buffer_reserve(dc_buffer *b, size_t n);
void dc_buffer_free(dc_buffer *b);

/* Reads the whole file at path into b (b->size = file length). Fails with DC_ERR_IO and
 * "<path>: <strerror>" when the file cannot be opened or read. */
dc_status dc_file_read(const char *path, dc_buffer *b);
/* Writes n bytes to path (created or truncated); DC_ERR_IO names the path on failure. A
 * plain write, no fsync: an export writes tens of thousands of files; checkpoints and
 * .npy files go through the atomic dc_wfile below instead. */
dc_status dc_file_write(const char *path, const void *data, size_t n);

/* ---- folders ---- */

/* Creates directory path and its missing parents (mkdir -p). */
dc_status dc_mkdirs(const char *path);

/* ---- the engine's formats ---- */

/* A file open for reading; size known up front so lengths read from it can be checked
 * against what is left before anything is allocated. */
typedef struct dc_rfile {
    FILE *f;
    const char *path;  /* borrowed, for messages */
    const char *op;    /* borrowed: "load_npy", "load" */
    int64_t size;      /* bytes in the file */
    int64_t pos;       /* bytes read so far */
    uint32_t crc;      /* CRC32 of the bytes read so far */
} dc_rfile;

/* Opens path; DC_ERR_IO (with the system's reason) when it cannot. */
dc_status dc_rfile_open(dc_rfile *r, const char *path, const char *op);
/* Reads exactly n bytes; DC_ERR_FORMAT "truncated" naming what when the file ends first. */
dc_status dc_rfile_read(dc_rfile *r, void *buf, size_t n, const char *what);
static inline int64_t dc_rfile_left(const dc_rfile *r) { return r->size - r->pos; }
/* Closes the file. Idempotent. */
void dc_rfile_close(dc_rfile *r);

/* A file being written under a temporary name; it appears at path only when committed. */
typedef struct dc_wfile {
    FILE *f;
    char *tmp;        /* owned: "<path>.tmp-<pid>-<n>" in the same folder */
    const char *path; /* borrowed */
    const char *op;   /* borrowed */
    uint32_t crc;     /* CRC32 of the bytes written so far */
} dc_wfile;

/* Creates the temporary file; DC_ERR_IO when the folder is missing or not writable. */
dc_status dc_wfile_open(dc_wfile *w, const char *path, const char *op);
dc_status dc_wfile_write(dc_wfile *w, const void *buf, size_t n);
/* Flushes, fsyncs, closes and renames onto path (then fsyncs the folder, and removes the
 * temporary files of earlier saves of path whose process died). On failure the temporary
 * file is removed and path is left as it was. */
dc_status dc_wfile_commit(dc_wfile *w);
/* Drops the temporary file. Idempotent; a no-op after commit. */
void dc_wfile_abort(dc_wfile *w);

/* Little-endian integers at p (the engine's formats are little-endian on disk). */
static inline uint32_t dc_le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t dc_le64(const unsigned char *p)
{
    return (uint64_t)dc_le32(p) | (uint64_t)dc_le32(p + 4) << 32;
}
static inline void dc_put_le32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}
static inline void dc_put_le64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}

/* Tensor data is written and read as raw memory: the formats are little-endian, and so must
 * the host be. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "dclab's file formats assume a little-endian host"
#endif

#endif
