"""What the readability check measures on a drawn window: every label of a view, its size as drawn, where it
lies, and its contrast against the pixels behind it (issue 17, item 5).

A label is found wherever a view draws text: text items and axis ticks of pyqtgraph scenes, the diagram's
recorded text boxes, a scene table's cells, and the Qt labels and buttons of a panel. Its size is the font's
pixel size times the scale it is drawn at. Its colour is the one it was drawn with where the item says so,
else the rendered pixel in its box farthest from the background; the background is the commonest rendered
colour in the text's box. Contrast is WCAG 2's ratio of relative luminances.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

#: WCAG AA for normal text.
MIN_CONTRAST = 4.5
#: The smallest text each theme may draw, in pixels (issue 17).
MIN_PX = {"screen": 14.0, "slides": 18.0}
#: Two labels overlap when their text boxes share more than this many square pixels (rounding aside).
OVERLAP_PX2 = 2.0


@dataclass
class Label:
    """One text as drawn: ``rect`` in the window's pixels, ``px`` its font's pixel size as drawn, ``color``
    the colour it was drawn in (None: read it from the pixels), ``where`` what drew it."""

    text: str
    rect: QtCore.QRectF
    px: float
    color: QtGui.QColor | None
    where: str
    #: A disabled control's greyed text is exempt from the contrast rule (WCAG 1.4.3), not from the others.
    enabled: bool = True

    def __repr__(self):
        r = self.rect
        return f"Label({self.text!r}, {self.where}, {self.px:.1f}px at {r.x():.0f},{r.y():.0f} {r.width():.0f}x{r.height():.0f})"


# ---------------------------------------------------------------------------------------------- contrast


def relative_luminance(rgb) -> float:
    """WCAG 2 relative luminance of an sRGB colour given as 0..255 channels."""

    def linear(channel: float) -> float:
        c = channel / 255.0
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(float(c)) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a, b) -> float:
    """WCAG 2 contrast ratio (1 to 21) of two colours given as 0..255 channels."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def image_array(image: QtGui.QImage) -> np.ndarray:
    """A QImage as a height x width x 3 array of 0..255 RGB."""
    rgb = image.convertToFormat(QtGui.QImage.Format.Format_RGB888)
    array = np.frombuffer(rgb.constBits(), dtype=np.uint8).reshape(rgb.height(), rgb.bytesPerLine())
    return array[:, : rgb.width() * 3].reshape(rgb.height(), rgb.width(), 3).astype(np.float64)


def _box(rect: QtCore.QRectF, shape) -> tuple[int, int, int, int]:
    height, width = shape[:2]
    x0 = min(max(int(math.floor(rect.left())), 0), width)
    y0 = min(max(int(math.floor(rect.top())), 0), height)
    x1 = min(max(int(math.ceil(rect.right())), 0), width)
    y1 = min(max(int(math.ceil(rect.bottom())), 0), height)
    return x0, y0, x1, y1


def background_behind(pixels: np.ndarray, rect: QtCore.QRectF) -> np.ndarray:
    """The colour behind the text in ``rect``: the commonest rendered colour there (glyphs cover a small
    part of their box, and antialiasing spreads their edges over many colours)."""
    x0, y0, x1, y1 = _box(rect, pixels.shape)
    inside = pixels[y0:y1, x0:x1].reshape(-1, 3)
    if not len(inside):
        return np.zeros(3)
    colors, counts = np.unique(inside, axis=0, return_counts=True)
    return colors[np.argmax(counts)]


def text_color_in(pixels: np.ndarray, rect: QtCore.QRectF, background: np.ndarray) -> np.ndarray:
    """The rendered pixel inside ``rect`` farthest from ``background``: the text's own colour where its
    strokes are solid."""
    x0, y0, x1, y1 = _box(rect, pixels.shape)
    inside = pixels[y0:y1, x0:x1].reshape(-1, 3)
    if not len(inside):
        return background
    return inside[np.argmax(np.abs(inside - background).sum(axis=1))]


def label_contrast(pixels: np.ndarray, label: Label) -> float:
    background = background_behind(pixels, label.rect)
    if label.color is not None:
        text = np.array(label.color.getRgb()[:3], dtype=np.float64)
    else:
        text = text_color_in(pixels, label.rect, background)
    return contrast_ratio(text, background)


# ---------------------------------------------------------------------------------------------- finding labels


def _to_window(widget: QtWidgets.QWidget, window: QtWidgets.QWidget, rect: QtCore.QRectF) -> QtCore.QRectF:
    origin = widget.mapTo(window, QtCore.QPoint(0, 0))
    return QtCore.QRectF(rect).translated(origin.x(), origin.y())


def _scale_of(transform: QtGui.QTransform) -> float:
    """How much a transform enlarges text (rotation aside)."""
    return math.sqrt(abs(transform.determinant())) or 1.0


_HTML_SIZE = re.compile(r"font-size:\s*([\d.]+)(px|pt)")
_HTML_COLOR = re.compile(r"color:\s*(#[0-9a-fA-F]{6}|[a-z]+)")


def _html_px(html: str, fallback_font: QtGui.QFont) -> float:
    sizes = [float(v) * (1.0 if unit == "px" else 96.0 / 72.0) for v, unit in _HTML_SIZE.findall(html)]
    return max(sizes) if sizes else float(QtGui.QFontInfo(fallback_font).pixelSize())


def _html_color(html: str, fallback: QtGui.QColor) -> QtGui.QColor:
    colors = [QtGui.QColor(c) for c in _HTML_COLOR.findall(html) if QtGui.QColor(c).isValid()]
    return colors[-1] if colors else fallback


def _item_visible(item: QtWidgets.QGraphicsItem) -> bool:
    while item is not None:
        if not item.isVisible() or item.opacity() == 0:
            return False
        item = item.parentItem()
    return True


def _graphics_view_labels(view: QtWidgets.QGraphicsView, window) -> list[Label]:
    scene = view.scene()
    if scene is None:
        return []
    viewport = view.viewport()
    to_view = view.viewportTransform()
    labels = []

    def add(text, scene_rect: QtCore.QRectF, px: float, color, where: str) -> None:
        on_view = to_view.mapRect(scene_rect)
        if not on_view.intersects(QtCore.QRectF(viewport.rect())):
            return  # out of sight (scrolled away, or a plot's clipped data)
        labels.append(Label(text, _to_window(viewport, window, on_view), px, color, where))

    for item in scene.items():
        if not _item_visible(item):
            continue
        if isinstance(item, QtWidgets.QGraphicsTextItem):
            text = item.toPlainText().strip()
            if not text:
                continue
            margin = item.document().documentMargin()
            rect = item.mapRectToScene(item.boundingRect().adjusted(margin, margin, -margin, -margin))
            html = item.toHtml()
            scale = _scale_of(item.deviceTransform(to_view))
            color = _html_color(html, item.defaultTextColor())
            add(text, rect, _html_px(html, item.font()) * scale, color, type(item.parentItem() or item).__name__)
        elif isinstance(item, pg.AxisItem) and item.isVisible():
            image = QtGui.QImage(10, 10, QtGui.QImage.Format.Format_ARGB32)
            painter = QtGui.QPainter(image)
            try:
                specs = item.generateDrawSpecs(painter)
            finally:
                painter.end()
            if specs is None:
                continue
            font = item.style.get("tickFont") or item.font()
            px = QtGui.QFontInfo(font).pixelSize() * _scale_of(item.deviceTransform(to_view))
            for rect, _flags, text in specs[2]:
                if text:
                    add(text, item.mapRectToScene(QtCore.QRectF(rect)), px, item.textPen().color(), f"{item.orientation} axis ticks")
        elif callable(getattr(item, "cells", None)) and callable(getattr(item, "text_font", None)):
            px = QtGui.QFontInfo(item.text_font()).pixelSize() * _scale_of(item.deviceTransform(to_view))
            for rect, text in item.cells():
                add(text, rect, px, QtGui.QColor(item.text_color()), type(item).__name__)
    return labels


def _network_view_labels(view, window) -> list[Label]:
    labels = []
    for box in view.text_boxes:  # each with its pixel size and colour as the paint drew it
        if not box.text.strip():
            continue
        color = QtGui.QColor.fromRgba(box.argb)
        labels.append(Label(box.text, _to_window(view, window, box.rect), box.px, color, f"diagram {box.role}"))
    return labels


def _widget_text_rect(widget: QtWidgets.QWidget, text: str) -> QtCore.QRectF:
    metrics = QtGui.QFontMetricsF(widget.font())
    if isinstance(widget, QtWidgets.QLabel):
        contents = widget.contentsRect()
        flags = int(widget.alignment().value) | (int(QtCore.Qt.TextFlag.TextWordWrap.value) if widget.wordWrap() else 0)
        return metrics.boundingRect(QtCore.QRectF(contents), flags, text)
    rect = QtCore.QRectF(widget.rect())
    return metrics.boundingRect(rect, int(QtCore.Qt.AlignmentFlag.AlignCenter.value), text)


def _widget_labels(root: QtWidgets.QWidget, window) -> list[Label]:
    labels = []
    for widget in [root, *root.findChildren(QtWidgets.QWidget)]:
        if not widget.isVisible() or widget.visibleRegion().isEmpty():
            continue
        px = float(QtGui.QFontInfo(widget.font()).pixelSize())
        if isinstance(widget, QtWidgets.QLabel) and widget.text().strip() and widget.pixmap().isNull():
            text = widget.text() if widget.textFormat() != QtCore.Qt.TextFormat.RichText else widget.text()
            plain = QtGui.QTextDocumentFragment.fromHtml(text).toPlainText() if "<" in text else text
            labels.append(Label(plain, _to_window(widget, window, _widget_text_rect(widget, plain)), px, None, "QLabel"))
        elif isinstance(widget, QtWidgets.QAbstractButton) and widget.text().strip() and not isinstance(widget, QtWidgets.QToolButton):
            text = widget.text().replace("&", "")
            rect = _to_window(widget, window, _widget_text_rect(widget, text))
            labels.append(Label(text, rect, px, None, type(widget).__name__, widget.isEnabled()))
        elif isinstance(widget, (QtWidgets.QAbstractSpinBox, QtWidgets.QComboBox)):
            text = widget.text() if isinstance(widget, QtWidgets.QAbstractSpinBox) else widget.currentText()
            # Sized only: their text sits on the widget's own base, inside a frame.
            labels.append(Label(text, QtCore.QRectF(), px, None, type(widget).__name__))
    return labels


def view_labels(widget: QtWidgets.QWidget, window: QtWidgets.QWidget) -> list[Label]:
    """Every label ``widget`` (a view in ``window``) shows now, in window pixels."""
    from gradviz.ui.diagram import NetworkView

    labels = []
    for view in [widget, *widget.findChildren(QtWidgets.QWidget)]:
        # A graphics view is seen through its viewport, which covers it.
        seen = view.viewport() if isinstance(view, QtWidgets.QGraphicsView) else view
        if not view.isVisible() or seen.visibleRegion().isEmpty():
            continue
        if isinstance(view, QtWidgets.QGraphicsView):
            labels += _graphics_view_labels(view, window)
        elif isinstance(view, NetworkView):
            labels += _network_view_labels(view, window)
        elif hasattr(getattr(view, "picture", None), "texts"):  # a painted view recording its texts (the lab)
            labels += _painted_view_labels(view, window)
    return labels + _widget_labels(widget, window)


def _painted_view_labels(view, window) -> list[Label]:
    """The texts a painted view's last paint drew, each with the size and colour it was drawn in."""
    return [
        Label(t.text, _to_window(view, window, t.rect), t.px, QtGui.QColor(t.color), f"painted {t.role}")
        for t in view.picture.texts
        if t.text.strip()
    ]


# ---------------------------------------------------------------------------------------------- the rules


def violations(labels: list[Label], pixels: np.ndarray, theme_name: str) -> list[str]:
    """What breaks the three rules: text too small, labels overlapping, contrast under 4.5:1."""
    problems = []
    smallest = MIN_PX[theme_name]
    for label in labels:
        if label.px < smallest - 0.01:
            problems.append(f"small: {label!r} under {smallest:g} px")
    boxed = [label for label in labels if label.rect.width() > 0 and label.rect.height() > 0]
    for i, a in enumerate(boxed):
        for b in boxed[i + 1 :]:
            overlap = a.rect.intersected(b.rect)
            if overlap.width() * overlap.height() > OVERLAP_PX2:
                problems.append(f"overlap: {a!r} and {b!r}")
    for label in boxed:
        if not label.enabled:
            continue
        ratio = label_contrast(pixels, label)
        if ratio < MIN_CONTRAST:
            problems.append(f"contrast {ratio:.2f}:1: {label!r}")
    return problems
