"""Convolution speed and memory: minigrad's im2col/GEMM and depthwise paths vs PyTorch (CPU).

    python benchmarks/bench_conv.py [--threads 2] [--repeat 5]

For each layer prints forward and forward+backward milliseconds for minigrad
and PyTorch (same thread count, same run), their ratio, and minigrad's
achieved GFLOP/s against this machine's float32 matmul peak (measured here).
Then: the depthwise layer through the direct kernels vs through the GEMM path,
and the peak memory of a ResNet-50-size layer at batch 32 (tracemalloc, which
sees NumPy's allocations) under two workspace budgets.
"""
from __future__ import annotations

import argparse
import os
import platform
import time
import tracemalloc


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="tiny sizes (for tests)")
    return parser.parse_args()


ARGS = parse_args() if __name__ == "__main__" else None
if ARGS is not None:  # BLAS reads its thread count at import
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(ARGS.threads)

import numpy as np  # noqa: E402

import minigrad as mg  # noqa: E402
import minigrad.functional as F  # noqa: E402
from minigrad.functional import conv as conv_module  # noqa: E402

try:
    import torch  # noqa: E402
except ImportError:
    torch = None

# name, batch, C_in, C_out, size, kernel, stride, padding, groups
LAYERS = [
    ("ResNet 3x3 64ch 56px b8", 8, 64, 64, 56, 3, 1, 1, 1),
    ("3x3 256ch 14px b32", 32, 256, 256, 14, 3, 1, 1, 1),
    ("AlexNet conv1 11x11/4 b8", 8, 3, 64, 224, 11, 4, 2, 1),
    ("depthwise 3x3 256ch 28px b16", 16, 256, 256, 28, 3, 1, 1, 256),
    ("CIFAR 3x3 32ch 32px b128", 128, 32, 32, 32, 3, 1, 1, 1),
]


def best_ms(fn, repeat: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times) * 1e3


def matmul_peak_gflops(repeat: int, n: int = 1024) -> float:
    a = np.random.default_rng(0).standard_normal((n, n)).astype(np.float32)
    ms = best_ms(lambda: a @ a, repeat)
    return 2 * n ** 3 / (ms * 1e-3) / 1e9


def layer_flops(n, c_in, c_out, size, k, s, p, g) -> tuple[float, tuple[int, ...]]:
    out = (size + 2 * p - k) // s + 1
    macs = n * c_out * out * out * (c_in // g) * k * k
    return 2.0 * macs, (n, c_in, size, size)


def minigrad_runner(x_shape, w_shape, s, p, g):
    rng = np.random.default_rng(0)
    x = mg.tensor(rng.standard_normal(x_shape).astype(np.float32), requires_grad=True)
    w = mg.tensor(rng.standard_normal(w_shape).astype(np.float32) * 0.1, requires_grad=True)

    def forward():
        with mg.no_grad():
            F.conv2d(x, w, stride=s, padding=p, groups=g)

    def forward_backward():
        y = F.conv2d(x, w, stride=s, padding=p, groups=g)
        y.backward(mg.ones_like(y))
        x.grad = w.grad = None
    return forward, forward_backward


def torch_runner(x_shape, w_shape, s, p, g):
    x = torch.randn(*x_shape, requires_grad=True)
    w = (torch.randn(*w_shape) * 0.1).requires_grad_()

    def forward():
        with torch.no_grad():
            torch.nn.functional.conv2d(x, w, stride=s, padding=p, groups=g)

    def forward_backward():
        y = torch.nn.functional.conv2d(x, w, stride=s, padding=p, groups=g)
        y.backward(torch.ones_like(y))
        x.grad = w.grad = None
    return forward, forward_backward


def peak_memory_mb(fn) -> float:
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def main(args: argparse.Namespace) -> None:
    if torch is not None:
        torch.set_num_threads(args.threads)
    layers = LAYERS
    if args.quick:
        layers = [(name, 2, min(ci, 8), min(co, 8), min(sz, 16), k, st, pd, min(g, 8))
                  for name, _, ci, co, sz, k, st, pd, g in LAYERS]
    peak = matmul_peak_gflops(args.repeat)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores visible, {args.threads} "
          f"threads; numpy {np.__version__}"
          + (f", torch {torch.__version__}" if torch else ", torch not installed"))
    print(f"float32 matmul peak (1024^3, measured): {peak:.1f} GFLOP/s\n")
    header = (f"{'layer':<30}{'fwd ms':>9}{'torch':>9}{'ratio':>7}{'f+b ms':>9}{'torch':>9}"
              f"{'ratio':>7}{'f+b GFLOP/s':>13}{'% peak':>8}")
    print(header)
    for name, n, c_in, c_out, size, k, s, p, g in layers:
        flops, x_shape = layer_flops(n, c_in, c_out, size, k, s, p, g)
        w_shape = (c_out, c_in // g, k, k)
        ours = [best_ms(f, args.repeat) for f in minigrad_runner(x_shape, w_shape, s, p, g)]
        theirs = [best_ms(f, args.repeat) for f in torch_runner(x_shape, w_shape, s, p, g)] \
            if torch else [float("nan")] * 2
        gflops = 3 * flops / (ours[1] * 1e-3) / 1e9  # fwd + two backward GEMMs
        print(f"{name:<30}{ours[0]:9.2f}{theirs[0]:9.2f}{ours[0] / theirs[0]:7.2f}"
              f"{ours[1]:9.2f}{theirs[1]:9.2f}{ours[1] / theirs[1]:7.2f}{gflops:13.1f}"
              f"{100 * gflops / peak:8.1f}")

    name, n, c_in, c_out, size, k, s, p, g = layers[3]
    x_shape, w_shape = (n, c_in, size, size), (c_out, 1, k, k)
    direct = best_ms(minigrad_runner(x_shape, w_shape, s, p, g)[1], args.repeat)
    rng = np.random.default_rng(0)
    x = mg.tensor(rng.standard_normal(x_shape).astype(np.float32), requires_grad=True)
    w = mg.tensor(rng.standard_normal(w_shape).astype(np.float32), requires_grad=True)
    geo = conv_module.ConvGeometry((s, s), (p, p), (1, 1), g, depthwise=False)

    def gemm_path():
        y = conv_module.ConvForward.apply(x, w, geo=geo)
        y.backward(mg.ones_like(y))
        x.grad = w.grad = None
    print(f"\n{name}: forward+backward direct depthwise kernels {direct:.2f} ms vs "
          f"im2col+batched GEMM {best_ms(gemm_path, args.repeat):.2f} ms")

    size, batch = (56, 32) if not args.quick else (8, 2)
    x = mg.tensor(np.ones((batch, 64, size, size), np.float32), requires_grad=True)
    w = mg.tensor(np.ones((64, 64, 3, 3), np.float32), requires_grad=True)

    def train_step():
        y = F.conv2d(x, w, padding=1)
        y.backward(mg.ones_like(y))
        x.grad = w.grad = None
    col_mb = 64 * 9 * batch * size * size * 4 / 2**20
    io_mb = 2 * batch * 64 * size * size * 4 / 2**20
    print(f"\nResNet-50 layer1 3x3 conv (64->64, {size} px, batch {batch}); input+output "
          f"{io_mb:.0f} MB, full column buffer {col_mb:.0f} MB")
    for budget in (256 * 2**20, 64 * 2**20):
        conv_module.set_workspace_limit(budget)
        print(f"  workspace budget {budget / 2**20:.0f} MB: peak traced memory of "
              f"forward+backward {peak_memory_mb(train_step):.0f} MB")
    conv_module.set_workspace_limit(256 * 2**20)


if __name__ == "__main__":
    main(ARGS)
