"""Lesson: the computational graph that autograd records, drawn.

    python examples/computational_graph.py [--quick] [--out DIR] [--seed N]

Every differentiable op run on a tensor that requires grad becomes a node (a
``Function``) that remembers where its inputs came from. Backprop visits these nodes
from the loss back to the leaves, applying the chain rule at each one:

    ∂L/∂input = (∂output/∂input)ᵀ · ∂L/∂output        (one backward call per node)

This draws the graph behind the loss of two small nets with ``minigrad.graph``: a
two-layer MLP and a conv-BatchNorm-ReLU-pool CNN. Boxes are Functions (op and output
shape), blue ellipses the parameters (leaves that require grad), white ones constants
(the data and the loss's scale, which need no gradient). It writes NAME.dot (Graphviz
text) and NAME.png — drawn by Graphviz's ``dot`` program when it is installed, otherwise
laid out by ``minigrad.graph.layered_positions`` and drawn with matplotlib — and
NAME_backward.png: after ``backward(retain_graph=True)``, the same graph with red arrows
the way the gradients flow and ‖∂L/∂θ‖ on every parameter. It prints the node counts,
and shows that a plain ``backward()`` frees the graph.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import layers as nn
import minigrad as mg
import minigrad.functional as F
from minigrad.graph import CONSTANT, FUNCTION, PARAMETER, render, to_dot, trace
from minigrad.plot import draw_graph
from minigrad.training.cli import add_lesson_options, parse_lesson_args


def small_nets() -> dict[str, tuple[nn.Module, tuple[int, ...]]]:
    """The nets to draw, each with the input shape of the batch it gets."""
    mlp = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    cnn = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                        nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 4 * 4, 3))
    return {"mlp": (mlp, (5, 4)), "cnn": (cnn, (2, 1, 8, 8))}


def loss_of(model: nn.Module, input_shape: tuple[int, ...], seed: int) -> mg.Tensor:
    """Cross-entropy of the model on a random batch with random labels (3 classes)."""
    rng = np.random.default_rng(seed)
    x = mg.tensor(rng.standard_normal(input_shape).astype(np.float32))
    y = mg.tensor(rng.integers(0, 3, input_shape[0]))
    return F.cross_entropy(model(x), y)


def draw(loss: mg.Tensor, params: dict[str, mg.Tensor], stem: Path, title: str,
         gradients: bool = False) -> str:
    """Write STEM.dot and STEM.png — by Graphviz's ``dot`` where it is installed, else laid
    out by minigrad and drawn by matplotlib; return what was written."""
    drawn = render(to_dot(loss, params, gradients), stem.with_suffix(".png"))
    if not drawn:
        draw_graph(trace(loss, params, gradients), stem.with_suffix(".png"), title=title)
    return f"{stem.name}.dot and {stem.name}.png" + (
        "" if drawn else " (matplotlib layout: no Graphviz `dot`)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_lesson_options(parser, "computational_graph", quick_help="the same (it takes a second)")
    args = parse_lesson_args(parser, argv)
    mg.manual_seed(args.seed)

    print(f"{'net':<5} {'Functions':>10} {'parameters':>11} {'constants':>10} {'edges':>6}   "
          f"ops")
    for name, (model, input_shape) in small_nets().items():
        loss = loss_of(model, input_shape, args.seed)
        params = dict(model.named_parameters())
        graph = trace(loss, params)
        ops = ", ".join(f"{op} {count}" for op, count in sorted(graph.op_counts().items()))
        print(f"{name:<5} {graph.count(FUNCTION):>10} {graph.count(PARAMETER):>11} "
              f"{graph.count(CONSTANT):>10} {len(graph.edges):>6}   {ops}")
        written = draw(loss, params, args.out / name, f"{name}: the graph of its loss")
        loss.backward(retain_graph=True)    # keep the graph, to draw it with the gradients
        draw(loss, params, args.out / f"{name}_backward",
             f"{name}: backward, from the loss to the leaves", gradients=True)
        print(f"      wrote {written} and the backward pass, {name}_backward.png; "
              f"{len(params)} parameter tensors in the model")
        loss.backward()                     # a plain backward() frees the graph
        try:
            to_dot(loss)
        except RuntimeError as error:
            print(f"      after backward(): {error}")
    print(f"\nfiles in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
