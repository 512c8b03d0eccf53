/* OpenBLAS's own entry points (threads, build), declared once here rather than taken from
 * <cblas.h>: Debian's cblas.h is an alternative that may point at a reference CBLAS that
 * lacks them. */
#ifndef DC_OPENBLAS_H
#define DC_OPENBLAS_H

void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
/* 0 sequential, 1 pthreads, 2 OpenMP build */
int openblas_get_parallel(void);
/* version, build options and core type */
char *openblas_get_config(void);

#endif
