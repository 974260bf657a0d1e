"""Grade an exercise: forward against minigrad's own op, then gradcheck of every input.

    report = check("conv2d")                       # the student's file
    report = check("conv2d", solution=True)        # the reference solution
    report = check("conv2d", function=MyConv)      # any Function with the same interface
    print(report.text()); report.passed
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

import minigrad as mg
import minigrad.functional as F
from minigrad.gradcheck import GradcheckError
from minigrad.tensor import Tensor


@dataclass(frozen=True)
class Exercise:
    """One "write the backward" exercise.

    module, function: the student's file ``minigrad/exercises/<module>.py`` and the class
        in it; the solution is the same name in ``minigrad/exercises/solutions/``.
    inputs: the float64 sample inputs (named), drawn from a seeded generator.
    settings: keyword settings for ``apply`` (stride, labels, ...).
    reference: minigrad's own op on the same inputs, to check the forward.
    kinks: input values where the op is not differentiable (kept away from by gradcheck).
    """
    module: str
    function: str
    inputs: Callable[[np.random.Generator], dict[str, np.ndarray]]
    reference: Callable[..., Tensor]
    settings: Callable[[np.random.Generator], dict[str, Any]] = lambda rng: {}
    kinks: tuple[float, ...] = ()


def _normal(*shapes: tuple[int, ...], names: tuple[str, ...]) -> Callable:
    return lambda rng: {name: rng.standard_normal(shape) for name, shape in zip(names, shapes)}


def _distinct(shape: tuple[int, ...]) -> Callable:
    """Distinct values (a shuffled grid plus noise): max-pool windows have no ties."""
    return lambda rng: {"x": (rng.permutation(int(np.prod(shape))) / 7.0
                              + 0.01 * rng.standard_normal(int(np.prod(shape)))).reshape(shape)}


EXERCISES: dict[str, Exercise] = {
    "linear": Exercise("linear", "LinearFunction",
                       _normal((4, 5), (3, 5), (3,), names=("x", "weight", "bias")),
                       lambda x, weight, bias: F.linear(x, weight, bias)),
    "relu": Exercise("relu", "ReLUFunction", _normal((3, 7), names=("x",)),
                     lambda x: x.relu(), kinks=(0.0,)),
    "softmax_cross_entropy": Exercise(
        "softmax_cross_entropy", "SoftmaxCrossEntropyFunction",
        _normal((5, 4), names=("logits",)),
        lambda logits, labels: F.cross_entropy(logits, mg.tensor(labels)),
        settings=lambda rng: {"labels": rng.integers(0, 4, 5)}),
    "max_pool": Exercise("max_pool", "MaxPool2dFunction", _distinct((2, 3, 6, 6)),
                         lambda x: F.max_pool2d(x, 2, 2)),
    "conv2d": Exercise("conv2d", "Conv2dFunction",
                       _normal((2, 3, 6, 6), (4, 3, 3, 3), (4,), names=("x", "weight", "bias")),
                       lambda x, weight, bias, stride, padding: F.conv2d(
                           x, weight, bias, stride=stride, padding=padding),
                       settings=lambda rng: {"stride": 2, "padding": 1}),
    "batch_norm": Exercise("batch_norm", "BatchNormFunction",
                           _normal((4, 3, 3, 3), (3,), (3,), names=("x", "gamma", "beta")),
                           lambda x, gamma, beta, eps: F.batch_norm(
                               x, None, None, gamma, beta, training=True, eps=eps),
                           settings=lambda rng: {"eps": 1e-5}),
}


@dataclass
class Report:
    """What :func:`check` found; ``text()`` is the readable report."""
    name: str
    source: str
    lines: list[str] = field(default_factory=list)
    passed: bool = True

    def fail(self, line: str) -> None:
        """Add a line that says what failed; the report no longer passes."""
        self.lines.append(line)
        self.passed = False

    def text(self) -> str:
        """The readable report: the exercise, one line per check, the verdict."""
        verdict = "PASS" if self.passed else "FAIL"
        return "\n".join([f"Exercise {self.name} — {self.source}", *self.lines,
                          f"  result: {verdict}"])


def load_function(name: str, solution: bool = False) -> type:
    """The Function class of exercise ``name``: the student's, or the reference solution."""
    exercise = EXERCISES[name]
    package = "minigrad.exercises.solutions" if solution else "minigrad.exercises"
    return getattr(importlib.import_module(f"{package}.{exercise.module}"), exercise.function)


def _describe(arrays: dict[str, np.ndarray], settings: dict[str, Any]) -> str:
    shown = [f"{name} {tuple(a.shape)}" for name, a in arrays.items()]
    shown += [f"{k}={v.tolist() if isinstance(v, np.ndarray) else v}" for k, v in settings.items()]
    return ", ".join(shown)


def check(name: str, solution: bool = False, function: type | None = None,
          seed: int = 0) -> Report:
    """Grade exercise ``name``: the forward against minigrad's op, then, for every input on
    its own, ``mg.gradcheck`` (float64 central differences, random upstream gradient)."""
    if name not in EXERCISES:
        raise KeyError(f"no exercise {name!r}; choose one of {sorted(EXERCISES)}")
    exercise = EXERCISES[name]
    function = function or load_function(name, solution)
    rng = np.random.default_rng(seed)
    arrays, settings = exercise.inputs(rng), exercise.settings(rng)
    report = Report(name, f"{function.__module__}.{function.__qualname__}.backward_arrays")
    report.lines.append(f"  inputs (float64): {_describe(arrays, settings)}")

    tensors = [mg.tensor(a) for a in arrays.values()]
    try:
        ours = function.apply(*tensors, **settings).numpy()
    except Exception as error:  # noqa: BLE001 — any error in student code is reported
        report.fail(f"  forward raised {type(error).__name__}: {error}")
        return report
    expected = exercise.reference(*tensors, **settings).numpy()
    difference = float(np.max(np.abs(ours - expected))) if ours.shape == expected.shape else None
    if difference is None or difference > 1e-8:
        report.fail(f"  forward differs from minigrad's op: shapes {ours.shape} vs "
                    f"{expected.shape}, max |difference| {difference}")
        return report
    report.lines.append(f"  forward vs minigrad's own op: max |difference| {difference:.1e} "
                        f"— ok")
    report.lines.append("  gradcheck, one input at a time (float64 central differences, "
                        "random upstream gradient):")
    for index, input_name in enumerate(arrays):
        inputs = [mg.tensor(a, requires_grad=(i == index)) for i, a in enumerate(arrays.values())]
        label = f"    ∂L/∂{input_name:<7} {str(tuple(arrays[input_name].shape)):<14}"
        try:
            mg.gradcheck(lambda *xs: function.apply(*xs, **settings), inputs,
                         kinks=exercise.kinks, seed=seed)
            report.lines.append(f"{label} PASS")
        except NotImplementedError as error:
            report.fail(f"{label} not written yet ({error})")
            break
        except GradcheckError as error:
            report.fail(f"{label} FAIL  {str(error).removeprefix('gradcheck: ')}")
        except Exception as error:  # noqa: BLE001 — any error in student code is reported
            report.fail(f"{label} FAIL  backward raised {type(error).__name__}: {error}")
    return report
