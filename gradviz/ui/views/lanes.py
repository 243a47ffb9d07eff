"""Lanes: one line per network moving in lock-step, with the verdict of its pass so far."""

from PySide6 import QtCore, QtWidgets

from ..panels.plot_style import show_legible_controls
from .registry import ViewSpec


def make(theme) -> QtWidgets.QLabel:
    label = QtWidgets.QLabel()
    label.setObjectName("lanesView")
    label.setWordWrap(True)
    # At the top of its dock, where one reads from (a label centres its text in its height by default).
    label.setAlignment(QtCore.Qt.AlignmentFlag.AlignTop | QtCore.Qt.AlignmentFlag.AlignLeft)
    label.setMargin(4)
    # The theme's legible print from the start: an export draws this label without the window, which gives its
    # views that print when the theme changes (a label made with the desktop's 12 px was 8 px on a 1280 slide).
    show_legible_controls(label, theme)
    return label


def draw(widget: QtWidgets.QLabel, shot, before=None) -> None:
    if before is not None and len(shot.lanes) == len(before.lanes) and all(a.same_as(b) for a, b in zip(shot.lanes, before.lanes)):
        return
    widget.setText("\n".join(f"{lane.title}: {lane.verdict.describe()}" for lane in shot.lanes))


VIEW = ViewSpec("lanes", "Lanes", "right", make, lambda widget: widget, draw)
