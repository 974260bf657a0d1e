"""Lesson: weight sharing (examples/weight_sharing.py)."""
import numpy as np

from examples import weight_sharing as lesson


def test_counts_follow_2p_squared_2pk_and_2k():
    counts = lesson.weight_counts(285, 350)
    p = 285 * 350
    assert counts == {"fully connected": 2 * p * p, "locally connected": 6 * p,
                      "convolution (shared)": 6}


def test_the_conv_is_a_sparse_matrix_with_two_values():
    matrix = lesson.conv_as_matrix(5, 5)
    images = np.random.default_rng(0).standard_normal((3, 1, 5, 5))
    np.testing.assert_allclose(images.reshape(3, -1) @ matrix.T,
                               lesson.derivative_conv(images).reshape(3, -1), atol=1e-12)
    assert matrix.shape == (50, 25)
    assert np.count_nonzero(matrix) == 2 * 2 * 5 * 4        # every row but the border's: 2 taps
    assert set(np.unique(matrix)) == {-1.0, 0.0, 1.0}


def test_conv_commutes_with_shifts_a_dense_layer_does_not():
    images = lesson.test_images(4, 16, seed=0)
    conv_error, dense_error = lesson.shift_errors(images, 2, seed=0)
    assert conv_error < 1e-6 and dense_error > 0.5


def test_quick_run(tmp_path, capsys):
    assert lesson.main(["--quick", "--out", str(tmp_path)]) == 0
    assert "smoke test" in capsys.readouterr().out
    assert (tmp_path / "conv_as_matrix.png").stat().st_size > 10_000
    assert "19,900,125,000" in (tmp_path / "output.txt").read_text()
