"""Two ranks under mpiexec: data-parallel training equals one process on the whole batch,
and a rank that dies, raises or hangs, or Ctrl-C, ends the job instead of hanging it."""
import json
import re
import signal
import time
from pathlib import Path

import numpy as np
import pytest

import mpi_worker

# float32 training for 6 steps: the sums over the ranks add in another order than the
# single process's sums over the batch, which moves the last bits, not more.
ATOL = 1e-6


@pytest.fixture(scope="module")
def reference():
    """Each model trained in this process on the full batches of 64."""
    return {kind: mpi_worker.train(kind, rank=0, world_size=1) for kind in mpi_worker.MODELS}


@pytest.fixture(scope="module")
def trained(run_ranks, tmp_path_factory):
    """The folder where the 2-rank ``exactness`` run left its results."""
    out = tmp_path_factory.mktemp("exactness")
    finished = run_ranks("exactness", str(out))
    assert finished.returncode == 0, finished.output
    return out


def test_two_ranks_of_32_train_what_one_process_of_64_trains(trained, reference):
    for kind in mpi_worker.MODELS:
        ranks = [np.load(trained / f"{kind}_rank{r}.npz") for r in range(2)]
        assert sorted(ranks[0].files) == sorted(reference[kind])
        for name, expected in reference[kind].items():
            # the replicas are identical, bit for bit (they apply the same averaged gradient)
            np.testing.assert_array_equal(ranks[0][name], ranks[1][name], err_msg=name)
            np.testing.assert_allclose(ranks[0][name], expected, rtol=0, atol=ATOL,
                                       err_msg=f"{kind}: {name}")


def test_trained_weights_moved_away_from_their_start(reference):
    """The comparison above means something: training changed every weight."""
    for kind in mpi_worker.MODELS:
        mpi_worker.mg.manual_seed(100)
        start = mpi_worker.build_model(kind).state_dict()
        for name, value in reference[kind].items():
            if name.endswith("weight"):
                assert np.abs(value - np.asarray(start[name])).max() > 100 * ATOL, name


@pytest.mark.parametrize("scenario, status, message", [
    # the launcher sees the death, or rank 0 sees its TCP peer vanish: both end the job
    ("killed", None, r"exited on\s+signal 9|Socket closed"),
    # (rank 1 aborts; rank 0 may report its vanished peer first: any failure status)
    ("exception", None, r"RuntimeError on this rank: ending all 2 ranks"),
    ("hang", 124, r"no progress for 3 s in step 3"),
])
def test_a_failing_rank_ends_every_rank(run_ranks, scenario, status, message):
    finished = run_ranks(scenario, timeout=90)
    assert f"rank 1: {scenario} at step 3" in finished.output
    assert finished.returncode != 0 if status is None else finished.returncode == status, \
        finished.output
    assert re.search(message, finished.output), finished.output
    assert "rank 0 should never finish" not in finished.output


def test_the_object_collectives_reach_every_rank(trained):
    objects = [json.loads((trained / f"objects_rank{r}.json").read_text()) for r in range(2)]
    assert [o["broadcast"] for o in objects] == [{"from": 1}, {"from": 1}]
    assert [o["gathered"] for o in objects] == [["rank 0", "rank 1"], None]
    assert [o["sums"] for o in objects] == [[3.0, 1.0], [3.0, 1.0]]


def test_ctrl_c_at_mpiexec_ends_every_rank(start_ranks):
    launcher = start_ranks("interrupted")
    pids = []
    deadline = time.monotonic() + 90
    while len(pids) < 2 and time.monotonic() < deadline:
        line = launcher.stdout.readline()
        assert line, "mpiexec ended before both ranks were training"
        if " training" in line:
            pids.append(int(line.split()[3]))
    assert len(pids) == 2, "the ranks did not start training within 90 s"
    launcher.send_signal(signal.SIGINT)          # what Ctrl-C in the terminal does
    launcher.communicate(timeout=30)             # raises TimeoutExpired on a hang
    assert launcher.returncode != 0
    assert all(ended_within(pid, 10) for pid in pids), "a rank outlived mpiexec"


def ended_within(pid, seconds):
    """Whether process ``pid`` is gone (or a zombie waiting to be reaped) within ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return True
        if state == "Z":
            return True
        time.sleep(0.1)
    return False
