"""Exercises graded by gradcheck (minigrad/exercises): every reference solution passes,
the untouched student files and planted wrong backwards fail, the CLI reports both."""
import numpy as np
import pytest

from minigrad.exercises import EXERCISES, check, load_function
from minigrad.exercises.__main__ import main
from minigrad.exercises.solutions import (batch_norm, conv2d, linear, max_pool, relu,
                                          softmax_cross_entropy)


class BiasMeanInsteadOfSum(linear.LinearFunction):
    def backward_arrays(self, grad_output):
        grad_x, grad_weight, grad_bias = super().backward_arrays(grad_output)
        return grad_x, grad_weight, grad_output.mean(axis=0)


class LocalDerivativeOnly(relu.ReLUFunction):
    def backward_arrays(self, grad_output):
        return (self.x > 0).astype(grad_output.dtype)       # forgot the chain rule's G


class ForgotTheMeanOverN(softmax_cross_entropy.SoftmaxCrossEntropyFunction):
    def backward_arrays(self, grad_output):
        return super().backward_arrays(grad_output) * len(self.probabilities)


class EveryElementOfTheWindow(max_pool.MaxPool2dFunction):
    def backward_arrays(self, grad_output):
        grad_columns = np.broadcast_to(grad_output.ravel(),
                                       (self.kernel * self.kernel, grad_output.size))
        n, c, h, w = self.x_shape
        return max_pool.col2im(np.ascontiguousarray(grad_columns).reshape(self.col_shape),
                               (n * c, 1, h, w), (self.kernel,) * 2, (self.stride,) * 2,
                               (0, 0), (1, 1)).reshape(self.x_shape)


class FlippedKernelGradient(conv2d.Conv2dFunction):
    def backward_arrays(self, grad_output):
        grad_x, grad_weight, grad_bias = super().backward_arrays(grad_output)
        return grad_x, grad_weight[:, :, ::-1, ::-1], grad_bias  # convolution vs correlation


class StatisticsTreatedAsConstants(batch_norm.BatchNormFunction):
    def backward_arrays(self, grad_output):
        _, grad_gamma, grad_beta = super().backward_arrays(grad_output)
        return (self.gamma[None, :, None, None] * self.inv_std * grad_output, grad_gamma,
                grad_beta)


PLANTED = {"linear": (BiasMeanInsteadOfSum, "∂L/∂bias"),
           "relu": (LocalDerivativeOnly, "∂L/∂x"),
           "softmax_cross_entropy": (ForgotTheMeanOverN, "∂L/∂logits"),
           "max_pool": (EveryElementOfTheWindow, "∂L/∂x"),
           "conv2d": (FlippedKernelGradient, "∂L/∂weight"),
           "batch_norm": (StatisticsTreatedAsConstants, "∂L/∂x")}


def test_every_exercise_has_a_planted_bug():
    assert set(PLANTED) == set(EXERCISES)


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_reference_solution_passes(name):
    report = check(name, solution=True)
    assert report.passed, report.text()
    assert report.text().count("PASS") == 1 + len(EXERCISES[name].inputs(np.random.default_rng(0)))


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_planted_wrong_backward_fails_on_the_wrong_gradient(name):
    wrong, culprit = PLANTED[name]
    report = check(name, function=wrong)
    assert not report.passed
    failed = [line for line in report.lines if "FAIL" in line]
    assert failed and culprit in failed[0] and "analytic" in failed[0], report.text()


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_student_file_is_not_solved(name):
    report = check(name)
    assert not report.passed and "not written yet" in report.text()
    assert load_function(name).__module__ == f"minigrad.exercises.{EXERCISES[name].module}"


def test_cli_prints_the_report_and_sets_the_exit_status(capsys):
    assert main(["check", "conv2d", "--solution"]) == 0
    out = capsys.readouterr().out
    assert "Exercise conv2d" in out and "∂L/∂weight" in out and "result: PASS" in out
    assert main(["check", "conv2d"]) == 1
    assert "not written yet" in capsys.readouterr().out
    assert main(["list"]) == 0
    assert "minigrad/exercises/batch_norm.py" in capsys.readouterr().out


def test_unknown_exercise_names_the_choices():
    with pytest.raises(KeyError, match="choose one of"):
        check("softmax")
