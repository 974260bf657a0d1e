"""The training command line's world (``minigrad.training.distributed_run``) in one process:
options, the per-rank state a checkpoint carries, and the checks. The 2-rank runs are in
test_cli_under_mpi.py."""
import argparse
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import minigrad as mg
from minigrad.distributed import ProcessGroup
from minigrad.distributed.process_group import LAUNCHER_VARIABLES
from minigrad.training import distributed_run as dr
from minigrad.training.loop import EpochStats, RunningStats

ROOT = Path(__file__).resolve().parents[2]


def parse(*argv):
    parser = argparse.ArgumentParser()
    dr.add_distributed_options(parser)
    return parser.parse_args(argv)


def test_options_and_their_checks():
    assert vars(parse()) == {"distributed": False, "timeout": dr.DEFAULT_TIMEOUT}
    assert parse("--distributed", "--timeout", "2.5").timeout == 2.5
    for bad in ("0", "-1", "inf", "soon"):
        with pytest.raises(SystemExit):
            parse("--timeout", bad)


def test_one_process_without_the_option_and_a_refusal_under_a_launcher(monkeypatch):
    args = argparse.Namespace(distributed=False, batch_size=64)
    assert type(dr.start_world(args)) is dr.OneProcess
    monkeypatch.setenv("OMPI_COMM_WORLD_SIZE", "4")
    with pytest.raises(ValueError, match="launcher with 4 ranks: pass --distributed"):
        dr.start_world(args)


def test_a_checkpoint_resumes_only_on_as_many_ranks():
    one = dr.OneProcess()
    assert one.rank_states(None) is None
    assert one.resume_rank({"running": {"loss": 1.0}}) == {"loss": 1.0}
    written_by_two = {"ranks": [{"rng": None, "running": None}] * 2}
    with pytest.raises(ValueError, match="written by 2 process.*has 1: resume it with "
                                         "mpiexec -n 2 ... --distributed"):
        one.resume_rank(written_by_two)


def test_each_rank_gets_back_its_random_state_and_running_statistics():
    world = dr.Ranks(ProcessGroup(), timeout=30)   # a world of one, through the same code
    running = RunningStats()
    running.add(0.5, np.eye(3, dtype=np.float32), np.array([0, 1, 1]))
    mg.manual_seed(3)
    mg.random.generator().random(5)
    states = world.rank_states(running)
    expected = mg.random.generator().random(4)
    mg.manual_seed(99)                              # what the checkpoint's own state gives
    assert world.resume_rank({"ranks": states}) == running.state_dict()
    np.testing.assert_array_equal(mg.random.generator().random(4), expected)
    with pytest.raises(ValueError, match="written by 3 process"):
        world.resume_rank({"ranks": states * 3})


def test_statistics_are_weighted_by_images_and_a_batch_must_divide():
    world = dr.Ranks(ProcessGroup(), timeout=30)
    stats = EpochStats(loss=2.0, top1=0.25, top5=0.5, images=8, seconds=3.0)
    assert world.total(stats) == stats
    world.size = 3                                  # the check needs only the number
    assert world.per_rank_batch(96) == 32
    with pytest.raises(ValueError, match="--batch-size 64 is the global batch and must be "
                                         r"divisible by the 3 ranks \(e.g. 63\)"):
        world.per_rank_batch(64)


def test_a_failure_status_returns_in_one_process():
    assert dr.exit_status(0) == 0
    assert dr.exit_status(2) == 2


def test_the_single_process_command_line_never_imports_mpi4py():
    code = ("import sys\n"
            "from minigrad.training import train_cli, distributed_run\n"
            "args = train_cli.parse_args(['--distributed'])\n"   # no launcher: one process
            "assert type(distributed_run.start_world(args)) is distributed_run.OneProcess\n"
            "print('mpi4py' in sys.modules)\n")
    env = {k: v for k, v in os.environ.items() if k not in LAUNCHER_VARIABLES}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
