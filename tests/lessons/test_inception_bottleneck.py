"""Lesson: Inception's 1×1 bottlenecks (examples/inception_bottleneck.py)."""
from examples import inception_bottleneck as lesson


def test_the_5x5_branch_saves_almost_ten_times():
    naive, reduced = lesson.branch_macs(False), lesson.branch_macs(True)
    assert naive["5×5"] == 28 * 28 * 32 * 25 * 192 == 120_422_400
    assert reduced["5×5"] == 28 * 28 * 16 * 192 + 28 * 28 * 32 * 25 * 16
    assert naive["1×1"] == reduced["1×1"]


def test_quick_run_summary_agrees_with_the_formula(tmp_path, capsys):
    assert lesson.main(["--quick", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "naive True, reduced True" in out and "2.4× cheaper" in out
    assert (tmp_path / "output.txt").exists()
