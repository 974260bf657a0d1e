"""Pillow, matplotlib and tqdm are imported where they are used: ``minigrad.data``,
``minigrad.training`` (its CLI included) and ``minigrad.plot`` import without them, and
Fashion-MNIST-style transforms on arrays run without them."""
import subprocess
import sys
import textwrap

BLOCK_AND_IMPORT = textwrap.dedent("""
    import sys

    class BlockOptional:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("PIL", "matplotlib", "tqdm"):
                raise ModuleNotFoundError(f"No module named {name!r} (blocked by the test)")

    sys.meta_path.insert(0, BlockOptional())
    import numpy as np
    import minigrad.data, minigrad.plot, minigrad.training, minigrad.training.train_cli
    from minigrad.data import transforms as T
    pipeline = T.Compose([T.RandomCrop(28, padding=2), T.RandomHorizontalFlip(), T.ToArray()])
    assert pipeline(np.zeros((28, 28), np.uint8)).shape == (1, 28, 28)
""")


def test_data_training_and_plot_import_without_pillow_matplotlib_tqdm():
    result = subprocess.run([sys.executable, "-c", BLOCK_AND_IMPORT], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
