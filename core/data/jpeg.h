/* JPEG decode (libjpeg API of libjpeg-turbo) and encode (TurboJPEG).
 *
 * Decoding can shrink in the DCT domain: libjpeg-turbo computes an image scaled by 1/2, 1/4
 * or 1/8 for a fraction of the cost of a full decode. dc_jpeg_decode picks the smallest
 * such scale whose result is still at least the requested size, so a later resize only ever
 * shrinks from a larger picture (and the antialiasing filter keeps its job). It can also
 * decode only a region of the (scaled) picture: the columns outside skip the inverse DCT and
 * colour conversion, the rows outside are only entropy-decoded.
 *
 * Sources: baseline and progressive, grayscale, YCbCr and CMYK/YCCK (Adobe, inverted, as
 * libjpeg-turbo and PIL treat it). Any libjpeg warning (truncated or corrupt data) is an
 * error: a half-grey image must not reach a training batch silently. */
#ifndef DC_DATA_JPEG_H
#define DC_DATA_JPEG_H

#include <stddef.h>
#include <stdint.h>

#include "../file.h"
#include "image.h"

/* One codec per thread (libjpeg and TurboJPEG objects are not thread-safe). Owns its scratch buffers. */
typedef struct dc_jpeg dc_jpeg;

dc_status dc_jpeg_new(dc_jpeg **out);
void dc_jpeg_free(dc_jpeg *j);

typedef struct dc_jpeg_info {
    int width, height;  /* pixels, full size */
    int components;     /* 1 grayscale, 3 colour, 4 CMYK/YCCK */
} dc_jpeg_info;

/* Reads the header of the JPEG in buf[0..n). DC_ERR_FORMAT with the reason when buf is not
 * a JPEG or its header is corrupt. */
dc_status dc_jpeg_info_read(dc_jpeg *j, const uint8_t *buf, size_t n, dc_jpeg_info *info);

/* Size a decode of info would give for the smallest DCT scale (1/2, 1/4 or 1/8: the ones
 * libjpeg-turbo runs in SIMD) whose result is at least min_w x min_h. Both <= 0, or a
 * request no scale meets: the full size. */
void dc_jpeg_scaled_size(const dc_jpeg_info *info, int min_w, int min_h, int *w, int *h);

/* Decodes buf into out (channels 1 = gray or 3 = RGB), scaled as dc_jpeg_scaled_size says.
 * Pixels go to pixels (grown as needed). DC_ERR_FORMAT with libjpeg's reason on bad data. */
dc_status dc_jpeg_decode(dc_jpeg *j, const uint8_t *buf, size_t n, int channels, int min_w,
                         int min_h, dc_buffer *pixels, dc_image *out);

/* Part of the same decode: a rectangle of the scaled picture that contains region (x0, y0,
 * x1, y1 in the scaled picture's pixels, clipped to it; must not be empty once clipped),
 * possibly a few columns wider. Its pixels are exactly those of dc_jpeg_decode at the same
 * scale; at[0], at[1] = where out's top-left pixel lies in the scaled picture. Corrupt data
 * outside the region is still an error. */
dc_status dc_jpeg_decode_region(dc_jpeg *j, const uint8_t *buf, size_t n, int channels,
                                int min_w, int min_h, const int region[4], dc_buffer *pixels,
                                dc_image *out, int at[2]);

/* Encodes im (1 or 3 channels) at quality 1..100 (4:2:0 chroma for colour, as PIL saves);
 * *data / *size point into j's reusable output buffer, valid until the next encode. */
dc_status dc_jpeg_encode(dc_jpeg *j, const dc_image *im, int quality, int progressive,
                         const uint8_t **data, size_t *size);

/* Files and tensors, for people (dc.image.load / save): out = float32 [C, H, W] in [0, 1]
 * from the JPEG at path (C = channels, 1 or 3; out empty). DC_ERR_IO / DC_ERR_FORMAT name
 * the path. */
dc_status dc_jpeg_load(const char *path, int channels, dc_tensor *out);
/* Writes picture t (see dc_image_from_picture) to path at quality 1..100. */
dc_status dc_jpeg_save(const dc_tensor *t, const char *path, int quality);

#endif
