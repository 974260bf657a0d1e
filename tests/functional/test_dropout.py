"""F.dropout: inverted dropout."""
import numpy as np

import minigrad as mg
import minigrad.functional as F


def test_dropout_scales_survivors_and_routes_gradients_through_them():
    mg.manual_seed(0)
    x = mg.ones(200, 50, requires_grad=True)
    y = F.dropout(x, p=0.3)
    values = np.unique(y.numpy())
    np.testing.assert_allclose(values, [0.0, 1 / 0.7], rtol=1e-6)
    assert abs((y.numpy() == 0).mean() - 0.3) < 0.02
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), y.numpy())
    assert F.dropout(x, p=0.3, training=False) is x
