"""The training CLI starts without a checkout: ``python -m minigrad.training`` and the
``minigrad-train`` console script declared in setup.py."""
import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

from minigrad.training import train_cli

ROOT = Path(__file__).resolve().parents[2]


def test_python_m_minigrad_training_prints_the_cli_help(tmp_path):
    result = subprocess.run([sys.executable, "-m", "minigrad.training", "--help"],
                            capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: python -m minigrad.training")
    for option in ("--model", "--data", "--download", "--resume", "--pretrained"):
        assert option in result.stdout


def test_minigrad_train_console_script_is_declared_and_points_at_the_cli(capsys):
    declared = re.findall(r'"minigrad-train = ([\w.]+):(\w+)"', (ROOT / "setup.py").read_text())
    assert len(declared) == 1, "setup.py declares no (or several) minigrad-train entry points"
    module, function = declared[0]
    target = getattr(importlib.import_module(module), function)
    assert target is train_cli.main
    with pytest.raises(SystemExit) as done:  # argparse exits after printing the help
        target(["--help"], prog="minigrad-train")
    assert done.value.code == 0
    assert capsys.readouterr().out.startswith("usage: minigrad-train")
