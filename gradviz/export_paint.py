"""Drawing a view onto a paint device (an image, an SVG generator, a PDF writer), scaled to fit.

A view is any object with ``render_to(painter, rect, paint_background)`` (the network diagram) or any QWidget
(a pyqtgraph plot, a whole window). It is drawn by Qt onto the output's own paint device, so SVG and PDF hold
vector paths and real text, and a large PNG is re-drawn at its resolution rather than enlarged. The view is
drawn at its own size onto a painter scaled uniformly to fit the output, centred on the theme's background
(views laid out as a 16:9 slide fill a slide exactly).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from PySide6 import QtCore, QtGui, QtWidgets

from .export_options import ExportError, output_size

_INCHES_PER_METRE = 39.37007874015748


def _with_descendants(widget: QtWidgets.QWidget, kind=QtWidgets.QWidget) -> list:
    return ([widget] if isinstance(widget, kind) else []) + list(widget.findChildren(kind))


@contextlib.contextmanager
def _prepared_for_export(widget: QtWidgets.QWidget, own_background: bool) -> Iterator[None]:
    """Temporarily set the widget tree up for export, restoring every change afterwards.

    Graphics views stop caching their background (the cache is a bitmap, which would end up as an image
    inside an SVG or PDF). Without ``own_background``, they and every widget that fills its own
    background leave it unpainted, so the output's background (or transparency) shows through.
    """
    views = _with_descendants(widget, QtWidgets.QGraphicsView)
    cache_modes = [(view, view.cacheMode()) for view in views]
    brushes = [(view, view.backgroundBrush()) for view in views] if not own_background else []
    filled = [w for w in _with_descendants(widget) if w.autoFillBackground()] if not own_background else []
    try:
        for view, _ in cache_modes:
            view.setCacheMode(QtWidgets.QGraphicsView.CacheModeFlag.CacheNone)
        for view, _ in brushes:
            view.setBackgroundBrush(QtGui.QBrush(QtCore.Qt.BrushStyle.NoBrush))
        for w in filled:
            w.setAutoFillBackground(False)
        yield
    finally:
        for view, mode in cache_modes:
            view.setCacheMode(mode)
            view.resetCachedContent()
        for view, brush in brushes:
            view.setBackgroundBrush(brush)
        for w in filled:
            w.setAutoFillBackground(True)


def _view_size(view) -> tuple[int, int]:
    w, h = view.width(), view.height()
    if w < 1 or h < 1:
        raise ExportError(f"the view has no size yet ({w} x {h} pixels); show it before exporting it")
    return w, h


def _paint(view, painter: QtGui.QPainter, target: QtCore.QRectF, own_background: bool) -> None:
    """Draw ``view`` scaled uniformly to fit ``target`` (in the painter's coordinates), centred."""
    painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QtGui.QPainter.RenderHint.TextAntialiasing)
    painter.setRenderHint(QtGui.QPainter.RenderHint.SmoothPixmapTransform)
    w, h = _view_size(view)
    scale = min(target.width() / w, target.height() / h)
    painter.save()
    try:
        painter.translate(target.center().x() - w * scale / 2, target.center().y() - h * scale / 2)
        # A scaled painter makes Qt re-draw every path and glyph at the output's resolution. The view
        # then draws in its own coordinates, exactly as on screen.
        painter.scale(scale, scale)
        render_to = getattr(view, "render_to", None)
        if callable(render_to):
            render_to(painter, QtCore.QRectF(0, 0, w, h), paint_background=own_background)
            return
        flags = QtWidgets.QWidget.RenderFlag.DrawChildren
        if own_background:
            flags |= QtWidgets.QWidget.RenderFlag.DrawWindowBackground
        with _prepared_for_export(view, own_background):
            # QGraphicsView.render draws the scene, not the widget, hence QWidget.render called explicitly.
            QtWidgets.QWidget.render(view, painter, QtCore.QPoint(), QtGui.QRegion(), flags)
    finally:
        painter.restore()


def view_dpi(view) -> int:
    # The output device must share the screen's dots per inch, or text sized in points would not fit
    # the layout the view computed on screen.
    return max(1, view.logicalDpiY())


def draw_view(device: QtGui.QPaintDevice, view, target: QtCore.QRectF, background: QtGui.QColor, what: str) -> None:
    painter = QtGui.QPainter()
    if not painter.begin(device):
        raise ExportError(f"could not start drawing the {what}")
    try:
        if background.alpha():
            painter.fillRect(target, background)
        _paint(view, painter, target, own_background=background.alpha() > 0)
    finally:
        painter.end()


def _color(value) -> QtGui.QColor:
    color = QtGui.QColor(value)
    if not color.isValid():
        raise ExportError(f"{value!r} is not a colour; give a name like 'white' or a code like '#1b1d22'")
    return color


def render_image(view, width: int | None = None, height: int | None = None, background=None) -> QtGui.QImage:
    """``view`` drawn into a new ARGB32 image of ``output_size(width, height)``.

    ``background`` (a colour; default the view's own window colour) fills the image first; a transparent
    colour leaves the view's own background out too.
    """
    size = output_size(width, height)
    _view_size(view)
    if background is None:
        background = view.palette().color(QtGui.QPalette.ColorRole.Window)
    image = QtGui.QImage(*size, QtGui.QImage.Format.Format_ARGB32)
    dots_per_metre = round(view_dpi(view) * _INCHES_PER_METRE)
    image.setDotsPerMeterX(dots_per_metre)
    image.setDotsPerMeterY(dots_per_metre)
    image.fill(QtCore.Qt.GlobalColor.transparent)
    draw_view(image, view, QtCore.QRectF(0, 0, *size), _color(background), "image")
    return image
