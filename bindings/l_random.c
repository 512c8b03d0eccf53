/* Lua bindings of the random generator: the dclab.Generator userdata (a dc_rng plus the seed
 * it came from), its single draws and state, and the tensor fills. Which generator a call
 * uses when none is given is policy: lua/dclab/random.lua keeps the default one. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "dcb.h"

typedef struct dcb_generator {
    dc_rng rng;
    uint64_t seed; /* as given to dc.Generator / manual_seed; a split stream keeps its parent's */
} dcb_generator;

static dcb_generator *checkgen(lua_State *L, int i)
{
    return luaL_checkudata(L, i, DCB_GENERATOR);
}

dc_rng *dcb_checkgenerator(lua_State *L, int i) { return &checkgen(L, i)->rng; }

static dcb_generator *newgen(lua_State *L)
{
    dcb_generator *g = lua_newuserdatauv(L, sizeof *g, 0);
    memset(g, 0, sizeof *g);
    luaL_setmetatable(L, DCB_GENERATOR);
    return g;
}

/* ---- the generator object ---- */

/* core.Generator(seed) */
static int l_generator_new(lua_State *L)
{
    uint64_t seed = (uint64_t)luaL_checkinteger(L, 1);
    dcb_generator *g = newgen(L);
    g->seed = seed;
    dc_rng_seed(&g->rng, seed);
    return 1;
}

static int l_is_generator(lua_State *L)
{
    lua_pushboolean(L, luaL_testudata(L, 1, DCB_GENERATOR) != NULL);
    return 1;
}

/* g:manual_seed(seed): restarts g as dc.Generator(seed) would; returns g */
static int l_generator_manual_seed(lua_State *L)
{
    dcb_generator *g = checkgen(L, 1);
    g->seed = (uint64_t)luaL_checkinteger(L, 2);
    dc_rng_seed(&g->rng, g->seed);
    lua_settop(L, 1);
    return 1;
}

static int l_generator_seed(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)checkgen(L, 1)->seed);
    return 1;
}

/* g:split(stream): a new, independent generator; g is not advanced */
static int l_generator_split(lua_State *L)
{
    dcb_generator *g = checkgen(L, 1);
    uint64_t stream = (uint64_t)luaL_checkinteger(L, 2);
    dcb_generator *c = newgen(L);
    c->seed = g->seed;
    c->rng = dc_rng_split(&g->rng, stream);
    return 1;
}

/* g:state() -> {seed=, key=, counter=, buf={4 words}, nbuf=}: plain integers, so it saves
 * in a checkpoint's metadata; uint64 fields keep their bits as Lua (signed) integers. */
static int l_generator_state(lua_State *L)
{
    dcb_generator *g = checkgen(L, 1);
    lua_createtable(L, 0, 5);
    lua_pushinteger(L, (lua_Integer)g->seed);
    lua_setfield(L, -2, "seed");
    lua_pushinteger(L, (lua_Integer)g->rng.key);
    lua_setfield(L, -2, "key");
    lua_pushinteger(L, (lua_Integer)g->rng.counter);
    lua_setfield(L, -2, "counter");
    lua_createtable(L, 4, 0);
    for (int i = 0; i < 4; i++) {
        lua_pushinteger(L, g->rng.buf[i]);
        lua_rawseti(L, -2, i + 1);
    }
    lua_setfield(L, -2, "buf");
    lua_pushinteger(L, g->rng.nbuf);
    lua_setfield(L, -2, "nbuf");
    return 1;
}

/* An integer field of the state table at index 2, within [lo, hi]. */
static lua_Integer state_field(lua_State *L, int tbl, const char *key, lua_Integer lo,
                               lua_Integer hi)
{
    lua_getfield(L, tbl, key);
    int ok;
    lua_Integer v = lua_tointegerx(L, -1, &ok);
    if (!ok || !lua_isinteger(L, -1))
        luaL_error(L, "set_state: field '%s' must be an integer, got %s", key,
                   luaL_typename(L, -1));
    if (v < lo || v > hi)
        luaL_error(L, "set_state: field '%s' = %I is out of range [%I, %I]", key, v, lo, hi);
    lua_pop(L, 1);
    return v;
}

/* g:set_state(state): state as returned by g:state(); returns g */
static int l_generator_set_state(lua_State *L)
{
    dcb_generator *g = checkgen(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    dcb_generator v;
    v.seed = (uint64_t)state_field(L, 2, "seed", LUA_MININTEGER, LUA_MAXINTEGER);
    v.rng.key = (uint64_t)state_field(L, 2, "key", LUA_MININTEGER, LUA_MAXINTEGER);
    v.rng.counter = (uint64_t)state_field(L, 2, "counter", LUA_MININTEGER, LUA_MAXINTEGER);
    v.rng.nbuf = (int)state_field(L, 2, "nbuf", 0, 4);
    if (lua_getfield(L, 2, "buf") != LUA_TTABLE)
        return luaL_error(L, "set_state: field 'buf' must be a table of 4 integers, got %s",
                          luaL_typename(L, -1));
    for (int i = 0; i < 4; i++) {
        lua_geti(L, -1, i + 1);
        if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 0 ||
            lua_tointeger(L, -1) > 0xffffffffLL)
            return luaL_error(L, "set_state: buf[%d] must be an integer in [0, 2^32), got %s",
                              i + 1, luaL_tolstring(L, -1, NULL));
        v.rng.buf[i] = (uint32_t)lua_tointeger(L, -1);
        lua_pop(L, 1);
    }
    *g = v;
    lua_settop(L, 1);
    return 1;
}

/* g:random() -> float in [0, 1); g:random(m) -> integer in [1, m]; g:random(m, n) ->
 * integer in [m, n] (the rules of math.random) */
static int l_generator_random(lua_State *L)
{
    dcb_generator *g = checkgen(L, 1);
    lua_Integer lo = 1, hi;
    switch (lua_gettop(L)) {
    case 1:
        lua_pushnumber(L, dc_rng_uniform(&g->rng));
        return 1;
    case 2: hi = luaL_checkinteger(L, 2); break;
    case 3:
        lo = luaL_checkinteger(L, 2);
        hi = luaL_checkinteger(L, 3);
        break;
    default: return luaL_error(L, "random: wrong number of arguments (0, 1 or 2 expected)");
    }
    luaL_argcheck(L, lo <= hi, lua_gettop(L), "interval is empty");
    uint64_t span = (uint64_t)hi - (uint64_t)lo + 1; /* 0: the whole integer range */
    lua_pushinteger(L, (lua_Integer)((uint64_t)lo + dc_rng_below(&g->rng, span)));
    return 1;
}

/* g:normal([mean [, std]]) -> a float from N(mean, std^2) */
static int l_generator_normal(lua_State *L)
{
    dcb_generator *g = checkgen(L, 1);
    lua_Number mean = luaL_optnumber(L, 2, 0), std = luaL_optnumber(L, 3, 1);
    lua_pushnumber(L, mean + std * dc_rng_normal(&g->rng));
    return 1;
}

static int l_generator_tostring(lua_State *L)
{
    dcb_generator *g = checkgen(L, 1);
    char b[128];
    snprintf(b, sizeof b,
             "dclab.Generator(seed %" PRId64 ", key 0x%016" PRIx64 ", block %" PRIu64 ")",
             (int64_t)g->seed, g->rng.key, g->rng.counter);
    lua_pushstring(L, b);
    return 1;
}

/* ---- tensor fills: core.uniform_(t, lo, hi, g) ... return t ---- */

static int l_uniform_(lua_State *L)
{
    dc_tensor *t = dcb_checktensor(L, 1);
    double lo = luaL_checknumber(L, 2), hi = luaL_checknumber(L, 3);
    dc_rng *r = dcb_checkgenerator(L, 4);
    dcb_check(L, dc_rand_uniform(t, lo, hi, r));
    lua_settop(L, 1);
    return 1;
}

static int l_normal_(lua_State *L)
{
    dc_tensor *t = dcb_checktensor(L, 1);
    double mean = luaL_checknumber(L, 2), std = luaL_checknumber(L, 3);
    dc_rng *r = dcb_checkgenerator(L, 4);
    dcb_check(L, dc_rand_normal(t, mean, std, r));
    lua_settop(L, 1);
    return 1;
}

static int l_randint_(lua_State *L)
{
    dc_tensor *t = dcb_checktensor(L, 1);
    lua_Integer lo = luaL_checkinteger(L, 2), hi = luaL_checkinteger(L, 3);
    dc_rng *r = dcb_checkgenerator(L, 4);
    dcb_check(L, dc_rand_int(t, lo, hi, r));
    lua_settop(L, 1);
    return 1;
}

static int l_bernoulli_(lua_State *L)
{
    dc_tensor *t = dcb_checktensor(L, 1);
    double p = luaL_checknumber(L, 2);
    dc_rng *r = dcb_checkgenerator(L, 3);
    dcb_check(L, dc_rand_bernoulli(t, p, r));
    lua_settop(L, 1);
    return 1;
}

/* core.randperm(n, g) -> int64 [n] holding 1..n (Lua's 1-based indices) */
static int l_randperm(lua_State *L)
{
    lua_Integer n = luaL_checkinteger(L, 1);
    dc_rng *r = dcb_checkgenerator(L, 2);
    dc_tensor *t = dcb_newtensor(L);
    dcb_check_named(L, "randperm", dc_randperm(n, DCB_BASE, r, t));
    return 1;
}

static const luaL_Reg generator_methods[] = {
    {"manual_seed", l_generator_manual_seed}, {"seed", l_generator_seed},
    {"split", l_generator_split}, {"state", l_generator_state},
    {"set_state", l_generator_set_state}, {"random", l_generator_random},
    {"normal", l_generator_normal}, {NULL, NULL},
};

static const luaL_Reg random_funcs[] = {
    {"Generator", l_generator_new}, {"is_generator", l_is_generator},
    {"uniform_", l_uniform_}, {"normal_", l_normal_}, {"randint_", l_randint_},
    {"bernoulli_", l_bernoulli_}, {"randperm", l_randperm}, {NULL, NULL},
};

void dcb_open_random(lua_State *L)
{
    /* a generator holds no resource: no __gc / __close is needed */
    luaL_newmetatable(L, DCB_GENERATOR);
    lua_pushcfunction(L, l_generator_tostring);
    lua_setfield(L, -2, "__tostring");
    luaL_newlib(L, generator_methods);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
    luaL_setfuncs(L, random_funcs, 0);
}
