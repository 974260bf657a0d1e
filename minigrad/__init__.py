"""minigrad: a from-scratch deep-learning framework on NumPy (CPU) and CuPy (GPU).

    import minigrad as mg
    x = mg.randn(3, requires_grad=True)
    (x * x).sum().backward()      # x.grad == 2 x

``import minigrad`` loads the core only and needs NumPy alone. ``minigrad.data``
(also spelled ``minigrad.utils.data``, as ``torch.utils.data``) and ``minigrad.training``
(which use Pillow, tqdm and matplotlib) are imported on first use.
"""
import importlib
from types import ModuleType

from . import blas_threads  # first of all: it sets OpenBLAS's environment before NumPy loads
from . import allocator  # large arrays reuse freed memory: no page faults every step
from . import accelerator, backends, cuda, init, metrics, optim
from .autograd import Function, grad
from .grad_mode import enable_grad, is_grad_enabled, no_grad
from .backend import cuda_is_available, get_array_module
from .creation import (arange, empty, eye, from_numpy, full, full_like, linspace, ones,
                       ones_like, rand, rand_like, randint, randn, randn_like, randperm, tensor,
                       zeros, zeros_like)
from .devices import device
# PyTorch's dtype names as NumPy dtypes (mg.float32, mg.long, ...; mg.float is float32)
from .dtypes import (bool, double, float, float16, float32, float64, get_default_dtype, half,
                     int, int8, int16, int32, int64, long, short, uint8)
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .ops.activation import log_softmax, relu, sigmoid, softmax, tanh
from .ops.arithmetic import add, div, matmul, mul, neg, pow, sub
from .ops.compare import allclose, eq, ge, gt, isclose, le, lt, ne
from .ops.einsum import einsum
from .ops.elementwise import (abs, clamp, clip, cos, exp, log, masked_fill, maximum, minimum,
                              nonzero, round, sin, sqrt, where)
from .ops.reduction import (all, amax, amin, any, argmax, argmin, cumsum, max, mean, min, prod,
                            std, sum, var)
from .ops.shape import (broadcast_to, cat, chunk, concatenate, expand, flatten, flip, gather,
                        pad, permute, repeat, reshape, split, squeeze, stack, transpose,
                        unsqueeze)
from .ops.sorting import argsort, sort, topk
from .random import manual_seed
from .serialization import load, save
from .tensor import Tensor, is_tensor, numel

__version__ = "0.1.0"

# minigrad.utils is PyTorch's spelling: minigrad.utils.data is torch.utils.data
_ON_DEMAND = ("data", "training", "plot", "graph", "utils")


def __getattr__(name: str) -> ModuleType:
    """``mg.data`` and friends: import the submodule the first time it is asked for."""
    if name in _ON_DEMAND:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'minigrad' has no attribute '{name}'")
