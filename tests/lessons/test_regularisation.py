"""Lesson: overfitting with small data, augmentation and dropout (examples/regularisation.py)."""
import numpy as np

from examples import regularisation as lesson
from minigrad.data.fashion_subsets import fashion_mnist_arrays, normalize_images


def test_without_augmentation_the_transform_is_the_usual_normalisation():
    images, _ = fashion_mnist_arrays(True, 2, seed=0, normalize=False)
    transform = lesson.training_transform(())
    np.testing.assert_allclose(np.stack([transform(image) for image in images]),
                               normalize_images(images), atol=1e-6)


def test_each_augmentation_keeps_the_shape_and_changes_the_image():
    images, _ = fashion_mnist_arrays(True, 1, seed=0, normalize=False)
    plain = lesson.training_transform(())(images[0])
    for name in lesson.AUGMENTATIONS:
        transform = lesson.training_transform((name,))
        draws = [transform(images[0], rng=np.random.default_rng(seed)) for seed in range(8)]
        assert all(draw.shape == (1, 28, 28) for draw in draws)
        assert any(not np.allclose(draw, plain) for draw in draws), name


def test_quick_run(tmp_path, capsys):
    assert lesson.main(["--quick", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "smoke test" in out and "gap = train − test" in out
    assert "flip + crop + jitter + dropout" in (tmp_path / "output.txt").read_text()
    assert (tmp_path / "loss.png").stat().st_size > 10_000
    assert (tmp_path / "augmented.png").stat().st_size > 10_000
