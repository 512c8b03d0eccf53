/* Lua bindings of the file formats: .npy files and the named-tensor archive. The archive's
 * metadata crosses as a byte string; lua/dclab/io.lua turns it into a Lua table. */
#include <string.h>

#include "dcb.h"

#define DCB_ARCHIVE_BOX "dclab.ArchiveBox"

/* core.save_npy(path, t) */
static int l_save_npy(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    dc_tensor *t = dcb_checktensor(L, 2);
    dcb_check(L, dc_npy_save(path, t));
    return 0;
}

/* core.load_npy(path) -> tensor */
static int l_load_npy(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    dc_tensor *t = dcb_newtensor(L);
    dcb_check(L, dc_npy_load(path, t));
    return 1;
}

/* core.archive_save(path, names, tensors, meta): names[i] names tensors[i] */
static int l_archive_save(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    luaL_checktype(L, 3, LUA_TTABLE);
    size_t meta_len;
    const char *meta = luaL_checklstring(L, 4, &meta_len);
    lua_Integer n = luaL_len(L, 2);
    if (n != luaL_len(L, 3) || n > 1000000)
        return luaL_error(L, "archive_save: %d names for %d tensors", (int)n, (int)luaL_len(L, 3));
    /* arrays in userdata: collected with the call, whatever happens */
    const char **names = lua_newuserdatauv(L, sizeof *names * (size_t)(n ? n : 1), 0);
    const dc_tensor **ts = lua_newuserdatauv(L, sizeof *ts * (size_t)(n ? n : 1), 0);
    for (lua_Integer i = 0; i < n; i++) {
        if (lua_geti(L, 2, i + 1) != LUA_TSTRING)
            return luaL_error(L, "archive_save: name %d is a %s", (int)i + 1, luaL_typename(L, -1));
        size_t len;
        names[i] = lua_tolstring(L, -1, &len); /* kept alive by the names table */
        if (strlen(names[i]) != len)
            return luaL_error(L, "save: name %d contains a NUL byte", (int)i + 1);
        lua_geti(L, 3, i + 1);
        ts[i] = dcb_totensor(L, -1);
        if (!ts[i])
            return luaL_error(L, "save: '%s' is a %s, not a dclab.Tensor", names[i],
                              luaL_typename(L, -1));
        lua_pop(L, 2);
    }
    dcb_check(L, dc_archive_save(path, (int)n, names, ts, meta, meta_len));
    return 0;
}

static int archive_box_free(lua_State *L)
{
    dc_archive_free(luaL_checkudata(L, 1, DCB_ARCHIVE_BOX));
    return 0;
}

/* core.archive_load(path) -> {name = tensor, ...}, meta string */
static int l_archive_load(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    /* the loaded archive lives in a to-be-closed box, so it is freed on any exit */
    dc_archive *a = lua_newuserdatauv(L, sizeof *a, 0);
    memset(a, 0, sizeof *a);
    luaL_setmetatable(L, DCB_ARCHIVE_BOX);
    lua_toclose(L, -1);
    dcb_check(L, dc_archive_load(path, a));
    lua_createtable(L, 0, a->n);
    for (int i = 0; i < a->n; i++) {
        dc_tensor *t = dcb_newtensor(L);
        dc_tensor_share(t, &a->tensors[i]);
        lua_setfield(L, -2, a->names[i]);
    }
    lua_pushlstring(L, a->meta, a->meta_len);
    return 2;
}

/* core.mkdirs(path): the folder and its missing parents (mkdir -p) */
static int l_mkdirs(lua_State *L)
{
    dcb_check(L, dc_mkdirs(luaL_checkstring(L, 1)));
    return 0;
}

static const luaL_Reg io_funcs[] = {
    {"save_npy", l_save_npy}, {"load_npy", l_load_npy},
    {"archive_save", l_archive_save}, {"archive_load", l_archive_load}, {"mkdirs", l_mkdirs},
    {NULL, NULL},
};

void dcb_open_io(lua_State *L)
{
    luaL_newmetatable(L, DCB_ARCHIVE_BOX);
    lua_pushcfunction(L, archive_box_free);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, archive_box_free);
    lua_setfield(L, -2, "__close");
    lua_pop(L, 1);
    luaL_setfuncs(L, io_funcs, 0);
}
