"""Collectives on CuPy arrays through NCCL (``cupy.cuda.nccl``), for GPU data parallelism.

NCCL moves GPU memory between GPUs directly (NVLink, PCIe, InfiniBand) with the ring and
tree algorithms, instead of copying gradients to the host for MPI. MPI is still used once,
to hand every rank the communicator's unique id from rank 0.

Every operation is queued on the current CuPy stream, so the ops that follow on that
stream (the optimizer step) see its result without an explicit wait.

Untested without a GPU: the CPU test machines have no NCCL. CuPy finds NCCL when the
library is installed (``pip install nvidia-nccl-cu12``, or the system's ``libnccl2``).
"""
from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

from ..backend import Array, cupy

__all__ = ["NcclCommunicator"]

_NCCL_TYPE_NAMES = {"float16": "NCCL_FLOAT16", "float32": "NCCL_FLOAT32",
                    "float64": "NCCL_FLOAT64", "int32": "NCCL_INT32", "int64": "NCCL_INT64",
                    "uint8": "NCCL_UINT8"}


def _nccl() -> ModuleType:
    """``cupy.cuda.nccl``, or an error saying how to get it."""
    try:
        from cupy.cuda import nccl  # optional: only GPU runs need NCCL
    except ImportError as error:
        raise RuntimeError("collectives on GPU arrays need NCCL: install it "
                           "(pip install nvidia-nccl-cu12) so that cupy.cuda.nccl "
                           "imports") from error
    return nccl


class NcclCommunicator:
    """An NCCL communicator over the ranks of the MPI communicator ``mpi_comm``: one GPU
    per rank, the current CuPy device (created collectively: every rank must call it)."""

    def __init__(self, mpi_comm: Any, rank: int, size: int) -> None:
        self.nccl = _nccl()
        unique_id = self.nccl.get_unique_id() if rank == 0 else None
        unique_id = mpi_comm.bcast(unique_id, root=0)
        self.comm = self.nccl.NcclCommunicator(size, unique_id, rank)

    def _type(self, array: Array) -> int:
        name = _NCCL_TYPE_NAMES.get(np.dtype(array.dtype).name)
        if name is None:
            raise TypeError(f"NCCL collectives support {sorted(_NCCL_TYPE_NAMES)}, "
                            f"got an array of dtype {array.dtype}")
        if not array.flags.c_contiguous:
            raise ValueError(f"NCCL collectives need a contiguous array, got one of shape "
                             f"{array.shape}")
        return getattr(self.nccl, name)

    def all_reduce_(self, array: Array) -> None:
        """Sum ``array`` over the ranks, in place (queued on the current stream)."""
        kind = self._type(array)
        pointer = array.data.ptr
        self.comm.allReduce(pointer, pointer, array.size, kind, self.nccl.NCCL_SUM,
                            cupy().cuda.get_current_stream().ptr)

    def broadcast_(self, array: Array, src: int) -> None:
        """Overwrite ``array`` with rank ``src``'s values, in place (queued on the stream)."""
        self.comm.bcast(array.data.ptr, array.size, self._type(array), src,
                        cupy().cuda.get_current_stream().ptr)
