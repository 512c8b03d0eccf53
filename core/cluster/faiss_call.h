/* Calling FAISS from dclab's C code: the C API headers, the error-copying macro, and the
 * layout of one iteration record (which the C API hands out only as an opaque array).
 *
 * Every dclab file other than faiss_c.cpp talks to FAISS through the C API declared in
 * Debian's /usr/include/faiss/c_api/ headers; faiss_c.cpp implements the part of it we use. */
#ifndef DC_CLUSTER_FAISS_CALL_H
#define DC_CLUSTER_FAISS_CALL_H

#include <faiss/c_api/Clustering_c.h>
#include <faiss/c_api/IndexFlat_c.h>
#include <faiss/c_api/Index_c.h>
#include <faiss/c_api/error_c.h>

#include "status.h"

/* Runs an int-returning FAISS C call; on failure copies FAISS's message (its pointer dies
 * on the next FAISS call) into dclab's error, stores the status in st and jumps to
 * cleanup. what names the dclab operation ("kmeans"). */
#define DC_FAISS(st, what, call)                                                               \
    do {                                                                                       \
        if ((call) != 0) {                                                                     \
            const char *m_ = faiss_get_last_error();                                           \
            (st) = dc_fail(DC_ERR_FAISS, "%s: faiss: %s", (what), m_ ? m_ : "unknown error");  \
            goto cleanup;                                                                      \
        }                                                                                      \
    } while (0)

/* faiss_Clustering_iteration_stats returns a pointer to the first record of a C++ array,
 * but C cannot step through an array of an opaque type. This mirrors the record's layout
 * (faiss::ClusteringIterationStats) only to get the stride; faiss_c.cpp checks at compile
 * time that size and offsets agree, and the fields are still read with the C API getters. */
typedef struct dc_faiss_iteration_stats {
    float obj;
    double time;
    double time_search;
    double imbalance_factor;
    int nsplit;
} dc_faiss_iteration_stats;

static inline const FaissClusteringIterationStats *
dc_faiss_iteration_at(const FaissClusteringIterationStats *first, size_t i)
{
    const dc_faiss_iteration_stats *a = (const dc_faiss_iteration_stats *)(const void *)first;
    return (const FaissClusteringIterationStats *)(const void *)(a + i);
}

#endif
