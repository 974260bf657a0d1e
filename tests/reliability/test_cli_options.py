"""The training command line refuses what cannot work with one ``error:`` line and exit
status 2, touching nothing: bad option values, options that cannot continue a run on
``--resume``, a second writer, a damaged ``metrics.csv``; a full disk is one ``error:``
line and exit status 1 with the previous checkpoint intact."""
from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import time

import pytest

from minigrad.training import train_cli

from tiny_run import ROOT, TINY_RUN, assert_same_run, cli_command, needs_fashion_mnist

# Every numeric option (and --device) with values it must refuse, and what the message says.
BAD_VALUES = {
    "--epochs": {"0": "> 0", "-1": "> 0", "1.5": "integer", "x": "integer"},
    "--batch-size": {"0": "> 0", "-8": "> 0", "1e2": "integer", "": "integer"},
    "--limit": {"0": "> 0", "-1": "> 0", "1e3": "integer"},
    "--stop-after": {"0": "> 0", "-2": "> 0", "two": "integer"},
    "--seed": {"-1": ">= 0", "0.5": "integer", "inf": "integer"},
    "--image-size": {"0": ">= 8", "7": ">= 8", "-64": ">= 8", "4097": "at most 4096",
                     "64px": "integer"},
    "--workers": {"-1": ">= 0", "257": "at most 256", "two": "integer"},
    "--lr": {"0": "> 0", "-0.1": "> 0", "nan": "> 0", "inf": "> 0", "1e999": "> 0",
             "fast": "number"},
    "--weight-decay": {"-1e-4": ">= 0", "nan": ">= 0", "inf": ">= 0", "x": "number"},
    "--timeout": {"0": "> 0", "-5": "> 0", "nan": "> 0", "inf": "> 0", "soon": "number"},
    "--device": {"tpu": "unknown device", "cuda:x": "unknown device", "cuda:-1": "unknown device",
                 "": "unknown device"},
}
CASES = [(option, value, message) for option, values in BAD_VALUES.items()
         for value, message in values.items()]


def error_line(capsys: pytest.CaptureFixture[str]) -> str:
    """The one line the command printed on stderr (which must start with ``error:``)."""
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: "), err
    return err[0]


def test_the_table_covers_every_numeric_option():
    numeric = {action.option_strings[-1] for action in train_cli.build_parser()._actions
               if action.type is not None and action.option_strings}
    assert numeric == set(BAD_VALUES)


@pytest.mark.parametrize("option, value, message", CASES)
def test_bad_option_values_are_one_error_line_and_exit_status_2(tmp_path, capsys, option,
                                                                value, message):
    out = tmp_path / "run"
    tiny = TINY_RUN + ["--stop-after", "1"]  # were the value accepted: a short run
    assert train_cli.main(tiny + [f"{option}={value}", "--out", str(out)]) == 2
    line = error_line(capsys)
    assert option in line and message in line, line
    assert not out.exists()  # refused before anything was created


@needs_fashion_mnist
def test_more_batch_size_than_images_is_refused(tmp_path, capsys):
    assert train_cli.main(["--limit", "20", "--batch-size", "32", "--no-progress",
                           "--out", str(tmp_path / "run")]) == 2
    assert "--batch-size 32 is larger than the 20 training images" in error_line(capsys)


# ---- --resume ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def stopped_run(tmp_path_factory):
    """The tiny run stopped after its first epoch (evaluated) and one more batch."""
    out = tmp_path_factory.mktemp("stopped") / "run"
    assert train_cli.main(TINY_RUN + ["--workers", "0", "--out", str(out),
                                      "--stop-after", "5"]) == 0
    assert len((out / "metrics.csv").read_text().splitlines()) == 2
    return out


def files(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir()}


@needs_fashion_mnist
@pytest.mark.parametrize("change, message", [
    (["--model", "resnet18"], "--model resnet18 (the run has small_cnn)"),
    (["--optimizer", "adam"], "--optimizer adam (the run has sgd)"),
    (["--batch-size", "8"], "--batch-size 8 (the run has 16)"),
    (["--limit", "48"], "--limit 48 (the run has 64)"),
    (["--schedule", "cosine"], "--schedule cosine (the run has onecycle)"),
    (["--lr", "0.1"], "--lr 0.1 (the run has the default)"),
    (["--weight-decay", "0"], "--weight-decay 0.0 (the run has the default)"),
    (["--seed", "1"], "--seed 1 (the run has 0)"),
    (["--no-augment"], "--augment False (the run has True)"),
    (["--epochs", "3"], "its onecycle schedule was built for 2 epochs"),
    (["--epochs", "1"], "its onecycle schedule was built for 2 epochs"),
])
def test_resume_refuses_options_that_cannot_continue_the_run(stopped_run, tmp_path, capsys,
                                                             change, message):
    out = tmp_path / "run"
    shutil.copytree(stopped_run, out)
    before = files(out)
    argv = TINY_RUN + ["--workers", "0", "--out", str(out), "--resume"]
    assert train_cli.main(argv + change) == 2
    line = error_line(capsys)
    assert line.startswith(f"error: cannot resume {out}") and message in line, line
    assert files(out) == before


@needs_fashion_mnist
def test_resume_allows_other_workers_and_more_epochs_of_a_step_schedule(tmp_path, capsys):
    """A finished 1-epoch run with --schedule step, resumed with --epochs 2 (and another
    --workers), ends where a 2-epoch run ends; fewer epochs than trained are refused."""
    step = ["--schedule", "step"]
    straight, extended = tmp_path / "straight", tmp_path / "extended"
    assert train_cli.main(TINY_RUN + step + ["--workers", "0", "--out", str(straight)]) == 0
    one_epoch = [a if a != "2" else "1" for a in TINY_RUN]  # --epochs 1
    assert train_cli.main(one_epoch + step + ["--workers", "0", "--out", str(extended)]) == 0
    assert train_cli.main(TINY_RUN + step + ["--workers", "2", "--out", str(extended),
                                            "--resume"]) == 0
    assert_same_run(extended, straight)
    capsys.readouterr()
    assert train_cli.main(one_epoch + step + ["--out", str(extended), "--resume"]) == 2
    assert "it has already trained 2 epochs" in error_line(capsys)


@needs_fashion_mnist
@pytest.mark.parametrize("content", [
    b"epoch,lr\n1,abc\n",                         # not a number
    b"\x00\xff\xfe\x93 binary",                   # not text
    b"step,loss\n1,2.0\n",                        # no epoch column
    b"epoch,lr\n-5,0.1\n",                        # epochs out of order
    b"epoch,lr,train_loss\n1,0.1,2.0,7\n",        # a field too many
    b"epoch,lr\n1,0.1\n",                         # other columns than the run writes
])
def test_damaged_metrics_csv_on_resume(stopped_run, tmp_path, capsys, content):
    out = tmp_path / "run"
    shutil.copytree(stopped_run, out)
    (out / "metrics.csv").write_bytes(content)
    before = files(out)
    assert train_cli.main(TINY_RUN + ["--workers", "0", "--out", str(out), "--resume"]) == 2
    line = error_line(capsys)
    assert str(out / "metrics.csv") in line and "damaged" in line, line
    assert files(out) == before


@needs_fashion_mnist
@pytest.mark.parametrize("damage", ["bit flip", "truncated"])
def test_damaged_checkpoint_on_resume(stopped_run, tmp_path, capsys, damage):
    out = tmp_path / "run"
    shutil.copytree(stopped_run, out)
    checkpoint = out / train_cli.CHECKPOINT
    data = bytearray(checkpoint.read_bytes())
    if damage == "bit flip":
        data[-100] ^= 0x04  # in the last array's bytes
    checkpoint.write_bytes(bytes(data if damage == "bit flip" else data[:len(data) // 2]))
    before = files(out)
    assert train_cli.main(TINY_RUN + ["--workers", "0", "--out", str(out), "--resume"]) == 2
    line = error_line(capsys)
    assert line.startswith(f"error: cannot resume from {checkpoint}: cannot read {checkpoint}")
    assert files(out) == before


# ---- one writer per folder -------------------------------------------------------------
def write_lock(folder, pid, host=None):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "run.lock").write_text(json.dumps(
        {"pid": pid, "host": host or socket.gethostname(), "started": "2026-01-01 00:00:00"}))


@needs_fashion_mnist
def test_a_second_writer_is_refused_while_the_first_runs(tmp_path, capsys):
    out = tmp_path / "run"
    first = subprocess.Popen(cli_command(*TINY_RUN, "--workers", "0", "--out", str(out)),
                             cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # a new run as soon as the first holds the lock; --resume once it has a checkpoint
        for resume, file in (([], "run.lock"), (["--resume"], train_cli.CHECKPOINT)):
            deadline = time.monotonic() + 60
            while not (out / file).exists() and time.monotonic() < deadline:
                time.sleep(0.01)
            status = train_cli.main(TINY_RUN + ["--out", str(out)] + resume)
            line = error_line(capsys)
            assert status == 2 and f"in use by process {first.pid}" in line, line
    finally:
        assert first.wait(timeout=120) == 0  # the first run was not disturbed
    assert not (out / "run.lock").exists()


def test_lock_of_a_live_process_or_another_host_is_kept(tmp_path, capsys):
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        write_lock(tmp_path / "a", sleeper.pid)
        assert train_cli.main(TINY_RUN + ["--out", str(tmp_path / "a")]) == 2
        assert f"in use by process {sleeper.pid}" in error_line(capsys)
    finally:
        sleeper.kill()
        sleeper.wait()
    write_lock(tmp_path / "b", 1, host="another-machine")
    assert train_cli.main(TINY_RUN + ["--out", str(tmp_path / "b")]) == 2
    line = error_line(capsys)
    assert "another-machine" in line and f"delete {tmp_path / 'b' / 'run.lock'}" in line
    assert (tmp_path / "b" / "run.lock").exists()


@needs_fashion_mnist
def test_stale_lock_of_a_dead_process_is_replaced(tmp_path, capsys):
    dead = subprocess.Popen(["true"])
    dead.wait()  # its pid is now free (and, for the moment, unused)
    out = tmp_path / "run"
    write_lock(out, dead.pid)
    assert train_cli.main(TINY_RUN + ["--workers", "0", "--out", str(out),
                                      "--stop-after", "1"]) == 0
    assert f"removed the stale lock {out / 'run.lock'} of process {dead.pid}" in \
        capsys.readouterr().out
    assert not (out / "run.lock").exists()


# ---- disk full -----------------------------------------------------------------------------
def limit_file_size():
    """In the child: files may not grow past 1 MB (a write beyond fails with EFBIG, as a
    full disk fails with ENOSPC); the checkpoint needs 1.7 MB."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (2**20, 2**20))


@needs_fashion_mnist
def test_a_full_disk_is_one_error_line_and_keeps_the_checkpoint(stopped_run, tmp_path):
    out = tmp_path / "run"
    shutil.copytree(stopped_run, out)
    before = files(out)
    result = subprocess.run(cli_command(*TINY_RUN, "--workers", "0", "--out", str(out),
                                        "--resume"),
                            cwd=ROOT, capture_output=True, text=True,
                            preexec_fn=limit_file_size, env=dict(os.environ))
    assert result.returncode == 1, result.stderr
    assert result.stderr.strip().splitlines() == [
        f"error: cannot write {out / train_cli.CHECKPOINT}: File too large; the previous "
        f"checkpoint is intact"]
    assert files(out) == before  # nothing half-written left behind, nothing replaced
