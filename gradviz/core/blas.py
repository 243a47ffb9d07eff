"""How many threads NumPy's OpenBLAS multiplies on, asked of the library itself.

``gradviz`` asks OpenBLAS for one thread on import (``OPENBLAS_NUM_THREADS``), but OpenBLAS reads that only
when NumPy loads it: a script or a test that imported NumPy first keeps OpenBLAS's own count, one thread
per core. Work that runs matrix products on threads of its own (``lab_grid``) asks here which it got. The
answer comes from OpenBLAS's ``get_num_threads`` in the library NumPy's wheel carries, found next to NumPy
(``numpy.libs`` on Linux and Windows, ``numpy/.dylibs`` on macOS). Only asked, never set: a program that
imports gradviz keeps the threads it chose. None where it cannot be asked (another BLAS, such as macOS's
Accelerate, or a layout this does not know).
"""

from __future__ import annotations

import ctypes
import glob
import os

#: The names the thread count has in the OpenBLAS builds NumPy's wheels have carried.
_GET_THREADS = (
    "scipy_openblas_get_num_threads64_",
    "scipy_openblas_get_num_threads",
    "openblas_get_num_threads64_",
    "openblas_get_num_threads",
)

_getter = None
_looked = False


def _find_getter():
    import numpy

    here = os.path.dirname(numpy.__file__)
    patterns = (os.path.join(here, os.pardir, "numpy.libs", "*openblas*"), os.path.join(here, ".dylibs", "*openblas*"))
    for pattern in patterns:
        for path in sorted(glob.glob(pattern)):
            try:
                library = ctypes.CDLL(path)  # already loaded by NumPy: the same library, not a second copy
            except OSError:
                continue
            for name in _GET_THREADS:
                function = getattr(library, name, None)
                if function is not None:
                    function.argtypes = ()
                    function.restype = ctypes.c_int
                    return function
    return None


def openblas_threads() -> int | None:
    """The threads NumPy's OpenBLAS uses for a large product now, or None if that cannot be asked."""
    global _getter, _looked
    if not _looked:
        _looked = True
        try:
            _getter = _find_getter()
        except Exception:  # noqa: BLE001 - a probe: anything unexpected means "cannot be asked"
            _getter = None
    if _getter is None:
        return None
    count = int(_getter())
    return count if count >= 1 else None
