"""Reusable training machinery: the epoch loops, checkpoints, and the metrics log.

Used by the training CLI (:mod:`.train_cli`: ``minigrad-train``, ``python -m
minigrad.training``, ``examples/train.py``) and by the lesson experiments.
It works with any model that behaves like a ``layers.Module`` (callable,
``parameters()``, ``train()``/``eval()``, ``state_dict()``), without importing
``layers``; only the CLI, which builds zoo models, does (import it by name).
"""
from .checkpoint import load_checkpoint, save_checkpoint
from .loop import EpochStats, RunningStats, evaluate, train_one_epoch
from .metrics_log import MetricsLog, plot_curves
