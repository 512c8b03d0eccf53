/* Helpers shared by the binding files (see dcb.h). */
#include "dcb.h"

#include <string.h>

/* ---- tensors ---- */

dc_tensor *dcb_totensor(lua_State *L, int i) { return luaL_testudata(L, i, DCB_TENSOR); }

dc_tensor *dcb_checktensor(lua_State *L, int i)
{
    dc_tensor *t = luaL_checkudata(L, i, DCB_TENSOR);
    if (!t->storage) luaL_argerror(L, i, "attempt to use a released tensor");
    return t;
}

/* Engine bytes at the last GC step taken on their account. The Lua collector does not see
 * C allocations, so without this, loops of temporaries would grow until collection happens
 * by chance (torch7 issue #229). */
static int64_t paced_bytes;

dc_tensor *dcb_newtensor(lua_State *L)
{
    int64_t now = dc_mem_get().bytes;
    if (now - paced_bytes > ((int64_t)32 << 20)) {
        lua_gc(L, LUA_GCSTEP, (int)((now - paced_bytes) >> 10));
        paced_bytes = dc_mem_get().bytes;
    } else if (now < paced_bytes) {
        paced_bytes = now;
    }
    dc_tensor *t = lua_newuserdatauv(L, sizeof(dc_tensor), 0);
    *t = dc_tensor_empty();
    luaL_setmetatable(L, DCB_TENSOR);
    return t;
}

void dcb_check(lua_State *L, dc_status s)
{
    if (s != DC_OK) luaL_error(L, "%s", dc_last_error());
}

void dcb_check_named(lua_State *L, const char *fname, dc_status s)
{
    if (s == DC_OK) return;
    const char *m = dc_last_error();
    size_t n = strlen(fname);
    if (strncmp(m, fname, n) == 0 && m[n] == ':') luaL_error(L, "%s", m);
    luaL_error(L, "%s: %s", fname, m);
}

/* ---- arguments ---- */

void dcb_ids_to_lua(lua_State *L, dc_tensor *t)
{
    dcb_check(L, dc_binary_scalar(DC_ADD, t, DCB_BASE, true, false, t));
}

void dcb_ids_from_lua(lua_State *L, const dc_tensor *ids, dc_tensor *out)
{
    dcb_check(L, dc_binary_scalar(DC_SUB, ids, DCB_BASE, true, false, out));
}

int64_t dcb_index0(lua_Integer i, int64_t n)
{
    int64_t i0 = i < 0 ? n + i : i - 1;
    return i0 >= 0 && i0 < n ? i0 : -1;
}

int64_t dcb_checkindex(lua_State *L, int arg, int64_t n)
{
    lua_Integer i = luaL_checkinteger(L, arg);
    int64_t i0 = dcb_index0(i, n);
    if (i0 < 0)
        luaL_argerror(L, arg, lua_pushfstring(L, "index %I out of range 1..%I", i, (lua_Integer)n));
    return i0;
}

int dcb_checkdim(lua_State *L, int arg, int ndim, int ndim_extra)
{
    lua_Integer d = luaL_checkinteger(L, arg);
    int n = ndim + ndim_extra;
    int64_t d0 = dcb_index0(d, n);
    if (d0 < 0)
        return luaL_argerror(L, arg,
                             lua_pushfstring(L, "dimension %d out of range for a %d-dimensional "
                                                "tensor (1..%d)", (int)d, ndim, n));
    return (int)d0;
}

int dcb_checkshape(lua_State *L, int arg, int64_t *shape)
{
    int ndim = 0;
    if (lua_istable(L, arg)) {
        ndim = (int)luaL_len(L, arg);
        if (ndim > DC_MAX_DIMS)
            return luaL_argerror(L, arg, lua_pushfstring(L, "%d dimensions (at most %d are supported)",
                                                         ndim, DC_MAX_DIMS));
        for (int d = 0; d < ndim; d++) {
            lua_geti(L, arg, d + 1);
            int ok;
            lua_Integer v = lua_tointegerx(L, -1, &ok);
            if (!ok)
                return luaL_argerror(L, arg, lua_pushfstring(L, "size %d is %s, not an integer",
                                                             d + 1, luaL_typename(L, -1)));
            shape[d] = v;
            lua_pop(L, 1);
        }
        if (lua_rawlen(L, arg) == 0 && (lua_pushnil(L), lua_next(L, arg)))
            return luaL_argerror(L, arg, lua_pushfstring(L, "a shape is a list of sizes, got key '%s'",
                                                         luaL_tolstring(L, -2, NULL)));
        return ndim;
    }
    int top = lua_gettop(L);
    for (int i = arg; i <= top && lua_type(L, i) == LUA_TNUMBER; i++) {
        if (ndim == DC_MAX_DIMS)
            return luaL_argerror(L, i, lua_pushfstring(L, "more than %d dimensions", DC_MAX_DIMS));
        int ok;
        shape[ndim] = lua_tointegerx(L, i, &ok);
        if (!ok) return luaL_argerror(L, i, "size must be an integer");
        ndim++;
    }
    return ndim;
}

void dcb_setnumber(lua_State *L, const char *k, double v)
{
    lua_pushnumber(L, v);
    lua_setfield(L, -2, k);
}

void dcb_setinteger(lua_State *L, const char *k, int64_t v)
{
    lua_pushinteger(L, (lua_Integer)v);
    lua_setfield(L, -2, k);
}

void dcb_setboolean(lua_State *L, const char *k, bool v)
{
    lua_pushboolean(L, v);
    lua_setfield(L, -2, k);
}

void dcb_pushshape(lua_State *L, int ndim, const int64_t *shape)
{
    lua_createtable(L, ndim, 0);
    for (int d = 0; d < ndim; d++) {
        lua_pushinteger(L, shape[d]);
        lua_rawseti(L, -2, d + 1);
    }
}

/* Raises "fname: unknown what 'value' (valid: a, b)" (valid: none for an empty list). */
static int unknown_name(lua_State *L, const char *fname, const char *what, const char *value,
                        const char *const *names)
{
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (const char *const *n = names; *n; n++) {
        if (n != names) luaL_addstring(&b, ", ");
        luaL_addstring(&b, *n);
    }
    if (!*names) luaL_addstring(&b, "none");
    luaL_pushresult(&b);
    return luaL_error(L, "%s: unknown %s '%s' (valid: %s)", fname, what, value, lua_tostring(L, -1));
}

/* Position of value in the NULL-terminated names, or -1. */
static int find_name(const char *const *names, const char *value)
{
    for (int k = 0; names[k]; k++)
        if (strcmp(names[k], value) == 0) return k;
    return -1;
}

void dcb_checkoptions(lua_State *L, int arg, const char *fname, const char *const *allowed)
{
    if (lua_isnoneornil(L, arg)) return;
    luaL_checktype(L, arg, LUA_TTABLE);
    lua_pushnil(L);
    while (lua_next(L, arg)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING || find_name(allowed, lua_tostring(L, -1)) < 0)
            unknown_name(L, fname, "option", luaL_tolstring(L, -1, NULL), allowed);
    }
}

static int optfield(lua_State *L, int arg, const char *key)
{
    if (!lua_istable(L, arg)) return 0;
    lua_getfield(L, arg, key);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        return 0;
    }
    return 1;
}

lua_Number dcb_optnumber(lua_State *L, int arg, const char *key, lua_Number def)
{
    if (!optfield(L, arg, key)) return def;
    int ok;
    lua_Number v = lua_tonumberx(L, -1, &ok);
    if (!ok) luaL_argerror(L, arg, lua_pushfstring(L, "option '%s' must be a number, got %s", key,
                                                     luaL_typename(L, -1)));
    lua_pop(L, 1);
    return v;
}

lua_Integer dcb_optinteger(lua_State *L, int arg, const char *key, lua_Integer def)
{
    if (!optfield(L, arg, key)) return def;
    int ok;
    lua_Integer v = lua_tointegerx(L, -1, &ok);
    if (!ok) luaL_argerror(L, arg, lua_pushfstring(L, "option '%s' must be an integer, got %s", key,
                                                     luaL_typename(L, -1)));
    lua_pop(L, 1);
    return v;
}

int dcb_optboolean(lua_State *L, int arg, const char *key, int def)
{
    if (!optfield(L, arg, key)) return def;
    if (!lua_isboolean(L, -1))
        luaL_argerror(L, arg, lua_pushfstring(L, "option '%s' must be a boolean, got %s", key,
                                                     luaL_typename(L, -1)));
    int v = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return v;
}

const char *dcb_optstring(lua_State *L, int arg, const char *key, const char *def)
{
    if (!optfield(L, arg, key)) return def;
    if (lua_type(L, -1) != LUA_TSTRING)
        luaL_argerror(L, arg, lua_pushfstring(L, "option '%s' must be a string, got %s", key,
                                                     luaL_typename(L, -1)));
    const char *v = lua_tostring(L, -1); /* stays valid: the options table holds it */
    lua_pop(L, 1);
    return v;
}

int dcb_checkenum(lua_State *L, int arg, const char *fname, const char *what,
                  const char *const *names, int def)
{
    if (lua_isnoneornil(L, arg)) return def;
    const char *v = luaL_checkstring(L, arg);
    int k = find_name(names, v);
    return k >= 0 ? k : unknown_name(L, fname, what, v, names);
}

int dcb_optenum(lua_State *L, int arg, const char *key, const char *fname,
                const char *const *names, int def)
{
    const char *v = dcb_optstring(L, arg, key, NULL);
    if (!v) return def;
    int k = find_name(names, v);
    return k >= 0 ? k : unknown_name(L, fname, key, v, names);
}

dc_dtype dcb_checkdtype(lua_State *L, int arg, dc_dtype def)
{
    if (lua_isnoneornil(L, arg)) return def;
    dc_dtype dt;
    if (dc_dtype_parse(luaL_checkstring(L, arg), &dt) != DC_OK)
        luaL_argerror(L, arg, dc_last_error());
    return dt;
}

/* Output argument i: a tensor (returned as is), nil/none (a new tensor is made later by
 * dcb_pushout) or, when skippable, false (NULL, skipped). *skip tells the two NULL cases apart. */
dcb_outarg dcb_checkout(lua_State *L, int i, bool skippable)
{
    dcb_outarg o = {i, NULL, false};
    if (lua_isnoneornil(L, i)) return o;
    if (skippable && lua_isboolean(L, i) && !lua_toboolean(L, i)) {
        o.skip = true;
        return o;
    }
    if (!dcb_totensor(L, i))
        luaL_argerror(L, i, skippable ? "output tensor, nil or false expected"
                                      : "output tensor or nil expected");
    o.t = dcb_checktensor(L, i);
    return o;
}

/* Pushes the output (the given tensor, a new empty one, or nil when skipped); returns the
 * header to pass to core (NULL when skipped). Call after every check. */
dc_tensor *dcb_pushout(lua_State *L, dcb_outarg o)
{
    if (o.skip) {
        lua_pushnil(L);
        return NULL;
    }
    if (o.t) {
        lua_pushvalue(L, o.index);
        return o.t;
    }
    return dcb_newtensor(L);
}

/* The kernels read their inputs while writing their outputs: sharing storage would corrupt
 * the result silently, so it is refused. */
void dcb_noalias(lua_State *L, const char *fname, const dc_tensor *out, const dc_tensor *in,
                 const char *oname, const char *iname)
{
    if (out && in && out->storage && out->storage == in->storage)
        luaL_error(L, "%s: %s must not share storage with %s", fname, oname, iname);
}
