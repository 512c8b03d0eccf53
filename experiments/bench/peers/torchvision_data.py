#!/usr/bin/env python3
"""Peer of experiments/bench/data.lua: the same JPEG files through PIL + torchvision on one
core, as torchvision's ImageFolder / DataLoader(num_workers=0) would run them.

    /usr/bin/python3 torchvision_data.py DIR [REPEATS]

Prints one JSON line per case: {"case": "a" | "b", "images": n, "seconds": s, "images_per_s": r}
(a) decode + RandomResizedCrop(224) + RandomHorizontalFlip + ToTensor + Normalize
(b) decode + Resize(256) + CenterCrop(224) + ToTensor + Normalize
Batches of 256 are stacked into one tensor, as the default collate does.
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
    start = time.perf_counter()
    for b in range(0, len(paths), batch):
        x = torch.stack([tf(pil_loader(p)) for p in paths[b:b + batch]])
        n += x.shape[0]
    return n, time.perf_counter() - start


def main():
    root = sys.argv[1]
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    torch.set_num_threads(1)
    torch.manual_seed(1)
    paths = sorted(os.path.join(root, f) for f in os.listdir(root)
                   if f.lower().endswith((".jpg", ".jpeg")))
    for name, tf in CASES.items():
        best = None
        for _ in range(repeats):
            n, s = one_pass(paths, tf)
            best = s if best is None or s < best else best
        print(json.dumps({"case": name, "images": n, "seconds": best, "images_per_s": n / best}),
              flush=True)


if __name__ == "__main__":
    main()
