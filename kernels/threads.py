"""Every core for the memory-bound CPU kernels (im2col, col2im, pooling).

NumPy releases the GIL inside its copy and ufunc loops, so Python threads that each run
such loops on their own part of an array really do run at the same time. A kernel that
can be split without two threads ever writing the same element (for example by channel:
channels never mix in im2col) hands :func:`run_in_parts` a function of a ``slice``, and
each worker runs it on one part. Every element is computed by the same operations
whatever the number of threads, so results are bit-identical with 1 thread or many.

Small work stays on the calling thread: handing a part to another thread costs tens of
microseconds, more than copying a few hundred kilobytes.

>>> import numpy as np
>>> out = np.zeros(10)
>>> def fill(part): out[part] = np.arange(10)[part]
>>> run_in_parts(fill, 10, nbytes=80)
>>> print(out[-1])
9.0
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

import numpy as np

# Below this many bytes touched, one thread does it all.
MIN_PARALLEL_BYTES = 1 << 20

_threads: int | None = None              # set_num_threads' value, else the CPUs we may use
_pool: ThreadPoolExecutor | None = None
_pool_workers = 0                         # how many threads _pool has


def get_num_threads() -> int:
    """Threads the CPU kernels use: ``set_num_threads``' value, else ``MINIGRAD_NUM_THREADS``,
    else the CPUs this process may run on."""
    if _threads is not None:
        return _threads
    from_env = os.environ.get("MINIGRAD_NUM_THREADS")
    return int(from_env) if from_env else len(os.sched_getaffinity(0))


def set_num_threads(count: int) -> None:
    """Use ``count`` threads (>= 1) in the CPU kernels (as ``torch.set_num_threads``)."""
    global _threads, _pool, _pool_workers
    if not isinstance(count, int) or count < 1:
        raise ValueError(f"set_num_threads: expected a positive integer, got {count!r}")
    _threads = count
    if _pool is not None:
        _pool.shutdown(wait=True)
        _pool, _pool_workers = None, 0


def _drop_pool_in_child() -> None:
    """A forked child (a DataLoader worker) has no pool threads: start over if it needs one."""
    global _pool, _pool_workers
    _pool, _pool_workers = None, 0


os.register_at_fork(after_in_child=_drop_pool_in_child)


def split(length: int, parts: int) -> list[slice]:
    """``range(length)`` as ``parts`` contiguous slices of (nearly) equal size."""
    bounds = [length * k // parts for k in range(parts + 1)]
    return [slice(a, b) for a, b in zip(bounds, bounds[1:]) if b > a]


def run_in_parts(work: Callable[[slice], None], length: int, nbytes: int,
                 xp: Any = np) -> None:
    """Run ``work(part)`` over ``range(length)`` split into one slice per thread.

    work: must write only what its part owns (no two parts may write one element).
    nbytes: roughly how much memory the whole job touches; small jobs run here, unsplit.
    xp: the array module of the arrays ``work`` touches. For a device's (CuPy) the work runs
        in one call over the whole range: the device is parallel itself, and host threads
        would only queue its kernels.
    """
    global _pool, _pool_workers
    parts = min(get_num_threads(), length) if nbytes >= MIN_PARALLEL_BYTES and xp is np else 1
    if parts <= 1:
        work(slice(0, length))
        return
    if _pool_workers < parts - 1:
        if _pool is not None:
            _pool.shutdown(wait=True)
        _pool = ThreadPoolExecutor(max_workers=parts - 1, thread_name_prefix="minigrad-kernel")
        _pool_workers = parts - 1
    first, *rest = split(length, parts)
    pending = [_pool.submit(work, part) for part in rest]
    work(first)  # this thread takes the first part
    for future in pending:
        future.result()  # re-raises a worker's exception here
