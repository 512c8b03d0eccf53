/* Lua bindings of the layer kernels (core/layers/): forward and backward of every layer,
 * the layer configurations as checked Lua tables, and the kernel workspace.
 *
 * Output arguments follow one rule: a tensor is written into (it must have the exact shape),
 * nil makes a new tensor, and for the gradients that can be skipped, false skips them.
 * Every output is returned, in argument order. Class ids (cross-entropy targets) are 1-based
 * here and converted by the kernel's base argument. */
#include <string.h>

#include "dcb.h"

/* ---- argument helpers ---- */

/* Output argument i: a tensor (returned as is), nil/none (a new tensor is made later by
 * pushout) or, when skippable, false (NULL, skipped). *skip tells the two NULL cases apart. */
typedef struct outarg {
    int index;
    dc_tensor *t;
    bool skip;
} outarg;

static outarg checkout(lua_State *L, int i, bool skippable)
{
    outarg o = {i, NULL, false};
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
static dc_tensor *pushout(lua_State *L, outarg o)
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

/* The kernels read their inputs while writing their outputs: sharing storage would corrupt
 * the result silently, so it is refused. */
static void noalias(lua_State *L, const char *fname, const dc_tensor *out, const dc_tensor *in,
                    const char *oname, const char *iname)
{
    if (out && in && out->storage && out->storage == in->storage)
        luaL_error(L, "%s: %s must not share storage with %s", fname, oname, iname);
}

/* An integer pair given as n or {h, w}; positive unless allow_zero. */
static void checkpair(lua_State *L, int i, const char *fname, const char *what, int *h, int *w,
                      bool allow_zero)
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
    lua_Integer lo = allow_zero ? 0 : 1;
    if (v[0] < lo || v[1] < lo || v[0] > 1 << 20 || v[1] > 1 << 20)
        luaL_error(L, "%s: %s must be %s, got %dx%d", fname, what,
                   allow_zero ? ">= 0" : "positive", (int)v[0], (int)v[1]);
    *h = (int)v[0], *w = (int)v[1];
}

/* Field key of the options table at opts as a pair, or def when absent. */
static void optpair(lua_State *L, int opts, const char *fname, const char *key, int *h, int *w,
                    int def, bool allow_zero)
{
    *h = *w = def;
    if (!lua_istable(L, opts)) return;
    lua_getfield(L, opts, key);
    if (!lua_isnil(L, -1)) checkpair(L, lua_gettop(L), fname, key, h, w, allow_zero);
    lua_pop(L, 1);
}

static int getint(lua_State *L, int t, const char *key)
{
    lua_getfield(L, t, key);
    int ok;
    lua_Integer v = lua_tointegerx(L, -1, &ok);
    if (!ok) luaL_error(L, "layer configuration: field '%s' must be an integer", key);
    lua_pop(L, 1);
    return (int)v;
}

static bool getbool(lua_State *L, int t, const char *key)
{
    lua_getfield(L, t, key);
    bool v = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return v;
}

static void setint(lua_State *L, const char *key, int v)
{
    lua_pushinteger(L, v);
    lua_setfield(L, -2, key);
}

static void setbool(lua_State *L, const char *key, bool v)
{
    lua_pushboolean(L, v);
    lua_setfield(L, -2, key);
}

static int checkchannels(lua_State *L, int i, const char *fname, const char *what)
{
    int ok;
    lua_Integer v = lua_tointegerx(L, i, &ok);
    if (!ok || v < 1 || v > (1 << 24))
        luaL_error(L, "%s: %s must be a positive integer, got %s", fname, what,
                   ok ? lua_tostring(L, i) : luaL_typename(L, i));
    return (int)v;
}

/* ---- conv2d ---- */

static const char *const conv_algos[] = {"auto", "im2col", "winograd2", "winograd4", "onednn", NULL};

/* core.conv2d_cfg(in, out, k, {stride=, pad=, bias=, algo=}) -> cfg table; k, stride, pad:
 * n or {h, w}; algo: 'auto', 'im2col', 'winograd2', 'winograd4' or 'onednn' */
static int l_conv2d_cfg(lua_State *L)
{
    static const char *const keys[] = {"stride", "pad", "bias", "algo", NULL};
    const char *f = "Conv2d";
    dc_conv2d_cfg c;
    int in = checkchannels(L, 1, f, "in_channels"), out = checkchannels(L, 2, f, "out_channels");
    dc_conv2d_cfg_init(&c, in, out, 1);
    checkpair(L, 3, f, "kernel size", &c.kh, &c.kw, false);
    dcb_checkoptions(L, 4, f, keys);
    optpair(L, 4, f, "stride", &c.sh, &c.sw, 1, false);
    optpair(L, 4, f, "pad", &c.ph, &c.pw, 0, true);
    c.bias = dcb_optboolean(L, 4, "bias", 1);
    const char *algo = dcb_optstring(L, 4, "algo", "auto");
    int a = 0;
    while (conv_algos[a] && strcmp(conv_algos[a], algo) != 0) a++;
    if (!conv_algos[a])
        luaL_error(L, "%s: unknown algo '%s' (valid: auto, im2col, winograd2, winograd4, onednn)", f, algo);
    c.algo = (dc_conv2d_algo)a;
    dcb_check(L, dc_conv2d_cfg_check(&c));
    lua_createtable(L, 0, 10);
    setint(L, "in_ch", c.in_ch), setint(L, "out_ch", c.out_ch);
    setint(L, "kh", c.kh), setint(L, "kw", c.kw), setint(L, "sh", c.sh), setint(L, "sw", c.sw);
    setint(L, "ph", c.ph), setint(L, "pw", c.pw), setbool(L, "bias", c.bias);
    lua_pushstring(L, conv_algos[c.algo]);
    lua_setfield(L, -2, "algo");
    return 1;
}

static dc_conv2d_cfg checkconv2d_cfg(lua_State *L, int i)
{
    luaL_checktype(L, i, LUA_TTABLE);
    dc_conv2d_cfg c = {getint(L, i, "in_ch"), getint(L, i, "out_ch"), getint(L, i, "kh"),
                       getint(L, i, "kw"), getint(L, i, "sh"), getint(L, i, "sw"),
                       getint(L, i, "ph"), getint(L, i, "pw"), getbool(L, i, "bias"),
                       DC_CONV_AUTO, false};
    lua_getfield(L, i, "algo");
    if (!lua_isnil(L, -1)) c.algo = (dc_conv2d_algo)luaL_checkoption(L, -1, NULL, conv_algos);
    lua_pop(L, 1);
    static const char *const precisions[] = {"fp32", "bf16", NULL}; /* set by nn.set_precision */
    lua_getfield(L, i, "precision");
    if (!lua_isnil(L, -1)) c.bf16 = luaL_checkoption(L, -1, NULL, precisions) == 1;
    lua_pop(L, 1);
    return c;
}

/* core.conv2d_forward(cfg, x, w, b, y) -> y */
static int l_conv2d_forward(lua_State *L)
{
    dc_conv2d_cfg c = checkconv2d_cfg(L, 1);
    dc_tensor *x = dcb_checktensor(L, 2), *w = dcb_checktensor(L, 3), *b = opttensor(L, 4);
    outarg y = checkout(L, 5, false);
    noalias(L, "conv2d_forward", y.t, x, "y", "x");
    dcb_check(L, dc_conv2d_forward(&c, x, w, b, pushout(L, y)));
    return 1;
}

/* core.conv2d_backward(cfg, x, w, dy, dx, dw, db [, scale]) -> dx */
static int l_conv2d_backward(lua_State *L)
{
    dc_conv2d_cfg c = checkconv2d_cfg(L, 1);
    dc_tensor *x = dcb_checktensor(L, 2), *w = dcb_checktensor(L, 3), *dy = dcb_checktensor(L, 4);
    outarg dx = checkout(L, 5, true);
    dc_tensor *dw = optgrad(L, 6), *db = optgrad(L, 7);
    float scale = (float)luaL_optnumber(L, 8, 1.0);
    noalias(L, "conv2d_backward", dx.t, dy, "dx", "dy");
    noalias(L, "conv2d_backward", dx.t, x, "dx", "x");
    dcb_check(L, dc_conv2d_backward(&c, x, w, dy, pushout(L, dx), dw, db, scale));
    return 1;
}

/* core.conv2d_bn_forward(cfg, x, w, b, gamma, beta, running_mean, running_var, eps, relu, y)
 * -> y: the inference pass of conv + BatchNorm (+ ReLU) in one (see conv2d.h) */
static int l_conv2d_bn_forward(lua_State *L)
{
    dc_conv2d_cfg c = checkconv2d_cfg(L, 1);
    dc_tensor *x = dcb_checktensor(L, 2), *w = dcb_checktensor(L, 3), *b = opttensor(L, 4);
    dc_tensor *st[4];
    for (int i = 0; i < 4; i++) st[i] = dcb_checktensor(L, 5 + i);
    double eps = luaL_checknumber(L, 9);
    luaL_checktype(L, 10, LUA_TBOOLEAN);
    bool relu = lua_toboolean(L, 10);
    outarg y = checkout(L, 11, false);
    noalias(L, "conv2d_bn_forward", y.t, x, "y", "x");
    dcb_check(L, dc_conv2d_bn_forward(&c, x, w, b, st[0], st[1], st[2], st[3], eps, relu,
                                      pushout(L, y)));
    return 1;
}

/* ---- linear ---- */

/* core.linear_forward(x, w, b, y) -> y */
static int l_linear_forward(lua_State *L)
{
    dc_tensor *x = dcb_checktensor(L, 1), *w = dcb_checktensor(L, 2), *b = opttensor(L, 3);
    outarg y = checkout(L, 4, false);
    noalias(L, "linear_forward", y.t, x, "y", "x");
    dcb_check(L, dc_linear_forward(x, w, b, pushout(L, y)));
    return 1;
}

/* core.linear_backward(x, w, dy, dx, dw, db [, scale]) -> dx */
static int l_linear_backward(lua_State *L)
{
    dc_tensor *x = dcb_checktensor(L, 1), *w = dcb_checktensor(L, 2), *dy = dcb_checktensor(L, 3);
    outarg dx = checkout(L, 4, true);
    dc_tensor *dw = optgrad(L, 5), *db = optgrad(L, 6);
    float scale = (float)luaL_optnumber(L, 7, 1.0);
    noalias(L, "linear_backward", dx.t, dy, "dx", "dy");
    dcb_check(L, dc_linear_backward(x, w, dy, pushout(L, dx), dw, db, scale));
    return 1;
}

/* ---- relu ---- */

/* core.relu_forward(x, y) -> y (y may be x: in place) */
static int l_relu_forward(lua_State *L)
{
    dc_tensor *x = dcb_checktensor(L, 1);
    outarg y = checkout(L, 2, false);
    dcb_check(L, dc_relu_forward(x, pushout(L, y)));
    return 1;
}

/* core.relu_backward(y, dy, dx) -> dx (dx may be dy) */
static int l_relu_backward(lua_State *L)
{
    dc_tensor *y = dcb_checktensor(L, 1), *dy = dcb_checktensor(L, 2);
    outarg dx = checkout(L, 3, false);
    dcb_check(L, dc_relu_backward(y, dy, pushout(L, dx)));
    return 1;
}

/* ---- pooling ---- */

/* core.pool2d_cfg(k, {stride=, pad=, ceil_mode=, count_include_pad=}, fname) -> cfg table */
static int l_pool2d_cfg(lua_State *L)
{
    static const char *const keys[] = {"stride", "pad", "ceil_mode", "count_include_pad", NULL};
    const char *f = luaL_optstring(L, 3, "pool2d");
    dc_pool2d_cfg c;
    dc_pool2d_cfg_init(&c, 1);
    checkpair(L, 1, f, "kernel size", &c.kh, &c.kw, false);
    dcb_checkoptions(L, 2, f, keys);
    int sh, sw;
    optpair(L, 2, f, "stride", &sh, &sw, 0, false);
    c.sh = sh ? sh : c.kh, c.sw = sw ? sw : c.kw;
    optpair(L, 2, f, "pad", &c.ph, &c.pw, 0, true);
    c.ceil_mode = dcb_optboolean(L, 2, "ceil_mode", 0);
    c.count_include_pad = dcb_optboolean(L, 2, "count_include_pad", 1);
    if (2 * c.ph > c.kh || 2 * c.pw > c.kw)
        luaL_error(L, "%s: padding %dx%d must be at most half the %dx%d window", f, c.ph, c.pw,
                   c.kh, c.kw);
    lua_createtable(L, 0, 8);
    setint(L, "kh", c.kh), setint(L, "kw", c.kw), setint(L, "sh", c.sh), setint(L, "sw", c.sw);
    setint(L, "ph", c.ph), setint(L, "pw", c.pw);
    setbool(L, "ceil_mode", c.ceil_mode), setbool(L, "count_include_pad", c.count_include_pad);
    return 1;
}

static dc_pool2d_cfg checkpool2d_cfg(lua_State *L, int i)
{
    luaL_checktype(L, i, LUA_TTABLE);
    dc_pool2d_cfg c = {getint(L, i, "kh"), getint(L, i, "kw"), getint(L, i, "sh"),
                       getint(L, i, "sw"), getint(L, i, "ph"), getint(L, i, "pw"),
                       getbool(L, i, "ceil_mode"), getbool(L, i, "count_include_pad")};
    return c;
}

/* core.maxpool2d_forward(cfg, x, y, indices) -> y, indices (indices false: not recorded) */
static int l_maxpool2d_forward(lua_State *L)
{
    dc_pool2d_cfg c = checkpool2d_cfg(L, 1);
    dc_tensor *x = dcb_checktensor(L, 2);
    outarg y = checkout(L, 3, false), idx = checkout(L, 4, true);
    noalias(L, "maxpool2d_forward", y.t, x, "y", "x");
    dc_tensor *yt = pushout(L, y), *it = pushout(L, idx);
    dcb_check(L, dc_maxpool2d_forward(&c, x, yt, it));
    return 2;
}

/* core.maxpool2d_backward(cfg, x, dy, indices, dx) -> dx (indices nil/false: found again) */
static int l_maxpool2d_backward(lua_State *L)
{
    dc_pool2d_cfg c = checkpool2d_cfg(L, 1);
    dc_tensor *x = dcb_checktensor(L, 2), *dy = dcb_checktensor(L, 3), *idx = optgrad(L, 4);
    outarg dx = checkout(L, 5, false);
    noalias(L, "maxpool2d_backward", dx.t, dy, "dx", "dy");
    dcb_check(L, dc_maxpool2d_backward(&c, x, dy, idx, pushout(L, dx)));
    return 1;
}

/* core.avgpool2d_forward(cfg, x, y) -> y */
static int l_avgpool2d_forward(lua_State *L)
{
    dc_pool2d_cfg c = checkpool2d_cfg(L, 1);
    dc_tensor *x = dcb_checktensor(L, 2);
    outarg y = checkout(L, 3, false);
    noalias(L, "avgpool2d_forward", y.t, x, "y", "x");
    dcb_check(L, dc_avgpool2d_forward(&c, x, pushout(L, y)));
    return 1;
}

/* core.avgpool2d_backward(cfg, x, dy, dx) -> dx */
static int l_avgpool2d_backward(lua_State *L)
{
    dc_pool2d_cfg c = checkpool2d_cfg(L, 1);
    dc_tensor *x = dcb_checktensor(L, 2), *dy = dcb_checktensor(L, 3);
    outarg dx = checkout(L, 4, false);
    noalias(L, "avgpool2d_backward", dx.t, dy, "dx", "dy");
    dcb_check(L, dc_avgpool2d_backward(&c, x, dy, pushout(L, dx)));
    return 1;
}

/* core.adaptive_avgpool2d_forward(oh, ow, x, y) -> y */
static int l_adaptive_avgpool2d_forward(lua_State *L)
{
    lua_Integer oh = luaL_checkinteger(L, 1), ow = luaL_checkinteger(L, 2);
    dc_tensor *x = dcb_checktensor(L, 3);
    outarg y = checkout(L, 4, false);
    noalias(L, "adaptive_avgpool2d_forward", y.t, x, "y", "x");
    dcb_check(L, dc_adaptive_avgpool2d_forward(oh, ow, x, pushout(L, y)));
    return 1;
}

/* core.adaptive_avgpool2d_backward(oh, ow, x, dy, dx) -> dx */
static int l_adaptive_avgpool2d_backward(lua_State *L)
{
    lua_Integer oh = luaL_checkinteger(L, 1), ow = luaL_checkinteger(L, 2);
    dc_tensor *x = dcb_checktensor(L, 3), *dy = dcb_checktensor(L, 4);
    outarg dx = checkout(L, 5, false);
    noalias(L, "adaptive_avgpool2d_backward", dx.t, dy, "dx", "dy");
    dcb_check(L, dc_adaptive_avgpool2d_backward(oh, ow, x, dy, pushout(L, dx)));
    return 1;
}

/* ---- batch normalisation ---- */

/* {training=, momentum=, eps=, relu=} at i (every field given by the Lua module) */
static dc_batchnorm_cfg checkbn_cfg(lua_State *L, int i)
{
    dc_batchnorm_cfg c;
    dc_batchnorm_cfg_init(&c);
    luaL_checktype(L, i, LUA_TTABLE);
    c.eps = dcb_optnumber(L, i, "eps", c.eps);
    c.momentum = dcb_optnumber(L, i, "momentum", c.momentum);
    c.training = dcb_optboolean(L, i, "training", c.training);
    c.relu = dcb_optboolean(L, i, "relu", c.relu);
    return c;
}

/* core.batchnorm_forward(cfg, x, weight, bias, running_mean, running_var, y, save_mean,
 * save_invstd) -> y, save_mean, save_invstd */
static int l_batchnorm_forward(lua_State *L)
{
    dc_batchnorm_cfg c = checkbn_cfg(L, 1);
    dc_tensor *x = dcb_checktensor(L, 2), *g = dcb_checktensor(L, 3), *b = dcb_checktensor(L, 4);
    dc_tensor *rm = dcb_checktensor(L, 5), *rv = dcb_checktensor(L, 6);
    outarg y = checkout(L, 7, false), sm = checkout(L, 8, false), si = checkout(L, 9, false);
    noalias(L, "batchnorm_forward", y.t, x, "y", "x");
    dc_tensor *yt = pushout(L, y), *smt = pushout(L, sm), *sit = pushout(L, si);
    dcb_check(L, dc_batchnorm_forward(&c, x, g, b, rm, rv, yt, smt, sit));
    return 3;
}

/* core.batchnorm_backward(cfg, x, y, dy, weight, save_mean, save_invstd, dx, dweight, dbias
 * [, scale]) -> dx; y: the forward output (read when cfg.relu), else nil */
static int l_batchnorm_backward(lua_State *L)
{
    dc_batchnorm_cfg c = checkbn_cfg(L, 1);
    dc_tensor *x = dcb_checktensor(L, 2), *y = opttensor(L, 3), *dy = dcb_checktensor(L, 4);
    dc_tensor *g = dcb_checktensor(L, 5), *sm = dcb_checktensor(L, 6), *si = dcb_checktensor(L, 7);
    outarg dx = checkout(L, 8, true);
    dc_tensor *dg = optgrad(L, 9), *db = optgrad(L, 10);
    float scale = (float)luaL_optnumber(L, 11, 1.0);
    noalias(L, "batchnorm_backward", dx.t, x, "dx", "x");
    dcb_check(L, dc_batchnorm_backward(&c, x, y, dy, g, sm, si, pushout(L, dx), dg, db, scale));
    return 1;
}

/* ---- dropout ---- */

/* core.dropout_forward(p, x, generator, mask, y) -> y, mask */
static int l_dropout_forward(lua_State *L)
{
    double p = luaL_checknumber(L, 1);
    dc_tensor *x = dcb_checktensor(L, 2);
    dc_rng *r = dcb_checkgenerator(L, 3);
    outarg mask = checkout(L, 4, false), y = checkout(L, 5, false);
    dc_tensor *mt = pushout(L, mask), *yt = pushout(L, y);
    dcb_check(L, dc_dropout_forward(p, x, r, mt, yt));
    lua_rotate(L, -2, 1); /* return y, mask */
    return 2;
}

/* core.dropout_backward(p, dy, mask, dx) -> dx */
static int l_dropout_backward(lua_State *L)
{
    double p = luaL_checknumber(L, 1);
    dc_tensor *dy = dcb_checktensor(L, 2), *mask = dcb_checktensor(L, 3);
    outarg dx = checkout(L, 4, false);
    dcb_check(L, dc_dropout_backward(p, dy, mask, pushout(L, dx)));
    return 1;
}

/* ---- sobel ---- */

/* core.sobel_forward(x, y) -> y */
static int l_sobel_forward(lua_State *L)
{
    dc_tensor *x = dcb_checktensor(L, 1);
    outarg y = checkout(L, 2, false);
    noalias(L, "sobel_forward", y.t, x, "y", "x");
    dcb_check(L, dc_sobel_forward(x, pushout(L, y)));
    return 1;
}

/* core.sobel_backward(x, dy, dx) -> dx */
static int l_sobel_backward(lua_State *L)
{
    dc_tensor *x = dcb_checktensor(L, 1), *dy = dcb_checktensor(L, 2);
    outarg dx = checkout(L, 3, false);
    noalias(L, "sobel_backward", dx.t, dy, "dx", "dy");
    dcb_check(L, dc_sobel_backward(x, dy, pushout(L, dx)));
    return 1;
}

/* ---- softmax family and cross-entropy ---- */

static int softmax_fwd(lua_State *L, dc_status (*fn)(const dc_tensor *, dc_tensor *))
{
    dc_tensor *x = dcb_checktensor(L, 1);
    outarg y = checkout(L, 2, false);
    dcb_check(L, fn(x, pushout(L, y)));
    return 1;
}

static int softmax_bwd(lua_State *L,
                       dc_status (*fn)(const dc_tensor *, const dc_tensor *, dc_tensor *))
{
    dc_tensor *y = dcb_checktensor(L, 1), *dy = dcb_checktensor(L, 2);
    outarg dx = checkout(L, 3, false);
    noalias(L, "softmax_backward", dx.t, y, "dx", "y");
    dcb_check(L, fn(y, dy, pushout(L, dx)));
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
    outarg prob = checkout(L, 4, false);
    noalias(L, "cross_entropy_forward", prob.t, x, "prob", "input");
    double loss = 0;
    dc_tensor *pt = pushout(L, prob);
    dcb_check(L, dc_xent_forward(x, t, 1, w, pt, &loss));
    lua_pushnumber(L, loss);
    lua_rotate(L, -2, 1); /* return loss, prob */
    return 2;
}

/* core.cross_entropy_backward(prob, target, weight, dloss, dx) -> dx (dx may be prob) */
static int l_cross_entropy_backward(lua_State *L)
{
    dc_tensor *p = dcb_checktensor(L, 1), *t = dcb_checktensor(L, 2), *w = opttensor(L, 3);
    double dloss = luaL_checknumber(L, 4);
    outarg dx = checkout(L, 5, false);
    dcb_check(L, dc_xent_backward(p, t, 1, w, dloss, pushout(L, dx)));
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
    {"linear_forward", l_linear_forward},
    {"linear_backward", l_linear_backward},
    {"relu_forward", l_relu_forward},
    {"relu_backward", l_relu_backward},
    {"pool2d_cfg", l_pool2d_cfg},
    {"maxpool2d_forward", l_maxpool2d_forward},
    {"maxpool2d_backward", l_maxpool2d_backward},
    {"avgpool2d_forward", l_avgpool2d_forward},
    {"avgpool2d_backward", l_avgpool2d_backward},
    {"adaptive_avgpool2d_forward", l_adaptive_avgpool2d_forward},
    {"adaptive_avgpool2d_backward", l_adaptive_avgpool2d_backward},
    {"batchnorm_forward", l_batchnorm_forward},
    {"batchnorm_backward", l_batchnorm_backward},
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
    {"scratch_bytes", l_scratch_bytes},
    {"scratch_free", l_scratch_free},
    {NULL, NULL},
};

void dcb_open_nn(lua_State *L) { luaL_setfuncs(L, nn_funcs, 0); }
