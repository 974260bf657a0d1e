"""Lesson: the computational graph (examples/computational_graph.py)."""
from examples import computational_graph as lesson
import numpy as np

from minigrad.graph import PARAMETER, layered_positions, to_dot, trace
from minigrad.plot import draw_graph


def test_quick_run_writes_the_graphs(tmp_path, capsys):
    assert lesson.main(["--quick", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    for name in ("mlp", "cnn"):
        assert (tmp_path / f"{name}.dot").read_text().startswith("digraph")
        assert (tmp_path / f"{name}.png").stat().st_size > 10_000   # Graphviz or matplotlib
        assert (tmp_path / f"{name}_backward.png").stat().st_size > 10_000
        assert "dir=back" in (tmp_path / f"{name}_backward.dot").read_text()
    assert "freed by backward" in out


def test_every_parameter_is_a_leaf_of_the_loss_graph():
    for model, input_shape in lesson.small_nets().values():
        graph = trace(lesson.loss_of(model, input_shape, seed=0),
                      dict(model.named_parameters()))
        assert graph.count(PARAMETER) == len(list(model.parameters()))


def test_layered_layout_points_every_edge_down():
    model, input_shape = lesson.small_nets()["cnn"]
    graph = trace(lesson.loss_of(model, input_shape, seed=0), dict(model.named_parameters()))
    positions = layered_positions(graph)
    assert set(positions) == {node.key for node in graph.nodes}
    assert all(positions[source][1] < positions[target][1] for source, target in graph.edges)
    assert max(y for _, y in positions.values()) == positions[graph.nodes[0].key][1]  # result
    assert len(set(positions.values())) == len(positions)                  # no two overlap


def test_the_backward_graph_labels_every_parameter_with_its_gradient_norm(tmp_path):
    model, input_shape = lesson.small_nets()["mlp"]
    params = dict(model.named_parameters())
    loss = lesson.loss_of(model, input_shape, seed=0)
    before = trace(loss, params, gradients=True)
    assert all("no grad yet" in n.label for n in before.nodes if n.kind == PARAMETER)
    loss.backward(retain_graph=True)
    graph = trace(loss, params, gradients=True)
    labels = {n.label.split("\n")[0]: n.label for n in graph.nodes if n.kind == PARAMETER}
    for name, p in params.items():
        norm = float(np.linalg.norm(p.grad.numpy()))
        assert labels[name].endswith(f"‖grad‖ {norm:.2g}")
    assert graph.backward and not trace(loss, params).backward
    assert "dir=back" in to_dot(loss, params, gradients=True)
    draw_graph(graph, tmp_path / "backward.png")
    assert (tmp_path / "backward.png").stat().st_size > 10_000
