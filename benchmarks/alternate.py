"""Compare two frameworks fairly: each measurement in a fresh process, the two alternated.

Why not one process: PyTorch's OpenMP threads and OpenBLAS's threads keep spinning for a
while after their work and slow down whichever framework runs next, so in-process
interleaving distorts a ratio either way. Here every measurement is
``python SCRIPT --worker FRAMEWORK ...`` in its own process, the frameworks alternate
(A B A B ...), and a comparison reports the median ratio over the pairs and its spread.

A worker prints one JSON object on its last stdout line; :func:`run_pairs` collects them.
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from typing import Sequence

FRAMEWORKS = ("minigrad", "torch")


def thread_env(threads: int) -> dict[str, str]:
    """The environment that pins BLAS/OpenMP to ``threads`` (read at import time)."""
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(threads)
    return env


def run_worker(script: str, framework: str, args: Sequence[str], threads: int) -> dict:
    """Run ``python script --worker framework *args`` and return its JSON result."""
    done = subprocess.run([sys.executable, script, "--worker", framework, *args],
                          env=thread_env(threads), capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{framework} worker failed ({' '.join(args)}):\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_pairs(script: str, args: Sequence[str], pairs: int, threads: int,
              frameworks: Sequence[str] = FRAMEWORKS) -> list[dict[str, dict]]:
    """``pairs`` rounds of one worker per framework, the order alternating each round."""
    rounds = []
    for index in range(pairs):
        order = frameworks if index % 2 == 0 else tuple(reversed(frameworks))
        rounds.append({name: run_worker(script, name, args, threads) for name in order})
    return rounds


def ratio_summary(rounds: list[dict[str, dict]], key: str) -> tuple[float, float, float]:
    """Median, min and max over the rounds of ``minigrad[key] / torch[key]``."""
    ratios = [r["minigrad"][key] / r["torch"][key] for r in rounds]
    return statistics.median(ratios), min(ratios), max(ratios)


def median_of(rounds: list[dict[str, dict]], framework: str, key: str) -> float:
    return statistics.median(r[framework][key] for r in rounds)


def geometric_mean(values: Sequence[float]) -> float:
    product = 1.0
    for v in values:
        product *= v
    return product ** (1.0 / len(values))
