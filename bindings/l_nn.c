/* Lua bindings of the layer kernels (core/layers/): forward and backward of every layer,
 * the layer configurations (userdata checked once), and the kernel workspace.
 *
 * Output arguments follow one rule: a tensor is written into (it must have the exact shape),
 * nil makes a new tensor, and for the gradients that can be skipped, false skips them.
 * Every output is returned, in argument order. Class ids (cross-entropy targets) are 1-based
 * here and converted by the kernel's base argument (DCB_BASE). */
#include <stddef.h>
#include <string.h>

#include "dcb.h"

/* ---- argument helpers ---- */

/* A gradient to accumulate into, or nil/false to skip. */
static dc_tensor *optgrad(lua_State *L, int i)
{
    if (lua_isnoneornil(L, i) || (lua_isboolean(L, i) && !lua_toboolean(L, i))) return NULL;
    return dcb_checktensor(L, i);
}

/* Optional tensor (nil -> NULL). */
static dc_tensor *opttensor(lua_State *L, int i)
{
    return lua_isnoneornil(L, i) ? NULL : dcb_checktensor(L, i);
}

/* An integer pair given as n or {h, w}, within +-2^20 so it fits an int; whether the values
 * make sense is the layer's cfg check (core). */
static void checkpair(lua_State *L, int i, const char *fname, const char *what, int *h, int *w)
{
    lua_Integer v[2];
    if (lua_istable(L, i)) {
        if (luaL_len(L, i) != 2) luaL_error(L, "%s: %s must be a number or {h, w}", fname, what);
        for (int k = 0; k < 2; k++) {
            lua_geti(L, i, k + 1);
            int ok;
            v[k] = lua_tointegerx(L, -1, &ok);
            lua_pop(L, 1);
            if (!ok) luaL_error(L, "%s: %s must hold integers", fname, what);
        }
    } else {
        int ok;
        v[0] = v[1] = lua_tointegerx(L, i, &ok);
        if (!ok) luaL_error(L, "%s: %s must be an integer or {h, w}, got %s", fname, what,
                            luaL_typename(L, i));
    }
    for (int k = 0; k < 2; k++)
        if (v[k] < -(1 << 20) || v[k] > 1 << 20)
            luaL_error(L, "%s: %s %I is out of range (at most 2^20)", fname, what, v[k]);
    *h = (int)v[0], *w = (int)v[1];
}

/* Field key of the options table at opts as a pair; *h, *w keep their value when absent. */
static void optpair(lua_State *L, int opts, const char *fname, const char *key, int *h, int *w)
{
    if (!lua_istable(L, opts)) return;
    lua_getfield(L, opts, key);
    if (!lua_isnil(L, -1)) checkpair(L, lua_gettop(L), fname, key, h, w);
    lua_pop(L, 1);
}

/* ---- layer configurations: userdata built and checked once, when the module is made ----
 *
 * Forward and backward take the C struct as is (no field-by-field read of a Lua table per
 * call). The fields read like a table's (cfg.kh, cfg.bias, cfg.algo) and are read-only: a
 * layer's geometry fixes its parameter shapes, so a change means a new module. */

#define CONV2D_CFG "dclab.Conv2dCfg"
#define POOL2D_CFG "dclab.Pool2dCfg"
#define BATCHNORM_CFG "dclab.BatchNormCfg"

static const char *const conv_algos[] = {"auto", "im2col", "winograd2", "winograd4",
                                         "onednn", NULL}; /* dc_conv2d_algo */
static const char *const precisions[] = {"fp32", "bf16", NULL}; /* dc_conv2d_cfg.bf16 */

/* A readable field: its name, where it sits in the struct, how it reads in Lua. */
typedef struct cfg_field {
    const char *name;
    size_t offset;
    enum { F_INT, F_BOOL, F_DOUBLE, F_ALGO, F_PRECISION } kind;
} cfg_field;

#define FIELD(type, name, kind) {#name, offsetof(type, name), kind}
static const cfg_field conv2d_fields[] = {
    FIELD(dc_conv2d_cfg, in_ch, F_INT), FIELD(dc_conv2d_cfg, out_ch, F_INT),
    FIELD(dc_conv2d_cfg, kh, F_INT),    FIELD(dc_conv2d_cfg, kw, F_INT),
    FIELD(dc_conv2d_cfg, sh, F_INT),    FIELD(dc_conv2d_cfg, sw, F_INT),
    FIELD(dc_conv2d_cfg, ph, F_INT),    FIELD(dc_conv2d_cfg, pw, F_INT),
    FIELD(dc_conv2d_cfg, bias, F_BOOL), FIELD(dc_conv2d_cfg, algo, F_ALGO),
    {"precision", offsetof(dc_conv2d_cfg, bf16), F_PRECISION},
    {NULL, 0, F_INT},
};
static const cfg_field pool2d_fields[] = {
    FIELD(dc_pool2d_cfg, kh, F_INT), FIELD(dc_pool2d_cfg, kw, F_INT),
    FIELD(dc_pool2d_cfg, sh, F_INT), FIELD(dc_pool2d_cfg, sw, F_INT),
    FIELD(dc_pool2d_cfg, ph, F_INT), FIELD(dc_pool2d_cfg, pw, F_INT),
    FIELD(dc_pool2d_cfg, ceil_mode, F_BOOL), FIELD(dc_pool2d_cfg, count_include_pad, F_BOOL),
    {NULL, 0, F_INT},
};
static const cfg_field batchnorm_fields[] = {
    FIELD(dc_batchnorm_cfg, eps, F_DOUBLE), FIELD(dc_batchnorm_cfg, momentum, F_DOUBLE),
    {NULL, 0, F_INT},
};
#undef FIELD

/* __index of a configuration (upvalue 1: its field list); unknown keys read nil. */
static int cfg_index(lua_State *L)
{
    const char *cfg = lua_touserdata(L, 1), *key = lua_tostring(L, 2);
    const cfg_field *f = lua_touserdata(L, lua_upvalueindex(1));
    for (; key && f->name; f++) {
        if (strcmp(f->name, key) != 0) continue;
        const void *v = cfg + f->offset;
        switch (f->kind) {
        case F_INT: lua_pushinteger(L, *(const int *)v); break;
        case F_BOOL: lua_pushboolean(L, *(const bool *)v); break;
        case F_DOUBLE: lua_pushnumber(L, *(const double *)v); break;
        case F_ALGO: lua_pushstring(L, conv_algos[*(const dc_conv2d_algo *)v]); break;
        case F_PRECISION: lua_pushstring(L, precisions[*(const bool *)v]); break;
        }
        return 1;
    }
    lua_pushnil(L);
    return 1;
}

static int cfg_newindex(lua_State *L)
{
    const char *key = luaL_tolstring(L, 2, NULL);
    luaL_getmetafield(L, 1, "__name");
    return luaL_error(L, "%s: the configuration is read-only (field '%s'); build a new module",
                      lua_tostring(L, -1), key);
}

static void new_cfg_type(lua_State *L, const char *name, const cfg_field *fields)
{
    luaL_newmetatable(L, name);
    lua_pushlightuserdata(L, (void *)fields);
    lua_pushcclosure(L, cfg_index, 1);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, cfg_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_pop(L, 1);
}

/* Pushes a configuration userdata holding a copy of the size bytes at c. */
static void push_cfg(lua_State *L, const char *type, const void *c, size_t size)
{
    memcpy(lua_newuserdatauv(L, size, 0), c, size);
    luaL_setmetatable(L, type);
}

/* A channel count: an integer that fits an int (its sign is the cfg check's). */
static int checkchannels(lua_State *L, int i, const char *fname, const char *what)
{
    int ok;
    lua_Integer v = lua_tointegerx(L, i, &ok);
    if (!ok || v < -(1 << 24) || v > (1 << 24))
        luaL_error(L, "%s: %s must be an integer of at most 2^24, got %s", fname, what,
                   ok ? lua_tostring(L, i) : luaL_typename(L, i));
    return (int)v;
}

/* ---- conv2d ---- */

/* core.conv2d_cfg(in, out, k, {stride=, pad=, bias=, algo=, precision=}) -> cfg; k, stride,
 * pad: n or {h, w}; algo: 'auto', 'im2col', 'winograd2', 'winograd4' or 'onednn';
 * precision: 'fp32' or 'bf16' (nn.set_precision builds a new cfg with it) */
static int l_conv2d_cfg(lua_State *L)
{
    static const char *const keys[] = {"stride", "pad", "bias", "algo", "precision", NULL};
    const char *f = "Conv2d";
    dc_conv2d_cfg c;
    int in = checkchannels(L, 1, f, "in_channels"), out = checkchannels(L, 2, f, "out_channels");
    dc_conv2d_cfg_init(&c, in, out, 1);
    checkpair(L, 3, f, "kernel size", &c.kh, &c.kw);
    dcb_checkoptions(L, 4, f, keys);
    optpair(L, 4, f, "stride", &c.sh, &c.sw);
    optpair(L, 4, f, "pad", &c.ph, &c.pw);
    c.bias = dcb_optboolean(L, 4, "bias", 1);
    c.algo = (dc_conv2d_algo)dcb_optenum(L, 4, "algo", f, conv_algos, c.algo);
    c.bf16 = dcb_optenum(L, 4, "precision", f, precisions, c.bf16) == 1;
    dcb_check(L, dc_conv2d_cfg_check(&c, f));
    push_cfg(L, CONV2D_CFG, &c, sizeof c);
    return 1;
}

static const dc_conv2d_cfg *checkconv2d_cfg(lua_State *L, int i)
{
    return luaL_checkudata(L, i, CONV2D_CFG);
}

/* core.conv2d_forward(cfg, x, w, b, y) -> y */
static int l_conv2d_forward(lua_State *L)
{
    const dc_conv2d_cfg *c = checkconv2d_cfg(L, 1);
    dc_tensor *x = dcb_checktensor(L, 2), *w = dcb_checktensor(L, 3), *b = opttensor(L, 4);
    dcb_outarg y = dcb_checkout(L, 5, false);
    dcb_noalias(L, "conv2d_forward", y.t, x, "y", "x");
    dcb_check(L, dc_conv2d_forward(c, x, w, b, dcb_pushout(L, y)));
    return 1;
}

/* core.conv2d_backward(cfg, x, w, dy, dx, dw, db [, scale]) -> dx */
static int l_conv2d_backward(lua_State *L)
{
    const dc_conv2d_cfg *c = checkconv2d_cfg(L, 1);
    dc_tensor *x = dcb_checktensor(L, 2), *w = dcb_checktensor(L, 3), *dy = dcb_checktensor(L, 4);
    dcb_outarg dx = dcb_checkout(L, 5, true);
    dc_tensor *dw = optgrad(L, 6), *db = optgrad(L, 7);
    float scale = (float)luaL_optnumber(L, 8, 1.0);
    dcb_noalias(L, "conv2d_backward", dx.t, dy, "dx", "dy");
    dcb_noalias(L, "conv2d_backward", dx.t, x, "dx", "x");
    dcb_check(L, dc_conv2d_backward(c, x, w, dy, dcb_pushout(L, dx), dw, db, scale));
    return 1;
}

/* core.conv2d_bn_forward(cfg, x, w, b, gamma, beta, running_mean, running_var, eps, relu, y)
 * -> y: the inference pass of conv + BatchNorm (+ ReLU) in one (see conv2d.h) */
static int l_conv2d_bn_forward(lua_State *L)
{
    const dc_conv2d_cfg *c = checkconv2d_cfg(L, 1);
    dc_tensor *x = dcb_checktensor(L, 2), *w = dcb_checktensor(L, 3), *b = opttensor(L, 4);
    dc_tensor *st[4];
    for (int i = 0; i < 4; i++) st[i] = dcb_checktensor(L, 5 + i);
    double eps = luaL_checknumber(L, 9);
    luaL_checktype(L, 10, LUA_TBOOLEAN);
    bool relu = lua_toboolean(L, 10);
    dcb_outarg y = dcb_checkout(L, 11, false);
    dcb_noalias(L, "conv2d_bn_forward", y.t, x, "y", "x");
    dcb_check(L, dc_conv2d_bn_forward(c, x, w, b, st[0], st[1], st[2], st[3], eps, relu,
                                      dcb_pushout(L, y)));
    return 1;
}

/* ---- linear ---- */

/* core.linear_forward(x, w, b, y [, precision [, w16]]) -> y, w16: precision 'fp32'
 * (default; w16 nil) or 'bf16' (w16: the weight rounded to bf16, uint8 [out, 2 * in], made
 * when nil, for linear_backward) */
static int l_linear_forward(lua_State *L)
{
    dc_tensor *x = dcb_checktensor(L, 1), *w = dcb_checktensor(L, 2), *b = opttensor(L, 3);
    dcb_outarg y = dcb_checkout(L, 4, false);
    bool bf16 = dcb_checkenum(L, 5, "linear_forward", "precision", precisions, 0) == 1;
    dcb_outarg w16 = dcb_checkout(L, 6, false);
    dcb_noalias(L, "linear_forward", y.t, x, "y", "x");
    dc_tensor *yt = dcb_pushout(L, y), *w16t = bf16 ? dcb_pushout(L, w16) : NULL;
    if (!bf16) lua_pushnil(L);
    dcb_check(L, dc_linear_forward(x, w, b, yt, w16t));
    return 2;
}

/* core.linear_backward(x, w, dy, dx, dw, db [, scale [, w16]]) -> dx; w16 (from a bf16
 * linear_forward): bf16 products */
static int l_linear_backward(lua_State *L)
{
    dc_tensor *x = dcb_checktensor(L, 1), *w = dcb_checktensor(L, 2), *dy = dcb_checktensor(L, 3);
    dcb_outarg dx = dcb_checkout(L, 4, true);
    dc_tensor *dw = optgrad(L, 5), *db = optgrad(L, 6);
    float scale = (float)luaL_optnumber(L, 7, 1.0);
    dc_tensor *w16 = opttensor(L, 8);
    dcb_noalias(L, "linear_backward", dx.t, dy, "dx", "dy");
    dcb_check(L, dc_linear_backward(x, w, dy, dcb_pushout(L, dx), dw, db, scale, w16));
    return 1;
}

/* ---- relu ---- */

/* core.relu_forward(x, y) -> y (y may be x: in place) */
static int l_relu_forward(lua_State *L)
{
    dc_tensor *x = dcb_checktensor(L, 1);
    dcb_outarg y = dcb_checkout(L, 2, false);
    dcb_check(L, dc_relu_forward(x, dcb_pushout(L, y)));
    return 1;
}

/* core.relu_backward(y, dy, dx) -> dx (dx may be dy) */
static int l_relu_backward(lua_State *L)
{
    dc_tensor *y = dcb_checktensor(L, 1), *dy = dcb_checktensor(L, 2);
    dcb_outarg dx = dcb_checkout(L, 3, false);
    dcb_check(L, dc_relu_backward(y, dy, dcb_pushout(L, dx)));
    return 1;
}

/* ---- pooling ---- */

/* The options of MaxPool2d and AvgPool2d (count_include_pad: average pooling only, as in
 * PyTorch, where max pooling has no such option). */
static int pool2d_cfg(lua_State *L, const char *f, const char *const *keys)
{
    int kh, kw;
    checkpair(L, 1, f, "kernel size", &kh, &kw);
    dcb_checkoptions(L, 2, f, keys);
    dc_pool2d_cfg c;
    dc_pool2d_cfg_init(&c, kh, kw);
    optpair(L, 2, f, "stride", &c.sh, &c.sw);
    optpair(L, 2, f, "pad", &c.ph, &c.pw);
    c.ceil_mode = dcb_optboolean(L, 2, "ceil_mode", c.ceil_mode);
    c.count_include_pad = dcb_optboolean(L, 2, "count_include_pad", c.count_include_pad);
    dcb_check(L, dc_pool2d_cfg_check(&c, f));
    push_cfg(L, POOL2D_CFG, &c, sizeof c);
    return 1;
}

/* core.maxpool2d_cfg(k, {stride=, pad=, ceil_mode=}) -> cfg; k, stride, pad: n or {h, w} */
static int l_maxpool2d_cfg(lua_State *L)
{
    static const char *const keys[] = {"stride", "pad", "ceil_mode", NULL};
    return pool2d_cfg(L, "MaxPool2d", keys);
}

/* core.avgpool2d_cfg(k, {stride=, pad=, ceil_mode=, count_include_pad=}) -> cfg */
static int l_avgpool2d_cfg(lua_State *L)
{
    static const char *const keys[] = {"stride", "pad", "ceil_mode", "count_include_pad", NULL};
    return pool2d_cfg(L, "AvgPool2d", keys);
}

static const dc_pool2d_cfg *checkpool2d_cfg(lua_State *L, int i)
{
    return luaL_checkudata(L, i, POOL2D_CFG);
}

/* core.maxpool2d_forward(cfg, x, y, indices) -> y, indices (indices false: not recorded) */
static int l_maxpool2d_forward(lua_State *L)
{
    const dc_pool2d_cfg *c = checkpool2d_cfg(L, 1);
    dc_tensor *x = dcb_checktensor(L, 2);
    dcb_outarg y = dcb_checkout(L, 3, false), idx = dcb_checkout(L, 4, true);
    dcb_noalias(L, "maxpool2d_forward", y.t, x, "y", "x");
    dc_tensor *yt = dcb_pushout(L, y), *it = dcb_pushout(L, idx);
    dcb_check(L, dc_maxpool2d_forward(c, x, yt, it));
    return 2;
}

/* core.maxpool2d_backward(cfg, x, dy, indices, dx) -> dx (indices nil/false: found again) */
static int l_maxpool2d_backward(lua_State *L)
{
    const dc_pool2d_cfg *c = checkpool2d_cfg(L, 1);
    dc_tensor *x = dcb_checktensor(L, 2), *dy = dcb_checktensor(L, 3), *idx = optgrad(L, 4);
    dcb_outarg dx = dcb_checkout(L, 5, false);
    dcb_noalias(L, "maxpool2d_backward", dx.t, dy, "dx", "dy");
    dcb_check(L, dc_maxpool2d_backward(c, x, dy, idx, dcb_pushout(L, dx)));
    return 1;
}

/* A tensor field of the table at t (nil or false: NULL), or an error naming fname and stage i. */
static dc_tensor *stage_tensor(lua_State *L, const char *fname, int t, int i, const char *key, bool need)
{
    int ty = lua_getfield(L, t, key);
    dc_tensor *v = NULL;
    if (ty != LUA_TNIL && !(ty == LUA_TBOOLEAN && !lua_toboolean(L, -1))) {
        v = dcb_totensor(L, -1);
        if (!v) luaL_error(L, "%s: stage %d: %s must be a tensor, got %s", fname, i, key,
                           luaL_typename(L, -1));
    } else if (need) {
        luaL_error(L, "%s: stage %d: %s missing", fname, i, key);
    }
    lua_pop(L, 1); /* the table keeps the tensor alive */
    return v;
}

/* A number field of the table at t (nil: dflt). */
static double stage_number(lua_State *L, int t, const char *key, double dflt)
{
    lua_getfield(L, t, key);
    const double v = lua_isnil(L, -1) ? dflt : luaL_checknumber(L, -1);
    lua_pop(L, 1);
    return v;
}

/* Field key of the stage table at t as a boolean (nil: false). */
static bool stage_boolean(lua_State *L, int t, const char *key)
{
    lua_getfield(L, t, key);
    const bool v = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return v;
}

/* The stages list at index 1 (1 to most tables): its length, after checking each is a table. */
static int stage_count(lua_State *L, const char *fname, int most)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    const lua_Integer n = luaL_len(L, 1);
    if (n < 1 || n > most) luaL_error(L, "%s: %d stages, expected 1 to %d", fname, (int)n, most);
    return (int)n;
}

/* Pushes stage i's table (erroring unless it is one) and reads its conv or pool configuration
 * (exactly one set). */
static void stage_cfgs(lua_State *L, const char *fname, int i, const dc_conv2d_cfg **conv,
                       const dc_pool2d_cfg **pool)
{
    if (lua_geti(L, 1, i) != LUA_TTABLE)
        luaL_error(L, "%s: stage %d must be a table, got %s", fname, i, luaL_typename(L, -1));
    lua_getfield(L, -1, "conv");
    *conv = luaL_testudata(L, -1, CONV2D_CFG);
    lua_getfield(L, -2, "pool");
    *pool = *conv ? NULL : luaL_testudata(L, -1, POOL2D_CFG);
    lua_pop(L, 2);
    if (!*conv && !*pool)
        luaL_error(L, "%s: stage %d needs conv (a Conv2d configuration) or pool (a MaxPool2d "
                   "configuration)", fname, i);
}

/* core.conv2d_chains(cfg) -> boolean: whether the layer may join a oneDNN chain (conv2d.h) */
static int l_conv2d_chains(lua_State *L)
{
    lua_pushboolean(L, dc_conv2d_chains(checkconv2d_cfg(L, 1)));
    return 1;
}

/* core.conv2d_chain_forward(stages, x, y) -> y: an inference chain (see conv2d_chain.h);
 * stages is a list of {conv = cfg, w = , b = (nil: none), bn = {gamma, beta, running_mean,
 * running_var} (nil: none), eps = , relu = } and {pool = maxpool cfg} tables. */
static int l_conv2d_chain_forward(lua_State *L)
{
    const char *f = "conv2d_chain_forward";
    const int n = stage_count(L, f, DC_CHAIN_MAX);
    dc_tensor *x = dcb_checktensor(L, 2);
    dcb_outarg y = dcb_checkout(L, 3, false);
    dcb_noalias(L, f, y.t, x, "y", "x");
    dc_chain_stage st[DC_CHAIN_MAX];
    static const char *const bn_keys[4] = {"gamma", "beta", "running_mean", "running_var"};
    for (int i = 0; i < n; i++) {
        st[i] = (dc_chain_stage){0};
        stage_cfgs(L, f, i + 1, &st[i].conv, &st[i].pool);
        const int t = lua_gettop(L);
        if (st[i].conv) {
            st[i].w = stage_tensor(L, f, t, i + 1, "w", true);
            st[i].b = stage_tensor(L, f, t, i + 1, "b", false);
            if (lua_getfield(L, t, "bn") == LUA_TTABLE) {
                const int bn = lua_gettop(L);
                for (int k = 0; k < 4; k++) st[i].bn[k] = stage_tensor(L, f, bn, i + 1, bn_keys[k], true);
            }
            lua_pop(L, 1);
            st[i].eps = stage_number(L, t, "eps", 0);
            st[i].relu = stage_boolean(L, t, "relu");
        }
        lua_pop(L, 1); /* the stage table: stages keeps it */
    }
    dcb_check(L, dc_conv2d_chain_forward(n, st, x, dcb_pushout(L, y)));
    return 1;
}

/* The training chain's stages at index 1 into st (see l_conv2d_train_forward); returns n. */
static int train_stages(lua_State *L, const char *f, dc_train_stage *st)
{
    static const char *const bn_keys[6] = {"gamma", "beta", "running_mean", "running_var",
                                           "dgamma", "dbeta"};
    const int n = stage_count(L, f, DC_TRAIN_MAX);
    for (int i = 0; i < n; i++) {
        st[i] = (dc_train_stage){0};
        stage_cfgs(L, f, i + 1, &st[i].conv, &st[i].pool);
        const int t = lua_gettop(L);
        if (st[i].conv) {
            st[i].w = stage_tensor(L, f, t, i + 1, "w", true);
            st[i].b = stage_tensor(L, f, t, i + 1, "b", false);
            st[i].dw = stage_tensor(L, f, t, i + 1, "dw", true);
            st[i].db = stage_tensor(L, f, t, i + 1, "db", st[i].b != NULL);
            if (lua_getfield(L, t, "bn") != LUA_TTABLE)
                luaL_error(L, "%s: stage %d: bn (the BatchNorm's tensors) missing", f, i + 1);
            const int bn = lua_gettop(L);
            dc_tensor *v[6];
            for (int k = 0; k < 6; k++) v[k] = stage_tensor(L, f, bn, i + 1, bn_keys[k], true);
            lua_pop(L, 1);
            for (int k = 0; k < 4; k++) st[i].bn[k] = v[k];
            st[i].dbn[0] = v[4], st[i].dbn[1] = v[5];
            st[i].eps = stage_number(L, t, "eps", 0);
            st[i].momentum = stage_number(L, t, "momentum", 0);
            st[i].relu = stage_boolean(L, t, "relu");
        }
        lua_pop(L, 1);
    }
    return n;
}

/* core.conv2d_train_forward(stages, x, y, saved) -> y, saved: a training chain's forward pass
 * (see conv2d_train.h); stages is a list of {conv = cfg, w = , b = (nil: none), dw = , db = ,
 * bn = {gamma, beta, running_mean, running_var, dgamma, dbeta}, eps = , momentum = , relu = }
 * and {pool = maxpool cfg} tables; saved (nil: new) keeps what the backward pass reads. */
static int l_conv2d_train_forward(lua_State *L)
{
    const char *f = "conv2d_train_forward";
    dc_train_stage st[DC_TRAIN_MAX];
    const int n = train_stages(L, f, st);
    dc_tensor *x = dcb_checktensor(L, 2);
    dcb_outarg y = dcb_checkout(L, 3, false), saved = dcb_checkout(L, 4, false);
    dcb_noalias(L, f, y.t, x, "y", "x");
    dc_tensor *yt = dcb_pushout(L, y), *sv = dcb_pushout(L, saved);
    dcb_check(L, dc_conv2d_train_forward(n, st, x, yt, sv));
    return 2;
}

/* core.conv2d_train_backward(stages, x, dy, dx, saved) -> dx: its backward pass (dx false:
 * skipped, nil returned); every dw, db, dgamma, dbeta accumulates. */
static int l_conv2d_train_backward(lua_State *L)
{
    const char *f = "conv2d_train_backward";
    dc_train_stage st[DC_TRAIN_MAX];
    const int n = train_stages(L, f, st);
    dc_tensor *x = dcb_checktensor(L, 2), *dy = dcb_checktensor(L, 3);
    dcb_outarg dx = dcb_checkout(L, 4, true);
    dc_tensor *saved = dcb_checktensor(L, 5);
    dcb_noalias(L, f, dx.t, dy, "dx", "dy");
    dcb_check(L, dc_conv2d_train_backward(n, st, x, dy, dcb_pushout(L, dx), saved));
    return 1;
}

/* core.avgpool2d_forward(cfg, x, y) -> y */
static int l_avgpool2d_forward(lua_State *L)
{
    const dc_pool2d_cfg *c = checkpool2d_cfg(L, 1);
    dc_tensor *x = dcb_checktensor(L, 2);
    dcb_outarg y = dcb_checkout(L, 3, false);
    dcb_noalias(L, "avgpool2d_forward", y.t, x, "y", "x");
    dcb_check(L, dc_avgpool2d_forward(c, x, dcb_pushout(L, y)));
    return 1;
}

/* core.avgpool2d_backward(cfg, x, dy, dx) -> dx */
static int l_avgpool2d_backward(lua_State *L)
{
    const dc_pool2d_cfg *c = checkpool2d_cfg(L, 1);
    dc_tensor *x = dcb_checktensor(L, 2), *dy = dcb_checktensor(L, 3);
    dcb_outarg dx = dcb_checkout(L, 4, false);
    dcb_noalias(L, "avgpool2d_backward", dx.t, dy, "dx", "dy");
    dcb_check(L, dc_avgpool2d_backward(c, x, dy, dcb_pushout(L, dx)));
    return 1;
}

/* core.adaptive_avgpool2d_forward(oh, ow, x, y) -> y */
static int l_adaptive_avgpool2d_forward(lua_State *L)
{
    lua_Integer oh = luaL_checkinteger(L, 1), ow = luaL_checkinteger(L, 2);
    dc_tensor *x = dcb_checktensor(L, 3);
    dcb_outarg y = dcb_checkout(L, 4, false);
    dcb_noalias(L, "adaptive_avgpool2d_forward", y.t, x, "y", "x");
    dcb_check(L, dc_adaptive_avgpool2d_forward(oh, ow, x, dcb_pushout(L, y)));
    return 1;
}

/* core.adaptive_avgpool2d_backward(oh, ow, x, dy, dx) -> dx */
static int l_adaptive_avgpool2d_backward(lua_State *L)
{
    lua_Integer oh = luaL_checkinteger(L, 1), ow = luaL_checkinteger(L, 2);
    dc_tensor *x = dcb_checktensor(L, 3), *dy = dcb_checktensor(L, 4);
    dcb_outarg dx = dcb_checkout(L, 5, false);
    dcb_noalias(L, "adaptive_avgpool2d_backward", dx.t, dy, "dx", "dy");
    dcb_check(L, dc_adaptive_avgpool2d_backward(oh, ow, x, dy, dcb_pushout(L, dx)));
    return 1;
}

/* ---- batch normalisation ---- */

/* core.batchnorm_cfg({eps=, momentum=}, fname) -> cfg (fields eps, momentum) with the
 * core's defaults and checks; fname names the module in messages. */
static int l_batchnorm_cfg(lua_State *L)
{
    const char *f = luaL_checkstring(L, 2);
    dc_batchnorm_cfg c;
    dc_batchnorm_cfg_init(&c);
    c.eps = dcb_optnumber(L, 1, "eps", c.eps);
    c.momentum = dcb_optnumber(L, 1, "momentum", c.momentum);
    dcb_check(L, dc_batchnorm_cfg_check(&c, f));
    push_cfg(L, BATCHNORM_CFG, &c, sizeof c);
    return 1;
}

/* The cfg at i with the mode of this call: training (else evaluation) at i + 1, the fused
 * ReLU at i + 2; the module's state, so arguments rather than fields. */
static dc_batchnorm_cfg checkbn_cfg(lua_State *L, int i)
{
    dc_batchnorm_cfg c = *(const dc_batchnorm_cfg *)luaL_checkudata(L, i, BATCHNORM_CFG);
    c.training = lua_toboolean(L, i + 1);
    c.relu = lua_toboolean(L, i + 2);
    return c;
}

/* core.batchnorm_forward(cfg, training, relu, x, weight, bias, running_mean, running_var, y,
 * save_mean, save_invstd) -> y, save_mean, save_invstd */
static int l_batchnorm_forward(lua_State *L)
{
    dc_batchnorm_cfg c = checkbn_cfg(L, 1);
    dc_tensor *x = dcb_checktensor(L, 4), *g = dcb_checktensor(L, 5), *b = dcb_checktensor(L, 6);
    dc_tensor *rm = dcb_checktensor(L, 7), *rv = dcb_checktensor(L, 8);
    dcb_outarg y = dcb_checkout(L, 9, false), sm = dcb_checkout(L, 10, false), si = dcb_checkout(L, 11, false);
    dcb_noalias(L, "batchnorm_forward", y.t, x, "y", "x");
    dc_tensor *yt = dcb_pushout(L, y), *smt = dcb_pushout(L, sm), *sit = dcb_pushout(L, si);
    dcb_check(L, dc_batchnorm_forward(&c, x, g, b, rm, rv, yt, smt, sit));
    return 3;
}

/* core.batchnorm_backward(cfg, training, relu, x, y, dy, weight, save_mean, save_invstd, dx,
 * dweight, dbias [, scale]) -> dx; y: the forward output (read when relu), else nil */
static int l_batchnorm_backward(lua_State *L)
{
    dc_batchnorm_cfg c = checkbn_cfg(L, 1);
    dc_tensor *x = dcb_checktensor(L, 4), *y = opttensor(L, 5), *dy = dcb_checktensor(L, 6);
    dc_tensor *g = dcb_checktensor(L, 7), *sm = dcb_checktensor(L, 8), *si = dcb_checktensor(L, 9);
    dcb_outarg dx = dcb_checkout(L, 10, true);
    dc_tensor *dg = optgrad(L, 11), *db = optgrad(L, 12);
    float scale = (float)luaL_optnumber(L, 13, 1.0);
    dcb_noalias(L, "batchnorm_backward", dx.t, x, "dx", "x");
    dcb_check(L, dc_batchnorm_backward(&c, x, y, dy, g, sm, si, dcb_pushout(L, dx), dg, db, scale));
    return 1;
}

/* ---- dropout ---- */

/* core.dropout_check(p, fname) -> p, checked by core; fname names the module in messages */
static int l_dropout_check(lua_State *L)
{
    double p = luaL_checknumber(L, 1);
    dcb_check(L, dc_dropout_check(p, luaL_checkstring(L, 2)));
    lua_settop(L, 1);
    return 1;
}

/* core.dropout_forward(p, x, generator, mask, y) -> y, mask */
static int l_dropout_forward(lua_State *L)
{
    double p = luaL_checknumber(L, 1);
    dc_tensor *x = dcb_checktensor(L, 2);
    dc_rng *r = dcb_checkgenerator(L, 3);
    dcb_outarg mask = dcb_checkout(L, 4, false), y = dcb_checkout(L, 5, false);
    dc_tensor *mt = dcb_pushout(L, mask), *yt = dcb_pushout(L, y);
    dcb_check(L, dc_dropout_forward(p, x, r, mt, yt));
    lua_rotate(L, -2, 1); /* return y, mask */
    return 2;
}

/* core.dropout_backward(p, dy, mask, dx) -> dx */
static int l_dropout_backward(lua_State *L)
{
    double p = luaL_checknumber(L, 1);
    dc_tensor *dy = dcb_checktensor(L, 2), *mask = dcb_checktensor(L, 3);
    dcb_outarg dx = dcb_checkout(L, 4, false);
    dcb_check(L, dc_dropout_backward(p, dy, mask, dcb_pushout(L, dx)));
    return 1;
}

/* ---- sobel ---- */

/* core.sobel_forward(x, y) -> y */
static int l_sobel_forward(lua_State *L)
{
    dc_tensor *x = dcb_checktensor(L, 1);
    dcb_outarg y = dcb_checkout(L, 2, false);
    dcb_noalias(L, "sobel_forward", y.t, x, "y", "x");
    dcb_check(L, dc_sobel_forward(x, dcb_pushout(L, y)));
    return 1;
}

/* core.sobel_backward(x, dy, dx) -> dx */
static int l_sobel_backward(lua_State *L)
{
    dc_tensor *x = dcb_checktensor(L, 1), *dy = dcb_checktensor(L, 2);
    dcb_outarg dx = dcb_checkout(L, 3, false);
    dcb_noalias(L, "sobel_backward", dx.t, dy, "dx", "dy");
    dcb_check(L, dc_sobel_backward(x, dy, dcb_pushout(L, dx)));
    return 1;
}

/* ---- softmax family and cross-entropy ---- */

static int softmax_fwd(lua_State *L, dc_status (*fn)(const dc_tensor *, dc_tensor *))
{
    dc_tensor *x = dcb_checktensor(L, 1);
    dcb_outarg y = dcb_checkout(L, 2, false);
    dcb_check(L, fn(x, dcb_pushout(L, y)));
    return 1;
}

static int softmax_bwd(lua_State *L,
                       dc_status (*fn)(const dc_tensor *, const dc_tensor *, dc_tensor *))
{
    dc_tensor *y = dcb_checktensor(L, 1), *dy = dcb_checktensor(L, 2);
    dcb_outarg dx = dcb_checkout(L, 3, false);
    dcb_noalias(L, "softmax_backward", dx.t, y, "dx", "y");
    dcb_check(L, fn(y, dy, dcb_pushout(L, dx)));
    return 1;
}

/* core.softmax_forward(x, y) -> y, and the log_ variant; backward(y, dy, dx) -> dx */
static int l_softmax_forward(lua_State *L) { return softmax_fwd(L, dc_softmax_forward); }
static int l_log_softmax_forward(lua_State *L) { return softmax_fwd(L, dc_log_softmax_forward); }
static int l_softmax_backward(lua_State *L) { return softmax_bwd(L, dc_softmax_backward); }
static int l_log_softmax_backward(lua_State *L) { return softmax_bwd(L, dc_log_softmax_backward); }

/* core.cross_entropy_forward(x, target, weight, prob) -> loss, prob; target 1-based */
static int l_cross_entropy_forward(lua_State *L)
{
    dc_tensor *x = dcb_checktensor(L, 1), *t = dcb_checktensor(L, 2), *w = opttensor(L, 3);
    dcb_outarg prob = dcb_checkout(L, 4, false);
    dcb_noalias(L, "cross_entropy_forward", prob.t, x, "prob", "input");
    double loss = 0;
    dc_tensor *pt = dcb_pushout(L, prob);
    dcb_check(L, dc_xent_forward(x, t, DCB_BASE, w, pt, &loss));
    lua_pushnumber(L, loss);
    lua_rotate(L, -2, 1); /* return loss, prob */
    return 2;
}

/* core.cross_entropy_backward(prob, target, weight, dloss, dx) -> dx (dx may be prob) */
static int l_cross_entropy_backward(lua_State *L)
{
    dc_tensor *p = dcb_checktensor(L, 1), *t = dcb_checktensor(L, 2), *w = opttensor(L, 3);
    double dloss = luaL_checknumber(L, 4);
    dcb_outarg dx = dcb_checkout(L, 5, false);
    dcb_check(L, dc_xent_backward(p, t, DCB_BASE, w, dloss, dcb_pushout(L, dx)));
    return 1;
}

/* core.mse_loss_forward(x, target) -> loss */
static int l_mse_loss_forward(lua_State *L)
{
    dc_tensor *x = dcb_checktensor(L, 1), *t = dcb_checktensor(L, 2);
    double loss = 0;
    dcb_check(L, dc_mse_loss_forward(x, t, &loss));
    lua_pushnumber(L, loss);
    return 1;
}

/* core.mse_loss_backward(x, target, dloss, dx) -> dx */
static int l_mse_loss_backward(lua_State *L)
{
    dc_tensor *x = dcb_checktensor(L, 1), *t = dcb_checktensor(L, 2);
    double dloss = luaL_checknumber(L, 3);
    dcb_outarg dx = dcb_checkout(L, 4, false);
    dcb_noalias(L, "mse_loss_backward", dx.t, t, "dx", "target");
    dcb_check(L, dc_mse_loss_backward(x, t, dloss, dcb_pushout(L, dx)));
    return 1;
}

/* ---- workspace ---- */

/* core.scratch_bytes() -> bytes held by the kernel workspace of this thread */
static int l_scratch_bytes(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)dc_scratch_bytes());
    return 1;
}

static int l_scratch_free(lua_State *L)
{
    (void)L;
    dc_scratch_free();
    return 0;
}

static const luaL_Reg nn_funcs[] = {
    {"conv2d_cfg", l_conv2d_cfg},
    {"conv2d_forward", l_conv2d_forward},
    {"conv2d_backward", l_conv2d_backward},
    {"conv2d_bn_forward", l_conv2d_bn_forward},
    {"conv2d_chains", l_conv2d_chains},
    {"conv2d_chain_forward", l_conv2d_chain_forward},
    {"conv2d_train_forward", l_conv2d_train_forward},
    {"conv2d_train_backward", l_conv2d_train_backward},
    {"linear_forward", l_linear_forward},
    {"linear_backward", l_linear_backward},
    {"relu_forward", l_relu_forward},
    {"relu_backward", l_relu_backward},
    {"maxpool2d_cfg", l_maxpool2d_cfg},
    {"avgpool2d_cfg", l_avgpool2d_cfg},
    {"maxpool2d_forward", l_maxpool2d_forward},
    {"maxpool2d_backward", l_maxpool2d_backward},
    {"avgpool2d_forward", l_avgpool2d_forward},
    {"avgpool2d_backward", l_avgpool2d_backward},
    {"adaptive_avgpool2d_forward", l_adaptive_avgpool2d_forward},
    {"adaptive_avgpool2d_backward", l_adaptive_avgpool2d_backward},
    {"batchnorm_cfg", l_batchnorm_cfg},
    {"batchnorm_forward", l_batchnorm_forward},
    {"batchnorm_backward", l_batchnorm_backward},
    {"dropout_check", l_dropout_check},
    {"dropout_forward", l_dropout_forward},
    {"dropout_backward", l_dropout_backward},
    {"sobel_forward", l_sobel_forward},
    {"sobel_backward", l_sobel_backward},
    {"softmax_forward", l_softmax_forward},
    {"softmax_backward", l_softmax_backward},
    {"log_softmax_forward", l_log_softmax_forward},
    {"log_softmax_backward", l_log_softmax_backward},
    {"cross_entropy_forward", l_cross_entropy_forward},
    {"cross_entropy_backward", l_cross_entropy_backward},
    {"mse_loss_forward", l_mse_loss_forward},
    {"mse_loss_backward", l_mse_loss_backward},
    {"scratch_bytes", l_scratch_bytes},
    {"scratch_free", l_scratch_free},
    {NULL, NULL},
};

void dcb_open_nn(lua_State *L)
{
    new_cfg_type(L, CONV2D_CFG, conv2d_fields);
    new_cfg_type(L, POOL2D_CFG, pool2d_fields);
    new_cfg_type(L, BATCHNORM_CFG, batchnorm_fields);
    luaL_setfuncs(L, nn_funcs, 0);
}
