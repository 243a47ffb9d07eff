"""The application: QApplication, pyqtgraph options, the main window."""

from __future__ import annotations

import os
import sys

from ..core.format import printable
from ..core.netfile import Experiment, load_preset
from ..names import DEFAULT_PRESET


def make_app():
    """The QApplication (created once), with gradviz's names, style and pyqtgraph options."""
    os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
    from importlib import resources

    import pyqtgraph as pg
    from PySide6 import QtGui, QtWidgets

    app = QtWidgets.QApplication.instance()
    if app is None:
        app = QtWidgets.QApplication(sys.argv[:1])
        app.setStyle("Fusion")
    app.setApplicationName("gradviz")
    app.setOrganizationName("gradviz")
    app.setDesktopFileName("gradviz")
    icon = resources.files("gradviz.resources").joinpath("icons", "gradviz.svg")
    if icon.is_file():
        with resources.as_file(icon) as path:
            app.setWindowIcon(QtGui.QIcon(str(path)))
    pg.setConfigOptions(antialias=True, useOpenGL=False)
    return app


def run_app(experiment: Experiment | os.PathLike | None, theme: str | None = None) -> int:
    """Open the window (see ``launch_window``) and run until it closes."""
    from PySide6 import QtCore

    app = make_app()
    settings = QtCore.QSettings()
    window = launch_window(experiment, theme, settings)
    window.show()
    # Ask for the keyboard focus: without a window manager (a kiosk, a bare X server) nobody else gives it,
    # and the arrow keys would do nothing.
    window.raise_()
    window.activateWindow()
    return app.exec()


def launch_window(start: Experiment | os.PathLike | None, theme: str | None, settings):
    """The main window at launch, shown: on ``start``, an Experiment (a preset), a file to open, or None
    for the session on screen when the window last closed (QSettings ``session/last``).

    Nothing here ends the process: a file that cannot be opened leaves the window on the default preset,
    named in a message box (and on stderr, for whoever started it from a terminal); a last session that
    cannot be reopened, in the status bar. Bad settings fall back to their defaults (see ``ui.settings``).
    """
    from .main_window import MainWindow
    from .theme import get_theme

    experiment = start if isinstance(start, Experiment) else load_preset(DEFAULT_PRESET)
    window = MainWindow(experiment, get_theme(theme) if theme else None, settings, ask_to_save=True)
    window.show()
    if start is None:
        window.reopen_last_session()
    elif not isinstance(start, Experiment):
        if not window.open_at_launch(start):
            print(f"gradviz: could not open {printable(os.fspath(start))}; showing the {DEFAULT_PRESET} preset", file=sys.stderr)
    return window
