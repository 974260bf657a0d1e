"""The training CLI (``minigrad.training.train_cli``) on ImageNet-layout and Tiny ImageNet
trees of real JPEG files made here."""
import numpy as np
import pytest
from PIL import Image

from minigrad.training import train_cli

WNIDS = ["n01440764", "n02102040", "n02979186"]  # Imagenette: tench, springer, cassette player


def write_jpeg(path, rng, size=40):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(rng.integers(0, 256, (size, size + 6, 3), dtype=np.uint8)).save(path)


@pytest.fixture
def imagefolder(tmp_path):
    rng = np.random.default_rng(0)
    for split, count in (("train", 8), ("val", 3)):
        for wnid in WNIDS:
            for k in range(count):
                write_jpeg(tmp_path / "data" / split / wnid / f"{wnid}_{k}.JPEG", rng)
    return tmp_path / "data"


@pytest.fixture
def tiny_imagenet(tmp_path):
    rng = np.random.default_rng(1)
    root = tmp_path / "tiny"
    (root / "val" / "images").mkdir(parents=True)
    (root / "wnids.txt").write_text("\n".join(WNIDS) + "\n")
    (root / "words.txt").write_text("".join(f"{w}\tclass {w}\n" for w in WNIDS))
    lines = []
    for i, wnid in enumerate(WNIDS):
        for k in range(6):
            write_jpeg(root / "train" / wnid / "images" / f"{wnid}_{k}.JPEG", rng, 64)
        write_jpeg(root / "val" / "images" / f"val_{i}.JPEG", rng, 64)
        lines.append(f"val_{i}.JPEG\t{wnid}\t0\t0\t10\t10")
    (root / "val" / "val_annotations.txt").write_text("\n".join(lines) + "\n")
    return root


ARGS = ["--epochs", "1", "--batch-size", "6", "--image-size", "32", "--no-progress",
        "--workers", "2"]


@pytest.mark.parametrize("model", ["resnet18", "mobilenet_v1"])
def test_train_on_an_imagefolder_tree(imagefolder, tmp_path, model, capsys):
    out = tmp_path / model
    assert train_cli.main(ARGS + ["--data", f"imagefolder:{imagefolder}", "--model", model,
                                  "--out", str(out), "--cache", str(tmp_path / "cache")]) == 0
    assert "3 classes" in capsys.readouterr().out
    assert (out / "metrics.csv").exists() and (out / "model.safetensors").exists()


def test_train_on_a_tiny_imagenet_tree(tiny_imagenet, tmp_path):
    assert train_cli.main(ARGS + ["--data", f"tiny-imagenet:{tiny_imagenet}", "--model",
                                  "small_cnn", "--out", str(tmp_path / "run")]) == 0
