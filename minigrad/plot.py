"""Small matplotlib helpers shared by the lessons: curves, images in a grid, slide-ready.

Every figure is saved as a PNG at :data:`DPI` (150) with text of at least 10 pt
(:data:`SLIDE_STYLE`), legends outside the data, and readable tick labels on narrow log
axes. Outside Jupyter the Agg backend draws into files (no screen needed); inside a
Jupyter kernel the backend is left alone, so the figures also show inline::

    line_plot({"plain": (layers, norms)}, "grad.png", logy=True)   # zeros marked as underflow
    image_grid(filters, "filters.png", shared_scale=True)          # one diverging colour scale
    save_figure(lambda ax: ax.bar(names, counts), "counts.png", ylabel="parameters")
    draw_graph(trace(loss, params), "graph.png")                   # no Graphviz needed
    gradient_flow({"plain": monitor.gradient_flow()}, "flow.png")  # per-layer ‖∂L/∂y‖ in training
"""
from __future__ import annotations

import os
import sys
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from . import plot_language
from .graph import CONSTANT, FUNCTION, OUTPUT, PARAMETER, Graph, layered_positions

DPI = 150
SLIDE_STYLE = {"font.size": 11, "axes.titlesize": 12, "axes.labelsize": 11,
               "xtick.labelsize": 10, "ytick.labelsize": 10, "legend.fontsize": 10,
               "figure.titlesize": 12, "savefig.dpi": DPI, "savefig.bbox": "tight"}


def in_jupyter() -> bool:
    """True inside a running Jupyter (IPython) kernel, where figures should show inline.

    Importing ``ipykernel`` is not enough (tools such as nbclient import it to find the
    kernel): the IPython shell of this process must be attached to a kernel."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and getattr(shell, "kernel", None) is not None


def pyplot() -> Any:
    """``matplotlib.pyplot`` with :data:`SLIDE_STYLE` and the font of the label language
    (:mod:`minigrad.plot_language`); the Agg backend (files only) unless running inside
    Jupyter, whose inline backend is kept."""
    import matplotlib  # matplotlib is optional: imported where used
    if not in_jupyter():
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    plt.rcParams.update({**SLIDE_STYLE, **plot_language.font_style()})
    return plt


def save(fig: Any, path: str | os.PathLike) -> None:
    """Save ``fig`` to ``path`` at :data:`DPI` with its labels in the current language
    (``--lang``); show it inline in Jupyter, then close it."""
    plt = pyplot()
    plot_language.translate_figure(fig)
    fig.savefig(path, dpi=DPI)
    if in_jupyter():
        plt.show()
    plt.close(fig)


def readable_log_ticks(ax: Any) -> None:
    """On a log axis spanning less than a decade matplotlib labels ticks like 2.45×10⁰;
    label those axes with plain numbers (3 significant digits) instead."""
    from matplotlib.ticker import FuncFormatter  # matplotlib is optional: imported where used
    plain = FuncFormatter(lambda value, _: f"{value:.3g}")
    for axis, (low, high) in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
        if axis.get_scale() == "log" and low > 0 and high / low < 10:
            axis.set_major_formatter(plain)
            axis.set_minor_formatter(plain)


def outside_legend(ax: Any) -> None:
    """A legend to the right of the axes, off the data (nothing if there is one line)."""
    handles, _ = ax.get_legend_handles_labels()
    if len(handles) > 1:
        ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)


def save_figure(draw: Callable[[Any], Any], path: str | os.PathLike, title: str = "",
                xlabel: str = "", ylabel: str = "", logx: bool = False, logy: bool = False,
                figsize: tuple[float, float] = (8, 4.5)) -> None:
    """One axes: ``draw(ax)`` plots on it; then labels, log scales, grid, a legend outside
    the data and readable log ticks; saved to ``path``."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=figsize)
    draw(ax)
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    if logx:
        ax.set_xscale("log")
    if logy:
        ax.set_yscale("log")
    ax.grid(alpha=0.3, which="both")
    outside_legend(ax)
    readable_log_ticks(ax)
    save(fig, path)


def plot_log_positive(ax: Any, xs: Sequence[float], ys: Sequence[float],
                      **style: Any) -> list[float]:
    """Plot ``ys`` on a log y axis without drawing values ≤ 0 (float underflow to exactly
    0) as a plunge: the line breaks there. Returns the x of those points for
    :func:`mark_underflow`."""
    xs, ys = np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64)
    ax.plot(xs, np.where(ys > 0, ys, np.nan), **style)
    return list(xs[ys <= 0])


def mark_underflow(ax: Any, underflow_x: Sequence[float]) -> None:
    """A ▼ at the bottom edge of a log axis for each x whose value underflowed to 0."""
    if len(underflow_x):
        ax.set_yscale("log")
        ax.plot(underflow_x, np.full(len(underflow_x), ax.get_ylim()[0]), "v", color="k",
                clip_on=False, label="0 (underflow)")


def line_plot(series: Mapping[str, tuple[Sequence[float], Sequence[float]]],
              path: str | os.PathLike, title: str = "", xlabel: str = "", ylabel: str = "",
              logx: bool = False, logy: bool = False, markers: bool = True) -> None:
    """One line per entry of ``series``: ``{label: (xs, ys)}``, saved to ``path``.

    On a log y axis, values ≤ 0 (float underflow to exactly 0) are not drawn as a plunge:
    the line stops and a ▼ at the bottom edge marks each such point as "0 (underflow)"."""
    def draw(ax: Any) -> None:
        underflow_x: list[float] = []
        for label, (xs, ys) in series.items():
            style = {"marker": "o" if markers else None, "markersize": 3, "label": label}
            if logy:
                underflow_x += plot_log_positive(ax, xs, ys, **style)
            else:
                ax.plot(xs, ys, **style)
        mark_underflow(ax, underflow_x)

    save_figure(draw, path, title, xlabel, ylabel, logx, logy)


def normalize_for_display(image: np.ndarray) -> np.ndarray:
    """Scale an array linearly into [0, 1] (a constant image becomes 0.5)."""
    image = np.asarray(image, dtype=np.float64)
    low, high = image.min(), image.max()
    return np.full_like(image, 0.5) if high == low else (image - low) / (high - low)


def image_grid(images: Sequence[np.ndarray], path: str | os.PathLike, columns: int = 8,
               titles: Sequence[str] | None = None, title: str = "", scale: float = 1.3,
               normalize: bool = True, shared_scale: bool = False) -> None:
    """Show images (H×W grayscale, or H×W×3 RGB) in a grid and save it to ``path``.

    normalize: rescale each image to [0, 1] on its own (for activations).
    shared_scale: for weights (H×W each): one diverging colour map (blue < 0 < red)
        symmetric around 0 and shared by every image, with a colour bar — so signs and
        relative sizes stay comparable across filters (``normalize`` is then ignored).
    """
    plt = pyplot()
    rows = max(1, -(-len(images) // columns))
    fig, axes = plt.subplots(rows, columns, figsize=(columns * scale, rows * scale + 0.6),
                             squeeze=False)
    limit = max(float(np.abs(np.asarray(image)).max()) for image in images) if shared_scale \
        else None
    shown = None
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= len(images):
            continue
        if shared_scale:
            shown = ax.imshow(np.asarray(images[i]), cmap="RdBu_r", vmin=-limit, vmax=limit,
                              interpolation="nearest")
        else:
            image = normalize_for_display(images[i]) if normalize else np.asarray(images[i])
            ax.imshow(image, cmap="gray" if image.ndim == 2 else None, interpolation="nearest")
        if titles is not None:
            ax.set_title(titles[i], fontsize=10)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    if shown is not None:
        fig.colorbar(shown, ax=axes.ravel().tolist(), shrink=0.8, label="weight")
    save(fig, path)


def gradient_flow(runs: Mapping[str, Mapping[str, Sequence[float]]], path: str | os.PathLike,
                  title: str = "", ylabel: str = "‖∂L/∂y‖ (layer output)") -> None:
    """Per-layer gradient norms over training, one panel per run: ``runs`` is
    ``{run name: {layer name: [norm at every iteration]}}`` (e.g.
    ``LayerMonitor.gradient_flow()``). Log y axis shared by the panels, so runs compare;
    layers coloured from the first (dark) to the last (light); zeros marked as underflow."""
    plt = pyplot()
    fig, axes = plt.subplots(1, len(runs), figsize=(4.2 * len(runs) + 1.8, 4.2), sharey=True,
                             squeeze=False)
    for ax, (run, layers) in zip(axes[0], runs.items()):
        ax.set(title=run, xlabel="iteration", yscale="log")
        colours = plt.cm.viridis(np.linspace(0, 0.9, len(layers)))
        underflow_x: list[float] = []
        for colour, (layer, norms) in zip(colours, layers.items()):
            underflow_x += plot_log_positive(ax, np.arange(1, len(norms) + 1), norms,
                                             color=colour, linewidth=1, label=layer)
        mark_underflow(ax, underflow_x)
        ax.grid(alpha=0.3, which="both")
    axes[0, 0].set_ylabel(ylabel)
    outside_legend(axes[0, -1])
    for ax in axes[0]:
        readable_log_ticks(ax)
    if title:
        fig.suptitle(title)
    save(fig, path)


_NODE_COLOURS = {FUNCTION: "#eeeeee", PARAMETER: "#a6cee3", CONSTANT: "white", OUTPUT: "#b2df8a"}


def draw_graph(graph: Graph, path: str | os.PathLike, title: str = "") -> None:
    """Draw an autograd graph (:func:`minigrad.graph.trace`) with matplotlib alone, in the
    layered layout of :func:`minigrad.graph.layered_positions`: inputs at the top, the
    result at the bottom, grey arrows the way the forward pass went — or, for a graph
    traced with ``gradients=True``, red arrows the way backward went, from the result to
    the leaves, which show their gradient norms (pale arrows to constants: no gradient
    goes there). Boxes: grey = Function, blue = parameter, white = constant, green =
    result."""
    plt = pyplot()
    positions = layered_positions(graph)
    layers = max(y for _, y in positions.values()) + 1
    width = max(sum(1 for _, y in positions.values() if y == layer) for layer in range(layers))
    fig, ax = plt.subplots(figsize=(max(6.0, 2.2 * width), 1.1 * layers + 1))
    boxes = {}
    for node in graph.nodes:
        x, y = positions[node.key]
        text = ax.text(x, -y, node.label, ha="center", va="center", fontsize=10,
                       bbox={"boxstyle": "round" if node.kind == FUNCTION else "round4",
                             "facecolor": _NODE_COLOURS[node.kind], "edgecolor": "0.3"})
        boxes[node.key] = text.get_bbox_patch()
    kinds = {node.key: node.kind for node in graph.nodes}
    for source, target in graph.edges:
        arrow = {"arrowstyle": "-|>", "color": "0.4", "shrinkA": 2, "shrinkB": 2}
        if graph.backward:  # gradients flow from the result back to the inputs; none to constants
            source, target = target, source
            arrow["color"] = "0.75" if kinds[target] == CONSTANT else "#d62728"
        (x0, y0), (x1, y1) = positions[source], positions[target]
        ax.annotate("", xy=(x1, -y1), xytext=(x0, -y0),
                    arrowprops={**arrow, "patchA": boxes[source], "patchB": boxes[target]})
    ax.set_xlim(-width / 2 - 0.5, width / 2 + 0.5)
    ax.set_ylim(-layers + 0.4, 0.6)
    ax.axis("off")
    if title:
        ax.set_title(title)
    save(fig, path)
