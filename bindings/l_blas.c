/* Lua bindings of the matrix products, as module functions and dclab.Tensor methods:
 *   a:mm(b [, out])  a:bmm(b [, out])  a:matmul(b [, out])  a:mv(v [, out])  -> tensor
 *   a:dot(b) -> number
 *   c:addmm(a, b [, {alpha = 1, beta = 1}]) -> beta * c + alpha * a @ b, a new tensor
 *   c:addmm_(a, b [, {alpha =, beta =}])    -> the same into c, returns c
 * out: a tensor of the result's exact shape to write into (no allocation in hot loops). */
#include "dcb.h"

typedef dc_status (*product_fn)(const dc_tensor *, const dc_tensor *, dc_tensor *);

static int product(lua_State *L, product_fn fn)
{
    dc_tensor *a = dcb_checktensor(L, 1), *b = dcb_checktensor(L, 2);
    dc_tensor *out;
    if (lua_isnoneornil(L, 3)) {
        out = dcb_newtensor(L);
    } else {
        out = dcb_checktensor(L, 3);
        lua_settop(L, 3);
    }
    dcb_check(L, fn(a, b, out));
    return 1;
}

static int l_mm(lua_State *L) { return product(L, dc_mm); }
static int l_bmm(lua_State *L) { return product(L, dc_bmm); }
static int l_matmul(lua_State *L) { return product(L, dc_matmul); }
static int l_mv(lua_State *L) { return product(L, dc_mv); }

static int l_dot(lua_State *L)
{
    dc_tensor *a = dcb_checktensor(L, 1), *b = dcb_checktensor(L, 2);
    double r;
    dcb_check(L, dc_dot(a, b, &r));
    lua_pushnumber(L, r);
    return 1;
}

static int addmm(lua_State *L, int inplace)
{
    static const char *const opts[] = {"alpha", "beta", NULL};
    const char *name = inplace ? "addmm_" : "addmm";
    dc_tensor *c = dcb_checktensor(L, 1), *a = dcb_checktensor(L, 2), *b = dcb_checktensor(L, 3);
    dcb_checkoptions(L, 4, name, opts);
    double alpha = dcb_optnumber(L, 4, "alpha", 1.0), beta = dcb_optnumber(L, 4, "beta", 1.0);
    dc_tensor *out = inplace ? c : dcb_newtensor(L);
    dcb_check(L, dc_addmm(c, a, b, alpha, beta, out));
    if (inplace) lua_settop(L, 1);
    return 1;
}

static int l_addmm(lua_State *L) { return addmm(L, 0); }
static int l_addmm_(lua_State *L) { return addmm(L, 1); }

static const luaL_Reg blas_funcs[] = {
    {"mm", l_mm}, {"bmm", l_bmm}, {"matmul", l_matmul}, {"mv", l_mv}, {"dot", l_dot},
    {"addmm", l_addmm}, {"addmm_", l_addmm_}, {NULL, NULL},
};

/* Adds the functions to the module table and, as methods, to core.Tensor (made by
 * dcb_open_tensor, which must run first). */
void dcb_open_blas(lua_State *L)
{
    luaL_setfuncs(L, blas_funcs, 0);
    lua_getfield(L, -1, "Tensor");
    luaL_setfuncs(L, blas_funcs, 0);
    lua_pop(L, 1);
}
