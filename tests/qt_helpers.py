"""What the Qt tests share: a shown main window (and one with its lab open), key presses, and a view drawn to SVG text."""

from __future__ import annotations

import re

from PySide6 import QtCore, QtGui, QtSvg, QtWidgets

from gradviz.files.network_file import load_preset
from gradviz.ui.main_window import MainWindow
from gradviz.ui.theme import SCREEN


def shown_window(qtbot, preset: str = "tiny-sigmoid", size=(1400, 900), settings=None, theme=SCREEN) -> MainWindow:
    """A MainWindow on ``preset`` in ``theme``, shown at ``size``; qtbot closes it after the test."""
    window = MainWindow(load_preset(preset), theme, settings)
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    return window


def shown_lab(qtbot, preset: str = "spiral-deep", theme=SCREEN, size=(1280, 720)) -> MainWindow:
    """A MainWindow shown at ``size`` with its lab open on the lab preset ``preset``, once its first picture is drawn."""
    window = MainWindow(load_preset("tiny-sigmoid"), theme)
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    window.lab.open_preset(preset)
    qtbot.waitUntil(lambda: window.lab.view.picture is not None and window.lab.view.isVisible())
    return window


def press(qtbot, widget, key, times: int = 1) -> None:
    """Press ``key`` ``times`` times, letting each press's events run before the next."""
    for _ in range(times):
        qtbot.keyClick(widget, key)
        QtWidgets.QApplication.processEvents()


def svg_of(view, size=(1920, 1080)) -> str:
    """``view.render_to`` drawn into an SVG of ``size``, as text."""
    buffer = QtCore.QBuffer()
    buffer.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
    generator = QtSvg.QSvgGenerator()
    generator.setOutputDevice(buffer)
    generator.setSize(QtCore.QSize(*size))
    generator.setViewBox(QtCore.QRect(0, 0, *size))
    painter = QtGui.QPainter(generator)
    view.render_to(painter, QtCore.QRectF(0, 0, *size))
    painter.end()
    return bytes(buffer.data()).decode("utf-8")


def svg_texts(svg: str) -> list[str]:
    """The text of every <text> element of an SVG, stripped."""
    return [t.strip() for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]


def show_pass(view, stepper) -> None:
    """Show the stepper's record on ``view``, scaled on its complete pass (as the bridge does)."""
    view.show_record(stepper.record, stepper.complete_record())
