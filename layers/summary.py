"""``summary(model, input_shape)``: what each layer outputs, owns and costs, and what it sees.

One forward pass of zeros (a batch of 1, or the batch shape given; in eval mode, without
autograd) with a forward hook on every leaf module records, per call:

* the output shape (without the batch axis);
* the module's own parameters;
* multiply-adds (MACs) per image: Conv2d H_out·W_out·C_out·(C_in/groups)·kH·kW,
  ConvTranspose2d H_in·W_in·C_in·(C_out/groups)·kH·kW, Linear in·out per row; bias,
  BatchNorm, activations and pooling count 0 (torchvision's convention, which
  reproduces its published "GFLOPS" exactly);
* the receptive field of the output (Araujo, Norris & Sim 2019, "Computing receptive
  fields of convolutional neural networks", Distill): its size r, its jump j (the
  distance in input pixels between neighbouring outputs) and its effective padding P.
  Through a layer with kernel k (dilated: d·(k−1)+1), stride s and padding p:

      r = r_prev + (k − 1)·j_prev      j = j_prev·s      P = P_prev + p·j_prev

  starting from r = j = 1, P = 0 at the input. Output i then sees the input pixels
  [i·j − P, i·j − P + r − 1], centred at i·j − P + (r − 1)/2.

Receptive fields belong to tensors, not to layers: the hooks map each output tensor
to its field and look up each module's input. A tensor no module produced comes from
an operation between modules — a residual add, an Inception concatenation — and gets
the rule **the receptive field of a merge is the largest of its inputs**, applied as:
the largest field among the tensors of the same spatial size seen so far (for a
residual add, the main path's). After Flatten, Linear or adaptive pooling every
output sees the whole image and the field is reported as undefined (``None``, "-").
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import Callable

from kernels.geometry import Pair, dilated_span, pair
import minigrad as mg
from minigrad.functional.conv import conv_padding
from minigrad.tensor import Tensor

from .conv import Conv2d, ConvTranspose2d
from .flatten import Flatten
from .linear import Linear
from .module import Module
from .pooling import AvgPool2d, MaxPool2d



@dataclass(frozen=True)
class ReceptiveField:
    """Receptive field of a tensor, per spatial axis (height, width), in input pixels.

    size: r, how many input pixels one output sees; jump: j, the input distance between
    neighbouring outputs (the product of the strides so far); padding: P, how far the
    field of output 0 reaches before pixel 0 (the effective padding).
    """

    size: Pair = (1, 1)
    jump: Pair = (1, 1)
    padding: Pair = (0, 0)

    def through(self, kernel_size: Pair, stride: Pair, padding: Pair,
                dilation: Pair = (1, 1)) -> ReceptiveField:
        """The field after a sliding-window layer (conv or pooling), by the recurrence."""
        axes = range(2)
        span = [dilated_span(kernel_size[a], dilation[a]) for a in axes]
        return ReceptiveField(
            size=tuple(self.size[a] + (span[a] - 1) * self.jump[a] for a in axes),
            jump=tuple(self.jump[a] * stride[a] for a in axes),
            padding=tuple(self.padding[a] + padding[a] * self.jump[a] for a in axes))

    @property
    def start(self) -> Pair:
        """The first input pixel (row, column) that output (0, 0) sees: −P."""
        return (-self.padding[0], -self.padding[1])

    def center(self, index: int = 0, axis: int = 0) -> float:
        """The input coordinate at the centre of output ``index``'s field along ``axis``."""
        return index * self.jump[axis] - self.padding[axis] + (self.size[axis] - 1) / 2


@dataclass(frozen=True)
class LayerRow:
    """One module call in a :class:`Summary`."""

    name: str                        # dotted path in the model, e.g. "layer1.0.conv2"
    type: str                        # class name, e.g. "Conv2d"
    output_shape: tuple[int, ...]    # without the batch axis, e.g. (64, 56, 56)
    params: int                      # the module's own parameters
    macs: int                        # multiply-adds for one image
    receptive_field: ReceptiveField | None  # None: the whole input (or unknown geometry)


@dataclass
class Summary:
    """The result of :func:`summary`: ``rows`` (one :class:`LayerRow` per leaf-module call)
    and totals. ``str(summary)`` is the table."""

    input_shape: tuple[int, ...]
    rows: list[LayerRow] = field(default_factory=list)
    total_params: int = 0
    trainable_params: int = 0

    @property
    def total_macs(self) -> int:
        """Multiply-adds of one forward pass of one image."""
        return sum(row.macs for row in self.rows)

    def __getitem__(self, name: str) -> LayerRow:
        """The (first) row of the module called ``name``."""
        for row in self.rows:
            if row.name == name:
                return row
        raise KeyError(f"no layer named {name!r} in this summary")

    def __str__(self) -> str:
        header = ("Layer", "Type", "Output shape", "Params", "MACs", "RF", "Jump", "Eff. pad")
        body = [(row.name, row.type, _shape_text(row.output_shape), f"{row.params:,}",
                 f"{row.macs:,}", *_field_texts(row.receptive_field)) for row in self.rows]
        widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]
        left_aligned = 3  # name, type and shape columns; numbers align right

        def render(line: tuple[str, ...]) -> str:
            return "  ".join(text.ljust(width) if i < left_aligned else text.rjust(width)
                             for i, (text, width) in enumerate(zip(line, widths)))

        rule = "-" * len(render(header))
        totals = [f"Input shape: {_shape_text(self.input_shape)}",
                  f"Total params: {self.total_params:,}",
                  f"Trainable params: {self.trainable_params:,}",
                  f"Non-trainable params: {self.total_params - self.trainable_params:,}",
                  f"Total MACs: {self.total_macs:,} ({self.total_macs / 1e9:.3f} G)",
                  "RF: receptive field in input pixels; '-': the whole input (after "
                  "Flatten/Linear/adaptive pooling)"]
        return "\n".join([rule, render(header), rule, *map(render, body), rule, *totals])


def summary(model: Module, input_shape: tuple[int, ...], device: str = "cpu") -> Summary:
    """Run ``model`` once on zeros and describe every leaf module call (see the module
    docstring).

    input_shape: one sample, ``(C, H, W)`` such as ``(3, 224, 224)`` or ``(features,)``, run
    as a batch of 1; or a whole batch, ``(N, C, H, W)`` or ``(N, features)``, as PyTorch
    code writes it. Output shapes and MACs are per sample either way. device: where the
    model's parameters are. The model runs in eval mode under ``mg.no_grad()``; every
    module's training flag is restored afterwards.

    >>> import layers as nn
    >>> model = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    ...                       nn.Flatten(), nn.Linear(8 * 14 * 14, 10))
    >>> report = nn.summary(model, (1, 28, 28))
    >>> report.total_params, report.total_macs
    (15770, 72128)
    >>> report["2"].output_shape, report["2"].receptive_field.size
    ((8, 14, 14), (4, 4))
    >>> print(report)  # doctest: +ELLIPSIS
    ------------------------------------------------------------------
    Layer  Type       Output shape  Params    MACs  RF  Jump  Eff. pad
    ------------------------------------------------------------------
    0      Conv2d     8×28×28           80  56,448   3     1         1
    1      ReLU       8×28×28            0       0   3     1         1
    2      MaxPool2d  8×14×14            0       0   4     2         1
    3      Flatten    1568               0       0   -     -         -
    4      Linear     10            15,690  15,680   -     -         -
    ------------------------------------------------------------------
    Input shape: 1×28×28
    Total params: 15,770
    Trainable params: 15,770
    Non-trainable params: 0
    Total MACs: 72,128 (0.000 G)
    RF: receptive field in input pixels; ...
    """
    image = mg.zeros(*_batch_shape(input_shape), device=device)
    report = Summary(input_shape=tuple(input_shape))
    fields = _FieldTracker(image)
    names = {id(module): name for name, module in model.named_modules()}
    leaves = [module for module in model.modules() if next(module.children(), None) is None]
    modes = [(module, module.training) for module in model.modules()]
    handles = [leaf.register_forward_hook(_recorder(names[id(leaf)] or type(leaf).__name__,
                                                    report, fields))
               for leaf in leaves]
    try:
        model.eval()
        with mg.no_grad():
            model(image)
    finally:
        for handle in handles:
            handle.remove()
        for module, training in modes:
            module.training = training
    params = list(model.parameters())
    report.total_params = sum(p.numel() for p in params)
    report.trainable_params = sum(p.numel() for p in params if p.requires_grad)
    return report


def _batch_shape(input_shape: tuple[int, ...]) -> tuple[int, ...]:
    """The shape of the batch to run: ``input_shape`` with a batch axis of 1 put in front of a
    single sample (rank 1 or 3), as given for a batch (rank 2 or 4)."""
    shape = tuple(input_shape)
    if len(shape) not in (1, 2, 3, 4) or min(shape) < 1:
        raise ValueError(f"summary: input_shape must be one sample, (C, H, W) or (features,), "
                         f"or a batch, (N, C, H, W) or (N, features), of positive sizes; got "
                         f"{shape} ({len(shape)} dimensions)")
    return (1, *shape) if len(shape) in (1, 3) else shape


# ---- per-layer arithmetic ----------------------------------------------------------------------
def _recorder(name: str, report: Summary, fields: _FieldTracker) -> Callable[..., None]:
    """The forward hook of one leaf module: append its row to ``report``."""

    def hook(module: Module, inputs: tuple[object, ...], output: object) -> None:
        x = next((value for value in inputs if isinstance(value, Tensor)), None)
        if x is None or not isinstance(output, Tensor):
            return
        receptive_field = _output_field(module, fields.lookup(x), x, output)
        fields.record(output, receptive_field)
        report.rows.append(LayerRow(
            name=name, type=type(module).__name__, output_shape=tuple(output.shape[1:]),
            params=sum(p.numel() for p in module.parameters(recurse=False)),
            macs=_macs(module, x, output) // x.shape[0], receptive_field=receptive_field))

    return hook


def _macs(module: Module, x: Tensor, y: Tensor) -> int:
    """Multiply-adds of one call on the whole batch (bias not counted)."""
    if isinstance(module, Conv2d):  # every output value is a (C_in/groups)·kH·kW dot product
        return y.numel() * (module.in_channels // module.groups) * _area(module.kernel_size)
    if isinstance(module, ConvTranspose2d):  # every input value is spread over C_out/groups·k²
        return x.numel() * (module.out_channels // module.groups) * _area(module.kernel_size)
    if isinstance(module, Linear):
        return y.numel() * module.in_features
    return 0


def _area(kernel_size: int | Pair) -> int:
    kernel_h, kernel_w = pair(kernel_size)
    return kernel_h * kernel_w


def _output_field(module: Module, field_in: ReceptiveField | None, x: Tensor,
                  y: Tensor) -> ReceptiveField | None:
    """The receptive field of ``module``'s output given its input's."""
    if field_in is None or isinstance(module, (Linear, Flatten)):
        return None
    if isinstance(module, Conv2d):  # padding may be "same": its top/left part shifts the field
        top_left, _ = conv_padding(module.padding, module.kernel_size, module.stride,
                                   module.dilation)
        return field_in.through(module.kernel_size, module.stride, top_left, module.dilation)
    if isinstance(module, MaxPool2d):
        return field_in.through(pair(module.kernel_size), pair(module.stride),
                                pair(module.padding), pair(module.dilation))
    if isinstance(module, AvgPool2d):
        return field_in.through(pair(module.kernel_size), pair(module.stride),
                                pair(module.padding))
    # Everything else keeps the field if it keeps the grid: BatchNorm, activations, LRN,
    # Dropout, Identity (pointwise in space) and adaptive pooling to the input's own size.
    # Adaptive pooling that resizes (its windows depend on the input size) and layers of
    # unknown geometry (ConvTranspose2d, custom ones) give None.
    same_grid = y.ndim == x.ndim == 4 and y.shape[2:] == x.shape[2:]
    return field_in if same_grid else None


class _FieldTracker:
    """The receptive field of every tensor seen in the pass, keyed by identity."""

    def __init__(self, network_input: Tensor) -> None:
        # id -> (weak reference, field): the reference tells a live tensor from a dead
        # one whose id Python has reused; weak, so activations are freed as usual.
        self._by_id: dict[int, tuple[weakref.ref, ReceptiveField | None]] = {}
        self._history: list[tuple[tuple[int, ...], ReceptiveField]] = []  # (H, W), field
        self.record(network_input, ReceptiveField())

    def record(self, tensor: Tensor, receptive_field: ReceptiveField | None) -> None:
        self._by_id[id(tensor)] = (weakref.ref(tensor), receptive_field)
        if receptive_field is not None and tensor.ndim == 4:
            self._history.append((tuple(tensor.shape[2:]), receptive_field))

    def lookup(self, tensor: Tensor) -> ReceptiveField | None:
        """The field of ``tensor``; for a tensor made between modules, the merge rule
        (decided once, then remembered: all consumers of a merge see the same field)."""
        entry = self._by_id.get(id(tensor))
        if entry is not None and entry[0]() is tensor:
            return entry[1]
        merged = self._merge(tensor)
        self.record(tensor, merged)
        return merged

    def _merge(self, tensor: Tensor) -> ReceptiveField | None:
        """The largest field among the tensors seen so far on the same spatial grid
        (the latest one on ties); None for a non-image tensor or an unknown grid."""
        if tensor.ndim != 4:
            return None
        grid = tuple(tensor.shape[2:])
        candidates = [rf for shape, rf in reversed(self._history) if shape == grid]
        return max(candidates, key=lambda rf: rf.size, default=None)


def _shape_text(shape: tuple[int, ...]) -> str:
    return "×".join(map(str, shape))


def _field_texts(receptive_field: ReceptiveField | None) -> tuple[str, str, str]:
    """(size, jump, effective padding) for the table; "7" for 7×7, "7×11" otherwise."""
    if receptive_field is None:
        return ("-", "-", "-")
    return tuple(str(a) if a == b else f"{a}×{b}"
                 for a, b in (receptive_field.size, receptive_field.jump,
                              receptive_field.padding))
