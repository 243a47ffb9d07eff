"""The checks the command line's values go through, shared by ``gradviz`` and ``gradviz lab``.

Each is an argparse ``type``: it turns a text into a value or raises ``argparse.ArgumentTypeError`` with the
one line the user sees after argparse's "argument --steps: ".
"""

from __future__ import annotations

import argparse
import math

from .core.format import format_bound


def whole_number(low: int = 1, high: int | None = None):
    """A whole number from ``low`` (to ``high``, where given)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
        if high is None and value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low:,}, got {value:,}")
        if high is not None and not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be from {low:,} to {high:,}, got {value:,}")
        return value

    return parse


def number(low: float = -math.inf, high: float = math.inf, low_open: bool = False):
    """A finite number from ``low`` (above it, ``low_open``) to ``high``; unbounded where they are infinite."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
        if math.isinf(low) and math.isinf(high):
            if not math.isfinite(value):
                raise argparse.ArgumentTypeError(f"must be a finite number, got {text!r}")
        elif not math.isfinite(value) or value > high or value < low or (low_open and value == low):
            bounds = f"above {format_bound(low)} and at most {format_bound(high)}" if low_open else f"from {format_bound(low)} to {format_bound(high)}"
            raise argparse.ArgumentTypeError(f"must be a number {bounds}, got {text!r}")
        return value

    return parse
