"""Depthwise convolution on the CPU: tap-by-tap multiply-accumulate vs im2col + batched matmul.

Times forward, input gradient and weight gradient of a depthwise 3x3 layer (default: 256
channels, 28x28, batch 16, padding 1) for

* ``mac``:  kernels.depthwise_conv2d_* (one broadcast multiply-add per kernel tap),
* ``gemm``: kernels.im2col / col2im plus one batched matmul over the channels,
* ``torch``: torch.nn.functional.conv2d(groups=C) and autograd, when PyTorch is importable,

checks that they agree, and prints the median time of each in milliseconds.

    python benchmarks/bench_kernels_depthwise.py [--batch 16] [--channels 256] [--size 28]
                                                 [--kernel 3] [--dtype float32]
"""

import argparse
import sys
import time
from pathlib import Path
from typing import Callable

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere in the repo

from kernels import (col2im, depthwise_conv2d_backward_input,  # noqa: E402
                     depthwise_conv2d_backward_weight, depthwise_conv2d_forward, im2col,
                     output_hw)

STRIDE, PADDING, DILATION = (1, 1), (1, 1), (1, 1)


def median_ms(fn: Callable[[], object], repeats: int) -> float:
    """Median wall time of ``fn()`` in milliseconds, after one warm-up call."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1e3 * float(np.median(times))


# --- depthwise convolution as im2col + one batched matmul over the C groups -------------------

def gemm_forward(x: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """(N, C, H, W), (C, 1, kH, kW) -> (N, C, H_out, W_out): (C, 1, K) @ (C, K, N*L)."""
    n, c = x.shape[:2]
    kernel = weight.shape[2:]
    out_hw = output_hw(x.shape[2:], kernel, STRIDE, PADDING, DILATION)
    col = im2col(x, kernel, STRIDE, PADDING, DILATION).reshape(c, -1, n * out_hw[0] * out_hw[1])
    y = weight.reshape(c, 1, -1) @ col                                    # (C, 1, N*L)
    return y.reshape(c, n, *out_hw).transpose(1, 0, 2, 3)


def gemm_backward_input(gy: np.ndarray, weight: np.ndarray, x_shape: tuple) -> np.ndarray:
    """gcol = W^T gy per channel: (C, K, 1) @ (C, 1, N*L), then col2im."""
    n, c = x_shape[:2]
    kernel = weight.shape[2:]
    gy_by_channel = gy.transpose(1, 0, 2, 3).reshape(c, 1, -1)
    gcol = weight.reshape(c, -1, 1) @ gy_by_channel                      # (C, K, N*L)
    return col2im(gcol.reshape(c, *kernel, n, *gy.shape[2:]), x_shape, kernel, STRIDE, PADDING,
                  DILATION)


def gemm_backward_weight(gy: np.ndarray, x: np.ndarray, weight_shape: tuple) -> np.ndarray:
    """gW = gy col^T per channel: (C, 1, N*L) @ (C, N*L, K)."""
    c = x.shape[1]
    kernel = weight_shape[2:]
    col = im2col(x, kernel, STRIDE, PADDING, DILATION).reshape(c, -1, gy.size // c)
    gy_by_channel = gy.transpose(1, 0, 2, 3).reshape(c, 1, -1)
    return (gy_by_channel @ col.transpose(0, 2, 1)).reshape(weight_shape)


# --- PyTorch --------------------------------------------------------------------------------

def torch_variants(x: np.ndarray, weight: np.ndarray, gy: np.ndarray,
                   threads: int | None) -> dict | None:
    """Forward, input-gradient and weight-gradient closures for PyTorch, or None without it."""
    try:
        import torch
    except ImportError:
        return None
    if threads is not None:
        torch.set_num_threads(threads)
    c = x.shape[1]
    xt, wt, gyt = (torch.from_numpy(a) for a in (x, weight, gy))
    x_leaf, w_leaf = xt.clone().requires_grad_(), wt.clone().requires_grad_()

    def conv(a, b):
        return torch.nn.functional.conv2d(a, b, stride=STRIDE, padding=PADDING,
                                          dilation=DILATION, groups=c)

    def forward():
        with torch.no_grad():
            return conv(xt, wt).numpy()

    # Autograd needs a forward pass to differentiate; time it with the backward pass and
    # subtract the forward time when reporting.
    def forward_and_input_grad():
        return torch.autograd.grad(conv(x_leaf, wt), x_leaf, gyt)[0].numpy()

    def forward_and_weight_grad():
        return torch.autograd.grad(conv(xt, w_leaf), w_leaf, gyt)[0].numpy()

    return {"version": torch.__version__, "threads": torch.get_num_threads(),
            "forward": forward, "input": forward_and_input_grad,
            "weight": forward_and_weight_grad}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--channels", type=int, default=256)
    parser.add_argument("--size", type=int, default=28)
    parser.add_argument("--kernel", type=int, default=3)
    parser.add_argument("--dtype", default="float32")
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--torch-threads", type=int, default=None,
                        help="torch.set_num_threads (default: leave torch's choice)")
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    dtype = np.dtype(args.dtype)
    x = rng.standard_normal((args.batch, args.channels, args.size, args.size)).astype(dtype)
    weight = rng.standard_normal((args.channels, 1, args.kernel, args.kernel)).astype(dtype)
    out_hw = output_hw(x.shape[2:], weight.shape[2:], STRIDE, PADDING, DILATION)
    gy = rng.standard_normal((args.batch, args.channels, *out_hw)).astype(dtype)

    variants = {
        "mac": {
            "forward": lambda: depthwise_conv2d_forward(x, weight, STRIDE, PADDING, DILATION),
            "input": lambda: depthwise_conv2d_backward_input(gy, weight, x.shape, STRIDE, PADDING,
                                                             DILATION),
            "weight": lambda: depthwise_conv2d_backward_weight(gy, x, weight.shape, STRIDE,
                                                               PADDING, DILATION),
        },
        "gemm": {
            "forward": lambda: gemm_forward(x, weight),
            "input": lambda: gemm_backward_input(gy, weight, x.shape),
            "weight": lambda: gemm_backward_weight(gy, x, weight.shape),
        },
    }
    torch_fns = torch_variants(x, weight, gy, args.torch_threads)
    if torch_fns is not None:
        variants["torch"] = {key: torch_fns[key] for key in ("forward", "input", "weight")}

    tolerance = 1e-3 if dtype == np.float32 else 1e-9
    reference = {key: np.asarray(fn()) for key, fn in variants["mac"].items()}
    for name, fns in variants.items():
        for key, fn in fns.items():
            result = np.asarray(fn())
            scale = np.abs(reference[key]).max()
            assert np.allclose(result, reference[key], rtol=tolerance, atol=tolerance * scale), \
                f"{name} {key} disagrees with mac"

    print(f"depthwise {args.kernel}x{args.kernel}, N={args.batch} C={args.channels} "
          f"{args.size}x{args.size}, padding 1, {dtype}; median of {args.repeats} runs, ms")
    if torch_fns is not None:
        print(f"torch {torch_fns['version']} on {torch_fns['threads']} threads; its input and "
              f"weight gradients are (forward + backward) - forward")
    print(f"{'variant':8}{'forward':>10}{'grad x':>10}{'grad w':>10}")
    for name, fns in variants.items():
        ms = {key: median_ms(fn, args.repeats) for key, fn in fns.items()}
        if name == "torch":
            ms["input"] -= ms["forward"]
            ms["weight"] -= ms["forward"]
        print(f"{name:8}{ms['forward']:10.2f}{ms['input']:10.2f}{ms['weight']:10.2f}")


if __name__ == "__main__":
    main()
