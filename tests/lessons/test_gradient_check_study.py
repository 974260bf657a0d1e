"""Lesson: gradient checking studies (examples/gradient_check_study.py)."""
import numpy as np

from examples import gradient_check_study as lesson


def test_quick_run_writes_both_plots(tmp_path, capsys):
    assert lesson.main(["--quick", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "eps.png").stat().st_size > 1000
    assert (tmp_path / "cost.png").stat().st_size > 1000
    assert "BuggyScaledTanh" in capsys.readouterr().out


def test_error_against_eps_truncation_and_rounding():
    epsilons = np.array([1e-12, 1e-8, 1e-5, 1e-2])
    errors = lesson.eps_study(epsilons)
    central64, forward64 = errors["central, float64"], errors["forward, float64"]
    assert central64[2] < 1e-9 < central64[0]           # rounding wins at tiny ε
    assert forward64[3] > 100 * central64[3]           # truncation: ε beats ε²
    assert errors["central, float32"].min() > 100 * central64.min()


def test_kinks_backprop_picks_a_side_differences_average():
    relu_at_zero = np.array([0.0])
    assert lesson.analytic_gradient(lesson.relu_sum, relu_at_zero)[0] == 0
    assert lesson.numerical_gradient(lesson.relu_sum, relu_at_zero)[0] == 0.5
    tie = np.array([[1.0, 1.0], [0.0, 0.0]])[None, None]
    np.testing.assert_array_equal(lesson.analytic_gradient(lesson.max_pool_sum, tie).ravel(),
                                  [1, 0, 0, 0])
    np.testing.assert_allclose(lesson.numerical_gradient(lesson.max_pool_sum, tie).ravel(),
                               [0.5, 0.5, 0, 0], atol=1e-6)


def test_gradcheck_catches_the_planted_bug_except_at_scale_one():
    import minigrad as mg
    x = mg.tensor(np.random.default_rng(0).standard_normal((3, 4)), requires_grad=True)
    for fast in (False, True):
        assert lesson.gradcheck_outcome(
            lambda t: lesson.ScaledTanh.apply(t, scale=2.0), x, fast_mode=fast) == "passed"
        assert lesson.gradcheck_outcome(
            lambda t: lesson.BuggyScaledTanh.apply(t, scale=2.0), x,
            fast_mode=fast).startswith("FAILED")
        assert lesson.gradcheck_outcome(
            lambda t: lesson.BuggyScaledTanh.apply(t, scale=1.0), x, fast_mode=fast) == "passed"


def test_forward_passes_grow_with_size_only_element_wise():
    cost = lesson.measure_cost([16, 64], seed=0)
    assert [passes for passes, _ in cost["element-wise"]] == [2 * 16 + 2, 2 * 64 + 2]
    assert [passes for passes, _ in cost["directional"]] == [4, 4]
