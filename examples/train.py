"""Train a CNN with minigrad: Fashion-MNIST by default, or an ImageNet-layout folder.

    python examples/train.py                                  # small CNN on Fashion-MNIST
    python examples/train.py --model resnet18 --data imagefolder:~/imagenette2-160 \
        --image-size 64 --epochs 10 --augment
    python examples/train.py --out runs/fm --resume            # continue a stopped run

The command line lives in the package, :mod:`minigrad.training.train_cli`, so a
pip-installed minigrad runs the same thing as ``minigrad-train`` or
``python -m minigrad.training``; ``--help`` lists every option.
"""
import sys
from pathlib import Path

if __package__ in (None, ""):  # `python examples/train.py` from a checkout
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from minigrad.training.train_cli import main  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main())
