"""Lesson: gradient checking — finite differences, their errors, their blind spots, their cost.

    python examples/gradient_check_study.py [--quick] [--out DIR] [--seed N]

Taylor's theorem gives the two finite-difference estimates of f'(x) and their errors:

    forward:  (f(x + ε) − f(x)) / ε          = f'(x) + ε f''(x)/2  + …   truncation ∝ ε
    central:  (f(x + ε) − f(x − ε)) / (2ε)   = f'(x) + ε² f'''(x)/6 + …  truncation ∝ ε²

and f itself is only known to a relative rounding error u (2⁻²⁴ ≈ 6e-8 in float32,
2⁻⁵³ ≈ 1.1e-16 in float64), which the division by ε amplifies: rounding ∝ u·|f|/ε.
The total error is smallest where the two meet: ε* ∝ √u (forward) and ∝ u^(1/3) (central).

1. The error of both estimates against ε, in float32 and float64 (log–log plot, optimum
   marked).
2. Kinks: at a ReLU's 0 or a max-pool tie the function has no derivative; backprop
   picks one side (minigrad: relu'(0) = 0, the first maximum gets the gradient) while
   the central difference averages both sides. The numbers, and gradcheck's ``kinks``.
3. A planted bug: a custom Function whose backward forgets the inner factor s of
   tanh(s·x); gradcheck catches it — unless it is tested only at s = 1.
4. Cost: the element-wise check needs 2 forward passes per input element; the
   directional check (``fast_mode=True``) 2 in total. Passes and seconds against size.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

import minigrad as mg
import minigrad.functional as F
from minigrad.autograd import Function
from minigrad.plot import line_plot, pyplot, save
from minigrad.training.cli import add_lesson_options, parse_lesson_args

XS = np.linspace(0.05, 1.0, 96)  # part 1 differentiates f(x) = tanh(x)·eˣ at these points


# ---- part 1: the error of finite differences against eps ----------------------------------------
def f(x: mg.Tensor) -> mg.Tensor:
    """The smooth test function of part 1, element-wise: f(x) = tanh(x)·eˣ."""
    return x.tanh() * x.exp()


def finite_differences(eps: float, dtype: type) -> tuple[np.ndarray, np.ndarray]:
    """(forward, central) estimates of f' at every point of XS, with the shifts x ± ε and f
    itself computed (and so rounded) in ``dtype``; the final division in float64."""
    x = XS.astype(dtype)
    values = {shift: f(mg.tensor(x + dtype(shift * eps))).numpy().astype(np.float64)
              for shift in (-1, 0, 1)}
    return (values[1] - values[0]) / eps, (values[1] - values[-1]) / (2 * eps)


def exact_derivative() -> np.ndarray:
    """f' at XS by autograd in float64: (1 − tanh²x)·eˣ + tanh(x)·eˣ."""
    x = mg.tensor(XS, requires_grad=True)
    f(x).sum().backward()
    return x.grad.numpy()


def eps_study(epsilons: np.ndarray) -> dict[str, np.ndarray]:
    """Median over XS of |estimate − f'(x)| for each ε, per method and dtype
    ("central, float64", ...). The median over many x smooths the rounding noise."""
    exact = exact_derivative()
    errors: dict[str, list[float]] = {}
    for dtype in (np.float32, np.float64):
        for eps in epsilons:
            forward, central = finite_differences(float(eps), dtype)
            for method, estimate in (("forward", forward), ("central", central)):
                errors.setdefault(f"{method}, {dtype.__name__}", []).append(
                    float(np.median(np.abs(estimate - exact))))
    return {label: np.array(values) for label, values in errors.items()}


def log_slope(epsilons: np.ndarray, values: np.ndarray, low: float, high: float) -> float:
    """Least-squares slope of log(error) against log(ε) for ε in [low, high]."""
    keep = (epsilons >= low) & (epsilons <= high)
    return float(np.polyfit(np.log10(epsilons[keep]), np.log10(values[keep]), 1)[0])


def plot_eps_study(epsilons: np.ndarray, errors: dict[str, np.ndarray], path: Path) -> None:
    """Log–log error curves with each curve's optimum marked by a star."""
    plt = pyplot()

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for label, values in errors.items():
        (line,) = ax.loglog(epsilons, values, marker="o", markersize=2.5, label=label)
        best = int(np.argmin(values))
        ax.loglog(epsilons[best], values[best], marker="*", markersize=14, color=line.get_color(),
                  markeredgecolor="black")
    ax.set(xlabel="ε", ylabel="median |finite difference − f'(x)|",
           title="finite-difference error of f(x) = tanh(x)·eˣ (★ optimum)")
    ax.grid(alpha=0.3, which="both")
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0))
    fig.tight_layout()
    save(fig, path)


def print_eps_table(epsilons: np.ndarray, errors: dict[str, np.ndarray]) -> None:
    """Per curve: the best ε and its error, the rule of thumb √u or u^(1/3), and the
    log–log slopes a decade or more either side of the optimum."""
    print(f"Part 1 — finite-difference error against ε: median over {len(XS)} points x in "
          f"[{XS[0]:g}, {XS[-1]:g}] of f(x) = tanh(x)·eˣ")
    print(f"  {'method, dtype':<18} {'best ε':>9} {'error there':>12} {'rule of thumb':>14} "
          f"{'slope left':>11} {'slope right':>12}")
    for label, values in errors.items():
        unit = np.finfo(np.float32 if "float32" in label else np.float64).eps / 2
        rule = unit ** 0.5 if label.startswith("forward") else unit ** (1 / 3)
        best = int(np.argmin(values))
        eps_star = epsilons[best]
        left = log_slope(epsilons, values, eps_star / 300, eps_star / 10)
        right = log_slope(epsilons, values, eps_star * 10, min(eps_star * 300, 1.0))
        print(f"  {label:<18} {eps_star:>9.1e} {values[best]:>12.1e} {rule:>14.1e} "
              f"{left:>11.2f} {right:>12.2f}")
    print("  slope left ≈ −1: rounding ∝ 1/ε; slope right ≈ 1 (forward) or 2 (central): "
          "truncation ∝ ε or ε².")
    print("  mg.gradcheck uses central differences in float64 with ε = 1e-6.\n")


# ---- part 2: kinks ------------------------------------------------------------------------------
def numerical_gradient(fn: Callable[[mg.Tensor], mg.Tensor], x: np.ndarray,
                       eps: float = 1e-6) -> np.ndarray:
    """Central differences of the scalar fn at every element of float64 array ``x``."""
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        shifted = x.copy()
        shifted[i] += eps
        plus = float(fn(mg.tensor(shifted)).item())
        shifted[i] -= 2 * eps
        grad[i] = (plus - float(fn(mg.tensor(shifted)).item())) / (2 * eps)
    return grad


def analytic_gradient(fn: Callable[[mg.Tensor], mg.Tensor], x: np.ndarray) -> np.ndarray:
    """Backprop's gradient of the scalar fn at ``x``."""
    t = mg.tensor(x, requires_grad=True)
    fn(t).backward()
    return t.grad.numpy()


def relu_sum(x: mg.Tensor) -> mg.Tensor:
    """Σ relu(x): its gradient is relu'(x) element-wise."""
    return x.relu().sum()


def max_pool_sum(x: mg.Tensor) -> mg.Tensor:
    """Σ of the 2×2 max pool of x (N, C, H, W): gradient 1 at each window's chosen maximum."""
    return F.max_pool2d(x, 2).sum()


def gradcheck_outcome(fn: Callable[..., Any], x: mg.Tensor, **options: Any) -> str:
    """'passed', or 'FAILED: <gradcheck's message>'."""
    try:
        mg.gradcheck(fn, x, **options)
        return "passed"
    except mg.GradcheckError as error:
        return f"FAILED: {error}"


def show_kinks() -> None:
    """Backprop against central differences at and near kinks, and gradcheck there."""
    print("Part 2 — kinks: backprop takes one side, the central difference (ε = 1e-6) averages")
    print(f"  {'function':<26} {'input':<26} {'backprop':<20} {'numerical':<20}")
    for x in (0.0, 1e-8, 1e-3):
        value = np.array([x])
        print(f"  {'relu(x)':<26} {f'x = {x:g}':<26} "
              f"{analytic_gradient(relu_sum, value)[0]:<20.6g} "
              f"{numerical_gradient(relu_sum, value)[0]:<20.6g}")
    for window in ([[1.0, 1.0], [0.0, 0.0]], [[1.0, 1.0 + 1e-7], [0.0, 0.0]],
                   [[1.0, 0.5], [0.0, 0.0]]):
        value = np.array(window)[None, None]
        analytic = np.round(analytic_gradient(max_pool_sum, value).ravel(), 4)
        numerical = np.round(numerical_gradient(max_pool_sum, value).ravel(), 4)
        print(f"  {'max of a 2×2 window':<26} {str(np.ravel(window).tolist()):<26} "
              f"{str(analytic.tolist()):<20} {str(numerical.tolist()):<20}")
    with_zeros = mg.tensor([[-1.0, 0.0, 2.0], [0.0, 3.0, -0.5]], requires_grad=True)
    print("\n  gradcheck(relu, input with exact zeros):\n    "
          + gradcheck_outcome(lambda t: t.relu(), with_zeros))
    print("  the same with kinks=(0.0,) (inputs nudged 1e-4 off the kink):\n    "
          + gradcheck_outcome(lambda t: t.relu(), with_zeros, kinks=(0.0,)))
    tie = mg.tensor(np.array([[1.0, 1.0, 2.0, 0.0], [0.5, 0.0, 2.0, 1.0]])[None, None],
                    requires_grad=True)
    print("  gradcheck(max_pool2d, windows with ties):\n    "
          + gradcheck_outcome(lambda t: F.max_pool2d(t, 2), tie))
    print()


# ---- part 3: a planted bug ----------------------------------------------------------------------
class ScaledTanh(Function):
    """y = tanh(s·x); dy/dx = s·(1 − y²) (chain rule: the inner derivative is s)."""

    def __init__(self, scale: float) -> None:
        self.scale = scale

    def forward(self, x: Any) -> Any:
        self.save_outputs(0)
        return mg.get_array_module(x).tanh(self.scale * x)

    def backward(self, gy: mg.Tensor) -> mg.Tensor:
        (y,) = self.saved_outputs
        return gy * self.scale * (1 - y * y)


class BuggyScaledTanh(ScaledTanh):
    """The same forward; backward forgets the inner factor s of the chain rule."""

    def backward(self, gy: mg.Tensor) -> mg.Tensor:
        (y,) = self.saved_outputs
        return gy * (1 - y * y)


def show_planted_bug(seed: int) -> None:
    """gradcheck (both modes) on the correct and the buggy Function, at s = 2 and s = 1."""
    x = mg.tensor(np.random.default_rng(seed).standard_normal((3, 4)), requires_grad=True)
    print("Part 3 — gradcheck against a planted bug (backward of tanh(s·x) forgets s)")
    for cls, scale in ((ScaledTanh, 2.0), (BuggyScaledTanh, 2.0), (BuggyScaledTanh, 1.0)):
        for fast in (False, True):
            outcome = gradcheck_outcome(lambda t: cls.apply(t, scale=scale), x, fast_mode=fast)
            mode = "directional" if fast else "element-wise"
            print(f"  {cls.__name__:<16} s = {scale:g}, {mode:<13} {outcome}")
    print("  At s = 1 the missing factor is 1: test at generic values, never only at 1 or 0.\n")


# ---- part 4: the cost of checking ---------------------------------------------------------------
class CountingFunction:
    """Wraps fn and counts its calls (each call is one forward pass)."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn = fn
        self.calls = 0

    def __call__(self, *args: Any) -> Any:
        self.calls += 1
        return self.fn(*args)


def layer_of_size(n: int, seed: int) -> tuple[Callable[[mg.Tensor], mg.Tensor], mg.Tensor]:
    """A tanh layer on an input of n elements (n/16 rows of 16): forward cost ∝ n."""
    rng = np.random.default_rng(seed)
    weight = mg.tensor(rng.standard_normal((16, 16)) / 4)
    x = mg.tensor(rng.standard_normal(n), requires_grad=True)
    return (lambda t: (t.reshape(-1, 16) @ weight).tanh()), x


def measure_cost(sizes: list[int], seed: int) -> dict[str, list[tuple[int, float]]]:
    """(forward passes, seconds) of gradcheck per size, element-wise and directional."""
    cost: dict[str, list[tuple[int, float]]] = {"element-wise": [], "directional": []}
    for n in sizes:
        fn, x = layer_of_size(n, seed)
        for mode, fast in (("element-wise", False), ("directional", True)):
            counted = CountingFunction(fn)
            start = time.perf_counter()
            mg.gradcheck(counted, x, fast_mode=fast)
            cost[mode].append((counted.calls, time.perf_counter() - start))
    return cost


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_lesson_options(parser, "gradient_check_study",
                       quick_help="coarser ε grid, sizes up to 256")
    args = parse_lesson_args(parser, argv)
    mg.manual_seed(args.seed)

    epsilons = np.logspace(-14, 0, 29 if args.quick else 57)
    errors = eps_study(epsilons)
    print_eps_table(epsilons, errors)
    plot_eps_study(epsilons, errors, args.out / "eps.png")

    show_kinks()
    show_planted_bug(args.seed)

    sizes = [16, 64, 256] if args.quick else [16, 64, 256, 1024, 4096, 16384]
    cost = measure_cost(sizes, args.seed)
    print("Part 4 — cost of gradcheck on a tanh layer with n input elements")
    print(f"  {'n':>6} {'element-wise passes':>20} {'seconds':>9} {'directional passes':>19} "
          f"{'seconds':>9}")
    for n, (elem, direc) in zip(sizes, zip(cost["element-wise"], cost["directional"])):
        print(f"  {n:>6} {elem[0]:>20} {elem[1]:>9.3f} {direc[0]:>19} {direc[1]:>9.4f}")
    print("  passes = 2n (element-wise) or 2 (directional), plus the check's own two: one that "
          "sizes the\n  random upstream gradient v, and one that backprops <v, f(x)>.")
    line_plot({mode: (sizes, [seconds for _, seconds in rows]) for mode, rows in cost.items()},
              args.out / "cost.png", title="time of one gradcheck against input size",
              xlabel="input elements n", ylabel="seconds", logx=True, logy=True)
    print(f"\nplots in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
