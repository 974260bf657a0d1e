"""The three lessons run in their --quick setting and print the numbers they teach."""
from __future__ import annotations

import contextlib
import functools
import importlib
import io

import pytest


@functools.lru_cache(maxsize=None)
def output(example: str) -> str:
    """What ``examples/<example>.py --quick`` prints (run once per session)."""
    module = importlib.import_module(f"examples.{example}")
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        assert module.main(["--quick"]) == 0
    return buffer.getvalue()


def test_count_parameters():
    out = output("count_parameters")
    for number in ("99,751,000", "299,251,000",                        # the opener
                   "62,378,344", "60,965,224", "61,100,840",           # AlexNet variants
                   "37,752,832", "16,781,312", "4,097,000", "94.0%",    # FC6-FC8, their share
                   "7.9 years", "25,557,032", "4,089,184,256",          # listing; ResNet-50
                   "568,740,352", "4,231,976", "1,498,376,192",         # Table 8
                   "76,524,800", "1,331,592", "724,406,816"):           # Table 9
        assert number in out, number


def test_depthwise_separable():
    out = output("depthwise_separable")
    for number in ("2,359,296", "462,422,016", "4,608", "903,168", "262,144", "51,380,224",
                   "266,752", "52,283,392", "8.845"):
        assert number in out, number
    assert "measured speed-up" in out


@pytest.mark.parametrize("line_start, numbers", [
    ("conv5 ", ["163", "16", "64", "17.0"]),
    ("pool5 ", ["195", "32", "64"]),
    ("conv5_3", ["196", "16", "90"]),
    ("pool5 ", ["212", "32", "90", "15.5"]),
    ("conv1_2", ["5", "1", "2"]),
])
def test_receptive_field_growth(line_start, numbers):
    lines = [line.split() for line in output("receptive_field").splitlines()
             if line.strip().startswith(line_start)]
    assert any(line[2:2 + len(numbers)] == numbers for line in lines), lines


def test_receptive_field_stacking():
    rows = {" ".join(line.split()[:3]): line.split()[3:]
            for line in output("receptive_field").splitlines() if "× " in line}
    assert rows["2 × 3×3"][:4] == ["5", "1,152", "18", "2"]
    assert rows["1 × 5×5"][:4] == ["5", "1,600", "25", "1"]
    assert rows["3 × 3×3"][:4] == ["7", "1,728", "27", "3"]
    assert rows["1 × 7×7"][:4] == ["7", "3,136", "49", "1"]
