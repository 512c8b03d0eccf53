/* JPEG codec on TurboJPEG 2.x: header, DCT-scaled decode (gray/RGB/CMYK sources), encode. */
#include "jpeg.h"

#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

/* Decoded pictures above this many pixels are refused (a corrupt or hostile header could
 * otherwise ask for tens of gigabytes); PIL's decompression-bomb limit is of this order. */
#define MAX_PIXELS ((int64_t)1 << 29)

/* Three TurboJPEG 2.1 handles, because of two of its quirks: tjDecompress2 with
 * TJFLAG_LIMITSCANS leaves the decoder pointing at a progress record on its stack, which a
 * later tjDecompressHeader3 on the same handle could reach, so headers are read on a handle
 * that never decompresses; and a baseline encode after a progressive one on the same handle
 * writes Huffman codes that do not match its tables, so the encoder is remade on a switch.
 * The decoder is remade for every picture: a handle keeps the Huffman and quantisation
 * tables of the files it decoded, and a file that lacks some (Motion-JPEG frames rely on the
 * standard Huffman tables) would decode with the previous file's, so a sample would depend
 * on what its worker read before. A new handle costs nothing measurable next to a decode. */
struct dc_jpeg {
    tjhandle hdr, dec, enc; /* created on first use; dec per decode */
    int enc_progressive;    /* mode of enc's last encode */
    dc_buffer cmyk;         /* CMYK pixels before conversion */
    unsigned char *out;     /* encoder output (tjAlloc'd) */
    unsigned long out_cap;  /* its size */
};

dc_status dc_jpeg_new(dc_jpeg **out)
{
    dc_jpeg *j = calloc(1, sizeof *j);
    DC_CHECK(j, DC_ERR_NOMEM, "jpeg: out of memory");
    *out = j;
    return DC_OK;
}

void dc_jpeg_free(dc_jpeg *j)
{
    if (!j) return;
    if (j->hdr) tjDestroy(j->hdr);
    if (j->dec) tjDestroy(j->dec);
    if (j->enc) tjDestroy(j->enc);
    dc_buffer_free(&j->cmyk);
    tjFree(j->out);
    free(j);
}

static dc_status decoder(tjhandle *h)
{
    if (!*h) *h = tjInitDecompress();
    DC_CHECK(*h, DC_ERR_NOMEM, "jpeg: cannot create a TurboJPEG decoder: %s",
             tjGetErrorStr2(NULL));
    return DC_OK;
}

/* After a failed call a TurboJPEG 2.1 handle can stay mid-stream (tjDecompressHeader3
 * returns from its error handler without aborting the decompressor, and the next header
 * read then fails on the stale state), so it is thrown away and remade on next use. The
 * message must already be recorded; returns DC_ERR_FORMAT. */
static dc_status drop(tjhandle *h)
{
    tjDestroy(*h);
    *h = NULL;
    return DC_ERR_FORMAT;
}

/* Header fields, with TurboJPEG's message turned into ours. */
static dc_status read_header(dc_jpeg *j, const uint8_t *buf, size_t n, int *w, int *h, int *cs)
{
    DC_TRY(decoder(&j->hdr));
    DC_CHECK(n > 0, DC_ERR_FORMAT, "empty file (0 bytes), not a JPEG");
    DC_CHECK(n >= 4 && buf[0] == 0xFF && buf[1] == 0xD8, DC_ERR_FORMAT,
             "not a JPEG file (starts with 0x%02x 0x%02x)", buf[0], n > 1 ? buf[1] : 0);
    DC_CHECK(n <= (size_t)(unsigned long)-1, DC_ERR_FORMAT, "file too large");
    int subsamp;
    *w = *h = 0;
    *cs = -1;
    if (tjDecompressHeader3(j->hdr, buf, (unsigned long)n, w, h, &subsamp, cs) != 0) {
        dc_fail(DC_ERR_FORMAT, "corrupt JPEG header (%s)", tjGetErrorStr2(j->hdr));
        return drop(&j->hdr);
    }
    /* TurboJPEG 2.1 returns success without setting the fields for a tables-only stream (an
     * end marker before any frame header), and keeps those tables in the handle */
    if (*w <= 0 || *h <= 0 || *cs < 0) {
        dc_fail(DC_ERR_FORMAT, "no image in the JPEG data (it ends before a frame header)");
        return drop(&j->hdr);
    }
    DC_CHECK(*w > 0 && *h > 0 && (int64_t)*w * *h <= MAX_PIXELS, DC_ERR_FORMAT,
             "JPEG of %d x %d pixels refused (more than %lld pixels)", *w, *h,
             (long long)MAX_PIXELS);
    return DC_OK;
}

dc_status dc_jpeg_info_read(dc_jpeg *j, const uint8_t *buf, size_t n, dc_jpeg_info *info)
{
    int cs;
    DC_TRY(read_header(j, buf, n, &info->width, &info->height, &cs));
    info->components = cs == TJCS_GRAY ? 1 : (cs == TJCS_CMYK || cs == TJCS_YCCK) ? 4 : 3;
    return DC_OK;
}

void dc_jpeg_scaled_size(const dc_jpeg_info *info, int min_w, int min_h, int *w, int *h)
{
    int nf;
    tjscalingfactor *f = tjGetScalingFactors(&nf);
    *w = info->width;
    *h = info->height;
    if (min_w <= 0 && min_h <= 0) return;
    /* factors come largest first; keep the last one that is still big enough. Only 1/2,
     * 1/4 and 1/8 have SIMD inverse DCTs in libjpeg-turbo: 3/4 measured slower than a
     * full decode, so the others are not used. */
    for (int i = 0; f && i < nf; i++) {
        int k = f[i].denom / f[i].num;
        if (f[i].num != 1 || (k != 2 && k != 4 && k != 8)) continue;
        int sw = TJSCALED(info->width, f[i]), sh = TJSCALED(info->height, f[i]);
        if (sw < min_w || sh < min_h) continue;
        if ((int64_t)sw * sh < (int64_t)*w * *h) {
            *w = sw;
            *h = sh;
        }
    }
}

/* Adobe CMYK as libjpeg-turbo stores it (inverted: 255 = no ink): R = C * K / 255. */
static void cmyk_to_rgb(const uint8_t *src, int64_t n, uint8_t *dst)
{
    for (int64_t i = 0; i < n; i++, src += 4, dst += 3) {
        unsigned k = src[3];
        dst[0] = (uint8_t)((src[0] * k + 127) / 255);
        dst[1] = (uint8_t)((src[1] * k + 127) / 255);
        dst[2] = (uint8_t)((src[2] * k + 127) / 255);
    }
}

/* ITU-R 601-2 luma, PIL's convert('L'): (19595 R + 38470 G + 7471 B + 2^15) >> 16 */
static void cmyk_to_gray(const uint8_t *src, int64_t n, uint8_t *dst)
{
    for (int64_t i = 0; i < n; i++, src += 4) {
        uint8_t rgb[3];
        cmyk_to_rgb(src, 1, rgb);
        dst[i] = (uint8_t)((19595u * rgb[0] + 38470u * rgb[1] + 7471u * rgb[2] + 32768u) >> 16);
    }
}

dc_status dc_jpeg_decode(dc_jpeg *j, const uint8_t *buf, size_t n, int channels, int min_w,
                         int min_h, dc_buffer *pixels, dc_image *out)
{
    DC_CHECK(channels == 1 || channels == 3, DC_ERR_ARG,
             "jpeg decode: channels must be 1 or 3, got %d", channels);
    dc_jpeg_info info;
    int cs;
    DC_TRY(read_header(j, buf, n, &info.width, &info.height, &cs));
    if (j->dec) tjDestroy(j->dec);
    j->dec = NULL;
    DC_TRY(decoder(&j->dec));
    int w, h;
    dc_jpeg_scaled_size(&info, min_w, min_h, &w, &h);
    DC_TRY(dc_image_alloc(out, pixels, w, h, channels));
    int cmyk = cs == TJCS_CMYK || cs == TJCS_YCCK;
    int flags = TJFLAG_STOPONWARNING | TJFLAG_LIMITSCANS;
    int rc;
    if (cmyk) {
        DC_TRY(dc_buffer_reserve(&j->cmyk, (size_t)w * (size_t)h * 4));
        rc = tjDecompress2(j->dec, buf, (unsigned long)n, j->cmyk.data, w, w * 4, h, TJPF_CMYK,
                           flags);
    } else {
        rc = tjDecompress2(j->dec, buf, (unsigned long)n, out->data, w, (int)out->stride, h,
                           channels == 1 ? TJPF_GRAY : TJPF_RGB, flags);
    }
    if (rc != 0) {
        dc_fail(DC_ERR_FORMAT, "corrupt JPEG data (%s)", tjGetErrorStr2(j->dec));
        return drop(&j->dec);
    }
    if (cmyk) {
        if (channels == 3) cmyk_to_rgb(j->cmyk.data, (int64_t)w * h, out->data);
        else cmyk_to_gray(j->cmyk.data, (int64_t)w * h, out->data);
    }
    return DC_OK;
}

dc_status dc_jpeg_encode(dc_jpeg *j, const dc_image *im, int quality, int progressive,
                         const uint8_t **data, size_t *size)
{
    DC_CHECK(im->c == 1 || im->c == 3, DC_ERR_ARG,
             "jpeg encode: images have 1 or 3 channels, got %d", im->c);
    DC_CHECK(quality >= 1 && quality <= 100, DC_ERR_ARG,
             "jpeg encode: quality must be in 1..100, got %d", quality);
    DC_CHECK(im->w > 0 && im->h > 0 && im->w <= 65535 && im->h <= 65535, DC_ERR_ARG,
             "jpeg encode: %d x %d is not a JPEG size (1..65535)", im->w, im->h);
    if (j->enc && j->enc_progressive != !!progressive) {
        tjDestroy(j->enc);
        j->enc = NULL;
    }
    if (!j->enc) j->enc = tjInitCompress();
    j->enc_progressive = !!progressive;
    DC_CHECK(j->enc, DC_ERR_NOMEM, "jpeg: cannot create a TurboJPEG encoder: %s",
             tjGetErrorStr2(NULL));
    int subsamp = im->c == 1 ? TJSAMP_GRAY : TJSAMP_420;
    unsigned long need = tjBufSize(im->w, im->h, subsamp);
    if (need > j->out_cap) {
        tjFree(j->out);
        j->out_cap = 0;
        DC_CHECK(need <= (unsigned long)INT32_MAX, DC_ERR_NOMEM, "jpeg encode: image too large");
        j->out = tjAlloc((int)need);
        DC_CHECK(j->out, DC_ERR_NOMEM, "jpeg encode: out of memory (%lu bytes)", need);
        j->out_cap = need;
    }
    unsigned long len = j->out_cap;
    int flags = TJFLAG_NOREALLOC | (progressive ? TJFLAG_PROGRESSIVE : 0);
    if (tjCompress2(j->enc, im->data, im->w, (int)im->stride, im->h,
                    im->c == 1 ? TJPF_GRAY : TJPF_RGB, &j->out, &len, subsamp, quality,
                    flags) != 0) {
        dc_fail(DC_ERR_FORMAT, "jpeg encode failed (%s)", tjGetErrorStr2(j->enc));
        return drop(&j->enc);
    }
    *data = j->out;
    *size = len;
    return DC_OK;
}

/* ---- files ---- */

dc_status dc_jpeg_load(const char *path, int channels, dc_tensor *out)
{
    DC_CHECK(channels == 1 || channels == 3, DC_ERR_ARG,
             "image load: channels must be 1 or 3, got %d", channels);
    dc_jpeg *j = NULL;
    dc_buffer file = {0}, pixels = {0};
    dc_image im;
    dc_status s = dc_jpeg_new(&j);
    if (s == DC_OK) s = dc_file_read(path, &file);
    if (s == DC_OK) {
        s = dc_jpeg_decode(j, file.data, file.size, channels, 0, 0, &pixels, &im);
        if (s != DC_OK) dc_fail_prefix(s, path);
    }
    if (s == DC_OK) {
        int64_t shape[3] = {im.c, im.h, im.w};
        s = dc_tensor_ensure(out, DC_F32, 3, shape, "image load: out");
    }
    if (s == DC_OK) {
        float lut[4][256];
        for (int ch = 0; ch < 4; ch++)
            for (int v = 0; v < 256; v++) lut[ch][v] = v / 255.0f;
        dc_image_to_float(&im, (const float(*)[256])lut, dc_tensor_data(out));
    }
    dc_buffer_free(&file);
    dc_buffer_free(&pixels);
    dc_jpeg_free(j);
    return s;
}

dc_status dc_jpeg_save(const dc_tensor *t, const char *path, int quality)
{
    dc_jpeg *j = NULL;
    dc_buffer pixels = {0};
    dc_image im;
    const uint8_t *data;
    size_t n;
    dc_status s = dc_image_from_picture(t, &pixels, &im);
    if (s == DC_OK) s = dc_jpeg_new(&j);
    if (s == DC_OK) s = dc_jpeg_encode(j, &im, quality, 0, &data, &n);
    if (s == DC_OK) s = dc_file_write(path, data, n);
    dc_buffer_free(&pixels);
    dc_jpeg_free(j);
    return s;
}
