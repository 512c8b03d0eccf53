"""PyTorch peer of experiments/bench/linear_layers.lua: one Linear layer's forward and
backward (y = F.linear(x, W, b), then y.backward(dy): dx, and dW, db accumulated).

Served (experiments/bench/shared.lua, served_peer): prints "ready", then answers each line
"N IN OUT PRECISION" (precision fp32, or bf16 under torch.autocast('cpu', dtype=torch.bfloat16))
with one line "FWD_MS BWD_MS": the best of REPEATS passes, after one untimed pass.
    /usr/bin/python3 experiments/bench/peers/torch_linear.py THREADS REPEATS
"""
import sys
import time

import torch
import torch.nn.functional as F


def case(n, d_in, d_out, precision, repeats):
    torch.manual_seed(0)
    x = torch.randn(n, d_in, requires_grad=True)
    w = (torch.randn(d_out, d_in) * 0.01).requires_grad_()
    b = torch.zeros(d_out, requires_grad=True)
    dy = torch.randn(n, d_out)
    fwd, bwd = [], []
    for _ in range(repeats + 1):
        with torch.autocast('cpu', dtype=torch.bfloat16, enabled=precision == 'bf16'):
            t0 = time.perf_counter()
            y = F.linear(x, w, b)
            t1 = time.perf_counter()
        y.backward(dy.to(y.dtype))
        t2 = time.perf_counter()
        fwd.append(t1 - t0)
        bwd.append(t2 - t1)
    return min(fwd[1:]) * 1e3, min(bwd[1:]) * 1e3


def main():
    threads, repeats = int(sys.argv[1]), int(sys.argv[2])
    torch.set_num_threads(threads)
    print('ready', flush=True)
    for line in sys.stdin:
        n, d_in, d_out, precision = line.split()
        f, b = case(int(n), int(d_in), int(d_out), precision, repeats)
        print('%.4f %.4f' % (f, b), flush=True)


if __name__ == '__main__':
    main()
