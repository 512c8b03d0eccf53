/* Binding of core/cpu.h: core.cpu() -> the run-time CPU record as a table; the bf16 check. */
#include "dcb.h"

/* core.cpu() -> {vendor=, brand=, features = 'avx2 fma ...', avx2=, fma=, avx512f=, ...,
 * conv2d = what AUTO convolutions run, amx_error = nil | reason} */
static int l_cpu(lua_State *L)
{
    const dc_cpu *c = dc_cpu_get();
    char buf[256];
    lua_createtable(L, 0, 16);
    lua_pushstring(L, c->vendor);
    lua_setfield(L, -2, "vendor");
    lua_pushstring(L, c->brand);
    lua_setfield(L, -2, "brand");
    lua_pushstring(L, dc_cpu_features(c, buf, sizeof buf));
    lua_setfield(L, -2, "features");
    dcb_setboolean(L, "sse4_1", c->sse41);
    dcb_setboolean(L, "avx2", c->avx2);
    dcb_setboolean(L, "fma", c->fma);
    dcb_setboolean(L, "avx512f", c->avx512f);
    dcb_setboolean(L, "avx512bw", c->avx512bw);
    dcb_setboolean(L, "avx512vl", c->avx512vl);
    dcb_setboolean(L, "avx512_bf16", c->avx512_bf16);
    dcb_setboolean(L, "amx_tile", c->amx_tile);
    dcb_setboolean(L, "amx_bf16", c->amx_bf16);
    dcb_setboolean(L, "bf16", dc_cpu_bf16(c));
    lua_pushstring(L, dc_conv2d_kernels());
    lua_setfield(L, -2, "conv2d");
    if (c->amx_error) {
        lua_pushstring(L, c->amx_error);
        lua_setfield(L, -2, "amx_error");
    }
    return 1;
}

/* core.require_bf16(op): raises "OP: bf16 needs a CPU with AVX512_BF16 or AMX-BF16; this
 * one (...) has: ..." unless bf16 compute is available */
static int l_require_bf16(lua_State *L)
{
    dcb_check(L, dc_cpu_require_bf16(luaL_checkstring(L, 1)));
    return 0;
}

static const luaL_Reg cpu_funcs[] = {{"cpu", l_cpu}, {"require_bf16", l_require_bf16}, {NULL, NULL}};

void dcb_open_cpu(lua_State *L) { luaL_setfuncs(L, cpu_funcs, 0); }
