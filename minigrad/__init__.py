"""minigrad: a from-scratch deep-learning framework on NumPy (CPU) and CuPy (GPU).

    import minigrad as mg
    x = mg.randn(3, requires_grad=True)
    (x * x).sum().backward()      # x.grad == 2 x

``import minigrad`` loads the core only and needs NumPy alone. ``minigrad.data``
and ``minigrad.training`` (which use Pillow, tqdm and matplotlib) are imported on
first use, like ``torch.utils.data``.
"""
import importlib
from types import ModuleType

from . import init, metrics, optim
from .autograd import Function, grad
from .grad_mode import enable_grad, is_grad_enabled, no_grad
from .backend import cuda_is_available, get_array_module
from .creation import (arange, empty, from_numpy, full, ones, ones_like, rand, randn, tensor,
                       zeros, zeros_like)
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .ops.activation import log_softmax, relu, sigmoid, softmax, tanh
from .ops.arithmetic import add, div, matmul, mul, neg, pow, sub
from .ops.compare import eq, ge, gt, le, lt, ne
from .ops.elementwise import (abs, clamp, clip, exp, log, maximum, minimum, round, sqrt,
                              where)
from .ops.reduction import (amax, amin, argmax, argmin, cumsum, max, mean, min, prod, std, sum,
                            var)
from .ops.shape import (broadcast_to, cat, concatenate, expand, flatten, flip, gather, pad,
                        permute, reshape, squeeze, stack, transpose, unsqueeze)
from .ops.sorting import argsort, sort, topk
from .random import manual_seed
from .serialization import load, save
from .tensor import Tensor

__version__ = "0.1.0"

_ON_DEMAND = ("data", "training", "plot", "graph")


def __getattr__(name: str) -> ModuleType:
    """``mg.data`` and friends: import the submodule the first time it is asked for."""
    if name in _ON_DEMAND:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'minigrad' has no attribute '{name}'")
