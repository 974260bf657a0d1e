"""Running a program on 2 ranks with Open MPI's ``mpiexec`` (the ``mpi`` extra installs it).

Tests that need it take the ``run_ranks`` / ``start_ranks`` fixtures (the test worker,
``mpi_worker.py``) or ``run_cli`` / ``start_cli`` (the training command line,
``cli_worker.py``); they skip, saying why, only where mpi4py or mpiexec is missing
(``pip install -e ".[test]"`` brings both).
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).with_name("mpi_worker.py")
CLI = Path(__file__).with_name("cli_worker.py")
RANKS = 2
# Open MPI refuses to run as root unless told to (CI containers run as root); the ranks
# talk over TCP on the loopback interface, which every machine has.
MPI_ENV = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"}
MPIEXEC_OPTIONS = ["--oversubscribe", "--mca", "btl", "self,tcp",
                   "--mca", "btl_tcp_if_include", "lo"]


@dataclass
class Finished:
    """What a finished ``mpiexec`` left: exit status, output, and how long it ran."""
    returncode: int
    output: str
    seconds: float


def _start(mpiexec: str, args: list[str], program: Path = WORKER) -> subprocess.Popen:
    """``mpiexec -n 2 python PROGRAM *args``, its output (stderr included) piped."""
    env = {**os.environ, **MPI_ENV,
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    command = [mpiexec, "-n", str(RANKS), *MPIEXEC_OPTIONS, sys.executable, str(program), *args]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def _run(mpiexec: str, args: list[str], timeout: float, program: Path = WORKER) -> Finished:
    """Run the program to its end; a hang fails the test after ``timeout`` seconds (the
    launcher is interrupted, and it kills the ranks)."""
    start = time.monotonic()
    launcher = _start(mpiexec, args, program)
    try:
        output, _ = launcher.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        launcher.send_signal(signal.SIGINT)
        output, _ = launcher.communicate(timeout=30)
        pytest.fail(f"mpiexec {' '.join(args)} hung for more than {timeout} s:\n{output}")
    return Finished(launcher.returncode, output, time.monotonic() - start)


def _launchers(mpiexec: str, program: Path):
    """Yield a function that starts ``program`` on 2 ranks; then kill the launchers that
    still run."""
    started = []
    yield lambda *args: started.append(_start(mpiexec, list(args), program)) or started[-1]
    for launcher in started:
        if launcher.poll() is None:
            launcher.kill()
            launcher.communicate()


@pytest.fixture(scope="session")
def mpiexec():
    """The path of ``mpiexec``; skips the test where it or mpi4py is missing."""
    path = shutil.which("mpiexec")
    if importlib.util.find_spec("mpi4py") is None or path is None:
        pytest.skip("needs mpi4py and mpiexec: pip install -e '.[mpi]' (the test extra "
                    "includes it)")
    return path


@pytest.fixture(scope="session")
def run_ranks(mpiexec):
    """``run_ranks(*args, timeout=...)`` runs the worker on 2 ranks; a :class:`Finished`."""
    return lambda *args, timeout=120: _run(mpiexec, list(args), timeout)


@pytest.fixture
def start_ranks(mpiexec):
    """``start_ranks(*args)`` starts the worker on 2 ranks and returns the launcher's
    ``Popen`` (killed at the end of the test if it still runs)."""
    yield from _launchers(mpiexec, WORKER)


@pytest.fixture(scope="session")
def run_cli(mpiexec):
    """``run_cli(*args, timeout=...)`` runs the training command line on 2 ranks; a
    :class:`Finished`."""
    return lambda *args, timeout=120: _run(mpiexec, list(args), timeout, CLI)


@pytest.fixture
def start_cli(mpiexec):
    """``start_cli(*args)`` starts the training command line on 2 ranks and returns the
    launcher's ``Popen`` (killed at the end of the test if it still runs)."""
    yield from _launchers(mpiexec, CLI)
