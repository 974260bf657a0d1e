"""Where a minigrad training step spends its time, op by op.

    python benchmarks/profile_step.py [--model small_cnn] [--steps 3] [--threads 2]

Times every Function's forward and backward during ``--steps`` training steps of a model
from ``bench_train_step.py`` (exclusive time: an op that calls other ops in its backward is
charged only for its own work), the optimizer step and the rest (Python glue, the engine).
Beside each op: how many bytes its arrays hold (inputs + outputs, per call; not the
op's own temporaries, such as a convolution's column buffer) and the bandwidth that
implies, against this machine's measured copy bandwidth; for the GEMM-bound ops (conv,
linear, matmul) the achieved GFLOP/s against the measured float32 matmul peak. A memory-bound op far below the
copy bandwidth, or a GEMM op far below the peak, is where time can still be won.
"""
from __future__ import annotations

import argparse
import collections
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="small_cnn")
    p.add_argument("--steps", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    return p.parse_args()


ARGS = parse_args() if __name__ == "__main__" else None
if ARGS is not None:
    import alternate
    os.environ.update(alternate.thread_env(ARGS.threads))

import minigrad  # noqa: E402,F401  (before NumPy: minigrad/blas_threads.py)
import numpy as np  # noqa: E402

from minigrad.autograd import Function  # noqa: E402


class OpTimer:
    """Exclusive wall time and bytes touched per (Function class, phase)."""

    def __init__(self) -> None:
        self.seconds: dict[tuple[str, str], float] = collections.defaultdict(float)
        self.nbytes: dict[tuple[str, str], int] = collections.defaultdict(int)
        self.calls: dict[tuple[str, str], int] = collections.defaultdict(int)
        self.flops: dict[tuple[str, str], float] = collections.defaultdict(float)
        self._stack: list[float] = []     # time spent in nested ops, per open frame

    def wrap(self, cls: type, phase: str) -> None:
        method = getattr(cls, phase)
        if getattr(method, "_profiled", False):
            return
        timer = self

        def timed(fn_self, *args):
            timer._stack.append(0.0)
            start = time.perf_counter()
            result = method(fn_self, *args)
            total = time.perf_counter() - start
            nested = timer._stack.pop()
            if timer._stack:
                timer._stack[-1] += total
            key = (cls.__name__, phase)
            timer.seconds[key] += total - nested
            timer.calls[key] += 1
            outputs = result if isinstance(result, tuple) else (result,)
            timer.nbytes[key] += sum(_nbytes(a) for a in (*args, *outputs))
            if phase == "forward":
                timer.flops[key] += gemm_flops(cls.__name__, args, outputs[0])
            return result
        timed._profiled = True
        setattr(cls, phase, timed)


def _nbytes(value: object) -> int:
    array = getattr(value, "data", value)  # a Tensor (backward) or an array (forward)
    return int(getattr(array, "nbytes", 0) or 0)


def gemm_flops(op: str, inputs: tuple, output: object) -> float:
    """2 × multiply-adds of the matrix products inside the GEMM-bound ops (0 for the others):
    each output element of a convolution sums C_in/G · kH · kW products."""
    if op == "ConvForward":                       # (x, w) -> y
        return 2.0 * output.size * inputs[1][0].size
    if op == "ConvInputGrad":                     # (gy, w) -> gx
        return 2.0 * inputs[0].size * inputs[1][0].size
    if op == "ConvWeightGrad":                    # (x, gy) -> gw
        return 2.0 * inputs[1].size * output[0].size
    if op in ("Linear", "MatMul"):                # (x, w[, b]) -> y
        return 2.0 * output.size * inputs[0].shape[-1]
    return 0.0


def all_functions(cls: type = Function) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(all_functions(sub))
    return found


def copy_bandwidth_gbs() -> float:
    a = np.ones(64 * 2**20 // 4, np.float32)
    b = np.empty_like(a)
    best = min(_timed(lambda: np.copyto(b, a)) for _ in range(5))
    return 2 * a.nbytes / best / 1e9  # read + write


def matmul_peak_gflops(n: int = 1024) -> float:
    a = np.random.default_rng(0).standard_normal((n, n)).astype(np.float32)
    return 2 * n ** 3 / min(_timed(lambda: a @ a) for _ in range(5)) / 1e9


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main(args: argparse.Namespace) -> None:
    import bench_train_step
    step, _ = bench_train_step.minigrad_step(args.model, bench_train_step.MODELS[args.model][4])
    step()  # warm-up (and import every op module, so every Function class exists)
    timer = OpTimer()
    for cls in all_functions():
        timer.wrap(cls, "forward")
        timer.wrap(cls, "backward")
    start = time.perf_counter()
    for _ in range(args.steps):
        step()
    total = (time.perf_counter() - start) / args.steps
    bandwidth, peak = copy_bandwidth_gbs(), matmul_peak_gflops()
    print(f"{args.model}: {1e3 * total:.1f} ms per step; copy bandwidth {bandwidth:.1f} GB/s, "
          f"float32 matmul peak {peak:.0f} GFLOP/s ({args.threads} threads)")
    print(f"{'op':<22}{'phase':<9}{'calls':>6}{'ms/step':>9}{'share':>7}{'GB/s':>7}{'% bw':>6}"
          f"{'GFLOP/s':>9}{'% peak':>8}")
    accounted = 0.0
    for key in sorted(timer.seconds, key=timer.seconds.get, reverse=True):
        seconds = timer.seconds[key] / args.steps
        accounted += seconds
        if seconds < 0.005 * total:
            continue
        rate = timer.nbytes[key] / args.steps / seconds / 1e9 if seconds else 0.0
        gflops = timer.flops[key] / args.steps / seconds / 1e9 if seconds else 0.0
        gemm = f"{gflops:9.1f}{100 * gflops / peak:8.0f}" if gflops else ""
        print(f"{key[0]:<22}{key[1]:<9}{timer.calls[key] // args.steps:>6}{1e3 * seconds:9.1f}"
              f"{100 * seconds / total:6.1f}%{rate:7.1f}{100 * rate / bandwidth:6.0f}{gemm}")
    print(f"{'(optimizer, engine, glue)':<37}{1e3 * (total - accounted):9.1f}"
          f"{100 * (total - accounted) / total:6.1f}%")


if __name__ == "__main__":
    main(ARGS)
