"""The ``Optimizer`` base class: parameter groups, per-parameter state, checkpoints.

Subclasses (SGD, Adam, ...) only say how one parameter is updated; everything
else — walking the groups, skipping parameters without a gradient, zeroing
gradients, saving and loading state in PyTorch's ``state_dict`` format — lives
here.
"""
from __future__ import annotations

import copy
import itertools
from collections import defaultdict
from typing import Any, Callable, Iterable, Iterator, Mapping, TypeGuard

import numpy as np

from .. import backend
from ..backend import Array
from ..grad_mode import enable_grad
from ..tensor import Tensor

# A parameter group: a list of Tensors under "params" plus per-group options such as
# "lr" (a float) or "betas" (a tuple): values of several types, hence Any.
ParamGroup = dict[str, Any]
# What an optimizer accepts as ``params``: Tensors, or parameter groups.
Params = Iterable[Tensor] | Iterable[ParamGroup]
# One parameter's state: name -> an array shaped like the parameter ("momentum_buffer",
# "exp_avg", ...) or the step counter (a 0-d array; a plain number in old checkpoints).
ParamState = dict[str, Array | float]

# How PyTorch's error messages name an option; the others are "Invalid <name> value".
_OPTION_WORDS = {"lr": "learning rate", "eps": "epsilon value"}


def check_non_negative(**options: float) -> None:
    """Raise PyTorch's ``ValueError`` for the first negative (or NaN) option, e.g.
    ``check_non_negative(lr=-1.0)`` raises "Invalid learning rate: -1.0"."""
    for name, value in options.items():
        if not value >= 0.0:
            raise ValueError(f"Invalid {_OPTION_WORDS.get(name, name + ' value')}: {value}")


# Elements per block of add_scaled_: a 1 MB float32 temporary, reused by the allocator.
BLOCK = 1 << 18


def add_scaled_(target: Array, alpha: float, x: Array) -> None:
    """``target += alpha * x`` in place (same shapes). Large contiguous CPU arrays are done in
    blocks, so the temporary ``alpha * x`` is 1 MB and reused instead of as large as the
    parameter: a fresh 400 MB temporary (VGG's first FC weight) costs more in page faults
    than the arithmetic (measured: 175–950 ms against 90 ms in blocks). Every element is
    computed the same way, so the result is identical."""
    if (type(target) is not np.ndarray or target.size <= BLOCK or x.shape != target.shape
            or not (target.flags.c_contiguous and x.flags.c_contiguous)):
        target += alpha * x
        return
    flat_target, flat_x = target.reshape(-1), x.reshape(-1)  # views: both are contiguous
    for start in range(0, flat_target.size, BLOCK):
        block = slice(start, start + BLOCK)
        flat_target[block] += alpha * flat_x[block]


def direction_with_l2(param: Array, grad: Array, group: ParamGroup) -> Array:
    """The gradient an optimizer follows: negated for ``maximize`` (g ← -g), plus L2 weight
    decay coupled into it (g ← g + λθ, PyTorch's ``weight_decay`` for SGD, Adam, RMSprop,
    Adagrad, Adadelta). Returns a new array when it changes anything, else ``grad``."""
    if group["maximize"]:
        grad = -grad
    weight_decay = float(group["weight_decay"])  # a Python float keeps float32 float32
    if weight_decay != 0:
        grad = grad + weight_decay * param
    return grad


class Optimizer:
    """Base class of all optimizers.

    Args:
        params: an iterable of Tensors, or of dicts ("parameter groups") with a
            ``"params"`` entry and any options that should differ from
            ``defaults`` for those parameters, e.g.
            ``[{"params": body}, {"params": head, "lr": 1e-2}]``.
        defaults: the options every group gets unless it sets its own.

    Attributes:
        param_groups: list of dicts, each with ``"params"`` (a list of Tensors)
            and every option in ``defaults``.
        state: per-parameter dict (momentum buffers, moment estimates, ...),
            keyed by the parameter Tensor itself (Tensors hash by identity).

    Updates happen in place on each ``p.data`` (the raw NumPy/CuPy array), so
    they record no graph and every reference to a parameter sees the new values.
    """

    def __init__(self, params: Params, defaults: Mapping[str, object]) -> None:
        if isinstance(params, Tensor):
            raise TypeError("params should be an iterable of Tensors or dicts, "
                            "but got a single Tensor (wrap it in a list)")
        self.defaults = dict(defaults)
        self.state: defaultdict[Tensor, ParamState] = defaultdict(dict)
        self.param_groups: list[ParamGroup] = []
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: ParamGroup) -> None:
        """Add a group of parameters with its own options (missing ones come from
        ``defaults``), e.g. to start training layers that were frozen."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, got {type(param_group).__name__}")
        if "params" not in param_group:
            raise ValueError("param_group must have a 'params' entry")
        group = dict(param_group)
        params = group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("parameters must be given in an ordered collection (a list), "
                            "not a set: set order changes between runs")
        group["params"] = list(params)
        for p in group["params"]:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, got {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor (it is the result of an op; "
                                 "optimize the leaf it was computed from)")
        # Tensors compare elementwise, so duplicates are found by identity.
        ids = [id(p) for p in group["params"]]
        if len(set(ids)) != len(ids):
            raise ValueError("a parameter group contains the same parameter twice")
        if not set(ids).isdisjoint(id(p) for p in self._all_params()):
            raise ValueError("some parameters appear in more than one parameter group")
        for name, default in self.defaults.items():
            group.setdefault(name, default)
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's gradient: ``p.grad = None`` (the default, which
        frees the memory) or, with ``set_to_none=False``, fill it with zeros."""
        for p in self._all_params():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                if p.grad.grad_fn is not None:  # a gradient built with create_graph=True
                    p.grad = p.grad.detach()
                p.grad.data.fill(0)

    def step(self, closure: Callable[[], Tensor | float] | None = None) -> Tensor | float | None:
        """Update every parameter that has a ``.grad``; parameters without one are skipped.

        closure: optional function that re-evaluates the model and returns the
        loss (it runs with gradients enabled); its result is returned.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    self._update(p.data, p.grad.data, self.state[p], group)
                    p._bump_version()  # a graph that saved p now refuses to backward
        return loss

    def _update(self, param: Array, grad: Array, state: ParamState, group: ParamGroup) -> None:
        """Update one parameter in place.

        param, grad: raw arrays of the same shape (NumPy or CuPy); ``param`` must
        be modified in place, ``grad`` must not be modified. state: this
        parameter's state dict (empty on the first step). group: its options.
        """
        raise NotImplementedError(f"{type(self).__name__} must implement _update")

    # ---- checkpoints --------------------------------------------------------------------
    # Any: a checkpoint nests dicts and lists of numbers, option values and arrays.
    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state in PyTorch's format, as host copies:

        ``{"state": {index: {name: value}}, "param_groups": [{option: value,
        "params": [index, ...]}]}``, where ``index`` numbers the parameters
        0, 1, 2, ... across all groups in order. Arrays are NumPy copies, so a
        checkpoint taken on a GPU loads anywhere and later steps don't change it.
        """
        index_of = {id(p): i for i, p in enumerate(self._all_params())}
        groups = []
        for group in self.param_groups:
            saved = {k: v for k, v in group.items() if k != "params"}
            saved["params"] = [index_of[id(p)] for p in group["params"]]
            groups.append(saved)
        state = {index_of[id(p)]: {k: _host_copy(v) for k, v in s.items()}
                 for p, s in self.state.items() if s}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a :meth:`state_dict`, matching parameters by position.

        The groups must have the same sizes as this optimizer's and each state
        array the shape of its parameter (``ValueError`` otherwise). Arrays are
        copied to each parameter's device and dtype; the step counter ``"step"``
        stays a host float32 scalar, as in PyTorch. Group options (``lr``, ...)
        are taken from the checkpoint. Nothing changes if a check fails.
        """
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"loaded state dict has {len(saved_groups)} parameter groups, "
                             f"but this optimizer has {len(self.param_groups)}")
        for i, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(f"parameter group {i} has {len(saved['params'])} parameters in "
                                 f"the loaded state dict, but {len(group['params'])} here")
        param_of = {index: p for saved, group in zip(saved_groups, self.param_groups)
                    for index, p in zip(saved["params"], group["params"])}
        state: defaultdict[Tensor, ParamState] = defaultdict(dict)
        for index, saved_state in state_dict["state"].items():
            if index not in param_of:
                raise ValueError(f"loaded state dict has state for parameter {index}, "
                                 f"which no parameter group lists")
            p = param_of[index]
            state[p] = {key: _restore(value, key, p, index) for key, value in saved_state.items()}
        self.state = state
        self.param_groups = [
            {**copy.deepcopy({k: v for k, v in saved.items() if k != "params"}),
             "params": group["params"]}
            for saved, group in zip(saved_groups, self.param_groups)]

    def _all_params(self) -> Iterator[Tensor]:
        """Every parameter, group by group, in order."""
        return itertools.chain.from_iterable(g["params"] for g in self.param_groups)


def _is_array(value: object) -> TypeGuard[Array]:
    return isinstance(value, np.ndarray) or backend.is_cupy_array(value)


def _host_copy(value: Array | float) -> np.ndarray | float:
    """A NumPy copy of an array state value; other values (numbers) unchanged."""
    return backend.to_numpy(value).copy() if _is_array(value) else value


def _restore(value: Array | float, key: str, param: Tensor, index: int) -> Array | float:
    """A loaded state value made ready for ``param``: arrays checked for shape and
    copied to the parameter's device and dtype; the step counter kept on the host."""
    if not _is_array(value):
        return value
    host = backend.to_numpy(value)
    if key == "step":
        return np.array(host, dtype=np.float32)
    if host.shape != param.shape:
        raise ValueError(f"state {key!r} of parameter {index} has shape {host.shape}, "
                         f"but the parameter has shape {param.shape}")
    return backend.to_device(np.array(host, dtype=param.dtype), param.device)
