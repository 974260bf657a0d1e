"""Command-line options every lesson script shares, and the smoke-test notice of ``--quick``.

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=4)
    add_lesson_options(parser, "batchnorm_lesson", seeds=3)
    args = parse_lesson_args(parser, argv)     # prints the notice under --quick, makes --out
"""
from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from pathlib import Path
from typing import Any, Iterator, Sequence, TextIO

from .. import plot_language
from ..grad_mode import no_grad

QUICK_NOTICE = ("--quick: a smoke test that the code runs, in seconds. Its numbers are far too "
                "small to carry the lesson (they can even show the opposite); the measured "
                "results are in docs/lessons/{name}.md.\n")


def add_lesson_options(parser: argparse.ArgumentParser, name: str,
                       quick_help: str = "a tiny run that takes seconds",
                       seeds: int | None = None) -> None:
    """Add ``--quick`` (the small setting the tests run), ``--out`` (default
    ``runs/lessons/NAME``, where the pictures go), ``--seed`` and ``--lang`` (en or zh,
    the figures' labels); with ``seeds`` also
    ``--seeds`` (how many seeds seed, seed+1, ... to repeat the runs with, default ``seeds``),
    for lessons whose margins need a spread."""
    parser.add_argument("--quick", action="store_true",
                        help=f"smoke test: {quick_help} (its numbers do not carry the lesson)")
    parser.add_argument("--out", type=Path, default=Path("runs/lessons") / name,
                        help="folder for the pictures and numbers")
    parser.add_argument("--seed", type=int, default=0, help="seed of every random choice")
    parser.add_argument("--lang", choices=plot_language.LANGUAGES, default="en",
                        help="language of the figure labels (zh: Chinese; needs a Chinese "
                             "font such as fonts-wqy-microhei)")
    if seeds is not None:
        parser.add_argument("--seeds", type=int, default=seeds,
                            help="repeat every run with this many seeds (seed, seed+1, ...) "
                                 "and report the mean and spread")
    parser.set_defaults(lesson_name=name)


def parse_lesson_args(parser: argparse.ArgumentParser,
                      argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse ``argv``; under ``--quick`` print :data:`QUICK_NOTICE`; set the figures'
    label language (``--lang``); create ``--out``."""
    args = parser.parse_args(argv)
    plot_language.set_language(args.lang)
    if args.quick:
        print(QUICK_NOTICE.format(name=args.lesson_name), flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    return args


def seed_list(args: argparse.Namespace) -> list[int]:
    """The seeds a lesson runs: ``--seed`` and the next ``--seeds`` − 1 (one under --quick)."""
    count = 1 if args.quick else max(1, getattr(args, "seeds", 1))
    return [args.seed + i for i in range(count)]


class _Tee:
    """A text stream that writes to several streams."""

    def __init__(self, *streams: TextIO) -> None:
        self.streams = streams

    def write(self, text: str) -> int:
        for stream in self.streams:
            stream.write(text)
        return len(text)

    def flush(self) -> None:
        for stream in self.streams:
            stream.flush()


@contextlib.contextmanager
def tee_output(path: str | os.PathLike) -> Iterator[None]:
    """Inside the block, everything printed also goes to the text file ``path`` (for the
    lessons whose result is a printed table: ``--out`` keeps it)."""
    with open(path, "w", encoding="utf-8") as file, \
            contextlib.redirect_stdout(_Tee(sys.stdout, file)):
        yield


def forward_times(module: Any, x: Any, repeats: int) -> list[float]:
    """Wall times in seconds of ``repeats`` calls ``module(x)`` without a graph, after one
    untimed warm-up call (the lessons that time a layer take the best or the median)."""
    times = []
    with no_grad():
        module(x)
        for _ in range(repeats):
            start = time.perf_counter()
            module(x)
            times.append(time.perf_counter() - start)
    return times
