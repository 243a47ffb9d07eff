"""Memory a finished pass frees, kept for the next one where the C library allows it (glibc).

A pass allocates every layer's z, a, delta and gradients afresh, and the records keep them all. With glibc's
defaults the memory of a pass that is dropped goes back to the system at once, and the next pass maps it
afresh: every new 4 KiB page then costs a page fault and the kernel's zeroing. On the benchmark's large pass
(20 layers of 256 units, 256 samples: about 50 MB) that is about 5,300 faults, some 8 ms of a 48 ms pass
(``tests/benchmarks/run.py``). With the two thresholds below, the freed memory stays in the process, up to
``KEEP_FREED_BYTES``, and the next pass reuses it: no faults.

Only work this big asks for it (``budget.check_budget`` calls ``reuse_freed_memory``): small passes fault
little, so a session that never runs one keeps the C library's own settings.
"""

from __future__ import annotations

import sys

#: Work needing at least this many bytes turns the reuse on (see ``budget.check_budget``).
REUSE_FROM_BYTES = 8 * 2**20
#: Blocks up to this size come from the heap, and are reused once freed, rather than mapped one by one
#: (glibc's largest setting on a 64-bit system).
HEAP_BLOCKS_UP_TO_BYTES = 32 * 2**20
#: Freed memory kept at the top of the heap for the next pass before any is given back to the system.
KEEP_FREED_BYTES = 256 * 2**20

# glibc's mallopt parameters (malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3

_asked: bool | None = None


def reuse_freed_memory() -> bool:
    """Keep freed memory for reuse (once per process); whether the C library took the settings.

    A no-op returning False where there is no glibc (macOS, Windows, musl without ``mallopt``).
    """
    global _asked
    if _asked is None:
        _asked = _set_thresholds()
    return _asked


def _set_thresholds() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    # mallopt returns 1 on success and 0 on failure; setting either turns glibc's own adjustment off.
    return bool(mallopt(_M_MMAP_THRESHOLD, HEAP_BLOCKS_UP_TO_BYTES)) and bool(mallopt(_M_TRIM_THRESHOLD, KEEP_FREED_BYTES))
