"""The training command line on 2 ranks (``mpiexec -n 2 ... --distributed``) on a small
Fashion-MNIST subset: it trains what one process trains on the whole batch, resumes
exactly, and a rank that dies, hangs or is interrupted ends the run within the timeout."""
import os
import re
import signal
import time
from pathlib import Path

import numpy as np
import pytest

import cli_worker
import minigrad as mg

try:
    mg.data.datasets.FashionMNIST(train=False)
except FileNotFoundError:
    pytest.skip("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)",
                allow_module_level=True)

# 256 images, global batches of 64: 4 steps per epoch, 2 epochs; 100 test images.
QUICK = ["--limit", "256", "--batch-size", "64", "--epochs", "2", "--no-progress",
         "--workers", "0", "--timeout", "60"]
# The CNN without dropout, and a learning rate (peak of the one-cycle schedule) 10x below
# the default, for the comparison with one process.
NO_DROPOUT = ["--model", cli_worker.small_cnn_without_dropout.__name__, "--lr", "0.02"]
# How far 2 ranks may end from 1 process, as a fraction of how far training moved each
# tensor. The ranks' float32 sums add in another order than one process's; here that
# moves a few BatchNorm outputs that sit within 1e-6 of zero across a ReLU's kink (the
# images' uniform background gives many equal values), which changes those elements'
# gradients entirely. One step's gradients differ by up to 0.4% of a layer's largest
# (one process in float32 is within 1e-6 of float64); after 8 steps the weights differ by
# up to 5% of their movement (measured). The library's own test (test_two_ranks.py) shows
# agreement to 1e-7 where no value sits at a kink.
MOVEMENT_FRACTION = 0.15


def weights(folder: Path) -> dict[str, np.ndarray]:
    return {k: np.asarray(v) for k, v in mg.load(folder / "model.safetensors").items()}


def metrics(folder: Path) -> list[dict[str, float]]:
    header, *rows = (folder / "metrics.csv").read_text().splitlines()
    return [dict(zip(header.split(","), map(float, row.split(",")))) for row in rows]


def without_timing(rows: list[dict[str, float]]) -> list[dict[str, float]]:
    return [{k: v for k, v in row.items() if k not in ("seconds", "images_per_second")}
            for row in rows]


@pytest.fixture(scope="module")
def two_ranks(run_cli, tmp_path_factory):
    """The folder and output of a 2-rank run of the CNN without dropout."""
    out = tmp_path_factory.mktemp("two_ranks")
    finished = run_cli(*QUICK, *NO_DROPOUT, "--distributed", "--out", str(out))
    assert finished.returncode == 0, finished.output
    return out, finished.output


def test_two_ranks_of_32_train_what_one_process_of_64_trains(two_ranks, tmp_path):
    out, output = two_ranks
    assert cli_worker.main(QUICK + NO_DROPOUT + ["--out", str(tmp_path)]) == 0
    one, two, start = weights(tmp_path), weights(out), initial_weights()
    assert one.keys() == two.keys()
    for key in trained_keys(one):
        moved = np.abs(one[key] - start[key]).max()
        assert np.abs(two[key] - one[key]).max() <= MOVEMENT_FRACTION * moved, key
    # the sharded evaluation and the summed training statistics are the whole set's: the
    # losses agree to 1e-3, and (weights a few 1e-3 apart, see above) the accuracies to
    # one image of the 256 training or 100 test images
    for a, b in zip(metrics(tmp_path), metrics(out), strict=True):
        for column in ("train_loss", "test_loss"):
            assert b[column] == pytest.approx(a[column], abs=1e-3), column
        for column, images in (("train_top1", 256), ("test_top1", 100), ("test_top5", 100)):
            assert abs(b[column] - a[column]) <= 1 / images + 2e-5, column  # CSV: 5 decimals
    # rank 0 alone reports
    assert output.count("epoch 2/2: train loss") == 1
    assert "distributed: 2 ranks, 32 images per rank and step (global batch 64)" in output


def initial_weights() -> dict[str, np.ndarray]:
    """The CNN's weights before training (the command line seeds with --seed 0)."""
    mg.manual_seed(0)
    model = cli_worker.small_cnn_without_dropout(num_classes=10, in_channels=1)
    return {k: np.asarray(v) for k, v in model.state_dict().items()}


def trained_keys(state: dict[str, np.ndarray]) -> list[str]:
    return [k for k in state if k.endswith(("weight", "bias"))]


def test_the_comparison_starts_from_the_right_weights_and_they_moved(two_ranks):
    """The comparison above means something: training moved every tensor, and the
    reference start is the run's start (a wrong one would be as far from the trained
    weights as the weights are large)."""
    start, trained = initial_weights(), weights(two_ranks[0])
    for key in trained_keys(trained):
        assert np.abs(trained[key] - start[key]).max() > 1e-3, key
        if start[key].std() > 0:  # randomly initialised: moved by 1-6% of its norm here
            relative = np.linalg.norm(trained[key] - start[key]) / np.linalg.norm(start[key])
            assert relative < 0.5, (key, relative)  # from another seed's start: ~1.4


def test_a_stopped_and_resumed_run_equals_an_uninterrupted_one(run_cli, tmp_path):
    """With dropout (each rank draws its own masks, so each rank's RNG state must be
    restored), stopped in the middle of epoch 2 and resumed: the same weights, bit for bit."""
    straight, resumed = tmp_path / "straight", tmp_path / "resumed"
    for args in ([*QUICK, "--out", str(straight)],
                 [*QUICK, "--out", str(resumed), "--stop-after", "5"],
                 [*QUICK, "--out", str(resumed), "--resume"]):
        finished = run_cli(*args, "--distributed")
        assert finished.returncode == 0, finished.output
    assert "resuming" in finished.output and "at epoch 2, batch 1" in finished.output
    a, b = weights(straight), weights(resumed)
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)
    assert without_timing(metrics(straight)) == without_timing(metrics(resumed))


def test_a_global_batch_the_ranks_cannot_share_is_a_clear_error(run_cli, tmp_path):
    finished = run_cli(*QUICK, "--batch-size", "63", "--distributed", "--out", str(tmp_path),
                       timeout=60)
    assert finished.returncode == 2, finished.output
    assert "--batch-size 63 is the global batch and must be divisible by the 2 ranks" \
        in finished.output
    assert not any(tmp_path.iterdir())


def rank_pids(launcher, seconds=60):
    """{rank: pid} of the ranks ``launcher`` (Open MPI's mpiexec) started."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ranks = {}
        for child in Path(f"/proc/{launcher.pid}/task/{launcher.pid}/children").read_text().split():
            environ = Path(f"/proc/{child}/environ").read_bytes().split(b"\0")
            for variable in environ:
                if variable.startswith(b"OMPI_COMM_WORLD_RANK="):
                    ranks[int(variable.split(b"=")[1])] = int(child)
        if len(ranks) == 2:
            return ranks
        time.sleep(0.2)
    raise AssertionError("mpiexec did not start 2 ranks")


@pytest.mark.parametrize("sent, status, message", [
    # mpiexec sees the death (or rank 0 its vanished TCP peer) and ends the job
    (signal.SIGKILL, None, r"exited on\s+signal 9|Socket closed|process rank 1"),
    # rank 1 stops answering: rank 0's watchdog ends the job after --timeout
    (signal.SIGSTOP, 124, r"no progress for 8 s in the training step"),
    # Ctrl-C reaching one rank (not mpiexec: that kills every rank at once)
    (signal.SIGINT, 130, r"\[rank 1/2\] interrupted \(Ctrl-C\): ending all 2 ranks"),
])
def test_a_failing_rank_ends_every_rank_within_the_timeout(start_cli, tmp_path, sent, status,
                                                            message):
    launcher = start_cli("--limit", "8192", "--batch-size", "64", "--epochs", "3",
                         "--no-progress", "--workers", "0", "--timeout", "8", "--distributed",
                         "--out", str(tmp_path))
    pids = rank_pids(launcher)
    for line in launcher.stdout:  # rank 0 prints this once the model and data are ready
        if "parameters;" in line:
            break
    time.sleep(2)                 # into the training steps
    os.kill(pids[1], sent)
    start = time.monotonic()
    output, _ = launcher.communicate(timeout=60)  # raises TimeoutExpired on a hang
    seconds = time.monotonic() - start
    assert launcher.returncode != 0 if status is None else launcher.returncode == status, output
    assert re.search(message, output), output
    assert seconds < 8 + 20, f"took {seconds:.0f} s to end"
    assert "test accuracy" not in output and not (tmp_path / "model.safetensors").exists()
