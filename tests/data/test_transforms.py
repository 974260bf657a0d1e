"""Transforms: shapes, dtypes, value ranges, exact results and reproducibility."""
import colorsys

import numpy as np
import pytest
from PIL import Image

from minigrad.data import transforms as T
from minigrad.data.color import hsv_to_rgb, rgb_to_hsv
from minigrad.data.rng import item_generator, item_rng


def rgb_image(height=20, width=30, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)


def rng(seed=0):
    return np.random.default_rng(seed)


# ---- ToArray and Normalize ------------------------------------------------------------
def test_to_array_is_to_tensor():
    image = rgb_image()
    out = T.ToArray()(image)
    assert out.dtype == np.float32 and out.shape == (3, 20, 30) and out.flags.c_contiguous
    np.testing.assert_array_equal(out, image.transpose(2, 0, 1).astype(np.float32) / 255)
    assert out.min() >= 0 and out.max() <= 1


def test_to_array_grayscale_and_pil():
    gray = rgb_image()[..., 0]
    assert T.ToArray()(gray).shape == (1, 20, 30)
    np.testing.assert_array_equal(T.ToArray()(Image.fromarray(gray)), T.ToArray()(gray))
    palette = Image.fromarray(rgb_image()).quantize(8)
    assert T.ToArray()(palette).shape == (3, 20, 30)  # palette indices become RGB colours


def test_to_array_float_input_is_only_cast():
    image = np.random.default_rng(0).random((4, 5, 3))
    np.testing.assert_allclose(T.ToArray()(image), image.transpose(2, 0, 1), rtol=1e-6)


def test_normalize():
    x = T.ToArray()(rgb_image())
    mean, std = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
    out = T.Normalize(mean, std)(x)
    assert out.dtype == np.float32
    for c in range(3):
        np.testing.assert_allclose(out[c], (x[c] - mean[c]) / std[c], rtol=1e-5, atol=1e-6)


def test_normalize_errors():
    with pytest.raises(ValueError, match="apply ToArray first"):
        T.Normalize((0.5,) * 3, (0.5,) * 3)(rgb_image())  # H×W×3, not C×H×W
    with pytest.raises(ValueError, match="zeros"):
        T.Normalize((0.5,), (0.0,))


# ---- geometry -----------------------------------------------------------------------
@pytest.mark.parametrize("shape, size, expected", [
    ((40, 60), 20, (20, 30)), ((60, 40), 20, (30, 20)), ((33, 50), 16, (16, 24)),
    ((40, 60), (10, 50), (10, 50))])
def test_resize_sizes(shape, size, expected):
    out = T.Resize(size)(rgb_image(*shape))
    assert out.shape == (*expected, 3) and out.dtype == np.uint8


def test_resize_is_pillow_bilinear():
    image = rgb_image(40, 60)
    expected = np.asarray(Image.fromarray(image).resize((30, 20), Image.Resampling.BILINEAR))
    np.testing.assert_array_equal(T.Resize(20)(image), expected)
    np.testing.assert_array_equal(T.Resize(20)(Image.fromarray(image)), expected)
    gray = image[..., 0]
    np.testing.assert_array_equal(T.Resize(20)(gray), expected_gray := np.asarray(
        Image.fromarray(gray).resize((30, 20), Image.Resampling.BILINEAR)))
    assert expected_gray.shape == (20, 30)


def test_resize_needs_uint8():
    with pytest.raises(TypeError, match="before ToArray"):
        T.Resize(8)(np.zeros((16, 16, 3), np.float32))


def test_center_crop():
    image = rgb_image(20, 30)
    np.testing.assert_array_equal(T.CenterCrop(10)(image), image[5:15, 10:20])
    np.testing.assert_array_equal(T.CenterCrop((5, 7))(image), image[8:13, 12:19])  # round(7.5)=8
    padded = T.CenterCrop((24, 30))(image)  # larger: zero rows above and below
    assert padded.shape == (24, 30, 3)
    np.testing.assert_array_equal(padded[2:22], image)
    assert not padded[:2].any() and not padded[22:].any()


def test_random_crop_window_and_padding():
    image = np.full((8, 8), 255, np.uint8)
    out = T.RandomCrop(12, padding=2)(image, rng=rng())
    assert out.shape == (12, 12)  # the whole padded image
    assert not out[:2].any() and not out[:, -2:].any() and (out[2:10, 2:10] == 255).all()
    left_top = T.RandomCrop(8, padding=(3, 1))(image, rng=rng())  # (left/right, top/bottom)
    assert left_top.shape == (8, 8)


def test_random_crop_visits_every_position():
    image = np.arange(36, dtype=np.uint8).reshape(6, 6)
    crop, generator = T.RandomCrop(4), rng(1)
    corners = {int(crop(image, rng=generator)[0, 0]) for _ in range(300)}
    assert corners == {r * 6 + c for r in range(3) for c in range(3)}


def test_random_crop_too_large():
    with pytest.raises(ValueError, match="larger than"):
        T.RandomCrop(10)(rgb_image(8, 8))


def test_random_resized_crop():
    image = rgb_image(50, 80)
    crop = T.RandomResizedCrop(16)
    out = crop(image, rng=rng(3))
    assert out.shape == (16, 16, 3) and out.dtype == np.uint8
    np.testing.assert_array_equal(out, crop(image, rng=rng(3)))
    generator = rng(4)
    for _ in range(200):
        top, left, h, w = crop.window(50, 80, generator)
        assert 0 <= top and top + h <= 50 and 0 <= left and left + w <= 80
        assert 0.08 * 4000 * 0.7 <= h * w <= 4000  # area fraction in scale (up to rounding)


def test_random_resized_crop_falls_back_to_a_central_crop():
    # No window of a 10:1 image has area 100 % and aspect <= 4/3: the fallback clamps it.
    crop = T.RandomResizedCrop(8, scale=(1.0, 1.0))
    assert crop.window(10, 100, rng()) == (0, 43, 10, 13)


def test_horizontal_flip():
    image = rgb_image()
    np.testing.assert_array_equal(T.RandomHorizontalFlip(p=1)(image), image[:, ::-1])
    np.testing.assert_array_equal(T.RandomHorizontalFlip(p=0)(image), image)
    flips = [T.RandomHorizontalFlip()(image, rng=generator)[0, 0, 0] != image[0, 0, 0]
             for generator in [rng(3)] for _ in range(400)]
    assert 0.4 < np.mean(flips) < 0.6


# ---- colour -------------------------------------------------------------------------
def test_hsv_matches_colorsys_and_round_trips():
    pixels = np.random.default_rng(0).random((1, 500, 3)).astype(np.float32)
    pixels[0, :5] = [[0, 0, 0], [1, 1, 1], [0.5, 0.5, 0.5], [1, 0, 0], [0, 0, 1]]
    hsv = rgb_to_hsv(pixels)
    expected = np.array([colorsys.rgb_to_hsv(*p) for p in pixels[0]])
    np.testing.assert_allclose(hsv[0], expected, atol=1e-5)
    np.testing.assert_allclose(hsv_to_rgb(hsv), pixels, atol=1e-5)


def test_color_jitter_single_adjustments():
    image = rgb_image()
    as_float = image.astype(np.float32) / 255
    darker = T.ColorJitter(brightness=(0.5, 0.5))(image, rng=rng())
    np.testing.assert_array_equal(darker, np.rint(as_float * 0.5 * 255).astype(np.uint8))
    gray = T.ColorJitter(saturation=(0, 0))(image, rng=rng())
    assert np.abs(gray.astype(int) - gray[..., :1]).max() <= 1  # R = G = B up to rounding
    flat = T.ColorJitter(contrast=(0, 0))(image, rng=rng())
    assert np.ptp(flat) == 0  # one uniform gray level
    same = T.ColorJitter(hue=(0, 0))(image, rng=rng())
    assert np.abs(same.astype(int) - image).max() <= 1


def test_color_jitter_hue_rotates_primaries():
    red = np.zeros((2, 2, 3), np.float32)
    red[..., 0] = 1
    shifted = T.ColorJitter(hue=(1 / 3, 1 / 3))(red, rng=rng())  # a third of a turn: green
    np.testing.assert_allclose(shifted[0, 0], [0, 1, 0], atol=1e-6)


def test_color_jitter_reproducible_and_in_range():
    image = rgb_image()
    jitter = T.ColorJitter(0.4, 0.4, 0.4, 0.1)
    out = jitter(image, rng=rng(7))
    assert out.dtype == np.uint8 and out.shape == image.shape
    np.testing.assert_array_equal(out, jitter(image, rng=rng(7)))
    assert not np.array_equal(out, jitter(image, rng=rng(8)))
    floats = jitter(image.astype(np.float32) / 255, rng=rng(7))
    assert floats.dtype == np.float32 and 0 <= floats.min() and floats.max() <= 1
    assert jitter(image[..., 0], rng=rng(7)).shape == (20, 30)  # grayscale works


def test_color_jitter_arguments():
    jitter = T.ColorJitter(brightness=0.4, hue=0.1)
    assert jitter.brightness == (0.6, 1.4) and jitter.hue == (-0.1, 0.1)
    assert jitter.contrast is None and jitter.saturation is None
    assert T.ColorJitter(brightness=2).brightness == (0.0, 3.0)
    with pytest.raises(ValueError, match="hue"):
        T.ColorJitter(hue=0.6)
    with pytest.raises(ValueError, match="before ToArray"):
        T.ColorJitter(0.5)(T.ToArray()(rgb_image()))


# ---- composition and randomness ------------------------------------------------------
def augment():
    return T.Compose([T.RandomResizedCrop(12), T.RandomHorizontalFlip(), T.ColorJitter(0.3, 0.3),
                      lambda x: x[::-1], T.ToArray(), T.Normalize((0.5,) * 3, (0.25,) * 3)])


def test_compose_passes_its_rng():
    image = rgb_image(32, 32)
    out = augment()(image, rng=rng(5))
    assert out.shape == (3, 12, 12) and out.dtype == np.float32
    np.testing.assert_array_equal(out, augment()(image, rng=rng(5)))
    assert not np.array_equal(out, augment()(image, rng=rng(6)))


def test_default_generator_is_minigrads_global_one():
    mg = pytest.importorskip("minigrad")
    image = rgb_image(32, 32)
    mg.manual_seed(11)
    first = augment()(image)
    mg.manual_seed(11)
    np.testing.assert_array_equal(first, augment()(image))


def test_item_rng_is_the_default_inside_its_block():
    image = rgb_image(32, 32)
    with item_rng(seed=1, epoch=2, index=3):
        inside = augment()(image)
    np.testing.assert_array_equal(inside, augment()(image, rng=item_generator(1, 2, 3)))


def test_input_is_never_modified():
    image = rgb_image(32, 32)
    before = image.copy()
    augment()(image, rng=rng())
    T.RandomCrop(32, padding=4)(image, rng=rng())
    np.testing.assert_array_equal(image, before)
