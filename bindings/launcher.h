/* The launcher's own Lua modules (linked into ./dclab only, never into dclab.core). */
#ifndef DCLAB_LAUNCHER_H
#define DCLAB_LAUNCHER_H

#include <lua.h>

/* dclab.readline: GNU readline line editing, history and completion (launcher_readline.c). */
int luaopen_dclab_readline(lua_State *L);

#endif
