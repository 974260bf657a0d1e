"""The training CLI (``minigrad.training.train_cli``) end to end on small Fashion-MNIST
subsets (skipped if the data is absent)."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.training import train_cli

try:
    mg.data.datasets.FashionMNIST(train=False)
except FileNotFoundError:
    pytest.skip("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)",
                allow_module_level=True)

QUICK = ["--limit", "512", "--batch-size", "64", "--no-progress", "--workers", "2"]


def weights(folder):
    return mg.load(folder / "model.safetensors")


def test_training_lowers_the_loss_and_writes_its_outputs(tmp_path, capsys):
    assert train_cli.main(QUICK + ["--epochs", "2", "--out", str(tmp_path)]) == 0
    rows = (tmp_path / "metrics.csv").read_text().splitlines()
    assert rows[0].startswith("epoch,lr,train_loss") and len(rows) == 3
    first, second = (float(r.split(",")[2]) for r in rows[1:])
    assert second < first                                # the loss went down
    assert (tmp_path / "curves.png").stat().st_size > 1000
    assert "test accuracy: top-1" in capsys.readouterr().out


@pytest.mark.parametrize("stop_after", [8, 11])  # an epoch boundary (8 batches/epoch) and mid-epoch
def test_resume_reaches_the_same_weights_bit_for_bit(tmp_path, stop_after):
    straight, resumed = tmp_path / "straight", tmp_path / "resumed"
    assert train_cli.main(QUICK + ["--epochs", "2", "--out", str(straight)]) == 0
    assert train_cli.main(QUICK + ["--epochs", "2", "--out", str(resumed),
                                   "--stop-after", str(stop_after)]) == 0
    assert not (resumed / "model.safetensors").exists()
    assert train_cli.main(QUICK + ["--epochs", "2", "--out", str(resumed), "--resume"]) == 0
    a, b = weights(straight), weights(resumed)
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_array_equal(np.asarray(a[key]), np.asarray(b[key]), err_msg=key)
    assert (straight / "metrics.csv").read_text().splitlines()[1:] != []
    assert len((resumed / "metrics.csv").read_text().splitlines()) == 3


def test_bad_inputs_are_clear_and_overwrite_nothing(tmp_path, capsys):
    out = tmp_path / "run"
    assert train_cli.main(QUICK + ["--epochs", "1", "--out", str(out)]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    capsys.readouterr()
    assert train_cli.main(QUICK + ["--epochs", "1", "--out", str(out)]) == 2
    assert "already holds a run" in capsys.readouterr().err
    assert train_cli.main(QUICK + ["--epochs", "1", "--out", str(out), "--resume",
                                   "--model", "resnet18"]) == 2
    assert "cannot resume" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert train_cli.main(QUICK + ["--out", str(tmp_path / "x"), "--model", "nope"]) == 2
    assert "unknown" in capsys.readouterr().err
    assert train_cli.main(QUICK + ["--out", str(tmp_path / "y"), "--data", "imagefolder:"
                                   + str(tmp_path / "missing")]) == 2
    assert "missing" in capsys.readouterr().err
    if not mg.cuda_is_available():
        assert train_cli.main(QUICK + ["--out", str(tmp_path / "z"), "--device", "cuda"]) == 2
        assert "no usable GPU" in capsys.readouterr().err
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"not a weights file")
    assert train_cli.main(QUICK + ["--out", str(tmp_path / "w"), "--pretrained", str(bad)]) == 2
    assert "corrupt" in capsys.readouterr().err


def test_linear_probe_training_changes_only_the_head(tmp_path):
    pretrained = tmp_path / "pre"
    assert train_cli.main(QUICK + ["--epochs", "1", "--out", str(pretrained)]) == 0
    probe = tmp_path / "probe"
    assert train_cli.main(QUICK + ["--epochs", "1", "--out", str(probe), "--freeze-backbone",
                                   "--pretrained", str(pretrained / "model.safetensors")]) == 0
    before, after = weights(pretrained), weights(probe)
    head = "19."  # the last Linear of small_cnn (BN running statistics still update, as in PyTorch)
    changed = {k for k in before if not np.array_equal(np.asarray(before[k]), np.asarray(after[k]))}
    assert changed and all(k.startswith(head) or "running" in k or "num_batches" in k
                           for k in changed)


def test_pretrained_weights_get_a_new_head_for_a_new_number_of_classes(tmp_path):
    from layers.models.small_cnn import small_cnn
    source = small_cnn(num_classes=10)
    mg.save(source.state_dict(), tmp_path / "w.safetensors")
    target = small_cnn(num_classes=4)
    train_cli.load_pretrained(target, str(tmp_path / "w.safetensors"))
    np.testing.assert_array_equal(target.state_dict()["0.weight"], source.state_dict()["0.weight"])
    assert target.state_dict()["19.weight"].shape == (4, 128)


def test_ctrl_c_saves_a_checkpoint_that_resumes(tmp_path):
    """A real SIGINT in the middle of an epoch: checkpoint written, exit code 130, resumable."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    out = tmp_path / "run"
    command = [sys.executable, "-m", "minigrad.training", "--limit", "3000",
               "--batch-size", "32", "--epochs", "1", "--workers", "0", "--out", str(out)]
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    process = subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.PIPE,
                               env=env, cwd=root)
    seen = b""
    deadline = time.monotonic() + 120
    while b"epoch 1/1" not in seen and time.monotonic() < deadline:  # tqdm's bar has started
        chunk = process.stderr.read1(256)
        if not chunk and process.poll() is not None:
            break
        seen += chunk
    time.sleep(1.0)
    process.send_signal(signal.SIGINT)
    stdout, _ = process.communicate(timeout=120)
    assert process.returncode == 130, stdout.decode()
    assert b"interrupted: saved" in stdout
    assert (out / "checkpoint.safetensors").exists()
    assert train_cli.main(["--limit", "3000", "--batch-size", "32", "--epochs", "1", "--workers",
                           "0", "--out", str(out), "--resume", "--no-progress"]) == 0
    assert (out / "model.safetensors").exists()
