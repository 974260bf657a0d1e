"""Lesson: the computational graph (examples/computational_graph.py)."""
import shutil

from examples import computational_graph as lesson
from minigrad.graph import PARAMETER, trace


def test_quick_run_writes_the_graphs(tmp_path, capsys):
    assert lesson.main(["--quick", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    for name in ("mlp", "cnn"):
        assert (tmp_path / f"{name}.dot").read_text().startswith("digraph")
        assert (tmp_path / f"{name}.png").exists() == (shutil.which("dot") is not None)
    assert "freed by backward" in out


def test_every_parameter_is_a_leaf_of_the_loss_graph():
    for model, input_shape in lesson.small_nets().values():
        graph = trace(lesson.loss_of(model, input_shape, seed=0),
                      dict(model.named_parameters()))
        assert graph.count(PARAMETER) == len(list(model.parameters()))
