"""Lesson 1: backpropagation by hand vs autograd on a two-layer network.

    python examples/backprop_by_hand.py [--quick] [--out DIR] [--seed N]

A two-layer net  h = relu(x W1^T + b1),  s = h W2^T + b2,  L = cross_entropy(s, y).
We derive every gradient with the chain rule, in NumPy, then ask minigrad's
autograd for the same gradients, and finally let gradcheck compare autograd
with finite differences.
"""
from __future__ import annotations

import argparse

import numpy as np

import minigrad as mg
import minigrad.functional as F
from minigrad.training.cli import add_lesson_options, parse_lesson_args, tee_output


def manual_gradients(x, y, w1, b1, w2, b2):
    """Forward and backward of the two-layer net with explicit chain-rule steps."""
    n = x.shape[0]
    z = x @ w1.T + b1                         # (N, H) pre-activation
    h = np.maximum(z, 0)                      # (N, H)
    s = h @ w2.T + b2                         # (N, C) scores
    shifted = s - s.max(axis=1, keepdims=True)
    p = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    loss = -np.log(p[np.arange(n), y]).mean()

    ds = p.copy()                             # dL/ds = (softmax(s) - onehot(y)) / N
    ds[np.arange(n), y] -= 1
    ds /= n
    dw2 = ds.T @ h                            # s = h W2^T + b2
    db2 = ds.sum(axis=0)
    dh = ds @ w2
    dz = dh * (z > 0)                         # relu passes the gradient where z > 0
    dw1 = dz.T @ x
    db1 = dz.sum(axis=0)
    return loss, {"w1": dw1, "b1": db1, "w2": dw2, "b2": db2}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--hidden", type=int, default=16)
    add_lesson_options(parser, "backprop_by_hand",
                       quick_help="the same small net (this lesson is fast already)")
    args = parse_lesson_args(parser, argv)
    with tee_output(args.out / "output.txt"):
        return compare_gradients(args)


def compare_gradients(args: argparse.Namespace) -> int:
    """By hand vs autograd vs gradcheck on a random two-layer net; 0 if all agree."""
    rng = np.random.default_rng(args.seed)
    n, d, hdim, c = args.batch, 10, args.hidden, 5
    x = rng.standard_normal((n, d))
    y = rng.integers(0, c, n)
    params = {"w1": rng.standard_normal((hdim, d)) * 0.5, "b1": rng.standard_normal(hdim) * 0.1,
              "w2": rng.standard_normal((c, hdim)) * 0.5, "b2": rng.standard_normal(c) * 0.1}

    loss_by_hand, grads_by_hand = manual_gradients(x, y, **params)

    tensors = {k: mg.tensor(v, requires_grad=True) for k, v in params.items()}
    xt, yt = mg.tensor(x), mg.tensor(y)

    def net(w1, b1, w2, b2):
        hidden = F.linear(xt, w1, b1).relu()
        return F.cross_entropy(F.linear(hidden, w2, b2), yt)

    loss = net(**tensors)
    loss.backward()
    print(f"loss   by hand {loss_by_hand:.12f}   autograd {loss.item():.12f}")
    print(f"{'param':>6} {'shape':>10} {'max |by hand - autograd|':>26}")
    worst = 0.0
    for k, t in tensors.items():
        diff = float(np.abs(grads_by_hand[k] - t.grad.numpy()).max())
        worst = max(worst, diff)
        print(f"{k:>6} {str(t.shape):>10} {diff:26.3e}")
    ok = mg.gradcheck(net, list(tensors.values()))
    print(f"gradcheck (autograd vs central differences, float64): {'passed' if ok else 'FAILED'}")
    return 0 if worst < 1e-10 and ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
