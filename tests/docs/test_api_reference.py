"""The API reference (docs/api.md) is generated from the docstrings, and is up to date."""
import importlib
import importlib.util
import inspect
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load_generator():
    """docs/gen_api.py as a module (docs/ is not a package)."""
    spec = importlib.util.spec_from_file_location("gen_api", ROOT / "docs" / "gen_api.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_api_reference_is_up_to_date():
    committed = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    assert committed == load_generator().render(), (
        "docs/api.md is out of date with the docstrings: run `python docs/gen_api.py`")


@pytest.mark.parametrize("module_name", ["minigrad", "minigrad.functional", "layers"])
def test_every_public_function_and_class_has_a_docstring(module_name):
    module = importlib.import_module(module_name)
    generator = load_generator()
    missing = [name for name in generator.public_names(module)
               if generator.is_project_object(getattr(module, name))
               and not (getattr(module, name).__doc__ or "").strip()]
    assert not missing, f"{module_name}: public names without a docstring: {missing}"


def test_reference_covers_the_public_modules():
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    for qualified in ["minigrad.gradcheck", "minigrad.Tensor", "minigrad.functional.conv2d",
                      "minigrad.functional.conv2d_simple", "minigrad.init.kaiming_normal_",
                      "minigrad.optim.SGD", "layers.Conv2d", "layers.summary",
                      "layers.models.resnet18", "kernels.im2col", "minigrad.data.DataLoader",
                      "minigrad.training.train_one_epoch"]:
        assert f"`{qualified}`" in text, f"{qualified} is missing from docs/api.md"
    assert inspect.getdoc(importlib.import_module("minigrad.functional").conv2d_simple) in text
