"""The per-epoch metrics log (``metrics.csv``) and its plot (``curves.png``)."""
from __future__ import annotations

import csv
import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..atomic import atomic_write
from ..plot import pyplot


class MetricsLog:
    """Rows of per-epoch metrics, rewritten atomically to a CSV file after every epoch.

    Opening an existing file (a resumed run) keeps its rows up to ``keep_epochs``,
    so nothing already logged is lost. A damaged file (not CSV, no ``epoch`` column,
    other columns than ``columns`` when given, epochs out of order, a value that is not a
    number) raises ValueError naming it.
    """

    def __init__(self, path: str | os.PathLike, keep_epochs: int | None = None,
                 columns: Sequence[str] | None = None) -> None:
        self.path = Path(path)
        self.rows: list[dict[str, Any]] = []
        if self.path.exists() and keep_epochs is not None:
            rows = read_rows(self.path)
            if columns is not None and rows and list(rows[0]) != list(columns):
                raise ValueError(f"{self.path} is damaged: its columns are {list(rows[0])}, "
                                 f"expected {list(columns)}; repair or delete it")
            self.rows = [row for row in rows if int(row["epoch"]) <= keep_epochs]

    @property
    def epochs(self) -> list[int]:
        """The epoch numbers logged so far."""
        return [int(row["epoch"]) for row in self.rows]

    def append(self, row: dict[str, Any]) -> None:
        """Add one epoch's metrics and rewrite the file."""
        self.rows.append(row)
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(self.rows[-1]))
        writer.writeheader()
        writer.writerows(self.rows)
        with atomic_write(self.path) as tmp:
            tmp.write_text(buffer.getvalue())


def read_rows(path: Path) -> list[dict[str, str]]:
    """The rows of a metrics CSV, checked: an ``epoch`` column counting 1, 2, ... and
    numbers in every other column (ValueError naming the file and the line otherwise)."""
    try:
        with open(path, newline="") as f:
            reader = csv.DictReader(f)
            rows = list(reader)
            columns = reader.fieldnames or []
    except (csv.Error, UnicodeDecodeError) as error:
        raise ValueError(f"{path} is damaged ({error}); repair or delete it") from None
    if "epoch" not in columns:
        raise ValueError(f"{path} is damaged: no 'epoch' column (columns: {columns}); "
                         f"repair or delete it")
    for line, row in enumerate(rows, start=2):
        try:
            if None in row or None in row.values() or int(row["epoch"]) != line - 1:
                raise ValueError("wrong number of fields or epoch out of order")
            for key, value in row.items():
                float(value)
        except ValueError as error:
            raise ValueError(f"{path}, line {line} is damaged ({error}): {row}; repair or "
                             f"delete the file") from None
    return rows


def plot_curves(rows: list[dict[str, Any]], path: str | os.PathLike, title: str = "") -> None:
    """Loss and accuracy vs epoch (train and test), saved as a PNG."""
    plt = pyplot()
    epochs = [int(r["epoch"]) for r in rows]
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    for key, label in (("train_loss", "train"), ("test_loss", "test")):
        ax_loss.plot(epochs, [float(r[key]) for r in rows], marker="o", label=label)
    for key, label in (("train_top1", "train top-1"), ("test_top1", "test top-1"),
                       ("test_top5", "test top-5")):
        ax_acc.plot(epochs, [100 * float(r[key]) for r in rows], marker="o", label=label)
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy loss", title="loss")
    ax_acc.set(xlabel="epoch", ylabel="accuracy (%)", title="accuracy")
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
