/* Lua bindings of core/cluster: k-means, PCA (dclab.PCA objects), PIC, Sinkhorn, kNN graphs,
 * metrics.
 *
 * Cluster ids, labels and neighbour ids are 1-based here and 0-based in core: outputs are
 * shifted by one in place (a core op, no loop here), label inputs go to core with base 1.
 * A Lua reassignment strategy runs inside dc_kmeans_fit through lua_pcall, so a Lua error
 * in it never jumps over core's frames: it comes back as a status, then is raised here. */
#include <stdio.h>
#include <string.h>

#include "dcb.h"

#define DCB_PCA "dclab.PCA"

/* ---- k-means ---- */

/* Everything the Lua strategy call needs, reachable from the protected call. */
typedef struct lua_strategy {
    lua_State *L;
    int fn;                 /* stack index of the Lua function in l_kmeans_fit's frame */
    dc_reassign_ctx *ctx;
    int64_t nfixed;
} lua_strategy;

/* Pushes a tensor userdata sharing src's storage (it outlives the call safely). */
static void push_shared(lua_State *L, const dc_tensor *src)
{
    dc_tensor *t = dcb_newtensor(L);
    dc_tensor_share(t, src);
}

/* Protected, called with (strategy state, f): f(centroids, counts, ctx) -> [number fixed]. */
static int call_strategy(lua_State *L)
{
    lua_strategy *s = lua_touserdata(L, 1);
    dc_reassign_ctx *c = s->ctx;
    lua_pushvalue(L, 2);
    push_shared(L, c->centroids);
    push_shared(L, c->counts);
    lua_createtable(L, 0, 8);
    dcb_setinteger(L, "k", c->centroids->shape[0]);
    dcb_setinteger(L, "iter", c->iter + DCB_BASE);
    lua_pushboolean(L, c->similarity);
    lua_setfield(L, -2, "similarity");
    dcb_setinteger(L, "seed", (int64_t)(dc_rng_u64(c->rng) >> 1));
    dc_tensor *empty = dcb_newtensor(L);
    dcb_check(L, dc_reassign_empty_ids(c->counts, DCB_BASE, empty));
    int64_t nempty = empty->shape[0];
    lua_setfield(L, -2, "empty");
    push_shared(L, c->x);
    lua_setfield(L, -2, "x");
    push_shared(L, c->dist);
    lua_setfield(L, -2, "dist");
    dc_tensor *assign = dcb_newtensor(L);
    dcb_check(L, dc_binary_scalar(DC_ADD, c->assign, DCB_BASE, true, false, assign));
    lua_setfield(L, -2, "assign");
    lua_call(L, 3, 1);
    if (lua_isnil(L, -1)) {
        s->nfixed = nempty;
    } else {
        int ok;
        lua_Integer n = lua_tointegerx(L, -1, &ok);
        if (!ok || n < 0)
            return luaL_error(L, "returned a %s; expected nothing or the number of clusters fixed",
                              luaL_typename(L, -1));
        s->nfixed = n;
    }
    return 0;
}

static dc_status lua_reassign(void *ud, dc_reassign_ctx *ctx, int64_t *nfixed)
{
    lua_strategy *s = ud;
    lua_State *L = s->L;
    s->ctx = ctx;
    lua_pushcfunction(L, call_strategy);
    lua_pushlightuserdata(L, s);
    lua_pushvalue(L, s->fn);
    if (lua_pcall(L, 2, 0, 0) != LUA_OK) {
        dc_status st = dc_fail(DC_ERR_ARG, "kmeans: reassign function failed at iteration %d: %s",
                               ctx->iter + 1, lua_tostring(L, -1));
        lua_pop(L, 1);
        return st;
    }
    *nfixed = s->nfixed;
    return DC_OK;
}

static const char *const kmeans_options[] = {
    "k", "niter", "nredo", "seed", "max_points_per_centroid", "spherical", "init", "backend",
    "reassign", NULL,
};

static const char *const kmeans_inits[] = {"random", "kmeans++", "faiss", NULL}; /* dc_kmeans_init */
static const char *const kmeans_backends[] = {"dclab", "faiss", NULL};         /* dc_kmeans_backend */

/* core.kmeans_fit(x, opts [, reassign_fn]) -> assign (1-based), centroids, info
 * opts.reassign names a built-in strategy; a function as argument 3 replaces it. */
static int l_kmeans_fit(lua_State *L)
{
    dc_tensor *x = dcb_checktensor(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    dcb_checkoptions(L, 2, "kmeans", kmeans_options);
    if (!lua_isnoneornil(L, 3)) luaL_checktype(L, 3, LUA_TFUNCTION);
    dc_kmeans_cfg cfg;
    dc_kmeans_cfg_init(&cfg, dcb_optinteger(L, 2, "k", 0));
    cfg.niter = (int)dcb_optinteger(L, 2, "niter", cfg.niter);
    cfg.nredo = (int)dcb_optinteger(L, 2, "nredo", cfg.nredo);
    cfg.seed = (uint64_t)dcb_optinteger(L, 2, "seed", (lua_Integer)cfg.seed);
    cfg.max_points_per_centroid =
        dcb_optinteger(L, 2, "max_points_per_centroid", cfg.max_points_per_centroid);
    cfg.spherical = dcb_optboolean(L, 2, "spherical", cfg.spherical);
    cfg.init = (dc_kmeans_init)dcb_optenum(L, 2, "init", "kmeans", kmeans_inits, cfg.init);
    cfg.backend =
        (dc_kmeans_backend)dcb_optenum(L, 2, "backend", "kmeans", kmeans_backends, cfg.backend);
    lua_strategy strategy = {.L = L, .fn = 3};
    if (!lua_isnoneornil(L, 3)) {
        cfg.reassign = DC_REASSIGN_CALLBACK;
        cfg.reassign_fn = lua_reassign;
        cfg.reassign_ud = &strategy;
    } else {
        const char *name = dcb_optstring(L, 2, "reassign", NULL);
        if (name) dcb_check(L, dc_reassign_parse(name, &cfg.reassign));
    }
    dcb_check(L, dc_kmeans_cfg_check(&cfg));
    /* iteration records live in a userdata, so an error leaves nothing to free */
    dc_kmeans_iter *iters =
        lua_newuserdatauv(L, sizeof(dc_kmeans_iter) * (size_t)(cfg.niter > 0 ? cfg.niter : 1), 0);
    dc_tensor *assign = dcb_newtensor(L);
    dc_tensor *centroids = dcb_newtensor(L);
    dc_kmeans_result r;
    dcb_check(L, dc_kmeans_fit(&cfg, x, centroids, assign, cfg.niter > 0 ? iters : NULL, &r));
    dcb_ids_to_lua(L, assign);
    lua_createtable(L, 0, 10);
    dcb_setnumber(L, "loss", r.loss);
    dcb_setnumber(L, "final_obj", r.final_obj);
    dcb_setnumber(L, "imbalance", r.imbalance);
    dcb_setinteger(L, "nempty_met", r.nempty_met);
    dcb_setinteger(L, "nfixed", r.nfixed);
    dcb_setinteger(L, "nempty_final", r.nempty_final);
    dcb_setinteger(L, "ntrain", r.ntrain);
    lua_createtable(L, r.niter, 0);
    for (int i = 0; i < r.niter && i < cfg.niter; i++) {
        lua_createtable(L, 0, 4);
        dcb_setnumber(L, "obj", iters[i].obj);
        dcb_setnumber(L, "imbalance", iters[i].imbalance);
        dcb_setinteger(L, "nempty", iters[i].nempty);
        dcb_setinteger(L, "nfixed", iters[i].nfixed);
        lua_rawseti(L, -2, i + 1);
    }
    lua_setfield(L, -2, "iters");
    return 3;
}

/* core.kmeans_assign(centroids, x, spherical) -> assign (1-based), dist */
static int l_kmeans_assign(lua_State *L)
{
    dc_tensor *c = dcb_checktensor(L, 1), *x = dcb_checktensor(L, 2);
    int spherical = lua_toboolean(L, 3);
    dc_tensor *assign = dcb_newtensor(L), *dist = dcb_newtensor(L);
    dcb_check(L, dc_kmeans_assign(c, x, spherical, assign, dist));
    dcb_ids_to_lua(L, assign);
    return 2;
}

/* core.reassign_names() -> {'faiss_split', ...}: the built-in strategies */
static int l_reassign_names(lua_State *L)
{
    lua_createtable(L, DC_REASSIGN_CALLBACK, 0);
    for (int i = 0; i < DC_REASSIGN_CALLBACK; i++) {
        lua_pushstring(L, dc_reassign_name((dc_reassign_kind)i));
        lua_rawseti(L, -2, i + 1);
    }
    return 1;
}

/* ---- PCA objects ---- */

static dc_pca *checkpca(lua_State *L, int i) { return luaL_checkudata(L, i, DCB_PCA); }

static const char *const pca_options[] = {"dim", "whiten", "l2", "min_variance", NULL};

/* core.pca_new{dim=256, whiten=true, l2=true, min_variance=1e-10} -> dclab.PCA (unfitted) */
static int l_pca_new(lua_State *L)
{
    dcb_checkoptions(L, 1, "preprocess", pca_options);
    dc_pca_cfg cfg;
    dc_pca_cfg_init(&cfg);
    cfg.dim = dcb_optinteger(L, 1, "dim", cfg.dim);
    cfg.whiten = dcb_optboolean(L, 1, "whiten", cfg.whiten);
    cfg.l2 = dcb_optboolean(L, 1, "l2", cfg.l2);
    cfg.min_variance = dcb_optnumber(L, 1, "min_variance", cfg.min_variance);
    dcb_check(L, dc_pca_cfg_check(&cfg, "preprocess"));
    dc_pca *p = lua_newuserdatauv(L, sizeof(dc_pca), 0);
    dc_pca_init(p, &cfg);
    luaL_setmetatable(L, DCB_PCA);
    return 1;
}

/* pca:fit(x) -> pca */
static int m_pca_fit(lua_State *L)
{
    dc_pca *p = checkpca(L, 1);
    dc_tensor *x = dcb_checktensor(L, 2);
    dcb_check(L, dc_pca_fit(p, x));
    lua_settop(L, 1);
    return 1;
}

/* pca:partial_fit(x) -> pca: adds the rows of x to the accumulated mean and covariance */
static int m_pca_partial_fit(lua_State *L)
{
    dc_pca *p = checkpca(L, 1);
    dc_tensor *x = dcb_checktensor(L, 2);
    dcb_check(L, dc_pca_partial_fit(p, x));
    lua_settop(L, 1);
    return 1;
}

/* pca:finish() -> pca: fits on the rows accumulated so far */
static int m_pca_finish(lua_State *L)
{
    dc_pca *p = checkpca(L, 1);
    dcb_check(L, dc_pca_finish(p));
    lua_settop(L, 1);
    return 1;
}

/* pca:reset() -> pca: forgets the accumulated rows (not the fit) */
static int m_pca_reset(lua_State *L)
{
    dc_pca_reset(checkpca(L, 1));
    lua_settop(L, 1);
    return 1;
}

/* pca:apply(x [, out]) -> out: out may be a contiguous [n, d_out] tensor (e.g. rows of a
 * bigger one) to project batch by batch without allocating */
static int m_pca_apply(lua_State *L)
{
    dc_pca *p = checkpca(L, 1);
    dc_tensor *x = dcb_checktensor(L, 2);
    dc_tensor *y;
    if (lua_isnoneornil(L, 3)) {
        y = dcb_newtensor(L);
    } else {
        y = dcb_checktensor(L, 3);
        lua_settop(L, 3);
    }
    dcb_check(L, dc_pca_apply(p, x, y));
    return 1;
}

/* pca:dims() -> d_in, d_out (nil before fit) */
static int m_pca_dims(lua_State *L)
{
    dc_pca *p = checkpca(L, 1);
    if (!p->fitted) return 0;
    lua_pushinteger(L, p->d_in);
    lua_pushinteger(L, p->d_out);
    return 2;
}

static int m_pca_gc(lua_State *L)
{
    dc_pca_release(checkpca(L, 1));
    return 0;
}

static int m_pca_tostring(lua_State *L)
{
    dc_pca *p = checkpca(L, 1);
    char fitted[96] = "not fitted";
    int len = 0;
    if (p->fitted)
        len = snprintf(fitted, sizeof fitted, "fitted %lld -> %lld", (long long)p->d_in,
                       (long long)p->d_out);
    if (p->nacc > 0)
        snprintf(fitted + len, sizeof fitted - (size_t)len, "%s%lld rows accumulated",
                 len ? ", " : "", (long long)p->nacc);
    lua_pushfstring(L, "dclab.PCA(pca %d%s%s; %s)", (int)p->cfg.dim,
                    p->cfg.whiten ? ", whiten" : "", p->cfg.l2 ? ", l2" : "", fitted);
    return 1;
}

static const luaL_Reg pca_methods[] = {
    {"fit", m_pca_fit},       {"partial_fit", m_pca_partial_fit},
    {"finish", m_pca_finish}, {"reset", m_pca_reset},
    {"apply", m_pca_apply},   {"dims", m_pca_dims},
    {"free", m_pca_gc},       {NULL, NULL},
};

static const luaL_Reg pca_meta[] = {
    {"__gc", m_pca_gc}, {"__close", m_pca_gc}, {"__tostring", m_pca_tostring}, {NULL, NULL},
};

/* ---- PIC and kNN graphs ---- */

static const char *const pic_options[] = {"nnn", "sigma", "alpha", "niter",
                                          "distribute_singletons", NULL};

/* core.pic_fit(x, opts) -> assign (1-based), k, info */
static int l_pic_fit(lua_State *L)
{
    dc_tensor *x = dcb_checktensor(L, 1);
    dcb_checkoptions(L, 2, "pic", pic_options);
    dc_pic_cfg cfg;
    dc_pic_cfg_init(&cfg);
    cfg.nnn = dcb_optinteger(L, 2, "nnn", cfg.nnn);
    cfg.sigma = dcb_optnumber(L, 2, "sigma", cfg.sigma);
    cfg.alpha = dcb_optnumber(L, 2, "alpha", cfg.alpha);
    cfg.niter = (int)dcb_optinteger(L, 2, "niter", cfg.niter);
    cfg.distribute_singletons =
        dcb_optboolean(L, 2, "distribute_singletons", cfg.distribute_singletons);
    dcb_check(L, dc_pic_cfg_check(&cfg));
    dc_tensor *assign = dcb_newtensor(L);
    dc_pic_result r;
    dcb_check(L, dc_pic_fit(&cfg, x, assign, &r));
    dcb_ids_to_lua(L, assign);
    lua_pushinteger(L, r.k);
    lua_createtable(L, 0, 1);
    dcb_setinteger(L, "singletons_moved", r.singletons_moved);
    return 3;
}

/* core.knn_graph(x, k) -> ids (1-based, int64 [N, k]), dist (float32 [N, k]) */
static int l_knn_graph(lua_State *L)
{
    dc_tensor *x = dcb_checktensor(L, 1);
    lua_Integer k = luaL_checkinteger(L, 2);
    dc_tensor *ids = dcb_newtensor(L), *dist = dcb_newtensor(L);
    dcb_check(L, dc_knn_graph(x, k, ids, dist));
    dcb_ids_to_lua(L, ids);
    return 2;
}

/* ---- Sinkhorn-Knopp ---- */

static const char *const sinkhorn_options[] = {"iters", "epsilon", "tol", "inplace", NULL};

/* core.sinkhorn(scores, opts [, marginals]) -> Q, info; opts.inplace: Q is scores, overwritten */
static int l_sinkhorn(lua_State *L)
{
    dc_tensor *s = dcb_checktensor(L, 1);
    dcb_checkoptions(L, 2, "sinkhorn", sinkhorn_options);
    dc_tensor *m = lua_isnoneornil(L, 3) ? NULL : dcb_checktensor(L, 3);
    dc_sinkhorn_cfg cfg;
    dc_sinkhorn_cfg_init(&cfg);
    cfg.iters = (int)dcb_optinteger(L, 2, "iters", cfg.iters);
    cfg.epsilon = dcb_optnumber(L, 2, "epsilon", cfg.epsilon);
    cfg.tol = dcb_optnumber(L, 2, "tol", cfg.tol);
    bool inplace = dcb_optboolean(L, 2, "inplace", false);
    dcb_check(L, dc_sinkhorn_cfg_check(&cfg));
    dc_tensor *q = s;
    if (inplace) lua_pushvalue(L, 1);
    else q = dcb_newtensor(L);
    dc_sinkhorn_result r;
    dcb_check(L, dc_sinkhorn_solve(&cfg, s, m, q, &r));
    lua_createtable(L, 0, 2);
    dcb_setinteger(L, "iters", r.iters);
    dcb_setnumber(L, "err", r.err);
    return 2;
}

/* ---- metrics (labels are 1-based: base 1) ---- */

/* core.nmi(a, b, average) */
static int l_nmi(lua_State *L)
{
    dc_tensor *a = dcb_checktensor(L, 1), *b = dcb_checktensor(L, 2);
    dc_nmi_average avg;
    dcb_check(L, dc_nmi_average_parse(luaL_optstring(L, 3, "geometric"), &avg));
    double v;
    dcb_check(L, dc_nmi(a, b, avg, DCB_BASE, &v));
    lua_pushnumber(L, v);
    return 1;
}

static int l_ari(lua_State *L)
{
    dc_tensor *a = dcb_checktensor(L, 1), *b = dcb_checktensor(L, 2);
    double v;
    dcb_check(L, dc_ari(a, b, DCB_BASE, &v));
    lua_pushnumber(L, v);
    return 1;
}

/* core.acc(pred, truth) -> accuracy, mapping (class of each cluster, 0 = none) */
static int l_acc(lua_State *L)
{
    dc_tensor *p = dcb_checktensor(L, 1), *t = dcb_checktensor(L, 2);
    dc_tensor *map = dcb_newtensor(L);
    double v;
    dcb_check(L, dc_cluster_acc(p, t, DCB_BASE, &v, map));
    lua_pushnumber(L, v);
    lua_insert(L, -2);
    return 2;
}

static int l_contingency(lua_State *L)
{
    dc_tensor *a = dcb_checktensor(L, 1), *b = dcb_checktensor(L, 2);
    dc_tensor *out = dcb_newtensor(L);
    dcb_check(L, dc_contingency(a, b, DCB_BASE, out));
    return 1;
}

/* core.cluster_sizes(assign [, k]) -> sizes, stats */
static int l_cluster_sizes(lua_State *L)
{
    dc_tensor *a = dcb_checktensor(L, 1);
    lua_Integer k = luaL_optinteger(L, 2, 0);
    dc_tensor *sizes = dcb_newtensor(L);
    dc_size_stats st;
    dcb_check(L, dc_cluster_sizes(a, k, DCB_BASE, sizes, &st));
    lua_createtable(L, 0, 7);
    dcb_setinteger(L, "k", st.k);
    dcb_setinteger(L, "empty", st.nempty);
    dcb_setinteger(L, "min", st.min);
    dcb_setinteger(L, "max", st.max);
    dcb_setnumber(L, "entropy", st.entropy);
    dcb_setnumber(L, "norm_entropy", st.norm_entropy);
    dcb_setnumber(L, "imbalance", st.imbalance);
    return 2;
}

static const luaL_Reg cluster_funcs[] = {
    {"kmeans_fit", l_kmeans_fit},
    {"kmeans_assign", l_kmeans_assign},
    {"reassign_names", l_reassign_names},
    {"pca_new", l_pca_new},
    {"pic_fit", l_pic_fit},
    {"sinkhorn", l_sinkhorn},
    {"knn_graph", l_knn_graph},
    {"nmi", l_nmi},
    {"ari", l_ari},
    {"acc", l_acc},
    {"contingency", l_contingency},
    {"cluster_sizes", l_cluster_sizes},
    {NULL, NULL},
};

void dcb_open_cluster(lua_State *L)
{
    luaL_newmetatable(L, DCB_PCA);
    luaL_setfuncs(L, pca_meta, 0);
    luaL_newlib(L, pca_methods);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
    luaL_setfuncs(L, cluster_funcs, 0);
}
