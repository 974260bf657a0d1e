"""The course: every lesson script shares --quick/--out/--seed, docs/lessons.md numbers the
lessons in lecture order, and every lesson page has the course's parts."""
import argparse
import importlib
import re
from pathlib import Path

import pytest

from minigrad.training import cli

ROOT = Path(__file__).resolve().parents[2]
NOT_LESSONS = {"__init__", "train", "linear_probe"}     # the CLI script; another owner's
LESSONS = sorted(p.stem for p in (ROOT / "examples").glob("*.py") if p.stem not in NOT_LESSONS)


@pytest.mark.parametrize("name", LESSONS)
def test_every_lesson_accepts_quick_out_and_seed(name, capsys):
    module = importlib.import_module(f"examples.{name}")
    with pytest.raises(SystemExit) as exit_info:
        module.main(["--help"])
    assert exit_info.value.code == 0
    help_text = capsys.readouterr().out
    for option in ("--quick", "--out", "--seed"):
        assert option in help_text, f"{name} lacks {option}"
    assert "smoke test" in help_text


def index_rows():
    text = (ROOT / "docs" / "lessons.md").read_text()
    return re.findall(r"^\| (\d+) \| [^|]+ \| \[[^\]]+\]\(([^)]+)\)[^|]* \| `python examples/(\w+)\.py",
                      text, flags=re.MULTILINE)


def test_the_index_numbers_every_lesson_once_in_order():
    rows = index_rows()
    assert [int(number) for number, _, _ in rows] == list(range(1, len(rows) + 1))
    assert sorted(script for _, _, script in rows) == sorted(LESSONS + ["linear_probe"])


@pytest.mark.parametrize("name", LESSONS)
def test_every_lesson_page_has_topic_predictions_results_and_exercises(name):
    page = ROOT / "docs" / "lessons" / f"{name}.md"    # the page --quick's notice names
    text = page.read_text()
    number = dict((script, n) for n, _, script in index_rows())[name]
    assert text.startswith(f"# {number}. ")
    assert "**Lecture topic:**" in text and "**Predict first.**" in text
    assert "## Exercises" in text
    assert f"python examples/{name}.py" in text
    for image in re.findall(r"\]\((img/[^)]+)\)", text):
        assert (page.parent / image).exists(), image


def test_quick_prints_the_smoke_test_notice_and_makes_out(tmp_path, capsys):
    parser = argparse.ArgumentParser()
    cli.add_lesson_options(parser, "demo", seeds=3)
    args = cli.parse_lesson_args(parser, ["--quick", "--out", str(tmp_path / "x")])
    assert "smoke test" in capsys.readouterr().out and (tmp_path / "x").is_dir()
    assert cli.seed_list(args) == [0]                       # --quick: one seed
    args = cli.parse_lesson_args(parser, ["--seed", "5", "--out", str(tmp_path)])
    assert cli.seed_list(args) == [5, 6, 7] and capsys.readouterr().out == ""


def test_tee_output_prints_and_keeps(tmp_path, capsys):
    with cli.tee_output(tmp_path / "output.txt"):
        print("a table")
    assert capsys.readouterr().out == "a table\n"
    assert (tmp_path / "output.txt").read_text() == "a table\n"


def test_backprop_by_hand_runs_quick_and_keeps_its_table(tmp_path):
    from examples import backprop_by_hand
    assert backprop_by_hand.main(["--quick", "--out", str(tmp_path), "--seed", "3"]) == 0
    assert "gradcheck" in (tmp_path / "output.txt").read_text()
