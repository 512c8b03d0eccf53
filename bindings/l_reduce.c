/* Lua bindings of the reductions, as dclab.Tensor methods:
 *   t:sum() -> number              t:sum(dim [, keepdim]) -> tensor    (mean, prod alike)
 *   t:var([dim [, keepdim]] [, {unbiased = true}])                     (std alike)
 *   t:norm([p [, dim [, keepdim]]])                                    p defaults to 2
 *   t:max() -> number              t:max(dim [, keepdim]) -> values, indices   (min alike)
 *   t:argmax() -> flat index       t:argmax(dim [, keepdim]) -> indices        (argmin alike)
 * Dimensions and indices are 1-based here (negative dims count from the end), 0-based in core:
 * the conversion is cfg.base = 1 and the dim argument below. */
#include "dcb.h"

/* Reads [dim [, keepdim]] at arg, arg + 1 and, for var/std, a trailing options table.
 * Returns false when no dim is given (a full reduction to a number). */
static bool check_dim_args(lua_State *L, int arg, const dc_tensor *t, dc_reduce_op op,
                           dc_reduce_cfg *cfg)
{
    const char *name = dc_reduce_name(op);
    bool has_dim = false;
    if (lua_type(L, arg) == LUA_TNUMBER) {
        int ok;
        lua_Integer d = lua_tointegerx(L, arg, &ok);
        if (!ok) return luaL_error(L, "%s: dimension must be an integer, got %s", name,
                                   lua_tostring(L, arg));
        int64_t d0 = dcb_index0(d, t->ndim);
        if (d0 < 0) {
            char b[128];
            return luaL_error(L, "%s: dimension %d out of range for %s", name, (int)d,
                              dc_tensor_describe(t, b, sizeof b));
        }
        cfg->dim = (int)d0;
        has_dim = true;
        arg++;
        if (lua_isboolean(L, arg)) cfg->keepdim = lua_toboolean(L, arg);
        else if (!lua_isnoneornil(L, arg) && !lua_istable(L, arg))
            return luaL_error(L, "%s: keepdim must be a boolean, got %s", name,
                              luaL_typename(L, arg));
        if (!lua_istable(L, arg)) arg++;
    }
    if ((op == DC_REDUCE_VAR || op == DC_REDUCE_STD) && lua_istable(L, arg)) {
        static const char *const opts[] = {"unbiased", NULL};
        dcb_checkoptions(L, arg, name, opts);
        cfg->unbiased = dcb_optboolean(L, arg, "unbiased", true);
        arg++;
    }
    for (int i = arg; i <= lua_gettop(L); i++)
        if (!lua_isnil(L, i))
            return luaL_error(L, "%s: unexpected argument (%s)%s", name, luaL_typename(L, i),
                              has_dim ? "" : ", expected a dimension");
    return has_dim;
}

static int reduce(lua_State *L, dc_reduce_op op)
{
    dc_tensor *t = dcb_checktensor(L, 1);
    dc_reduce_cfg cfg;
    dc_reduce_cfg_init(&cfg);
    cfg.base = 1;
    int arg = 2;
    if (op == DC_REDUCE_NORM) {
        if (!lua_isnoneornil(L, 2) && lua_type(L, 2) != LUA_TNUMBER)
            return luaL_error(L, "norm: order p must be a number, got %s", luaL_typename(L, 2));
        cfg.p = luaL_optnumber(L, 2, 2.0);
        arg = 3;
    }
    if (!check_dim_args(L, arg, t, op, &cfg)) {
        dc_scalar s;
        dcb_check(L, dc_reduce_scalar(op, t, &cfg, &s));
        if (s.is_int) lua_pushinteger(L, s.i);
        else lua_pushnumber(L, s.f);
        return 1;
    }
    bool extreme = op == DC_REDUCE_MAX || op == DC_REDUCE_MIN;
    dc_tensor *values = dcb_newtensor(L);
    dc_tensor *indices = extreme ? dcb_newtensor(L) : NULL;
    dcb_check(L, dc_reduce(op, t, &cfg, values, indices));
    return extreme ? 2 : 1;
}

#define REDUCE_FN(name, op)                                                                    \
    static int m_##name(lua_State *L) { return reduce(L, op); }

REDUCE_FN(sum, DC_REDUCE_SUM)
REDUCE_FN(mean, DC_REDUCE_MEAN)
REDUCE_FN(prod, DC_REDUCE_PROD)
REDUCE_FN(var, DC_REDUCE_VAR)
REDUCE_FN(std, DC_REDUCE_STD)
REDUCE_FN(norm, DC_REDUCE_NORM)
REDUCE_FN(max, DC_REDUCE_MAX)
REDUCE_FN(min, DC_REDUCE_MIN)
REDUCE_FN(argmax, DC_REDUCE_ARGMAX)
REDUCE_FN(argmin, DC_REDUCE_ARGMIN)

static const luaL_Reg reduce_methods[] = {
    {"sum", m_sum}, {"mean", m_mean}, {"prod", m_prod}, {"var", m_var}, {"std", m_std},
    {"norm", m_norm}, {"max", m_max}, {"min", m_min}, {"argmax", m_argmax},
    {"argmin", m_argmin}, {NULL, NULL},
};

/* Adds the methods to core.Tensor (made by dcb_open_tensor, which must run first). */
void dcb_open_reduce(lua_State *L)
{
    lua_getfield(L, -1, "Tensor");
    luaL_setfuncs(L, reduce_methods, 0);
    lua_pop(L, 1);
}
