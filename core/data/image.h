/* dc_image: an 8-bit interleaved (HWC) picture, the currency of the decode/transform path,
 * and its conversions to and from tensors ([C, H, W], the layout the rest of dclab uses).
 *
 * An image does not own memory: its pixels live in a dc_buffer (grown once, then reused by a
 * loader worker), in a tensor, or inside a larger image (a crop is a view with the parent's
 * row stride). */
#ifndef DC_DATA_IMAGE_H
#define DC_DATA_IMAGE_H

#include <stdint.h>

#include "../tensor.h"
#include "../file.h"

typedef struct dc_image {
    uint8_t *data;   /* top-left pixel */
    int w, h;        /* pixels */
    int c;           /* channels per pixel: 1 gray, 3 RGB, 4 CMYK (decoder-internal) */
    int64_t stride;  /* bytes from one row to the next (>= w * c) */
} dc_image;

/* im = a w x h x c image stored in buf (grown as needed; old pixels are not kept). */
dc_status dc_image_alloc(dc_image *im, dc_buffer *buf, int w, int h, int c);
/* dst = the region (x, y, w, h) of src, sharing its pixels; the region must lie inside. */
dc_image dc_image_view(const dc_image *src, int x, int y, int w, int h);

/* Reads a uint8 [C, H, W] tensor (C = 1 or 3; [H, W] counts as C = 1) as an image. A
 * one-channel tensor with unit column stride is viewed in place (read-only!); otherwise the
 * pixels are interleaved into buf. */
dc_status dc_image_from_tensor(const dc_tensor *t, dc_buffer *buf, dc_image *out);
/* Same for pictures to save: float32 values in [0, 1] (clamped, rounded) or uint8, shaped
 * [C, H, W] with C = 1 or 3, or [H, W]. */
dc_status dc_image_from_picture(const dc_tensor *t, dc_buffer *buf, dc_image *out);
/* out = uint8 [C, H, W] copy of im (out empty or already of that shape). */
dc_status dc_image_to_tensor(const dc_image *im, dc_tensor *out);
/* out[ch][y][x] = lut[ch][pixel] for a float32 [C, H, W] destination with C = im->c. */
void dc_image_to_float(const dc_image *im, const float (*lut)[256], float *out);

/* Grid of images for people, like torchvision's make_grid. */
typedef struct dc_mosaic_cfg {
    int nrow;          /* images per row (8) */
    int padding;       /* pixels between and around images (2) */
    double pad_value;  /* value of the padding, in image units (0) */
    int normalize;     /* rescale to [0, 1] by min/max (0) */
    int scale_each;    /* with normalize: each image by its own min/max (0) */
} dc_mosaic_cfg;
void dc_mosaic_cfg_init(dc_mosaic_cfg *cfg);
/* images: float32 or uint8 [N, C, H, W] (C = 1 or 3) or [N, H, W]; out: float32
 * [C, rows * (H + p) + p, ncol * (W + p) + p]; uint8 input is scaled by 1/255. */
dc_status dc_mosaic(const dc_tensor *images, const dc_mosaic_cfg *cfg, dc_tensor *out);

#endif
