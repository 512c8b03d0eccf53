/* The Lua module dclab.core: one table holding every binding, assembled from the binding
 * files' dcb_open_* functions (each adds its functions to the table on top of the stack). */
#include "dcb.h"

LUAMOD_API int luaopen_dclab_core(lua_State *L)
{
    luaL_checkversion(L);
    /* before any code built for the x86-64-v3 baseline runs (this file is plain x86-64) */
    if (!dc_cpu_baseline_ok()) {
        char buf[256];
        return luaL_error(L, "dclab: this build needs an x86-64-v3 CPU (AVX2, FMA, BMI2, F16C, "
                             "MOVBE); this one (%s) has: %s", dc_cpu_get()->brand,
                          dc_cpu_features(dc_cpu_get(), buf, sizeof buf));
    }
    lua_newtable(L);
    dcb_open_tensor(L);
    dcb_open_index(L);
    dcb_open_sys(L);
    dcb_open_random(L);
    dcb_open_io(L);
    dcb_open_print(L);
    dcb_open_parallel(L);
    dcb_open_reduce(L);
    dcb_open_blas(L);
    dcb_open_data(L);
    dcb_open_image(L);
    dcb_open_nn(L);
    dcb_open_optim(L);
    dcb_open_cluster(L);
    dcb_open_gmm(L);
    dcb_open_umap(L);
    dcb_open_swav(L);
    dcb_open_ntxent(L);
    dcb_open_scan(L);
    dcb_open_cpu(L);
    return 1;
}
