"""Draw the autograd graph behind a result: Graphviz DOT text, and a PNG where Graphviz exists.

    loss = F.cross_entropy(model(x), y)
    dot = to_dot(loss, params=dict(model.named_parameters()))
    render(dot, "graph.png")        # writes graph.dot always, graph.png if `dot` is installed
    layered_positions(trace(loss))  # {node key: (x, layer)}: a layout without Graphviz
                                    # (minigrad.plot.draw_graph draws it with matplotlib)

What is drawn comes straight from the engine's records (see :mod:`minigrad.autograd`):
``tensor._node`` is the Function that made a tensor, and each Function keeps

* ``_next``: one edge per input, ``(node, index)`` where node is the Function that made
  the input, or the input itself when it is a leaf that requires grad, or ``None``
  for an input that needs no gradient (a constant: data, labels);
* ``_input_meta`` / ``_output_meta``: the (shape, dtype) of its inputs and outputs.

Nodes: one box per Function (op name and output shape), one ellipse per leaf tensor
(shape; filled if it requires grad; named from ``params`` or the tensor's ``.name``),
one plain ellipse per constant input, and the result itself. Edges point the way the
forward pass went: from inputs to the op that consumed them.

``backward()`` frees the graph (unless ``retain_graph=True``), so draw it before — or,
for the backward pass, after ``backward(retain_graph=True)`` with ``gradients=True``: each
leaf that requires grad is labelled with ‖∂L/∂leaf‖ (its ``.grad``), and the arrows point
the way the gradients flow, from the result back to the leaves::

    loss.backward(retain_graph=True)
    draw_graph(trace(loss, params, gradients=True), "backward.png")   # minigrad.plot
"""
from __future__ import annotations

import os
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import numpy as np

from . import backend
from .autograd import Function
from .tensor import Tensor

FUNCTION, PARAMETER, CONSTANT, OUTPUT = "function", "parameter", "constant", "output"
_STYLE = {
    FUNCTION: 'shape=box, style="rounded,filled", fillcolor="#eeeeee"',
    PARAMETER: 'shape=ellipse, style=filled, fillcolor="#a6cee3"',
    CONSTANT: "shape=ellipse",
    OUTPUT: 'shape=box, style=filled, fillcolor="#b2df8a"',
}


@dataclass
class Node:
    """One node of the drawing. kind: function, parameter (a leaf that requires grad),
    constant (an input that needs no gradient) or output (the traced tensor)."""
    key: str
    kind: str
    label: str


@dataclass
class Graph:
    """The traced graph: nodes in discovery order and (source key, target key) edges."""
    nodes: list[Node] = field(default_factory=list)
    edges: list[tuple[str, str]] = field(default_factory=list)
    backward: bool = False      # drawn as the backward pass: gradients on the leaves

    def count(self, kind: str) -> int:
        """How many nodes of one kind (``FUNCTION``, ``PARAMETER``, ``CONSTANT``, ``OUTPUT``)."""
        return sum(node.kind == kind for node in self.nodes)

    def op_counts(self) -> Counter:
        """How many Functions of each op name (``{"MatMul": 2, ...}``)."""
        return Counter(node.label.split("\n")[0] for node in self.nodes
                       if node.kind == FUNCTION)


def shape_text(shape: tuple[int, ...]) -> str:
    """``(2, 3) -> "2×3"``; a 0-d shape is ``"scalar"``."""
    return "×".join(map(str, shape)) if shape else "scalar"


def trace(tensor: Tensor, params: Mapping[str, Tensor] | None = None,
          gradients: bool = False) -> Graph:
    """Walk the graph that produced ``tensor`` (iteratively, inputs in order).

    params: ``{name: tensor}`` (e.g. ``dict(model.named_parameters())``) naming the leaves.
    gradients: label each leaf that requires grad with ‖∂L/∂leaf‖ from its ``.grad``
        (after ``tensor.backward(retain_graph=True)``), and mark the graph as the backward
        pass (its arrows are drawn from the result to the leaves).
    Raises RuntimeError if ``backward()`` has already freed part of the graph.
    """
    names = {id(t): name for name, t in (params or {}).items()}
    graph = Graph(backward=gradients)
    keys: dict[int, str] = {}  # id(Function or leaf) -> node key

    def add(obj: Tensor | Function, kind: str, label: str) -> str:
        keys[id(obj)] = key = f"n{len(graph.nodes)}"
        graph.nodes.append(Node(key, kind, label))
        return key

    def leaf_label(t: Tensor) -> str:
        name = names.get(id(t)) or t.name
        label = f"{name}\n{shape_text(t.shape)}" if name else shape_text(t.shape)
        return f"{label}\n{gradient_text(t)}" if gradients else label

    result = f"result\n{shape_text(tensor.shape)}"
    output = add(tensor, OUTPUT, f"{result}\n∂L/∂L = 1" if gradients else result)
    if tensor._node is None:
        return graph
    root = tensor._node
    stack: list[Function] = [root]
    function_key = add(root, FUNCTION, _function_label(root))
    graph.edges.append((function_key, output))
    while stack:
        fn = stack.pop()
        for i, edge in enumerate(fn._next):
            if edge is None:
                source = f"n{len(graph.nodes)}"
                graph.nodes.append(Node(source, CONSTANT,
                                        f"constant\n{shape_text(fn._input_meta[i][0])}"))
            elif id(edge[0]) in keys:
                source = keys[id(edge[0])]
            elif isinstance(edge[0], Tensor):
                source = add(edge[0], PARAMETER, leaf_label(edge[0]))
            else:
                source = add(edge[0], FUNCTION, _function_label(edge[0]))
                stack.append(edge[0])
            graph.edges.append((source, keys[id(fn)]))
    return graph


def gradient_text(t: Tensor) -> str:
    """``"‖grad‖ 1.2e-01"`` from a leaf's ``.grad``, or ``"no grad yet"``."""
    if t.grad is None:
        return "no grad yet"
    values = backend.to_numpy(t.grad.data).astype(np.float64)
    return f"‖grad‖ {np.sqrt(np.square(values).sum()):.2g}"


def _function_label(fn: Function) -> str:
    """Op name and output shape(s); fails clearly on a graph that backward freed."""
    if getattr(fn, "_released", False):
        raise RuntimeError(f"the graph was freed by backward() (at {type(fn).__name__}); draw "
                           f"it before backward, or call backward(retain_graph=True)")
    shapes = ", ".join(shape_text(shape) for shape, _ in fn._output_meta)
    return f"{type(fn).__name__}\n{shapes}"


def to_dot(tensor: Tensor, params: Mapping[str, Tensor] | None = None,
           gradients: bool = False) -> str:
    """The graph that produced ``tensor`` as Graphviz DOT text (see the module doc and
    :func:`trace` for ``gradients``)."""
    graph = trace(tensor, params, gradients)
    lines = ["digraph autograd {", '  node [fontname="Helvetica", fontsize=10];']
    for node in graph.nodes:
        label = node.label.replace('"', '\\"').replace("\n", "\\n")
        lines.append(f'  {node.key} [label="{label}", {_STYLE[node.kind]}];')
    if graph.backward:      # arrowheads at the inputs: the way the gradients flow
        lines.append('  edge [dir=back, color="#d62728"];')
    lines += [f"  {source} -> {target};" for source, target in graph.edges]
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(dot_text: str, path: str | os.PathLike) -> bool:
    """Write ``dot_text`` to ``path`` with suffix ``.dot``, and the picture to ``path`` with
    suffix ``.png`` when Graphviz's ``dot`` program is installed.

    Returns True if the PNG was written, False if ``dot`` is missing.
    """
    png = Path(path).with_suffix(".png")
    dot_file = png.with_suffix(".dot")
    dot_file.write_text(dot_text)
    program = shutil.which("dot")
    if program is None:
        return False
    subprocess.run([program, "-Tpng", "-Gdpi=150", "-o", str(png), str(dot_file)], check=True,
                   capture_output=True)
    return True


def layered_positions(graph: Graph) -> dict[str, tuple[float, int]]:
    """A layered layout of ``graph`` without Graphviz: ``{node key: (x, layer)}``.

    A Function's layer is the length of the longest path reaching it from a node without
    inputs, so every edge points to a higher layer (the result is last); a leaf or
    constant sits one layer above the first Function that uses it. Within a layer, nodes
    sit at x = 0, 1, 2, … in discovery order, centred on 0.
    """
    inputs: dict[str, list[str]] = {node.key: [] for node in graph.nodes}
    for source, target in graph.edges:
        inputs[target].append(source)
    layer: dict[str, int] = {}
    for node in graph.nodes:  # iterative longest-path: resolve a node after its inputs
        stack = [node.key]
        while stack:
            key = stack[-1]
            pending = [source for source in inputs[key] if source not in layer]
            if pending:
                stack.extend(pending)
                continue
            stack.pop()
            layer[key] = 1 + max((layer[source] for source in inputs[key]), default=-1)
    consumers: dict[str, list[str]] = {node.key: [] for node in graph.nodes}
    for source, target in graph.edges:
        consumers[source].append(target)
    for key, sources in inputs.items():
        if not sources and consumers[key]:
            layer[key] = min(layer[target] for target in consumers[key]) - 1
    by_layer: dict[int, list[str]] = {}
    for node in graph.nodes:
        by_layer.setdefault(layer[node.key], []).append(node.key)
    return {key: (i - (len(keys) - 1) / 2, depth)
            for depth, keys in by_layer.items() for i, key in enumerate(keys)}
