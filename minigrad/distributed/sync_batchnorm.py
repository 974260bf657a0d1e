"""``SyncBatchNorm``: batch normalisation whose statistics are those of the global batch.

With data parallelism each rank sees only its share of the batch. A plain BatchNorm layer
would normalise with the statistics of that share (noisier with small per-rank batches,
and different from the single-process run). SyncBatchNorm sums, per channel, the count,
the sum and then the squared deviations over all ranks:

    mean = Σ_ranks Σ x / count,    var = Σ_ranks Σ (x − mean)² / count

The sums are :class:`AllReduceSum`, a differentiable allreduce: its backward sums the
upstream gradients over the ranks the same way, because every rank's loss depends on
every rank's inputs through the shared mean and variance. The layer is then ordinary
Tensor ops around two allreduces, so autograd derives the backward (PyTorch's
hand-written one allreduces the same two sums, of dy and of dy·x̂) and double backprop
works too.
"""
from __future__ import annotations

from layers.module import Module
from layers.normalization import BatchNorm1d, BatchNorm2d, _BatchNorm
from layers.utils import check_input_shape
from ..autograd import Function, Tensor
from ..backend import Array
from .process_group import ProcessGroup, init

__all__ = ["AllReduceSum", "SyncBatchNorm", "sync_batch_norm"]


class AllReduceSum(Function):
    """y = the sum of ``x`` over the ranks (x the same shape on every rank), as an op.

    Backward: dL/dx on a rank is the sum over the ranks of dL/dy, since the global
    loss is the ranks' losses together and each of them depends on this rank's x.
    """

    def __init__(self, group: ProcessGroup) -> None:
        self.group = group

    def forward(self, x: Array) -> Array:
        total = x.copy()
        self.group.all_reduce_(total)
        return total

    def backward(self, gy: Tensor) -> Tensor:
        return AllReduceSum.apply(gy, group=self.group)


def sync_batch_norm(x: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
                    weight: Tensor | None, bias: Tensor | None, momentum: float, eps: float,
                    group: ProcessGroup) -> Tensor:
    """Training-mode batch norm of (N, C, *) input over the batch of all ranks of ``group``.

    Like ``F.batch_norm(x, ..., training=True)`` on the ranks' inputs concatenated along N
    (ranks may have different N); the running statistics, when given, are updated in place
    with the global mean and unbiased variance. Output: x's shape.

    >>> import minigrad as mg, minigrad.distributed as dist
    >>> x = mg.tensor([[1.0, 10.0], [3.0, 30.0]])         # (N=2, C=2), one rank
    >>> sync_batch_norm(x, None, None, None, None, 0.1, 0.0, dist.init()).tolist()
    [[-1.0, -1.0], [1.0, 1.0]]
    """
    channels = x.shape[1]
    count = int(group.all_reduce_values([x.size // channels])[0])
    if count <= 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input "
                         f"size {x.shape} (and {count} values per channel over all ranks)")
    axes = (0,) + tuple(range(2, x.ndim))
    per_channel = (1, channels) + (1,) * (x.ndim - 2)
    mean = AllReduceSum.apply(x.sum(axis=axes), group=group) / count
    centered = x - mean.reshape(per_channel)
    var = AllReduceSum.apply((centered * centered).sum(axis=axes), group=group) / count
    y = centered / (var + eps).sqrt().reshape(per_channel)
    if running_mean is not None and running_var is not None:
        running_mean.data *= 1.0 - momentum
        running_mean.data += momentum * mean.data.astype(running_mean.dtype)
        running_var.data *= 1.0 - momentum
        running_var.data += (momentum * count / (count - 1)) * var.data.astype(running_var.dtype)
    if weight is not None:
        y = y * weight.reshape(per_channel)
    if bias is not None:
        y = y + bias.reshape(per_channel)
    return y


class SyncBatchNorm(_BatchNorm):
    """Batch norm over (N, C), (N, C, L) or (N, C, H, W) input with the statistics of the
    batch of all ranks (PyTorch's ``torch.nn.SyncBatchNorm``). Output: x's shape.

    Same arguments, parameters, buffers and state-dict keys as BatchNorm2d, plus
    ``process_group`` (default: the world, :func:`minigrad.distributed.init`). In eval
    mode, or in a world of one process, it computes exactly what BatchNorm does.
    Every rank must call it in training mode the same number of times (it communicates).
    :meth:`convert_sync_batchnorm` swaps it in for a model's BatchNorm layers.
    """

    _input_ndims = (2, 3, 4)

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True,
                 process_group: ProcessGroup | None = None, *, bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, bias=bias)
        self.process_group = process_group

    def forward(self, x: Tensor) -> Tensor:
        group = self.process_group if self.process_group is not None else init()
        if not self.training or group.size == 1:
            return super().forward(x)
        check_input_shape(self, x, self._input_ndims, self.num_features)
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.track_running_stats:
            self.num_batches_tracked.data += 1
            if self.momentum is None:
                momentum = 1.0 / float(self.num_batches_tracked)
        return sync_batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                               momentum, self.eps, group)

    @classmethod
    def convert_sync_batchnorm(cls, module: Module, process_group: ProcessGroup | None = None
                               ) -> Module:
        """``module`` with every BatchNorm1d/BatchNorm2d in it replaced by a SyncBatchNorm
        that shares its parameters and buffers (so an optimizer built before still
        applies); returns the converted module (a new one if ``module`` is a BatchNorm).

        >>> import layers as nn
        >>> model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4))
        >>> [type(m).__name__ for m in SyncBatchNorm.convert_sync_batchnorm(model)]
        ['Conv2d', 'SyncBatchNorm']
        """
        converted = module
        if isinstance(module, (BatchNorm1d, BatchNorm2d)):
            converted = cls(module.num_features, module.eps, module.momentum, module.affine,
                            module.track_running_stats, process_group,
                            bias=module.bias is not None)
            for name in ("weight", "bias", "running_mean", "running_var", "num_batches_tracked"):
                setattr(converted, name, getattr(module, name))
            converted.train(module.training)
        for name, child in module.named_children():
            setattr(converted, name, cls.convert_sync_batchnorm(child, process_group))
        return converted
