"""``python -m minigrad.training``: the training CLI (:mod:`minigrad.training.train_cli`)."""
from .train_cli import main

if __name__ == "__main__":  # only as a command: importing this module (doctests) runs nothing
    raise SystemExit(main(prog="python -m minigrad.training"))
