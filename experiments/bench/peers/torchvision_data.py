#!/usr/bin/env python3
"""Peer of experiments/bench/data.lua: the same JPEG files through PIL + torchvision on one
core, as torchvision's ImageFolder / DataLoader(num_workers=0) would run them.

    /usr/bin/python3 torchvision_data.py DIR [REPEATS]
    /usr/bin/python3 torchvision_data.py DIR --serve


Prints one JSON line per case: {"case": "a" | "b", "images": n, "seconds": s, "images_per_s": r,
"cpu_seconds": c, "images_per_cpu_s": n / c} (c: CPU time of the process, all threads)
(a) decode + RandomResizedCrop(224) + RandomHorizontalFlip + ToTensor + Normalize
(b) decode + Resize(256) + CenterCrop(224) + ToTensor + Normalize
Batches of 256 are stacked into one tensor, as the default collate does.
With --serve: one untimed pass of each case, the line {"ready": true}, then one timed pass of
case X for each line X read from stdin, its JSON line on stdout (data.lua interleaves these with
its own passes).
"""
import json
import os
import sys
import time

import torch
from PIL import Image
from torchvision import transforms as T

MEAN, STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
CASES = {
    "a": T.Compose([T.RandomResizedCrop(224), T.RandomHorizontalFlip(), T.ToTensor(),
                    T.Normalize(MEAN, STD)]),
    "b": T.Compose([T.Resize(256), T.CenterCrop(224), T.ToTensor(), T.Normalize(MEAN, STD)]),
}


def pil_loader(path):
    # torchvision.datasets.folder.pil_loader
    with open(path, "rb") as f:
        img = Image.open(f)
        return img.convert("RGB")


def one_pass(paths, tf, batch=256):
    n = 0
    start, cpu = time.perf_counter(), time.process_time()
    for b in range(0, len(paths), batch):
        x = torch.stack([tf(pil_loader(p)) for p in paths[b:b + batch]])
        n += x.shape[0]
    return n, time.perf_counter() - start, time.process_time() - cpu


def report(name, n, s, c):
    print(json.dumps({"case": name, "images": n, "seconds": s, "images_per_s": n / s,
                      "cpu_seconds": c, "images_per_cpu_s": n / c}), flush=True)


def main():
    root = sys.argv[1]
    torch.set_num_threads(1)
    torch.manual_seed(1)
    paths = sorted(os.path.join(root, f) for f in os.listdir(root)
                   if f.lower().endswith((".jpg", ".jpeg")))
    if len(sys.argv) > 2 and sys.argv[2] == "--serve":
        for tf in CASES.values():
            one_pass(paths, tf)
        print(json.dumps({"ready": True}), flush=True)
        for line in sys.stdin:
            name = line.strip()
            report(name, *one_pass(paths, CASES[name]))
        return
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    for name, tf in CASES.items():
        best = None
        for _ in range(repeats):
            n, s, c = one_pass(paths, tf)
            if best is None or s < best[1]:
                best = (n, s, c)
        report(name, *best)


if __name__ == "__main__":
    main()
