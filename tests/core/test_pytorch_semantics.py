"""PyTorch's names, type promotion and edge cases, checked against PyTorch itself.

The op table (op_table.py) checks values and gradients of the differentiable ops; this file
checks what the table cannot: result dtypes, NaN and empty-tensor behaviour, shapes of mixed
indexing, the answers that used to be wrong (each test here failed before its fix), and
the error messages.
"""
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg
import minigrad.functional as F

torch = pytest.importorskip("torch")

DTYPES = ["bool", "uint8", "int8", "int32", "int64", "float16", "float32", "float64"]
SCALARS = [True, 3, -2, 0.5, 2.0]


def _ours(values: np.ndarray) -> mg.Tensor:
    return mg.tensor(values)


def _theirs(values: np.ndarray):
    return torch.tensor(values)


def _sample(dtype: str, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """Small positive values of ``dtype`` (no overflow, no division by zero)."""
    if dtype == "bool":
        return rng.random(shape) > 0.5
    return rng.integers(1, 5, shape).astype(dtype)


def _assert_same(ours: mg.Tensor, theirs) -> None:
    """Same dtype, shape and values (NaN equal to NaN)."""
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", ""), (ours.dtype, theirs.dtype)
    assert ours.shape == tuple(theirs.shape)
    np.testing.assert_allclose(ours.numpy().astype(np.float64),
                               theirs.numpy().astype(np.float64), rtol=2e-3, equal_nan=True)


# ---- type promotion ---------------------------------------------------------------------
BINARY = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
          "truediv": lambda a, b: a / b, "pow": lambda a, b: a ** b, "maximum": None,
          "minimum": None, "where": None}
CONDITION = np.array([True, False, True])


def _binary(name, a, b, lib):
    if BINARY[name] is not None:
        return BINARY[name](a, b)
    if name == "where":
        return lib.where(lib.tensor(CONDITION), a, b)
    return getattr(lib, name)(a, b)


def _same_or_both_refuse(ours_fn, theirs_fn):
    """Compare dtypes and values, or check that minigrad refuses what PyTorch refuses."""
    try:
        theirs = theirs_fn()
    except (RuntimeError, IndexError, ValueError, TypeError):  # pow on bools, max of nothing
        with pytest.raises((TypeError, ValueError, RuntimeError, IndexError)):
            ours_fn()
        return
    _assert_same(ours_fn(), theirs)


@settings(max_examples=150, deadline=None)
@given(da=st.sampled_from(DTYPES), db=st.sampled_from(DTYPES), op=st.sampled_from(sorted(BINARY)),
       zero_d=st.sampled_from(["none", "first", "second"]))
def test_tensor_tensor_promotion_matches_pytorch(da, db, op, zero_d):
    if op == "sub" and "bool" in (da, db):
        return  # PyTorch refuses - on bools
    rng = np.random.default_rng(0)
    a = _sample(da, () if zero_d == "first" else (3,), rng)
    b = _sample(db, () if zero_d == "second" else (3,), rng)
    _same_or_both_refuse(lambda: _binary(op, _ours(a), _ours(b), mg),
                         lambda: _binary(op, _theirs(a), _theirs(b), torch))


@settings(max_examples=150, deadline=None)
@given(dtype=st.sampled_from(DTYPES), scalar=st.sampled_from(SCALARS),
       op=st.sampled_from(["add", "sub", "mul", "truediv", "pow", "maximum", "where", "rsub",
                           "rtruediv", "rpow", "rwhere"]))
def test_python_scalars_never_widen_a_tensor(dtype, scalar, op):
    if (op in ("rsub", "sub") and (dtype == "bool" or isinstance(scalar, bool))) or \
            (op == "rpow" and dtype == "bool"):
        return  # PyTorch refuses these
    if op == "pow" and dtype == "bool" and isinstance(scalar, bool):
        return  # minigrad refuses bool ** bool always; PyTorch only for two tensors
    values = _sample(dtype, (3,), np.random.default_rng(1))
    fns = {"add": lambda t, lib: t + scalar, "sub": lambda t, lib: t - scalar,
           "mul": lambda t, lib: t * scalar, "truediv": lambda t, lib: t / scalar,
           "pow": lambda t, lib: t ** scalar, "rsub": lambda t, lib: scalar - t,
           "rtruediv": lambda t, lib: scalar / t, "rpow": lambda t, lib: scalar ** t,
           "where": lambda t, lib: lib.where(lib.tensor(CONDITION), t, scalar),
           "rwhere": lambda t, lib: lib.where(lib.tensor(CONDITION), scalar, t)}
    if op == "maximum":
        ours = mg.maximum(_ours(values), scalar)
        theirs = torch.maximum(_theirs(values), torch.tensor(scalar))
        _assert_same(ours, theirs.to(torch.result_type(_theirs(values), scalar)))
        return
    _same_or_both_refuse(lambda: fns[op](_ours(values), mg), lambda: fns[op](_theirs(values), torch))


REDUCTIONS = ["sum", "mean", "amax", "amin", "var", "std", "prod", "argmax", "all", "any",
              "softmax", "log_softmax", "cumsum"]


@settings(max_examples=200, deadline=None)
@given(shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3),
       name=st.sampled_from(REDUCTIONS), data=st.data())
def test_reductions_on_edge_shapes_match_pytorch(shape, name, data):
    """0-d tensors, empty axes, negative dims, keepdim: the same result (values, dtype, shape)
    as PyTorch, or an error where PyTorch raises one."""
    ndim = len(shape)
    dims = [None] + list(range(-max(ndim, 1), max(ndim, 1)))
    if name in ("softmax", "log_softmax", "cumsum"):
        dims = dims[1:]  # these need a dim
    dim = data.draw(st.sampled_from(dims), label="dim")
    keepdim = data.draw(st.booleans(), label="keepdim")
    values = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    kwargs = {} if dim is None else ({"dim": dim} if name in ("softmax", "log_softmax", "cumsum")
                                     else {"dim": dim, "keepdim": keepdim})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # var/std with too few elements warn in both
        _same_or_both_refuse(lambda: getattr(_ours(values), name)(**kwargs),
                             lambda: getattr(_theirs(values), name)(**kwargs))


def test_the_reported_promotions_give_float32():
    assert (mg.tensor([1, 2]) * 0.5).dtype == np.float32
    assert (mg.tensor([1, 2], dtype="int32") / mg.tensor([2, 4], dtype="int32")).dtype == np.float32
    assert (0.7 ** mg.tensor([1, 2])).dtype == np.float32
    assert mg.maximum(mg.tensor([1, 2], dtype="int32"), 1.5).dtype == np.float32
    assert (mg.tensor([1.0], dtype="float16") * 3.0).dtype == np.float16
    assert (mg.tensor([1.0]) + mg.tensor(2.0, dtype="float64")).dtype == np.float32


def test_promotion_keeps_gradients_in_each_inputs_dtype():
    a = mg.tensor([1.0, 2.0], requires_grad=True)                       # float32
    b = mg.tensor([3.0, 4.0], dtype="float64", requires_grad=True)
    (a * b).sum().backward()
    assert (a * b).dtype == np.float64
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float64
    np.testing.assert_allclose(a.grad.numpy(), [3.0, 4.0])


@pytest.mark.parametrize("fn, message", [
    (lambda a, b: a @ b, r"matmul: the first operand is float32 but the second operand is float64"),
    (lambda a, b: F.linear(a, b), r"linear: the input is float32 but the weight is float64"),
    (lambda a, b: F.linear(a, a.T.detach().reshape(2, 2), b[0]),
     r"linear: the input is float32 but the bias is float64"),
])
def test_mixed_float_dtypes_in_matrix_products_raise(fn, message):
    a = mg.ones(2, 2)
    b = mg.ones(2, 2, dtype="float64")
    with pytest.raises(TypeError, match=message):
        fn(a, b)


# ---- names ---------------------------------------------------------------------------
def test_pytorch_spellings_from_the_issue_run():
    x = mg.tensor([[1.0, -2.0, 3.0], [4.0, 5.0, -6.0]])
    tx = torch.tensor(x.numpy())
    _assert_same(F.log_softmax(x, dim=1), torch.nn.functional.log_softmax(tx, dim=1))
    _assert_same(x.sum(dim=1, keepdim=True), tx.sum(dim=1, keepdim=True))
    _assert_same(x.argmax(dim=1), tx.argmax(dim=1))
    _assert_same(x.argmax(dim=1, keepdim=True), tx.argmax(dim=1, keepdim=True))
    _assert_same(x.reshape(2, 3, 1).flatten(start_dim=1), tx.reshape(2, 3, 1).flatten(start_dim=1))
    _assert_same(x.var(correction=0), tx.var(correction=0))
    _assert_same(x.neg(), tx.neg())
    _assert_same(x.pow(2), tx.pow(2))
    _assert_same(abs(x), abs(tx))
    _assert_same(round(x * 0.3), torch.round(tx * 0.3))
    pred = x.argmax(dim=1, keepdim=True)
    target = mg.tensor([2, 1])
    _assert_same(pred.eq(target.view_as(pred)), tx.argmax(1, keepdim=True).eq(
        torch.tensor([2, 1]).view_as(tx.argmax(1, keepdim=True))))
    assert pred.eq(target.view_as(pred)).sum().item() == 2


def test_tensor_methods_a_tutorial_uses():
    x = mg.tensor([[3.0, 1.0, 2.0], [0.5, 4.0, 4.0]])
    tx = torch.tensor(x.numpy())
    for name, args in [("add", (1.0,)), ("sub", (x,)), ("mul", (2,)), ("div", (x,)),
                       ("ne", (1.0,)), ("lt", (2.0,)), ("le", (2.0,)), ("gt", (2.0,)),
                       ("ge", (2.0,)), ("int", ()), ("long", ()), ("bool", ()), ("float", ()),
                       ("double", ()), ("std", ()), ("prod", ()), ("cumsum", (1,)),
                       ("argsort", ()), ("clamp", (1.0, 3.0)), ("view", (3, 2)),
                       ("reshape_as", (x.T,)), ("expand_as", (mg.zeros(4, 2, 3),))]:
        converted = [torch.tensor(a.numpy()) if isinstance(a, mg.Tensor) else a for a in args]
        _assert_same(getattr(x, name)(*args), getattr(tx, name)(*converted))
    values, indices = x.topk(2, dim=1)
    t_values, t_indices = tx.topk(2, dim=1)
    _assert_same(values, t_values)
    _assert_same(indices, t_indices)
    _assert_same(x.sort(dim=0, descending=True).indices, tx.sort(dim=0, descending=True).indices)
    _assert_same(x.max(dim=1).indices, tx.max(dim=1).indices)
    _assert_same(mg.max(x, mg.ones(3) * 2), torch.max(tx, torch.ones(3) * 2))
    for name in ["std", "prod", "topk", "sort", "argsort", "cumsum"]:
        assert callable(getattr(mg, name))
    assert x.dim() == 2


def test_transpose_has_pytorchs_meaning():
    x = mg.randn(2, 3, 4)
    assert x.transpose(0, 2).shape == (4, 3, 2)
    assert x.transpose(1, -1).shape == (2, 4, 3)
    assert x.permute(2, 0, 1).shape == (4, 2, 3) and x.permute((2, 0, 1)).shape == (4, 2, 3)
    assert x.T.shape == (4, 3, 2) and x.mT.shape == (2, 4, 3)
    with pytest.raises(TypeError, match=r"transpose\(dim0, dim1\) swaps two axes.*permute"):
        x.transpose(2, 0, 1)
    with pytest.raises(ValueError, match=r"at least 2 dimensions.*\(3,\)"):
        mg.randn(3).mT


def test_dim_and_axis_together_is_an_error():
    with pytest.raises(TypeError, match="both dim=0 and axis=1"):
        mg.zeros(2, 3).sum(dim=0, axis=1)


# ---- the answers that used to be wrong -------------------------------------------------
def test_vector_dot_vector_is_0d():
    y = mg.tensor([1.0, 2.0, 3.0]) @ mg.tensor([1.0, 1.0, 1.0])
    assert y.shape == () and y.item() == 6.0


@pytest.mark.parametrize("base, exponent", [
    ([0.0, 2.0], [0.0, 0.0]),          # x ** 0 at x = 0: d/dx = 0
    ([0.0, 0.0], [0.5, 2.0]),          # 0 ** y: d/dy = 0
    ([0.0, 1.5], [1.0, 3.0]),          # x ** y at x = 0
])
def test_pow_gradients_at_base_zero_match_pytorch(base, exponent):
    a = mg.tensor(base, dtype="float64", requires_grad=True)
    b = mg.tensor(exponent, dtype="float64", requires_grad=True)
    ta = torch.tensor(base, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(exponent, dtype=torch.float64, requires_grad=True)
    (a ** b).sum().backward()
    (ta ** tb).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy())      # inf for 0 ** 0.5, as torch
    np.testing.assert_allclose(b.grad.numpy(), tb.grad.numpy())
    assert np.isfinite(b.grad.numpy()).all()


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("name", ["relu", "relu6"])
def test_activation_gradients_at_their_kinks_match_pytorch(name, create_graph):
    values = [-1.0, 0.0, 2.5, 6.0, 7.0]          # 0 and 6 exactly: PyTorch gives 0 there
    upstream = [0.3, -1.7, 0.9, 2.2, -0.4]
    x = mg.tensor(values, dtype="float64", requires_grad=True)
    tx = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    (getattr(F, name)(x) * mg.tensor(upstream, dtype="float64")).sum().backward(
        create_graph=create_graph)
    (getattr(torch.nn.functional, name)(tx) * torch.tensor(upstream, dtype=torch.float64)
     ).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())


def test_scalar_exponent_zero_and_scalar_base_zero():
    x = mg.tensor([0.0, 1.0], requires_grad=True)
    (x ** 0.0).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]
    y = mg.tensor([0.0, 2.0], requires_grad=True)
    (0.0 ** y).sum().backward()
    assert y.grad.tolist() == [0.0, 0.0]


def test_max_over_nan_routes_the_gradient_to_the_nans():
    values = [[1.0, math.nan, 3.0, math.nan], [1.0, 5.0, 5.0, 2.0]]
    x = mg.tensor(values, requires_grad=True)
    tx = torch.tensor(values, requires_grad=True)
    x.max().backward()
    tx.max().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())      # 0.5 at each NaN
    x.grad = None
    x.min().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())
    x.grad, tx.grad = None, None
    x.max(dim=1).values.sum().backward()                                  # to the index
    tx.max(dim=1).values.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())
    x.grad = None
    x.amax(dim=1).sum().backward()       # torch.amax gives NaN everywhere; we share like max()
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 0.5, 0, 0.5], [0, 0.5, 0.5, 0]])


def test_float32_sums_along_strided_axes_are_accurate():
    rng = np.random.default_rng(0)
    values = (rng.random((5_000_000, 2)) * 10).astype(np.float32)
    exact = values.astype(np.float64).sum(axis=0)
    x = mg.tensor(values)
    for result in (x.sum(dim=0), x.mean(dim=0) * 5_000_000, x.T.sum(dim=1)):
        np.testing.assert_allclose(result.numpy(), exact, rtol=1e-6)
    mean = exact / 5_000_000
    var = ((values.astype(np.float64) - mean) ** 2).sum(axis=0) / (5_000_000 - 1)
    np.testing.assert_allclose(x.var(dim=0).numpy(), var, rtol=1e-5)


def test_batch_norm_statistics_of_a_large_batch_are_accurate():
    rng = np.random.default_rng(1)
    values = (rng.random((2_000_000, 2)) + 100).astype(np.float32)   # large mean, small spread
    running_mean, running_var = mg.zeros(2), mg.ones(2)
    F.batch_norm(mg.tensor(values), running_mean, running_var, training=True, momentum=1.0)
    np.testing.assert_allclose(running_mean.numpy(), values.astype(np.float64).mean(0), rtol=1e-6)
    np.testing.assert_allclose(running_var.numpy(), values.astype(np.float64).var(0, ddof=1),
                               rtol=1e-3)


# ---- edge cases PyTorch accepts --------------------------------------------------------
def test_where_with_two_scalars():
    cond = np.array([True, False, True])
    _assert_same(mg.where(mg.tensor(cond), 4, 2), torch.where(torch.tensor(cond), 4, 2))
    _assert_same(mg.where(mg.tensor(cond), 4.0, 2), torch.where(torch.tensor(cond), 4.0, 2))
    _assert_same(mg.where(mg.tensor(cond), mg.tensor([1, 2, 3], dtype="int32"), 0.5),
                 torch.where(torch.tensor(cond), torch.tensor([1, 2, 3], dtype=torch.int32), 0.5))


@pytest.mark.parametrize("dim", [0, -1])
@pytest.mark.parametrize("name", ["sum", "mean", "amax", "amin", "prod", "argmax", "argmin",
                                  "softmax", "log_softmax", "squeeze", "cumsum", "unsqueeze"])
def test_dim_0_and_minus_1_on_a_0d_tensor(name, dim):
    x, tx = mg.tensor(2.5), torch.tensor(2.5)
    _assert_same(getattr(x, name)(dim), getattr(tx, name)(dim))
    with pytest.raises(ValueError, match="out of range"):
        getattr(x, name)(1) if name != "unsqueeze" else x.unsqueeze(2)


def test_max_with_dim_on_a_0d_tensor():
    values, indices = mg.tensor(2.5).max(0)
    assert values.item() == 2.5 and indices.shape == () and indices.item() == 0


def test_squeeze_of_a_non_unit_dim_is_a_no_op():
    x = mg.zeros(3, 1, 4)
    assert x.squeeze(0).shape == (3, 1, 4)
    assert x.squeeze((0, 1)).shape == (3, 4) == tuple(torch.zeros(3, 1, 4).squeeze((0, 1)).shape)


def test_mean_of_an_empty_axis_is_nan_and_var_of_too_few_is_nan_or_inf():
    _assert_same(mg.zeros(0, 3).mean(dim=0), torch.zeros(0, 3).mean(dim=0))
    with pytest.warns(RuntimeWarning, match="degrees of freedom"):
        _assert_same(mg.tensor([5.0]).var(), torch.tensor([5.0]).var())
    with pytest.warns(RuntimeWarning, match="degrees of freedom"):
        _assert_same(mg.tensor([1.0, 2.0]).var(correction=3),
                     torch.tensor([1.0, 2.0]).var(correction=3))
    with pytest.warns(RuntimeWarning, match="degrees of freedom"):
        _assert_same(mg.tensor([[1.0, 2.0]]).std(dim=0), torch.tensor([[1.0, 2.0]]).std(dim=0))


def _index_item(draw, size):
    """One item of an index for an axis of ``size``: an int, a slice or an int array."""
    kind = draw(st.sampled_from(["int", "slice", "array"]))
    if kind == "int":
        return draw(st.integers(-size, size - 1))
    if kind == "slice":
        return slice(draw(st.integers(0, size)), None, draw(st.integers(1, 2)))
    return np.array(draw(st.lists(st.integers(0, size - 1), min_size=1, max_size=3)))


@settings(max_examples=80, deadline=None)
@given(shape=hnp.array_shapes(min_dims=2, max_dims=4, min_side=1, max_side=4), data=st.data())
def test_mixed_indexing_matches_pytorch(shape, data):
    count = data.draw(st.integers(1, len(shape)))
    index = [_index_item(data.draw, size) for size in shape[:count]]
    if data.draw(st.booleans()):                      # a new axis somewhere
        index.insert(data.draw(st.integers(0, len(index))), None)
    shortest = min((len(i) for i in index if isinstance(i, np.ndarray)), default=0)
    index = [i[:shortest] if isinstance(i, np.ndarray) else i for i in index]  # broadcastable
    values = np.arange(math.prod(shape), dtype=np.float32).reshape(shape)
    x = mg.tensor(values, requires_grad=True)
    tx = torch.tensor(values, requires_grad=True)
    y, ty = x[tuple(index)], tx[tuple(index)]
    assert y.shape == tuple(ty.shape), index
    np.testing.assert_array_equal(y.numpy(), ty.detach().numpy())
    g = np.random.default_rng(0).standard_normal(y.shape).astype(np.float32)
    y.backward(mg.tensor(g))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-6)


def test_integer_slice_array_gives_pytorchs_shape():
    x = mg.zeros(2, 3, 4)
    assert x[0, :, mg.tensor([1, 2, 3, 0, 1])].shape == (3, 5)   # NumPy would give (5, 3)


@pytest.mark.parametrize("dim", [0, 1])
def test_empty_batch_through_softmax(dim):
    x = mg.zeros(0, 4, requires_grad=True)
    for ours, theirs in [(F.softmax, torch.nn.functional.softmax),
                         (F.log_softmax, torch.nn.functional.log_softmax)]:
        y = ours(x, dim=dim)
        assert y.shape == tuple(theirs(torch.zeros(0, 4), dim=dim).shape)
        y.sum().backward()
        assert x.grad.shape == (0, 4)


@pytest.mark.parametrize("shape", [(0, 3), (0, 3, 4, 4)])
def test_empty_batch_through_train_mode_batch_norm(shape):
    import layers
    running_mean, running_var = mg.zeros(3), mg.ones(3)
    weight = mg.ones(3, requires_grad=True)
    x = mg.zeros(*shape, requires_grad=True)
    y = F.batch_norm(x, running_mean, running_var, weight, mg.zeros(3), training=True)
    assert y.shape == shape
    assert running_mean.tolist() == [0.0] * 3 and running_var.tolist() == [1.0] * 3
    y.sum().backward()
    assert x.grad.shape == shape and weight.grad.tolist() == [0.0] * 3
    bn = layers.BatchNorm2d(3) if len(shape) == 4 else layers.BatchNorm1d(3)
    assert bn(mg.zeros(*shape)).shape == shape


def test_numpy_scalars_keep_their_dtype():
    assert mg.tensor(np.float64(1.5)).dtype == np.float64
    assert mg.tensor(1.5).dtype == np.float32


def test_warnings_only_where_pytorch_warns():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mg.tensor([1.0, 2.0]).var()
        mg.zeros(0, 3).mean(0)
