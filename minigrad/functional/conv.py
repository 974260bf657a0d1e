"""2-D convolution and transposed convolution with im2col + GEMM (and a depthwise path).

Three linear maps make up a convolution layer, and each is a Function whose
backward is made of the other two — so gradients of any order work:

    ConvForward     y  = conv(x, w)          backward: dx = ConvInputGrad(dy, w),
                                                       dw = ConvWeightGrad(x, dy)
    ConvInputGrad   dx = conv^T(dy, w)       (this *is* conv_transpose2d)
    ConvWeightGrad  dw = corr(x, dy)

How the GEMM path computes ``conv(x, w)`` (G groups, K = C_in/G * kH * kW):
    col = im2col(x)                      (C_in, kH, kW, N, H_out, W_out) -> (G, K, N*H_out*W_out)
    y   = w.reshape(G, C_out/G, K) @ col (G, C_out/G, N*H_out*W_out)  -- one batched matmul
The column buffer is never kept for backward (the weight gradient rebuilds it),
and the batch is processed in chunks so the buffer stays under
``workspace_limit()`` bytes.

Depthwise convolutions (groups == C_in) skip im2col: ``kernels`` multiply-accumulate
over the kH*kW taps directly, which is faster than a GEMM with K = kH*kW.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import kernels
from kernels import workspace
from kernels.geometry import Pair, dilated_span, pair

from .. import backend
from ..autograd import Function
from ..backend import Array
from ..tensor import Tensor
from ._geometry import check_fits, check_nchw, check_positive
from .padding import pad

PADDING_STRINGS = ("valid", "same")

# 32 MiB: chunking a larger column buffer over the batch costs no speed (the GEMMs stay
# long) and keeps a step's memory down (small_cnn: 22 MB less than with one 58 MB buffer).
DEFAULT_WORKSPACE_BYTES = 32 * 2**20
_WORKSPACE = {"bytes": DEFAULT_WORKSPACE_BYTES}


def set_workspace_limit(num_bytes: int) -> None:
    """Cap the im2col column buffer (default 32 MiB); bigger layers are chunked over the batch."""
    if num_bytes < 1:
        raise ValueError(f"workspace limit must be positive, got {num_bytes}")
    _WORKSPACE["bytes"] = int(num_bytes)


def workspace_limit() -> int:
    """The current column-buffer budget in bytes."""
    return _WORKSPACE["bytes"]


@dataclass(frozen=True)
class ConvGeometry:
    """Everything about a convolution except the arrays."""
    stride: Pair
    padding: Pair
    dilation: Pair
    groups: int
    depthwise: bool  # use the direct depthwise kernels instead of im2col + GEMM

    def window(self) -> tuple[Pair, Pair, Pair]:
        """(stride, padding, dilation), the trailing arguments of the kernels."""
        return self.stride, self.padding, self.dilation


# ---- the GEMM path (arrays in, arrays out) ------------------------------------------------
def _batch_chunks(n: int, bytes_per_item: int) -> list[slice]:
    """Split range(n) so each chunk's column buffer fits the workspace budget."""
    per_chunk = max(1, workspace_limit() // max(bytes_per_item, 1))
    return [slice(i, min(i + per_chunk, n)) for i in range(0, n, per_chunk)]


def _out_hw(in_hw: tuple[int, int], kernel: Pair, geo: ConvGeometry) -> Pair:
    return kernels.output_hw(in_hw, kernel, *geo.window())


def _columns(x: Array, kernel: Pair, geo: ConvGeometry) -> Array:
    """im2col of ``x`` (a batch chunk); on the CPU into this thread's reused "columns" scratch
    buffer (valid until the next use of it: see kernels/workspace.py). The input gradient's
    column matrix shares that buffer, so a step holds one column buffer at a time."""
    if type(x) is not np.ndarray:
        return kernels.im2col(x, kernel, *geo.window())
    if _is_pointwise(kernel, geo) and x.transpose(1, 0, 2, 3).flags.c_contiguous:
        # A 1×1 window with stride 1 and no padding copies x as it is: when x is already
        # channel-major (a convolution's or BatchNorm's output), x *is* the column matrix.
        return x.transpose(1, 0, 2, 3)[:, None, None]
    shape = (x.shape[1], *kernel, x.shape[0], *_out_hw(x.shape[2:], kernel, geo))
    scratch = workspace.scratch("columns", shape, x.dtype)
    return kernels.im2col(x, kernel, *geo.window(), out=scratch)


def _is_pointwise(kernel: Pair, geo: ConvGeometry) -> bool:
    """A 1×1 convolution with stride 1 and no padding: its im2col is the identity."""
    return tuple(kernel) == (1, 1) and geo.stride == (1, 1) and geo.padding == (0, 0)


def _gemm_forward(x: Array, w: Array, geo: ConvGeometry) -> Array:
    xp = backend.get_array_module(x)
    n, c_in, h, w_in = x.shape
    c_out, _, kh, kw = w.shape
    g = geo.groups
    oh, ow = _out_hw((h, w_in), (kh, kw), geo)
    weight = w.reshape(g, c_out // g, -1)
    y = xp.empty((c_out, n, oh, ow), dtype=x.dtype)
    parts = _batch_chunks(n, c_in * kh * kw * oh * ow * x.itemsize)
    for part in parts:
        col = _columns(x[part], (kh, kw), geo)
        rows = col.shape[3] * oh * ow
        if len(parts) == 1:  # the product lands in y directly (y is contiguous: a view)
            xp.matmul(weight, col.reshape(g, -1, rows), out=y.reshape(g, c_out // g, rows))
        else:
            y[:, part] = (weight @ col.reshape(g, -1, rows)).reshape(c_out, -1, oh, ow)
    return y.transpose(1, 0, 2, 3)  # (C_out, N, ...) -> (N, C_out, ...) view


def _gemm_input_grad(gy: Array, w: Array, x_shape: tuple[int, ...], geo: ConvGeometry) -> Array:
    xp = backend.get_array_module(gy)
    n, c_in, h, w_in = x_shape
    c_out, _, kh, kw = w.shape
    g = geo.groups
    _, _, oh, ow = gy.shape
    weight_t = w.reshape(g, c_out // g, -1).transpose(0, 2, 1)  # (G, K, C_out/G)
    gx = xp.empty(x_shape, dtype=gy.dtype)
    for part in _batch_chunks(n, c_in * kh * kw * oh * ow * gy.itemsize):
        g_out = gy[part].transpose(1, 0, 2, 3).reshape(g, c_out // g, -1)
        col_shape = (g, weight_t.shape[1], g_out.shape[2])
        col = (xp.matmul(weight_t, g_out, out=workspace.scratch("columns", col_shape, gy.dtype))
               if xp is np else weight_t @ g_out).reshape(c_in, kh, kw, -1, oh, ow)
        gx[part] = kernels.col2im(col, (col.shape[3], c_in, h, w_in), (kh, kw), *geo.window())
    return gx


def _gemm_weight_grad(x: Array, gy: Array, w_shape: tuple[int, ...], geo: ConvGeometry) -> Array:
    xp = backend.get_array_module(x)
    n, c_in, _, _ = x.shape
    c_out, _, kh, kw = w_shape
    g = geo.groups
    _, _, oh, ow = gy.shape
    gw = xp.zeros((g, c_out // g, c_in // g * kh * kw), dtype=x.dtype)
    for part in _batch_chunks(n, c_in * kh * kw * oh * ow * x.itemsize):
        col = _columns(x[part], (kh, kw), geo)
        rows = col.shape[3] * oh * ow
        g_out = gy[part].transpose(1, 0, 2, 3).reshape(g, c_out // g, rows)
        # dW = dY col^T, computed as (col dY^T)^T: with the long axis (N*H_out*W_out) as
        # the reduction of a (K, L) @ (L, C_out/G) product, OpenBLAS runs it up to 30x
        # faster than the equivalent (C_out/G, L) @ (L, K) product (benchmarks/bench_conv.py).
        gw += (col.reshape(g, -1, rows) @ g_out.transpose(0, 2, 1)).transpose(0, 2, 1)
    return gw.reshape(w_shape)


def _forward(x: Array, w: Array, geo: ConvGeometry) -> Array:
    if geo.depthwise:
        return kernels.depthwise_conv2d_forward(x, w, *geo.window())
    return _gemm_forward(x, w, geo)


def _input_grad(gy: Array, w: Array, x_shape: tuple[int, ...], geo: ConvGeometry) -> Array:
    if geo.depthwise:
        return kernels.depthwise_conv2d_backward_input(gy, w, x_shape, *geo.window())
    if _input_grad_is_a_conv(w.shape, geo):
        return _gemm_forward(gy, _flipped_transposed(w, geo.groups), _adjoint_geometry(w, geo))
    return _gemm_input_grad(gy, w, x_shape, geo)


# ---- the input gradient of a stride-1 convolution is itself a convolution ------------------
# With stride 1, dx[c, i, j] = Σ_o Σ_(u,v) dy[o, i + p - d u, j + p - d v] w[o, c, u, v]:
# a convolution of dy, padded by d (k - 1) - p, with the kernel flipped in space and its
# in/out channels swapped (per group). Computing it that way copies dy's windows (im2col)
# instead of adding columns back onto the image (col2im, 9 read-modify-write passes for
# 3×3), the expensive half of the GEMM path's input gradient. Strided convolutions, and
# padding wider than the kernel, keep the col2im path.
def _input_grad_is_a_conv(w_shape: tuple[int, ...], geo: ConvGeometry) -> bool:
    return geo.stride == (1, 1) and all(
        geo.padding[a] <= geo.dilation[a] * (w_shape[2 + a] - 1) for a in range(2))


def _flipped_transposed(w: Array, groups: int) -> Array:
    """(C_out, C_in/G, kH, kW) -> (C_in, C_out/G, kH, kW): each group's kernel with in and
    out channels swapped, flipped in space."""
    c_out, c_in_group, kh, kw = w.shape
    per_group = w.reshape(groups, c_out // groups, c_in_group, kh, kw)[..., ::-1, ::-1]
    return per_group.transpose(0, 2, 1, 3, 4).reshape(groups * c_in_group, c_out // groups,
                                                      kh, kw)


def _adjoint_geometry(w: Array, geo: ConvGeometry) -> ConvGeometry:
    """Stride 1 and the padding d (k - 1) - p that make the convolution of dy x-sized."""
    padding = tuple(geo.dilation[a] * (w.shape[2 + a] - 1) - geo.padding[a] for a in range(2))
    return ConvGeometry((1, 1), padding, geo.dilation, geo.groups, depthwise=False)


def _weight_grad(x: Array, gy: Array, w_shape: tuple[int, ...], geo: ConvGeometry) -> Array:
    if geo.depthwise:
        return kernels.depthwise_conv2d_backward_weight(gy, x, w_shape, *geo.window())
    return _gemm_weight_grad(x, gy, w_shape, geo)


# ---- the three Functions ------------------------------------------------------------------
class ConvForward(Function):
    """y = conv(x, w). Saves x and w (not the column buffer)."""

    def __init__(self, geo: ConvGeometry) -> None:
        self.geo = geo

    def forward(self, x: Array, w: Array) -> Array:
        self.save_inputs(0, 1)
        return _forward(x, w, self.geo)

    def backward(self, gy: Tensor) -> tuple[Tensor | None, Tensor | None]:
        x, w = self.saved_inputs
        gx = ConvInputGrad.apply(gy, w, geo=self.geo, x_shape=x.shape) \
            if self.needs_input_grad[0] else None
        gw = ConvWeightGrad.apply(x, gy, geo=self.geo, w_shape=w.shape) \
            if self.needs_input_grad[1] else None
        return gx, gw


class ConvInputGrad(Function):
    """dx = conv^T(dy, w), the adjoint of ConvForward in x (= conv_transpose2d)."""

    def __init__(self, geo: ConvGeometry, x_shape: tuple[int, ...]) -> None:
        self.geo = geo
        self.x_shape = x_shape

    def forward(self, gy: Array, w: Array) -> Array:
        assert gy.shape[2:] == _out_hw(self.x_shape[2:], w.shape[2:], self.geo), (
            f"dy {gy.shape} is not the conv2d output size of x {self.x_shape}, weight {w.shape}")
        self.save_inputs(0, 1)
        return _input_grad(gy, w, self.x_shape, self.geo)

    def backward(self, ggx: Tensor) -> tuple[Tensor | None, Tensor | None]:
        gy, w = self.saved_inputs
        g_gy = ConvForward.apply(ggx, w, geo=self.geo) if self.needs_input_grad[0] else None
        g_w = ConvWeightGrad.apply(ggx, gy, geo=self.geo, w_shape=w.shape) \
            if self.needs_input_grad[1] else None
        return g_gy, g_w


class ConvWeightGrad(Function):
    """dw = sum over batch and positions of dy * (window of x)."""

    def __init__(self, geo: ConvGeometry, w_shape: tuple[int, ...]) -> None:
        self.geo = geo
        self.w_shape = w_shape

    def forward(self, x: Array, gy: Array) -> Array:
        self.save_inputs(0, 1)
        return _weight_grad(x, gy, self.w_shape, self.geo)

    def backward(self, ggw: Tensor) -> tuple[Tensor | None, Tensor | None]:
        x, gy = self.saved_inputs
        g_x = ConvInputGrad.apply(gy, ggw, geo=self.geo, x_shape=x.shape) \
            if self.needs_input_grad[0] else None
        g_gy = ConvForward.apply(x, ggw, geo=self.geo) if self.needs_input_grad[1] else None
        return g_x, g_gy


# ---- public functions ---------------------------------------------------------------------
def conv_padding(padding: int | Pair | str, kernel_size: Pair, stride: Pair, dilation: Pair,
                 op: str = "conv2d") -> tuple[Pair, Pair]:
    """The (top, left) and (bottom, right) zero padding a conv2d ``padding`` argument means.

    An int or pair pads both sides alike. ``"valid"`` is no padding. ``"same"`` (stride 1
    only) keeps H and W: the dilated kernel needs ``dilation (k - 1)`` extra pixels per axis,
    split as PyTorch does, the odd one going to the bottom/right.

    >>> conv_padding("same", kernel_size=(3, 4), stride=(1, 1), dilation=(1, 1))
    ((1, 1), (1, 2))
    """
    if not isinstance(padding, str):
        both = pair(padding, "padding")
        return both, both
    if padding not in PADDING_STRINGS:
        raise ValueError(f"{op}: invalid padding string {padding!r}, should be one of "
                         f"{PADDING_STRINGS} (or an int or a pair of ints)")
    if padding == "valid":
        return (0, 0), (0, 0)
    if stride != (1, 1):
        raise ValueError(f"{op}: padding='same' is not supported for strided convolutions, "
                         f"got stride {stride}")
    total = [dilated_span(kernel_size[i], dilation[i]) - 1 for i in range(2)]
    before = (total[0] // 2, total[1] // 2)
    return before, (total[0] - before[0], total[1] - before[1])


def _geometry(stride: int | Pair, padding: int | Pair, dilation: int | Pair, groups: int,
              c_in: int, conv_in_channels: int, weight_shape: tuple[int, ...],
              op: str) -> ConvGeometry:
    """Check the settings; ``conv_in_channels`` is C_in of the underlying forward conv."""
    stride, padding, dilation = pair(stride, "stride"), pair(padding, "padding"), \
        pair(dilation, "dilation")
    check_positive({"stride": stride, "padding": padding, "dilation": dilation}, op,
                   allow_zero=("padding",))
    if groups < 1 or c_in % groups:
        raise ValueError(f"{op}: in_channels={c_in} is not divisible by groups={groups}")
    # depthwise: every input channel has its own filters (weight (C*m, 1, kH, kW))
    depthwise = groups > 1 and groups == conv_in_channels and weight_shape[1] == 1
    return ConvGeometry(stride, padding, dilation, groups, depthwise)


def _check_tensors(x: Tensor, weight: Tensor, bias: Tensor | None, weight_layout: str,
                   op: str) -> None:
    """x must be (N, C, H, W), weight 4-D and non-empty, and both (and the bias) of one
    dtype."""
    check_nchw(x, op)
    if weight.ndim != 4:
        raise ValueError(f"{op}: weight must be 4-D {weight_layout}, got shape {weight.shape}")
    if 0 in weight.shape[2:]:
        raise ValueError(f"{op}: the kernel size must be greater than zero, got a weight of "
                         f"shape {weight.shape} (kernel {weight.shape[2]}x{weight.shape[3]})")
    if 0 in weight.shape:
        raise ValueError(f"{op}: the weight must be non-empty, got shape {weight.shape}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t.dtype != x.dtype:
            raise TypeError(f"{op}: the input is {x.dtype} but the {name} is {t.dtype}; "
                            f"convert one of them (e.g. {name}.astype({x.dtype}))")


def _add_bias(y: Tensor, bias: Tensor | None, channels: int, op: str) -> Tensor:
    """y + bias on the channel axis; bias must be (channels,)."""
    if bias is None:
        return y
    if bias.shape != (channels,):
        raise ValueError(f"{op}: bias must have shape ({channels},), got {bias.shape}")
    return y + bias.reshape(1, channels, 1, 1)


def conv2d(x: Tensor, weight: Tensor, bias: Tensor | None = None, stride: int | Pair = 1,
           padding: int | Pair | str = 0, dilation: int | Pair = 1, groups: int = 1) -> Tensor:
    """2-D cross-correlation (what deep learning calls convolution).

    x: (N, C_in, H, W); weight: (C_out, C_in/groups, kH, kW); bias: (C_out,).
    Returns (N, C_out, H_out, W_out) with
    H_out = floor((H + 2 pad - dilation (kH - 1) - 1) / stride) + 1.
    ``padding`` is an int, a pair, ``"valid"`` (0) or ``"same"`` (stride 1; H_out = H and
    W_out = W, an odd total padding puts the extra row/column at the bottom/right, as
    PyTorch does: see :func:`conv_padding`).

    New to im2col? Read :func:`conv2d_simple` (``functional/simple.py``) first: the same
    convolution without dilation and groups, in a few lines: Y = W · col(X) + b.

    >>> import minigrad as mg, minigrad.functional as F
    >>> x = mg.arange(16.0).reshape(1, 1, 4, 4)
    >>> w = mg.tensor([[[[1.0, 0.0], [0.0, -1.0]]]])  # x[i, j] - x[i + 1, j + 1]
    >>> print(F.conv2d(x, w).numpy())
    [[[[-5. -5. -5.]
       [-5. -5. -5.]
       [-5. -5. -5.]]]]
    >>> F.conv2d(mg.zeros(8, 3, 32, 32), mg.zeros(16, 3, 3, 3), stride=2, padding=1).shape
    (8, 16, 16, 16)
    >>> F.conv2d(mg.zeros(8, 4, 9, 9), mg.zeros(6, 2, 3, 3), dilation=2, groups=2).shape
    (8, 6, 5, 5)
    >>> F.conv2d(mg.zeros(1, 3, 7, 7), mg.zeros(2, 3, 4, 4), padding="same").shape
    (1, 2, 7, 7)
    """
    _check_tensors(x, weight, bias, "(C_out, C_in/groups, kH, kW)", "conv2d")
    c_in = x.shape[1]
    if isinstance(padding, str):
        before, after = conv_padding(padding, weight.shape[2:], pair(stride, "stride"),
                                     pair(dilation, "dilation"))
        if after != before:  # the odd pixel of "same": pad it alone, the rest symmetrically
            x = pad(x, (0, after[1] - before[1], 0, after[0] - before[0]))
        padding = before
    geo = _geometry(stride, padding, dilation, groups, c_in, c_in, weight.shape, "conv2d")
    c_out = weight.shape[0]
    if weight.shape[1] * groups != c_in:
        raise ValueError(f"conv2d: input has {c_in} channels but the weight {weight.shape} with "
                         f"groups={groups} expects {weight.shape[1] * groups}")
    if c_out % groups:
        raise ValueError(f"conv2d: out_channels={c_out} is not divisible by groups={groups}")
    check_fits(x.shape, weight.shape[2:], geo.padding, geo.dilation, "conv2d")
    return _add_bias(ConvForward.apply(x, weight, geo=geo), bias, c_out, "conv2d")


def conv_transpose2d(x: Tensor, weight: Tensor, bias: Tensor | None = None,
                     stride: int | Pair = 1, padding: int | Pair = 0,
                     output_padding: int | Pair = 0, dilation: int | Pair = 1,
                     groups: int = 1) -> Tensor:
    """Transposed convolution: the gradient of conv2d w.r.t. its input, as a layer.

    x: (N, C_in, H, W); weight: (C_in, C_out/groups, kH, kW); bias: (C_out,).
    H_out = (H - 1) stride - 2 pad + dilation (kH - 1) + output_padding + 1.
    ``output_padding`` must be smaller than the stride or the dilation (PyTorch's rule).

    It is the adjoint of the conv2d that maps (H_out, W_out) to (H', W'). Without output
    padding H' = H; an output padding of at least the stride (allowed when dilation >
    stride) gives that conv2d ``output_padding // stride`` more output rows, which no input
    feeds: x is extended with that many zero rows (columns) at the bottom (right) first.

    >>> import minigrad as mg, minigrad.functional as F
    >>> F.conv_transpose2d(mg.zeros(1, 4, 5, 5), mg.zeros(4, 2, 3, 3), stride=2).shape
    (1, 2, 11, 11)
    >>> F.conv_transpose2d(mg.zeros(1, 4, 5, 5), mg.zeros(4, 2, 3, 3), dilation=2,
    ...                    output_padding=1).shape
    (1, 2, 10, 10)
    """
    _check_tensors(x, weight, bias, "(C_in, C_out/groups, kH, kW)", "conv_transpose2d")
    c_in = x.shape[1]
    if weight.shape[0] != c_in:
        raise ValueError(f"conv_transpose2d: input has {c_in} channels but the weight "
                         f"{weight.shape} expects {weight.shape[0]}")
    geo = _geometry(stride, padding, dilation, groups, c_in, weight.shape[1] * groups,
                    weight.shape, "conv_transpose2d")
    extra = pair(output_padding, "output_padding")
    if extra[0] >= max(geo.stride[0], geo.dilation[0]) or \
            extra[1] >= max(geo.stride[1], geo.dilation[1]) or min(extra) < 0:
        raise ValueError(f"conv_transpose2d: output_padding {extra} must be smaller than "
                         f"stride {geo.stride} or dilation {geo.dilation}")
    c_out = weight.shape[1] * groups
    # The inverse of the conv2d output size: the size whose conv2d output is x's (H, W).
    out_hw = tuple((x.shape[2 + i] - 1) * geo.stride[i] - 2 * geo.padding[i]
                   + dilated_span(weight.shape[2 + i], geo.dilation[i]) + extra[i]
                   for i in range(2))
    if min(out_hw) < 1:
        raise ValueError(f"conv_transpose2d: output size {out_hw} is too small for input "
                         f"{x.shape} and weight {weight.shape}")
    x_shape = (x.shape[0], c_out) + out_hw
    unfed = (extra[0] // geo.stride[0], extra[1] // geo.stride[1])
    if unfed != (0, 0):
        x = pad(x, (0, unfed[1], 0, unfed[0]))
    y = ConvInputGrad.apply(x, weight, geo=geo, x_shape=x_shape)
    return _add_bias(y, bias, c_out, "conv_transpose2d")

