/* Samples of a dataset: load (tensor row or JPEG file), transform; and JPEG export. */
#include "dataset.h"

#include <stdio.h>
#include <string.h>

dc_dataset dc_dataset_empty(void)
{
    dc_dataset ds;
    memset(&ds, 0, sizeof ds);
    ds.channels = 3;
    return ds;
}

dc_status dc_dataset_check(const dc_dataset *ds, int64_t *n, int shape[3])
{
    char b[128];
    const dc_tensor *im = &ds->images;
    DC_CHECK((im->storage != NULL) != (ds->files != NULL), DC_ERR_ARG,
             "dataset: needs exactly one source, an image tensor or a file list");
    int64_t rows;
    if (im->storage) {
        int ok = im->dtype == DC_U8 &&
                 (im->ndim == 3 || (im->ndim == 4 && (im->shape[1] == 1 || im->shape[1] == 3)));
        DC_CHECK(ok, DC_ERR_SHAPE, "dataset: images must be uint8 [N, C, H, W] with C = 1 or 3, "
                 "or [N, H, W]; got %s", dc_tensor_describe(im, b, sizeof b));
        int k = im->ndim - 2;
        DC_CHECK(im->shape[k] > 0 && im->shape[k + 1] > 0 && im->shape[k] <= 65535 &&
                     im->shape[k + 1] <= 65535,
                 DC_ERR_SHAPE, "dataset: image size of %s is empty or above 65535",
                 dc_tensor_describe(im, b, sizeof b));
        rows = im->shape[0];
        shape[0] = im->ndim == 4 ? (int)im->shape[1] : 1;
        shape[1] = (int)im->shape[k];
        shape[2] = (int)im->shape[k + 1];
    } else {
        DC_CHECK(ds->channels == 1 || ds->channels == 3, DC_ERR_ARG,
                 "dataset: files decode to 1 or 3 channels, not %d", ds->channels);
        rows = ds->files->n;
        shape[0] = ds->channels;
        shape[1] = shape[2] = -1;
    }
    if (ds->labels.storage) {
        const dc_tensor *l = &ds->labels;
        DC_CHECK(l->dtype == DC_I64 && l->ndim == 1 && l->shape[0] == rows, DC_ERR_SHAPE,
                 "dataset: labels must be int64 [%lld], got %s", (long long)rows,
                 dc_tensor_describe(l, b, sizeof b));
    }
    *n = rows;
    if (ds->index.storage) {
        const dc_tensor *ix = &ds->index;
        DC_CHECK(ix->dtype == DC_I64 && ix->ndim == 1, DC_ERR_SHAPE,
                 "dataset: the subset index must be int64 [n], got %s",
                 dc_tensor_describe(ix, b, sizeof b));
        const int64_t *d = dc_tensor_data(ix);
        for (int64_t i = 0; i < ix->shape[0]; i++) {
            int64_t v = d[i * ix->stride[0]];
            DC_CHECK(v >= ds->base && v < ds->base + rows, DC_ERR_INDEX,
                     "dataset: subset index %lld at position %lld is out of range %lld..%lld",
                     (long long)v, (long long)(i + ds->base), (long long)ds->base,
                     (long long)(ds->base + rows - 1));
        }
        *n = ix->shape[0];
    }
    return DC_OK;
}

int64_t dc_dataset_row(const dc_dataset *ds, int64_t pos)
{
    if (!ds->index.storage) return pos;
    const int64_t *d = dc_tensor_data(&ds->index);
    return d[pos * ds->index.stride[0]] - ds->base;
}

dc_status dc_data_ctx_init(dc_data_ctx *ctx)
{
    memset(ctx, 0, sizeof *ctx);
    return dc_jpeg_new(&ctx->jpeg);
}

void dc_data_ctx_free(dc_data_ctx *ctx)
{
    dc_jpeg_free(ctx->jpeg);
    dc_buffer_free(&ctx->file);
    dc_buffer_free(&ctx->pixels);
    dc_tf_scratch_free(&ctx->tf);
    memset(ctx, 0, sizeof *ctx);
}

/* The smallest decode size that plan can use (its full size when op[0] is not planned). */
static void plan_min(const dc_tf_plan *plan, int *mw, int *mh)
{
    *mw = plan->planned ? plan->min_w : plan->src_w;
    *mh = plan->planned ? plan->min_h : plan->src_h;
}

/* Loads the raw picture of pos once for the nv transforms t[v], planning each on its full
 * size first (drawing from rng[v]) so a JPEG decodes at the smallest DCT scale all can use,
 * and only the union of the regions they read. */
static dc_status load(const dc_dataset *ds, int64_t pos, const dc_transform *t, int nv,
                      dc_rng *rng, dc_data_ctx *ctx, dc_tf_plan *plan, dc_image *img,
                      int *writable)
{
    int64_t row = dc_dataset_row(ds, pos);
    if (ds->files) {
        const char *path = ds->files->path[row];
        DC_TRY(dc_file_read(path, &ctx->file));
        dc_jpeg_info info;
        dc_status s = dc_jpeg_info_read(ctx->jpeg, ctx->file.data, ctx->file.size, &info);
        if (s != DC_OK) return dc_fail_prefix(s, path);
        int min_w = 0, min_h = 0, full_w, full_h, region[4], at[2];
        for (int v = 0; v < nv; v++) {
            int mw, mh;
            dc_transform_plan(&t[v], info.width, info.height, &rng[v], &plan[v]);
            plan_min(&plan[v], &mw, &mh);
            if (mw > min_w) min_w = mw;
            if (mh > min_h) min_h = mh;
        }
        dc_jpeg_scaled_size(&info, min_w, min_h, &full_w, &full_h);
        for (int v = 0; v < nv; v++) {
            int r[4];
            plan[v].full_w = full_w;
            plan[v].full_h = full_h;
            dc_transform_region(&t[v], &plan[v], full_w, full_h, r);
            for (int k = 0; k < 2; k++) {
                if (v == 0 || r[k] < region[k]) region[k] = r[k];
                if (v == 0 || r[k + 2] > region[k + 2]) region[k + 2] = r[k + 2];
            }
        }
        s = dc_jpeg_decode_region(ctx->jpeg, ctx->file.data, ctx->file.size, ds->channels,
                                  min_w, min_h, region, &ctx->pixels, img, at);
        if (s != DC_OK) return dc_fail_prefix(s, path);
        for (int v = 0; v < nv; v++) {
            plan[v].at_x = at[0];
            plan[v].at_y = at[1];
        }
        *writable = 1;
        return DC_OK;
    }
    /* a header-only view of row `row` (no reference taken: it lives only for this call) */
    dc_tensor v = ds->images;
    v.offset += row * v.stride[0];
    v.ndim--;
    memmove(v.shape, v.shape + 1, sizeof(int64_t) * (size_t)v.ndim);
    memmove(v.stride, v.stride + 1, sizeof(int64_t) * (size_t)v.ndim);
    DC_TRY(dc_image_from_tensor(&v, &ctx->pixels, img));
    *writable = img->data == ctx->pixels.data;
    for (int k = 0; k < nv; k++) dc_transform_plan(&t[k], img->w, img->h, &rng[k], &plan[k]);
    return DC_OK;
}

static dc_status name_failure(const dc_dataset *ds, int64_t pos, dc_status s)
{
    if (ds->files) return dc_fail_prefix(s, ds->files->path[dc_dataset_row(ds, pos)]);
    char where[64];
    snprintf(where, sizeof where, "sample %lld", (long long)(pos + ds->base));
    return dc_fail_prefix(s, where);
}

/* Sample pos run through t with rng (dc_transform_run's result and lut). */
static dc_status sample(const dc_dataset *ds, int64_t pos, const dc_transform *t, dc_rng *rng,
                        dc_data_ctx *ctx, dc_image *result, float (*lut)[256])
{
    dc_tf_plan plan;
    dc_image img;
    int writable;
    DC_TRY(load(ds, pos, t, 1, rng, ctx, &plan, &img, &writable));
    dc_status s = dc_transform_run(t, &plan, &img, writable, rng, &ctx->tf, result, lut);
    return s == DC_OK ? DC_OK : name_failure(ds, pos, s);
}

int64_t dc_dataset_label(const dc_dataset *ds, int64_t pos)
{
    const int64_t *lab = dc_tensor_data(&ds->labels);
    return lab[dc_dataset_row(ds, pos) * ds->labels.stride[0]];
}

/* The transformed image im (lut: its float values) into x, allocated when empty, and t's
 * float stage with rng (RandomErasing). */
static dc_status to_float(const dc_dataset *ds, int64_t pos, const dc_transform *t, dc_rng *rng,
                          const dc_image *im, const float (*lut)[256], dc_tensor *x)
{
    int64_t shape[3] = {im->c, im->h, im->w};
    if (!x->storage) {
        DC_TRY(dc_tensor_alloc(x, DC_F32, 3, shape));
    } else {
        char b[128];
        bool fits = x->dtype == DC_F32 && x->ndim == 3 && dc_tensor_is_contiguous(x);
        for (int d = 0; fits && d < 3; d++) fits = x->shape[d] == shape[d];
        DC_CHECK(fits, DC_ERR_SHAPE, "sample %lld became a %d x %d x %d image but its place "
                 "is %s", (long long)(pos + ds->base), im->c, im->h, im->w,
                 dc_tensor_describe(x, b, sizeof b));
    }
    dc_image_to_float(im, lut, dc_tensor_data(x));
    dc_transform_erase(t, rng, im->c, im->h, im->w, dc_tensor_data(x));
    return DC_OK;
}

dc_status dc_dataset_get(const dc_dataset *ds, int64_t pos, const dc_transform *t, dc_rng *rng,
                         dc_data_ctx *ctx, dc_tensor *x, int64_t *label)
{
    dc_transform none = {0};
    if (!t) t = &none;
    dc_image im;
    float lut[4][256];
    DC_TRY(sample(ds, pos, t, rng, ctx, &im, lut));
    DC_TRY(to_float(ds, pos, t, rng, &im, (const float(*)[256])lut, x));
    if (label && ds->labels.storage) *label = dc_dataset_label(ds, pos);
    return DC_OK;
}

dc_status dc_dataset_views(const dc_dataset *ds, int64_t pos, const dc_transform *views,
                           int nviews, const dc_rng *rng, dc_data_ctx *ctx, dc_tensor *xs,
                           int64_t *label)
{
    DC_CHECK(nviews >= 1 && nviews <= DC_VIEWS_MAX, DC_ERR_ARG,
             "views: 1 to %d views, got %d", DC_VIEWS_MAX, nviews);
    dc_rng r[DC_VIEWS_MAX];
    dc_tf_plan plan[DC_VIEWS_MAX];
    for (int v = 0; v < nviews; v++) r[v] = dc_rng_split(rng, (uint64_t)v);
    dc_image img;
    int writable;
    DC_TRY(load(ds, pos, views, nviews, r, ctx, plan, &img, &writable));
    for (int v = 0; v < nviews; v++) {
        dc_image im;
        float lut[4][256];
        /* the decoded picture is shared: only the last view may change it */
        dc_status s = dc_transform_run(&views[v], &plan[v], &img, writable && v == nviews - 1,
                                       &r[v], &ctx->tf, &im, lut);
        if (s != DC_OK) return name_failure(ds, pos, s);
        DC_TRY(to_float(ds, pos, &views[v], &r[v], &im, (const float(*)[256])lut, &xs[v]));
    }
    if (label && ds->labels.storage) *label = dc_dataset_label(ds, pos);
    return DC_OK;
}

dc_status dc_dataset_image(const dc_dataset *ds, int64_t pos, dc_data_ctx *ctx, dc_tensor *out)
{
    dc_transform none = {0};
    dc_rng rng = dc_rng_for(0, 0, 0);
    dc_tf_plan plan;
    dc_image img;
    int writable;
    DC_TRY(load(ds, pos, &none, 1, &rng, ctx, &plan, &img, &writable));
    return dc_image_to_tensor(&img, out);
}

/* ---- export ---- */

dc_status dc_export_jpeg(const dc_dataset *ds, const dc_export_cfg *cfg, int64_t *written)
{
    int64_t n;
    int shape[3];
    *written = 0;
    DC_TRY(dc_dataset_check(ds, &n, shape));
    dc_transform none = {0};
    const dc_transform *t = cfg->transform ? cfg->transform : &none;
    int out[3];
    DC_TRY(dc_transform_shape(t, shape[0], shape[1], shape[2], out));
    for (int i = 0; i < t->n; i++)
        DC_CHECK(dc_tf_is_pixel_op(t->op[i].kind), DC_ERR_ARG,
                 "export_jpeg: transform %d (%s) is not a pixel op", i + 1,
                 dc_tf_name(t->op[i].kind));
    DC_CHECK(cfg->quality >= 1 && cfg->quality <= 100, DC_ERR_ARG,
             "export_jpeg: quality must be in 1..100, got %d", cfg->quality);
    int labelled = cfg->class_dirs != NULL;
    DC_CHECK(!labelled || ds->labels.storage, DC_ERR_ARG,
             "export_jpeg: class folders given for a dataset without labels");
    char path[4096];
    DC_TRY(dc_mkdirs(cfg->dir));
    for (int c = 0; labelled && c < cfg->nclasses; c++) {
        DC_CHECK(cfg->class_dirs[c][0] && !strchr(cfg->class_dirs[c], '/'), DC_ERR_ARG,
                 "export_jpeg: class folder name '%s' is empty or has a '/'", cfg->class_dirs[c]);
        int k = snprintf(path, sizeof path, "%s/%s", cfg->dir, cfg->class_dirs[c]);
        DC_CHECK(k > 0 && k < (int)sizeof path, DC_ERR_ARG, "export_jpeg: path too long");
        DC_TRY(dc_mkdirs(path));
    }
    int width = 1;
    for (int64_t v = n; v >= 10; v /= 10) width++;
    dc_data_ctx ctx;
    DC_TRY(dc_data_ctx_init(&ctx));
    dc_status s = DC_OK;
    float lut[4][256];
    for (int64_t pos = 0; pos < n && s == DC_OK; pos++) {
        dc_rng rng = dc_rng_for(0, 0, (uint64_t)pos);
        dc_image im;
        s = sample(ds, pos, t, &rng, &ctx, &im, lut);
        if (s != DC_OK) break;
        const char *sub = "";
        if (labelled) {
            int64_t c = dc_dataset_label(ds, pos) - cfg->label_base;
            if (c < 0 || c >= cfg->nclasses) {
                s = dc_fail(DC_ERR_INDEX, "export_jpeg: sample %lld has label %lld, outside "
                            "the %d classes", (long long)(pos + ds->base),
                            (long long)(c + cfg->label_base), cfg->nclasses);
                break;
            }
            sub = cfg->class_dirs[c];
        }
        int k = snprintf(path, sizeof path, "%s/%s%s%0*lld.jpg", cfg->dir, sub, *sub ? "/" : "",
                         width, (long long)(pos + 1));
        if (k <= 0 || k >= (int)sizeof path) {
            s = dc_fail(DC_ERR_ARG, "export_jpeg: path too long");
            break;
        }
        const uint8_t *data;
        size_t size;
        s = dc_jpeg_encode(ctx.jpeg, &im, cfg->quality, 0, &data, &size);
        if (s == DC_OK) s = dc_file_write(path, data, size);
        if (s == DC_OK) ++*written;
    }
    dc_data_ctx_free(&ctx);
    return s;
}
