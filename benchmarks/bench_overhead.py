"""Per-op Python overhead of the autograd core, against PyTorch when installed.

    python benchmarks/bench_overhead.py

Times tiny ops (where the array math is negligible, so what remains is the
framework's own bookkeeping): ``a + b`` without a graph, with a graph, and
forward+backward of ``(a * b + a).sum()``. Prints microseconds per call and
the ratio minigrad / PyTorch.
"""
from __future__ import annotations

import platform
import timeit

import numpy as np

import minigrad as mg

try:
    import torch
    torch.set_num_threads(1)
except ImportError:
    torch = None


def per_call_us(fn, number: int = 2000, repeat: int = 7) -> float:
    """Best-of-``repeat`` time of one call in microseconds."""
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number * 1e6


def cases(lib, shape):
    if lib == "minigrad":
        a = mg.randn(*shape)
        b = mg.randn(*shape)
        ag, bg = mg.randn(*shape, requires_grad=True), mg.randn(*shape, requires_grad=True)

        def fwd_bwd():
            (ag * bg + ag).sum().backward()
            ag.grad = bg.grad = None
    else:
        a, b = torch.randn(*shape), torch.randn(*shape)
        ag, bg = torch.randn(*shape, requires_grad=True), torch.randn(*shape, requires_grad=True)

        def fwd_bwd():
            (ag * bg + ag).sum().backward()
            ag.grad = bg.grad = None
    return {"a + b (no graph)": lambda: a + b,
            "a + b (records graph)": lambda: ag + bg,
            "(a*b + a).sum() fwd+bwd": fwd_bwd}


def main() -> None:
    shape = (4, 4)
    print(f"machine: {platform.processor() or platform.machine()}, numpy {np.__version__}"
          + (f", torch {torch.__version__}" if torch else ", torch not installed"))
    print(f"tensor shape {shape}; best of 7 runs, microseconds per call")
    ours = {k: per_call_us(f) for k, f in cases("minigrad", shape).items()}
    theirs = {k: per_call_us(f) for k, f in cases("torch", shape).items()} if torch else {}
    print(f"{'operation':<28}{'minigrad us':>12}{'torch us':>10}{'ratio':>8}")
    for k, t in ours.items():
        if k in theirs:
            print(f"{k:<28}{t:12.1f}{theirs[k]:10.1f}{t / theirs[k]:8.1f}")
        else:
            print(f"{k:<28}{t:12.1f}{'-':>10}{'-':>8}")


if __name__ == "__main__":
    main()
