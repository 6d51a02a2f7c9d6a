#!/usr/bin/python3
"""PyTorch CPU reference timings for the convolution shapes of benchmarks/DafL.Benchmarks/ConvBenchmark.cs.

Run with Debian's torch: /usr/bin/python3 tools/bench_torch_conv.py [--threads 2] [--repeats 30]
For each case prints the median forward time and the median forward + backward (input, weight and bias
gradients) time in ms, with GFLOP/s counted as 2·N·O·Ho·Wo·C·kH·kW per pass (backward = 2 passes).
"""
import argparse
import statistics
import time

import torch
import torch.nn.functional as F

# name, N, C, H, W, O, k, stride, padding — keep in step with ConvBenchmark.cs
CASES = [
    ("gen 16->16 3x3 16x16 b512", 512, 16, 16, 16, 16, 3, 1, 1),
    ("gen 16->8 3x3 32x32 b512", 512, 16, 32, 32, 8, 3, 1, 1),
    ("gen 32->32 3x3 16x16 b512", 512, 32, 16, 16, 32, 3, 1, 1),
    ("gen 32->16 3x3 32x32 b512", 512, 32, 32, 32, 16, 3, 1, 1),
    ("gen 16->1 3x3 32x32 b512", 512, 16, 32, 32, 1, 3, 1, 1),
    ("gen 128->128 3x3 16x16 b64", 64, 128, 16, 16, 128, 3, 1, 1),
    ("gen 128->64 3x3 32x32 b64", 64, 128, 32, 32, 64, 3, 1, 1),
    ("gen 64->1 3x3 32x32 b64", 64, 64, 32, 32, 1, 3, 1, 1),
    ("1->8 3x3 32x32 b64", 64, 1, 32, 32, 8, 3, 1, 1),
    ("8->8 3x3 16x16 b64", 64, 8, 16, 16, 8, 3, 1, 1),
    ("64->64 3x3 16x16 b64", 64, 64, 16, 16, 64, 3, 1, 1),
    ("lenet 1->6 5x5 32x32", 512, 1, 32, 32, 6, 5, 1, 0),
    ("lenet 6->16 5x5 14x14", 512, 6, 14, 14, 16, 5, 1, 0),
    ("lenet 16->120 5x5 5x5", 512, 16, 5, 5, 120, 5, 1, 0),
    ("lenet-half 1->3 5x5 32x32", 512, 1, 32, 32, 3, 5, 1, 0),
    ("lenet-half 3->8 5x5 14x14", 512, 3, 14, 14, 8, 5, 1, 0),
    ("lenet-half 8->60 5x5 5x5", 512, 8, 5, 5, 60, 5, 1, 0),
]


def flops(n, c, h, w, o, k, s, p):
    ho = (h + 2 * p - k) // s + 1
    wo = (w + 2 * p - k) // s + 1
    return 2 * n * o * ho * wo * c * k * k


def median_ms(fn, repeats, min_seconds):
    fn()  # warm up: allocator, oneDNN primitive cache
    fn()
    times = []
    start = time.perf_counter()
    while len(times) < repeats or time.perf_counter() - start < min_seconds:
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=30)
    ap.add_argument("--min-seconds", type=float, default=1.0)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, mkldnn {torch.backends.mkldnn.is_available()}")
    print(f"{'case':26} {'fwd ms':>9} {'GFLOP/s':>8} {'fwd+bwd ms':>11} {'GFLOP/s':>8}")
    for name, n, c, h, w, o, k, s, p in CASES:
        x = torch.randn(n, c, h, w, requires_grad=True)
        wt = torch.randn(o, c, k, k, requires_grad=True)
        b = torch.randn(o, requires_grad=True)
        f = flops(n, c, h, w, o, k, s, p)

        def forward():
            with torch.no_grad():
                F.conv2d(x, wt, b, stride=s, padding=p)

        gy = torch.randn_like(F.conv2d(x, wt, b, stride=s, padding=p))

        def forward_backward():
            x.grad = wt.grad = b.grad = None
            F.conv2d(x, wt, b, stride=s, padding=p).backward(gy)

        fwd = median_ms(forward, args.repeats, args.min_seconds)
        both = median_ms(forward_backward, args.repeats, args.min_seconds)
        print(f"{name:26} {fwd:9.3f} {f / fwd / 1e6:8.1f} {both:11.3f} {3 * f / both / 1e6:8.1f}", flush=True)


if __name__ == "__main__":
    main()
