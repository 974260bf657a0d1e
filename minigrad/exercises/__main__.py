"""``python -m minigrad.exercises check NAME|all [--solution]`` and ``... list``."""
from __future__ import annotations

import argparse

from .checker import EXERCISES, check


def main(argv: list[str] | None = None) -> int:
    """Print the report of each checked exercise; exit status 1 if any failed."""
    parser = argparse.ArgumentParser(prog="python -m minigrad.exercises",
                                     description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    check_parser = commands.add_parser("check", help="grade an exercise with gradcheck")
    check_parser.add_argument("name", choices=[*EXERCISES, "all"])
    check_parser.add_argument("--solution", action="store_true",
                              help="grade the reference solution instead of your file")
    check_parser.add_argument("--seed", type=int, default=0, help="seed of the test inputs")
    commands.add_parser("list", help="list the exercises and their files")
    args = parser.parse_args(argv)
    if args.command == "list":
        for name, exercise in EXERCISES.items():
            print(f"{name:<22} minigrad/exercises/{exercise.module}.py  "
                  f"{exercise.function}.backward_arrays")
        return 0
    names = list(EXERCISES) if args.name == "all" else [args.name]
    reports = [check(name, solution=args.solution, seed=args.seed) for name in names]
    print("\n\n".join(report.text() for report in reports))
    return 0 if all(report.passed for report in reports) else 1


if __name__ == "__main__":
    raise SystemExit(main())
