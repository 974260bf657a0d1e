"""minigrad.metrics.accuracy: a hand-checked example, ties, devices, torch.topk, bad input."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.metrics import accuracy

LOGITS = np.array([[0.1, 0.7, 0.2],     # target 1: rank 1
                   [0.5, 0.3, 0.2],     # target 2: rank 3
                   [0.2, 0.3, 0.5],     # target 1: rank 2
                   [1.0, 1.0, 0.0]],    # target 1: tie with class 0, which ranks first -> rank 2
                  dtype=np.float32)
TARGET = np.array([1, 2, 1, 1])


def test_hand_computed_example():
    assert accuracy(LOGITS, TARGET, topk=(1, 2, 3)) == (0.25, 0.75, 1.0)
    assert accuracy(LOGITS, TARGET) == (0.25,)
    assert accuracy(LOGITS, TARGET, topk=(3, 1)) == (1.0, 0.25)


def test_accepts_tensors_and_lists_and_returns_python_floats(device):
    logits = mg.tensor(LOGITS, device=device, requires_grad=True)
    target = mg.tensor(TARGET, device=device)
    result = accuracy(logits, target, topk=(1, 2))
    assert result == (0.25, 0.75) and all(type(x) is float for x in result)
    if device == "cpu":
        assert accuracy(LOGITS.tolist(), TARGET.tolist(), topk=[2]) == (0.75,)


def test_ties_rank_lower_class_first():
    logits = np.zeros((3, 4))
    assert accuracy(logits, np.array([0, 1, 3]), topk=(1, 2, 4)) == (1 / 3, 2 / 3, 1.0)


def test_matches_torch_topk():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((200, 10))
    target = rng.integers(0, 10, size=200)
    _, top = torch.from_numpy(logits).topk(5, dim=1)
    hits = top == torch.from_numpy(target)[:, None]
    expected = tuple(hits[:, :k].any(dim=1).double().mean().item() for k in (1, 3, 5))
    assert accuracy(logits, target, topk=(1, 3, 5)) == pytest.approx(expected, abs=1e-15)


@pytest.mark.parametrize("logits, target, topk, error, message", [
    (LOGITS, TARGET, (4,), ValueError, "topk k=4 is larger than the number of classes C=3"),
    (LOGITS, TARGET, (0,), ValueError, "positive integer"),
    (LOGITS, TARGET, (), ValueError, "at least one"),
    (LOGITS, TARGET, 2, TypeError, r"a sequence of k values such as \(1, 5\), got 2"),
    (LOGITS[0], TARGET, (1,), ValueError, r"logits must have shape \(N, C\), got shape \(3,\)"),
    (LOGITS, TARGET[:3], (1,), ValueError, r"target must have shape \(N,\) = \(4,\)"),
    (LOGITS, TARGET[:, None], (1,), ValueError, r"got shape \(4, 1\)"),
    (LOGITS, TARGET.astype(np.float32), (1,), TypeError, "integer class indices"),
    (LOGITS, np.array([0, 1, 3, 1]), (1,), ValueError, r"in \[0, 3\)"),
    (LOGITS[:0], TARGET[:0], (1,), ValueError, "empty batch"),
    (LOGITS.astype(bool), TARGET, (1,), TypeError, "floating point or signed integer"),
])
def test_bad_input(logits, target, topk, error, message):
    with pytest.raises(error, match=message):
        accuracy(logits, target, topk=topk)
