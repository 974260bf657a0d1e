"""Small matplotlib helpers shared by the lessons: curves, and images in a grid.

Every function writes a PNG and closes its figure (the Agg backend: no screen needed).
"""
from __future__ import annotations

import os
from typing import Any, Mapping, Sequence

import numpy as np


def pyplot() -> Any:
    """``matplotlib.pyplot`` set to draw into files (the Agg backend: no screen needed)."""
    import matplotlib  # matplotlib is optional: imported where used
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def line_plot(series: Mapping[str, tuple[Sequence[float], Sequence[float]]],
              path: str | os.PathLike, title: str = "", xlabel: str = "", ylabel: str = "",
              logx: bool = False, logy: bool = False, markers: bool = True) -> None:
    """One line per entry of ``series``: ``{label: (xs, ys)}``, saved to ``path``."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for label, (xs, ys) in series.items():
        ax.plot(xs, ys, marker="o" if markers else None, markersize=3, label=label)
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    if logx:
        ax.set_xscale("log")
    if logy:
        ax.set_yscale("log")
    ax.grid(alpha=0.3, which="both")
    if len(series) > 1:
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def normalize_for_display(image: np.ndarray) -> np.ndarray:
    """Scale an array linearly into [0, 1] (a constant image becomes 0.5)."""
    image = np.asarray(image, dtype=np.float64)
    low, high = image.min(), image.max()
    return np.full_like(image, 0.5) if high == low else (image - low) / (high - low)


def image_grid(images: Sequence[np.ndarray], path: str | os.PathLike, columns: int = 8,
               titles: Sequence[str] | None = None, title: str = "", scale: float = 1.2,
               normalize: bool = True) -> None:
    """Show images (H×W grayscale, or H×W×3 RGB) in a grid and save it to ``path``.

    normalize: rescale each image to [0, 1] on its own (for filters and activations).
    """
    plt = pyplot()
    rows = max(1, -(-len(images) // columns))
    fig, axes = plt.subplots(rows, columns, figsize=(columns * scale, rows * scale + 0.4),
                             squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= len(images):
            continue
        image = normalize_for_display(images[i]) if normalize else np.asarray(images[i])
        ax.imshow(image, cmap="gray" if image.ndim == 2 else None, interpolation="nearest")
        if titles is not None:
            ax.set_title(titles[i], fontsize=7)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
