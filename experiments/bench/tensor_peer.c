/* The peers of experiments/bench/tensor.lua as a small Lua module, so the benchmark can
 * alternate peer and dclab runs in one process (same load, same OpenBLAS threads) while the
 * peers are still timed in C: raw cblas_sgemm and memcpy on buffers of their own.
 *   local peer = require 'tensor_peer'          (built by `make bench`)
 *   peer.sgemm(n)       -> seconds of one C = A @ B on n x n row-major 0.5-filled matrices
 *   peer.memcpy(n [, threads = 1]) -> seconds of one memcpy of n floats, split into one
 *                         contiguous slice per thread (OpenMP)
 *   peer.blas_threads() -> OpenBLAS's thread count
 *   peer.free()         -> releases the buffers (they are kept between calls of one size) */
#include <cblas.h>
#include <lauxlib.h>
#include <lua.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int openblas_get_num_threads(void);

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* buffers of the last size asked for: A, B, C or source, destination */
static float *buf[3];
static size_t buf_n;
static int buf_count;

static void release(void)
{
    for (int i = 0; i < 3; i++) {
        free(buf[i]);
        buf[i] = NULL;
    }
    buf_n = 0;
    buf_count = 0;
}

static void ensure(lua_State *L, size_t n, int count)
{
    if (buf_n == n && buf_count == count) return;
    release();
    for (int i = 0; i < count; i++) {
        buf[i] = aligned_alloc(64, (n * sizeof(float) + 63) / 64 * 64);
        if (!buf[i]) {
            release();
            luaL_error(L, "tensor_peer: out of memory for %d floats", (int)n);
        }
        for (size_t j = 0; j < n; j++) buf[i][j] = i < count - 1 ? 0.5f : 0.0f;
    }
    buf_n = n;
    buf_count = count;
}

static int p_sgemm(lua_State *L)
{
    lua_Integer n = luaL_checkinteger(L, 1);
    luaL_argcheck(L, n > 0 && n <= 65536, 1, "size out of range");
    ensure(L, (size_t)n * (size_t)n, 3);
    int m = (int)n;
    double t0 = now();
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, m, m, 1.0f, buf[0], m, buf[1], m,
                0.0f, buf[2], m);
    lua_pushnumber(L, now() - t0);
    return 1;
}

static int p_memcpy(lua_State *L)
{
    lua_Integer n = luaL_checkinteger(L, 1);
    lua_Integer threads = luaL_optinteger(L, 2, 1);
    luaL_argcheck(L, n > 0, 1, "size out of range");
    luaL_argcheck(L, threads >= 1 && threads <= 1024, 2, "thread count out of range");
    ensure(L, (size_t)n, 2);
    /* one contiguous slice per thread, as an elementwise kernel splits its loop */
    size_t chunk = ((size_t)n + (size_t)threads - 1) / (size_t)threads;
    double t0 = now();
#pragma omp parallel for num_threads((int)threads) schedule(static)
    for (lua_Integer i = 0; i < threads; i++) {
        size_t lo = (size_t)i * chunk, hi = lo + chunk < (size_t)n ? lo + chunk : (size_t)n;
        if (lo < hi) memcpy(buf[1] + lo, buf[0] + lo, (hi - lo) * sizeof(float));
    }
    double t = now() - t0;
    buf[0][0] += buf[1][n - 1]; /* the copy is used: it cannot be optimised away */
    lua_pushnumber(L, t);
    return 1;
}

static int p_blas_threads(lua_State *L)
{
    lua_pushinteger(L, openblas_get_num_threads());
    return 1;
}

static int p_free(lua_State *L)
{
    (void)L;
    release();
    return 0;
}

static const luaL_Reg peer_funcs[] = {
    {"sgemm", p_sgemm}, {"memcpy", p_memcpy}, {"blas_threads", p_blas_threads},
    {"free", p_free}, {NULL, NULL},
};

int luaopen_tensor_peer(lua_State *L)
{
    luaL_newlib(L, peer_funcs);
    return 1;
}
