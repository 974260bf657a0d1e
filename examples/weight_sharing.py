"""Lesson: weight sharing — why a convolution, not a fully connected layer, for images.

    python examples/weight_sharing.py [--quick] [--out DIR] [--seed N]

The lecture's opening argument: to compute the image derivatives dx and dy at every one of
an image's P pixels, a layer needs 2P hidden units. Fully connected, each unit has a
weight for every pixel: 2P·P weights. But each derivative only looks at a pixel's
neighbours (locality: 2P·k weights for a k-tap stencil), and it is the *same* stencil
everywhere (weight sharing: 2·k weights). That is a convolution with two filters.

1. The counts for the lecture's 285×350 image and for a 28×28 one.
2. A conv with the two stencils dx = [−1, 0, 1] and dy = [−1, 0, 1]ᵀ, written out as the
   equivalent fully connected matrix (built by running the conv on each one-hot image):
   the same outputs; of its 2P·P entries at most 2P·2 are non-zero (the stencils' middle
   tap is 0; border pixels lose a neighbour) and they take two values, −1 and 1.
3. Translation: shift the input by a few pixels; the conv's output shifts with it
   (equivariance), a fully connected layer with random weights gives unrelated outputs.
"""
from __future__ import annotations

import argparse

import numpy as np

import minigrad as mg
import minigrad.functional as F
from minigrad.plot import pyplot, save
from minigrad.training.cli import add_lesson_options, parse_lesson_args, tee_output

DERIVATIVE_TAPS = np.array([-1.0, 0.0, 1.0])


def weight_counts(height: int, width: int, taps: int = 3) -> dict[str, int]:
    """Weights of a layer computing 2 maps (dx, dy) of a height×width image, three ways."""
    pixels = height * width
    return {"fully connected": 2 * pixels * pixels, "locally connected": 2 * pixels * taps,
            "convolution (shared)": 2 * taps}


def derivative_filters() -> mg.Tensor:
    """(2, 1, 3, 3) weights: the dx stencil in the middle row, dy in the middle column."""
    weight = np.zeros((2, 1, 3, 3))
    weight[0, 0, 1, :] = DERIVATIVE_TAPS
    weight[1, 0, :, 1] = DERIVATIVE_TAPS
    return mg.tensor(weight)


def derivative_conv(images: np.ndarray) -> np.ndarray:
    """dx, dy of (N, 1, H, W) images: (N, 2, H, W), zero padding at the border."""
    return F.conv2d(mg.tensor(images), derivative_filters(), padding=1).numpy()


def conv_as_matrix(height: int, width: int) -> np.ndarray:
    """The (2·H·W, H·W) matrix M with M @ image.ravel() = derivative_conv(image).ravel(),
    built column by column from one-hot images (the conv is linear)."""
    one_hots = np.eye(height * width).reshape(-1, 1, height, width)
    return derivative_conv(one_hots).reshape(height * width, -1).T


def shift(images: np.ndarray, pixels: int) -> np.ndarray:
    """Move (N, 1, H, W) images right by ``pixels``, filling with zeros."""
    shifted = np.zeros_like(images)
    shifted[..., pixels:] = images[..., :images.shape[-1] - pixels]
    return shifted


def shift_errors(images: np.ndarray, pixels: int, seed: int) -> tuple[float, float]:
    """Relative error of "output of the shifted image = shifted output", away from the
    borders, for the derivative conv and for a random fully connected layer of the same
    output size."""
    moved = shift(images, pixels)
    inner = (..., slice(2, -2), slice(pixels + 2, -2))

    def relative(a: np.ndarray, b: np.ndarray) -> float:
        return float(np.linalg.norm(a[inner] - b[inner]) / np.linalg.norm(b[inner]))

    conv_error = relative(derivative_conv(moved), shift(derivative_conv(images), pixels))
    n, _, h, w = images.shape
    dense = np.random.default_rng(seed).standard_normal((2 * h * w, h * w)) / np.sqrt(h * w)

    def fully_connected(x: np.ndarray) -> np.ndarray:
        return (x.reshape(n, -1) @ dense.T).reshape(n, 2, h, w)

    return conv_error, relative(fully_connected(moved), shift(fully_connected(images), pixels))


def test_images(count: int, side: int, seed: int) -> np.ndarray:
    """Smooth random images (N, 1, side, side): blurred noise, so derivatives are small
    and structured like those of a photograph."""
    noise = np.random.default_rng(seed).standard_normal((count, 1, side + 4, side + 4))
    blur = mg.tensor(np.full((1, 1, 5, 5), 1 / 25))
    return F.conv2d(mg.tensor(noise), blur).numpy()


def plot_matrix(matrix: np.ndarray, side: int, path: object) -> None:
    """The fully connected matrix's non-zero pattern, coloured by value."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 7))
    shown = np.where(matrix == 0, np.nan, matrix)
    image = ax.imshow(shown, cmap="RdBu_r", vmin=-1, vmax=1, interpolation="nearest",
                      aspect="auto")
    ax.axhline(side * side - 0.5, color="k", linewidth=0.8)
    ax.set(title=f"The conv as a fully connected matrix ({side}×{side} image)\n"
                 f"white: zero; top half dx units, bottom half dy units",
           xlabel="input pixel", ylabel="hidden unit")
    fig.colorbar(image, ax=ax, label="weight")
    save(fig, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--side", type=int, default=12, help="image side of part 2's matrix")
    add_lesson_options(parser, "weight_sharing", quick_help="an 8×8 image in part 2")
    args = parse_lesson_args(parser, argv)
    if args.quick:
        args.side = 8
    with tee_output(args.out / "output.txt"):
        print("1. Weights of a layer that computes dx and dy at every pixel (2P hidden units)")
        print(f"  {'image':<10}" + "".join(f"{name:>24}" for name in weight_counts(1, 1)))
        for height, width in ((285, 350), (28, 28)):
            print(f"  {f'{height}×{width}':<10}" + "".join(
                f"{count:>24,}" for count in weight_counts(height, width).values()))

        matrix = conv_as_matrix(args.side, args.side)
        images = test_images(16, args.side, args.seed)
        dense_out = images.reshape(len(images), -1) @ matrix.T
        difference = np.abs(dense_out - derivative_conv(images).reshape(len(images), -1)).max()
        print(f"\n2. The conv as a fully connected matrix, {args.side}×{args.side} image: shape "
              f"{matrix.shape}, {matrix.size:,} entries, {np.count_nonzero(matrix):,} non-zero, "
              f"{len(np.unique(matrix[matrix != 0]))} distinct non-zero values")
        print(f"  max |matrix @ x − conv(x)| over 16 images: {difference:.1e}")
        plot_matrix(matrix, args.side, args.out / "conv_as_matrix.png")

        side = 2 * args.side
        images = test_images(16, side, args.seed + 1)
        print(f"\n3. Shift the input right; is the output the shifted output? relative error "
              f"away from the borders ({side}×{side} images)")
        print(f"  {'shift':>5} {'convolution':>12} {'random fully connected':>23}")
        for pixels in (1, 2, 3):
            conv_error, dense_error = shift_errors(images, pixels, args.seed)
            print(f"  {pixels:>5} {conv_error:>12.1e} {dense_error:>23.2f}")
    print(f"\nwrote {args.out / 'conv_as_matrix.png'} and output.txt")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
