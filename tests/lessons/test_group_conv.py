"""Lesson: group convolution (examples/group_conv.py)."""
import minigrad as mg
from examples import group_conv as lesson


def test_grouped_conv_is_separate_convs_on_channel_slices():
    mg.manual_seed(0)
    assert lesson.grouped_equals_split(8, 4) < 1e-5


def test_output_channel_sees_only_its_group():
    mg.manual_seed(0)
    assert [lesson.input_channels_seen(8, g) for g in (1, 2, 8)] == [8, 4, 1]


def test_quick_run(tmp_path, capsys):
    assert lesson.main(["--quick", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "614,656 parameters ungrouped, 307,456 with the paper's 2 groups" in out
    assert (tmp_path / "groups.png").stat().st_size > 10_000
