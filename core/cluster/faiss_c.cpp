/* The part of FAISS's C API that dclab uses, implemented against the installed libfaiss.
 *
 * Debian's libfaiss-dev ships the C API headers (faiss/c_api/) but not the library
 * behind them, so this file (the project's only C++) defines the functions dclab calls,
 * with the semantics the headers document:
 *   - fallible functions return 0 or a FaissErrorCode, never throw: every C++ exception is
 *     caught here and its message kept for faiss_get_last_error() (thread-local, valid until
 *     the next failing call on the thread);
 *   - objects come back through out-parameters and are freed with the _free functions;
 *   - getters and void functions cannot report errors (the headers say so); the void ones
 *     still catch, so no exception ever unwinds through C frames, and record the message.
 * Non-goals: the rest of the C API (IVF, binary indexes, I/O, GPU). */
#include <faiss/Clustering.h>
#include <faiss/IndexFlat.h>
#include <faiss/impl/FaissException.h>

#include <cstddef>
#include <exception>
#include <string>

#include "faiss_call.h"

static_assert(sizeof(dc_faiss_iteration_stats) == sizeof(faiss::ClusteringIterationStats) &&
                      offsetof(dc_faiss_iteration_stats, obj) ==
                              offsetof(faiss::ClusteringIterationStats, obj) &&
                      offsetof(dc_faiss_iteration_stats, nsplit) ==
                              offsetof(faiss::ClusteringIterationStats, nsplit),
              "faiss_call.h: dc_faiss_iteration_stats no longer mirrors "
              "faiss::ClusteringIterationStats");

namespace {

thread_local std::string last_error;
thread_local bool has_error = false;

void set_error(const char *msg)
{
    last_error = msg;
    has_error = true;
}

/* Runs f, turning exceptions into the C API's status codes. */
template <class F> int guarded(F &&f)
{
    try {
        f();
        return OK;
    } catch (const faiss::FaissException &e) {
        set_error(e.what());
        return FAISS_EXCEPT;
    } catch (const std::exception &e) {
        set_error(e.what());
        return STD_EXCEPT;
    } catch (...) {
        set_error("unknown exception");
        return UNKNOWN_EXCEPT;
    }
}

faiss::Index *idx(FaissIndex *p) { return reinterpret_cast<faiss::Index *>(p); }
const faiss::Index *idx(const FaissIndex *p) { return reinterpret_cast<const faiss::Index *>(p); }
FaissIndex *handle(faiss::Index *p) { return reinterpret_cast<FaissIndex *>(p); }

faiss::Clustering *clus(FaissClustering *p) { return reinterpret_cast<faiss::Clustering *>(p); }
const faiss::Clustering *clus(const FaissClustering *p)
{
    return reinterpret_cast<const faiss::Clustering *>(p);
}

const faiss::ClusteringIterationStats *stats(const FaissClusteringIterationStats *p)
{
    return reinterpret_cast<const faiss::ClusteringIterationStats *>(p);
}

} // namespace

extern "C" {

/* ---- errors (error_c.h) ---- */

const char *faiss_get_last_error() { return has_error ? last_error.c_str() : nullptr; }

/* ---- Index (Index_c.h) ---- */

void faiss_Index_free(FaissIndex *obj) { delete idx(obj); }

int faiss_Index_d(const FaissIndex *obj) { return static_cast<int>(idx(obj)->d); }
idx_t faiss_Index_ntotal(const FaissIndex *obj) { return idx(obj)->ntotal; }
int faiss_Index_add(FaissIndex *index, idx_t n, const float *x)
{
    return guarded([&] { idx(index)->add(n, x); });
}

int faiss_Index_search(const FaissIndex *index, idx_t n, const float *x, idx_t k,
                       float *distances, idx_t *labels)
{
    return guarded([&] { idx(index)->search(n, x, k, distances, labels); });
}

int faiss_Index_reset(FaissIndex *index)
{
    return guarded([&] { idx(index)->reset(); });
}

/* ---- flat indexes (IndexFlat_c.h) ---- */

int faiss_IndexFlatL2_new_with(FaissIndexFlatL2 **p_index, idx_t d)
{
    return guarded([&] { *p_index = handle(new faiss::IndexFlatL2(d)); });
}

int faiss_IndexFlatIP_new_with(FaissIndexFlatIP **p_index, idx_t d)
{
    return guarded([&] { *p_index = handle(new faiss::IndexFlatIP(d)); });
}

/* ---- k-means (Clustering_c.h) ---- */

void faiss_ClusteringParameters_init(FaissClusteringParameters *params)
{
    faiss::ClusteringParameters d;
    params->niter = d.niter;
    params->nredo = d.nredo;
    params->verbose = d.verbose;
    params->spherical = d.spherical;
    params->int_centroids = d.int_centroids;
    params->update_index = d.update_index;
    params->frozen_centroids = d.frozen_centroids;
    params->min_points_per_centroid = d.min_points_per_centroid;
    params->max_points_per_centroid = d.max_points_per_centroid;
    params->seed = d.seed;
    params->decode_block_size = d.decode_block_size;
}

int faiss_Clustering_new_with_params(FaissClustering **p_clustering, int d, int k,
                                     const FaissClusteringParameters *cp)
{
    return guarded([&] {
        faiss::ClusteringParameters p;
        p.niter = cp->niter;
        p.nredo = cp->nredo;
        p.verbose = cp->verbose != 0;
        p.spherical = cp->spherical != 0;
        p.int_centroids = cp->int_centroids != 0;
        p.update_index = cp->update_index != 0;
        p.frozen_centroids = cp->frozen_centroids != 0;
        p.min_points_per_centroid = cp->min_points_per_centroid;
        p.max_points_per_centroid = cp->max_points_per_centroid;
        p.seed = cp->seed;
        p.decode_block_size = cp->decode_block_size;
        *p_clustering = reinterpret_cast<FaissClustering *>(new faiss::Clustering(d, k, p));
    });
}

void faiss_Clustering_free(FaissClustering *clustering) { delete clus(clustering); }

size_t faiss_Clustering_d(const FaissClustering *obj) { return clus(obj)->d; }
size_t faiss_Clustering_k(const FaissClustering *obj) { return clus(obj)->k; }

int faiss_Clustering_train(FaissClustering *clustering, idx_t n, const float *x,
                           FaissIndex *index)
{
    return guarded([&] { clus(clustering)->train(n, x, *idx(index)); });
}

void faiss_Clustering_centroids(FaissClustering *clustering, float **centroids, size_t *size)
{
    std::vector<float> &c = clus(clustering)->centroids;
    if (centroids) *centroids = c.data();
    if (size) *size = c.size();
}

void faiss_Clustering_iteration_stats(FaissClustering *clustering,
                                      FaissClusteringIterationStats **iteration_stats,
                                      size_t *size)
{
    std::vector<faiss::ClusteringIterationStats> &s = clus(clustering)->iteration_stats;
    if (iteration_stats)
        *iteration_stats = reinterpret_cast<FaissClusteringIterationStats *>(s.data());
    if (size) *size = s.size();
}

float faiss_ClusteringIterationStats_obj(const FaissClusteringIterationStats *s)
{
    return stats(s)->obj;
}
double faiss_ClusteringIterationStats_imbalance_factor(const FaissClusteringIterationStats *s)
{
    return stats(s)->imbalance_factor;
}
int faiss_ClusteringIterationStats_nsplit(const FaissClusteringIterationStats *s)
{
    return stats(s)->nsplit;
}

} // extern "C"
