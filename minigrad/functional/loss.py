"""Loss functions: cross-entropy (softmax + negative log-likelihood), NLL, MSE, binary
cross-entropy (on probabilities, or on logits with a stable log-sigmoid)."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .. import backend
from ..ops.activation import log_softmax
from ..ops.elementwise import abs, clip, exp, log, maximum
from ..ops.reduction import mean, sum
from ..tensor import Tensor

REDUCTIONS = ("mean", "sum", "none")


def _reduce(losses: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return mean(losses)
    if reduction == "sum":
        return sum(losses)
    return losses


def _check_reduction(reduction: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")


def _classes_last(x: Tensor) -> Tensor:
    """(N, C, d1, ...) -> (N*d1*..., C); (N, C) unchanged."""
    if x.ndim == 2:
        return x
    axes = (0,) + tuple(range(2, x.ndim)) + (1,)
    return x.permute(*axes).reshape(-1, x.shape[1])


def _as_target(target: object, scores: Tensor) -> Tensor:
    """``target`` as a Tensor: a Tensor as it is; an array (NumPy or CuPy), list or int is
    wrapped on the scores' device, with no detour through the host for a device array."""
    return target if isinstance(target, Tensor) else Tensor(target, device=scores.device)


def _one_sample(loss_fn: Callable[..., Tensor], scores: Tensor, target: Tensor,
                reduction: str, **options: object) -> Tensor:
    """PyTorch's unbatched form: scores (C,) and a 0-d target, computed as a batch of one;
    the loss is 0-d whatever the reduction."""
    if target.ndim != 0:
        raise ValueError(f"scores of shape {scores.shape} (one sample) need a 0-d target, got "
                         f"shape {target.shape}")
    loss = loss_fn(scores.reshape(1, -1), target.reshape(1), reduction, **options)
    return loss.reshape(()) if reduction == "none" else loss


def _check_target(scores: Tensor, target: Tensor, ignore_index: int) -> bool:
    """Validate integer class indices against scores of shape (N, C, ...); whether any
    target is ``ignore_index``."""
    if target.device != scores.device:
        raise RuntimeError(f"target is on {target.device} but the scores are on {scores.device}")
    if target.dtype.kind not in "iu":
        raise TypeError(f"target must hold integer class indices, got dtype {target.dtype}")
    expected = scores.shape[:1] + scores.shape[2:]
    if scores.ndim < 2 or target.shape != expected:
        raise ValueError(f"scores of shape {scores.shape} need a target of shape {expected}, "
                         f"got {target.shape}")
    num_classes = scores.shape[1]
    classes = target.data
    xp = backend.get_array_module(classes)
    ignored = classes == ignore_index
    out_of_range = ~ignored & ((classes < 0) | (classes >= num_classes))
    # both answers in one read from the device (a single wait on a GPU, the only one a
    # loss makes); the details are fetched only on failure
    any_out_of_range, any_ignored = xp.stack([out_of_range.any(), ignored.any()]).tolist()
    if any_out_of_range:
        bad = int(classes[out_of_range].reshape(-1)[0])
        raise IndexError(f"target class {bad} is out of range for {num_classes} classes "
                         f"(valid: 0..{num_classes - 1})")
    return any_ignored


def _check_weight(weight: Tensor | None, scores: Tensor) -> None:
    if weight is not None and weight.shape != (scores.shape[1],):
        raise ValueError(f"weight must have one entry per class, shape ({scores.shape[1]},), "
                         f"got {weight.shape}")


class _Targets:
    """Flattened targets with what weighting needs: ``index`` (ignored entries set to class
    0, so they can still be gathered) and ``scale`` (N*d,) = weight[target], 0 where
    ``target == ignore_index`` — or None when every scale would be 1 (no weight, and
    ``any_ignored``, from :func:`_check_target`, false)."""

    def __init__(self, target: Tensor, weight: Tensor | None, ignore_index: int,
                 any_ignored: bool) -> None:
        xp = backend.get_array_module(target.data)
        flat = target.data.reshape(-1)
        keep = flat != ignore_index
        self.shape = target.shape
        self.index = xp.where(keep, flat, 0)
        if weight is None and not any_ignored:
            self.scale = None
            return
        dtype = weight.dtype if weight is not None else np.float32
        class_weight = weight.data[self.index] if weight is not None else xp.ones(flat.shape,
                                                                                  dtype)
        self.scale = Tensor._make((class_weight * keep).astype(dtype, copy=False))

    def pick(self, flat_scores: Tensor) -> Tensor:
        """``flat_scores[i, index[i]]`` for every row of the (N*d, C) scores; the indices go
        in as Tensors, so they stay on the device."""
        xp = backend.get_array_module(flat_scores.data)
        rows = Tensor._make(xp.arange(flat_scores.shape[0]))
        return flat_scores[rows, Tensor._make(self.index)]

    def reduce(self, losses: Tensor, reduction: str) -> Tensor:
        """Sum, or mean weighted by the target weights (PyTorch's weighted mean)."""
        if reduction != "mean" or self.scale is None:
            return _reduce(losses.reshape(self.shape), reduction)
        return sum(losses) / sum(self.scale)

    def weighted(self, losses: Tensor) -> Tensor:
        return losses if self.scale is None else losses * self.scale.to(losses.dtype)


def nll_loss(log_probs: Tensor, target: Tensor, reduction: str = "mean", *,
             weight: Tensor | None = None, ignore_index: int = -100) -> Tensor:
    """Negative log-likelihood: -weight[t_i] * log_probs[i, t_i] for each target t_i.

    log_probs: (N, C) or (N, C, d1, ...); target: (N,) or (N, d1, ...) int; or one sample,
    log_probs (C,) and a 0-d target (the loss is then 0-d for every reduction).
    weight: (C,) class weights; the mean is then sum(losses) / sum(weight[t_i]).
    Entries whose target equals ``ignore_index`` contribute nothing.

    >>> import minigrad as mg, minigrad.functional as F
    >>> log_probs = mg.tensor([[-0.5, -1.0], [-2.0, -0.25]])
    >>> F.nll_loss(log_probs, mg.tensor([0, 1])).item()
    0.375
    >>> F.nll_loss(log_probs[1], mg.tensor(0), reduction="none").item()   # one sample
    2.0
    """
    _check_reduction(reduction)
    target = _as_target(target, log_probs)
    if log_probs.ndim == 1:
        return _one_sample(nll_loss, log_probs, target, reduction, weight=weight,
                           ignore_index=ignore_index)
    _check_weight(weight, log_probs)
    any_ignored = _check_target(log_probs, target, ignore_index)
    targets = _Targets(target, weight, ignore_index, any_ignored)
    picked = targets.pick(_classes_last(log_probs))
    return targets.reduce(targets.weighted(-picked), reduction)


def cross_entropy(logits: Tensor, target: Tensor, reduction: str = "mean",
                  label_smoothing: float = 0.0, *, weight: Tensor | None = None,
                  ignore_index: int = -100) -> Tensor:
    """Softmax cross-entropy from raw scores, computed with a stable log-sum-exp.

    logits: (N, C) or (N, C, d1, ...); target: (N,) / (N, d1, ...) int class indices; or one
    sample, logits (C,) and a 0-d target (the loss is then 0-d for every reduction).
    With label smoothing eps the target distribution is (1 - eps) one-hot + eps / C:
    loss = (1 - eps) * (-log p[target]) + eps * mean_c(-log p[c]) (with class weights,
    each term is weighted as PyTorch does). ``weight`` and ``ignore_index`` as in
    :func:`nll_loss`.
    """
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"label_smoothing must be in [0, 1], got {label_smoothing}")
    _check_reduction(reduction)
    target = _as_target(target, logits)
    if logits.ndim == 1:
        return _one_sample(cross_entropy, logits, target, reduction,
                           label_smoothing=label_smoothing, weight=weight,
                           ignore_index=ignore_index)
    _check_weight(weight, logits)
    any_ignored = _check_target(logits, target, ignore_index)
    log_probs = _classes_last(log_softmax(logits, axis=1))
    targets = _Targets(target, weight, ignore_index, any_ignored)
    nll = targets.weighted(-targets.pick(log_probs))
    if label_smoothing == 0.0:
        return targets.reduce(nll, reduction)
    per_class = log_probs if weight is None else log_probs * weight.reshape(1, -1)
    uniform = -mean(per_class, axis=1)
    if targets.scale is not None:  # ignored entries contribute nothing to the smooth term
        uniform = uniform * Tensor._make((targets.scale.data != 0).astype(uniform.dtype))
    return targets.reduce(nll * (1.0 - label_smoothing) + uniform * label_smoothing, reduction)


def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Mean squared error (input - target)^2, shapes must match."""
    _check_reduction(reduction)
    if not isinstance(target, Tensor):  # an array (NumPy or CuPy), list or number
        target = Tensor(target, dtype=input.dtype, device=input.device)
    if input.shape != target.shape:
        raise ValueError(f"mse_loss: input shape {input.shape} and target shape {target.shape} "
                         f"differ")
    diff = input - target
    return _reduce(diff * diff, reduction)


def _as_like(target: object, input: Tensor, name: str) -> Tensor:
    """``target`` as a Tensor of input's dtype and device, with input's shape."""
    if not isinstance(target, Tensor):
        target = Tensor(target, dtype=input.dtype, device=input.device)
    if target.shape != input.shape:
        raise ValueError(f"{name}: input shape {input.shape} and target shape {target.shape} "
                         f"differ")
    return target


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                         reduction: str = "mean") -> Tensor:
    """-(y log p + (1 - y) log(1 - p)) for probabilities p = ``input`` in [0, 1] and targets
    y (any shape, the same for both); each log is clamped at -100, as PyTorch does, so
    p = 0 or 1 gives a large finite loss. ``weight`` (broadcast to input) scales each term.
    Prefer :func:`binary_cross_entropy_with_logits` on raw scores: it is stable.
    """
    _check_reduction(reduction)
    target = _as_like(target, input, "binary_cross_entropy")
    with np.errstate(divide="ignore"):  # log(0) = -inf, clamped just below
        log_p, log_not_p = clip(log(input), -100.0), clip(log(1.0 - input), -100.0)
    losses = -(target * log_p + (1.0 - target) * log_not_p)
    return _reduce(losses if weight is None else losses * weight, reduction)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor,
                                     weight: Tensor | None = None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """Binary cross-entropy of sigmoid(``input``) against targets y, from the raw scores z:

        loss = (1 - y) z + (1 + (w_pos - 1) y) softplus(-z),

    with the stable softplus(t) = log(1 + e^t) = max(t, 0) + log(1 + e^-|t|) (no overflow
    for large |z|). ``pos_weight`` (broadcast along the last dimension, one per class)
    weights the positive term; ``weight`` scales each element's loss. Shapes: input and
    target alike, any shape.

    >>> import minigrad as mg, minigrad.functional as F
    >>> round(F.binary_cross_entropy_with_logits(mg.tensor([0.0]), mg.tensor([1.0])).item(), 4)
    0.6931
    """
    _check_reduction(reduction)
    target = _as_like(target, input, "binary_cross_entropy_with_logits")
    # max(-z, 0) splits its gradient at z = 0 and d|z|/dz is 0 there, so the gradient at
    # z = 0 is softplus'(0) = 1/2, exactly
    softplus_of_minus_z = maximum(-input, 0.0) + log(1.0 + exp(-abs(input)))
    scale = 1.0 if pos_weight is None else 1.0 + (pos_weight - 1.0) * target
    losses = (1.0 - target) * input + scale * softplus_of_minus_z
    return _reduce(losses if weight is None else losses * weight, reduction)


def one_hot(target: Tensor, num_classes: int = -1) -> Tensor:
    """Class indices (any shape, integer) -> int64 ``(*target.shape, num_classes)`` with a 1
    at each index, as ``torch.nn.functional.one_hot``; ``num_classes=-1`` means
    ``target.max() + 1``. Not differentiable (its input is integer).

    >>> import minigrad as mg, minigrad.functional as F
    >>> F.one_hot(mg.tensor([2, 0]), 3).tolist()
    [[0, 0, 1], [1, 0, 0]]
    """
    if target.dtype.kind not in "iu":
        raise TypeError(f"one_hot needs integer class indices, got dtype {target.dtype}")
    classes = target.data
    if num_classes < 0:
        if classes.size == 0:
            raise ValueError("one_hot of an empty tensor needs num_classes")
        num_classes = int(classes.max()) + 1
    if classes.size and bool(((classes < 0) | (classes >= num_classes)).any()):
        raise IndexError(f"one_hot: class indices must be in 0..{num_classes - 1}, got "
                         f"{int(classes.min())}..{int(classes.max())}")
    xp = backend.get_array_module(classes)
    return Tensor._make((classes[..., None] == xp.arange(num_classes)).astype(np.int64))
