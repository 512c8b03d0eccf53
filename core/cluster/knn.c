/* k-nearest-neighbour graph with a FAISS flat index (through the C API). */
#include "knn.h"

#include <string.h>

#include "cluster/check.h"
#include "cluster/faiss_call.h"

dc_status dc_knn_graph(const dc_tensor *x, int64_t k, dc_tensor *ids, dc_tensor *dist)
{
    dc_tensor xc = dc_tensor_empty();
    DC_TRY(dc_check_points(x, "knn_graph", "x", &xc));
    int64_t n = xc.shape[0], d = xc.shape[1], k1 = k + 1;
    dc_status st = DC_OK;
    FaissIndexFlatL2 *index = NULL;
    float *dbuf = NULL;
    int64_t *ibuf = NULL;
    size_t bytes = (size_t)(n * k1);
    if (k < 1 || n <= k) {
        char b[128];
        st = dc_fail(DC_ERR_ARG, "knn_graph: k = %lld neighbours needs more than k points, x is %s",
                     (long long)k, dc_tensor_describe(&xc, b, sizeof b));
        goto cleanup;
    }
    int64_t shape[2] = {n, k};
    if ((st = dc_tensor_ensure(ids, DC_I64, 2, shape, "knn_graph: ids")) != DC_OK) goto cleanup;
    if ((st = dc_tensor_ensure(dist, DC_F32, 2, shape, "knn_graph: dist")) != DC_OK) goto cleanup;
    if (!dc_tensor_is_contiguous(ids) || !dc_tensor_is_contiguous(dist)) {
        st = dc_fail(DC_ERR_ARG, "knn_graph: ids and dist must be contiguous");
        goto cleanup;
    }
    dbuf = dc_alloc(bytes * sizeof(float));
    ibuf = dc_alloc(bytes * sizeof(int64_t));
    if (!dbuf || !ibuf) {
        st = dc_fail(DC_ERR_NOMEM, "knn_graph: out of memory for %lld x %lld neighbours",
                     (long long)n, (long long)k1);
        goto cleanup;
    }
    const float *xp = dc_tensor_data(&xc);
    DC_FAISS(st, "knn_graph", faiss_IndexFlatL2_new_with(&index, d));
    DC_FAISS(st, "knn_graph", faiss_Index_add(index, n, xp));
    DC_FAISS(st, "knn_graph", faiss_Index_search(index, n, xp, k1, dbuf, ibuf));
    int64_t *io = dc_tensor_data(ids);
    float *dout = dc_tensor_data(dist);
    for (int64_t i = 0; i < n; i++) {
        const int64_t *ir = ibuf + i * k1;
        const float *dr = dbuf + i * k1;
        int64_t self = k; /* rank of i itself in the results; dropped */
        for (int64_t j = 0; j < k1; j++)
            if (ir[j] == i) {
                self = j;
                break;
            }
        for (int64_t j = 0, o = 0; j < k1; j++) {
            if (j == self) continue;
            io[i * k + o] = ir[j];
            dout[i * k + o] = dr[j];
            o++;
        }
    }
cleanup:
    if (index) faiss_Index_free(index);
    dc_free(dbuf, bytes * sizeof(float));
    dc_free(ibuf, bytes * sizeof(int64_t));
    dc_tensor_release(&xc);
    return st;
}

dc_status dc_knn_search(const dc_tensor *base, const dc_tensor *q, int64_t k, dc_tensor *ids,
                        dc_tensor *dist)
{
    dc_tensor bc = dc_tensor_empty(), qc = dc_tensor_empty();
    DC_TRY(dc_check_points(base, "knn_search", "base", &bc));
    dc_status st = dc_check_points(q, "knn_search", "q", &qc);
    FaissIndexFlatL2 *index = NULL;
    char b1[128], b2[128];
    if (st != DC_OK) goto cleanup;
    int64_t n = bc.shape[0], m = qc.shape[0], d = bc.shape[1];
    if (qc.shape[1] != d || k < 1 || n < k) {
        st = dc_fail(DC_ERR_ARG, "knn_search: needs q with base's dims and 1 <= k <= rows of "
                     "base; got k = %lld, base %s, q %s", (long long)k,
                     dc_tensor_describe(&bc, b1, sizeof b1), dc_tensor_describe(&qc, b2, sizeof b2));
        goto cleanup;
    }
    int64_t shape[2] = {m, k};
    if ((st = dc_tensor_ensure(ids, DC_I64, 2, shape, "knn_search: ids")) != DC_OK) goto cleanup;
    if ((st = dc_tensor_ensure(dist, DC_F32, 2, shape, "knn_search: dist")) != DC_OK) goto cleanup;
    if (!dc_tensor_is_contiguous(ids) || !dc_tensor_is_contiguous(dist)) {
        st = dc_fail(DC_ERR_ARG, "knn_search: ids and dist must be contiguous");
        goto cleanup;
    }
    DC_FAISS(st, "knn_search", faiss_IndexFlatL2_new_with(&index, d));
    DC_FAISS(st, "knn_search", faiss_Index_add(index, n, dc_tensor_data(&bc)));
    DC_FAISS(st, "knn_search", faiss_Index_search(index, m, dc_tensor_data(&qc), k,
                                                  dc_tensor_data(dist), dc_tensor_data(ids)));
cleanup:
    if (index) faiss_Index_free(index);
    dc_tensor_release(&bc);
    dc_tensor_release(&qc);
    return st;
}
