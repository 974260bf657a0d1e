"""Lesson: FC layers as convolutions, global average pooling (examples/fc_as_conv.py)."""
import numpy as np

import minigrad as mg
from examples import fc_as_conv as lesson


def test_linear_as_conv_slides_over_a_larger_map():
    mg.manual_seed(0)
    linear = lesson.nn.Linear(3 * 2 * 2, 4)
    conv = lesson.linear_as_conv(linear, 3, 2)
    shape, worst = lesson.sliding_check(linear, conv, mg.randn(2, 3, 4, 5), 2)
    assert shape == (4, 3, 4) and worst < 1e-5


def test_head_parameters():
    counts = lesson.head_parameters(512, 7, 4096, 1000)
    assert counts["flatten + FC"] == 512 * 49 * 4096 + 4096 + 4096 * 1000 + 1000
    assert counts["global avg pool + FC"] == 513_000


def test_quick_run(tmp_path, capsys):
    assert lesson.main(["--quick", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "smoke test" in out and "106,861,544" in out
    differences = [float(line.rsplit(" ", 1)[-1]) for line in out.splitlines()
                   if "max |difference|" in line and line.split()[-1][0].isdigit()]
    assert len(differences) == 3 and max(differences) < 1e-5
    assert (tmp_path / "output.txt").read_text().count("max |difference|") == 3
