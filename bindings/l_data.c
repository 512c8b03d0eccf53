/* Lua bindings of the data engine (core/data/): IDX files, file lists, dataset samples,
 * transform specs, the threaded loader and JPEG export.
 *
 * A dataset crosses into C as a plain description table (lua/dclab/data/dataset.lua builds
 * it): {images = uint8 tensor | files = dclab.FileList, labels = int64 tensor, index = int64
 * tensor of 1-based rows, gray = boolean}. A transform crosses as a list of op tables
 * ({name = 'RandomCrop', size = {28, 28}, pad = 2}, lua/dclab/transforms.lua). Indices,
 * labels and ids are 1-based on both sides of this file: the core takes base = 1. */
#include <string.h>

#include "dcb.h"

#define FILELIST "dclab.FileList"
#define LOADER "dclab.Loader"

/* ---- IDX ---- */

static int l_read_idx(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    dc_tensor *t = dcb_newtensor(L);
    dcb_check(L, dc_idx_read(path, t));
    return 1;
}

/* ---- file lists ---- */

typedef struct lfilelist {
    dc_filelist *fl; /* NULL once closed */
} lfilelist;

static dc_filelist *check_filelist(lua_State *L, int i)
{
    lfilelist *u = luaL_checkudata(L, i, FILELIST);
    if (!u->fl) luaL_error(L, "attempt to use a closed file list");
    return u->fl;
}

static lfilelist *new_filelist(lua_State *L)
{
    lfilelist *u = lua_newuserdatauv(L, sizeof *u, 0);
    u->fl = NULL;
    luaL_setmetatable(L, FILELIST);
    return u;
}

/* core.folder_scan(root, layout) with layout 'auto' | 'classes' | 'flat' */
static int l_folder_scan(lua_State *L)
{
    static const char *const layouts[] = {"auto", "classes", "flat", NULL}; /* dc_folder_layout */
    const char *root = luaL_checkstring(L, 1);
    int layout = dcb_checkenum(L, 2, "folder_scan", "layout", layouts, DC_LAYOUT_AUTO);
    lfilelist *u = new_filelist(L);
    dcb_check_named(L, "folder_scan", dc_folder_scan(root, (dc_folder_layout)layout, &u->fl));
    return 1;
}

/* core.filelist_read(list_path, root_or_nil) */
static int l_filelist_read(lua_State *L)
{
    const char *list = luaL_checkstring(L, 1);
    const char *root = luaL_optstring(L, 2, NULL);
    lfilelist *u = new_filelist(L);
    dcb_check_named(L, "filelist_read", dc_filelist_read(list, root, &u->fl));
    return 1;
}

static int fl_len(lua_State *L)
{
    lua_pushinteger(L, check_filelist(L, 1)->n);
    return 1;
}

static int fl_path(lua_State *L)
{
    dc_filelist *fl = check_filelist(L, 1);
    lua_pushstring(L, fl->path[dcb_checkindex(L, 2, fl->n)]);
    return 1;
}

static int fl_classes(lua_State *L)
{
    dc_filelist *fl = check_filelist(L, 1);
    if (!fl->label) return 0;
    lua_createtable(L, fl->nclasses, 0);
    for (int c = 0; c < fl->nclasses; c++) {
        lua_pushstring(L, fl->classes[c]);
        lua_rawseti(L, -2, c + 1);
    }
    return 1;
}

/* labels as an int64 tensor of 1-based classes, or nothing */
static int fl_labels(lua_State *L)
{
    dc_filelist *fl = check_filelist(L, 1);
    if (!fl->label) return 0;
    dc_tensor *t = dcb_newtensor(L);
    dcb_check(L, dc_filelist_labels(fl, DCB_BASE, t));
    return 1;
}

static int fl_close(lua_State *L)
{
    lfilelist *u = luaL_checkudata(L, 1, FILELIST);
    dc_filelist_free(u->fl);
    u->fl = NULL;
    return 0;
}

static int fl_tostring(lua_State *L)
{
    lfilelist *u = luaL_checkudata(L, 1, FILELIST);
    if (!u->fl) lua_pushliteral(L, "dclab.FileList (closed)");
    else lua_pushfstring(L, "dclab.FileList: %I files, %d classes", (lua_Integer)u->fl->n,
                         u->fl->nclasses);
    return 1;
}

/* ---- dataset descriptions and transform specs ---- */

static dc_tensor *field_tensor(lua_State *L, int arg, const char *key)
{
    lua_getfield(L, arg, key);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        return NULL;
    }
    dc_tensor *t = dcb_totensor(L, -1);
    if (!t || !t->storage) luaL_error(L, "dataset: field '%s' must be a tensor", key);
    lua_pop(L, 1); /* the description table keeps it alive */
    return t;
}

/* The dataset description at arg into ds, checked; *n: its size, shape: its raw [C, H, W]. */
static void check_dataset(lua_State *L, int arg, dc_dataset *ds, int64_t *n, int shape[3])
{
    luaL_checktype(L, arg, LUA_TTABLE);
    *ds = dc_dataset_empty();
    ds->base = DCB_BASE;
    dc_tensor *t;
    if ((t = field_tensor(L, arg, "images"))) ds->images = *t;
    if ((t = field_tensor(L, arg, "labels"))) ds->labels = *t;
    if ((t = field_tensor(L, arg, "index"))) ds->index = *t;
    lua_getfield(L, arg, "files");
    if (!lua_isnil(L, -1)) {
        if (!luaL_testudata(L, -1, FILELIST))
            luaL_error(L, "dataset: field 'files' must be a file list");
        ds->files = check_filelist(L, lua_gettop(L));
    }
    lua_getfield(L, arg, "gray");
    ds->channels = lua_toboolean(L, -1) ? 1 : 3;
    lua_pop(L, 2);
    dcb_check(L, dc_dataset_check(ds, n, shape));
}

/* Reads t[key] as a list of at most max numbers into v; returns how many. */
static int field_numbers(lua_State *L, int t, const char *op, const char *key, double *v, int max)
{
    lua_getfield(L, t, key);
    int n = 0;
    if (lua_type(L, -1) == LUA_TNUMBER) {
        v[0] = lua_tonumber(L, -1);
        n = 1;
    } else if (lua_istable(L, -1)) {
        n = (int)luaL_len(L, -1);
        if (n < 1 || n > max)
            luaL_error(L, "%s: '%s' takes 1 to %d numbers, got %d", op, key, max, n);
        for (int i = 0; i < n; i++) {
            lua_geti(L, -1, i + 1);
            int ok;
            v[i] = lua_tonumberx(L, -1, &ok);
            if (!ok) luaL_error(L, "%s: '%s' must hold numbers", op, key);
            lua_pop(L, 1);
        }
    } else if (!lua_isnil(L, -1)) {
        luaL_error(L, "%s: '%s' must be a number or a list, got %s", op, key, luaL_typename(L, -1));
    }
    lua_pop(L, 1);
    return n;
}

/* A transform spec (list of op tables, or nil) into t. */
static void check_transform(lua_State *L, int arg, dc_transform *t)
{
    memset(t, 0, sizeof *t);
    if (lua_isnoneornil(L, arg)) return;
    luaL_checktype(L, arg, LUA_TTABLE);
    lua_Integer n = luaL_len(L, arg);
    if (n > DC_TF_MAX) luaL_error(L, "transforms: %d ops, at most %d", (int)n, DC_TF_MAX);
    for (int i = 0; i < n; i++) {
        lua_geti(L, arg, i + 1);
        int op = lua_gettop(L);
        luaL_checktype(L, op, LUA_TTABLE);
        lua_getfield(L, op, "name");
        const char *name = lua_tostring(L, -1);
        int kind = -1;
        for (int k = 0; name && k < DC_TF_KIND_COUNT; k++)
            if (strcmp(name, dc_tf_name((dc_tf_kind)k)) == 0) kind = k;
        if (kind < 0)
            luaL_error(L, "transforms: op %d has unknown name '%s'", i + 1, name ? name : "?");
        lua_pop(L, 1);
        dc_tf *o = &t->op[i];
        dc_tf_init(o, (dc_tf_kind)kind);
        double v[4], sd[4];
        int k = field_numbers(L, op, name, "size", v, 2);
        if (k) dc_tf_set_size(o, k, v);
        if (field_numbers(L, op, name, "scale", v, 2) == 2) o->scale[0] = v[0], o->scale[1] = v[1];
        if (field_numbers(L, op, name, "ratio", v, 2) == 2) o->ratio[0] = v[0], o->ratio[1] = v[1];
        if (field_numbers(L, op, name, "pad", v, 1)) o->pad = (int)v[0];
        if (field_numbers(L, op, name, "p", v, 1)) o->p = v[0];
        if (field_numbers(L, op, name, "channels", v, 1)) o->channels = (int)v[0];
        if (kind == DC_TF_NORMALIZE) {
            int nm = field_numbers(L, op, name, "mean", v, 4);
            int ns = field_numbers(L, op, name, "std", sd, 4);
            dcb_check(L, dc_tf_set_normalize(o, nm, v, ns, sd));
        }
        if (field_numbers(L, op, name, "degrees", v, 2) == 2) o->degrees[0] = v[0], o->degrees[1] = v[1];
        if (field_numbers(L, op, name, "translate", v, 2) == 2)
            o->translate[0] = v[0], o->translate[1] = v[1];
        if (field_numbers(L, op, name, "shear", v, 4) == 4)
            for (int j = 0; j < 4; j++) o->shear[j] = v[j];
        if (field_numbers(L, op, name, "kernel_size", v, 2) == 2)
            o->ksize[0] = (int)v[0], o->ksize[1] = (int)v[1];
        if (field_numbers(L, op, name, "sigma", v, 2) == 2) o->sigma[0] = v[0], o->sigma[1] = v[1];
        static const char *const jitters[4] = {"brightness", "contrast", "saturation", "hue"};
        for (int j = 0; j < 4; j++)
            if (field_numbers(L, op, name, jitters[j], v, 2) == 2)
                o->jitter[j][0] = v[0], o->jitter[j][1] = v[1];
        if (field_numbers(L, op, name, "threshold", v, 1)) o->threshold = v[0];
        if (field_numbers(L, op, name, "count", v, 1)) o->count = (int)v[0];
        static const char *const interps[] = {"nearest", "bilinear", NULL}; /* dc_interp */
        o->interp = (dc_interp)dcb_optenum(L, op, "interpolation", name, interps, o->interp);
        /* RandomErasing's value (numbers or 'random'), the geometric ops' fill */
        const char *vkey = kind == DC_TF_ERASE ? "value" : "fill";
        lua_getfield(L, op, vkey);
        int random = lua_type(L, -1) == LUA_TSTRING && strcmp(lua_tostring(L, -1), "random") == 0;
        lua_pop(L, 1);
        if (random) {
            o->nvalue = 0;
        } else if ((k = field_numbers(L, op, name, vkey, v, 4))) {
            o->nvalue = k;
            for (int j = 0; j < k; j++) o->value[j] = (float)v[j];
        }
        lua_pop(L, 1);
    }
    t->n = (int)n;
}

/* core.dataset_size(desc) -> number of samples, raw shape (and the description is checked) */
static int l_dataset_size(lua_State *L)
{
    dc_dataset ds;
    int64_t n;
    int shape[3];
    check_dataset(L, 1, &ds, &n, shape);
    lua_pushinteger(L, n);
    dcb_pushshape(L, 3, (int64_t[3]){shape[0], shape[1], shape[2]});
    return 2;
}

/* core.dataset_get(desc, i [, transform_spec, seed, view]) -> image, label | nil
 * Without a transform: the stored pixels, uint8 [C, H, W]; with one: float32 [C, H, W], its
 * random draws from the stream of sample i - 1 of a pass of epoch 0 in the order 1..n (a
 * loader's), or from that of its view `view` (1-based) in a multi-view loader. */
static int l_dataset_get(lua_State *L)
{
    dc_dataset ds;
    int64_t n;
    int shape[3];
    check_dataset(L, 1, &ds, &n, shape);
    int64_t pos = dcb_checkindex(L, 2, n);
    dc_transform t;
    check_transform(L, 3, &t);
    lua_Integer seed = luaL_optinteger(L, 4, 0);
    lua_Integer view = luaL_optinteger(L, 5, 0);
    if (view < 0 || view > DC_VIEWS_MAX)
        luaL_error(L, "get: view must be in 1..%d, got %d", DC_VIEWS_MAX, (int)view);
    dc_rng rng = dc_rng_for((uint64_t)seed, 0, (uint64_t)pos);
    if (view) rng = dc_rng_split(&rng, (uint64_t)(view - 1));
    int use_tf = !lua_isnoneornil(L, 3);
    if (use_tf) dcb_check(L, dc_transform_shape(&t, shape[0], shape[1], shape[2], shape));
    dc_tensor *out = dcb_newtensor(L);
    dc_data_ctx ctx;
    dcb_check(L, dc_data_ctx_init(&ctx));
    dc_status s = use_tf ? dc_dataset_get(&ds, pos, &t, &rng, &ctx, out, NULL)
                         : dc_dataset_image(&ds, pos, &ctx, out);
    dc_data_ctx_free(&ctx);
    dcb_check(L, s);
    if (!ds.labels.storage) return 1;
    lua_pushinteger(L, dc_dataset_label(&ds, pos));
    return 2;
}

/* core.export_jpeg(desc, dir, {quality =, transform =, class_dirs =}) -> files written */
static int l_export_jpeg(lua_State *L)
{
    static const char *const allowed[] = {"quality", "transform", "class_dirs", NULL};
    dc_dataset ds;
    int64_t n;
    int shape[3];
    check_dataset(L, 1, &ds, &n, shape);
    const char *dir = luaL_checkstring(L, 2);
    dcb_checkoptions(L, 3, "export_jpeg", allowed);
    dc_export_cfg cfg = {dir, (int)dcb_optinteger(L, 3, "quality", 95), NULL, NULL, 0, DCB_BASE};
    dc_transform t;
    if (lua_istable(L, 3)) lua_getfield(L, 3, "transform");
    else lua_pushnil(L);
    check_transform(L, lua_gettop(L), &t);
    cfg.transform = t.n ? &t : NULL;
    const char *names[4096];
    if (lua_istable(L, 3)) lua_getfield(L, 3, "class_dirs");
    else lua_pushnil(L);
    if (!lua_isnil(L, -1)) {
        luaL_checktype(L, -1, LUA_TTABLE);
        lua_Integer k = luaL_len(L, -1);
        if (k > 4096) luaL_error(L, "export_jpeg: %d classes, at most 4096", (int)k);
        for (int c = 0; c < k; c++) {
            lua_geti(L, -1, c + 1);
            names[c] = lua_tostring(L, -1);
            if (!names[c]) luaL_error(L, "export_jpeg: class folder %d is not a string", c + 1);
            lua_pop(L, 1); /* the class_dirs table keeps the string */
        }
        cfg.class_dirs = names;
        cfg.nclasses = (int)k;
    }
    int64_t written;
    dcb_check(L, dc_export_jpeg(&ds, &cfg, &written));
    lua_pushinteger(L, written);
    return 1;
}

/* ---- loader ---- */

typedef struct lloader {
    dc_loader *l; /* NULL once closed */
} lloader;

/* user values of a loader: 1 description table, 2..4 the x, y, idx tensors it re-points (x:
 * for a multi-view loader, the list of its views' tensors, returned as it is every batch) */
enum { UV_DESC = 1, UV_X, UV_Y, UV_IDX, UV_COUNT = UV_IDX };

static dc_loader *check_loader(lua_State *L, int i)
{
    lloader *u = luaL_checkudata(L, i, LOADER);
    if (!u->l) luaL_error(L, "attempt to use a closed loader");
    return u->l;
}

static dc_tensor *order_arg(lua_State *L, int arg)
{
    if (lua_isnoneornil(L, arg)) return NULL;
    return dcb_checktensor(L, arg);
}

/* core.loader_new(desc, transform_spec, {batch, threads, prefetch, drop_last, seed, epoch,
 * on_error, order, views = {transform_spec, ...}}): with views, transform_spec is nil. */
static int l_loader_new(lua_State *L)
{
    static const char *const allowed[] = {"batch", "threads", "prefetch", "drop_last", "seed",
                                          "epoch", "on_error", "order", "views", NULL};
    static const char *const policies[] = {"skip", "error", NULL}; /* dc_on_error */
    dc_dataset ds;
    int64_t n;
    int shape[3];
    check_dataset(L, 1, &ds, &n, shape);
    dc_transform t;
    check_transform(L, 2, &t);
    dcb_checkoptions(L, 3, "loader", allowed);
    dc_loader_cfg cfg;
    dc_loader_cfg_init(&cfg);
    cfg.batch = dcb_optinteger(L, 3, "batch", cfg.batch);
    cfg.threads = (int)dcb_optinteger(L, 3, "threads", cfg.threads);
    cfg.prefetch = (int)dcb_optinteger(L, 3, "prefetch", cfg.prefetch);
    cfg.drop_last = dcb_optboolean(L, 3, "drop_last", cfg.drop_last);
    cfg.seed = (uint64_t)dcb_optinteger(L, 3, "seed", (lua_Integer)cfg.seed);
    cfg.epoch = (uint64_t)dcb_optinteger(L, 3, "epoch", (lua_Integer)cfg.epoch);
    cfg.on_error = (dc_on_error)dcb_optenum(L, 3, "on_error", "loader", policies, cfg.on_error);
    dc_tensor *order = NULL;
    dc_transform views[DC_VIEWS_MAX];
    int nviews = 0;
    if (lua_istable(L, 3)) {
        lua_getfield(L, 3, "order");
        if (!lua_isnil(L, -1)) {
            order = dcb_totensor(L, -1);
            if (!order || !order->storage) luaL_error(L, "loader: order must be an int64 tensor");
        }
        lua_pop(L, 1); /* the options table keeps it alive */
        lua_getfield(L, 3, "views");
        if (!lua_isnil(L, -1)) {
            luaL_checktype(L, -1, LUA_TTABLE);
            lua_Integer k = luaL_len(L, -1);
            if (k < 1 || k > DC_VIEWS_MAX)
                luaL_error(L, "loader: views must hold 1 to %d transforms, got %d", DC_VIEWS_MAX,
                           (int)k);
            nviews = (int)k;
            for (int v = 0; v < nviews; v++) {
                lua_geti(L, -1, v + 1);
                check_transform(L, lua_gettop(L), &views[v]);
                lua_pop(L, 1);
            }
        }
        lua_pop(L, 1);
    }
    lloader *u = lua_newuserdatauv(L, sizeof *u, UV_COUNT);
    u->l = NULL;
    luaL_setmetatable(L, LOADER);
    lua_pushvalue(L, 1);
    lua_setiuservalue(L, -2, UV_DESC);
    for (int k = UV_X; k <= UV_IDX; k++) {
        if (k == UV_X && nviews) {
            lua_createtable(L, nviews, 0);
            for (int v = 0; v < nviews; v++) {
                dcb_newtensor(L);
                lua_rawseti(L, -2, v + 1);
            }
        } else {
            dcb_newtensor(L);
        }
        lua_setiuservalue(L, -2, k);
    }
    const dc_transform *tf = nviews ? views : t.n ? &t : NULL;
    dcb_check(L, dc_loader_new(&ds, tf, nviews, order, &cfg, &u->l));
    return 1;
}

/* loader:next() -> x (or the list of views), y (or nil), idx; nil at the end of the pass */
static int m_loader_next(lua_State *L)
{
    dc_loader *l = check_loader(L, 1);
    int nx = dc_loader_views(l) ? dc_loader_views(l) : 1;
    dc_tensor x[DC_VIEWS_MAX], *y, *idx;
    lua_getiuservalue(L, 1, UV_X);
    for (int v = 0; v < nx; v++) {
        if (dc_loader_views(l)) lua_rawgeti(L, -1 - v, v + 1);
        else lua_pushvalue(L, -1);
        x[v] = *(dc_tensor *)luaL_checkudata(L, -1, DCB_TENSOR);
    }
    lua_pop(L, nx);
    lua_getiuservalue(L, 1, UV_Y);
    y = luaL_checkudata(L, -1, DCB_TENSOR);
    lua_getiuservalue(L, 1, UV_IDX);
    idx = luaL_checkudata(L, -1, DCB_TENSOR);
    dc_status st = dc_loader_next(l, x, y, idx);
    /* the x userdata take their new headers (and storage references) back, failure or not */
    lua_getiuservalue(L, 1, UV_X);
    for (int v = 0; v < nx; v++) {
        if (dc_loader_views(l)) lua_rawgeti(L, -1, v + 1);
        else lua_pushvalue(L, -1);
        *(dc_tensor *)lua_touserdata(L, -1) = x[v];
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    dcb_check(L, st);
    if (!x[0].storage) {
        lua_pushnil(L);
        return 1;
    }
    lua_pushvalue(L, -3);
    if (y->storage) lua_pushvalue(L, -3);
    else lua_pushnil(L);
    lua_pushvalue(L, -3);
    return 3;
}

/* loader:reset(order_or_nil, epoch) */
static int m_loader_reset(lua_State *L)
{
    dc_loader *l = check_loader(L, 1);
    dc_tensor *order = order_arg(L, 2);
    lua_Integer epoch = luaL_checkinteger(L, 3);
    dcb_check(L, dc_loader_reset(l, order, (uint64_t)epoch));
    return 0;
}

static int m_loader_batches(lua_State *L)
{
    lua_pushinteger(L, dc_loader_batches(check_loader(L, 1)));
    return 1;
}

static int m_loader_epoch(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)dc_loader_epoch(check_loader(L, 1)));
    return 1;
}

/* loader:item_shape() -> {C, H, W}, or for a multi-view loader one per view */
static int m_loader_shape(lua_State *L)
{
    dc_loader *l = check_loader(L, 1);
    int nv = dc_loader_views(l);
    if (nv) lua_createtable(L, nv, 0);
    for (int v = 0; v < (nv ? nv : 1); v++) {
        int s[3];
        dc_loader_item_shape(l, v, s);
        dcb_pushshape(L, 3, (int64_t[3]){s[0], s[1], s[2]});
        if (nv) lua_rawseti(L, -2, v + 1);
    }
    return 1;
}

static int m_loader_views(lua_State *L)
{
    lua_pushinteger(L, dc_loader_views(check_loader(L, 1)));
    return 1;
}

/* loader:skipped() -> count, report ("path: reason" lines) */
static int m_loader_skipped(lua_State *L)
{
    const char *report;
    lua_pushinteger(L, dc_loader_skipped(check_loader(L, 1), &report));
    lua_pushstring(L, report);
    return 2;
}

static int m_loader_close(lua_State *L)
{
    lloader *u = luaL_checkudata(L, 1, LOADER);
    dc_loader_free(u->l);
    u->l = NULL;
    return 0;
}

static int m_loader_tostring(lua_State *L)
{
    lloader *u = luaL_checkudata(L, 1, LOADER);
    if (!u->l) {
        lua_pushliteral(L, "dclab.Loader (closed)");
        return 1;
    }
    int nv = dc_loader_views(u->l);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    lua_pushfstring(L, "dclab.Loader: %I batches of %s", (lua_Integer)dc_loader_batches(u->l),
                    nv ? "views " : "");
    luaL_addvalue(&b);
    for (int v = 0; v < (nv ? nv : 1); v++) {
        int s[3];
        dc_loader_item_shape(u->l, v, s);
        lua_pushfstring(L, "%s[%d, %d, %d]", v ? ", " : "", s[0], s[1], s[2]);
        luaL_addvalue(&b);
    }
    luaL_addstring(&b, " images");
    luaL_pushresult(&b);
    return 1;
}

static int l_loader_threads(lua_State *L)
{
    lua_pushinteger(L, dc_loader_live_threads());
    return 1;
}

/* ---- registration ---- */

static void new_class(lua_State *L, const char *name, const luaL_Reg *meta, const luaL_Reg *methods)
{
    luaL_newmetatable(L, name);
    luaL_setfuncs(L, meta, 0);
    lua_newtable(L);
    luaL_setfuncs(L, methods, 0);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
}

void dcb_open_data(lua_State *L)
{
    static const luaL_Reg fl_meta[] = {
        {"__len", fl_len}, {"__gc", fl_close}, {"__close", fl_close},
        {"__tostring", fl_tostring}, {NULL, NULL},
    };
    static const luaL_Reg fl_methods[] = {
        {"path", fl_path}, {"classes", fl_classes}, {"labels", fl_labels},
        {"close", fl_close}, {NULL, NULL},
    };
    static const luaL_Reg ld_meta[] = {
        {"__gc", m_loader_close}, {"__close", m_loader_close},
        {"__tostring", m_loader_tostring}, {NULL, NULL},
    };
    static const luaL_Reg ld_methods[] = {
        {"next", m_loader_next}, {"reset", m_loader_reset}, {"batches", m_loader_batches},
        {"epoch", m_loader_epoch}, {"views", m_loader_views},
        {"item_shape", m_loader_shape}, {"skipped", m_loader_skipped},
        {"close", m_loader_close}, {NULL, NULL},
    };
    static const luaL_Reg funcs[] = {
        {"read_idx", l_read_idx}, {"folder_scan", l_folder_scan},
        {"filelist_read", l_filelist_read}, {"dataset_size", l_dataset_size},
        {"dataset_get", l_dataset_get},
        {"export_jpeg", l_export_jpeg}, {"loader_new", l_loader_new},
        {"loader_threads", l_loader_threads}, {NULL, NULL},
    };
    new_class(L, FILELIST, fl_meta, fl_methods);
    new_class(L, LOADER, ld_meta, ld_methods);
    luaL_setfuncs(L, funcs, 0);
}
