"""Presenter mode's widgets: the page that shows the middle view over the gradient bars, and the black
screen a presentation remote's B or . key asks for. The window decides when they are shown; these only
hold and paint."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6 import QtCore, QtGui, QtWidgets

from .theme import Theme

#: The middle view's share of the presenter page's height; the gradient bars take the rest.
DIAGRAM_SHARE = 0.65
#: The status line's print size in presenter mode, in pixels: read from the back row of a lecture hall.
STATUS_FONT_PX = 28


@dataclass(frozen=True)
class SavedLayout:
    """What presenter mode changes and gives back on leaving, exactly as it was."""

    state: QtCore.QByteArray  # QMainWindow.saveState: docks, toolbars and their sizes
    geometry: QtCore.QRect  # the window's frame-less geometry (restoreGeometry would clamp it to the screen)
    window_state: QtCore.Qt.WindowState  # maximised, full screen or normal
    theme: Theme
    menu_visible: bool
    status_style: str
    dock_shares_kept: bool  # whether the docks were keeping their share of the window on a resize


class PresenterPage(QtWidgets.QWidget):
    """The presenter's screen: ``top`` (the diagram or the Compare view) above ``bottom`` (the bars).

    Both widgets are borrowed: ``give_back`` hands them out again, reparented to nothing, for their
    owners to take back before this page is deleted.
    """

    def __init__(self, top: QtWidgets.QWidget, bottom: QtWidgets.QWidget, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("presenterPage")
        self.splitter = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical)
        self.splitter.setObjectName("presenterSplitter")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(top)
        self.splitter.addWidget(bottom)
        top.show()
        bottom.show()
        share = round(DIAGRAM_SHARE * 100)
        self.splitter.setStretchFactor(0, share)
        self.splitter.setStretchFactor(1, 100 - share)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)
        self._borrowed = (top, bottom)

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        total = max(1, self.splitter.height() - self.splitter.handleWidth())
        top = round(total * DIAGRAM_SHARE)
        self.splitter.setSizes([top, total - top])

    def give_back(self) -> tuple[QtWidgets.QWidget, QtWidgets.QWidget]:
        """The borrowed (top, bottom) widgets, out of this page."""
        for widget in self._borrowed:
            widget.setParent(None)
        return self._borrowed


class BlankScreen(QtWidgets.QWidget):
    """A black cover over the whole of its parent window (what a remote's "blank" key shows).

    It follows the window's size and hides the mouse pointer while it is up.
    """

    def __init__(self, window: QtWidgets.QWidget):
        super().__init__(window)
        self.setObjectName("blankScreen")
        self.setCursor(QtCore.Qt.CursorShape.BlankCursor)
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        self.hide()
        window.installEventFilter(self)

    def set_blank(self, blank: bool) -> None:
        if blank:
            self.setGeometry(self.parentWidget().rect())
            self.show()
            self.raise_()
        else:
            self.hide()

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if watched is self.parentWidget() and event.type() == QtCore.QEvent.Type.Resize and self.isVisible():
            self.setGeometry(self.parentWidget().rect())
            self.raise_()
        return False

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        QtGui.QPainter(self).fillRect(self.rect(), QtGui.QColor("#000000"))


def presenter_status_style(theme: Theme) -> str:
    """The status line's style sheet in presenter mode: large print in the theme's colours for the back row.

    The colours are spelled out: a style sheet fixes a widget's palette, so the theme's would not reach it.
    """
    return (f"QStatusBar {{ background: {theme.background}; }} "
            f"QStatusBar QLabel {{ font-size: {STATUS_FONT_PX}px; color: {theme.foreground}; padding: 2px 8px; }}")  # fmt: skip
