"""The work budget: how much memory a pass, a stepping session, a training run or an export may need.

Every file within the file limits can still describe more work than a computer holds (512 units wide,
64 layers deep, 4,096 samples is about 3 GB for one pass). Such work is refused *before* anything is
allocated, with one message naming the sizes and how to shrink them.

For the export helper: an animated export of ``frames`` micro-steps holds at most one pass plus what the
encoder buffers, so ``check_budget(widths, samples, passes=1, what="exporting this network")`` before
building the session, plus its own frame bytes, is the check to make.
"""

from __future__ import annotations

import functools

from .format import format_number
from .memory import REUSE_FROM_BYTES, reuse_freed_memory

#: Most memory (bytes) one piece of work may need: one pass, the stepper's history, a training run.
WORK_BUDGET_BYTES = 2_000_000_000

#: Complete passes a stepping session may hold at once: the kept history (at least two passes and the
#: current one) and the complete pass that fixes the colour scale.
STEPPER_PASSES = 4


class WorkBudgetError(ValueError):
    """Work that would need more memory than ``WORK_BUDGET_BYTES``; the message says how to shrink it."""


def parameter_count(widths) -> int:
    """Weights and biases of a network with layer ``widths`` (input first)."""
    widths = [int(w) for w in widths]
    return sum(n_out * (n_in + 1) for n_in, n_out in zip(widths[:-1], widths[1:]))


def estimate_pass_bytes(widths, samples: int) -> int:
    """Bytes one complete forward and backward pass holds.

    The network's own weights and biases, their gradients, ``z``, ``a`` and ``delta`` of every layer
    for every sample, the data, and the widest backward temporary (float64 throughout).

    Parameters
    ----------
    widths : layer widths, input first
    samples : number of samples in the batch
    """
    return _pass_bytes(tuple(int(w) for w in widths), int(samples))


@functools.lru_cache(maxsize=256)  # asked before every pass: a stepper asks again and again for one network
def _pass_bytes(widths: tuple[int, ...], samples: int) -> int:
    units = sum(widths[1:])
    per_sample = 3 * units + widths[0] + widths[-1] + max(widths)
    return 8 * (2 * parameter_count(widths) + samples * per_sample)


def check_budget(widths, samples: int, passes: int = 1, what: str = "one pass through this network") -> int:
    """Refuse work that needs more than ``WORK_BUDGET_BYTES``; return the bytes it needs otherwise.

    Work of ``memory.REUSE_FROM_BYTES`` or more first has the process keep the memory each pass frees for
    the next (``memory.reuse_freed_memory``).

    Parameters
    ----------
    widths, samples : the network's layer widths (input first) and the number of samples
    passes : how many complete passes the work holds at once
    what : the work, for the message ("stepping through this network", "training this network")

    Raises
    ------
    WorkBudgetError
        One line naming the widths, the samples, the memory needed and how to shrink it.
    """
    widths = [int(w) for w in widths]
    needed = int(passes) * estimate_pass_bytes(widths, samples)
    if needed > WORK_BUDGET_BYTES:
        raise WorkBudgetError(
            f"{what} needs about {format_number(needed / 1e9)} GB of memory, more than the "
            f"{format_number(WORK_BUDGET_BYTES / 1e9, trailing_zeros=False)} GB work budget "
            f"({len(widths) - 1} weight layers up to {max(widths)} units wide, {parameter_count(widths):,} "
            f"weights and biases, {int(samples):,} samples); use fewer samples, or narrower or fewer layers"
        )
    if needed >= REUSE_FROM_BYTES:
        reuse_freed_memory()
    return needed
