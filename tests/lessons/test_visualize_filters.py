"""Lesson: what conv filters learn (examples/visualize_filters.py)."""
import json

import numpy as np
import pytest
from PIL import Image

from examples import visualize_filters as vf
from layers.models.small_cnn import small_cnn
from layers.summary import ReceptiveField
from minigrad.data.fashion_subsets import fashion_mnist_available


def test_receptive_field_box_follows_the_centre_formula_and_is_clipped():
    rf = ReceptiveField(size=(14, 14), jump=(2, 2), padding=(6, 6))  # small_cnn's last conv
    assert vf.receptive_field_box(rf, 0, 0, (28, 28)) == (0, 0, 7, 7)          # -6..7, clipped
    assert vf.receptive_field_box(rf, 5, 7, (28, 28)) == (4, 8, 17, 21)        # centre 2i + 0.5
    assert vf.receptive_field_box(rf, 13, 13, (28, 28)) == (20, 20, 27, 27)    # 20..33, clipped


def test_strongest_responses_take_one_peak_per_image_strongest_first():
    acts = np.zeros((3, 2, 4, 4), dtype=np.float32)
    acts[0, 1, 2, 3] = 5.0
    acts[0, 1, 0, 0] = 4.0          # a second peak in image 0 must not count twice
    acts[2, 1, 1, 1] = 7.0
    hits = vf.strongest_responses(acts, unit=1, count=2)
    assert [(h.image, h.row, h.col, h.value) for h in hits] == [(2, 1, 1, 7.0), (0, 2, 3, 5.0)]


def test_conv_activations_pair_each_conv_with_its_relu():
    assert vf.conv_activations(small_cnn()) == [("0", "2"), ("3", "5"), ("7", "9"),
                                                ("10", "12")]


@pytest.mark.skipif(not fashion_mnist_available(), reason="Fashion-MNIST is not installed")
def test_quick_run_on_fashion_mnist_writes_every_picture(tmp_path):
    assert vf.main(["--quick", "--out", str(tmp_path)]) == 0
    r = json.loads((tmp_path / "results.json").read_text())
    assert r["receptive_field_size"] == [14, 14] and r["jump"] == [2, 2]
    for values in r["top_activations"].values():
        assert values == sorted(values, reverse=True) and len(values) == 8
    for name in ["filters", "activations_conv1", "activations_conv4", "top_patches"]:
        assert (tmp_path / f"{name}.png").stat().st_size > 2_000


def test_quick_run_on_an_rgb_image_folder(tmp_path):
    rng = np.random.default_rng(0)
    for split in ("train", "val"):
        for label in ("a", "b"):
            (tmp_path / "data" / split / label).mkdir(parents=True)
            for i in range(6):
                pixels = rng.integers(0, 256, (20, 20, 3), dtype=np.uint8)
                Image.fromarray(pixels).save(tmp_path / "data" / split / label / f"{i}.png")
    out = tmp_path / "out"
    assert vf.main(["--quick", "--data", f"imagefolder:{tmp_path / 'data'}", "--image-size",
                    "16", "--top", "3", "--out", str(out)]) == 0
    assert json.loads((out / "results.json").read_text())["receptive_field_size"] == [14, 14]
    assert (out / "filters.png").stat().st_size > 2_000 and (out / "top_patches.png").exists()
