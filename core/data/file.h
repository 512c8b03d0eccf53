/* Whole-file reads into reusable buffers, and file writes that report the path.
 *
 * The data loader reads one JPEG per sample; its buffer grows to the largest file seen and is
 * then reused, so steady-state reading allocates nothing. */
#ifndef DC_DATA_FILE_H
#define DC_DATA_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "../status.h"

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
 * .npy files go through core/io's atomic dc_wfile instead. */
dc_status dc_file_write(const char *path, const void *data, size_t n);
/* Creates directory path and its missing parents (mkdir -p). */
dc_status dc_mkdirs(const char *path);

#endif
