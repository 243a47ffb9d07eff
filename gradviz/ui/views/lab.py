"""The training lab: lanes side by side (network sketch, decision boundary or digits), loss, accuracy and
learning speed per layer. Drawn from the snapshot's ``lab`` (a ``LabSnapshot``, or None before a lab is
open) by ``lab_painter.paint_lab``, the same painting an export makes."""

from __future__ import annotations

import time

from PySide6 import QtCore, QtGui, QtWidgets

from ..lab_canvas import LabPicture
from ..lab_painter import paint_lab, paint_no_lab
from ..lab_scene import lab_scene
from ..theme import SCREEN, Theme
from .registry import ViewSpec


class LabView(QtWidgets.QWidget):
    """A thin widget that paints a lab scene; ``picture`` is what its last paint drew (for tests)."""

    sigPainted = QtCore.Signal()
    sigThemeChanged = QtCore.Signal()

    def __init__(self, theme: Theme = SCREEN, parent=None):
        super().__init__(parent)
        self.setObjectName("labView")
        self._theme = theme
        self._scene = None
        self._cache: dict = {}
        #: What the last paint drew: texts, heat-map cells, curves (``lab_painter.LabPicture``).
        self.picture: LabPicture | None = None
        #: How long the last paint took (ms).
        self.last_paint_ms = 0.0
        #: While training, frames are drafts (``lab_painter.paint_lab``); paused, the full picture.
        self._draft = False
        self._finishing = False
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(320, 200)
        # Every paint fills the whole widget: what lies behind it is not painted first.
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_OpaquePaintEvent)

    def __repr__(self):
        return f"LabView(theme={self._theme.name!r}, scene={'yes' if self._scene is not None else 'none'})"

    @property
    def theme(self) -> Theme:
        return self._theme

    @property
    def shown_scene(self):
        """The lab scene shown (``lab_scene.LabScene``), or None."""
        return self._scene

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        self._cache.clear()
        self.update()
        self.sigThemeChanged.emit()

    def set_draft(self, draft: bool) -> None:
        """Draw frames as drafts while training runs; back to the full picture when it stops (the frame that
        answers the key which stopped it stays a draft, so the answer comes first; the full one follows)."""
        if bool(draft) == self._draft:
            return
        self._draft = bool(draft)
        if not draft:
            self._finishing = True
            self.update()

    def show_lab(self, lab_snapshot) -> None:
        """Show ``lab_snapshot`` (a core ``LabSnapshot``, or None for no lab)."""
        self._scene = lab_scene(lab_snapshot) if lab_snapshot is not None else None
        self.update()

    def sizeHint(self) -> QtCore.QSize:
        return QtCore.QSize(1280, 720)

    def render_to(self, painter: QtGui.QPainter, rect: QtCore.QRectF, paint_background: bool = True, draft: bool = False) -> LabPicture:
        """Draw the lab into ``rect`` of ``painter`` (what an export and the screen both call); ``draft`` for a
        frame while training."""
        if self._scene is None:
            return paint_no_lab(painter, rect, self._theme)
        return paint_lab(painter, rect, self._scene, self._theme, self._cache, draft=draft)

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        start = time.perf_counter()
        painter = QtGui.QPainter(self)
        finishing, self._finishing = self._finishing, False
        try:
            self.picture = self.render_to(painter, QtCore.QRectF(self.rect()), draft=self._draft or finishing)
        finally:
            painter.end()
        self.last_paint_ms = (time.perf_counter() - start) * 1000.0
        if finishing:
            self.update()  # the full picture, once the draft answering the key is on screen
        self.sigPainted.emit()


def draw(widget: LabView, shot, before=None) -> None:
    lab = getattr(shot, "lab", None)
    if before is None or lab is not getattr(before, "lab", None) or widget.shown_scene is None and lab is not None:
        widget.show_lab(lab)


VIEW = ViewSpec("lab", "Training lab", "centre", LabView, lambda widget: widget, draw)
