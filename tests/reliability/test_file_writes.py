"""How minigrad writes files: with the mode the umask gives (as ``open`` would), never
half-written over a good file, and without leaving temporary files behind for good."""
from __future__ import annotations

import errno
import os
import stat
import subprocess

import pytest

import minigrad as mg
from minigrad import atomic, serialization
from minigrad.training.metrics_log import MetricsLog
from minigrad.training.run_lock import RunLock


@pytest.fixture
def umask():
    """``umask(value)`` sets the process's umask for the test (restored afterwards)."""
    previous = os.umask(0o022)
    yield os.umask
    os.umask(previous)


@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_written_files_get_the_mode_the_umask_gives(tmp_path, umask, mask, mode):
    umask(mask)
    mg.save({"w": mg.ones(2)}, tmp_path / "w.safetensors")
    mg.save({"w": mg.ones(2)}, tmp_path / "w.npz")
    MetricsLog(tmp_path / "metrics.csv").append({"epoch": 1, "loss": 0.5})
    for name in ("w.safetensors", "w.npz", "metrics.csv"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == mode, name


def part_name(target, pid, host_tag=None):
    return target.with_name(f".{target.name}.{host_tag or atomic.host_tag()}-{pid}.0a1b2c3d"
                            f"{atomic.PART_SUFFIX}")


def test_stale_temporary_files_of_dead_writers_are_removed(tmp_path):
    target = tmp_path / "checkpoint.safetensors"
    dead = subprocess.Popen(["true"])
    dead.wait()
    live = subprocess.Popen(["sleep", "60"])
    try:
        stale = part_name(target, dead.pid)
        in_use = part_name(target, live.pid)      # a writer still at work
        remote = part_name(target, dead.pid, "ffffffff")  # another host: cannot be checked
        other = part_name(tmp_path / "other.safetensors", dead.pid)  # another file's
        for part in (stale, in_use, remote, other):
            part.write_bytes(b"half a checkpoint")
        mg.save({"w": mg.ones(2)}, target)
        assert not stale.exists()
        assert in_use.exists() and remote.exists() and other.exists()
    finally:
        live.kill()
        live.wait()


def test_taking_the_run_lock_removes_every_temporary_file_in_the_folder(tmp_path):
    parts = [part_name(tmp_path / name, 1) for name in ("checkpoint.safetensors", "metrics.csv")]
    for part in parts:
        part.write_bytes(b"left by a kill -9")
    with RunLock(tmp_path):
        assert not any(part.exists() for part in parts)
        assert (tmp_path / "run.lock").exists()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("error", [KeyboardInterrupt(), OSError(errno.ENOSPC, "No space left")])
def test_an_interrupted_or_failed_write_keeps_the_old_file(tmp_path, monkeypatch, error):
    path = tmp_path / "ckpt.safetensors"
    mg.save({"w": mg.ones(3)}, path)
    before = path.read_bytes()

    def half_then_fail(file, arrays, metadata):
        file.write(b"\0" * 100)
        raise error
    monkeypatch.setattr(serialization, "_write_safetensors", half_then_fail)
    with pytest.raises(type(error)) as raised:
        mg.save({"w": mg.zeros(3)}, path)
    if isinstance(error, OSError):  # the message names the file being written
        assert raised.value.filename == str(path) and str(path) in str(raised.value)
    assert path.read_bytes() == before and list(tmp_path.iterdir()) == [path]

