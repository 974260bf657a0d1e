"""Lesson: three 3×3 convs vs one 7×7 conv, and XOR (examples/stacking_3x3.py)."""
import layers as nn
import minigrad as mg
from examples import stacking_3x3 as lesson


def test_quick_run_writes_its_pictures(tmp_path):
    assert lesson.main(["--quick", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "receptive_field.png").stat().st_size > 1000
    assert (tmp_path / "xor_examples.png").stat().st_size > 1000


def test_same_7x7_receptive_field_with_27_instead_of_49_weights():
    mg.manual_seed(0)
    single = nn.Sequential(nn.Conv2d(4, 4, 7, bias=False))
    stacked = nn.Sequential(*lesson.stack_3x3(4, 4, 4))
    for model, weights in ((single, 49), (stacked, 27)):
        box, nonzero, _ = lesson.support(lesson.input_gradient_map(model, 4, 15, seed=0))
        assert box == (7, 7) and nonzero == 49
        assert lesson.weights_per_channel_pair(model, 4) == weights


def test_xor_linear_filter_fails_stacked_relu_convs_succeed(capsys):
    accuracy = lesson.xor_part(width=16, train_size=800, epochs=8, seed=0)
    assert accuracy["one 7×7 conv (linear)"] < 0.65
    assert accuracy["3×(3×3 conv, ReLU), 1×1"] > 0.95
    assert accuracy["3×3 stack, no last ReLU"] < 0.7
