"""Command-line options every lesson script shares."""
from __future__ import annotations

import argparse
from pathlib import Path


def add_lesson_options(parser: argparse.ArgumentParser, name: str,
                       quick_help: str = "a tiny run that takes seconds") -> None:
    """Add ``--quick`` (the small setting the tests run), ``--out`` (default
    ``runs/lessons/NAME``, where the pictures go) and ``--seed``."""
    parser.add_argument("--quick", action="store_true", help=quick_help)
    parser.add_argument("--out", type=Path, default=Path("runs/lessons") / name,
                        help="folder for the pictures and numbers")
    parser.add_argument("--seed", type=int, default=0, help="seed of every random choice")
