"""minigrad.graph: tracing the autograd graph into nodes and edges, DOT text, rendering."""
import shutil

import pytest

import layers as nn
import minigrad as mg
import minigrad.functional as F
from minigrad import graph
from minigrad.graph import CONSTANT, FUNCTION, OUTPUT, PARAMETER, render, to_dot, trace


def test_nodes_and_edges_of_a_small_expression():
    a = mg.randn(2, 3, requires_grad=True)
    b = mg.randn(2, 3)                            # needs no gradient: a constant
    g = trace((a * b).sum(), params={"a": a})
    assert [n.kind for n in g.nodes].count(FUNCTION) == 2 == g.count(FUNCTION)
    assert (g.count(PARAMETER), g.count(CONSTANT), g.count(OUTPUT)) == (1, 1, 1)
    labels = {n.label for n in g.nodes}
    assert {"Sum\nscalar", "Mul\n2×3", "a\n2×3", "constant\n2×3", "result\nscalar"} <= labels
    assert len(g.edges) == 4                      # a->Mul, b->Mul, Mul->Sum, Sum->result
    assert g.op_counts() == {"Sum": 1, "Mul": 1}


def test_a_tensor_used_twice_is_one_node_with_two_edges():
    x = mg.randn(3, requires_grad=True)
    x.name = "x"                                   # names come from .name without params
    g = trace(x * x)
    (leaf,) = [n for n in g.nodes if n.kind == PARAMETER]
    assert leaf.label == "x\n3"
    assert sum(source == leaf.key for source, _ in g.edges) == 2


def test_shared_intermediate_results_are_visited_once():
    x = mg.randn(4, requires_grad=True)
    h = x.tanh()
    g = trace(h * h + h)
    assert g.op_counts() == {"Tanh": 1, "Mul": 1, "Add": 1}


def test_a_network_loss_names_every_parameter():
    mg.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    loss = F.cross_entropy(net(mg.randn(5, 4)), mg.tensor([0, 1, 2, 0, 1]))
    params = dict(net.named_parameters())
    g = trace(loss, params)
    leaves = {n.label.split("\n")[0] for n in g.nodes if n.kind == PARAMETER}
    assert leaves == set(params)
    assert g.op_counts()["Linear"] == 2


def test_dot_text_is_valid_and_deterministic():
    a = mg.randn(2, 2, requires_grad=True)
    y = (a @ a).relu().sum()
    text = to_dot(y, {"a": a})
    assert text.startswith("digraph autograd {") and text.rstrip().endswith("}")
    assert 'label="MatMul\\n2×2"' in text and "fillcolor" in text
    assert text == to_dot(y, {"a": a})
    assert text.count("->") == len(trace(y).edges)


def test_a_leaf_alone_and_a_freed_graph():
    a = mg.randn(3, requires_grad=True)
    assert [n.kind for n in trace(a).nodes] == [OUTPUT]
    y = (a * 2).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="freed by backward"):
        to_dot(y)


def test_render_writes_the_dot_file_and_skips_the_png_without_graphviz(tmp_path, monkeypatch):
    monkeypatch.setattr(graph.shutil, "which", lambda name: None)
    assert render("digraph { a -> b; }\n", tmp_path / "g.png") is False
    assert (tmp_path / "g.dot").read_text().startswith("digraph")
    assert not (tmp_path / "g.png").exists()


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_render_writes_a_png_with_graphviz(tmp_path):
    a = mg.randn(2, requires_grad=True)
    assert render(to_dot((a * a).sum()), tmp_path / "g") is True
    assert (tmp_path / "g.png").read_bytes()[:4] == b"\x89PNG"
