/* Lua bindings of the optimizer kernels (core/optim/). The policy (parameter groups,
 * schedules, state tables) lives in lua/dclab/optim/. */
#include "dcb.h"

/* core.sgd_step(w, g, buf, lr, momentum, dampening, weight_decay, nesterov) -> buf
 * buf: the momentum buffer, nil on the first step (a new one is returned); nil is returned
 * when momentum is 0. */
static int l_sgd_step(lua_State *L)
{
    dc_tensor *w = dcb_checktensor(L, 1), *g = dcb_checktensor(L, 2);
    dc_tensor *buf = lua_isnoneornil(L, 3) ? NULL : dcb_checktensor(L, 3);
    dc_sgd_cfg c;
    dc_sgd_cfg_init(&c, luaL_checknumber(L, 4));
    c.momentum = luaL_checknumber(L, 5);
    c.dampening = luaL_checknumber(L, 6);
    c.weight_decay = luaL_checknumber(L, 7);
    c.nesterov = lua_toboolean(L, 8);
    if (w->storage == g->storage) luaL_error(L, "sgd_step: gradient must not share storage with the parameter");
    dcb_check(L, dc_sgd_cfg_check(&c));
    if (c.momentum == 0) {
        dcb_check(L, dc_sgd_step(&c, w, g, NULL));
        lua_pushnil(L);
        return 1;
    }
    if (buf) lua_pushvalue(L, 3);
    else buf = dcb_newtensor(L);
    dcb_check(L, dc_sgd_step(&c, w, g, buf));
    return 1;
}

/* core.adam_step(w, g, moments, step, lr, beta1, beta2, eps, weight_decay) -> moments
 * moments: float32 [2, <w's shape>] (first, second moment), nil at the first step (a new one
 * is returned). */
static int l_adam_step(lua_State *L)
{
    dc_tensor *w = dcb_checktensor(L, 1), *g = dcb_checktensor(L, 2);
    dc_tensor *mom = lua_isnoneornil(L, 3) ? NULL : dcb_checktensor(L, 3);
    lua_Integer step = luaL_checkinteger(L, 4);
    dc_adam_cfg c;
    dc_adam_cfg_init(&c, luaL_checknumber(L, 5));
    c.beta1 = luaL_checknumber(L, 6);
    c.beta2 = luaL_checknumber(L, 7);
    c.eps = luaL_checknumber(L, 8);
    c.weight_decay = luaL_checknumber(L, 9);
    if (w->storage == g->storage) luaL_error(L, "adam_step: gradient must not share storage with the parameter");
    if (mom && (mom->storage == w->storage || mom->storage == g->storage))
        luaL_error(L, "adam_step: moments must not share storage with the parameter or gradient");
    dcb_check(L, dc_adam_cfg_check(&c));
    if (mom) lua_pushvalue(L, 3);
    else mom = dcb_newtensor(L);
    dcb_check(L, dc_adam_step(&c, w, g, mom, step));
    return 1;
}

static const luaL_Reg optim_funcs[] = {
    {"sgd_step", l_sgd_step},
    {"adam_step", l_adam_step},
    {NULL, NULL},
};

void dcb_open_optim(lua_State *L) { luaL_setfuncs(L, optim_funcs, 0); }
