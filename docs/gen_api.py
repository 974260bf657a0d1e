"""Write ``docs/api.md``, the API reference, from the docstrings of the public API.

    python docs/gen_api.py            # regenerate docs/api.md
    python docs/gen_api.py --check    # exit with status 1 if docs/api.md is out of date

For every module in :data:`MODULES`, every public name (the module's ``__all__``, or else
its public classes and functions that come from this project) gets its signature and its
whole docstring; a class also lists its public methods and properties with the first
paragraph of theirs. A name documented earlier under another module (``minigrad.relu`` and
``minigrad.functional.relu``) is listed as an alias. ``tests/docs/test_api_reference.py``
checks that the committed file is what this script writes.
"""
from __future__ import annotations

import importlib
import inspect
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, ForwardRef

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "docs" / "api.md"

# The public modules, in reading order: the core, then layers, then what sits above them.
MODULES = [
    "minigrad",
    "minigrad.functional",
    "minigrad.init",
    "minigrad.optim",
    "minigrad.optim.lr_scheduler",
    "minigrad.metrics",
    "minigrad.graph",
    "layers",
    "layers.models",
    "minigrad.data",
    "minigrad.data.datasets",
    "minigrad.data.transforms",
    "minigrad.training",
    "minigrad.distributed",
    "kernels",
]
PROJECT_PACKAGES = ("minigrad", "layers", "kernels")

HEADER = """# API reference

Generated from the docstrings by `python docs/gen_api.py`; do not edit by hand.
Signatures and docstrings are those of the code; `docs/architecture.md` explains how the
pieces fit together.
"""


def anchor(qualified_name: str) -> str:
    """The HTML id of a heading: ``minigrad.functional.conv2d`` -> ``minigrad-functional-conv2d``"""
    return re.sub(r"[^A-Za-z0-9_-]", "-", qualified_name)


def is_project_object(obj: Any) -> bool:
    """A class or function defined in minigrad, layers or kernels (not NumPy's, not typing's)."""
    if not (inspect.isclass(obj) or inspect.isfunction(obj)):
        return False
    return (getattr(obj, "__module__", None) or "").split(".")[0] in PROJECT_PACKAGES


def public_names(module: ModuleType) -> list[str]:
    """The module's ``__all__`` (without submodules), else the public classes and functions
    defined in it or in its submodules (not those it merely imports, like ``Tensor``)."""
    names = getattr(module, "__all__", None)
    if names is None:
        names = [name for name, obj in vars(module).items()
                 if not name.startswith("_") and is_project_object(obj)
                 and (obj.__module__ + ".").startswith(module.__name__ + ".")]
    return sorted((name for name in names if not inspect.ismodule(getattr(module, name))),
                  key=lambda name: (name.lower(), name))


class _Annotation:
    """An annotation kept as written: ``Tensor | None``, not ``'Tensor | None'``."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


def _unquoted(annotation: Any) -> Any:
    """A string or forward-reference annotation as its text, without quotes around names:
    with ``from __future__ import annotations`` every annotation is a string, and forward
    references (``-> "Tensor"``) add quotes of their own."""
    if isinstance(annotation, ForwardRef):
        annotation = annotation.__forward_arg__
    if not isinstance(annotation, str):
        return annotation
    return _Annotation(re.sub(r"""(['"])([A-Z][\w.]*)\1""", r"\2", annotation))


def signature(obj: Callable[..., Any]) -> str:
    """``(x: Tensor, axis=None) -> Tensor``, or ``(...)`` where Python can't tell."""
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return "(...)"
    sig = sig.replace(
        parameters=[p.replace(annotation=_unquoted(p.annotation)) for p in sig.parameters.values()],
        return_annotation=(inspect.Signature.empty if inspect.isclass(obj)  # no "-> None"
                           else _unquoted(sig.return_annotation)))
    text = re.sub(r" at 0x[0-9a-fA-F]+", "", str(sig))  # object reprs of defaults: no addresses
    text = re.sub(r"<function ([\w.]+)>", r"\1", text)  # function and class defaults by name
    return re.sub(r"<class '(?:\w+\.)*(\w+)'>", r"\1", text)


def first_paragraph(doc: str) -> str:
    """The text up to the first blank line, on one line."""
    return doc.split("\n\n")[0].replace("\n", " ")


def docstring_block(obj: Any) -> list[str]:
    """The whole docstring, verbatim in a text block (docstrings are not Markdown)."""
    doc = inspect.getdoc(obj)
    if not doc:
        return ["*(no docstring)*", ""]
    return ["```text", doc, "```", ""]


def class_members(cls: type) -> list[str]:
    """One line per public method or property defined in ``cls`` itself."""
    lines = []
    for name, member in sorted(vars(cls).items()):
        if name.startswith("_") and name != "__call__":
            continue  # __init__'s signature is shown as the class's
        if isinstance(member, property):
            text = f"- `{name}` (property)"
        elif isinstance(member, (staticmethod, classmethod)):
            text = f"- `{name}{signature(member.__func__)}`"
        elif inspect.isfunction(member):
            text = f"- `{name}{signature(member)}`"
        else:
            continue
        doc = inspect.getdoc(member)
        lines.append(f"{text}: {first_paragraph(doc)}" if doc else text)
    return lines


def render_name(module_name: str, name: str, obj: Any, documented: dict[int, str]) -> list[str]:
    """The section of one public name; ``documented`` maps objects already shown to their
    qualified name, so that a re-export becomes a link."""
    qualified = f"{module_name}.{name}"
    lines = [f'### <a id="{anchor(qualified)}"></a>`{qualified}`', ""]
    first = documented.get(id(obj))
    if first is not None:
        return lines + [f"Same as [`{first}`](#{anchor(first)}).", ""]
    documented[id(obj)] = qualified
    if inspect.isclass(obj) or callable(obj):
        kind = "class " if inspect.isclass(obj) else ""
        lines += ["```python", f"{kind}{name}{signature(obj)}", "```", ""]
    else:
        lines += [f"A `{type(obj).__name__}`: `{obj!r}`", ""]
    lines += docstring_block(obj)
    if inspect.isclass(obj):
        members = class_members(obj)
        if members:
            lines += ["Methods and properties:", "", *members, ""]
    return lines


def render() -> str:
    """The whole of ``docs/api.md``."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    modules = [(name, importlib.import_module(name)) for name in MODULES]
    contents = ["## Contents", ""]
    body: list[str] = []
    documented: dict[int, str] = {}
    for module_name, module in modules:
        names = public_names(module)
        links = ", ".join(f"[`{name}`](#{anchor(f'{module_name}.{name}')})" for name in names)
        contents.append(f"- [`{module_name}`](#{anchor(module_name)}): {links}")
        body += [f'## <a id="{anchor(module_name)}"></a>`{module_name}`', ""]
        module_doc = inspect.getdoc(module)
        if module_doc:
            body += [first_paragraph(module_doc), ""]
        for name in names:
            body += render_name(module_name, name, getattr(module, name), documented)
    return "\n".join([HEADER, *contents, "", *body]).rstrip() + "\n"


def main(argv: list[str]) -> int:
    """Write docs/api.md, or with ``--check`` only compare it; returns the exit status."""
    text = render()
    if "--check" in argv:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != text:
            print(f"{OUTPUT} is out of date: run `python docs/gen_api.py`", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(ROOT)} ({len(text.splitlines())} lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
