"""How many threads NumPy's OpenBLAS multiplies on, and which CPU's kernels it chose, asked of the library.

``gradviz`` asks OpenBLAS for one thread on import (``OPENBLAS_NUM_THREADS``), but OpenBLAS reads that only
when NumPy loads it: a script or a test that imported NumPy first keeps OpenBLAS's own count, one thread
per core. Work that runs matrix products on threads of its own (``lab_grid``) asks here which it got. The
answer comes from OpenBLAS's ``get_num_threads`` in the library NumPy's wheel carries, found next to NumPy
(``numpy.libs`` on Linux and Windows, ``numpy/.dylibs`` on macOS). Only asked, never set: a program that
imports gradviz keeps the threads it chose. None where it cannot be asked (another BLAS, such as macOS's
Accelerate, or a layout this does not know).

Its kernels depend on the CPU (``openblas_core``): only the AVX-512 ones (SkylakeX and the cores that
use them) have a kernel for small matrices that packs nothing, which ``lab_grid`` slices its products for.
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

#: The names OpenBLAS's "which kernels did I pick" function has in those builds (it returns a C string).
_GET_CORE = (
    "scipy_openblas_get_corename64_",
    "scipy_openblas_get_corename",
    "openblas_get_corename64_",
    "openblas_get_corename",
)

_functions: dict[tuple, object] = {}


def _find_function(names: tuple[str, ...], restype):
    """The first of ``names`` that the OpenBLAS library NumPy carries exports, with ``restype``; None if none."""
    import numpy

    here = os.path.dirname(numpy.__file__)
    patterns = (os.path.join(here, os.pardir, "numpy.libs", "*openblas*"), os.path.join(here, ".dylibs", "*openblas*"))
    for pattern in patterns:
        for path in sorted(glob.glob(pattern)):
            try:
                library = ctypes.CDLL(path)  # already loaded by NumPy: the same library, not a second copy
            except OSError:
                continue
            for name in names:
                function = getattr(library, name, None)
                if function is not None:
                    function.argtypes = ()
                    function.restype = restype
                    return function
    return None


def _ask(names: tuple[str, ...], restype):
    """What OpenBLAS's function of ``names`` returns now; None where it cannot be asked (looked up once)."""
    if names not in _functions:
        try:
            _functions[names] = _find_function(names, restype)
        except Exception:  # noqa: BLE001 - a probe: anything unexpected means "cannot be asked"
            _functions[names] = None
    function = _functions[names]
    return None if function is None else function()


def openblas_threads() -> int | None:
    """The threads NumPy's OpenBLAS uses for a large product now, or None if that cannot be asked."""
    count = _ask(_GET_THREADS, ctypes.c_int)
    return int(count) if count is not None and count >= 1 else None


def openblas_core() -> str | None:
    """The name of the CPU whose kernels NumPy's OpenBLAS chose, in lower case ("haswell", "skylakex",
    "sapphirerapids", "zen"), or None if that cannot be asked. ``OPENBLAS_CORETYPE`` can choose another."""
    name = _ask(_GET_CORE, ctypes.c_char_p)
    if name is None:
        return None
    return name.decode("ascii", "replace").strip().lower() or None
