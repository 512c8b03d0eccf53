/* Lua bindings of core/cluster/umap.c: fuzzy kNN weights and the UMAP-style layout, and of
 * dc_knn_search (knn.c), which places new points against the laid-out ones.
 * Neighbour ids are 1-based here (as core.knn_graph gives them), 0-based in core. */
#include "dcb.h"

static const char *const layout_options[] = {"n_epochs", "min_dist", "spread", "a", "b",
                                             "learning_rate", "negative_rate", "repulsion",
                                             NULL};

/* core.umap_find_ab(min_dist, spread) -> a, b */
static int l_umap_find_ab(lua_State *L)
{
    double a, b;
    dcb_check(L, dc_umap_find_ab(luaL_checknumber(L, 1), luaL_checknumber(L, 2), &a, &b));
    lua_pushnumber(L, a);
    lua_pushnumber(L, b);
    return 2;
}

/* core.umap_weights(dist) -> w */
static int l_umap_weights(lua_State *L)
{
    dc_tensor *dist = dcb_checktensor(L, 1);
    dc_tensor *w = dcb_newtensor(L);
    dcb_check(L, dc_umap_weights(dist, w));
    return 1;
}

/* core.umap_layout(ids, w, y, opts, generator) -> y (laid out in place) */
static int l_umap_layout(lua_State *L)
{
    dc_tensor *ids = dcb_checktensor(L, 1), *w = dcb_checktensor(L, 2);
    dc_tensor *y = dcb_checktensor(L, 3);
    dcb_checkoptions(L, 4, "umap", layout_options);
    dc_rng *r = dcb_checkgenerator(L, 5);
    dc_umap_cfg cfg;
    dc_umap_cfg_init(&cfg);
    lua_Integer epochs = dcb_optinteger(L, 4, "n_epochs", cfg.n_epochs);
    lua_Integer neg = dcb_optinteger(L, 4, "negative_rate", cfg.negative_rate);
    if (epochs < 1 || epochs > 100000 || neg < 0 || neg > 1000)
        luaL_error(L, "umap: n_epochs must be in 1..100000 and negative_rate in 0..1000 "
                   "(got %d, %d)", (int)epochs, (int)neg);
    cfg.n_epochs = (int)epochs;
    cfg.negative_rate = (int)neg;
    cfg.min_dist = dcb_optnumber(L, 4, "min_dist", cfg.min_dist);
    cfg.spread = dcb_optnumber(L, 4, "spread", cfg.spread);
    cfg.a = dcb_optnumber(L, 4, "a", cfg.a);
    cfg.b = dcb_optnumber(L, 4, "b", cfg.b);
    cfg.learning_rate = dcb_optnumber(L, 4, "learning_rate", cfg.learning_rate);
    cfg.repulsion = dcb_optnumber(L, 4, "repulsion", cfg.repulsion);
    if (ids->dtype != DC_I64) luaL_error(L, "umap: ids must be int64, got %s",
                                         dc_dtype_name(ids->dtype));
    dc_tensor *ids0 = dcb_newtensor(L);
    dcb_ids_from_lua(L, ids, ids0);
    dcb_check(L, dc_umap_layout(&cfg, ids0, w, y, r));
    lua_pushvalue(L, 3);
    return 1;
}

/* core.knn_search(base, q, k) -> ids (1-based rows of base, int64 [M, k]), dist (squared L2) */
static int l_knn_search(lua_State *L)
{
    dc_tensor *base = dcb_checktensor(L, 1), *q = dcb_checktensor(L, 2);
    lua_Integer k = luaL_checkinteger(L, 3);
    dc_tensor *ids = dcb_newtensor(L), *dist = dcb_newtensor(L);
    dcb_check(L, dc_knn_search(base, q, k, ids, dist));
    dcb_ids_to_lua(L, ids);
    return 2;
}

static const luaL_Reg umap_funcs[] = {
    {"knn_search", l_knn_search},
    {"umap_find_ab", l_umap_find_ab},
    {"umap_weights", l_umap_weights},
    {"umap_layout", l_umap_layout},
    {NULL, NULL},
};

void dcb_open_umap(lua_State *L) { luaL_setfuncs(L, umap_funcs, 0); }
