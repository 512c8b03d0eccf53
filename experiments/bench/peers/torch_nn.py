"""PyTorch peer of experiments/bench/nn.lua: the same models, batches and steps.

Prints one "key value" line per measurement (images/s, seconds, peak RSS in MiB), which the
Lua benchmark reads and divides. Run by nn.lua as
    /usr/bin/python3 experiments/bench/peers/torch_nn.py THREADS REPEATS
"""
import resource
import sys
import time

import torch
import torch.nn as nn


class Sobel(nn.Module):
    """DeepCluster's fixed front end: grayscale (identity for 1 channel) + Sobel x/y."""

    def __init__(self, in_ch):
        super().__init__()
        self.gray = None
        if in_ch == 3:
            self.gray = nn.Conv2d(3, 1, 1)
            self.gray.weight.data.fill_(1.0 / 3.0)
            self.gray.bias.data.zero_()
        self.sobel = nn.Conv2d(1, 2, 3, padding=1)
        self.sobel.weight.data[0, 0].copy_(torch.tensor([[1, 0, -1], [2, 0, -2], [1, 0, -1]]))
        self.sobel.weight.data[1, 0].copy_(torch.tensor([[1, 2, 1], [0, 0, 0], [-1, -2, -1]]))
        self.sobel.bias.data.zero_()
        for p in self.parameters():
            p.requires_grad = False

    def forward(self, x):
        if self.gray is not None:
            x = self.gray(x)
        return self.sobel(x)


class Net(nn.Module):
    def __init__(self, sobel, features, classifier, top_layer):
        super().__init__()
        self.sobel, self.features = sobel, features
        self.classifier, self.top_layer = classifier, top_layer

    def forward(self, x):
        x = self.features(self.sobel(x))
        x = x.view(x.size(0), -1)
        return self.top_layer(self.classifier(x))


def block(cin, cout, k, stride=1, pad=0):
    return [nn.Conv2d(cin, cout, k, stride=stride, padding=pad), nn.BatchNorm2d(cout),
            nn.ReLU(inplace=True)]


def small(k):
    layers = []
    cin = 2
    for i, cout in enumerate([64, 128, 256, 256]):
        layers += block(cin, cout, 3, pad=1)
        if i != 2:
            layers.append(nn.MaxPool2d(2))
        cin = cout
    classifier = nn.Sequential(nn.Dropout(0.5), nn.Linear(2304, 512), nn.ReLU(inplace=True),
                               nn.Dropout(0.5), nn.Linear(512, 512), nn.ReLU())
    return Net(Sobel(1), nn.Sequential(*layers), classifier, nn.Linear(512, k))


def alexnet(k):
    layers = block(2, 96, 11, 4, 2) + [nn.MaxPool2d(3, 2)] + block(96, 256, 5, 1, 2) + \
        [nn.MaxPool2d(3, 2)] + block(256, 384, 3, 1, 1) + block(384, 384, 3, 1, 1) + \
        block(384, 256, 3, 1, 1) + [nn.MaxPool2d(3, 2)]
    classifier = nn.Sequential(nn.Dropout(0.5), nn.Linear(9216, 4096), nn.ReLU(inplace=True),
                               nn.Dropout(0.5), nn.Linear(4096, 4096), nn.ReLU())
    return Net(Sobel(3), nn.Sequential(*layers), classifier, nn.Linear(4096, k))


def best_time(fn, repeats):
    best = float('inf')
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def train_rate(model, x, y, repeats):
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.SGD(params, lr=0.05, momentum=0.9, weight_decay=1e-5)
    crit = nn.CrossEntropyLoss()
    model.train()

    def step():
        opt.zero_grad()
        loss = crit(model(x), y)
        loss.backward()
        opt.step()

    step()
    step()
    return x.shape[0] / best_time(step, repeats)


def eval_rate(model, x, repeats):
    model.eval()

    def fwd():
        with torch.no_grad():
            model(x)

    fwd()
    return x.shape[0] / best_time(fwd, repeats)


def main():
    threads, repeats = int(sys.argv[1]), int(sys.argv[2])
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    print('threads', torch.get_num_threads())
    m = small(100)
    x = torch.randn(256, 1, 28, 28)
    y = torch.randint(0, 100, (256,))
    print('small_train', train_rate(m, x, y, repeats))
    print('small_eval', eval_rate(m, x, repeats))
    a = alexnet(1000)
    xa = torch.randn(32, 3, 224, 224)
    ya = torch.randint(0, 1000, (32,))
    print('alexnet_train', train_rate(a, xa, ya, max(2, repeats // 2)))
    print('peak_rss_mib', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


if __name__ == '__main__':
    main()
