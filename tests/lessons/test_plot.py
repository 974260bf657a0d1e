"""minigrad.plot: slide-ready figures, headless outside Jupyter, inline inside it."""
import sys
import types

import numpy as np
import pytest

from minigrad import plot

matplotlib = pytest.importorskip("matplotlib")


def test_outside_jupyter_the_backend_draws_into_files():
    assert not plot.in_jupyter()
    plt = plot.pyplot()
    assert matplotlib.get_backend().lower() == "agg"
    assert plt.rcParams["font.size"] >= 10 and plt.rcParams["legend.fontsize"] >= 10
    assert plot.DPI >= 150


def test_inside_jupyter_the_backend_is_left_alone(monkeypatch):
    class Shell:            # an IPython shell attached to a kernel, as in Jupyter
        kernel = object()

    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=Shell))
    monkeypatch.setattr(matplotlib, "use", lambda *a, **k: pytest.fail("backend forced"))
    assert plot.in_jupyter()
    plot.pyplot()


def test_importing_ipykernel_alone_is_not_jupyter():
    import ipykernel  # noqa: F401  (nbclient and jupyter_client import it too)
    assert not plot.in_jupyter()


def test_line_plot_writes_150_dpi_and_marks_underflow(tmp_path, monkeypatch):
    saved = {}
    original_save = plot.save

    def keep_legend(fig, path):
        saved["labels"] = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
        original_save(fig, path)

    monkeypatch.setattr(plot, "save", keep_legend)
    path = tmp_path / "grad.png"
    plot.line_plot({"vanishes": ([1, 2, 3], [1e-3, 1e-30, 0.0]), "stays": ([1, 2, 3], [1, 1, 1])},
                   path, logy=True)
    assert saved["labels"] == ["vanishes", "stays", "0 (underflow)"]
    assert matplotlib.image.imread(path).shape[1] >= 1000     # 8 in × 150 dpi (+ legend)


def test_narrow_log_axes_get_plain_tick_labels():
    plt = plot.pyplot()
    fig, ax = plt.subplots()
    ax.plot([1, 2], [2.0, 3.0])
    ax.set_yscale("log")
    plot.readable_log_ticks(ax)
    assert ax.yaxis.get_major_formatter()(2.5, 0) == "2.5"
    plt.close(fig)


def test_image_grid_with_a_shared_diverging_scale(tmp_path):
    filters = [np.array([[1.0, -1.0], [0.0, 0.5]]), np.array([[0.1, 0.0], [0.0, -0.1]])]
    plot.image_grid(filters, tmp_path / "filters.png", columns=2, shared_scale=True,
                    titles=["conv1 #0", "conv1 #1"])
    assert (tmp_path / "filters.png").stat().st_size > 5_000


def test_layer_monitor_keeps_the_gradient_flow_of_every_step_with_readable_names(tmp_path):
    import layers as nn
    import minigrad as mg
    import minigrad.functional as F
    from layers.monitor import LayerMonitor

    mg.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Conv2d(2, 2, 3), nn.Flatten(),
                          nn.Linear(2 * 2 * 2, 3))
    x = mg.tensor(np.random.default_rng(0).normal(size=(4, 1, 6, 6)).astype(np.float32))
    y = mg.tensor(np.array([0, 1, 2, 0]))
    with LayerMonitor(model) as monitor:
        for _ in range(3):
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            last_rows = monitor.rows()
    flow = monitor.gradient_flow()
    assert list(flow) == ["conv1", "conv2", "fc1"]
    assert all(len(norms) == 3 for norms in flow.values())
    assert flow["fc1"][-1] == pytest.approx(last_rows[-1].grad_output.norm)
    plot.gradient_flow({"net": flow, "again": flow}, tmp_path / "flow.png")
    assert matplotlib.image.imread(tmp_path / "flow.png").shape[1] >= 1000
    monitor.clear()
    assert all(norms == [] for norms in monitor.gradient_norms.values())
