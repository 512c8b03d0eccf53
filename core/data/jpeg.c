/* JPEG codec: decode (header, DCT scaling, region, gray/RGB/CMYK sources) through the libjpeg
 * API of libjpeg-turbo, encode through TurboJPEG 2.x. */
#include "jpeg.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <turbojpeg.h>

/* Pictures above this many pixels are refused before anything is allocated: a corrupt or
 * hostile header could otherwise ask for gigabytes (libjpeg's own buffers for a progressive
 * file, or the output of a full decode, grow with the header's size whatever region is
 * decoded). PIL refuses the same: twice its MAX_IMAGE_PIXELS of 89478485. */
#define MAX_PIXELS ((int64_t)2 * 89478485)

/* TurboJPEG's TJFLAG_LIMITSCANS: a progressive file can have any number of scans, each a
 * pass over the whole coefficient buffer, so a small hostile file could take minutes. */
#define MAX_SCANS 500

/* libjpeg's errors and, as errors too, its warnings (truncated or corrupt data): the decode
 * jumps back to the setjmp in decode() with the message in msg. */
typedef struct jerr {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    char msg[JMSG_LENGTH_MAX];
} jerr;

/* One decompressor is made for every picture and destroyed after it: libjpeg keeps the
 * Huffman and quantisation tables of the files it decoded, and a file that lacks some
 * (Motion-JPEG frames rely on the standard Huffman tables) would decode with the previous
 * file's, so a sample would depend on what its worker read before. Creating one costs
 * nothing measurable next to a decode. The encoder is TurboJPEG's, remade when the mode
 * changes: a baseline encode after a progressive one on the same handle writes Huffman codes
 * that do not match its tables. */
struct dc_jpeg {
    struct jpeg_decompress_struct d;
    struct jpeg_progress_mgr progress;
    jerr err;
    dc_buffer rows;         /* decoded rows before trimming or CMYK conversion */
    tjhandle enc;           /* created on first use */
    int enc_progressive;    /* mode of enc's last encode */
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
    if (j->enc) tjDestroy(j->enc);
    dc_buffer_free(&j->rows);
    tjFree(j->out);
    free(j);
}

static void fail_exit(j_common_ptr c)
{
    jerr *e = (jerr *)c->err;
    c->err->format_message(c, e->msg);
    longjmp(e->jump, 1);
}

static void warn_exit(j_common_ptr c, int level)
{
    if (level < 0) fail_exit(c); /* a warning; levels >= 0 are trace messages */
}

static void count_scans(j_common_ptr c)
{
    j_decompress_ptr d = (j_decompress_ptr)c;
    if (d->progressive_mode && d->input_scan_number > MAX_SCANS) {
        jerr *e = (jerr *)c->err;
        snprintf(e->msg, sizeof e->msg, "progressive JPEG with more than %d scans", MAX_SCANS);
        longjmp(e->jump, 1);
    }
}

/* Checks the first bytes, then starts a fresh decompressor on buf and reads the header.
 * Must be called inside decode()'s setjmp. */
static dc_status start(dc_jpeg *j, const uint8_t *buf, size_t n)
{
    DC_CHECK(n > 0, DC_ERR_FORMAT, "empty file (0 bytes), not a JPEG");
    DC_CHECK(n >= 4 && buf[0] == 0xFF && buf[1] == 0xD8, DC_ERR_FORMAT,
             "not a JPEG file (starts with 0x%02x 0x%02x)", buf[0], n > 1 ? buf[1] : 0);
    DC_CHECK(n <= (size_t)(unsigned long)-1, DC_ERR_FORMAT, "file too large");
    struct jpeg_decompress_struct *d = &j->d;
    jpeg_create_decompress(d);
    jpeg_mem_src(d, buf, (unsigned long)n);
    j->progress.progress_monitor = count_scans;
    d->progress = &j->progress;
    jpeg_read_header(d, TRUE);
    int w = (int)d->image_width, h = (int)d->image_height;
    DC_CHECK((int64_t)w * h <= MAX_PIXELS, DC_ERR_FORMAT,
             "JPEG of %d x %d pixels refused (more than %lld pixels)", w, h,
             (long long)MAX_PIXELS);
    J_COLOR_SPACE cs = d->jpeg_color_space;
    DC_CHECK(cs == JCS_GRAYSCALE || cs == JCS_YCbCr || cs == JCS_RGB || cs == JCS_CMYK ||
                 cs == JCS_YCCK,
             DC_ERR_FORMAT, "JPEG with %d components in an unknown colour space",
             d->num_components);
    return DC_OK;
}

static void fill_info(const struct jpeg_decompress_struct *d, dc_jpeg_info *info)
{
    J_COLOR_SPACE cs = d->jpeg_color_space;
    info->width = (int)d->image_width;
    info->height = (int)d->image_height;
    info->components = cs == JCS_GRAYSCALE ? 1 : cs == JCS_CMYK || cs == JCS_YCCK ? 4 : 3;
}

/* The denominator k of the DCT scale 1/k dc_jpeg_scaled_size picks. Only 1/2, 1/4 and 1/8
 * have SIMD inverse DCTs in libjpeg-turbo: 3/8 and 5/8 to 7/8 measured slower than a full
 * decode, so the others are not used. */
static int scale_denom(const dc_jpeg_info *info, int min_w, int min_h)
{
    if (min_w <= 0 && min_h <= 0) return 1;
    for (int k = 8; k >= 2; k /= 2)
        if ((info->width + k - 1) / k >= min_w && (info->height + k - 1) / k >= min_h) return k;
    return 1;
}

void dc_jpeg_scaled_size(const dc_jpeg_info *info, int min_w, int min_h, int *w, int *h)
{
    int k = scale_denom(info, min_w, min_h);
    *w = (info->width + k - 1) / k;
    *h = (info->height + k - 1) / k;
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

/* What decode() is asked for and what it gives. */
typedef struct request {
    int channels, min_w, min_h;
    const int *region;      /* x0, y0, x1, y1 in the scaled picture, or NULL: all of it */
    dc_buffer *pixels;
    dc_image *out;
    int *at;                /* where out starts in the scaled picture, or NULL */
    dc_jpeg_info *info;     /* header only, when not NULL */
} request;

/* The decode proper, inside decode()'s setjmp.
 *
 * Region: jpeg_crop_scanline widens the columns to iMCU boundaries, and fancy upsampling
 * (of 4:2:0 / 4:2:2 chroma) then sees a cut edge where the full picture had a neighbour, so
 * the first and last decoded columns can differ from a full decode (measured: only those).
 * One more column is asked for on each side and that edge column is dropped, unless it is
 * the picture's own edge, so every pixel given is the full decode's. Progressive files keep
 * all their columns: when their scans leave coefficients incomplete, libjpeg smooths each
 * block with its neighbours', and a cropped decode smooths differently across the whole
 * region (found by the fuzzer; tests/fuzz/regressions/jpeg/progressive-smoothing-crop).
 * Rows are exact: jpeg_skip_scanlines keeps the upsampler's context rows. The rows below the
 * region are skipped too (entropy-decoded without IDCT or colour conversion) and the stream
 * is finished, so corrupt or truncated data anywhere in the file is still an error, as with
 * a full decode. That costs about 10% of the region decode's time over stopping after the
 * region (measured on the benchmark photos), the price of never training on a broken file. */
static dc_status run(dc_jpeg *j, const uint8_t *buf, size_t n, const request *r)
{
    struct jpeg_decompress_struct *d = &j->d;
    DC_TRY(start(j, buf, n));
    dc_jpeg_info info;
    fill_info(d, &info);
    if (r->info) {
        *r->info = info;
        return DC_OK;
    }
    int W, H;
    dc_jpeg_scaled_size(&info, r->min_w, r->min_h, &W, &H);
    d->scale_num = 1;
    d->scale_denom = (unsigned)scale_denom(&info, r->min_w, r->min_h);
    int cmyk = info.components == 4;
    d->out_color_space = cmyk ? JCS_CMYK : r->channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    int x0 = 0, y0 = 0, x1 = W, y1 = H;
    if (r->region) {
        x0 = r->region[0] > 0 ? r->region[0] : 0;
        y0 = r->region[1] > 0 ? r->region[1] : 0;
        x1 = r->region[2] < W ? r->region[2] : W;
        y1 = r->region[3] < H ? r->region[3] : H;
        DC_CHECK(x0 < x1 && y0 < y1, DC_ERR_ARG,
                 "jpeg decode: region (%d, %d, %d, %d) outside the %d x %d picture",
                 r->region[0], r->region[1], r->region[2], r->region[3], W, H);
    }
    jpeg_start_decompress(d);
    DC_CHECK((int)d->output_width == W && (int)d->output_height == H, DC_ERR_FORMAT,
             "jpeg decode: libjpeg scaled %d x %d to %u x %u, not %d x %d", info.width,
             info.height, d->output_width, d->output_height, W, H);
    JDIMENSION cx = 0, cw = (JDIMENSION)W;
    if ((x0 > 0 || x1 < W) && !d->progressive_mode) {
        cx = (JDIMENSION)(x0 > 0 ? x0 - 1 : 0);
        cw = (JDIMENSION)(x1 < W ? x1 + 1 : W) - cx;
        jpeg_crop_scanline(d, &cx, &cw);
    }
    int trim0 = cx > 0, trim1 = (int)(cx + cw) < W;
    int ch = cmyk ? 4 : r->channels;
    size_t row_bytes = (size_t)cw * (size_t)ch;
    if (y0 > 0) jpeg_skip_scanlines(d, (JDIMENSION)y0);
    /* one row more than the region when rows remain: see below */
    int rows = y1 - y0, spare = y1 < H;
    dc_image raw;
    DC_TRY(dc_image_alloc(&raw, cmyk ? &j->rows : r->pixels, (int)cw, rows + spare, ch));
    while ((int)d->output_scanline < y1) {
        JSAMPROW row = raw.data + (size_t)((int)d->output_scanline - y0) * row_bytes;
        jpeg_read_scanlines(d, &row, 1);
    }
    /* Skipping to the very end would mark the input finished without reading it, so the
     * skip stops one row short and that row is decoded into the spare one. */
    if (spare) {
        if ((int)d->output_scanline < H - 1)
            jpeg_skip_scanlines(d, (JDIMENSION)(H - 1) - d->output_scanline);
        JSAMPROW row = raw.data + (size_t)rows * row_bytes;
        jpeg_read_scanlines(d, &row, 1);
    }
    jpeg_finish_decompress(d);
    *r->out = dc_image_view(&raw, trim0, 0, (int)cw - trim0 - trim1, rows);
    if (cmyk) {
        dc_image rgb;
        const dc_image *src = r->out;
        DC_TRY(dc_image_alloc(&rgb, r->pixels, src->w, src->h, r->channels));
        for (int y = 0; y < src->h; y++) {
            const uint8_t *in = src->data + (int64_t)y * src->stride;
            uint8_t *o = rgb.data + (int64_t)y * rgb.stride;
            if (r->channels == 3) cmyk_to_rgb(in, src->w, o);
            else cmyk_to_gray(in, src->w, o);
        }
        *r->out = rgb;
    }
    if (r->at) {
        r->at[0] = (int)cx + trim0;
        r->at[1] = y0;
    }
    return DC_OK;
}

/* run() under the error manager: libjpeg's errors and warnings become DC_ERR_FORMAT with
 * its message, and the decompressor is destroyed on every path. Only j (not modified after
 * setjmp) is read after a longjmp. */
static dc_status decode(dc_jpeg *j, const uint8_t *buf, size_t n, const request *r)
{
    memset(&j->d, 0, sizeof j->d);
    j->d.err = jpeg_std_error(&j->err.pub);
    j->err.pub.error_exit = fail_exit;
    j->err.pub.emit_message = warn_exit;
    if (setjmp(j->err.jump)) {
        jpeg_destroy_decompress(&j->d);
        return dc_fail(DC_ERR_FORMAT, "corrupt JPEG data (%s)", j->err.msg);
    }
    dc_status s = run(j, buf, n, r);
    jpeg_destroy_decompress(&j->d);
    return s;
}

dc_status dc_jpeg_info_read(dc_jpeg *j, const uint8_t *buf, size_t n, dc_jpeg_info *info)
{
    request r = {.info = info};
    return decode(j, buf, n, &r);
}

dc_status dc_jpeg_decode_region(dc_jpeg *j, const uint8_t *buf, size_t n, int channels,
                                int min_w, int min_h, const int region[4], dc_buffer *pixels,
                                dc_image *out, int at[2])
{
    DC_CHECK(channels == 1 || channels == 3, DC_ERR_ARG,
             "jpeg decode: channels must be 1 or 3, got %d", channels);
    request r = {channels, min_w, min_h, region, pixels, out, at, NULL};
    return decode(j, buf, n, &r);
}

dc_status dc_jpeg_decode(dc_jpeg *j, const uint8_t *buf, size_t n, int channels, int min_w,
                         int min_h, dc_buffer *pixels, dc_image *out)
{
    return dc_jpeg_decode_region(j, buf, n, channels, min_w, min_h, NULL, pixels, out, NULL);
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
        /* the handle can be left mid-stream: remade on next use */
        tjDestroy(j->enc);
        j->enc = NULL;
        return DC_ERR_FORMAT;
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
