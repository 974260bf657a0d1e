"""The training command line as ``mpiexec`` starts it in the CLI tests, with one more zoo
model: ``small_cnn_without_dropout``, the default CNN with its dropout off. Dropout draws
its masks from each rank's own generator, so only without it can 2 ranks × 32 images
compute what 1 process × 64 images computes.

    mpiexec -n 2 python tests/distributed/cli_worker.py --distributed --model small_cnn ...
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the checkout's minigrad

from layers.models import register_model, small_cnn  # noqa: E402
from minigrad.training.train_cli import main  # noqa: E402


@register_model
def small_cnn_without_dropout(**kwargs):
    """``small_cnn`` with ``dropout=0``."""
    return small_cnn(dropout=0.0, **kwargs)


if __name__ == "__main__":
    raise SystemExit(main())
