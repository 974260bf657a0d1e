"""The process group: how many processes train together, which one this is, and the
collective operations between them.

A *rank* is one process of a job started by an MPI launcher (``mpiexec -n 4 python
train.py`` starts ranks 0..3); the *world* is all of them. :func:`init` reads the world from
the MPI environment through ``mpi4py``. Started without a launcher, the same program is a
world of one process: every collective is then a no-op and ``mpi4py`` is not even imported,
so single-process code needs no MPI installed.

Collectives work on raw arrays in place: NumPy arrays go through MPI (shared memory or TCP
between ranks, as Open MPI chooses); CuPy arrays go through NCCL (:mod:`.nccl`), so GPU
gradients never cross the host.
"""
from __future__ import annotations

import os
import sys
from typing import Any, Mapping, Sequence

import numpy as np

from ..backend import Array, is_cupy_array
from .nccl import NcclCommunicator

__all__ = ["ProcessGroup", "MPIProcessGroup", "Work", "abort", "barrier", "get_group", "init",
           "is_initialized", "is_main", "local_rank", "rank", "world_size"]

# Set by the launchers in every rank they start: Open MPI, MPICH/Intel MPI (Hydra), PMIx (Slurm).
LAUNCHER_VARIABLES = ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK")
# The rank among the processes on this machine (picks the GPU of a rank).
LOCAL_RANK_VARIABLES = ("OMPI_COMM_WORLD_LOCAL_RANK", "MPI_LOCALRANKID", "SLURM_LOCALID")

_group: ProcessGroup | None = None


class Work:
    """A started collective; :meth:`wait` returns once its result is in the array."""

    def wait(self) -> None:
        """Block until the collective has completed (already done here: single process)."""


class ProcessGroup:
    """A world of one process: the collectives leave their arrays as they are.

    The base class of :class:`MPIProcessGroup`, which has the same methods.
    """

    rank = 0
    size = 1

    def duplicate(self) -> ProcessGroup:
        """A group of the same ranks whose collectives are matched apart from this one's."""
        return self

    def all_reduce_(self, array: Array) -> None:
        """Sum ``array`` (any shape, contiguous) over the ranks, in place on every rank."""

    def start_all_reduce_(self, array: Array) -> Work:
        """Start :meth:`all_reduce_` without waiting; the array holds the sum after ``wait()``."""
        return Work()

    def broadcast_(self, array: Array, src: int = 0) -> None:
        """Overwrite ``array`` on every rank with rank ``src``'s values (same shape everywhere)."""

    def all_reduce_values(self, values: Sequence[float]) -> list[float]:
        """The sums over the ranks of a few host numbers (counts, losses): a list as long
        as ``values``."""
        return [float(v) for v in values]

    def broadcast_object(self, value: Any, src: int = 0) -> Any:
        """Rank ``src``'s ``value`` (any picklable object: a checkpoint, the parsed command
        line) on every rank; the others' ``value`` is ignored."""
        return value

    def gather_object(self, value: Any, dst: int = 0) -> list[Any] | None:
        """On rank ``dst``: every rank's ``value``, in rank order (e.g. each rank's RNG
        state for a checkpoint); on the others: None."""
        return [value]

    def barrier(self) -> None:
        """Return once every rank has called ``barrier()``."""

    def abort(self, code: int = 1) -> None:
        """End this process now with exit status ``code`` (every rank, in an MPI world)."""
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


class _MPIWork(Work):
    def __init__(self, request: Any) -> None:
        self.request = request

    def wait(self) -> None:
        self.request.Wait()


class MPIProcessGroup(ProcessGroup):
    """The ranks of an MPI communicator (``mpi4py``'s ``MPI.COMM_WORLD`` by default).

    Gradient traffic gets a communicator of its own (a duplicate), so collectives started
    in the background never interleave with those of other layers (SyncBatchNorm).
    """

    def __init__(self, mpi: Any, communicator: Any) -> None:
        self.mpi = mpi
        self.comm = communicator
        self.rank = communicator.Get_rank()
        self.size = communicator.Get_size()
        self._nccl: NcclCommunicator | None = None

    def duplicate(self) -> MPIProcessGroup:
        return MPIProcessGroup(self.mpi, self.comm.Dup())

    def nccl(self) -> NcclCommunicator:
        """The NCCL communicator for CuPy arrays, set up on first use (collective)."""
        if self._nccl is None:
            self._nccl = NcclCommunicator(self.comm, self.rank, self.size)
        return self._nccl

    def all_reduce_(self, array: Array) -> None:
        if is_cupy_array(array):
            self.nccl().all_reduce_(array)
        else:
            self.comm.Allreduce(self.mpi.IN_PLACE, _contiguous(array), op=self.mpi.SUM)

    def start_all_reduce_(self, array: Array) -> Work:
        if is_cupy_array(array):
            self.nccl().all_reduce_(array)  # queued on the GPU stream: ordered, no wait needed
            return Work()
        return _MPIWork(self.comm.Iallreduce(self.mpi.IN_PLACE, _contiguous(array),
                                             op=self.mpi.SUM))

    def broadcast_(self, array: Array, src: int = 0) -> None:
        if is_cupy_array(array):
            self.nccl().broadcast_(array, src)
        else:
            self.comm.Bcast(_contiguous(array), root=src)

    def all_reduce_values(self, values: Sequence[float]) -> list[float]:
        sums = np.array(values, dtype=np.float64)
        self.comm.Allreduce(self.mpi.IN_PLACE, sums, op=self.mpi.SUM)
        return sums.tolist()

    def broadcast_object(self, value: Any, src: int = 0) -> Any:
        return self.comm.bcast(value, root=src)

    def gather_object(self, value: Any, dst: int = 0) -> list[Any] | None:
        return self.comm.gather(value, root=dst)

    def barrier(self) -> None:
        self.comm.Barrier()

    def abort(self, code: int = 1) -> None:
        """``MPI_Abort``: the launcher ends every rank of the job with status ``code``."""
        sys.stdout.flush()
        sys.stderr.flush()
        self.comm.Abort(code)


def _contiguous(array: np.ndarray) -> np.ndarray:
    """``array`` itself: MPI reads and writes the memory directly, so it must be one block."""
    if not array.flags.c_contiguous:
        raise ValueError(f"MPI collectives need a contiguous array, got one of shape "
                         f"{array.shape} with strides {array.strides}")
    return array


def launched_by_mpi(environ: Mapping[str, str] | None = None) -> bool:
    """True when an MPI launcher (``mpiexec``, ``mpirun``, ``srun``) started this process
    (judged from ``environ``, by default this process's environment)."""
    environ = os.environ if environ is None else environ
    return any(name in environ for name in LAUNCHER_VARIABLES)


def init() -> ProcessGroup:
    """Join the world this process was started in, and return its group.

    Under an MPI launcher this imports ``mpi4py`` (which initialises MPI) and uses
    ``MPI.COMM_WORLD``; otherwise the world is this process alone. Calling it again
    returns the same group.

    >>> import minigrad.distributed as dist
    >>> group = dist.init()          # no mpiexec here: a world of one
    >>> dist.rank(), dist.world_size(), dist.is_main()
    (0, 1, True)
    """
    global _group
    if _group is not None:
        return _group
    if not launched_by_mpi():
        _group = ProcessGroup()
        return _group
    try:
        from mpi4py import MPI  # optional: only multi-process runs need MPI
    except ImportError as error:
        raise RuntimeError("this process was started by an MPI launcher but mpi4py is not "
                           "installed: pip install 'minigrad[mpi]'") from error
    _group = MPIProcessGroup(MPI, MPI.COMM_WORLD)
    return _group


def is_initialized() -> bool:
    """Whether :func:`init` has run in this process."""
    return _group is not None


def get_group() -> ProcessGroup:
    """The world's group (:func:`init` must have run)."""
    if _group is None:
        raise RuntimeError("minigrad.distributed is not initialised: call "
                           "minigrad.distributed.init() first")
    return _group


def rank() -> int:
    """This process's rank, 0 .. world_size() - 1."""
    return get_group().rank


def world_size() -> int:
    """The number of processes in the world."""
    return get_group().size


def is_main() -> bool:
    """True on rank 0, the rank that prints, logs and writes files."""
    return get_group().rank == 0


def local_rank() -> int:
    """This process's rank among those on the same machine (0 without a launcher): the
    GPU a rank should use is ``f"cuda:{local_rank()}"``."""
    for name in LOCAL_RANK_VARIABLES:
        if name in os.environ:
            return int(os.environ[name])
    return 0


def barrier() -> None:
    """Wait until every rank gets here."""
    get_group().barrier()


def abort(code: int = 1, message: str | None = None, group: ProcessGroup | None = None
          ) -> None:
    """End every rank of ``group`` (default: the world) now with exit status ``code``,
    after printing ``message``, prefixed with this rank, to stderr. Use it instead of
    ``sys.exit`` for a failure on one rank: a rank that merely exits leaves the others
    waiting in their next collective."""
    group = group if group is not None else _group if _group is not None else ProcessGroup()
    if message is not None:
        print(f"[rank {group.rank}/{group.size}] {message}", file=sys.stderr, flush=True)
    group.abort(code)
