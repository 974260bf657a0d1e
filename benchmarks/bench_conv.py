"""Convolution layers: minigrad's im2col/GEMM and depthwise paths against PyTorch (CPU).

    python benchmarks/bench_conv.py [--pairs 5] [--repeat 5] [--threads 2] [--quick]

Every measurement runs in a fresh process and the frameworks alternate (see
``alternate.py``). For each layer: forward and forward+backward milliseconds (best of
``--repeat`` after a warm-up) of each framework, the median ratio over the pairs
(minigrad / PyTorch) with its range, and minigrad's achieved GFLOP/s against this
machine's float32 matmul peak. Then, in minigrad alone: the depthwise layer through its
direct kernels vs through the GEMM path, and the peak memory of a ResNet-50-size layer at
batch 32 under two workspace budgets (tracemalloc, which sees NumPy's allocations).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import alternate  # noqa: E402

# name, batch, C_in, C_out, size, kernel, stride, padding, groups
LAYERS = [
    ("ResNet 3x3 64ch 56px b8", 8, 64, 64, 56, 3, 1, 1, 1),
    ("3x3 256ch 14px b32", 32, 256, 256, 14, 3, 1, 1, 1),
    ("AlexNet conv1 11x11/4 b8", 8, 3, 64, 224, 11, 4, 2, 1),
    ("depthwise 3x3 256ch 28px b16", 16, 256, 256, 28, 3, 1, 1, 256),
    ("pointwise 1x1 256->512 14px b32", 32, 256, 512, 14, 1, 1, 0, 1),
    ("CIFAR 3x3 32ch 32px b128", 128, 32, 32, 32, 3, 1, 1, 1),
    ("first layer 3x3 3->32 64px b32", 32, 3, 32, 64, 3, 2, 1, 1),
]
DEPTHWISE = 3  # index in LAYERS of the depthwise layer


def layers(quick: bool) -> list[tuple]:
    if not quick:
        return LAYERS
    return [(name, 2, min(ci, 8), min(co, 8), min(sz, 16), k, st, pd, min(g, 8))
            for name, _, ci, co, sz, k, st, pd, g in LAYERS]


def best_ms(fn, repeat: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times) * 1e3


def flops(n, c_in, c_out, size, k, s, p, g) -> float:
    """Multiply-adds of the forward pass, times 2."""
    out = (size + 2 * p - k) // s + 1
    return 2.0 * n * c_out * out * out * (c_in // g) * k * k


# ---- the workers (one framework per process) ----------------------------------------------
def minigrad_layer(x_shape, w_shape, s, p, g):
    import minigrad as mg  # before NumPy (minigrad/blas_threads.py)
    import numpy as np
    import minigrad.functional as F
    rng = np.random.default_rng(0)
    x = mg.tensor(rng.standard_normal(x_shape).astype(np.float32), requires_grad=True)
    w = mg.tensor(rng.standard_normal(w_shape).astype(np.float32) * 0.1, requires_grad=True)
    gy = None

    def forward():
        with mg.no_grad():
            return F.conv2d(x, w, stride=s, padding=p, groups=g)

    def forward_backward():
        nonlocal gy
        y = F.conv2d(x, w, stride=s, padding=p, groups=g)
        gy = gy if gy is not None else mg.randn(*y.shape)
        y.backward(gy)
        x.grad = w.grad = None
    return forward, forward_backward


def torch_layer(x_shape, w_shape, s, p, g):
    import torch
    x = torch.randn(*x_shape, requires_grad=True)
    w = (torch.randn(*w_shape) * 0.1).requires_grad_()
    gy = None

    def forward():
        with torch.no_grad():
            return torch.nn.functional.conv2d(x, w, stride=s, padding=p, groups=g)

    def forward_backward():
        nonlocal gy
        y = torch.nn.functional.conv2d(x, w, stride=s, padding=p, groups=g)
        gy = gy if gy is not None else torch.randn(*y.shape)
        y.backward(gy)
        x.grad = w.grad = None
    return forward, forward_backward


def matmul_peak_gflops(repeat: int, n: int = 1024) -> float:
    import numpy as np
    a = np.random.default_rng(0).standard_normal((n, n)).astype(np.float32)
    return 2 * n ** 3 / (best_ms(lambda: a @ a, repeat) * 1e-3) / 1e9


def worker(args: argparse.Namespace) -> None:
    if args.worker == "torch":
        import torch
        torch.set_num_threads(args.threads)
    make = minigrad_layer if args.worker == "minigrad" else torch_layer
    result = {}
    for name, n, c_in, c_out, size, k, s, p, g in layers(args.quick):
        runners = make((n, c_in, size, size), (c_out, c_in // g, k, k), s, p, g)
        result[name] = [best_ms(f, args.repeat) for f in runners]
    if args.worker == "minigrad":
        result["peak_gflops"] = matmul_peak_gflops(args.repeat)
    print(json.dumps(result))


# ---- minigrad alone ---------------------------------------------------------------------
def depthwise_paths(args: argparse.Namespace) -> None:
    import minigrad as mg  # before NumPy (minigrad/blas_threads.py)
    import numpy as np
    from minigrad.functional import conv as conv_module
    name, n, c_in, c_out, size, k, s, p, g = layers(args.quick)[DEPTHWISE]
    x_shape, w_shape = (n, c_in, size, size), (c_out, 1, k, k)
    direct = best_ms(minigrad_layer(x_shape, w_shape, s, p, g)[1], args.repeat)
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


def peak_memory_mb(fn) -> float:
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def workspace_memory(args: argparse.Namespace) -> None:
    import minigrad as mg  # before NumPy (minigrad/blas_threads.py)
    import numpy as np
    import minigrad.functional as F
    from kernels import workspace
    from minigrad.functional import conv as conv_module
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
    for budget in (256 * 2**20, 64 * 2**20, conv_module.DEFAULT_WORKSPACE_BYTES):
        conv_module.set_workspace_limit(budget)
        workspace.release()  # the scratch buffer is allocated (and counted) inside the trace
        print(f"  workspace budget {budget / 2**20:.0f} MB: peak traced memory of "
              f"forward+backward {peak_memory_mb(train_step):.0f} MB")
    conv_module.set_workspace_limit(conv_module.DEFAULT_WORKSPACE_BYTES)


def median_ms(rounds: list[dict], framework: str, layer: str, index: int) -> float:
    """Median over the rounds of one timing (0: forward, 1: forward+backward)."""
    return statistics.median(r[framework][layer][index] for r in rounds)


def main(args: argparse.Namespace) -> None:
    import numpy
    import torch
    extra = ["--repeat", str(args.repeat)] + (["--quick"] if args.quick else [])
    rounds = alternate.run_pairs(__file__, extra, args.pairs, args.threads)
    peak = alternate.median_of(rounds, "minigrad", "peak_gflops")
    print(f"machine: {platform.machine()}, {args.threads} threads each; NumPy "
          f"{numpy.__version__}, PyTorch {torch.__version__}; {args.pairs} alternating pairs "
          f"of fresh processes, best of {args.repeat} calls each")
    print(f"float32 matmul peak (1024^3, measured): {peak:.1f} GFLOP/s\n")
    print(f"{'layer':<33}{'fwd ms':>8}{'torch':>8}{'ratio':>7}{'f+b ms':>9}{'torch':>8}"
          f"{'ratio':>7}{'(range)':>13}{'f+b GFLOP/s':>13}{'% peak':>8}")
    fb_ratios = []
    for name, *shape in layers(args.quick):
        ours = [median_ms(rounds, "minigrad", name, i) for i in (0, 1)]
        theirs = [median_ms(rounds, "torch", name, i) for i in (0, 1)]
        fb = [r["minigrad"][name][1] / r["torch"][name][1] for r in rounds]
        fb_ratio = statistics.median(fb)
        fb_ratios.append(fb_ratio)
        gflops = 3 * flops(*shape) / (ours[1] * 1e-3) / 1e9  # forward + two backward GEMMs
        print(f"{name:<33}{ours[0]:8.2f}{theirs[0]:8.2f}{ours[0] / theirs[0]:7.2f}"
              f"{ours[1]:9.2f}{theirs[1]:8.2f}{fb_ratio:7.2f}"
              f"{f'({min(fb):.2f}-{max(fb):.2f})':>13}{gflops:13.1f}{100 * gflops / peak:8.1f}")
    print(f"geometric mean of the forward+backward ratios: "
          f"{alternate.geometric_mean(fb_ratios):.2f}")
    depthwise_paths(args)
    workspace_memory(args)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="tiny sizes (a smoke test)")
    parser.add_argument("--worker", choices=alternate.FRAMEWORKS, help=argparse.SUPPRESS)
    return parser.parse_args()


if __name__ == "__main__":
    ARGS = parse_args()
    if ARGS.worker:
        worker(ARGS)
    else:
        os.environ.update(alternate.thread_env(ARGS.threads))  # this process's own sections too
        main(ARGS)
