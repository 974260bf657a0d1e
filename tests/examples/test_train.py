"""``examples/train.py`` is a thin script over the package's training CLI: same options."""
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def options(command: list[str]) -> set[str]:
    """The ``--options`` a command's ``--help`` lists."""
    result = subprocess.run(command + ["--help"], capture_output=True, text=True, cwd=ROOT,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    return set(re.findall(r"--[a-z][a-z0-9-]*", result.stdout))


def test_examples_train_runs_the_package_cli():
    script = options([sys.executable, str(ROOT / "examples" / "train.py")])
    package = options([sys.executable, "-m", "minigrad.training"])
    assert script == package and {"--resume", "--stop-after", "--freeze-backbone"} <= script
