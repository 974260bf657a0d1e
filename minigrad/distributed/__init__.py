"""``minigrad.distributed``: data-parallel training over MPI (like ``torch.distributed``,
ChainerMN and Horovod).

Start one process per CPU socket, GPU or machine with an MPI launcher; each rank holds a
replica of the model and trains on its share of every batch; gradients are averaged over
the ranks by allreduce (MPI for NumPy arrays, NCCL for CuPy arrays)::

    mpiexec -n 4 python train.py

    import minigrad.distributed as dist
    dist.init()                                     # a world of one without mpiexec
    model = dist.SyncBatchNorm.convert_sync_batchnorm(model)   # optional
    model = dist.DistributedDataParallel(model)     # same start on every rank
    sampler = dist.DistributedSampler(train_set, seed=0)       # this rank's share
    dist.abort_on_exception()                       # one rank fails -> every rank ends
    if dist.is_main():
        print("only rank 0 prints and writes files")

Imported on demand: ``import minigrad`` never loads it, and ``mpi4py`` is imported only
when a launcher started the process. See docs/distributed.md.
"""
from .data_parallel import DistributedDataParallel, broadcast_parameters
from .failure import Watchdog, abort_on_exception
from .process_group import (MPIProcessGroup, ProcessGroup, Work, abort, barrier, get_group,
                            init, is_initialized, is_main, launched_by_mpi, local_rank, rank,
                            world_size)
from .sampler import DistributedSampler
from .sync_batchnorm import AllReduceSum, SyncBatchNorm, sync_batch_norm

__all__ = ["AllReduceSum", "DistributedDataParallel", "DistributedSampler", "MPIProcessGroup",
           "ProcessGroup", "SyncBatchNorm", "Watchdog", "Work", "abort", "abort_on_exception",
           "barrier", "broadcast_parameters", "get_group", "init", "is_initialized", "is_main",
           "launched_by_mpi", "local_rank", "rank", "sync_batch_norm", "world_size"]
