/* Helpers of the data tests: temporary folders, files from bytes, synthetic pictures. */
#ifndef DATA_UTIL_H
#define DATA_UTIL_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"
#include "data/image.h"

/* A fresh folder under /tmp (path written into buf). */
static inline const char *du_tempdir(char *buf, size_t n, const char *tag)
{
    snprintf(buf, n, "/tmp/dc_%s_XXXXXX", tag);
    return mkdtemp(buf);
}

static inline void du_write(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f) return;
    if (n) fwrite(data, 1, n, f);
    fclose(f);
}

/* rm -r of a folder made by a test (paths under /tmp/dc_ only). */
static inline void du_rmtree(const char *dir)
{
    if (strncmp(dir, "/tmp/dc_", 8) != 0) return;
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
}

/* A smooth colour picture with a few edges (JPEG-friendly, like a photo). */
static inline void du_picture(dc_image *im, dc_buffer *buf, int w, int h, int c, int seed)
{
    dc_image_alloc(im, buf, w, h, c);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double u = (double)x / w, v = (double)y / h;
            double r = 128 + 100 * sin(6.0 * u + seed) * cos(4.0 * v);
            double g = 128 + 90 * cos(5.0 * v + 0.5 * seed) * sin(3.0 * u + 1);
            double b = 60 + 150 * u * v + ((x / 16 + y / 16 + seed) % 2 ? 20 : 0);
            double px[3] = {r, g, b};
            for (int ch = 0; ch < c; ch++) {
                double val = c == 1 ? 0.299 * r + 0.587 * g + 0.114 * b : px[ch];
                im->data[(int64_t)y * im->stride + x * c + ch] =
                    (uint8_t)(val < 0 ? 0 : val > 255 ? 255 : val);
            }
        }
}

/* Peak signal-to-noise ratio of b against a (same size), in dB. */
static inline double du_psnr(const dc_image *a, const dc_image *b)
{
    double se = 0;
    for (int y = 0; y < a->h; y++)
        for (int x = 0; x < a->w * a->c; x++) {
            double d = (double)a->data[(int64_t)y * a->stride + x] -
                       b->data[(int64_t)y * b->stride + x];
            se += d * d;
        }
    double mse = se / ((double)a->w * a->h * a->c);
    return mse == 0 ? 99.0 : 10.0 * log10(255.0 * 255.0 / mse);
}

#endif
