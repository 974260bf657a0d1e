"""Colour adjustments on float images in [0, 1]: the math behind ``ColorJitter``.

Images are ``H×W×3`` (RGB) or ``H×W`` (grayscale) float32 arrays in [0, 1]. The
adjustments follow torchvision: each blends the image with a reference image,
``clip(factor * image + (1 - factor) * reference, 0, 1)``; factor 1 leaves it unchanged.
"""
from __future__ import annotations

import numpy as np

# ITU-R 601-2 luma weights, the ones torchvision and Pillow use for RGB -> L.
LUMA_WEIGHTS = np.array([0.299, 0.587, 0.114], dtype=np.float32)


def is_rgb(image: np.ndarray) -> bool:
    """True for ``H×W×3``; False for grayscale ``H×W`` (or ``H×W×1``)."""
    return image.ndim == 3 and image.shape[2] == 3


def grayscale(image: np.ndarray) -> np.ndarray:
    """The luma ``H×W`` of an RGB image (a grayscale image is returned as it is)."""
    return image @ LUMA_WEIGHTS if is_rgb(image) else image


def blend(image: np.ndarray, reference: np.ndarray | float, factor: float) -> np.ndarray:
    """``clip(factor * image + (1 - factor) * reference, 0, 1)`` in float32."""
    mixed = np.float32(factor) * image + np.float32(1 - factor) * reference
    return np.clip(mixed, 0, 1, out=mixed)


def adjust_brightness(image: np.ndarray, factor: float) -> np.ndarray:
    """Blend with black: factor 0 gives black, 2 doubles every value (then clips)."""
    return blend(image, 0.0, factor)


def adjust_contrast(image: np.ndarray, factor: float) -> np.ndarray:
    """Blend with the image's mean gray level: factor 0 gives a uniform gray image."""
    return blend(image, float(grayscale(image).mean()), factor)


def adjust_saturation(image: np.ndarray, factor: float) -> np.ndarray:
    """Blend with the image's grayscale version: factor 0 removes all colour."""
    if not is_rgb(image):
        return image
    return blend(image, grayscale(image)[..., None], factor)


def adjust_hue(image: np.ndarray, shift: float) -> np.ndarray:
    """Rotate every pixel's hue by ``shift`` turns (in [-0.5, 0.5]) in HSV space."""
    if not is_rgb(image):
        return image
    hsv = rgb_to_hsv(image)
    hsv[..., 0] = (hsv[..., 0] + shift) % 1.0
    return hsv_to_rgb(hsv)


def rgb_to_hsv(rgb: np.ndarray) -> np.ndarray:
    """``H×W×3`` RGB in [0, 1] to HSV with every channel in [0, 1] (hue in turns).

    The standard hexcone model (as Python's ``colorsys``): ``V = max``, ``S = (max - min) / max``
    and the hue from which channel is the largest; gray pixels get hue 0 and saturation 0.
    """
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    value = rgb.max(axis=-1)
    chroma = value - rgb.min(axis=-1)
    gray = chroma == 0
    saturation = chroma / np.where(value == 0, 1, value)
    safe_chroma = np.where(gray, 1, chroma)  # avoid 0/0 for gray pixels; their hue is 0
    # Hue in sixths of a turn, measured from the sector of the largest channel.
    hue = np.where(value == r, (g - b) / safe_chroma,
                   np.where(value == g, 2 + (b - r) / safe_chroma, 4 + (r - g) / safe_chroma))
    hue = np.where(gray, 0, (hue / 6) % 1.0)
    return np.stack([hue, saturation, value], axis=-1).astype(np.float32)


def hsv_to_rgb(hsv: np.ndarray) -> np.ndarray:
    """Inverse of :func:`rgb_to_hsv`."""
    hue, saturation, value = hsv[..., 0], hsv[..., 1], hsv[..., 2]
    sector = np.floor(hue * 6)
    offset = hue * 6 - sector  # position inside the sector, in [0, 1)
    sector = sector.astype(np.int64) % 6
    p = value * (1 - saturation)
    q = value * (1 - saturation * offset)
    t = value * (1 - saturation * (1 - offset))
    # Each sector of the hue circle takes R, G, B from a different one of v, p, q, t.
    r = np.choose(sector, [value, q, p, p, t, value])
    g = np.choose(sector, [t, value, value, q, p, p])
    b = np.choose(sector, [p, p, t, value, value, q])
    return np.clip(np.stack([r, g, b], axis=-1), 0, 1).astype(np.float32)
