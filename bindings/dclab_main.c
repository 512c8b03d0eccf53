/* The dclab launcher: a Lua 5.4 host that finds the dclab library next to itself (source
 * tree or installed prefix), loads it as the global `dc`, then runs a script, a -e chunk or
 * the interactive REPL (lua/dclab/repl.lua). */
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Prepends the library folders relative to the executable: <root>/lua and <root>/build/lib
 * in a source tree, <prefix>/share/lua/5.4 and <prefix>/lib/lua/5.4 when installed. */
static void set_paths(lua_State *L)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash) return;
    *slash = '\0'; /* exe is now the binary's folder: <root>/build or <prefix>/bin */
    slash = strrchr(exe, '/');
    if (slash) *slash = '\0';
    lua_getglobal(L, "package");
    lua_pushfstring(L, "%s/lua/?.lua;%s/lua/?/init.lua;%s/share/lua/5.4/?.lua;"
                       "%s/share/lua/5.4/?/init.lua;",
                    exe, exe, exe, exe);
    lua_getfield(L, -2, "path");
    lua_concat(L, 2);
    lua_setfield(L, -2, "path");
    lua_pushfstring(L, "%s/build/lib/?.so;%s/lib/lua/5.4/?.so;", exe, exe);
    lua_getfield(L, -2, "cpath");
    lua_concat(L, 2);
    lua_setfield(L, -2, "cpath");
    lua_pop(L, 1);
}

static int traceback(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);
    luaL_traceback(L, L, msg ? msg : "(error object is not a string)", 1);
    return 1;
}

static int report(lua_State *L, int status)
{
    if (status != LUA_OK) {
        fprintf(stderr, "dclab: %s\n", lua_tostring(L, -1));
        lua_pop(L, 1);
    }
    return status;
}

static int docall(lua_State *L, int nargs, int nres)
{
    int base = lua_gettop(L) - nargs;
    lua_pushcfunction(L, traceback);
    lua_insert(L, base);
    int status = lua_pcall(L, nargs, nres, base);
    lua_remove(L, base);
    return status;
}

static int usage(const char *prog)
{
    fprintf(stderr,
            "usage: %s [script.lua [args...]] | -e 'code' | --version\n"
            "  with no argument, opens the interactive REPL with `dc` loaded\n",
            prog);
    return 2;
}

int main(int argc, char **argv)
{
    lua_State *L = luaL_newstate();
    if (!L) return 1;
    luaL_openlibs(L);
    set_paths(L);
    lua_getglobal(L, "require");
    lua_pushstring(L, "dclab");
    int status = report(L, docall(L, 1, 1));
    if (status == LUA_OK) lua_setglobal(L, "dc");
    /* arg table as in lua5.4: arg[0] = script, arg[1..] = its arguments */
    int script = argc > 1 && argv[1][0] != '-' ? 1 : 0;
    lua_createtable(L, argc, 1);
    for (int i = 0; i < argc; i++) {
        lua_pushstring(L, argv[i]);
        lua_rawseti(L, -2, i - (script ? 1 : 0));
    }
    lua_setglobal(L, "arg");
    if (status != LUA_OK) {
        /* dclab failed to load: reported above */
    } else if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        status = report(L, luaL_loadstring(L, "print(require('dclab').versions_string())") ||
                               docall(L, 0, 0));
    } else if (argc > 1 && strcmp(argv[1], "-e") == 0) {
        if (argc < 3) return usage(argv[0]);
        status = report(L, luaL_loadbuffer(L, argv[2], strlen(argv[2]), "=(command line)") ||
                               docall(L, 0, 0));
    } else if (script) {
        status = luaL_loadfile(L, argv[1]);
        if (status == LUA_OK) {
            for (int i = 2; i < argc; i++) lua_pushstring(L, argv[i]);
            status = docall(L, argc - 2, 0);
        }
        report(L, status);
    } else if (argc > 1) {
        return usage(argv[0]);
    } else {
        lua_getglobal(L, "require");
        lua_pushstring(L, "dclab.repl");
        status = report(L, docall(L, 1, 0));
    }
    lua_close(L);
    return status == LUA_OK ? 0 : 1;
}
