/* Bindings of core/sys.h: versions, clock, terminal test and SIGINT polling. */
#include "dcb.h"

/* core.versions() -> {dclab=, lua=, openblas=, faiss=, jpeg=}; lua is the Lua release the
 * module was compiled against. */
static int l_versions(lua_State *L)
{
    dc_versions v = dc_sys_versions();
    lua_createtable(L, 0, 5);
    lua_pushstring(L, v.dclab);
    lua_setfield(L, -2, "dclab");
    lua_pushstring(L, LUA_RELEASE);
    lua_setfield(L, -2, "lua");
    lua_pushstring(L, v.openblas);
    lua_setfield(L, -2, "openblas");
    lua_pushstring(L, v.faiss);
    lua_setfield(L, -2, "faiss");
    lua_pushstring(L, v.jpeg);
    lua_setfield(L, -2, "jpeg");
    return 1;
}

/* core.now() -> seconds on a monotonic wall clock (only differences mean anything). */
static int l_now(lua_State *L)
{
    lua_pushnumber(L, dc_sys_now());
    return 1;
}

/* core.isatty(fd) -> whether fd (default 1, stdout) is a terminal */
static int l_isatty(lua_State *L)
{
    lua_pushboolean(L, dc_sys_isatty((int)luaL_optinteger(L, 1, 1)));
    return 1;
}

/* core.catch_interrupts(on): SIGINT sets a flag instead of the default action */
static int l_catch_interrupts(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TBOOLEAN);
    dc_sys_catch_sigint(lua_toboolean(L, 1));
    return 0;
}

/* core.interrupted() -> whether SIGINT arrived since the last call */
static int l_interrupted(lua_State *L)
{
    lua_pushboolean(L, dc_sys_interrupted());
    return 1;
}

static const luaL_Reg sys_funcs[] = {
    {"catch_interrupts", l_catch_interrupts}, {"interrupted", l_interrupted},
    {"versions", l_versions}, {"now", l_now}, {"isatty", l_isatty}, {NULL, NULL},
};

void dcb_open_sys(lua_State *L) { luaL_setfuncs(L, sys_funcs, 0); }
