"""``kill -9`` at random moments of a tiny training run started as a user starts it
(``python -m minigrad.training``): after every kill the folder holds a loadable checkpoint
(or none yet), the next ``--resume`` replaces the dead process's lock and removes its
temporary files, and the run finally ends bit-identical to the uninterrupted one."""
from __future__ import annotations

import os
import signal
import subprocess
import time

import numpy as np
import pytest

from minigrad.training import train_cli

from tiny_run import ROOT, TINY_RUN, assert_same_run, cli_command, needs_fashion_mnist

KILLS = 10
STARTUP_SECONDS = 1.0  # a subprocess imports minigrad and reads the data first


def run_killed(out, rng, seconds, kill: bool) -> tuple[int, str, float]:
    """One command line in ``out`` (``--resume`` if it holds a checkpoint), killed with
    SIGKILL after a random time of up to ``seconds`` when ``kill`` (unless it finished
    first); its exit status (``-SIGKILL`` when killed), output and wall time."""
    start = time.perf_counter()
    resume = ["--resume"] if (out / train_cli.CHECKPOINT).exists() else []
    workers = ["--workers", str(rng.choice([0, 2]))]  # may change on --resume
    process = subprocess.Popen(cli_command(*TINY_RUN, *workers, "--out", str(out), *resume),
                               cwd=ROOT, env=dict(os.environ, PYTHONUNBUFFERED="1"),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if kill:
        try:
            process.wait(timeout=rng.uniform(0.0, seconds))
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
    output, _ = process.communicate(timeout=120)
    return process.returncode, output, time.perf_counter() - start


@needs_fashion_mnist
@pytest.mark.slow
def test_random_kills_never_lose_the_run(tmp_path, uninterrupted_run):
    reference, seconds = uninterrupted_run
    seconds += STARTUP_SECONDS
    rng = np.random.default_rng(9)
    counts = {"kills": 0, "killed_with_a_checkpoint": 0, "stale_locks_replaced": 0, "runs": 0,
              "temporary_files_left": 0}
    while counts["kills"] < KILLS:
        counts["runs"] += 1
        out = tmp_path / f"run{counts['runs']}"
        status = None
        while status != 0:  # kill, resume, kill... until the run finishes
            fresh = not (out / train_cli.CHECKPOINT).exists()
            status, output, elapsed = run_killed(out, rng, seconds,
                                                 kill=counts["kills"] < KILLS)
            if status == 0 and fresh:  # a whole run beat the kill: aim the next ones earlier
                seconds = min(seconds, elapsed)
            counts["stale_locks_replaced"] += "removed the stale lock" in output
            if status == -signal.SIGKILL:
                counts["kills"] += 1
                counts["temporary_files_left"] += len(list(out.glob(".*.part")))
                if (out / train_cli.CHECKPOINT).exists():  # loadable, whenever it died
                    train_cli.read_checkpoint(out / train_cli.CHECKPOINT)
                    counts["killed_with_a_checkpoint"] += 1
            elif status != 0:
                pytest.fail(f"exit status {status}:\n{output}")
        assert not (out / "run.lock").exists() and not list(out.glob(".*.part"))
        assert_same_run(out, reference)
    assert counts["stale_locks_replaced"] > 0
    print(f"kill -9 loop: {counts}; every run ended bit-identical to the uninterrupted one")
