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
    CHECK_OK(dc_loader_new(ds, t, order, &cfg, &l));
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
        CHECK_OK(dc_dataset_get(&ds, o[s] - 1, &t, cfg.seed, cfg.epoch, (uint64_t)s, &ctx, &x,
                                &label));
        CHECK(x.ndim == 3 && memcmp(dc_tensor_data(&x), ref.x + s * 120, sizeof(float) * 120) == 0);
        CHECK(label == ref.y[s]);
        dc_tensor_release(&x);
    }
    dc_tensor small = dc_tensor_empty();
    int64_t ss[3] = {1, 10, 10};
    dc_tensor_alloc(&small, DC_F32, 3, ss);
    CHECK_FAILS(dc_dataset_get(&ds, 0, &t, 0, 0, 0, &ctx, &small, NULL), DC_ERR_SHAPE,
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
    CHECK_FAILS(dc_loader_new(&ds, NULL, &order, &cfg, &l), DC_ERR_INDEX,
                "order[4] = 104 is outside the dataset (1..103)");
    cfg.batch = 0;
    CHECK_FAILS(dc_loader_new(&ds, NULL, NULL, &cfg, &l), DC_ERR_ARG, "batch must be >= 1");
    cfg.batch = 8;
    dc_transform t = {0};
    t.n = 1;
    dc_tf_init(&t.op[0], DC_TF_RESIZE);
    t.op[0].h = 20;
    CHECK_OK(dc_loader_new(&ds, &t, NULL, &cfg, &l)); /* fixed input size: fine */
    int shape[3];
    dc_loader_item_shape(l, shape);
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
    CHECK_OK(dc_loader_new(&ds, &t, NULL, &cfg, &l));
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

    /* 'error' policy: the pass stops at the batch holding the file, naming it */
    cfg.on_error = DC_STOP;
    CHECK_OK(dc_loader_new(&ds, &t, NULL, &cfg, &l));
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
    CHECK_OK(dc_loader_new(&ds, &t, &order, &cfg, &l));
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

int main(void)
{
    RUN_TEST(test_same_batches_for_any_thread_count);
    RUN_TEST(test_values_partial_and_drop_last);
    RUN_TEST(test_bad_configurations);
    RUN_TEST(test_files_and_corrupt_images);
    RUN_TEST(test_early_stop_leaves_nothing);
    return TEST_SUMMARY();
}
