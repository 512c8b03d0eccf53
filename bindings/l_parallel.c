/* Lua bindings of the engine's thread count (OpenMP and OpenBLAS). */
#include "dcb.h"

/* core.set_num_threads(n): OpenMP and OpenBLAS threads of later work */
static int l_set_num_threads(lua_State *L)
{
    lua_Integer n = luaL_checkinteger(L, 1);
    if (n < 1 || n > 1024)
        return luaL_error(L, "set_num_threads: expected 1 to 1024 threads, got %d", (int)n);
    dcb_check(L, dc_set_num_threads((int)n));
    return 0;
}

static int l_get_num_threads(lua_State *L)
{
    lua_pushinteger(L, dc_get_num_threads());
    return 1;
}

static const luaL_Reg parallel_funcs[] = {
    {"set_num_threads", l_set_num_threads},
    {"get_num_threads", l_get_num_threads},
    {NULL, NULL},
};

void dcb_open_parallel(lua_State *L) { luaL_setfuncs(L, parallel_funcs, 0); }
