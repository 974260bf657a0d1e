"""argparse types for numeric options: a clear ``error:`` line (exit 2) for every bad value
(not a number, infinite, out of range) instead of a traceback later."""
from __future__ import annotations

import argparse
import math
from typing import Any


def number_type(kind: type, minimum: float, strict: bool, maximum: float = math.inf) -> Any:
    """An argparse type: ``kind`` (int or float), finite, above (``strict``) or at least
    ``minimum``, and at most ``maximum``."""
    relation = ">" if strict else ">="

    def parse(text: str) -> int | float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected {'an integer' if kind is int else 'a number'}, got {text!r}") from None
        if not math.isfinite(value) or value < minimum or (strict and value == minimum):
            raise argparse.ArgumentTypeError(f"must be {relation} {minimum:g}, got {text}")
        if value > maximum:
            raise argparse.ArgumentTypeError(f"must be at most {maximum:g}, got {text}")
        return value
    return parse


positive_int, non_negative_int = number_type(int, 0, True), number_type(int, 0, False)
positive_float, non_negative_float = number_type(float, 0.0, True), number_type(float, 0.0, False)
