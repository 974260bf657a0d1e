"""Reusable training machinery: the epoch loops, checkpoints, and the metrics log.

Used by the training CLI (``examples/train.py``) and by the lesson experiments.
It works with any model that behaves like a ``layers.Module`` (callable,
``parameters()``, ``train()``/``eval()``, ``state_dict()``), without importing
``layers``.
"""
from .checkpoint import load_checkpoint, save_checkpoint
from .loop import EpochStats, evaluate, train_one_epoch
from .metrics_log import MetricsLog, plot_curves
