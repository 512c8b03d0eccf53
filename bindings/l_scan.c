/* Lua bindings of core/layers/scan_loss.c, the clustering loss of dc.nn.SCANLoss. */
#include "dcb.h"

/* core.scan_loss_forward(anchors, neighbors, entropy_weight) -> loss, consistency, entropy */
static int l_scan_loss_forward(lua_State *L)
{
    dc_tensor *a = dcb_checktensor(L, 1), *n = dcb_checktensor(L, 2);
    double w = luaL_checknumber(L, 3);
    dc_scan_terms t;
    dcb_check(L, dc_scan_loss_forward(a, n, w, &t));
    lua_pushnumber(L, t.loss);
    lua_pushnumber(L, t.consistency);
    lua_pushnumber(L, t.entropy);
    return 3;
}

/* core.scan_loss_backward(anchors, neighbors, entropy_weight, dloss) -> da, dn */
static int l_scan_loss_backward(lua_State *L)
{
    dc_tensor *a = dcb_checktensor(L, 1), *n = dcb_checktensor(L, 2);
    double w = luaL_checknumber(L, 3), dloss = luaL_checknumber(L, 4);
    dc_tensor *da = dcb_newtensor(L), *dn = dcb_newtensor(L);
    dcb_check(L, dc_scan_loss_backward(a, n, w, dloss, da, dn));
    return 2;
}

static const luaL_Reg scan_funcs[] = {
    {"scan_loss_forward", l_scan_loss_forward},
    {"scan_loss_backward", l_scan_loss_backward},
    {NULL, NULL},
};

void dcb_open_scan(lua_State *L) { luaL_setfuncs(L, scan_funcs, 0); }
