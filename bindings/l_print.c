/* Lua bindings of tensor printing: the __tostring of dclab.Tensor and set_printoptions. The
 * options live in one userdata shared as upvalue 1 by both closures (one per Lua state). */
#include "dcb.h"

static const char *const print_option_names[] = {"edgeitems", "threshold", "precision",
                                                 "linewidth", NULL};

static void sink_buffer(void *ud, const char *s, size_t n) { luaL_addlstring(ud, s, n); }

/* __tostring(t): the summarised text of t (also for a released tensor) */
static int l_tensor_tostring(lua_State *L)
{
    dc_tensor *t = luaL_checkudata(L, 1, DCB_TENSOR);
    const dc_print_opts *o = lua_touserdata(L, lua_upvalueindex(1));
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    dcb_check(L, dc_tensor_print(t, o, sink_buffer, &b));
    luaL_pushresult(&b);
    return 1;
}

static void push_options(lua_State *L, const dc_print_opts *o)
{
    lua_createtable(L, 0, 4);
    lua_pushinteger(L, o->edgeitems);
    lua_setfield(L, -2, "edgeitems");
    lua_pushinteger(L, o->threshold);
    lua_setfield(L, -2, "threshold");
    lua_pushinteger(L, o->precision);
    lua_setfield(L, -2, "precision");
    lua_pushinteger(L, o->linewidth);
    lua_setfield(L, -2, "linewidth");
}

/* An integer option that fits an int (the range checks are dc_print_opts_check's). */
static int int_option(lua_State *L, const char *key, int def)
{
    lua_Integer v = dcb_optinteger(L, 1, key, def);
    if (v < -1000000000 || v > 1000000000)
        luaL_error(L, "set_printoptions: %s = %I is out of range", key, v);
    return (int)v;
}

/* core.set_printoptions{edgeitems=, threshold=, precision=, linewidth=} -> the previous
 * options (absent keys keep their value; set_printoptions(old) restores) */
static int l_set_printoptions(lua_State *L)
{
    dc_print_opts *o = lua_touserdata(L, lua_upvalueindex(1));
    luaL_checktype(L, 1, LUA_TTABLE);
    dcb_checkoptions(L, 1, "set_printoptions", print_option_names);
    dc_print_opts n = *o;
    n.edgeitems = int_option(L, "edgeitems", o->edgeitems);
    n.threshold = dcb_optinteger(L, 1, "threshold", o->threshold);
    n.precision = int_option(L, "precision", o->precision);
    n.linewidth = int_option(L, "linewidth", o->linewidth);
    dcb_check(L, dc_print_opts_check(&n));
    push_options(L, o);
    *o = n;
    return 1;
}

void dcb_open_print(lua_State *L)
{
    dc_print_opts *o = lua_newuserdatauv(L, sizeof *o, 0);
    dc_print_opts_init(o);
    o->base = 1; /* Lua's indices */
    luaL_getmetatable(L, DCB_TENSOR);
    lua_pushvalue(L, -2);
    lua_pushcclosure(L, l_tensor_tostring, 1);
    lua_setfield(L, -2, "__tostring");
    lua_pop(L, 1);
    lua_pushcclosure(L, l_set_printoptions, 1);
    lua_setfield(L, -2, "set_printoptions");
}
