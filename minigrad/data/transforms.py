"""Image transforms with torchvision's names and semantics, on NumPy arrays.

Input images are uint8 arrays ``H×W`` / ``H×W×C`` or PIL images (converted to arrays on
entry; every transform returns a NumPy array). A typical training pipeline::

    Compose([RandomResizedCrop(224), RandomHorizontalFlip(), ColorJitter(0.4, 0.4, 0.4),
             ToArray(), Normalize(mean, std)])

Everything before ``ToArray`` works on channels-last images; ``ToArray`` makes the float32
``C×H×W`` array the network wants, and ``Normalize`` works on that. ``ToTensor`` is
torchvision's name and result: the same values as a minigrad Tensor (``Normalize`` and the
DataLoader take either), for code ported from PyTorch.

Randomness: a random transform is called as ``t(image, rng=None)`` and draws only from
``rng``, so the same seed gives the same output. With ``rng=None`` it uses the generator
of :func:`minigrad.data.rng.resolve`: the current item's generator inside a DataLoader,
else minigrad's global generator (reseeded by ``mg.manual_seed``).
"""
from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from kernels.geometry import pair

from ..creation import from_numpy
from ..tensor import Tensor
from . import color, image_ops
from .rng import resolve

Size = int | tuple[int, int]


def _positive_pair(size: Size, name: str) -> tuple[int, int]:
    """``size`` as ``(height, width)``; an int means a square. Both must be positive."""
    height_width = pair(size, name)
    if min(height_width) < 1:
        raise ValueError(f"{name} must be positive, got {size!r}")
    return height_width


class Transform:
    """Base class: ``__call__(image, rng=None)`` returns the transformed image."""

    def __call__(self, image: Any, rng: np.random.Generator | None = None) -> np.ndarray:
        raise NotImplementedError

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_"))
        return f"{type(self).__name__}({fields})"


def _takes_rng(function: Callable[..., Any]) -> bool:
    """Whether ``function`` accepts an ``rng`` keyword (plain callables need not)."""
    if isinstance(function, Transform):
        return True
    try:
        return "rng" in inspect.signature(function).parameters
    except (TypeError, ValueError):  # builtins without a signature
        return False


class Compose(Transform):
    """Apply ``transforms`` in order, handing ``rng`` to each one that takes it."""

    def __init__(self, transforms: Sequence[Callable[..., Any]]) -> None:
        self.transforms = list(transforms)
        self._takes_rng = [_takes_rng(t) for t in self.transforms]

    def __call__(self, image: Any, rng: np.random.Generator | None = None) -> Any:
        for transform, takes_rng in zip(self.transforms, self._takes_rng, strict=True):
            image = transform(image, rng=rng) if takes_rng else transform(image)
        return image


class ToArray(Transform):
    """uint8 ``H×W`` / ``H×W×C`` (or PIL) -> float32 ``C×H×W`` in [0, 1], like ``ToTensor``.

    uint8 values are divided by 255; a floating image is only cast to float32 (it is
    taken to be in [0, 1] already). Grayscale ``H×W`` becomes ``1×H×W``.
    """

    def __call__(self, image: Any, rng: np.random.Generator | None = None) -> np.ndarray:
        array = image_ops.as_array(image)
        array = array[None] if array.ndim == 2 else array.transpose(2, 0, 1)
        return image_ops.to_float(np.ascontiguousarray(array))


class ToTensor(ToArray):
    """torchvision's ``ToTensor``: :class:`ToArray`'s float32 ``C×H×W`` values in [0, 1], as
    a CPU Tensor (sharing the array), so ``transform(image).to(device)`` works as in PyTorch.
    """

    def __call__(self, image: Any, rng: np.random.Generator | None = None) -> Tensor:
        return from_numpy(super().__call__(image))


# The per-channel mean and std of ImageNet's training images (RGB, in [0, 1]): the
# normalisation torchvision's pretrained models expect.
IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


class Normalize(Transform):
    """``(x - mean[c]) / std[c]`` per channel of a float ``C×H×W`` (or ``N×C×H×W``) array."""

    def __init__(self, mean: Sequence[float], std: Sequence[float]) -> None:
        self.mean = tuple(float(m) for m in mean)
        self.std = tuple(float(s) for s in std)
        if len(self.mean) != len(self.std):
            raise ValueError(f"mean and std need one value per channel, got {self.mean} "
                             f"and {self.std}")
        if any(s == 0 for s in self.std):
            raise ValueError(f"std must not contain zeros, got {self.std}")
        self._mean = np.array(self.mean, dtype=np.float32)[:, None, None]
        self._std = np.array(self.std, dtype=np.float32)[:, None, None]

    def __call__(self, image: np.ndarray | Tensor, rng: np.random.Generator | None = None
                 ) -> np.ndarray | Tensor:
        if isinstance(image, Tensor):  # after ToTensor: a Tensor in, a Tensor out
            return from_numpy(self(image.numpy())).to(image.device)
        if image.ndim < 3 or image.shape[-3] != len(self.mean):
            raise ValueError(f"Normalize with {len(self.mean)} channels expects a C×H×W array "
                             f"(apply ToArray first), got shape {image.shape}")
        return ((image - self._mean) / self._std).astype(np.float32, copy=False)


class Resize(Transform):
    """Resize with bilinear interpolation (Pillow, antialiased when shrinking).

    ``size`` an int: the shorter side becomes ``size`` and the aspect ratio is kept (the
    longer side is ``int(size * long / short)``, as torchvision). ``size = (h, w)``: exactly.
    """

    def __init__(self, size: Size) -> None:
        self.size = size if isinstance(size, (int, np.integer)) else _positive_pair(size, "size")

    def output_size(self, height: int, width: int) -> tuple[int, int]:
        """The ``(height, width)`` an image of ``height×width`` is resized to."""
        if not isinstance(self.size, (int, np.integer)):
            return self.size
        short, long = sorted((height, width))
        new_short, new_long = int(self.size), int(self.size * long / short)
        return (new_short, new_long) if height <= width else (new_long, new_short)

    def __call__(self, image: Any, rng: np.random.Generator | None = None) -> np.ndarray:
        array = image_ops.as_array(image)
        return image_ops.resize(array, self.output_size(*array.shape[:2]))


class CenterCrop(Transform):
    """The central ``size`` window (zero-padded when the image is smaller)."""

    def __init__(self, size: Size) -> None:
        self.size = _positive_pair(size, "size")

    def __call__(self, image: Any, rng: np.random.Generator | None = None) -> np.ndarray:
        return image_ops.center_crop(image_ops.as_array(image), self.size)


def _padding_ltrb(padding: int | Sequence[int]) -> tuple[int, int, int, int]:
    """torchvision's padding forms: ``p`` (all sides), ``(lr, tb)`` or ``(l, t, r, b)``."""
    if isinstance(padding, (int, np.integer)):
        return (int(padding),) * 4
    if len(padding) == 2:
        return (int(padding[0]), int(padding[1])) * 2
    if len(padding) == 4:
        return tuple(int(p) for p in padding)  # type: ignore[return-value]
    raise ValueError(f"padding must be an int, or a sequence of 2 or 4 ints, got {padding!r}")


class RandomCrop(Transform):
    """A ``size`` window at a uniformly random position, after zero-padding the borders.

    ``padding``: ``p`` pads every side by ``p`` (CIFAR-style ``RandomCrop(32, padding=4)``),
    ``(left/right, top/bottom)`` or ``(left, top, right, bottom)``.
    """

    def __init__(self, size: Size, padding: int | Sequence[int] = 0) -> None:
        self.size = _positive_pair(size, "size")
        self.padding = padding
        self._padding = _padding_ltrb(padding)

    def __call__(self, image: Any, rng: np.random.Generator | None = None) -> np.ndarray:
        rng = resolve(rng)
        array = image_ops.as_array(image)
        if any(self._padding):
            array = image_ops.pad(array, *self._padding)
        (h, w), (height, width) = array.shape[:2], self.size
        if height > h or width > w:
            raise ValueError(f"RandomCrop of {self.size} is larger than the (padded) image "
                             f"of {(h, w)}")
        top = int(rng.integers(0, h - height + 1))
        left = int(rng.integers(0, w - width + 1))
        return image_ops.crop(array, top, left, height, width)


class RandomResizedCrop(Transform):
    """Crop a random area and aspect ratio, then resize it to ``size`` (Inception-style).

    The window covers a fraction of the image area drawn uniformly from ``scale`` and has an
    aspect ratio (width / height) drawn log-uniformly from ``ratio``. After 10 draws that do
    not fit, it falls back to a central crop clamped to ``ratio`` (torchvision's algorithm).
    """

    def __init__(self, size: Size, scale: tuple[float, float] = (0.08, 1.0),
                 ratio: tuple[float, float] = (3 / 4, 4 / 3)) -> None:
        if scale[0] > scale[1] or ratio[0] > ratio[1]:
            raise ValueError(f"scale and ratio must be (min, max), got {scale} and {ratio}")
        self.size = _positive_pair(size, "size")
        self.scale = tuple(scale)
        self.ratio = tuple(ratio)

    def window(self, height: int, width: int, rng: np.random.Generator
               ) -> tuple[int, int, int, int]:
        """A random ``(top, left, crop_height, crop_width)`` inside a ``height×width`` image."""
        area = height * width
        log_ratio = (math.log(self.ratio[0]), math.log(self.ratio[1]))
        for _ in range(10):
            target_area = area * rng.uniform(*self.scale)
            aspect = math.exp(rng.uniform(*log_ratio))
            w = int(round(math.sqrt(target_area * aspect)))
            h = int(round(math.sqrt(target_area / aspect)))
            if 0 < w <= width and 0 < h <= height:
                top = int(rng.integers(0, height - h + 1))
                left = int(rng.integers(0, width - w + 1))
                return top, left, h, w
        # Fallback: the largest central window whose aspect ratio is within `ratio`.
        image_ratio = width / height
        if image_ratio < self.ratio[0]:
            w, h = width, int(round(width / self.ratio[0]))
        elif image_ratio > self.ratio[1]:
            w, h = int(round(height * self.ratio[1])), height
        else:
            w, h = width, height
        return (height - h) // 2, (width - w) // 2, h, w

    def __call__(self, image: Any, rng: np.random.Generator | None = None) -> np.ndarray:
        array = image_ops.as_array(image)
        top, left, h, w = self.window(*array.shape[:2], resolve(rng))
        return image_ops.resize(image_ops.crop(array, top, left, h, w), self.size)


class RandomHorizontalFlip(Transform):
    """Mirror the image left to right with probability ``p``."""

    def __init__(self, p: float = 0.5) -> None:
        self.p = float(p)

    def __call__(self, image: Any, rng: np.random.Generator | None = None) -> np.ndarray:
        array = image_ops.as_array(image)
        return image_ops.hflip(array) if resolve(rng).random() < self.p else array


def _jitter_range(value: float | tuple[float, float], name: str, center: float,
                  bounds: tuple[float, float]) -> tuple[float, float] | None:
    """torchvision's ``ColorJitter`` argument forms as a ``(min, max)`` range, or None for "off".

    A number ``v`` means ``[max(center - v, bounds[0]), center + v]``; a pair is the range
    itself. The range must lie within ``bounds``. The single point ``center`` changes
    nothing: None.
    """
    if isinstance(value, (int, float, np.number)):
        if value < 0:
            raise ValueError(f"{name} must be non-negative, got {value}")
        low, high = max(center - value, bounds[0]), center + value
    elif len(value) == 2:
        low, high = float(value[0]), float(value[1])
    else:
        raise ValueError(f"{name} must be a number or a (min, max) pair, got {value!r}")
    if not bounds[0] <= low <= high <= bounds[1]:
        raise ValueError(f"{name} range {(low, high)} must lie within {bounds}")
    return None if low == high == center else (float(low), float(high))


class ColorJitter(Transform):
    """Randomly change brightness, contrast, saturation and hue, in a random order.

    Each argument is a number ``v`` (factor drawn from ``[max(0, 1 - v), 1 + v]``; for hue,
    a shift from ``[-v, v]`` with ``v <= 0.5``) or a ``(min, max)`` pair; 0 turns it off.
    Works on channels-last RGB or grayscale images, uint8 or float in [0, 1], and returns
    the input's dtype. Unlike torchvision's uint8 path, which rounds after every step,
    the four adjustments run in float32 and the result is rounded once.
    """

    def __init__(self, brightness: float | tuple[float, float] = 0,
                 contrast: float | tuple[float, float] = 0,
                 saturation: float | tuple[float, float] = 0,
                 hue: float | tuple[float, float] = 0) -> None:
        infinity = float("inf")
        self.brightness = _jitter_range(brightness, "brightness", 1.0, (0.0, infinity))
        self.contrast = _jitter_range(contrast, "contrast", 1.0, (0.0, infinity))
        self.saturation = _jitter_range(saturation, "saturation", 1.0, (0.0, infinity))
        self.hue = _jitter_range(hue, "hue", 0.0, (-0.5, 0.5))

    def __call__(self, image: Any, rng: np.random.Generator | None = None) -> np.ndarray:
        rng = resolve(rng)
        array = image_ops.as_array(image)
        if array.ndim == 3 and array.shape[2] not in (1, 3):
            raise ValueError(f"ColorJitter expects a channels-last H×W×3 or H×W image, got "
                             f"shape {array.shape}; apply it before ToArray")
        adjustments = [(self.brightness, color.adjust_brightness),
                       (self.contrast, color.adjust_contrast),
                       (self.saturation, color.adjust_saturation),
                       (self.hue, color.adjust_hue)]
        # Draw the order first, then one factor per enabled adjustment, as torchvision.
        order = rng.permutation(len(adjustments))
        factors = [rng.uniform(*span) if span is not None else None for span, _ in adjustments]
        result = image_ops.to_float(array)
        for i in order:
            if factors[i] is not None:
                result = adjustments[i][1](result, factors[i])
        return image_ops.from_float(result, array.dtype)
