"""Write every lesson script as a Jupyter notebook: ``examples/notebooks/NAME.ipynb``.

    python -m examples.notebooks.generate            # rewrite the notebooks from the scripts
    python -m examples.notebooks.generate --check    # exit 1 if any notebook is out of date

The scripts are the source; the notebooks are generated from them, so edit the script and
rerun this (``tests/lessons/test_notebooks.py`` fails when a committed notebook differs
from what this writes). A notebook has

* a markdown cell: the title of the lesson's page (``docs/lessons/NAME.md``, its number
  in the course) and the script's docstring, with links to the page and the script;
* one code cell with the script's imports (and ``__doc__``, the docstring's first line,
  which ``main`` uses), then one per top-level function or class (and
  one per run of other top-level statements), in the script's order;
* a *parameters* cell ``ARGS = []``: the script's command-line options (``["--quick"]``
  for a smoke test, ``["--seed", "1"]``, ...); the test suite replaces it, as papermill
  would, to run every notebook in quick mode;
* ``main(ARGS);`` — the script's ``if __name__ == "__main__"`` line, which is left out.

The notebooks are stored without outputs, so they stay small and diff like the scripts.
No Jupyter package is needed to write them (a notebook is JSON, nbformat 4.5).
"""
from __future__ import annotations

import argparse
import ast
import json
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1]
ROOT = EXAMPLES.parent
NOTEBOOKS = EXAMPLES / "notebooks"
NOT_LESSONS = {"__init__", "train", "linear_probe"}   # the training CLI; a tool needing weights
PARAMETERS_TAG = "parameters"                         # papermill's name for the cell to replace


def lesson_names() -> list[str]:
    """The lesson scripts ``examples/NAME.py``, sorted by name."""
    return sorted(p.stem for p in EXAMPLES.glob("*.py") if p.stem not in NOT_LESSONS)


def _code_chunks(source: str) -> tuple[str, list[str]]:
    """Split a script into its docstring and the sources of its code cells.

    The imports form one chunk; each function or class its own; other consecutive
    statements (constants) one; the comments between two chunks go with the next one;
    the final ``if __name__ == "__main__":`` block is dropped."""
    module = ast.parse(source)
    lines = source.splitlines()
    body = list(module.body)
    docstring = ast.get_docstring(module) or ""
    if docstring:
        body = body[1:]
    groups: list[list[ast.stmt]] = []
    for statement in body:
        if _is_main_guard(statement):
            continue
        kind = _kind(statement)
        if groups and kind != "definition" and _kind(groups[-1][-1]) == kind:
            groups[-1].append(statement)
        else:
            groups.append([statement])
    chunks = []
    previous_end = module.body[0].end_lineno if docstring else 0
    for group in groups:            # from the line after the previous chunk to the group's end
        chunks.append("\n".join(lines[previous_end:group[-1].end_lineno]).strip("\n"))
        previous_end = group[-1].end_lineno
    return docstring, chunks


def _kind(statement: ast.stmt) -> str:
    if isinstance(statement, (ast.Import, ast.ImportFrom)):
        return "import"
    if isinstance(statement, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
        return "definition"
    return "other"


def _is_main_guard(statement: ast.stmt) -> bool:
    return (isinstance(statement, ast.If) and isinstance(statement.test, ast.Compare)
            and isinstance(statement.test.left, ast.Name) and statement.test.left.id == "__name__")


def _page_title(name: str) -> str:
    """The first line of ``docs/lessons/NAME.md`` ("# 5. Pooling and shift invariance")."""
    page = ROOT / "docs" / "lessons" / f"{name}.md"
    return page.read_text(encoding="utf-8").splitlines()[0] if page.exists() else f"# {name}"


def _cell(kind: str, name: str, number: int, source: str, tags: list[str] | None = None) -> dict:
    cell: dict = {"cell_type": kind, "id": f"{name}-{number}",
                  "metadata": {"tags": tags} if tags else {}, "source": source}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def notebook(name: str) -> dict:
    """The notebook (nbformat 4.5, as a dict) for ``examples/NAME.py``."""
    docstring, chunks = _code_chunks((EXAMPLES / f"{name}.py").read_text(encoding="utf-8"))
    if docstring and chunks:        # main() titles its --help with the docstring's first line
        chunks[0] += f"\n\n__doc__ = {docstring.splitlines()[0]!r}  # the script's first line"
    intro = (f"{_page_title(name)}\n\n{docstring}\n\n"
             f"The page [docs/lessons/{name}.md](../../docs/lessons/{name}.md) has the "
             "predictions to make first, the results measured at the default size, and "
             f"exercises. This notebook is generated from [examples/{name}.py](../{name}.py) "
             "by `python -m examples.notebooks.generate`: edit the script, not the notebook.")
    run_text = ("## Run the lesson\n\n`ARGS` are the script's command-line options. `[]` runs "
                "the size measured on the lesson's page (minutes on a CPU); `[\"--quick\"]` "
                "is a smoke test of a few seconds whose numbers do not carry the lesson; "
                "`--seed N` draws other random numbers, `--out DIR` says where the pictures "
                "go (default `runs/lessons/NAME` under the notebook's folder). Pictures also "
                "show below.")
    sources = [("markdown", intro, None)] + [("code", chunk, None) for chunk in chunks] + [
        ("markdown", run_text, None),
        ("code", "ARGS: list[str] = []", [PARAMETERS_TAG]),
        ("code", "main(ARGS);", None)]
    cells = [_cell(kind, name, i, text, tags) for i, (kind, text, tags) in enumerate(sources)]
    return {"cells": cells, "nbformat": 4, "nbformat_minor": 5,
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                        "language": "python"},
                         "language_info": {"name": "python"}}}


def notebook_text(name: str) -> str:
    """The notebook as the file's text: JSON with sorted keys, one space indent."""
    return json.dumps(notebook(name), indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def notebook_path(name: str) -> Path:
    return NOTEBOOKS / f"{name}.ipynb"


def out_of_date() -> list[str]:
    """Notebooks that differ from their script, are missing, or have no script any more."""
    stale = [name for name in lesson_names() if not notebook_path(name).exists()
             or notebook_path(name).read_text(encoding="utf-8") != notebook_text(name)]
    orphans = [p.stem for p in NOTEBOOKS.glob("*.ipynb") if p.stem not in lesson_names()]
    return stale + orphans


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if a notebook is out of date")
    args = parser.parse_args(argv)
    if args.check:
        stale = out_of_date()
        for name in stale:
            print(f"out of date: examples/notebooks/{name}.ipynb", file=sys.stderr)
        return 1 if stale else 0
    for path in NOTEBOOKS.glob("*.ipynb"):
        if path.stem not in lesson_names():
            path.unlink()
    for name in lesson_names():
        notebook_path(name).write_text(notebook_text(name), encoding="utf-8")
    print(f"wrote {len(lesson_names())} notebooks in {NOTEBOOKS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
