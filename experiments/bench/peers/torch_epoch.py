"""PyTorch + FAISS peer of experiments/bench/epoch.lua: one DeepCluster epoch of the main
job's recipe (method.md §2, at Fashion-MNIST scale), as a PyTorch user writes it.

Served (experiments/bench/shared.lua, served_peer): loads the first N train images, prints
"ready", then for each line "PRECISION LAYOUT" read on stdin (fp32 or bf16; nchw or cl, the
model and batches in torch.channels_last) runs one epoch on a fresh network and answers
"FEATURES CLUSTER TRAIN" (seconds):
  features  the classifier's output before its last ReLU, eval mode, batch 256
  cluster   faiss.PCAMatrix(256, eigen_power -0.5) + L2, faiss.Kmeans(k, 20 iterations)
  train     uniform-per-cluster sampling, a fresh N(0, 0.01) head with its own SGD, one pass
            with RandomResizedCrop(28, scale 0.5-1) + flip + normalise in a 2-worker DataLoader
bf16 runs the network under torch.autocast('cpu', dtype=torch.bfloat16).
The line "peak_rss_mib" is answered with "MAIN WORKER": the peak resident memory (MiB) of this
process and of the largest DataLoader worker process so far.
    /usr/bin/python3 experiments/bench/peers/torch_epoch.py THREADS N K
"""
import gzip
import os
import resource
import sys
import time

import faiss
import numpy as np
import torch
import torch.nn as nn
import torchvision.transforms as T

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_nn import small  # noqa: E402  the same network as the nn benchmark's peer

MEAN, STD = 0.2860, 0.3530
ROOT = '/usr/share/datasets/fashion-mnist'


def load(n):
    with gzip.open(os.path.join(ROOT, 'train-images-idx3-ubyte.gz')) as f:
        data = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)
    return torch.from_numpy(data[:n].copy())


class Crops(torch.utils.data.Dataset):
    def __init__(self, images, idx, labels):
        self.images, self.idx, self.labels = images, idx, labels
        self.tf = T.Compose([T.RandomResizedCrop(28, scale=(0.5, 1.0)), T.RandomHorizontalFlip(),
                             T.ConvertImageDtype(torch.float), T.Normalize([MEAN], [STD])])

    def __len__(self):
        return len(self.idx)

    def __getitem__(self, i):
        j = self.idx[i]
        return self.tf(self.images[j]), self.labels[j]


def uniform_per_cluster(assign, k, n, rng):
    members = [np.flatnonzero(assign == c) for c in range(k)]
    nonempty = [m for m in members if len(m) > 0]
    per = n // len(nonempty) + 1
    idx = np.concatenate([rng.choice(m, per, replace=len(m) < per) for m in nonempty])
    rng.shuffle(idx)
    return idx[:n]


def epoch(images, k, bf16, fmt, seed):
    torch.manual_seed(seed)
    model = small(k).to(memory_format=fmt)
    head_in = model.top_layer.in_features
    model.top_layer = None
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-5)
    n = images.shape[0]

    t0 = time.perf_counter()
    model.eval()
    feats = []
    body = nn.Sequential(*list(model.classifier.children())[:-1])  # before the last ReLU
    with torch.no_grad(), torch.autocast('cpu', dtype=torch.bfloat16, enabled=bf16):
        for b in range(0, n, 256):
            x = ((images[b:b + 256].float() / 255 - MEAN) / STD).contiguous(memory_format=fmt)
            f = body(torch.flatten(model.features(model.sobel(x)), 1))
            feats.append(f.float())
    x = torch.cat(feats).numpy()
    t1 = time.perf_counter()

    pca = faiss.PCAMatrix(x.shape[1], 256, eigen_power=-0.5)
    pca.train(x)
    y = pca.apply_py(x)
    faiss.normalize_L2(y)
    km = faiss.Kmeans(y.shape[1], k, niter=20, seed=seed, max_points_per_centroid=10000000)
    km.train(y)
    _, assign = km.index.search(y, 1)
    assign = assign.ravel()
    t2 = time.perf_counter()

    rng = np.random.default_rng(seed)
    idx = uniform_per_cluster(assign, k, n, rng)
    head = nn.Linear(head_in, k)
    head.weight.data.normal_(0, 0.01)
    head.bias.data.zero_()
    model.top_layer = head
    head_opt = torch.optim.SGD(head.parameters(), lr=0.05, weight_decay=1e-5)
    crit = nn.CrossEntropyLoss()
    loader = torch.utils.data.DataLoader(Crops(images, idx, torch.from_numpy(assign)),
                                         batch_size=256, num_workers=2)
    model.train()
    for xb, yb in loader:
        xb = xb.contiguous(memory_format=fmt)
        opt.zero_grad()
        head_opt.zero_grad()
        with torch.autocast('cpu', dtype=torch.bfloat16, enabled=bf16):
            loss = crit(model(xb), yb)
        loss.backward()
        opt.step()
        head_opt.step()
    t3 = time.perf_counter()
    return t1 - t0, t2 - t1, t3 - t2


def main():
    threads, n, k = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    torch.set_num_threads(threads)
    faiss.omp_set_num_threads(threads)
    images = load(n)
    print('ready', flush=True)
    for seed, line in enumerate(sys.stdin, 1):
        if line.strip() == 'peak_rss_mib':
            print('%.1f %.1f' % tuple(resource.getrusage(who).ru_maxrss / 1024 for who in
                                      (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)), flush=True)
            continue
        precision, layout = line.split()
        fmt = torch.channels_last if layout == 'cl' else torch.contiguous_format
        t = epoch(images, k, precision == 'bf16', fmt, seed)
        print(' '.join('%.3f' % v for v in t), flush=True)


if __name__ == '__main__':
    main()
