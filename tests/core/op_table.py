"""The op table: one entry per differentiable tensor op, driving the generic tests.

Each entry says how to call the op in minigrad and (optionally) in PyTorch, how
to make sample inputs (float64 NumPy arrays), and where the op has kinks.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

import minigrad as mg


@dataclass
class OpCase:
    name: str
    fn: Callable[..., Any]                       # minigrad: takes Tensors
    make_inputs: Callable[[np.random.Generator], list[np.ndarray]]
    torch_fn: Callable[..., Any] | None = None   # the same op on torch tensors
    kinks: tuple[float, ...] = ()
    extra: dict = field(default_factory=dict)

    def __repr__(self) -> str:
        return self.name


def normal(*shape):
    return lambda rng: [rng.standard_normal(shape)]


def normals(*shapes):
    return lambda rng: [rng.standard_normal(s) for s in shapes]


def positive(*shapes):
    return lambda rng: [rng.uniform(0.5, 2.0, s) for s in shapes]


def distinct(*shape):
    """Values with no ties (for max/min/maximum)."""
    def make(rng):
        n = int(np.prod(shape))
        return [(rng.permutation(n) + rng.uniform(0.1, 0.9, n)).reshape(shape) / n]
    return make


def _bool_mask(shape, seed=7):
    return np.random.default_rng(seed).random(shape) > 0.4


MASK = _bool_mask((4, 5))
INT_INDEX = np.array([0, 2, 2, 3, 0])
WHERE_COND = _bool_mask((3, 4), seed=3)

CASES = [
    OpCase("add", lambda a, b: a + b, normals((3, 4), (3, 4)), lambda a, b: a + b),
    OpCase("add_broadcast", lambda a, b: a + b, normals((2, 3, 4), (3, 1)), lambda a, b: a + b),
    OpCase("radd_scalar", lambda a: 2.5 + a, normal(3, 4), lambda a: 2.5 + a),
    OpCase("sub_broadcast", lambda a, b: a - b, normals((4, 1), (1, 5)), lambda a, b: a - b),
    OpCase("rsub_scalar", lambda a: 1.0 - a, normal(3), lambda a: 1.0 - a),
    OpCase("mul_broadcast", lambda a, b: a * b, normals((2, 3, 4), (4,)), lambda a, b: a * b),
    OpCase("div", lambda a, b: a / b, lambda r: [r.standard_normal((3, 4)), r.uniform(0.5, 2, (3, 4))],
           lambda a, b: a / b),
    OpCase("rdiv_scalar", lambda a: 1.0 / a, positive((3, 4)), lambda a: 1.0 / a),
    OpCase("neg", lambda a: -a, normal(3, 4), lambda a: -a),
    OpCase("pow_scalar", lambda a: a ** 3, normal(3, 4), lambda a: a ** 3),
    OpCase("pow_fractional", lambda a: a ** 1.5, positive((3, 4)), lambda a: a ** 1.5),
    OpCase("pow_tensor", lambda a, b: a ** b, lambda r: [r.uniform(0.5, 2, (3, 4)), r.standard_normal((3, 4))],
           lambda a, b: a ** b),
    OpCase("rpow_scalar", lambda a: 2.0 ** a, normal(3, 4), lambda a: 2.0 ** a),
    OpCase("matmul", lambda a, b: a @ b, normals((3, 4), (4, 5)), lambda a, b: a @ b),
    OpCase("matmul_batched_broadcast", lambda a, b: a @ b, normals((2, 1, 3, 4), (3, 4, 2)),
           lambda a, b: a @ b),
    OpCase("matmul_vec_mat", lambda a, b: a @ b, normals((4,), (4, 3)), lambda a, b: a @ b),
    OpCase("matmul_mat_vec", lambda a, b: a @ b, normals((2, 3, 4), (4,)), lambda a, b: a @ b),
    OpCase("sum_all", lambda a: a.sum(), normal(3, 4), lambda a: a.sum()),
    OpCase("sum_axes_keepdims", lambda a: a.sum(axis=(0, 2), keepdims=True), normal(2, 3, 4),
           lambda a: a.sum(dim=(0, 2), keepdim=True)),
    OpCase("mean_axis", lambda a: a.mean(axis=-1), normal(3, 4), lambda a: a.mean(dim=-1)),
    OpCase("var_unbiased", lambda a: a.var(axis=1), normal(3, 5), lambda a: a.var(dim=1)),
    OpCase("var_biased_all", lambda a: a.var(unbiased=False), normal(3, 5),
           lambda a: a.var(unbiased=False)),
    OpCase("max_axis", lambda a: a.max(axis=1), distinct(3, 5), lambda a: a.amax(dim=1)),
    OpCase("min_all", lambda a: a.min(), distinct(3, 5), lambda a: a.amin()),
    OpCase("reshape", lambda a: a.reshape(4, -1), normal(2, 3, 4), lambda a: a.reshape(4, -1)),
    OpCase("transpose", lambda a: a.transpose(0, 2), normal(2, 3, 4), lambda a: a.transpose(0, 2)),
    OpCase("permute", lambda a: a.permute(1, 0, 2), normal(2, 3, 4), lambda a: a.permute(1, 0, 2)),
    OpCase("T", lambda a: a.T, normal(3, 4), lambda a: a.T),
    OpCase("flatten", lambda a: a.flatten(1), normal(2, 3, 4), lambda a: a.flatten(1)),
    OpCase("squeeze", lambda a: a.squeeze(1), normal(3, 1, 4), lambda a: a.squeeze(1)),
    OpCase("unsqueeze", lambda a: a.unsqueeze(-1), normal(3, 4), lambda a: a.unsqueeze(-1)),
    OpCase("broadcast_to", lambda a: a.broadcast_to(2, 3, 4), normal(3, 1),
           lambda a: a.broadcast_to((2, 3, 4))),
    OpCase("getitem_slice", lambda a: a[1:, ::2, None], normal(3, 5), lambda a: a[1:, ::2, None]),
    OpCase("getitem_int_array_repeats", lambda a: a[INT_INDEX], normal(4, 3),
           lambda a: a[INT_INDEX]),
    OpCase("getitem_bool_mask", lambda a: a[MASK], normal(4, 5), lambda a: a[MASK]),
    OpCase("getitem_mixed", lambda a: a[..., INT_INDEX[:3], 1], normal(2, 4, 3),
           lambda a: a[..., INT_INDEX[:3], 1]),
    OpCase("pad", lambda a: a.pad(((1, 0), (2, 1))), normal(3, 4),
           lambda a: __import__("torch").nn.functional.pad(a, (2, 1, 1, 0))),
    OpCase("exp", lambda a: a.exp(), normal(3, 4), lambda a: a.exp()),
    OpCase("log", lambda a: a.log(), positive((3, 4)), lambda a: a.log()),
    OpCase("sqrt", lambda a: a.sqrt(), positive((3, 4)), lambda a: a.sqrt()),
    OpCase("abs", lambda a: a.abs(), normal(3, 4), lambda a: a.abs(), kinks=(0.0,)),
    OpCase("clip", lambda a: a.clip(-0.5, 0.7), normal(3, 4), lambda a: a.clamp(-0.5, 0.7),
           kinks=(-0.5, 0.7)),
    OpCase("maximum", lambda a, b: mg.maximum(a, b), normals((3, 4), (4,)),
           lambda a, b: __import__("torch").maximum(a, b)),
    OpCase("minimum", lambda a, b: mg.minimum(a, b), normals((3, 4), (3, 4)),
           lambda a, b: __import__("torch").minimum(a, b)),
    OpCase("where", lambda a, b: mg.where(mg.tensor(WHERE_COND, device=a.device), a, b),
           normals((3, 4), (4,)),
           lambda a, b: __import__("torch").where(__import__("torch").tensor(WHERE_COND), a, b)),
    OpCase("relu", lambda a: a.relu(), normal(3, 4), lambda a: a.relu(), kinks=(0.0,)),
    OpCase("sigmoid", lambda a: a.sigmoid(), normal(3, 4), lambda a: a.sigmoid()),
    OpCase("tanh", lambda a: a.tanh(), normal(3, 4), lambda a: a.tanh()),
    OpCase("softmax", lambda a: a.softmax(axis=0), normal(3, 4), lambda a: a.softmax(dim=0)),
    OpCase("log_softmax", lambda a: a.log_softmax(axis=-1), normal(3, 4),
           lambda a: a.log_softmax(dim=-1)),
    OpCase("concatenate", lambda a, b: mg.concatenate([a, b, a], axis=1), normals((2, 3), (2, 1)),
           lambda a, b: __import__("torch").cat([a, b, a], dim=1)),
    OpCase("stack", lambda a, b: mg.stack([a, b], axis=1), normals((2, 3), (2, 3)),
           lambda a, b: __import__("torch").stack([a, b], dim=1)),
]



def with_zeros(*shape):
    """Normal values with about a third of them exactly 0 (for prod's gradient at 0)."""
    def make(rng):
        values = rng.standard_normal(shape)
        values[rng.random(shape) < 0.35] = 0.0
        return [values]
    return make


def torch_module():
    import torch
    return torch


GATHER_INDEX = np.array([[0, 2, 2, 1], [3, 0, 1, 1], [4, 4, 0, 2]])
MIXED_INDEX = np.array([3, 0, 1, 3, 2])

# PyTorch's names and meanings: dim/keepdim, transpose(dim0, dim1), .T/.mT, the tutorial
# methods (neg, pow, std, prod, cumsum, topk, sort, gather, flip, abs(), max(dim)).
CASES += [
    OpCase("transpose_negative_dims", lambda a: a.transpose(-1, 1), normal(2, 3, 4),
           lambda a: a.transpose(-1, 1)),
    OpCase("T_reverses_all_axes", lambda a: a.T, normal(2, 3, 4), lambda a: a.permute(2, 1, 0)),
    OpCase("mT", lambda a: a.mT, normal(2, 3, 4), lambda a: a.mT),
    OpCase("sum_dim_keepdim", lambda a: a.sum(dim=1, keepdim=True), normal(3, 4, 2),
           lambda a: a.sum(dim=1, keepdim=True)),
    OpCase("sum_0d_dim_minus_1", lambda a: a.sum(dim=-1), normal(), lambda a: a.sum(dim=-1)),
    OpCase("mean_dim_tuple", lambda a: mg.mean(a, dim=(0, 2)), normal(2, 3, 4),
           lambda a: a.mean(dim=(0, 2))),
    OpCase("var_correction_0", lambda a: a.var(dim=1, correction=0), normal(3, 5),
           lambda a: a.var(dim=1, correction=0)),
    OpCase("var_unbiased_false_keepdim", lambda a: a.var(0, unbiased=False, keepdim=True),
           normal(4, 3), lambda a: a.var(0, unbiased=False, keepdim=True)),
    OpCase("std_dim", lambda a: a.std(dim=0), normal(4, 3), lambda a: a.std(dim=0)),
    OpCase("std_all_correction_2", lambda a: mg.std(a, correction=2), normal(3, 4),
           lambda a: a.std(correction=2)),
    OpCase("prod_all", lambda a: a.prod(), positive((2, 3)), lambda a: a.prod()),
    OpCase("prod_dim_odd_size", lambda a: a.prod(dim=1), normal(3, 5), lambda a: a.prod(dim=1)),
    OpCase("prod_dim_keepdim_with_zeros", lambda a: mg.prod(a, 0, keepdim=True), with_zeros(6, 4),
           lambda a: a.prod(0, keepdim=True)),
    OpCase("cumsum", lambda a: a.cumsum(dim=1), normal(3, 4), lambda a: a.cumsum(dim=1)),
    OpCase("cumsum_first_dim", lambda a: mg.cumsum(a, 0), normal(4, 2, 3),
           lambda a: a.cumsum(0)),
    OpCase("topk_values", lambda a: a.topk(2, dim=1).values, distinct(3, 5),
           lambda a: a.topk(2, dim=1).values),
    OpCase("topk_smallest_dim0", lambda a: mg.topk(a, 3, dim=0, largest=False).values,
           distinct(4, 3), lambda a: a.topk(3, dim=0, largest=False).values),
    OpCase("sort_descending_values", lambda a: a.sort(dim=-1, descending=True).values,
           distinct(3, 4), lambda a: a.sort(dim=-1, descending=True).values),
    OpCase("sort_dim0_values", lambda a: mg.sort(a, 0).values, distinct(4, 3),
           lambda a: a.sort(0).values),
    OpCase("max_dim_values", lambda a: a.max(dim=1).values, distinct(3, 5),
           lambda a: a.max(dim=1).values),
    OpCase("min_dim_keepdim_values", lambda a: a.min(0, keepdim=True)[0], distinct(4, 3),
           lambda a: a.min(0, keepdim=True)[0]),
    OpCase("amax_dims", lambda a: a.amax(dim=(0, 2)), distinct(2, 3, 4),
           lambda a: a.amax(dim=(0, 2))),
    OpCase("gather_repeats", lambda a: a.gather(1, mg.tensor(GATHER_INDEX, device=a.device)),
           normal(3, 5),
           lambda a: a.gather(1, torch_module().tensor(GATHER_INDEX))),
    OpCase("flip", lambda a: a.flip((0, 2)), normal(2, 3, 4), lambda a: a.flip((0, 2))),
    OpCase("neg_method", lambda a: a.neg(), normal(3, 4), lambda a: a.neg()),
    OpCase("pow_method", lambda a: a.pow(3), normal(3, 4), lambda a: a.pow(3)),
    OpCase("pow_zero_exponent", lambda a: a ** 0.0, normal(3, 4), lambda a: a ** 0.0),
    OpCase("abs_builtin", lambda a: abs(a), normal(3, 4), lambda a: abs(a), kinks=(0.0,)),
    OpCase("matmul_vec_vec", lambda a, b: a @ b, normals((4,), (4,)), lambda a, b: a @ b),
    OpCase("matmul_vec_batched", lambda a, b: a @ b, normals((4,), (2, 4, 3)),
           lambda a, b: a @ b),
    OpCase("softmax_0d", lambda a: a.softmax(dim=0), normal(), lambda a: a.softmax(dim=0)),
    OpCase("log_softmax_0d", lambda a: a.log_softmax(-1), normal(), lambda a: a.log_softmax(-1)),
    OpCase("squeeze_non_unit_dim_noop", lambda a: a.squeeze(0), normal(3, 1),
           lambda a: a.squeeze(0)),
    OpCase("getitem_int_slice_array", lambda a: a[1, :, MIXED_INDEX], normal(2, 3, 4),
           lambda a: a[1, :, MIXED_INDEX]),
    OpCase("getitem_array_slice_int", lambda a: a[MIXED_INDEX[:2], ..., 0, :2], normal(4, 2, 3, 5),
           lambda a: a[MIXED_INDEX[:2], ..., 0, :2]),
    OpCase("flatten_start_end_dim", lambda a: a.flatten(start_dim=1, end_dim=2),
           normal(2, 3, 4, 2), lambda a: a.flatten(start_dim=1, end_dim=2)),
    OpCase("cat_dim", lambda a, b: mg.cat([a, b], dim=-1), normals((2, 3), (2, 2)),
           lambda a, b: torch_module().cat([a, b], dim=-1)),
    OpCase("stack_dim", lambda a, b: mg.stack([a, b], dim=2), normals((2, 3), (2, 3)),
           lambda a, b: torch_module().stack([a, b], dim=2)),
]

# ---- minigrad.functional ----------------------------------------------------------------
import minigrad.functional as F  # noqa: E402


def tF():
    import torch.nn.functional
    return torch.nn.functional


TARGET = np.array([1, 0, 4, 2])
RUNNING_MEAN = np.array([0.1, -0.2, 0.3])
RUNNING_VAR = np.array([0.5, 1.5, 2.0])


def _running(device_of):
    return (mg.tensor(RUNNING_MEAN, device=device_of.device),
            mg.tensor(RUNNING_VAR, device=device_of.device))


FUNCTIONAL_CASES = [
    OpCase("linear", F.linear, normals((3, 4), (5, 4), (5,)), lambda *a: tF().linear(*a)),
    OpCase("linear_no_bias_3d", F.linear, normals((2, 3, 4), (5, 4)),
           lambda *a: tF().linear(*a)),
    OpCase("linear_1d", F.linear, normals((4,), (5, 4), (5,)), lambda *a: tF().linear(*a)),
    OpCase("softmax_dim_functional", lambda x: F.softmax(x, dim=1), normal(2, 3, 2),
           lambda x: tF().softmax(x, dim=1)),
    OpCase("log_softmax_dim_functional", lambda x: F.log_softmax(x, dim=0), normal(3, 4),
           lambda x: tF().log_softmax(x, dim=0)),
    OpCase("conv2d", lambda x, w, b: F.conv2d(x, w, b, padding=1), normals((2, 3, 5, 5), (4, 3, 3, 3), (4,)),
           lambda x, w, b: tF().conv2d(x, w, b, padding=1)),
    OpCase("conv2d_grouped_strided_dilated",
           lambda x, w: F.conv2d(x, w, stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=2),
           normals((1, 4, 7, 6), (6, 2, 3, 2)),
           lambda x, w: tF().conv2d(x, w, stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=2)),
    OpCase("conv2d_depthwise_multiplier2", lambda x, w: F.conv2d(x, w, padding=1, stride=2, groups=3),
           normals((2, 3, 5, 5), (6, 1, 3, 3)),
           lambda x, w: tF().conv2d(x, w, padding=1, stride=2, groups=3)),
    OpCase("conv_transpose2d",
           lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1),
           normals((1, 4, 3, 3), (4, 3, 3, 3), (3,)),
           lambda x, w, b: tF().conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1)),
    OpCase("conv_transpose2d_grouped", lambda x, w: F.conv_transpose2d(x, w, groups=2, dilation=2),
           normals((1, 4, 3, 4), (4, 1, 3, 3)),
           lambda x, w: tF().conv_transpose2d(x, w, groups=2, dilation=2)),
    OpCase("max_pool2d", lambda x: F.max_pool2d(x, 3, 2, 1), distinct(1, 2, 6, 6),
           lambda x: tF().max_pool2d(x, 3, 2, 1)),
    OpCase("max_pool2d_dilated", lambda x: F.max_pool2d(x, (2, 3), 1, 0, 2), distinct(1, 2, 6, 7),
           lambda x: tF().max_pool2d(x, (2, 3), 1, 0, 2)),
    OpCase("avg_pool2d", lambda x: F.avg_pool2d(x, 3, 2, 1, count_include_pad=False),
           normal(1, 2, 6, 5), lambda x: tF().avg_pool2d(x, 3, 2, 1, count_include_pad=False)),
    OpCase("adaptive_avg_pool2d", lambda x: F.adaptive_avg_pool2d(x, (3, 4)), normal(1, 2, 5, 7),
           lambda x: tF().adaptive_avg_pool2d(x, (3, 4))),
    OpCase("batch_norm_train", lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
           lambda r: [r.standard_normal((4, 3, 2, 2)) * 2 + 1, r.standard_normal(3), r.standard_normal(3)],
           lambda x, w, b: tF().batch_norm(x, None, None, w, b, training=True)),
    OpCase("batch_norm_train_weight_only_2d",
           lambda x, w: F.batch_norm(x, None, None, w, training=True),
           lambda r: [r.standard_normal((5, 3)) * 2 + 1, r.standard_normal(3)],
           lambda x, w: tF().batch_norm(x, None, None, w, training=True)),
    OpCase("batch_norm_train_bias_only",
           lambda x, b: F.batch_norm(x, None, None, None, b, training=True),
           lambda r: [r.standard_normal((3, 2, 4)) - 1, r.standard_normal(2)],
           lambda x, b: tF().batch_norm(x, None, None, None, b, training=True)),
    OpCase("batch_norm_train_no_affine", lambda x: F.batch_norm(x, None, None, training=True),
           lambda r: [r.standard_normal((2, 3, 2, 3)) * 3],
           lambda x: tF().batch_norm(x, None, None, training=True)),
    OpCase("batch_norm_eval", lambda x, w, b: F.batch_norm(x, *_running(x), w, b, training=False),
           normals((4, 3, 2, 2), (3,), (3,)),
           lambda x, w, b: tF().batch_norm(x, __import__("torch").tensor(RUNNING_MEAN, dtype=x.dtype),
                                           __import__("torch").tensor(RUNNING_VAR, dtype=x.dtype),
                                           w, b, training=False)),
    OpCase("local_response_norm", lambda x: F.local_response_norm(x, 3, alpha=0.1, k=2.0),
           normal(2, 5, 2, 2), lambda x: tF().local_response_norm(x, 3, alpha=0.1, k=2.0)),
    OpCase("cross_entropy_label_smoothing",
           lambda x: F.cross_entropy(x, mg.tensor(TARGET, device=x.device), label_smoothing=0.1),
           normal(4, 5),
           lambda x: tF().cross_entropy(x, __import__("torch").tensor(TARGET), label_smoothing=0.1)),
    OpCase("cross_entropy_sum_spatial",
           lambda x: F.cross_entropy(x, mg.tensor(TARGET.reshape(2, 2) % 3, device=x.device).reshape(2, 1, 2),
                                     reduction="sum"),
           normal(2, 3, 1, 2),
           lambda x: tF().cross_entropy(x, __import__("torch").tensor(TARGET.reshape(2, 2) % 3).reshape(2, 1, 2),
                                        reduction="sum")),
    OpCase("nll_loss", lambda x: F.nll_loss(x, mg.tensor(TARGET, device=x.device), reduction="none"),
           normal(4, 5), lambda x: tF().nll_loss(x, __import__("torch").tensor(TARGET), reduction="none")),
    OpCase("mse_loss", F.mse_loss, normals((3, 4), (3, 4)), lambda a, b: tF().mse_loss(a, b)),
    OpCase("leaky_relu", lambda x: F.leaky_relu(x, 0.2), normal(3, 4),
           lambda x: tF().leaky_relu(x, 0.2), kinks=(0.0,)),
    OpCase("relu6", lambda x: F.relu6(x * 4.0), normal(3, 4), lambda x: tF().relu6(x * 4.0),
           kinks=(0.0, 1.5)),
]
FUNCTIONAL_CASES.append(
    OpCase("max_pool2d_ceil_mode", lambda x: F.max_pool2d(x, 3, 2, 0, ceil_mode=True),
           distinct(1, 2, 6, 8), lambda x: tF().max_pool2d(x, 3, 2, 0, ceil_mode=True)))
CLASS_WEIGHT = np.array([0.5, 2.0, 1.0, 1.5, 0.7])
IGNORED_TARGET = np.array([1, -100, 4, 2])
FUNCTIONAL_CASES.append(
    OpCase("cross_entropy_weight_ignore_index",
           lambda x: F.cross_entropy(x, mg.tensor(IGNORED_TARGET, device=x.device),
                                     label_smoothing=0.1,
                                     weight=mg.tensor(CLASS_WEIGHT, dtype=x.dtype, device=x.device)),
           normal(4, 5),
           lambda x: tF().cross_entropy(x, __import__("torch").tensor(IGNORED_TARGET),
                                        label_smoothing=0.1,
                                        weight=__import__("torch").tensor(CLASS_WEIGHT, dtype=x.dtype))))
FUNCTIONAL_CASES += [
    OpCase("group_norm", lambda x: F.group_norm(x, 3), normal(2, 6, 3),
           lambda x: tF().group_norm(x, 3)),
    OpCase("group_norm_affine_2d_positions", lambda x, w, b: F.group_norm(x, 2, w, b, eps=1e-3),
           normals((2, 4, 2, 3), (4,), (4,)),
           lambda x, w, b: tF().group_norm(x, 2, w, b, eps=1e-3)),
    OpCase("group_norm_weight_only_no_positions", lambda x, w: F.group_norm(x, 2, w),
           normals((3, 6), (6,)), lambda x, w: tF().group_norm(x, 2, w)),
    OpCase("layer_norm", lambda x: F.layer_norm(x, 5), normal(3, 5),
           lambda x: tF().layer_norm(x, (5,))),
    OpCase("layer_norm_affine_two_dims", lambda x, w, b: F.layer_norm(x, (3, 4), w, b, eps=1e-3),
           normals((2, 3, 4), (3, 4), (3, 4)),
           lambda x, w, b: tF().layer_norm(x, (3, 4), w, b, eps=1e-3)),
    OpCase("layer_norm_weight_only_last_dim", lambda x, w: F.layer_norm(x, 4, w),
           normals((2, 3, 4), (4,)), lambda x, w: tF().layer_norm(x, (4,), w)),
]
# The teaching path (minigrad/functional/simple.py): im2col + matmul / max, against PyTorch.
FUNCTIONAL_CASES += [
    OpCase("conv2d_simple", lambda x, w, b: F.conv2d_simple(x, w, b, stride=2, padding=1),
           normals((2, 3, 5, 5), (4, 3, 3, 3), (4,)),
           lambda x, w, b: tF().conv2d(x, w, b, stride=2, padding=1)),
    OpCase("conv2d_simple_rectangular",
           lambda x, w: F.conv2d_simple(x, w, stride=(2, 1), padding=(1, 0)),
           normals((1, 2, 6, 5), (3, 2, 3, 2)),
           lambda x, w: tF().conv2d(x, w, stride=(2, 1), padding=(1, 0))),
    OpCase("max_pool2d_simple", lambda x: F.max_pool2d_simple(x, 3, 2, 1), distinct(1, 2, 6, 6),
           lambda x: tF().max_pool2d(x, 3, 2, 1)),
    OpCase("max_pool2d_simple_rectangular", lambda x: F.max_pool2d_simple(x, (2, 3), (1, 2), 1),
           distinct(2, 1, 5, 7), lambda x: tF().max_pool2d(x, (2, 3), (1, 2), 1)),
]

# PyTorch's names for cutting and combining: split/chunk (each piece scaled differently, so a
# gradient sent to the wrong piece shows), einsum, t().
CASES += [
    OpCase("split_sizes_dim1",
           lambda a: mg.cat([p * float(i + 1) for i, p in enumerate(a.split([1, 3], dim=1))], 1),
           normal(3, 4),
           lambda a: torch_module().cat([p * float(i + 1)
                                         for i, p in enumerate(a.split([1, 3], dim=1))], 1)),
    OpCase("chunk_uneven",
           lambda a: mg.cat([p * float(i + 1) for i, p in enumerate(mg.chunk(a, 3))]),
           normal(7, 2),
           lambda a: torch_module().cat([p * float(i + 1)
                                         for i, p in enumerate(torch_module().chunk(a, 3))])),
    OpCase("einsum_matmul", lambda a, b: mg.einsum("ij,jk->ik", a, b), normals((3, 4), (4, 2)),
           lambda a, b: torch_module().einsum("ij,jk->ik", a, b)),
    OpCase("einsum_batched_sum_out", lambda a, b: mg.einsum("bij,bj->i", a, b),
           normals((2, 3, 4), (2, 4)), lambda a, b: torch_module().einsum("bij,bj->i", a, b)),
    OpCase("einsum_letter_only_in_one_operand", lambda a, b: mg.einsum("ij,k->jk", a, b),
           normals((3, 2), (4,)), lambda a, b: torch_module().einsum("ij,k->jk", a, b)),
    OpCase("einsum_implicit_transpose", lambda a: mg.einsum("ji", a), normal(2, 3),
           lambda a: torch_module().einsum("ji", a)),
    OpCase("t", lambda a: a.t(), normal(3, 4), lambda a: a.t()),
    OpCase("repeat_more_dims", lambda a: a.repeat(2, 1, 3), normal(2, 3),
           lambda a: a.repeat(2, 1, 3)),
    OpCase("masked_fill", lambda a: a.masked_fill(mg.tensor(WHERE_COND[0], device=a.device), -1.5),
           normal(3, 4), lambda a: a.masked_fill(torch_module().tensor(WHERE_COND[0]), -1.5)),
    OpCase("sin", lambda a: mg.sin(a * 2.0), normal(3, 4), lambda a: (a * 2.0).sin()),
    OpCase("cos", lambda a: a.cos(), normal(3, 4), lambda a: a.cos()),
]

# The PyTorch modes of minigrad.functional: F.pad in each mode, padding="same"/"valid",
# output_padding that needs dilation > stride, avg_pool2d's ceil_mode and divisor_override,
# unbatched (one-sample) losses.
FUNCTIONAL_CASES += [
    OpCase(f"pad_{mode}", lambda x, mode=mode: F.pad(x, (2, 1, 1, 2), mode=mode),
           normal(2, 3, 4, 5),
           lambda x, mode=mode: tF().pad(x, (2, 1, 1, 2), mode=mode))
    for mode in ("constant", "reflect", "replicate", "circular")
] + [
    OpCase("pad_constant_value_and_crop", lambda x: F.pad(x, (1, -1, 0, 2), value=0.5),
           normal(2, 3, 4), lambda x: tF().pad(x, (1, -1, 0, 2), value=0.5)),
    OpCase("conv2d_padding_same_even_kernel_dilated",
           lambda x, w, b: F.conv2d(x, w, b, padding="same", dilation=(1, 2)),
           normals((2, 2, 5, 6), (3, 2, 2, 3), (3,)),
           lambda x, w, b: tF().conv2d(x, w, b, padding="same", dilation=(1, 2))),
    OpCase("conv2d_padding_valid", lambda x, w: F.conv2d(x, w, padding="valid", stride=2),
           normals((1, 2, 6, 5), (2, 2, 3, 3)),
           lambda x, w: tF().conv2d(x, w, padding="valid", stride=2)),
    OpCase("conv_transpose2d_output_padding_beyond_stride",
           lambda x, w: F.conv_transpose2d(x, w, stride=1, dilation=2, output_padding=1),
           normals((1, 2, 3, 4), (2, 3, 3, 3)),
           lambda x, w: tF().conv_transpose2d(x, w, stride=1, dilation=2, output_padding=1)),
    OpCase("conv_transpose2d_output_padding_rectangular",
           lambda x, w: F.conv_transpose2d(x, w, stride=(2, 3), padding=(1, 0),
                                           output_padding=(1, 2)),
           normals((2, 2, 3, 2), (2, 1, 3, 3)),
           lambda x, w: tF().conv_transpose2d(x, w, stride=(2, 3), padding=(1, 0),
                                              output_padding=(1, 2))),
    OpCase("avg_pool2d_ceil_mode", lambda x: F.avg_pool2d(x, 2, ceil_mode=True),
           normal(1, 2, 5, 5), lambda x: tF().avg_pool2d(x, 2, ceil_mode=True)),
    OpCase("avg_pool2d_ceil_padded_exclude_pad",
           lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
           normal(2, 1, 6, 5),
           lambda x: tF().avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False)),
    OpCase("avg_pool2d_ceil_padded_include_pad",
           lambda x: F.avg_pool2d(x, (3, 2), (2, 3), (1, 1), ceil_mode=True),
           normal(1, 2, 6, 7), lambda x: tF().avg_pool2d(x, (3, 2), (2, 3), (1, 1), ceil_mode=True)),
    OpCase("avg_pool2d_divisor_override",
           lambda x: F.avg_pool2d(x, 3, 2, 1, divisor_override=5), normal(1, 2, 6, 5),
           lambda x: tF().avg_pool2d(x, 3, 2, 1, divisor_override=5)),
    OpCase("avg_pool2d_divisor_override_ceil",
           lambda x: F.avg_pool2d(x, 2, 2, ceil_mode=True, divisor_override=3), normal(1, 1, 5, 4),
           lambda x: tF().avg_pool2d(x, 2, 2, ceil_mode=True, divisor_override=3)),
    OpCase("cross_entropy_unbatched",
           lambda x: F.cross_entropy(x, mg.tensor(3, device=x.device), label_smoothing=0.2),
           normal(5),
           lambda x: tF().cross_entropy(x, __import__("torch").tensor(3), label_smoothing=0.2)),
    OpCase("nll_loss_unbatched_weighted",
           lambda x: F.nll_loss(x, mg.tensor(1, device=x.device),
                                weight=mg.tensor(CLASS_WEIGHT, dtype=x.dtype, device=x.device)),
           normal(5),
           lambda x: tF().nll_loss(x, __import__("torch").tensor(1),
                                   weight=__import__("torch").tensor(CLASS_WEIGHT, dtype=x.dtype))),
]

# Binary cross-entropy: on probabilities, and on logits (values around 0 and far out, where a
# naive log(sigmoid) would overflow), with PyTorch's weight / pos_weight.
BCE_TARGET = np.array([[0.0, 1.0, 0.3], [1.0, 0.0, 0.8]])
POS_WEIGHT = np.array([0.5, 2.0, 1.5])


def probabilities(*shape):
    return lambda rng: [rng.uniform(0.05, 0.95, shape)]


def logits_wide(*shape):
    return lambda rng: [rng.standard_normal(shape) * np.array([1.0, 8.0, 30.0])]


FUNCTIONAL_CASES += [
    OpCase("binary_cross_entropy",
           lambda p: F.binary_cross_entropy(p, mg.tensor(BCE_TARGET, dtype=p.dtype, device=p.device)),
           probabilities(2, 3),
           lambda p: tF().binary_cross_entropy(p, torch_module().tensor(BCE_TARGET, dtype=p.dtype))),
    OpCase("binary_cross_entropy_with_logits_weighted",
           lambda z: F.binary_cross_entropy_with_logits(
               z, mg.tensor(BCE_TARGET, dtype=z.dtype, device=z.device),
               weight=mg.tensor(POS_WEIGHT[::-1].copy(), dtype=z.dtype, device=z.device),
               pos_weight=mg.tensor(POS_WEIGHT, dtype=z.dtype, device=z.device), reduction="sum"),
           logits_wide(2, 3),
           lambda z: tF().binary_cross_entropy_with_logits(
               z, torch_module().tensor(BCE_TARGET, dtype=z.dtype),
               weight=torch_module().tensor(POS_WEIGHT[::-1].copy(), dtype=z.dtype),
               pos_weight=torch_module().tensor(POS_WEIGHT, dtype=z.dtype), reduction="sum")),
    OpCase("binary_cross_entropy_with_logits", lambda z: F.binary_cross_entropy_with_logits(
               z, mg.tensor(BCE_TARGET, dtype=z.dtype, device=z.device), reduction="none"),
           logits_wide(2, 3), lambda z: tF().binary_cross_entropy_with_logits(
               z, torch_module().tensor(BCE_TARGET, dtype=z.dtype), reduction="none")),
]
