"""Ctrl-C at random moments of a tiny training run: every run stopped by SIGINT and
resumed (as often as it takes) ends bit-identical to the uninterrupted one.

The command line runs in this process (``train_cli.main``), and a timer thread sends the
process a real SIGINT, which Python delivers to the main thread exactly as a Ctrl-C in a
terminal: it can land while the data loads, inside a training step, during a checkpoint
write, the evaluation, the plot or the final save. Some runs get a second SIGINT 30 ms
after the first (the "abort now" Ctrl-C).
"""
from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from minigrad.training import train_cli

from tiny_run import TINY_RUN, assert_same_run, needs_fashion_mnist

TRIALS = 5                  # independent runs, each interrupted until it finishes
MAX_SIGINTS_PER_TRIAL = 3   # after these, the trial's run is resumed without interruption
# The last line a stopped run prints: stopped at a batch boundary, during the evaluation,
# or aborted by a second Ctrl-C (or one outside training, e.g. while the data loads).
STOP_MESSAGES = ("interrupted: saved", "interrupted during the evaluation",
                 "aborted by Ctrl-C")


class SigintTimer:
    """Sends this process SIGINT after each of ``delays`` seconds between :meth:`start` and
    :meth:`stop`; a signal that arrives after ``stop`` is ignored."""

    def __init__(self, delays: list[float]) -> None:
        self.delays, self.active = delays, False
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._send, daemon=True)

    def _send(self) -> None:
        elapsed = 0.0
        for delay in self.delays:
            if self.done.wait(delay - elapsed):
                return
            elapsed = delay
            os.kill(os.getpid(), signal.SIGINT)

    def _handle(self, signum: int, frame: object) -> None:
        if self.active:  # what Python's default SIGINT handler does
            raise KeyboardInterrupt

    def start(self) -> None:
        self.previous = signal.signal(signal.SIGINT, self._handle)
        self.active = True
        self.thread.start()

    def stop(self) -> None:
        self.active = False
        self.done.set()
        self.thread.join()
        signal.signal(signal.SIGINT, self.previous)


def run_until_interrupted(argv: list[str], delays: list[float]) -> int | None:
    """``train_cli.main(argv)`` with SIGINTs after ``delays``; its exit status, or None
    when a signal landed after ``main`` had already done its work."""
    timer = SigintTimer(delays)
    timer.start()
    try:
        return train_cli.main(argv)
    except KeyboardInterrupt:
        return None
    finally:
        timer.stop()


def drop_own_lock(out: Path) -> None:
    """Delete ``out/run.lock`` if this process holds it. A SIGINT can land inside the lock's
    release (a few microseconds); a real process then exits and its lock is stale, and the
    next run replaces it (test_kill_loop.py checks that); here the process lives on."""
    lock = out / "run.lock"
    if lock.exists() and json.loads(lock.read_text())["pid"] == os.getpid():
        lock.unlink()


@needs_fashion_mnist
@pytest.mark.slow
def test_random_sigints_never_change_the_result(tmp_path, uninterrupted_run, capsys):
    reference, seconds = uninterrupted_run
    rng = np.random.default_rng(12)
    counts = {"sigints": 0, "double_sigints": 0, "stopped_runs": 0, "resumed_runs": 0}
    for trial in range(TRIALS):
        out = tmp_path / f"trial{trial}"
        argv = TINY_RUN + ["--workers", "0", "--out", str(out)]
        for attempt in range(MAX_SIGINTS_PER_TRIAL + 1):
            delays = []
            if attempt < MAX_SIGINTS_PER_TRIAL:
                delays = [float(rng.uniform(0.05, seconds))]
                if rng.random() < 0.3:
                    delays.append(delays[0] + 0.03)
                    counts["double_sigints"] += 1
                counts["sigints"] += len(delays)
            resume = ["--resume"] if (out / train_cli.CHECKPOINT).exists() else []
            counts["resumed_runs"] += bool(resume)
            drop_own_lock(out)
            start = time.perf_counter()
            status = run_until_interrupted(argv + resume, delays)
            output = capsys.readouterr().out.strip().splitlines()
            if status == 0:
                if not resume:  # a whole run beat the signal: aim the next ones earlier
                    seconds = min(seconds, time.perf_counter() - start)
                break
            counts["stopped_runs"] += 1
            if status is not None:  # None: the signal came after the run had finished
                assert status == 130, output
                message = next((m for m in STOP_MESSAGES if output[-1].startswith(m)), None)
                assert message is not None, output[-1]
                counts[message] = counts.get(message, 0) + 1
                assert not list(out.glob(".*.part")), "a stopped write left its temporary file"
            if (out / train_cli.CHECKPOINT).exists():  # always loadable after a stop
                train_cli.read_checkpoint(out / train_cli.CHECKPOINT)
        assert status == 0, f"trial {trial} did not finish"
        assert not (out / "run.lock").exists()
        assert_same_run(out, reference)
    print(f"SIGINT loop: {counts} over {TRIALS} runs, every one bit-identical")
    assert counts["stopped_runs"] >= TRIALS and counts["resumed_runs"] >= TRIALS


# ---- Ctrl-C at chosen moments ----------------------------------------------------------------
def ctrl_c_in_forward(monkeypatch, when):
    """Make the model send this process ``when(training, count)`` SIGINTs at the start of
    each forward pass (``count``: forward passes so far, from 1)."""
    build_model, count = train_cli.build_model, [0]

    def send(module, inputs):
        count[0] += 1
        for _ in range(when(module.training, count[0])):
            os.kill(os.getpid(), signal.SIGINT)

    def built(*args, **kwargs):
        model = build_model(*args, **kwargs)
        model.register_forward_pre_hook(send)
        return model
    monkeypatch.setattr(train_cli, "build_model", built)


@needs_fashion_mnist
@pytest.mark.parametrize("signals, last_line", [
    (1, "interrupted: saved {out}/checkpoint.safetensors at epoch 1, batch 3; continue "
        "with --resume"),
    (2, "aborted by Ctrl-C: nothing more was written"),
])
def test_ctrl_c_inside_a_training_step(tmp_path, monkeypatch, uninterrupted_run, capsys,
                                       signals, last_line):
    """One Ctrl-C in the 3rd step's forward pass: the step finishes, is saved, exit 130.
    Two: abort at once, nothing written (no checkpoint yet in the first epoch)."""
    out = tmp_path / "run"
    ctrl_c_in_forward(monkeypatch, lambda training, n: signals if training and n == 3 else 0)
    argv = TINY_RUN + ["--workers", "0", "--out", str(out)]
    assert run_until_interrupted(argv, []) == 130
    assert capsys.readouterr().out.strip().splitlines()[-1].startswith(
        last_line.format(out=out))
    assert (out / train_cli.CHECKPOINT).exists() == (signals == 1)
    monkeypatch.undo()
    resume = ["--resume"] if signals == 1 else []
    assert train_cli.main(argv + resume) == 0
    assert_same_run(out, uninterrupted_run[0])


@needs_fashion_mnist
def test_ctrl_c_during_evaluation_keeps_the_trained_epoch(tmp_path, monkeypatch,
                                                          uninterrupted_run, capsys):
    out = tmp_path / "run"
    ctrl_c_in_forward(monkeypatch, lambda training, n: int(not training))  # 1st test batch
    argv = TINY_RUN + ["--workers", "0", "--out", str(out)]
    assert run_until_interrupted(argv, []) == 130
    assert capsys.readouterr().out.strip().splitlines()[-1].startswith(
        "interrupted during the evaluation of epoch 1: its training is saved")
    assert train_cli.read_checkpoint(out / train_cli.CHECKPOINT)["epoch"] == 1
    monkeypatch.undo()
    assert train_cli.main(argv + ["--resume"]) == 0  # evaluates epoch 1, then trains epoch 2
    assert_same_run(out, uninterrupted_run[0])


@needs_fashion_mnist
def test_ctrl_c_while_plotting_keeps_the_trained_epoch(tmp_path, monkeypatch,
                                                       uninterrupted_run, capsys):
    out = tmp_path / "run"

    def interrupted_plot(*args, **kwargs):
        raise KeyboardInterrupt  # what Ctrl-C raises in matplotlib's drawing code
    monkeypatch.setattr(train_cli, "plot_curves", interrupted_plot)
    argv = TINY_RUN + ["--workers", "0", "--out", str(out)]
    assert train_cli.main(argv) == 130
    assert "interrupted during the evaluation of epoch 1" in capsys.readouterr().out
    monkeypatch.undo()
    assert train_cli.main(argv + ["--resume"]) == 0
    assert_same_run(out, uninterrupted_run[0])
