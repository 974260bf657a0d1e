"""Float32 sums over each axis: speed and accuracy of minigrad's accurate summation,
against NumPy's plain ``sum`` (what minigrad did before) and PyTorch.

    python benchmarks/bench_sum.py [--rows 5000000] [--cols 2]

Sums a (rows, cols) float32 array over axis 0 (strided: NumPy adds row after row, error
~ rows * eps) and over axis 1 (contiguous), plus a BatchNorm-shaped (N, C, H, W) reduction
over (0, 2, 3). Each library runs in its own process (so neither warms the other's caches
or threads); the time is the median of several calls, the error is relative to float64.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

import numpy as np

CASES = {"(rows, cols) over axis 0": ("flat", (0,)),
         "(rows, cols) over axis 1": ("flat", (1,)),
         "(64, 32, 56, 56) over (0, 2, 3)": ("nchw", (0, 2, 3))}


def make(kind: str, rows: int, cols: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    shape = (rows, cols) if kind == "flat" else (64, 32, 56, 56)
    return (rng.random(shape) * 10).astype(np.float32)


def run_one(library: str, rows: int, cols: int, repeat: int) -> dict:
    """Time and check every case with one library (runs in a child process)."""
    if library == "torch":
        import torch
        torch.set_num_threads(1)

        def total(x, axes):
            return torch.from_numpy(x).sum(dim=axes).numpy()
    elif library == "minigrad":
        import minigrad as mg

        def total(x, axes):
            return mg.from_numpy(x).sum(dim=axes).numpy()
    else:
        def total(x, axes):
            return x.sum(axis=axes)
    results = {}
    for name, (kind, axes) in CASES.items():
        x = make(kind, rows, cols)
        exact = x.astype(np.float64).sum(axis=axes)
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            y = total(x, axes)
            times.append(time.perf_counter() - start)
        error = float(np.max(np.abs(y - exact) / np.abs(exact)))
        results[name] = {"ms": statistics.median(times) * 1e3, "error": error}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--cols", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_one(args.child, args.rows, args.cols, args.repeat)))
        return
    table = {}
    for library in ("numpy", "minigrad", "torch"):
        done = subprocess.run([sys.executable, __file__, "--child", library, "--rows",
                               str(args.rows), "--cols", str(args.cols), "--repeat",
                               str(args.repeat)], capture_output=True, text=True)
        if done.returncode:
            print(f"{library}: skipped ({done.stderr.strip().splitlines()[-1]})")
            continue
        table[library] = json.loads(done.stdout)
    print(f"float32 sums, rows={args.rows}, cols={args.cols}; median of {args.repeat} calls "
          f"(torch on 1 thread); error: max relative to float64")
    print(f"{'case':<34}" + "".join(f"{lib + ' ms':>14}{'error':>10}" for lib in table))
    for name in CASES:
        print(f"{name:<34}" + "".join(f"{table[lib][name]['ms']:14.1f}"
                                      f"{table[lib][name]['error']:10.1e}" for lib in table))


if __name__ == "__main__":
    main()
