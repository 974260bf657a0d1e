"""Every lesson opens as a notebook generated from its script: the committed notebooks are
in sync with the scripts, valid nbformat, and run in quick mode — all of them in this
process, one in a real Jupyter kernel, where its figure shows inline."""
import codeop
import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from examples.notebooks import generate

NAMES = generate.lesson_names()


def quick_parameters(nb: dict, out: Path) -> dict:
    """``nb`` with its parameters cell replaced by a quick run writing into ``out``, as
    papermill would inject parameters."""
    cells = [c for c in nb["cells"] if generate.PARAMETERS_TAG in c["metadata"].get("tags", [])]
    assert len(cells) == 1, "a notebook has exactly one parameters cell"
    cells[0]["source"] = f"ARGS = ['--quick', '--out', {str(out)!r}]"
    return nb


def test_the_committed_notebooks_are_in_sync_with_the_scripts():
    assert NAMES and generate.out_of_date() == [], (
        "regenerate them: python -m examples.notebooks.generate")


@pytest.mark.parametrize("name", NAMES)
def test_every_notebook_is_valid_and_ends_by_running_main(name):
    nb = nbformat.read(generate.notebook_path(name), as_version=4)
    nbformat.validate(nb)
    code = [cell.source for cell in nb.cells if cell.cell_type == "code"]
    assert code[-1] == "main(ARGS);" and "def main(" in "\n".join(code)
    assert not any(cell.get("outputs") for cell in nb.cells), "stored without outputs"


def test_the_generator_splits_a_script_into_cells(tmp_path, monkeypatch):
    script = '''"""Demo lesson: one line.

More text."""
from __future__ import annotations

import math

# a constant with its comment
SIZE = 3
OTHER = 4


def main(argv=None):
    return SIZE


if __name__ == "__main__":
    raise SystemExit(main())
'''
    (tmp_path / "demo.py").write_text(script)
    monkeypatch.setattr(generate, "EXAMPLES", tmp_path)
    cells = generate.notebook("demo")["cells"]
    assert [c["cell_type"] for c in cells] == ["markdown", "code", "code", "code", "markdown",
                                               "code", "code"]
    assert "Demo lesson: one line.\n\nMore text." in cells[0]["source"]
    assert cells[1]["source"] == ("from __future__ import annotations\n\nimport math\n\n"
                                  "__doc__ = 'Demo lesson: one line.'  # the script's first line")
    assert cells[2]["source"] == "# a constant with its comment\nSIZE = 3\nOTHER = 4"
    assert cells[3]["source"].startswith("def main(") and "__main__" not in cells[3]["source"]
    assert cells[5]["metadata"] == {"tags": ["parameters"]}


@pytest.mark.parametrize("name", NAMES)
def test_every_notebook_runs_in_quick_mode(name, tmp_path, capsys):
    """The notebook's code cells, in order, in one namespace, each compiled on its own with
    the ``__future__`` imports of the cells before in force — as a Jupyter kernel runs them."""
    nb = quick_parameters(json.loads(generate.notebook_path(name).read_text()), tmp_path)
    namespace = {"__name__": "__main__"}
    compile_cell = codeop.Compile()         # remembers __future__ statements, like IPython
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            exec(compile_cell(cell["source"], f"{name}.ipynb", "exec"), namespace)  # noqa: S102
    assert "smoke test" in capsys.readouterr().out
    assert any(tmp_path.iterdir()), "the lesson wrote its pictures or numbers into --out"


def test_a_notebook_runs_in_a_jupyter_kernel_with_its_figure_inline(tmp_path):
    nb = nbformat.read(generate.notebook_path("pooling_shift"), as_version=4)
    quick_parameters(nb, tmp_path)
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(generate.NOTEBOOKS)}}).execute()
    outputs = nb.cells[-1].outputs
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("image/png" in o.get("data", {}) for o in outputs), "plot.save shows it inline"
    assert (tmp_path / "similarity.png").exists(), "and still writes the file"
