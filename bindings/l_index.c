/* Lua bindings of the index ops (core/ops/index.h): tensor methods index_select, gather,
 * scatter_add_, masked_select, masked_fill_, cumsum, sort, argsort, topk, and the functions
 * cat and bincount. Index values are 1-based in Lua: every core call gets base DCB_BASE, the
 * one place where they are converted. */
#include <limits.h>

#include "dcb.h"


/* An optional boolean argument (absent or nil -> def). */
static int optboolean(lua_State *L, int arg, int def)
{
    if (lua_isnoneornil(L, arg)) return def;
    luaL_checktype(L, arg, LUA_TBOOLEAN);
    return lua_toboolean(L, arg);
}

/* An optional dimension argument (absent or nil -> 0-based def). */
static int optdim(lua_State *L, int arg, const dc_tensor *t, int def)
{
    return lua_isnoneornil(L, arg) ? def : dcb_checkdim(L, arg, t->ndim, 0);
}

/* t:index_select(dim, idx) */
static int m_index_select(lua_State *L)
{
    dc_tensor *a = dcb_checktensor(L, 1);
    int dim = dcb_checkdim(L, 2, a->ndim, 0);
    dc_tensor *idx = dcb_checktensor(L, 3);
    dc_tensor *out = dcb_newtensor(L);
    dcb_check(L, dc_index_select(a, dim, idx, DCB_BASE, out));
    return 1;
}

/* t:gather(dim, idx) */
static int m_gather(lua_State *L)
{
    dc_tensor *a = dcb_checktensor(L, 1);
    int dim = dcb_checkdim(L, 2, a->ndim, 0);
    dc_tensor *idx = dcb_checktensor(L, 3);
    dc_tensor *out = dcb_newtensor(L);
    dcb_check(L, dc_gather(a, dim, idx, DCB_BASE, out));
    return 1;
}

/* t:scatter_add_(dim, idx, src) -> t */
static int m_scatter_add_(lua_State *L)
{
    dc_tensor *a = dcb_checktensor(L, 1);
    int dim = dcb_checkdim(L, 2, a->ndim, 0);
    dc_tensor *idx = dcb_checktensor(L, 3), *src = dcb_checktensor(L, 4);
    dcb_check(L, dc_scatter_add(a, dim, idx, DCB_BASE, src));
    lua_settop(L, 1);
    return 1;
}

/* t:masked_select(mask) -> 1-D */
static int m_masked_select(lua_State *L)
{
    dc_tensor *a = dcb_checktensor(L, 1), *mask = dcb_checktensor(L, 2);
    dc_tensor *out = dcb_newtensor(L);
    dcb_check(L, dc_masked_select(a, mask, out));
    return 1;
}

/* t:masked_fill_(mask, v) -> t */
static int m_masked_fill_(lua_State *L)
{
    dc_tensor *a = dcb_checktensor(L, 1), *mask = dcb_checktensor(L, 2);
    double v = luaL_checknumber(L, 3);
    dcb_check(L, dc_masked_fill(a, mask, v));
    lua_settop(L, 1);
    return 1;
}

/* t:cumsum([dim = 1]) */
static int m_cumsum(lua_State *L)
{
    dc_tensor *a = dcb_checktensor(L, 1);
    int dim = optdim(L, 2, a, 0);
    dc_tensor *out = dcb_newtensor(L);
    dcb_check(L, dc_cumsum(a, dim, out));
    return 1;
}

/* t:sort([dim = last [, descending = false]]) -> values, indices */
static int m_sort(lua_State *L)
{
    dc_tensor *a = dcb_checktensor(L, 1);
    int dim = optdim(L, 2, a, a->ndim - 1);
    int desc = optboolean(L, 3, 0);
    dc_tensor *values = dcb_newtensor(L), *indices = dcb_newtensor(L);
    dcb_check(L, dc_sort(a, dim, desc, DCB_BASE, values, indices));
    return 2;
}

/* t:argsort([dim = last [, descending = false]]) -> indices */
static int m_argsort(lua_State *L)
{
    dc_tensor *a = dcb_checktensor(L, 1);
    int dim = optdim(L, 2, a, a->ndim - 1);
    int desc = optboolean(L, 3, 0);
    dc_tensor *indices = dcb_newtensor(L);
    dcb_check(L, dc_argsort(a, dim, desc, DCB_BASE, indices));
    return 1;
}

/* t:topk(k [, dim = last [, largest = true]]) -> values, indices (best first) */
static int m_topk(lua_State *L)
{
    dc_tensor *a = dcb_checktensor(L, 1);
    lua_Integer k = luaL_checkinteger(L, 2);
    int dim = optdim(L, 3, a, a->ndim - 1);
    int largest = optboolean(L, 4, 1);
    dc_tensor *values = dcb_newtensor(L), *indices = dcb_newtensor(L);
    dcb_check(L, dc_topk(a, k, dim, largest, DCB_BASE, values, indices));
    return 2;
}

/* core.cat(list [, dim = 1]) */
static int l_cat(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 2); /* dim stays at 2, absent or not, below what gets pushed */
    lua_Integer n = luaL_len(L, 1);
    if (n < 1) return luaL_error(L, "cat: expected a non-empty list of tensors");
    if (n > INT_MAX) return luaL_error(L, "cat: too many tensors");
    /* the pointer array lives in a userdata, so an error below leaks nothing */
    const dc_tensor **list = lua_newuserdatauv(L, sizeof *list * (size_t)n, 0);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_geti(L, 1, i);
        list[i - 1] = dcb_totensor(L, -1);
        if (!list[i - 1])
            return luaL_error(L, "cat: element %d of the list is a %s, not a tensor", (int)i,
                              luaL_typename(L, -1));
        lua_pop(L, 1); /* the list keeps it alive */
    }
    int dim = optdim(L, 2, list[0], 0);
    dc_tensor *out = dcb_newtensor(L);
    dcb_check(L, dc_cat(list, (int)n, dim, out));
    return 1;
}

/* core.bincount(x [, {weights = w, minlength = m}]): entry i counts the value i */
static int l_bincount(lua_State *L)
{
    static const char *const keys[] = {"weights", "minlength", NULL};
    dc_tensor *x = dcb_checktensor(L, 1);
    dcb_checkoptions(L, 2, "bincount", keys);
    dc_tensor *w = NULL;
    if (lua_istable(L, 2)) {
        lua_getfield(L, 2, "weights");
        if (!lua_isnil(L, -1) && !(w = dcb_totensor(L, -1)))
            return luaL_error(L, "bincount: option 'weights' must be a tensor, got %s",
                              luaL_typename(L, -1));
        lua_pop(L, 1); /* the options table keeps it alive */
    }
    lua_Integer minlength = dcb_optinteger(L, 2, "minlength", 0);
    dc_tensor *out = dcb_newtensor(L);
    dcb_check(L, dc_bincount(x, w, minlength, DCB_BASE, out));
    return 1;
}

static const luaL_Reg index_methods[] = {
    {"index_select", m_index_select}, {"gather", m_gather}, {"scatter_add_", m_scatter_add_},
    {"masked_select", m_masked_select}, {"masked_fill_", m_masked_fill_}, {"cumsum", m_cumsum},
    {"sort", m_sort}, {"argsort", m_argsort}, {"topk", m_topk}, {NULL, NULL},
};

static const luaL_Reg index_funcs[] = {
    {"cat", l_cat}, {"bincount", l_bincount}, {NULL, NULL},
};

void dcb_open_index(lua_State *L)
{
    lua_getfield(L, -1, "Tensor"); /* the method table, made by dcb_open_tensor */
    luaL_setfuncs(L, index_methods, 0);
    lua_pop(L, 1);
    luaL_setfuncs(L, index_funcs, 0);
}
