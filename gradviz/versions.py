"""The versions of gradviz and of what it runs on, as ``gradviz --version`` and Help > About show them."""

from __future__ import annotations

import platform

from . import __version__


def version_report() -> str:
    """One line per component: gradviz, Qt and PySide6, pyqtgraph, NumPy and Python.

    Imports Qt and pyqtgraph (about a quarter of a second), so call it only when the versions are asked for.
    """
    import numpy
    import PySide6
    from PySide6 import QtCore

    try:
        import pyqtgraph

        pyqtgraph_version = pyqtgraph.__version__
    except Exception as exc:  # noqa: BLE001 - a broken pyqtgraph must not hide the other versions
        pyqtgraph_version = f"not available ({exc.__class__.__name__})"
    return "\n".join(
        (
            f"gradviz {__version__}",
            f"Qt {QtCore.qVersion()} (PySide6 {PySide6.__version__})",
            f"pyqtgraph {pyqtgraph_version}",
            f"NumPy {numpy.__version__}",
            f"Python {platform.python_version()}",
        )
    )
