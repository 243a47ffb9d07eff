"""The application: QApplication, pyqtgraph options, the main window."""

from __future__ import annotations

import os
import sys

from ..core.netfile import Experiment


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


def run_app(experiment: Experiment, theme: str | None = None) -> int:
    from PySide6 import QtCore

    from .main_window import MainWindow
    from .theme import get_theme

    app = make_app()
    settings = QtCore.QSettings()
    theme_name = theme or settings.value("window/theme", "screen")
    window = MainWindow(experiment, get_theme(theme_name if theme_name in ("screen", "slides") else "screen"), settings)
    window.show()
    # Ask for the keyboard focus: without a window manager (a kiosk, a bare X server) nobody else gives it,
    # and the arrow keys would do nothing.
    window.raise_()
    window.activateWindow()
    return app.exec()
