"""PyTorch peer of experiments/bench/nn.lua: the same models, batches and steps.

Served (experiments/bench/shared.lua, served_peer): builds the models, prints "ready", then
answers each line CASE read on stdin (small_train, small_eval, alexnet_train, their _bf16
forms under torch.autocast('cpu', dtype=torch.bfloat16), or peak_rss_mib) with one line
"NCHW_RATE CHANNELS_LAST_RATE" (images/s, best of REPEATS in each layout), so nn.lua times
both sides round after round under the same load and compares with the faster layout.
    /usr/bin/python3 experiments/bench/peers/torch_nn.py THREADS REPEATS
"""
import copy
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
        x = torch.flatten(x, 1)  # a copy in channels_last, as a view would fail
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


def train_step(model, x, y, bf16):
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.SGD(params, lr=0.05, momentum=0.9, weight_decay=1e-5)
    crit = nn.CrossEntropyLoss()

    def step():
        model.train()
        opt.zero_grad()
        with torch.autocast('cpu', dtype=torch.bfloat16, enabled=bf16):
            loss = crit(model(x), y)
        loss.backward()
        opt.step()

    return step


def eval_step(model, x, bf16):
    def fwd():
        model.eval()
        with torch.no_grad(), torch.autocast('cpu', dtype=torch.bfloat16, enabled=bf16):
            model(x)

    return fwd


def main():
    threads, repeats = int(sys.argv[1]), int(sys.argv[2])
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    nets = {'small': small(100), 'alexnet': alexnet(1000)}
    data = {'small': (torch.randn(256, 1, 28, 28), torch.randint(0, 100, (256,))),
            'alexnet': (torch.randn(32, 3, 224, 224), torch.randint(0, 1000, (32,)))}
    steps = {}
    for layout in ('nchw', 'cl'):
        fmt = torch.channels_last if layout == 'cl' else torch.contiguous_format
        for name in nets:
            net = copy.deepcopy(nets[name]).to(memory_format=fmt)
            x, y = data[name]
            x = x.contiguous(memory_format=fmt)
            for bf16 in (False, True):
                tag = '_bf16' if bf16 else ''
                steps[(name + '_train' + tag, layout)] = train_step(net, x, y, bf16)
                if name == 'small':
                    steps[(name + '_eval' + tag, layout)] = eval_step(net, x, bf16)
    for fn in steps.values():  # warm-up: first-call allocations and oneDNN primitive caches
        fn()
        fn()
    print('ready', flush=True)
    for line in sys.stdin:
        case = line.strip()
        if case == 'peak_rss_mib':
            print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, flush=True)
            continue
        n = data[case.split('_')[0]][0].shape[0]
        reps = repeats if case.startswith('small') else max(2, repeats // 2)
        rates = [n / best_time(steps[(case, layout)], reps) for layout in ('nchw', 'cl')]
        print(' '.join('%.3f' % r for r in rates), flush=True)


if __name__ == '__main__':
    main()
