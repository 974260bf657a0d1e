"""Data parallelism: every rank holds a replica of the model, trains it on its own share
of each batch, and the gradients are averaged over the ranks before the optimizer step.

If every rank starts from the same weights and applies the same averaged gradient, the
replicas stay identical, and N ranks with batch B each compute what one process with
batch N·B computes (the loss is a mean, and the mean of the ranks' means is the mean
over the whole batch) — up to the order of float32 additions.

The averaging is an allreduce (sum over the ranks, then a division by the world size).
One allreduce per parameter would pay the network latency a hundred times per step, so
the gradients are copied into a few *buckets* of about ``bucket_cap_mb`` each (in reverse
order of the parameters, the order backward produces them) and each bucket is sent as
one message as soon as it is full, while the rest of backward goes on. This is how
PyTorch's DistributedDataParallel, Horovod's tensor fusion and ChainerMN's packed
allreduce work.

When the engine gives a gradient. minigrad's engine (``minigrad.autograd.run_backward``)
sums a parameter's gradient over the whole pass and runs the parameter's hooks at the end
of backward, one parameter after the other. So today a bucket is sent while the hooks of
the remaining parameters run, not while the convolutions of the lower layers still
compute; an engine that ran a leaf's hooks as soon as its last contribution arrived would
give that overlap with no change here.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from layers.module import Module
from ..autograd import Tensor
from ..backend import Array, get_array_module
from .process_group import ProcessGroup, Work, get_group

__all__ = ["DistributedDataParallel", "broadcast_parameters"]


def broadcast_parameters(module: Module, src: int = 0, group: ProcessGroup | None = None
                         ) -> None:
    """Overwrite every parameter and buffer of ``module`` on every rank with rank ``src``'s,
    in place, so that replicas initialised with different seeds start identical."""
    group = group if group is not None else get_group()
    for tensor in [*module.parameters(), *module.buffers()]:
        group.broadcast_(tensor.data, src)


class _Bucket:
    """Gradients of a few parameters of one dtype and device, reduced as one message."""

    def __init__(self, params: list[Tensor]) -> None:
        self.params = params
        self.offsets = np.cumsum([0] + [p.size for p in params]).tolist()
        self.new_round()

    def new_round(self) -> None:
        """Forget the last backward's gradients."""
        self.flat: Array | None = None                # gradients, allocated on first use
        self.arrived = [False] * len(self.params)     # which gradients are in ``flat``
        self.work: Work | None = None                 # the started allreduce

    @property
    def complete(self) -> bool:
        return all(self.arrived)

    def _slot(self, index: int) -> slice:
        return slice(self.offsets[index], self.offsets[index + 1])

    def put(self, index: int, gradient: Array) -> None:
        """Store parameter ``index``'s gradient (its local sum) in the flat buffer."""
        if self.flat is None:
            xp = get_array_module(gradient)
            self.flat = xp.empty(self.offsets[-1], dtype=self.params[0].dtype)
        self.flat[self._slot(index)] = gradient.reshape(-1)
        self.arrived[index] = True

    def gradient(self, index: int) -> Tensor:
        """Parameter ``index``'s (reduced) gradient: a view of the flat buffer."""
        return Tensor._make(self.flat[self._slot(index)].reshape(self.params[index].shape))


def _buckets(params: list[Tensor], cap_bytes: int) -> list[_Bucket]:
    """Consecutive ``params`` of one (dtype, device), cut when a bucket would pass ``cap_bytes``
    (a parameter larger than the cap gets a bucket of its own)."""
    groups: list[list[Tensor]] = []
    size = 0
    for p in params:
        same_kind = groups and (groups[-1][0].dtype, groups[-1][0].device) == (p.dtype, p.device)
        if not same_kind or size + p.data.nbytes > cap_bytes:
            groups.append([])
            size = 0
        groups[-1].append(p)
        size += p.data.nbytes
    return [_Bucket(g) for g in groups]


class DistributedDataParallel(Module):
    """Wrap ``module`` so that ``loss.backward()`` leaves on every rank the gradient
    averaged over all ranks (PyTorch's ``torch.nn.parallel.DistributedDataParallel``).

    At construction the parameters and buffers are broadcast from rank 0. Each forward
    in training mode broadcasts the buffers again (``broadcast_buffers``; BatchNorm's
    running statistics then follow rank 0, as in PyTorch; use :class:`SyncBatchNorm` to
    compute them over all ranks). Each backward fills the buckets and starts their
    allreduces; the last parameter's hook waits for them and writes the averages into
    every ``.grad``. Gradients accumulated over several backward passes without
    ``zero_grad`` are averaged as accumulated.

    Every trainable parameter must receive a gradient in every backward (a parameter the
    loss does not use makes the next forward raise, naming it). Freeze parameters
    (``requires_grad_(False)``) before wrapping. Not supported: ``create_graph=True``
    through the wrapper, and parameters whose ``.grad`` is set by other means.

    Shapes: whatever ``module`` takes and returns. The wrapped module is ``.module``
    (state dict keys gain the prefix ``module.``, as in PyTorch: save ``ddp.module``).

    >>> import layers as nn, minigrad as mg, minigrad.distributed as dist
    >>> _ = dist.init()
    >>> model = dist.DistributedDataParallel(nn.Linear(3, 2))
    >>> model(mg.ones(4, 3)).sum().backward()       # one process: the average is the gradient
    >>> model.module.bias.grad.tolist()
    [4.0, 4.0]
    """

    def __init__(self, module: Module, bucket_cap_mb: float = 25.0,
                 broadcast_buffers: bool = True, group: ProcessGroup | None = None) -> None:
        super().__init__()
        if bucket_cap_mb <= 0:
            raise ValueError(f"bucket_cap_mb must be positive, got {bucket_cap_mb}")
        self.module = module
        self.broadcast_buffers = broadcast_buffers
        world = group if group is not None else get_group()
        broadcast_parameters(module, group=world)
        self.world = world                   # buffers' broadcasts
        self.gradient_group = world.duplicate()  # gradients: matched apart from other traffic
        named = [(n, p) for n, p in module.named_parameters() if p.requires_grad]
        self.parameter_names = {id(p): n for n, p in named}
        # reverse order: the last layers' gradients are ready first
        self.buckets = _buckets([p for _, p in reversed(named)], int(bucket_cap_mb * 2**20))
        self.launched = 0                    # buckets whose allreduce this round has started
        for bucket in self.buckets:
            for index, param in enumerate(bucket.params):
                param.register_hook(self._hook(bucket, index, param))

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """``module(*args, **kwargs)``, after broadcasting the buffers (in training mode)."""
        if any(any(b.arrived) for b in self.buckets):
            without = {id(p) for b in self.buckets for p, done in zip(b.params, b.arrived)
                       if not done}
            missing = [name for key, name in self.parameter_names.items() if key in without]
            raise RuntimeError(f"DistributedDataParallel: the last backward gave no gradient "
                               f"to {missing}; every trainable parameter must take part in "
                               f"the loss (freeze the others before wrapping the model)")
        if self.training and self.broadcast_buffers and self.world.size > 1:
            for buffer in self.module.buffers():
                self.world.broadcast_(buffer.data, 0)
        return self.module(*args, **kwargs)

    def _hook(self, bucket: _Bucket, index: int, param: Tensor) -> Callable[[Tensor], Tensor]:
        def gradient_ready(grad: Tensor) -> Tensor:
            return self._gradient_ready(bucket, index, param, grad)
        return gradient_ready

    def _gradient_ready(self, bucket: _Bucket, index: int, param: Tensor, grad: Tensor
                        ) -> Tensor:
        """A parameter's gradient for this backward has arrived: bucket it (with what
        ``.grad`` already holds) and start the buckets that are complete, in order."""
        if grad.requires_grad:
            raise RuntimeError("DistributedDataParallel does not support "
                               "backward(create_graph=True)")
        local = grad.data if param.grad is None else param.grad.data + grad.data
        bucket.put(index, local)
        param.grad = None  # the engine adds the returned gradient to .grad: start from None
        # Same order on every rank (MPI matches collectives by order): bucket 0, 1, ...
        while self.launched < len(self.buckets) and self.buckets[self.launched].complete:
            ready = self.buckets[self.launched]
            ready.work = self.gradient_group.start_all_reduce_(ready.flat)
            self.launched += 1
        if self.launched < len(self.buckets):
            return Tensor._make(local)  # a placeholder until the round ends
        return self._finish_round(bucket, index)

    def _finish_round(self, last_bucket: _Bucket, last_index: int) -> Tensor:
        """Wait for every allreduce and give each parameter its average; returns the
        average for the parameter whose hook is running (the engine stores it)."""
        for bucket in self.buckets:
            bucket.work.wait()
            bucket.flat /= self.gradient_group.size
            for i, p in enumerate(bucket.params):
                p.grad = None if bucket is last_bucket and i == last_index else bucket.gradient(i)
        result = last_bucket.gradient(last_index)
        for bucket in self.buckets:
            bucket.new_round()
        self.launched = 0
        return result
