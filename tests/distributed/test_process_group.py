"""The world without a launcher: one process, collectives that change nothing, no MPI."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import minigrad.distributed as dist
from minigrad.distributed import process_group

ROOT = Path(__file__).resolve().parents[2]


def run_python(code, timeout=120):
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


def test_without_a_launcher_the_world_is_this_process():
    group = dist.init()
    assert dist.init() is group
    assert (dist.rank(), dist.world_size(), dist.is_main(), dist.local_rank()) == (0, 1, True, 0)
    values = np.arange(6.0).reshape(2, 3)
    group.all_reduce_(values)
    group.start_all_reduce_(values).wait()
    group.broadcast_(values, 0)
    dist.barrier()
    np.testing.assert_array_equal(values, np.arange(6.0).reshape(2, 3))
    assert group.all_reduce_values([2, 3.5]) == [2.0, 3.5]


def test_the_launcher_is_recognised_by_its_environment():
    assert dist.launched_by_mpi({"OMPI_COMM_WORLD_SIZE": "2"})       # Open MPI
    assert dist.launched_by_mpi({"PMI_SIZE": "4"})                   # MPICH, Intel MPI
    assert not dist.launched_by_mpi({"PATH": "/usr/bin"})


def test_using_the_world_before_init_says_so(monkeypatch):
    monkeypatch.setattr(process_group, "_group", None)
    assert not dist.is_initialized()
    with pytest.raises(RuntimeError, match=r"call minigrad.distributed.init\(\) first"):
        dist.rank()


def test_neither_minigrad_nor_a_single_process_world_imports_mpi():
    result = run_python(
        "import sys, minigrad, layers\n"
        "print('minigrad.distributed' in sys.modules)\n"
        "import minigrad.distributed as dist\n"
        "dist.init()\n"
        "print('mpi4py' in sys.modules)\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False"]


def test_the_watchdog_ends_a_stalled_process_with_a_message():
    result = run_python(
        "import time, minigrad.distributed as dist\n"
        "dist.init()\n"
        "with dist.Watchdog(timeout=0.5).guard('epoch 2, batch 7'):\n"
        "    time.sleep(60)\n", timeout=60)
    assert result.returncode == 124
    assert "[rank 0/1] no progress for 0.5 s in epoch 2, batch 7" in result.stderr


def test_the_watchdog_lets_steps_that_finish_in_time_pass():
    watchdog = dist.Watchdog(timeout=5.0)
    for step in range(3):
        with watchdog.guard(f"step {step}"):
            pass
    watchdog.close()
    assert not watchdog._thread.is_alive()
    with pytest.raises(ValueError, match="timeout must be positive, got 0"):
        dist.Watchdog(timeout=0)


def test_object_collectives_of_a_world_of_one():
    group = dist.init()
    state = {"epoch": 3}
    assert group.broadcast_object(state) is state
    assert group.gather_object(state) == [state]


def test_the_watchdog_beats_from_a_per_batch_callback():
    result = run_python(
        "import time, minigrad.distributed as dist\n"
        "dist.init()\n"
        "watchdog = dist.Watchdog(timeout=1.0)\n"
        "for batch in range(4):\n"
        "    watchdog.beat(f'batch {batch}')\n"
        "    time.sleep(0.4)\n"
        "watchdog.stop()\n"
        "time.sleep(1.5)\n"
        "print('stopped in time')\n"
        "watchdog.beat('evaluation')\n"
        "time.sleep(60)\n", timeout=60)
    assert result.returncode == 124, result.stderr
    assert "stopped in time" in result.stdout
    assert "no progress for 1 s in evaluation" in result.stderr
