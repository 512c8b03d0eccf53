/* The dclab launcher: a Lua 5.4 host that finds the dclab library next to itself (source tree
 * or installed prefix), loads it as the global `dc`, then runs a script, a -e chunk or the
 * REPL (lua/dclab/repl.lua, with the readline binding of launcher_readline.c).
 *
 *   dclab script.lua args...   `arg` and `...` as in lua5.4
 *   dclab -e 'code'            runs the chunk
 *   dclab                      the REPL (reads stdin without prompts when it is not a tty)
 *   dclab --version            versions of dclab, Lua, OpenBLAS, FAISS, libjpeg-turbo
 * Exit status: 0, 1 when the script, chunk or a piped REPL line failed, 2 on bad usage. */
#include "launcher.h"

#include <lauxlib.h>
#include <lualib.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *progname = "dclab";

/* Prepends the library folders found from the executable's folder <bin>: <bin>/../lua and
 * <bin>/lib in a source tree (launcher in <root>/<build>), <bin>/../share/lua/5.4 and
 * <bin>/../lib/lua/5.4 when installed (launcher in <prefix>/bin). They come first so that the
 * dclab beside the launcher wins over another one on LUA_PATH. Lua's default folders follow
 * at the end, so the Debian packages dclab uses (cjson, argparse) stay reachable when
 * LUA_PATH names only other places. */
static void set_paths(lua_State *L)
{
    char bin[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", bin, sizeof bin - 1);
    if (n <= 0) return;
    bin[n] = '\0';
    char *slash = strrchr(bin, '/');
    if (!slash) return;
    *slash = '\0';
    lua_getglobal(L, "package");
    lua_pushfstring(L, "%s/../lua/?.lua;%s/../lua/?/init.lua;%s/../share/lua/5.4/?.lua;"
                       "%s/../share/lua/5.4/?/init.lua;",
                    bin, bin, bin, bin);
    lua_getfield(L, -2, "path");
    lua_pushliteral(L, ";" LUA_PATH_DEFAULT);
    lua_concat(L, 3);
    lua_setfield(L, -2, "path");
    lua_pushfstring(L, "%s/lib/?.so;%s/../lib/lua/5.4/?.so;", bin, bin);
    lua_getfield(L, -2, "cpath");
    lua_pushliteral(L, ";" LUA_CPATH_DEFAULT);
    lua_concat(L, 3);
    lua_setfield(L, -2, "cpath");
    lua_pop(L, 1);
}

/* Message handler: the error with a traceback; an error object that is not a string is shown
 * by its __tostring or its type (as lua.c does). */
static int traceback(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);
    if (!msg) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING) return 1;
        msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
    luaL_traceback(L, L, msg, 1);
    return 1;
}

/* Calls the function below the nargs arguments on top of the stack with the traceback handler. */
static int docall(lua_State *L, int nargs, int nres)
{
    int base = lua_gettop(L) - nargs;
    lua_pushcfunction(L, traceback);
    lua_insert(L, base);
    int status = lua_pcall(L, nargs, nres, base);
    lua_remove(L, base);
    return status;
}

static int report(lua_State *L, int status)
{
    if (status != LUA_OK) {
        const char *msg = lua_tostring(L, -1);
        fprintf(stderr, "%s: %s\n", progname, msg ? msg : "(error object is not a string)");
        lua_pop(L, 1);
    }
    return status;
}

/* require(name) with the traceback handler; leaves the module on the stack when it works. */
static int dorequire(lua_State *L, const char *name)
{
    lua_getglobal(L, "require");
    lua_pushstring(L, name);
    return docall(L, 1, 1);
}

/* The arg table as in lua5.4: arg[0] = the script (or the program when there is none), its
 * arguments from 1, what precedes it at negative indices. */
static void set_arg(lua_State *L, int argc, char **argv, int script)
{
    lua_createtable(L, argc - script, script + 1);
    for (int i = 0; i < argc; i++) {
        lua_pushstring(L, argv[i]);
        lua_rawseti(L, -2, i - script);
    }
    lua_setglobal(L, "arg");
}

static int run_script(lua_State *L, int argc, char **argv, int script)
{
    int status = luaL_loadfile(L, argv[script]);
    if (status == LUA_OK) {
        for (int i = script + 1; i < argc; i++) lua_pushstring(L, argv[i]);
        status = docall(L, argc - script - 1, 0);
    }
    return report(L, status);
}

static int run_chunk(lua_State *L, const char *code)
{
    int status = luaL_loadbuffer(L, code, strlen(code), "=(command line)");
    if (status == LUA_OK) status = docall(L, 0, 0);
    return report(L, status);
}

/* require('dclab.repl').run{interactive = stdin is a terminal}: false when a piped line failed. */
static int run_repl(lua_State *L)
{
    luaL_requiref(L, "dclab.readline", luaopen_dclab_readline, 0);
    lua_pop(L, 1);
    int status = report(L, dorequire(L, "dclab.repl"));
    if (status != LUA_OK) return status;
    lua_getfield(L, -1, "run");
    lua_createtable(L, 0, 1);
    lua_pushboolean(L, isatty(STDIN_FILENO));
    lua_setfield(L, -2, "interactive");
    status = report(L, docall(L, 1, 1));
    if (status == LUA_OK && !lua_toboolean(L, -1)) status = LUA_ERRRUN;
    return status;
}

static int run_version(lua_State *L)
{
    lua_getglobal(L, "dc");
    lua_getfield(L, -1, "version_string");
    int status = docall(L, 0, 1);
    if (status == LUA_OK) puts(lua_tostring(L, -1));
    return report(L, status);
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: %s [script.lua [args...]] | -e 'code' | --version | --help\n"
            "  without arguments, opens the interactive REPL with `dc` loaded\n",
            progname);
}

int main(int argc, char **argv)
{
    if (argv[0] && argv[0][0]) progname = argv[0];
    const char *opt = argc > 1 ? argv[1] : NULL;
    int script = opt && opt[0] != '-' ? 1 : 0;
    if (opt && (strcmp(opt, "-h") == 0 || strcmp(opt, "--help") == 0)) {
        usage(stdout);
        return 0;
    }
    if (opt && !script && !(strcmp(opt, "--version") == 0 && argc == 2) &&
        !(strcmp(opt, "-e") == 0 && argc == 3)) {
        usage(stderr);
        return 2;
    }
    /* Idle OpenMP threads sleep instead of spinning: spinning ones steal the core OpenBLAS
     * needs next (on 2 cores, an mm right after an elementwise op ran 30% slower, the op
     * after an mm 4x slower). libgomp reads this when the module loads it. */
    setenv("OMP_WAIT_POLICY", "passive", 0);
    lua_State *L = luaL_newstate();
    if (!L) {
        fprintf(stderr, "%s: cannot create the Lua state: out of memory\n", progname);
        return 1;
    }
    luaL_openlibs(L);
    set_paths(L);
    set_arg(L, argc, argv, script);
    int status = report(L, dorequire(L, "dclab"));
    if (status == LUA_OK) {
        lua_setglobal(L, "dc");
        /* help() and who() as in the REPL, for scripts and -e chunks too */
        status = report(L, luaL_dostring(L, "require('dclab.repl').new()"));
    }
    if (status == LUA_OK) {
        if (script) status = run_script(L, argc, argv, script);
        else if (!opt) status = run_repl(L);
        else if (strcmp(opt, "-e") == 0) status = run_chunk(L, argv[2]);
        else status = run_version(L);
    }
    lua_close(L);
    return status == LUA_OK ? 0 : 1;
}
