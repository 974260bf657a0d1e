"""Backprop semantics: accumulation, deep graphs, freeing, retain_graph, no_grad, hooks."""
import gc
import weakref

import numpy as np
import pytest

import minigrad as mg
from minigrad.autograd import Function


def test_gradients_accumulate_over_uses_and_calls():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    (x + x).sum().backward()                      # a + a gives 2
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0])
    (x * 3.0).sum().backward()                    # a second backward adds 3
    np.testing.assert_array_equal(x.grad.numpy(), [5.0, 5.0])
    x.grad = None
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0])


def test_diamond_graph_gets_both_contributions():
    x = mg.tensor(3.0, requires_grad=True)
    a = x * 2.0
    y = a * a + a.exp()                           # dy/dx = 2*(2a) + 2*e^a
    y.backward()
    assert x.grad.item() == pytest.approx(8 * 3.0 + 2 * np.exp(6.0))


def test_deep_chain_has_no_recursion_limit():
    x = mg.tensor(1.0, dtype=np.float64, requires_grad=True)
    y = x
    for _ in range(5000):
        y = y * 1.0001
    y.backward()
    assert x.grad.item() == pytest.approx(1.0001 ** 5000)


def test_graph_is_freed_after_backward():
    x = mg.randn(4, requires_grad=True)
    h = x * 2.0
    h_ref = weakref.ref(h)
    loss = (h * h).sum()                          # Mul saves h for backward
    del h
    gc.collect()
    assert h_ref() is not None                    # kept alive by the graph
    loss.backward()
    gc.collect()
    assert h_ref() is None                        # released by backward


def test_graph_is_freed_with_its_output_no_cycles():
    gc.disable()
    try:
        x = mg.randn(4, requires_grad=True)
        y = (x * 2.0).exp()
        node_ref = weakref.ref(y.grad_fn)
        del y                                     # reference counting alone frees it
        assert node_ref() is None
    finally:
        gc.enable()


def test_second_backward_raises_and_retain_graph_allows_it():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, 8.0])
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_no_grad_builds_no_graph_and_works_as_decorator():
    x = mg.randn(3, requires_grad=True)
    with mg.no_grad():
        y = x * 2.0
        with mg.enable_grad():
            z = x * 2.0
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad

    @mg.no_grad()
    def f(t):
        return t * t
    assert not f(x).requires_grad


def test_backward_on_non_scalar_needs_gradient():
    x = mg.randn(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"shape \(3,\)"):
        (x * 2.0).backward()
    (x * 2.0).backward(mg.tensor([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0, 6.0])


def test_create_graph_gives_second_derivative():
    x = mg.tensor(2.0, dtype=np.float64, requires_grad=True)
    y = x ** 3
    (g,) = mg.grad(y, x, create_graph=True)       # 3x^2 = 12
    assert g.item() == pytest.approx(12.0)
    g.backward()                                  # d(3x^2)/dx = 6x = 12
    assert x.grad.item() == pytest.approx(12.0)


def test_grad_does_not_touch_leaf_grads_and_reports_unused():
    x = mg.randn(3, requires_grad=True)
    w = mg.randn(3, requires_grad=True)
    (gx,) = mg.grad((x * 2.0).sum(), x)
    assert x.grad is None and np.allclose(gx.numpy(), 2.0)
    with pytest.raises(RuntimeError, match="not used"):
        mg.grad((x * 2.0).sum(), [x, w])
    assert mg.grad((x * 2.0).sum(), [x, w], allow_unused=True)[1] is None


def test_leaf_grads_never_alias():
    x = mg.randn(3, requires_grad=True)
    y = mg.randn(3, requires_grad=True)
    (x + y).sum().backward()
    assert x.grad is not y.grad
    x.grad.data[...] = 0
    assert np.allclose(y.grad.numpy(), 1.0)


def test_hooks_and_retain_grad():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3.0
    h.retain_grad()
    seen = []
    h.register_hook(lambda g: seen.append(g.numpy().copy()))
    remove = x.register_hook(lambda g: g * 10.0)  # a hook may replace the gradient
    (h * h).sum().backward()
    np.testing.assert_allclose(h.grad.numpy(), [6.0, 12.0])
    np.testing.assert_allclose(seen[0], [6.0, 12.0])
    np.testing.assert_allclose(x.grad.numpy(), [180.0, 360.0])
    remove()
    x.grad = None
    (x * 1.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 1.0])


def test_detach_and_requires_grad_rules():
    x = mg.randn(3, requires_grad=True)
    d = (x * 2.0).detach()
    assert not d.requires_grad and d.is_leaf
    with pytest.raises(RuntimeError, match="int64"):
        mg.tensor([1, 2], requires_grad=True)
    assert not (mg.tensor([1, 2]) + 1).requires_grad
    assert (x > 0).dtype == np.bool_ and not (x > 0).requires_grad


class WrongSquare(Function):
    """x^2 with a planted bug: the backward forgets the factor 2."""

    def forward(self, x):
        self.save_inputs(0)
        return x * x

    def backward(self, gy):
        (x,) = self.saved_inputs
        return gy * x


def test_gradcheck_catches_a_wrong_backward():
    x = mg.randn(3, 2, dtype=np.float64, requires_grad=True)
    assert mg.gradcheck(lambda t: WrongSquare.apply(t), [x], raise_exception=False) is False
    assert mg.gradcheck(lambda t: WrongSquare.apply(t), [x], fast_mode=True,
                        raise_exception=False) is False
    with pytest.raises(mg.GradcheckError, match=r"input 0 \(shape \(3, 2\)\) at index .*analytic"):
        mg.gradcheck(lambda t: WrongSquare.apply(t), [x])


def test_gradgradcheck_catches_a_wrong_double_backward():
    class WrongCube(Function):
        def forward(self, x):
            self.save_inputs(0)
            return x ** 3

        def backward(self, gy):
            (x,) = self.saved_inputs
            return gy * 3.0 * x.detach() ** 2  # detach: second derivative lost

    x = mg.randn(4, dtype=np.float64, requires_grad=True)
    assert mg.gradcheck(lambda t: WrongCube.apply(t), [x])
    assert not mg.gradgradcheck(lambda t: WrongCube.apply(t), [x], raise_exception=False)


def test_gradcheck_fast_mode_and_kink_nudging():
    x = mg.tensor(np.array([0.0, 1e-9, -0.3, 0.5]), requires_grad=True)
    assert mg.gradcheck(lambda t: t.relu() * t, [x], kinks=(0.0,))
    big = mg.randn(200, 50, dtype=np.float64, requires_grad=True)
    assert mg.gradcheck(lambda t: (t.tanh() @ t.T).sum(axis=0), [big], fast_mode=True)


def test_gradcheck_does_not_modify_inputs():
    x = mg.randn(3, requires_grad=True)
    before = x.numpy().copy()
    mg.gradcheck(lambda t: t.sigmoid(), [x])
    np.testing.assert_array_equal(x.numpy(), before)
    assert x.dtype == np.float32 and x.grad is None
