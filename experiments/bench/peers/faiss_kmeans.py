#!/usr/bin/python3
"""Peer of experiments/bench/cluster.lua: DeepCluster's clustering step in Python + FAISS.

    faiss_kmeans.py gen DIR          writes the benchmark data as .npy files into DIR
    faiss_kmeans.py time DIR CASE R  prints the best of R timings of CASE, in seconds
    faiss_kmeans.py serve DIR        loads every case's data, prints "ready", then times one
                                     run of case X per line X read on stdin (cluster.lua keeps
                                     it running, so both sides are timed in the same steady
                                     state of a long-lived process)

Each timing prints "seconds threads [NMI value]".

Cases are the calls DeepCluster's clustering.py makes: run_kmeans (faiss.Clustering with
niter 20, max_points_per_centroid 10M, then index.search(x, 1)), preprocess_features
(PCAMatrix with eigen_power -0.5, apply, numpy L2), and sklearn's NMI for reference. The
thread count is FAISS's default, i.e. OMP_NUM_THREADS, as for dclab in the same run.
"""
import os
import sys
import time

import faiss
import numpy as np


def gen(out):
    rng = np.random.default_rng(2018)

    def mixture(n, d, k):
        centres = rng.standard_normal((k, d)).astype('float32') * 2
        labels = rng.integers(0, k, n)
        return (centres[labels] + rng.standard_normal((n, d)).astype('float32'))

    np.save(os.path.join(out, 'x256.npy'), mixture(60000, 256, 300))
    np.save(os.path.join(out, 'x512.npy'), mixture(60000, 512, 300))
    # 1M labels, 1-based as dclab's Lua API takes them; b agrees with a 70% of the time
    a = rng.integers(1, 1001, 1_000_000)
    b = np.where(rng.random(1_000_000) < 0.7, a, rng.integers(1, 1001, 1_000_000))
    np.save(os.path.join(out, 'labels_a.npy'), a.astype('int64'))
    np.save(os.path.join(out, 'labels_b.npy'), b.astype('int64'))


def run_kmeans(x, k):
    clus = faiss.Clustering(x.shape[1], k)
    clus.seed = 1234
    clus.niter = 20
    clus.max_points_per_centroid = 10000000
    index = faiss.IndexFlatL2(x.shape[1])
    clus.train(x, index)
    _, labels = index.search(x, 1)
    return labels


def preprocess_features(x, pca=256):
    mat = faiss.PCAMatrix(x.shape[1], pca, eigen_power=-0.5)
    mat.train(x)
    y = mat.apply_py(x)
    return y / np.linalg.norm(y, axis=1)[:, np.newaxis]


def case(name, d):
    # the data are loaded and the libraries imported here, before any timing: a case times
    # its computation only
    if name == 'kmeans100':
        x = np.load(os.path.join(d, 'x256.npy'))
        return lambda: run_kmeans(x, 100)
    if name == 'kmeans1000':
        x = np.load(os.path.join(d, 'x256.npy'))
        return lambda: run_kmeans(x, 1000)
    if name == 'pca':
        x = np.load(os.path.join(d, 'x512.npy'))
        return lambda: preprocess_features(x)
    if name == 'nmi':
        from sklearn.metrics import normalized_mutual_info_score
        a = np.load(os.path.join(d, 'labels_a.npy'))
        b = np.load(os.path.join(d, 'labels_b.npy'))
        return lambda: normalized_mutual_info_score(a, b, average_method='geometric')
    raise SystemExit('unknown case ' + name)


def timing(name, f, repeats):
    best, value = float('inf'), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        value = f()
        best = min(best, time.perf_counter() - t0)
    extra = ' %.12f' % value if name == 'nmi' else ''
    print('%.6f %d%s' % (best, faiss.omp_get_max_threads(), extra), flush=True)


def main():
    if sys.argv[1] == 'gen':
        gen(sys.argv[2])
        return
    if sys.argv[1] == 'serve':
        cases = {n: case(n, sys.argv[2]) for n in ('kmeans100', 'kmeans1000', 'pca', 'nmi')}
        print('ready', flush=True)
        for line in sys.stdin:
            timing(line.strip(), cases[line.strip()], 1)
        return
    timing(sys.argv[3], case(sys.argv[3], sys.argv[2]), int(sys.argv[4]))


if __name__ == '__main__':
    main()
