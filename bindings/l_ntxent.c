/* Lua bindings of core/layers/ntxent.c, the contrastive loss of dc.nn.NTXentLoss. */
#include "dcb.h"

/* core.ntxent_forward(z1, z2, temperature) -> loss, prob */
static int l_ntxent_forward(lua_State *L)
{
    dc_tensor *z1 = dcb_checktensor(L, 1), *z2 = dcb_checktensor(L, 2);
    double t = luaL_checknumber(L, 3);
    double loss = 0;
    dc_tensor *prob = dcb_newtensor(L);
    dcb_check(L, dc_ntxent_forward(z1, z2, t, prob, &loss));
    lua_pushnumber(L, loss);
    lua_rotate(L, -2, 1); /* return loss, prob */
    return 2;
}

/* core.ntxent_backward(z1, z2, prob, temperature, dloss) -> dz1, dz2 */
static int l_ntxent_backward(lua_State *L)
{
    dc_tensor *z1 = dcb_checktensor(L, 1), *z2 = dcb_checktensor(L, 2);
    dc_tensor *prob = dcb_checktensor(L, 3);
    double t = luaL_checknumber(L, 4), dloss = luaL_checknumber(L, 5);
    dc_tensor *dz1 = dcb_newtensor(L), *dz2 = dcb_newtensor(L);
    dcb_check(L, dc_ntxent_backward(z1, z2, prob, t, dloss, dz1, dz2));
    return 2;
}

static const luaL_Reg ntxent_funcs[] = {
    {"ntxent_forward", l_ntxent_forward},
    {"ntxent_backward", l_ntxent_backward},
    {NULL, NULL},
};

void dcb_open_ntxent(lua_State *L) { luaL_setfuncs(L, ntxent_funcs, 0); }
