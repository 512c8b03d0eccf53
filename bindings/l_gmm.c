/* Lua bindings of core/cluster/gmm.c: Gaussian-mixture EM. Component ids are 1-based here,
 * 0-based in core (shifted by a core op, on a copy for inputs). */
#include "dcb.h"

static const char *const gmm_options[] = {"k", "covariance", "niter", "tol", "reg", NULL};

/* A 0-based copy of the 1-based ids tensor at arg (pushed on the stack). */
static dc_tensor *zero_based(lua_State *L, int arg)
{
    dc_tensor *ids = dcb_checktensor(L, arg);
    dc_tensor *out = dcb_newtensor(L);
    dcb_ids_from_lua(L, ids, out);
    return out;
}

/* Pushes {means =, covs =, weights =, covariance = 'diag' | 'full'}, moving m's tensors. */
static void push_model(lua_State *L, dc_gmm_model *m)
{
    lua_createtable(L, 0, 4);
    dc_tensor *parts[3] = {&m->means, &m->covs, &m->weights};
    const char *names[3] = {"means", "covs", "weights"};
    for (int i = 0; i < 3; i++) {
        dc_tensor *t = dcb_newtensor(L);
        *t = *parts[i];
        *parts[i] = dc_tensor_empty();
        lua_setfield(L, -2, names[i]);
    }
    lua_pushstring(L, m->covariance == DC_GMM_FULL ? "full" : "diag");
    lua_setfield(L, -2, "covariance");
}

/* core.gmm_fit(x, init, opts) -> assign (1-based), model, info {iters, loglik, converged,
 * trace = {mean log-likelihood of each E-step}} */
static int l_gmm_fit(lua_State *L)
{
    dc_tensor *x = dcb_checktensor(L, 1);
    dcb_checktensor(L, 2);
    dcb_checkoptions(L, 3, "gmm", gmm_options);
    dc_gmm_cfg cfg;
    dc_gmm_cfg_init(&cfg, dcb_optinteger(L, 3, "k", 0));
    dcb_check(L, dc_gmm_covariance_parse(dcb_optstring(L, 3, "covariance", "diag"),
                                         &cfg.covariance));
    cfg.niter = (int)dcb_optinteger(L, 3, "niter", cfg.niter);
    cfg.tol = dcb_optnumber(L, 3, "tol", cfg.tol);
    cfg.reg = dcb_optnumber(L, 3, "reg", cfg.reg);
    if (cfg.niter < 1 || cfg.niter > 100000)
        luaL_error(L, "gmm: niter must be in 1..100000, got %d", cfg.niter);
    dc_tensor *init = zero_based(L, 2);
    dc_tensor *assign = dcb_newtensor(L);
    double *trace = lua_newuserdatauv(L, (size_t)cfg.niter * sizeof(double), 0);
    dc_gmm_model m = dc_gmm_model_empty();
    dc_gmm_result r;
    dc_status st = dc_gmm_fit(&cfg, x, init, &m, assign, &r, trace);
    if (st != DC_OK) {
        dc_gmm_model_release(&m);
        dcb_check(L, st);
    }
    dcb_ids_to_lua(L, assign);
    lua_pushvalue(L, -2); /* assign on top; the trace buffer stays below it, alive */
    push_model(L, &m);
    lua_createtable(L, 0, 4);
    dcb_setinteger(L, "iters", r.iters);
    dcb_setnumber(L, "loglik", r.loglik);
    dcb_setboolean(L, "converged", r.converged);
    lua_createtable(L, r.iters, 0);
    for (int i = 0; i < r.iters; i++) {
        lua_pushnumber(L, trace[i]);
        lua_rawseti(L, -2, i + 1);
    }
    lua_setfield(L, -2, "trace");
    return 3;
}

/* core.gmm_predict(model, x) -> assign (1-based), mean log-likelihood */
static int l_gmm_predict(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    dc_tensor *x = dcb_checktensor(L, 2);
    dc_gmm_model m = dc_gmm_model_empty();
    lua_getfield(L, 1, "covariance");
    const char *cov = lua_tostring(L, -1);
    dcb_check(L, dc_gmm_covariance_parse(cov ? cov : "(none)", &m.covariance));
    const char *names[3] = {"means", "covs", "weights"};
    dc_tensor *parts[3] = {&m.means, &m.covs, &m.weights};
    for (int i = 0; i < 3; i++) {
        lua_getfield(L, 1, names[i]);
        dc_tensor *t = dcb_totensor(L, -1);
        if (!t) luaL_error(L, "gmm_predict: model.%s must be a tensor (a model from gmm_fit)",
                           names[i]);
        *parts[i] = *t; /* borrowed: the model table keeps it alive */
    }
    dc_tensor *assign = dcb_newtensor(L);
    double ll;
    dcb_check(L, dc_gmm_predict(&m, x, assign, &ll));
    dcb_ids_to_lua(L, assign);
    lua_pushnumber(L, ll);
    return 2;
}

static const luaL_Reg gmm_funcs[] = {
    {"gmm_fit", l_gmm_fit},
    {"gmm_predict", l_gmm_predict},
    {NULL, NULL},
};

void dcb_open_gmm(lua_State *L) { luaL_setfuncs(L, gmm_funcs, 0); }
