"""CompareView: two network diagrams side by side, each titled, on one shared colour scale by default.

It shows what it is handed (two records and their scale records) and computes no core fact; the comparison
run itself comes from the core through the bridge.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from ...core.records import PassRecord
from ...names import DEFAULT_COLOR_MODE, check_color_mode
from ..theme import SCREEN, Theme
from . import painters
from .layout import Rect, title_px
from .legend import paint_colour_strip, strip_height
from .scene import DiagramScene, SceneCache
from .view import NetworkView

#: The two halves, left first.
SIDES = ("left", "right")
#: Height of the title strip above each diagram, in title-font heights.
TITLE_STRIP_LINES = 1.5
#: Pixels left and right of the shared colour bar.
STRIP_PAD = 12.0


class ColourStrip(QtWidgets.QWidget):
    """The one colour bar under both halves of Compare when they share a colour scale: each half then keeps
    its whole height for its network."""

    def __init__(self, theme: Theme, parent=None):
        super().__init__(parent)
        self._theme = theme
        self._scene: DiagramScene | None = None
        self._recorded: list = []
        policy = QtWidgets.QSizePolicy(QtWidgets.QSizePolicy.Policy.Expanding, QtWidgets.QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)  # laid out at once, shown or not (an export never shows it)
        self.setSizePolicy(policy)

    def __repr__(self):
        return f"ColourStrip(theme={self._theme.name!r})"

    @property
    def text_boxes(self) -> list[painters.TextBox]:
        """The texts the latest paint drew and their boxes."""
        return painters.text_boxes_of(self._recorded)

    def show_scene(self, scene: DiagramScene, theme: Theme) -> None:
        before = None if self._scene is None else (len(self._scene.colour_bar.swatches), self._theme.name)
        self._scene, self._theme = scene, theme
        if before != (len(scene.colour_bar.swatches), theme.name):
            self.updateGeometry()
        self.update()

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        if self._scene is None:
            return 0
        return int(round(self.height_for(width, self._scene, self._theme)))

    def sizeHint(self) -> QtCore.QSize:
        return QtCore.QSize(800, self.heightForWidth(800))

    @staticmethod
    def height_for(width: float, scene: DiagramScene, theme: Theme) -> float:
        return strip_height(width - 2 * STRIP_PAD, theme, len(scene.colour_bar.swatches))

    def paintEvent(self, event) -> None:
        painter = QtGui.QPainter(self)
        try:
            self.paint(painter, self.width(), self.height(), True)
        finally:
            painter.end()

    def paint(self, painter: QtGui.QPainter, width: float, height: float, background: bool) -> None:
        """The strip into (0, 0, ``width``, ``height``) of any painter."""
        if background:
            painter.fillRect(QtCore.QRectF(0, 0, width, height), self._theme.color("background"))
        self._recorded = []
        if self._scene is None:
            return
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
        painter.setRenderHint(QtGui.QPainter.RenderHint.TextAntialiasing, True)
        paint_colour_strip(painter, Rect(STRIP_PAD, 0.0, width - 2 * STRIP_PAD, height), self._scene, self._theme, self._recorded)


class CompareView(QtWidgets.QWidget):
    """Two :class:`NetworkView` s, ``left`` and ``right``, each under its title."""

    sigBackgroundClicked = QtCore.Signal()
    sigNeuronClicked = QtCore.Signal(str, int, int)
    sigEdgeClicked = QtCore.Signal(str, int, int, int)

    def __init__(self, theme: Theme = SCREEN, parent=None):
        super().__init__(parent)
        self._theme = theme
        self._mode = DEFAULT_COLOR_MODE
        self._shown: tuple | None = None  # (left, left_scale, right, right_scale)
        self._shared_scale = True
        self._titles = ("", "")
        self._cache = SceneCache()
        self.left = NetworkView(theme)
        self.right = NetworkView(theme)
        self.left.beside, self.right.beside = self.right, self.left
        #: The colour bar both halves share, under them (each half draws its own under it when they do not).
        self.strip = ColourStrip(theme)
        for view in (self.left, self.right):
            # Each half keeps the width for its network: no colour bar beside it.
            view.set_legend("none")
            view.setMinimumSize(160, 180)
        self._labels = (QtWidgets.QLabel(), QtWidgets.QLabel())
        grid = QtWidgets.QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(0)
        for column, (side, view, label) in enumerate(zip(SIDES, (self.left, self.right), self._labels)):
            label.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
            label.setAutoFillBackground(True)
            grid.addWidget(label, 0, column)
            grid.addWidget(view, 1, column)
            view.sigBackgroundClicked.connect(self.sigBackgroundClicked)
            view.sigNeuronClicked.connect(lambda layer, unit, side=side: self.sigNeuronClicked.emit(side, layer, unit))
            view.sigEdgeClicked.connect(lambda layer, to, frm, side=side: self.sigEdgeClicked.emit(side, layer, to, frm))
        grid.addWidget(self.strip, 2, 0, 1, 2)
        grid.setRowStretch(1, 1)
        self._style_titles()

    def sizeHint(self) -> QtCore.QSize:
        return QtCore.QSize(1400, 600)

    def __repr__(self):
        return f"CompareView(titles={self._titles!r}, shared_scale={self._shared_scale}, mode={self._mode!r})"

    @property
    def theme(self) -> Theme:
        return self._theme

    @property
    def color_mode(self) -> str:
        return self._mode

    @property
    def titles(self) -> tuple[str, str]:
        return self._titles

    def show_records(
        self,
        left: PassRecord,
        left_scale: PassRecord | None,
        right: PassRecord,
        right_scale: PassRecord | None,
        titles: tuple[str, str],
        shared_scale: bool = True,
    ) -> None:
        """Show ``left`` and ``right`` (each with its scale record, see :meth:`NetworkView.show_record`).

        With ``shared_scale`` both are coloured on one scale computed over both scale records, so a colour
        means the same in either half; otherwise each half has its own.
        """
        left_scale = left if left_scale is None else left_scale
        right_scale = right if right_scale is None else right_scale
        self._shown = (left, left_scale, right, right_scale)
        self._shared_scale = bool(shared_scale)
        self._titles = (str(titles[0]), str(titles[1]))
        for label, title in zip(self._labels, self._titles):
            label.setText(title)
        self._show()

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        self._cache.clear()
        self.left.set_theme(theme)
        self.right.set_theme(theme)
        if self.left.scene is not None:
            self.strip.show_scene(self.left.scene, theme)
        self._style_titles()
        self.update()

    def set_color_mode(self, mode: str) -> None:
        check_color_mode(mode)
        self._mode = mode
        self.left.set_color_mode(mode)
        self.right.set_color_mode(mode)
        if self._shown is not None and self._shared_scale:
            self._show()

    def set_selection(self, side: str, selection: tuple | None) -> None:
        """Select on ``side`` ("left" or "right"); the other side's selection is cleared."""
        views = self._views_by_side()
        if side not in views:
            raise ValueError(f"unknown side {side!r}; choose one of {', '.join(SIDES)}")
        for name, view in views.items():
            view.set_selection(selection if name == side else None)

    def set_desk_hints(self, on: bool) -> None:
        """Both halves' captions may, or may not, say how to see values too small to print (``NetworkView``)."""
        self.left.set_desk_hints(on)
        self.right.set_desk_hints(on)

    def animate_step(self, duration_ms: int) -> None:
        self.left.animate_step(duration_ms)
        self.right.animate_step(duration_ms)

    def stop_animation(self) -> None:
        self.left.stop_animation()
        self.right.stop_animation()

    def is_animating(self) -> bool:
        return self.left.is_animating() or self.right.is_animating()

    def render_to(self, painter: QtGui.QPainter, target: QtCore.QRectF, paint_background: bool = True) -> None:
        """Paint both diagrams side by side into ``target``, each under its title, as one picture."""
        target = QtCore.QRectF(target)
        # A slide (1920 x 1080) is drawn as the view of that size shows it; larger pictures scale it up.
        scale = max(1.0, target.width() / 3200.0, target.height() / 1080.0)
        strip = TITLE_STRIP_LINES * title_px(self._theme) * scale
        if paint_background:
            painter.fillRect(target, self._theme.color("background"))
        half = target.width() / 2
        painter.save()
        painter.setRenderHint(QtGui.QPainter.RenderHint.TextAntialiasing, True)
        painter.setFont(painters.font(self._theme, title_px(self._theme) * scale, bold=True))
        painter.setPen(self._theme.color("foreground"))
        for i, title in enumerate(self._titles):
            box = QtCore.QRectF(target.left() + i * half, target.top(), half, strip)
            painter.drawText(box, QtCore.Qt.AlignmentFlag.AlignCenter, title)
        painter.restore()
        shared = self._shown is not None and self._shared_scale and self.left.scene is not None
        bar = self.strip.height_for(target.width() / scale, self.left.scene, self._theme) * scale if shared else 0.0
        for i, view in enumerate((self.left, self.right)):
            box = QtCore.QRectF(target.left() + i * half, target.top() + strip, half, target.height() - strip - bar)
            view.render_to(painter, box, paint_background=False)
        if shared:
            painter.save()
            painter.translate(target.left(), target.bottom() - bar)
            painter.scale(scale, scale)
            self.strip.paint(painter, target.width() / scale, bar / scale, False)
            painter.restore()

    # ------------------------------------------------------------------------------------------ internals

    def _views_by_side(self) -> dict[str, NetworkView]:
        return dict(zip(SIDES, (self.left, self.right)))

    def _show(self) -> None:
        left, left_scale, right, right_scale = self._shown
        shared = None
        if self._shared_scale:
            # In weight mode the records' own weights, as a single view scales them (they differ from the
            # scale records' only at the update step).
            sources = [left, right] if self._mode == "weight" else [left_scale, right_scale]
            shared = self._cache.colour_scale(self._mode, sources)
        for view in (self.left, self.right):
            view.set_legend("none" if shared is not None else "below")
        self.left.show_record(left, left_scale, shared)
        self.right.show_record(right, right_scale, shared)
        self.strip.setVisible(shared is not None)
        if shared is not None:
            self.strip.show_scene(self.left.scene, self._theme)

    def _style_titles(self) -> None:
        theme = self._theme
        palette = QtGui.QPalette()
        palette.setColor(QtGui.QPalette.ColorRole.Window, theme.color("background"))
        palette.setColor(QtGui.QPalette.ColorRole.WindowText, theme.color("foreground"))
        strip = int(round(TITLE_STRIP_LINES * title_px(theme)))
        for label in self._labels:
            label.setPalette(palette)
            label.setFont(painters.font(theme, title_px(theme), bold=True))
            label.setFixedHeight(strip)
