"""The names PyTorch programs use that are not ops: dtypes, devices, ``mg.cuda`` /
``mg.accelerator`` / ``mg.backends``, ``Tensor.type``/``size()``/``__index__``/``t()``/``to``
in PyTorch's forms, the factories and utilities of the tutorials, ``mg.load``'s PyTorch
arguments, and ``torch.utils.data``'s spelling. Checked against PyTorch where it has a value
to compare; the op table (op_table.py) checks the differentiable ones (split, chunk, einsum).
"""
import operator

import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip("torch")


# ---- dtypes ------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["float32", "float", "float64", "double", "float16", "half",
                                  "int64", "long", "int32", "int", "int16", "short", "int8",
                                  "uint8", "bool"])
def test_dtype_names_are_pytorchs(name):
    ours = getattr(mg, name)
    theirs = getattr(torch, name)
    assert isinstance(ours, np.dtype)
    assert str(ours) == str(theirs).replace("torch.", "")
    for make in (lambda: mg.zeros(2, dtype=ours), lambda: mg.tensor([1, 0], dtype=ours),
                 lambda: mg.ones(3).to(ours), lambda: mg.ones(3).type(ours),
                 lambda: mg.arange(2, dtype=ours)):
        assert make().dtype == ours


def test_default_dtype_and_dtype_comparisons():
    assert mg.get_default_dtype() == mg.float32 == str(torch.get_default_dtype())[6:]
    assert mg.tensor([1.5]).dtype == mg.float and mg.tensor([1]).dtype == mg.long


# ---- devices ---------------------------------------------------------------------------
def test_device_is_a_canonical_device_string():
    cpu = mg.device("cpu")
    assert cpu == "cpu" and str(cpu) == "cpu" and repr(cpu) == "device(type='cpu')"
    assert (cpu.type, cpu.index) == ("cpu", None)
    gpu = mg.device("cuda", 1)
    assert gpu == mg.device("cuda:1") == "cuda:1" and repr(gpu) == "device(type='cuda', index=1)"
    assert (gpu.type, gpu.index) == ("cuda", 1) and mg.device("cuda") == "cuda:0"
    assert {cpu: 1}["cpu"] == 1  # hashes as its string
    x = mg.ones(2, requires_grad=True)
    assert x.to(cpu).device == cpu and mg.zeros(2, device=cpu).device == "cpu"
    with pytest.raises(ValueError, match="unknown device 'mps'"):
        mg.device("mps")


def test_cuda_accelerator_and_backends_answer_without_a_gpu():
    assert mg.cuda.is_available() is mg.cuda_is_available() is torch.cuda.is_available()
    assert mg.cuda.device_count() == 0 == torch.cuda.device_count()
    assert mg.accelerator.is_available() is False and mg.accelerator.device_count() == 0
    assert mg.accelerator.current_accelerator() is None
    assert mg.backends.mps.is_available() is False
    assert mg.backends.cudnn.is_available() is False
    mg.backends.cudnn.benchmark = True  # a training script's setting: accepted, no effect


def test_module_to_takes_a_device_object():
    import layers as nn
    layer = nn.Linear(2, 3).to(mg.device("cpu"))
    assert layer.weight.device == "cpu"


# ---- Tensor methods ----------------------------------------------------------------------
@pytest.mark.parametrize("values, dtype", [([3], "int64"), (2, "int32"), ([[1]], "uint8"),
                                           (True, "bool")])
def test_index_turns_one_integer_element_into_an_int(values, dtype):
    ours, theirs = mg.tensor(values, dtype=dtype), torch.tensor(values, dtype=getattr(torch, dtype))
    assert operator.index(ours) == operator.index(theirs)
    assert list("abcd")[ours] == list("abcd")[theirs]


@pytest.mark.parametrize("values", [[1.0], [1, 2], 0.0])
def test_index_refuses_what_pytorch_refuses(values):
    with pytest.raises(TypeError):
        operator.index(torch.tensor(values))
    with pytest.raises(TypeError, match="only integer tensors of a single element"):
        operator.index(mg.tensor(values))


def test_type_names_and_casts():
    for dtype in ["float32", "float64", "float16", "uint8", "int8", "int16", "int32", "int64",
                  "bool"]:
        ours, theirs = mg.zeros(2, dtype=dtype), torch.zeros(2, dtype=getattr(torch, dtype))
        assert ours.type() == theirs.type().replace("torch.", "minigrad.")
        assert ours.type(theirs.type()).dtype == dtype   # "torch.LongTensor" names work too
    x = mg.tensor([1.5, -2.0], requires_grad=True)
    y = x.type(mg.float64)
    (y * y).sum().backward()
    assert y.dtype == mg.float64 and x.grad.dtype == mg.float32
    np.testing.assert_allclose(x.grad.numpy(), [3.0, -4.0])


def test_size_is_the_count_and_callable_like_pytorch():
    ours, theirs = mg.zeros(2, 3, 4), torch.zeros(2, 3, 4)
    assert ours.size == 24 == ours.numel() == mg.numel(ours) == torch.numel(theirs)
    assert ours.size() == tuple(theirs.size())
    assert [ours.size(d) for d in (0, 1, -1)] == [theirs.size(d) for d in (0, 1, -1)]
    assert ours.view(ours.size(0), -1).shape == (2, 12)
    with pytest.raises(IndexError, match="out of range"):
        ours.size(3)


def test_numpy_conversion_follows_pytorchs_rules():
    """np.asarray / matplotlib on a CPU tensor work; a tensor that requires grad refuses (as
    PyTorch), so NumPy never drops a graph silently; operators still give Tensors."""
    x = mg.tensor([[1.0, 4.0]])
    assert np.asarray(x).tolist() == np.asarray(torch.tensor([[1.0, 4.0]])).tolist()
    assert np.sqrt(x).tolist() == [[1.0, 2.0]] and np.asarray(x, dtype=np.int64).dtype == np.int64
    assert mg.tensor([mg.tensor(1.0), mg.tensor(2.0)]).tolist() == [1.0, 2.0]
    weights = mg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="requires grad.*detach"):
        np.asarray(weights)
    for y in (np.ones(2) * weights, np.float64(2.0) + weights, np.ones(2) < weights):
        assert isinstance(y, mg.Tensor)
    assert (np.ones(2) * weights).requires_grad


@pytest.mark.parametrize("values", [[[0, 3], [5, 0]], 5, 0, [0.0, 1.0, 2.0], [[False]]])
def test_nonzero_and_one_argument_where_match_pytorch(values):
    ours, theirs = mg.tensor(values), torch.tensor(values)
    assert ours.nonzero().dtype == mg.int64 and ours.nonzero().shape == tuple(theirs.nonzero().shape)
    assert ours.nonzero().tolist() == theirs.nonzero().tolist()
    assert [i.tolist() for i in mg.where(ours)] == [i.tolist() for i in torch.where(theirs)]
    assert [i.tolist() for i in ours.nonzero(as_tuple=True)] == \
        [i.tolist() for i in theirs.nonzero(as_tuple=True)]


def test_masked_fill_keeps_the_dtype_and_refuses_a_mask_that_grows_the_tensor():
    mask = [True, False, True]
    for values, value in (([1, 2, 3], 2.7), ([1.0, 2.0, 3.0], 7), ([True, False, True], 0)):
        ours = mg.tensor(values).masked_fill(mg.tensor(mask), value)
        theirs = torch.tensor(values).masked_fill(torch.tensor(mask), value)
        assert str(ours.dtype) == str(theirs.dtype)[6:] and ours.tolist() == theirs.tolist()
    with pytest.raises(ValueError, match="does not broadcast to the tensor's shape"):
        mg.ones(3).masked_fill(mg.tensor([[True], [False]]), 0.0)


def test_one_hot_matches_pytorch():
    import minigrad.functional as F
    for values, classes in (([[1, 0], [3, 2]], -1), (2, 4), ([0, 1], 5)):
        assert F.one_hot(mg.tensor(values), classes).tolist() == \
            torch.nn.functional.one_hot(torch.tensor(values), classes).tolist()
    assert F.one_hot(mg.tensor([1]), 3).dtype == mg.int64
    with pytest.raises(IndexError, match=r"must be in 0\.\.2, got 5\.\.5"):
        F.one_hot(mg.tensor([5]), 3)
    with pytest.raises(TypeError, match="integer class indices"):
        F.one_hot(mg.tensor([1.0]), 3)


def test_is_cuda_and_contiguous():
    x = mg.ones(2, 3)
    assert x.is_cuda is False and x.T.contiguous().shape == (3, 2)


def test_t_transposes_up_to_two_dims():
    x = np.arange(6.0).reshape(2, 3)
    for values in (x, x[0], np.float64(2.0)):
        assert mg.tensor(values).t().tolist() == torch.tensor(values).t().tolist()
    with pytest.raises(ValueError, match="at most 2 dimensions"):
        mg.zeros(2, 2, 2).t()


def test_to_in_pytorchs_forms():
    x = mg.ones(2)
    assert x.to("cpu", mg.float64).dtype == mg.float64
    assert x.to(device="cpu", dtype=mg.half).dtype == mg.float16
    assert x.to(mg.zeros(1, dtype=mg.int32)).dtype == mg.int32
    assert x.to("cpu", non_blocking=True).device == "cpu"


def test_all_any_isclose_allclose_match_pytorch():
    values = np.array([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]])
    ours, theirs = mg.tensor(values), torch.tensor(values)
    for dim in (None, 0, 1):
        for name in ("all", "any"):
            got = getattr(ours, name)() if dim is None else getattr(ours, name)(dim=dim)
            want = getattr(theirs, name)() if dim is None else getattr(theirs, name)(dim=dim)
            assert got.dtype == mg.bool and got.tolist() == want.tolist()
    other = values + np.array([1e-9, 1e-3, 0.0])
    for kwargs in ({}, {"rtol": 1e-2}, {"atol": 1e-2, "rtol": 0}):
        assert mg.isclose(ours, mg.tensor(other), **kwargs).tolist() == \
            torch.isclose(theirs, torch.tensor(other), **kwargs).tolist()
        assert mg.allclose(ours, mg.tensor(other), **kwargs) == \
            torch.allclose(theirs, torch.tensor(other), **kwargs)
    nan = mg.tensor([float("nan"), float("inf")])
    assert mg.isclose(nan, nan).tolist() == [False, True]
    assert mg.isclose(nan, nan, equal_nan=True).tolist() == [True, True]


# ---- factories -------------------------------------------------------------------------
def test_linspace_eye_and_the_like_factories_match_pytorch():
    np.testing.assert_allclose(mg.linspace(-1, 2, 7).numpy(), torch.linspace(-1, 2, 7).numpy())
    assert mg.linspace(0, 1, 5).dtype == mg.float32 and mg.linspace(0, 1, 0).shape == (0,)
    assert mg.eye(3, 2).tolist() == torch.eye(3, 2).tolist()
    base = mg.zeros(2, 3, dtype=mg.float64)
    for like in (mg.rand_like(base), mg.randn_like(base), mg.full_like(base, 7.0)):
        assert like.shape == (2, 3) and like.dtype == mg.float64
    assert mg.full_like(base, 7.0).tolist() == [[7.0] * 3] * 2


def test_randint_and_randperm():
    mg.manual_seed(0)
    draws = mg.randint(3, 7, (200,))
    assert draws.dtype == mg.int64 and draws.shape == (200,)
    assert set(draws.tolist()) == {3, 4, 5, 6}
    assert mg.randint(10, size=(1,)).item() in range(10)    # the data tutorial's call
    assert mg.randint(5, (2, 2), dtype=mg.int32).dtype == mg.int32
    assert sorted(mg.randperm(6).tolist()) == list(range(6))
    mg.manual_seed(1)
    first = mg.randperm(10).tolist()
    mg.manual_seed(1)
    assert mg.randperm(10).tolist() == first
    with pytest.raises(ValueError, match="high"):
        mg.randint(5, 5, (2,))
    with pytest.raises(TypeError, match="randint"):
        mg.randint(5)


def test_is_tensor():
    assert mg.is_tensor(mg.zeros(1)) and not mg.is_tensor(np.zeros(1))


def test_split_and_chunk_match_pytorch():
    values = np.arange(14.0).reshape(7, 2)
    ours, theirs = mg.tensor(values), torch.tensor(values)
    cases = [(lambda t: t.split(3), lambda t: t.split(3)),
             (lambda t: mg.split(t, [2, 5]), lambda t: torch.split(t, [2, 5])),
             (lambda t: t.split(1, dim=1), lambda t: t.split(1, dim=1)),
             (lambda t: t.chunk(3), lambda t: t.chunk(3)),
             (lambda t: mg.chunk(t, 4, dim=0), lambda t: torch.chunk(t, 4, dim=0)),
             (lambda t: t.chunk(5, dim=-1), lambda t: t.chunk(5, dim=-1))]
    for fn_ours, fn_theirs in cases:
        assert [p.tolist() for p in fn_ours(ours)] == [p.tolist() for p in fn_theirs(theirs)]
    with pytest.raises(ValueError, match="do not add up to 7"):
        ours.split([2, 2])
    with pytest.raises(ValueError, match="chunks must be positive"):
        ours.chunk(0)


def test_einsum_refuses_what_it_does_not_support():
    a = mg.ones(2, 2)
    with pytest.raises(ValueError, match="repeats a letter"):
        mg.einsum("ii->i", a)
    with pytest.raises(ValueError, match="only letters"):
        mg.einsum("...i->i", a)
    with pytest.raises(ValueError, match="letter 'j' has sizes 2 and 3"):
        mg.einsum("ij,jk->ik", a, mg.ones(3, 2))
    with pytest.raises(TypeError, match="different dtypes"):
        mg.einsum("ij,jk->ik", a, mg.ones(2, 2, dtype=mg.float64))
    assert mg.einsum("ij,jk", [a, a]).tolist() == [[2.0, 2.0], [2.0, 2.0]]  # implicit, a list


# ---- loading, data -----------------------------------------------------------------------
def test_load_takes_weights_only_and_map_location(tmp_path):
    path = tmp_path / "model.pth"
    mg.save({"w": mg.tensor([1.0, 2.0])}, path)
    for kwargs in ({"weights_only": True}, {"weights_only": False},
                   {"map_location": mg.device("cpu")}, {"map_location": "cpu"}):
        loaded = mg.load(path, **kwargs)
        assert loaded["w"].tolist() == [1.0, 2.0] and loaded["w"].device == "cpu"


def test_utils_data_is_torch_utils_data():
    from minigrad.utils.data import DataLoader, TensorDataset, random_split
    inputs, targets = mg.randn(10, 3), mg.linspace(0, 1, 10)
    dataset = TensorDataset(inputs, targets)
    assert len(dataset) == 10 and dataset[-1][1].item() == 1.0
    batches = list(DataLoader(dataset, batch_size=4))
    assert [x.shape for x, _ in batches] == [(4, 3), (4, 3), (2, 3)]
    assert batches[0][1].dtype == mg.float32  # float targets keep their dtype
    np.testing.assert_allclose(batches[2][1].numpy(), targets.numpy()[8:])
    labels = next(iter(DataLoader(TensorDataset(inputs, mg.arange(10)), batch_size=10)))[1]
    assert labels.dtype == mg.int64 and labels.tolist() == list(range(10))
    with pytest.raises(ValueError, match="one first size"):
        TensorDataset(inputs, mg.zeros(3))


def test_random_split_counts_and_fractions():
    from minigrad.utils.data import random_split
    data = list(range(10))
    mg.manual_seed(0)
    parts = random_split(data, [3, 7])
    assert [len(p) for p in parts] == [3, 7]
    assert sorted(parts[0].indices + parts[1].indices) == data
    assert [len(p) for p in random_split(data, [0.25, 0.75])] == \
        [len(p) for p in torch.utils.data.random_split(data, [0.25, 0.75])]
    with pytest.raises(ValueError, match="do not split a dataset of 10"):
        random_split(data, [3, 3])


def test_to_tensor_is_torchvisions():
    """HWC uint8 -> CHW float32 in [0, 1] as a Tensor (torchvision: img.permute(2, 0, 1) / 255);
    Normalize then keeps it a Tensor."""
    from minigrad.data import transforms
    image = np.random.default_rng(0).integers(0, 256, (4, 5, 3)).astype(np.uint8)
    tensor = transforms.ToTensor()(image)
    expected = torch.tensor(image).permute(2, 0, 1).float() / 255
    assert isinstance(tensor, mg.Tensor) and tensor.dtype == mg.float32
    np.testing.assert_allclose(tensor.numpy(), expected.numpy(), rtol=1e-6)
    assert transforms.ToTensor()(image[..., 0]).shape == (1, 4, 5)  # grayscale H×W
    normalized = transforms.Normalize((0.5, 0.4, 0.3), (0.2, 0.2, 0.2))(tensor)
    mean, std = torch.tensor([0.5, 0.4, 0.3])[:, None, None], 0.2
    assert isinstance(normalized, mg.Tensor)
    np.testing.assert_allclose(normalized.numpy(), ((expected - mean) / std).numpy(), rtol=1e-5)
