/* The threaded loader: same batches for 1, 2 and 3 threads, values against the source,
 * orders with repeats, partial and dropped last batches, corrupt files under both policies,
 * and no thread or engine byte left behind; dc_dataset_get gives the loader's samples. */
#include "data/loader.h"
#include "data_util.h"
#include "tiny_test.h"

#define N 103

static dc_dataset tensor_ds(void)
{
    dc_dataset ds = dc_dataset_empty();
    int64_t shape[4] = {N, 1, 12, 10}, n = N;
    dc_tensor_alloc(&ds.images, DC_U8, 4, shape);
    dc_tensor_alloc(&ds.labels, DC_I64, 1, &n);
    uint8_t *p = dc_tensor_data(&ds.images);
    for (int64_t i = 0; i < N * 120; i++) p[i] = (uint8_t)((i * 2654435761u) >> 13);
    for (int64_t i = 0; i < N; i++) ((int64_t *)dc_tensor_data(&ds.labels))[i] = i % 7 + 1;
    ds.base = 1;
    return ds;
}

static void release_ds(dc_dataset *ds)
{
    dc_tensor_release(&ds->images);
    dc_tensor_release(&ds->labels);
    dc_tensor_release(&ds->index);
}

/* order = a fixed pseudo-random sequence of 1-based positions with repeats */
static dc_tensor make_order(int64_t m)
{
    dc_tensor o = dc_tensor_empty();
    dc_tensor_alloc(&o, DC_I64, 1, &m);
    int64_t *d = dc_tensor_data(&o);
    for (int64_t i = 0; i < m; i++) d[i] = (i * 37 + i / 3) % N + 1;
    return o;
}

static dc_transform augment(void)
{
    dc_transform t = {0};
    dc_tf_init(&t.op[0], DC_TF_RANDOM_CROP);
    t.op[0].h = 12, t.op[0].w = 10, t.op[0].pad = 2;
    dc_tf_init(&t.op[1], DC_TF_HFLIP);
    dc_tf_init(&t.op[2], DC_TF_NORMALIZE);
    t.op[2].mean[0] = 0.3f, t.op[2].std[0] = 0.2f;
    t.n = 3;
    return t;
}

/* All batches of a pass, concatenated (x values, labels, ids). */
typedef struct pass { float *x; int64_t *y, *idx, n, nbatches; } pass;

static pass run_pass(const dc_dataset *ds, const dc_transform *t, const dc_tensor *order,
                     dc_loader_cfg cfg)
{
    pass p = {0};
    dc_loader *l = NULL;
    CHECK_OK(dc_loader_new(ds, t, 0, order, &cfg, &l));
    if (!l) return p;
    int64_t cap = 1000;
    p.x = malloc(sizeof(float) * 120 * cap);
    p.y = malloc(sizeof(int64_t) * cap);
    p.idx = malloc(sizeof(int64_t) * cap);
    dc_tensor x = dc_tensor_empty(), y = dc_tensor_empty(), idx = dc_tensor_empty();
    for (;;) {
        CHECK_OK(dc_loader_next(l, &x, &y, &idx));
        if (!x.storage) break;
        int64_t b = x.shape[0];
        CHECK(x.ndim == 4 && x.shape[1] == 1 && x.shape[2] == 12 && x.shape[3] == 10);
        CHECK(b <= cfg.batch && idx.shape[0] == b && y.shape[0] == b);
        memcpy(p.x + p.n * 120, dc_tensor_data(&x), sizeof(float) * 120 * (size_t)b);
        memcpy(p.y + p.n, dc_tensor_data(&y), sizeof(int64_t) * (size_t)b);
        memcpy(p.idx + p.n, dc_tensor_data(&idx), sizeof(int64_t) * (size_t)b);
        p.n += b;
        p.nbatches++;
    }
    CHECK(dc_loader_live_threads() == 0); /* the pass ended: workers joined */
    dc_loader_free(l);
    return p;
}

static void free_pass(pass *p)
{
    free(p->x);
    free(p->y);
    free(p->idx);
}

static void test_same_batches_for_any_thread_count(void)
{
    dc_dataset ds = tensor_ds();
    dc_transform t = augment();
    dc_tensor order = make_order(250);
    dc_loader_cfg cfg;
    dc_loader_cfg_init(&cfg);
    cfg.batch = 32;
    cfg.seed = 5;
    cfg.epoch = 3;
    pass ref = run_pass(&ds, &t, &order, cfg);
    CHECK(ref.n == 250 && ref.nbatches == 8);
    for (int threads = 2; threads <= 3; threads++)
        for (int prefetch = 1; prefetch <= 3; prefetch += 2) {
            cfg.threads = threads;
            cfg.prefetch = prefetch;
            pass p = run_pass(&ds, &t, &order, cfg);
            CHECK(p.n == ref.n && memcmp(p.x, ref.x, sizeof(float) * 120 * 250) == 0 &&
                  memcmp(p.y, ref.y, sizeof(int64_t) * 250) == 0 &&
                  memcmp(p.idx, ref.idx, sizeof(int64_t) * 250) == 0);
            free_pass(&p);
        }
    /* ids and labels follow the order; another epoch draws other crops */
    const int64_t *o = dc_tensor_data(&order);
    int ok = 1;
    for (int i = 0; i < 250; i++) ok &= ref.idx[i] == o[i] && ref.y[i] == (o[i] - 1) % 7 + 1;
    CHECK(ok);
    /* dc_dataset_get (dataset:get) is the loader's own pipeline: sample s of the pass, drawn
     * from stream (seed, epoch, s), gives the same values and label */
    dc_data_ctx ctx;
    CHECK_OK(dc_data_ctx_init(&ctx));
    for (int64_t s = 0; s < 250; s += 49) {
        dc_tensor x = dc_tensor_empty();
        int64_t label = 0;
        dc_rng rng = dc_rng_for(cfg.seed, cfg.epoch, (uint64_t)s);
        CHECK_OK(dc_dataset_get(&ds, o[s] - 1, &t, &rng, &ctx, &x, &label));
        CHECK(x.ndim == 3 && memcmp(dc_tensor_data(&x), ref.x + s * 120, sizeof(float) * 120) == 0);
        CHECK(label == ref.y[s]);
        dc_tensor_release(&x);
    }
    dc_tensor small = dc_tensor_empty();
    int64_t ss[3] = {1, 10, 10};
    dc_tensor_alloc(&small, DC_F32, 3, ss);
    dc_rng rng = dc_rng_for(0, 0, 0);
    CHECK_FAILS(dc_dataset_get(&ds, 0, &t, &rng, &ctx, &small, NULL), DC_ERR_SHAPE,
                "sample 1 became a 1 x 12 x 10 image but its place is float32 [1, 10, 10]");
    dc_tensor_release(&small);
    dc_data_ctx_free(&ctx);
    cfg.epoch = 4;
    pass other = run_pass(&ds, &t, &order, cfg);
    CHECK(memcmp(other.x, ref.x, sizeof(float) * 120 * 250) != 0);
    free_pass(&other);
    free_pass(&ref);
    dc_tensor_release(&order);
    release_ds(&ds);
}

static void test_values_partial_and_drop_last(void)
{
    dc_dataset ds = tensor_ds();
    dc_loader_cfg cfg;
    dc_loader_cfg_init(&cfg);
    cfg.batch = 10;
    cfg.threads = 2;
    pass p = run_pass(&ds, NULL, NULL, cfg); /* no transform: pixel / 255, in order */
    CHECK(p.n == N && p.nbatches == 11);
    const uint8_t *src = dc_tensor_data(&ds.images);
    int ok = 1;
    for (int64_t i = 0; i < N * 120; i++) ok &= p.x[i] == src[i] / 255.0f;
    for (int64_t i = 0; i < N; i++) ok &= p.idx[i] == i + 1;
    CHECK(ok);
    free_pass(&p);
    cfg.drop_last = 1;
    p = run_pass(&ds, NULL, NULL, cfg);
    CHECK(p.n == 100 && p.nbatches == 10);
    free_pass(&p);

    /* a subset: positions map through the index; ids are subset positions */
    int64_t k = 5;
    dc_tensor_alloc(&ds.index, DC_I64, 1, &k);
    int64_t map[5] = {103, 1, 50, 50, 7};
    memcpy(dc_tensor_data(&ds.index), map, sizeof map);
    cfg.drop_last = 0;
    p = run_pass(&ds, NULL, NULL, cfg);
    CHECK(p.n == 5 && p.idx[0] == 1 && p.idx[4] == 5 && p.y[0] == (103 - 1) % 7 + 1);
    CHECK(p.x[0] == src[102 * 120] / 255.0f && p.x[120 * 4 + 5] == src[6 * 120 + 5] / 255.0f);
    free_pass(&p);
    release_ds(&ds);
}

static void test_bad_configurations(void)
{
    dc_dataset ds = tensor_ds();
    dc_loader *l = NULL;
    dc_loader_cfg cfg;
    dc_loader_cfg_init(&cfg);
    dc_tensor order = make_order(10);
    ((int64_t *)dc_tensor_data(&order))[3] = N + 1;
    CHECK_FAILS(dc_loader_new(&ds, NULL, 0, &order, &cfg, &l), DC_ERR_INDEX,
                "order[4] = 104 is outside the dataset (1..103)");
    cfg.batch = 0;
    CHECK_FAILS(dc_loader_new(&ds, NULL, 0, NULL, &cfg, &l), DC_ERR_ARG, "batch must be >= 1");
    cfg.batch = 8;
    dc_transform t = {0};
    t.n = 1;
    dc_tf_init(&t.op[0], DC_TF_RESIZE);
    t.op[0].h = 20;
    CHECK_OK(dc_loader_new(&ds, &t, 0, NULL, &cfg, &l)); /* fixed input size: fine */
    int shape[3];
    dc_loader_item_shape(l, 0, shape);
    CHECK(shape[0] == 1 && shape[1] == 24 && shape[2] == 20);
    dc_loader_free(l);
    CHECK(l != NULL);
    dc_tensor_release(&order);
    release_ds(&ds);
}

static void write_jpeg(const char *path, int seed)
{
    dc_jpeg *j;
    dc_jpeg_new(&j);
    dc_buffer b = {0};
    dc_image im;
    du_picture(&im, &b, 40 + seed, 30 + seed % 3, 3, seed);
    const uint8_t *d;
    size_t n;
    dc_jpeg_encode(j, &im, 90, 0, &d, &n);
    du_write(path, d, n);
    dc_buffer_free(&b);
    dc_jpeg_free(j);
}

static void test_files_and_corrupt_images(void)
{
    char dir[256], p[400];
    du_tempdir(dir, sizeof dir, "loader");
    for (int i = 0; i < 12; i++) {
        snprintf(p, sizeof p, "%s/%s/%02d.jpg", dir, i % 2 ? "cat" : "dog", i);
        char d2[300];
        snprintf(d2, sizeof d2, "%s/%s", dir, i % 2 ? "cat" : "dog");
        dc_mkdirs(d2);
        if (i == 5) du_write(p, "not a jpeg at all", 17);
        else write_jpeg(p, i);
    }
    dc_filelist *fl = NULL;
    CHECK_OK(dc_folder_scan(dir, DC_LAYOUT_AUTO, &fl));
    if (!fl) return;
    dc_dataset ds = dc_dataset_empty();
    ds.files = fl;
    ds.base = 1;
    CHECK_OK(dc_filelist_labels(fl, 1, &ds.labels));
    dc_transform t = {0};
    t.n = 2;
    dc_tf_init(&t.op[0], DC_TF_RANDOM_RESIZED_CROP);
    t.op[0].h = t.op[0].w = 16;
    dc_tf_init(&t.op[1], DC_TF_HFLIP);
    dc_loader_cfg cfg;
    dc_loader_cfg_init(&cfg);
    cfg.batch = 4;
    cfg.threads = 2;
    dc_loader *l = NULL;
    CHECK_OK(dc_loader_new(&ds, &t, 0, NULL, &cfg, &l));
    dc_tensor x = dc_tensor_empty(), y = dc_tensor_empty(), idx = dc_tensor_empty();
    int64_t seen = 0, batches = 0;
    for (;;) {
        CHECK_OK(dc_loader_next(l, &x, &y, &idx));
        if (!x.storage) break;
        CHECK(x.shape[1] == 3 && x.shape[2] == 16 && x.shape[3] == 16);
        const int64_t *id = dc_tensor_data(&idx), *lab = dc_tensor_data(&y);
        for (int64_t r = 0; r < x.shape[0]; r++) {
            /* "cat/05.jpg" sorts as position 3 (cat: 01 03 05 ...): never returned */
            CHECK(strstr(fl->path[id[r] - 1], "05.jpg") == NULL);
            CHECK(lab[r] == (strstr(fl->path[id[r] - 1], "/cat/") ? 1 : 2));
        }
        seen += x.shape[0];
        batches++;
    }
    const char *report;
    CHECK(seen == 11 && batches == 3 && dc_loader_skipped(l, &report) == 1);
    CHECK(strstr(report, "cat/05.jpg: not a JPEG file") != NULL);
    dc_loader_free(l);

    /* views of JPEG files: decoded once for all; a skipped file moves every view's rows up
     * (views 1 and 2 are the same centre crop), the same with 1 and 2 threads */
    dc_transform v[3] = {{0}};
    for (int k = 0; k < 2; k++) {
        v[k].n = 1;
        dc_tf_init(&v[k].op[0], DC_TF_CENTER_CROP);
        v[k].op[0].h = v[k].op[0].w = 16;
    }
    v[2] = t;
    v[2].op[0].h = v[2].op[0].w = 8;
    float *first = NULL;
    for (int threads = 1; threads <= 2; threads++) {
        cfg.threads = threads;
        CHECK_OK(dc_loader_new(&ds, v, 3, NULL, &cfg, &l));
        dc_tensor xv[3] = {dc_tensor_empty(), dc_tensor_empty(), dc_tensor_empty()};
        float *all = calloc(11 * (768 + 768 + 192), sizeof(float)), *at = all;
        int64_t n = 0;
        for (;;) {
            CHECK_OK(dc_loader_next(l, xv, &y, &idx));
            if (!xv[0].storage) break;
            int64_t b = xv[0].shape[0];
            CHECK(n + b <= 11 && xv[2].shape[0] == b && xv[2].shape[2] == 8);
            if (n + b > 11) break;
            CHECK(memcmp(dc_tensor_data(&xv[0]), dc_tensor_data(&xv[1]),
                         sizeof(float) * 768 * (size_t)b) == 0);
            for (int k = 0; k < 3; k++) {
                size_t bytes = sizeof(float) * (k < 2 ? 768 : 192) * (size_t)b;
                memcpy(at, dc_tensor_data(&xv[k]), bytes);
                at += bytes / sizeof(float);
            }
            n += b;
        }
        CHECK(n == 11 && dc_loader_skipped(l, NULL) == 1);
        if (first) CHECK(memcmp(first, all, sizeof(float) * 11 * (768 + 768 + 192)) == 0);
        free(first);
        first = all;
        for (int k = 0; k < 3; k++) dc_tensor_release(&xv[k]);
        dc_loader_free(l);
    }
    free(first);
    cfg.threads = 2;

    /* 'error' policy: the pass stops at the batch holding the file, naming it */
    cfg.on_error = DC_STOP;
    CHECK_OK(dc_loader_new(&ds, &t, 0, NULL, &cfg, &l));
    dc_status s;
    int64_t got = 0;
    while ((s = dc_loader_next(l, &x, &y, &idx)) == DC_OK && x.storage) got += x.shape[0];
    CHECK(s == DC_ERR_FORMAT && strstr(dc_last_error(), "cat/05.jpg") && got < 11);
    CHECK(dc_loader_live_threads() == 0);
    CHECK_FAILS(dc_loader_next(l, &x, &y, &idx), DC_ERR_STATE, "stopped after an error");
    CHECK_OK(dc_loader_reset(l, NULL, 1)); /* a new pass starts clean */
    CHECK_FAILS(dc_loader_next(l, &x, &y, &idx), DC_ERR_FORMAT, "cat/05.jpg");
    dc_loader_free(l);
    dc_tensor_release(&x), dc_tensor_release(&y), dc_tensor_release(&idx);
    release_ds(&ds);
    dc_filelist_free(fl);
    du_rmtree(dir);
}

static void test_early_stop_leaves_nothing(void)
{
    int64_t before = dc_mem_get().bytes;
    dc_dataset ds = tensor_ds();
    dc_transform t = augment();
    dc_tensor order = make_order(1000);
    dc_loader_cfg cfg;
    dc_loader_cfg_init(&cfg);
    cfg.batch = 16;
    cfg.threads = 3;
    cfg.prefetch = 4;
    dc_loader *l = NULL;
    CHECK_OK(dc_loader_new(&ds, &t, 0, &order, &cfg, &l));
    CHECK(dc_loader_live_threads() == 0); /* nothing starts before the first batch */
    dc_tensor x = dc_tensor_empty(), y = dc_tensor_empty(), idx = dc_tensor_empty();
    CHECK_OK(dc_loader_next(l, &x, &y, &idx));
    CHECK(x.storage && x.shape[0] == 16);
    /* reset mid-pass, then take two batches of the new pass and stop */
    CHECK_OK(dc_loader_reset(l, NULL, 9));
    CHECK(dc_loader_live_threads() == 0);
    CHECK_OK(dc_loader_next(l, &x, &y, &idx));
    CHECK_OK(dc_loader_next(l, &x, &y, &idx));
    dc_loader_free(l); /* the batch views keep their storage alive */
    CHECK(dc_loader_live_threads() == 0);
    CHECK(((int64_t *)dc_tensor_data(&idx))[0] == ((int64_t *)dc_tensor_data(&order))[16]);
    dc_tensor_release(&x), dc_tensor_release(&y), dc_tensor_release(&idx);
    dc_tensor_release(&order);
    release_ds(&ds);
    CHECK(dc_mem_get().bytes == before);
}

/* ---- multi-view (multi-crop) ---- */

#define NV 4

/* 2 large and 2 small random crops of the 12 x 10 images, flipped and normalised */
static void multicrop(dc_transform v[NV])
{
    for (int k = 0; k < NV; k++) {
        dc_transform *t = &v[k];
        memset(t, 0, sizeof *t);
        t->n = 3;
        dc_tf_init(&t->op[0], DC_TF_RANDOM_RESIZED_CROP);
        t->op[0].h = k < 2 ? 12 : 6;
        t->op[0].w = k < 2 ? 10 : 5;
        dc_tf_init(&t->op[1], DC_TF_HFLIP);
        dc_tf_init(&t->op[2], DC_TF_NORMALIZE);
        t->op[2].mean[0] = 0.3f, t->op[2].std[0] = 0.2f;
    }
}

static const int64_t view_elems[NV] = {120, 120, 30, 30};

/* All batches of a multi-view pass: per view the rows concatenated; and the ids. */
typedef struct vpass { float *x[NV]; int64_t *idx, n; } vpass;

static vpass run_views(const dc_dataset *ds, const dc_transform *v, const dc_tensor *order,
                       dc_loader_cfg cfg)
{
    vpass p = {0};
    dc_loader *l = NULL;
    CHECK_OK(dc_loader_new(ds, v, NV, order, &cfg, &l));
    if (!l) return p;
    CHECK(dc_loader_views(l) == NV);
    int64_t cap = 1000;
    for (int k = 0; k < NV; k++) p.x[k] = malloc(sizeof(float) * (size_t)(view_elems[k] * cap));
    p.idx = malloc(sizeof(int64_t) * cap);
    dc_tensor x[NV], y = dc_tensor_empty(), idx = dc_tensor_empty();
    for (int k = 0; k < NV; k++) x[k] = dc_tensor_empty();
    for (;;) {
        CHECK_OK(dc_loader_next(l, x, &y, &idx));
        if (!x[0].storage) break;
        int64_t b = x[0].shape[0];
        for (int k = 0; k < NV; k++) {
            CHECK(x[k].ndim == 4 && x[k].shape[0] == b && x[k].shape[1] == 1 &&
                  x[k].shape[2] * x[k].shape[3] == view_elems[k]);
            memcpy(p.x[k] + p.n * view_elems[k], dc_tensor_data(&x[k]),
                   sizeof(float) * (size_t)(view_elems[k] * b));
        }
        memcpy(p.idx + p.n, dc_tensor_data(&idx), sizeof(int64_t) * (size_t)b);
        p.n += b;
    }
    dc_loader_free(l);
    for (int k = 0; k < NV; k++) dc_tensor_release(&x[k]);
    dc_tensor_release(&y), dc_tensor_release(&idx);
    return p;
}

static void free_vpass(vpass *p)
{
    for (int k = 0; k < NV; k++) free(p->x[k]);
    free(p->idx);
}

/* View v of sample s by hand: the stored pixels, planned and run through v's transform with
 * the stream split(dc_rng_for(seed, epoch, s), v), mapped through the lut. */
static void view_by_hand(const dc_dataset *ds, int64_t row, const dc_transform *t, dc_rng rng,
                         float *out)
{
    const uint8_t *src = (const uint8_t *)dc_tensor_data(&ds->images) + row * 120;
    dc_buffer copy = {0};
    dc_image img = {0}, res;
    CHECK_OK(dc_image_alloc(&img, &copy, 10, 12, 1));
    for (int y = 0; y < 12; y++) memcpy(img.data + y * img.stride, src + y * 10, 10);
    dc_tf_plan plan;
    dc_transform_plan(t, 10, 12, &rng, &plan);
    dc_tf_scratch sc = {0};
    float lut[4][256];
    CHECK_OK(dc_transform_run(t, &plan, &img, 1, &rng, &sc, &res, lut));
    for (int y = 0; y < res.h; y++)
        for (int x = 0; x < res.w; x++) out[y * res.w + x] = lut[0][res.data[y * res.stride + x]];
    dc_tf_scratch_free(&sc);
    dc_buffer_free(&copy);
}

static void test_views_same_for_any_thread_count_and_by_hand(void)
{
    dc_dataset ds = tensor_ds();
    dc_transform v[NV];
    multicrop(v);
    dc_tensor order = make_order(150);
    dc_loader_cfg cfg;
    dc_loader_cfg_init(&cfg);
    cfg.batch = 16;
    cfg.seed = 11;
    cfg.epoch = 2;
    vpass ref = run_views(&ds, v, &order, cfg);
    CHECK(ref.n == 150);
    for (int threads = 2; threads <= 3; threads++) {
        cfg.threads = threads;
        vpass p = run_views(&ds, v, &order, cfg);
        int same = p.n == ref.n && memcmp(p.idx, ref.idx, sizeof(int64_t) * 150) == 0;
        for (int k = 0; k < NV; k++)
            same &= memcmp(p.x[k], ref.x[k], sizeof(float) * (size_t)(view_elems[k] * 150)) == 0;
        CHECK(same);
        free_vpass(&p);
    }
    /* every view of every sample is its transform run by hand on its own stream; views
     * with the same transform differ (their streams do) */
    const int64_t *o = dc_tensor_data(&order);
    float hand[120];
    int ok = 1;
    for (int64_t s = 0; s < 150; s++)
        for (int k = 0; k < NV; k++) {
            dc_rng base = dc_rng_for(cfg.seed, cfg.epoch, (uint64_t)s);
            view_by_hand(&ds, o[s] - 1, &v[k], dc_rng_split(&base, (uint64_t)k), hand);
            ok &= memcmp(hand, ref.x[k] + s * view_elems[k],
                         sizeof(float) * (size_t)view_elems[k]) == 0;
        }
    CHECK(ok);
    CHECK(memcmp(ref.x[0], ref.x[1], sizeof(float) * 120 * 150) != 0);
    /* dc_dataset_views alone gives the loader's rows */
    dc_data_ctx ctx;
    CHECK_OK(dc_data_ctx_init(&ctx));
    dc_tensor xs[NV];
    for (int k = 0; k < NV; k++) xs[k] = dc_tensor_empty();
    dc_rng base = dc_rng_for(cfg.seed, cfg.epoch, 7);
    int64_t label = 0;
    CHECK_OK(dc_dataset_views(&ds, o[7] - 1, v, NV, &base, &ctx, xs, &label));
    CHECK(label == (o[7] - 1) % 7 + 1);
    for (int k = 0; k < NV; k++) {
        CHECK(memcmp(dc_tensor_data(&xs[k]), ref.x[k] + 7 * view_elems[k],
                     sizeof(float) * (size_t)view_elems[k]) == 0);
        dc_tensor_release(&xs[k]);
    }
    CHECK_FAILS(dc_dataset_views(&ds, 0, v, 0, &base, &ctx, xs, NULL), DC_ERR_ARG,
                "views: 1 to 16 views, got 0");
    dc_data_ctx_free(&ctx);
    free_vpass(&ref);
    dc_tensor_release(&order);
    release_ds(&ds);
}

static void test_views_errors_and_shapes(void)
{
    dc_dataset ds = tensor_ds();
    dc_transform v[DC_VIEWS_MAX + 1];
    multicrop(v);
    dc_loader_cfg cfg;
    dc_loader_cfg_init(&cfg);
    dc_loader *l = NULL;
    CHECK_OK(dc_loader_new(&ds, v, NV, NULL, &cfg, &l));
    int shape[3];
    dc_loader_item_shape(l, 2, shape);
    CHECK(shape[0] == 1 && shape[1] == 6 && shape[2] == 5);
    dc_loader_item_shape(l, 1, shape);
    CHECK(shape[0] == 1 && shape[1] == 12 && shape[2] == 10);
    dc_loader_free(l);
    l = NULL;
    CHECK_FAILS(dc_loader_new(&ds, v, DC_VIEWS_MAX + 1, NULL, &cfg, &l), DC_ERR_ARG,
                "loader: views must hold 1 to 16 transforms, got 17");
    CHECK_FAILS(dc_loader_new(&ds, NULL, 2, NULL, &cfg, &l), DC_ERR_ARG,
                "loader: 2 views but no transforms");
    v[1].op[2].n = 3; /* 3 means for a 1-channel image */
    v[1].op[2].std[1] = v[1].op[2].std[2] = 1.0f;
    CHECK_FAILS(dc_loader_new(&ds, v, NV, NULL, &cfg, &l), DC_ERR_ARG,
                "loader: view 2: transform 3 (Normalize): 3 mean/std values for 1-channel");
    CHECK(l == NULL);
    release_ds(&ds);
}

int main(void)
{
    RUN_TEST(test_same_batches_for_any_thread_count);
    RUN_TEST(test_values_partial_and_drop_last);
    RUN_TEST(test_bad_configurations);
    RUN_TEST(test_files_and_corrupt_images);
    RUN_TEST(test_early_stop_leaves_nothing);
    RUN_TEST(test_views_same_for_any_thread_count_and_by_hand);
    RUN_TEST(test_views_errors_and_shapes);
    return TEST_SUMMARY();
}
