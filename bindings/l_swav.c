/* Lua bindings of SwAV's swapped-prediction loss (core/layers/swav_loss.h). The pairing of
 * views and codes, and the prototypes, are Lua's (lua/dclab/nn/SwAVLoss.lua, swav.lua).
 * View ids are 1-based here and cross to core with base DCB_BASE. */
#include "dcb.h"

/* The views of a call: scores hold views first .. first + Vs - 1 of n (1-based). */
static dc_swav_views checkviews(lua_State *L, int i)
{
    dc_swav_views v = {DCB_BASE, luaL_checkinteger(L, i), luaL_checkinteger(L, i + 1)};
    return v;
}

/* core.swav_loss_forward(scores, codes, code_views, temperature, first_view, n_views, prob)
 * -> loss, prob. scores [Vs, B, K] (views first_view.. of n_views), codes [A, B, K],
 * code_views int64 [A], view ids 1-based; prob output or nil. */
static int l_swav_loss_forward(lua_State *L)
{
    dc_tensor *z = dcb_checktensor(L, 1), *q = dcb_checktensor(L, 2), *v = dcb_checktensor(L, 3);
    double t = luaL_checknumber(L, 4);
    dc_swav_views views = checkviews(L, 5);
    double loss = 0;
    dcb_outarg po = dcb_checkout(L, 7, false);
    dcb_noalias(L, "swav_loss_forward", po.t, z, "the output", "scores");
    dc_tensor *p = dcb_pushout(L, po);
    dcb_check(L, dc_swav_loss_forward(z, q, v, views, t, p, &loss));
    lua_pushnumber(L, loss);
    lua_rotate(L, -2, 1); /* return loss, prob */
    return 2;
}

/* core.swav_loss_backward(prob, codes, code_views, temperature, first_view, n_views, dloss,
 * dscores) -> dscores (dscores may be prob, or nil for a new tensor) */
static int l_swav_loss_backward(lua_State *L)
{
    dc_tensor *p = dcb_checktensor(L, 1), *q = dcb_checktensor(L, 2), *v = dcb_checktensor(L, 3);
    double t = luaL_checknumber(L, 4);
    dc_swav_views views = checkviews(L, 5);
    double dloss = luaL_checknumber(L, 7);
    dc_tensor *g = dcb_pushout(L, dcb_checkout(L, 8, false));
    dcb_check(L, dc_swav_loss_backward(p, q, v, views, t, dloss, g));
    return 1;
}

static const luaL_Reg swav_funcs[] = {
    {"swav_loss_forward", l_swav_loss_forward},
    {"swav_loss_backward", l_swav_loss_backward},
    {NULL, NULL},
};

void dcb_open_swav(lua_State *L) { luaL_setfuncs(L, swav_funcs, 0); }
