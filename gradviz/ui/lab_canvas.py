"""What every part of the lab's painting shares: the palette, the text size, what a paint drew
(``LabPicture``) and ``LabCanvas``, one paint's painter, snapshot, theme and text helpers.

The parts (``lab_sketch``, ``lab_panels``, ``lab_plots``) each draw onto a ``LabCanvas``; ``lab_painter``
lays them out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np
from PySide6 import QtCore, QtGui

from .theme import Theme


#: Okabe & Ito's colour-blind-safe palette (Color Universal Design).
OKABE_ITO = {
    "orange": "#E69F00", "sky_blue": "#56B4E9", "bluish_green": "#009E73", "yellow": "#F0E442",
    "blue": "#0072B2", "vermillion": "#D55E00", "reddish_purple": "#CC79A7",
}  # fmt: skip
#: The two classes of 2-D data: blue and orange, told apart by every common colour-vision deficiency.
CLASS_COLORS = (OKABE_ITO["blue"], OKABE_ITO["orange"])
#: Lane colours (lines and captions' swatches); the dark screen gets the lighter blue.
LANE_COLORS = {
    "slides": (OKABE_ITO["vermillion"], OKABE_ITO["blue"], OKABE_ITO["bluish_green"], OKABE_ITO["reddish_purple"]),
    "screen": (OKABE_ITO["orange"], OKABE_ITO["sky_blue"], OKABE_ITO["bluish_green"], OKABE_ITO["reddish_purple"]),
}
RIGHT_MARK, WRONG_MARK = "✓", "✗"
#: Smallest text the lab draws, in pixels, at 1280x720 (larger windows scale it up a little).
TEXT_PX = {"screen": 15.0, "slides": 20.0}


@dataclass
class LabText:
    """A text the painter drew: its box (device pixels), pixel size, colour, and what it is."""

    rect: QtCore.QRectF
    text: str
    px: float
    color: str
    role: str


@dataclass
class LabPicture:
    """What one paint drew, for tests and exports: the texts, each lane's heat map cells and the curves.

    ``heat_maps[k]`` is (cells as an RGB array rows x columns with row 0 at the top, target rect, xs, ys);
    ``curves[(lane, measure)]`` is (data x, data y, pixel x, pixel y) for "loss", "test_accuracy" and
    ``f"speed{l}"`` (layer l, 1-based).
    """

    texts: list[LabText] = field(default_factory=list)
    heat_maps: dict = field(default_factory=dict)
    curves: dict = field(default_factory=dict)
    plot_rects: dict = field(default_factory=dict)
    #: ``sketch_edges[k]``: lane k's sketch edges as drawn, (lines as x1, y1, x2, y2 in the painter's units,
    #: their |dC/dw|, the pen width).
    sketch_edges: dict = field(default_factory=dict)
def content_key(*arrays) -> int:
    """A key that stays the same while the arrays' values do (each snapshot hands out new arrays, often
    with the same values): for what a paint keeps between frames."""
    return hash(tuple(None if a is None else (np.shape(a), np.asarray(a).dtype.str, np.ascontiguousarray(a).tobytes()) for a in arrays))


def text_px(theme: Theme, width: float, height: float) -> float:
    """The pixel size of the lab's body text for a picture ``width`` x ``height``."""
    grow = max(1.0, min(width / 1280.0, height / 720.0)) ** 0.5
    return round(TEXT_PX.get(theme.name, TEXT_PX["screen"]) * grow)


def lane_color(theme: Theme, lane: int) -> QtGui.QColor:
    colors = LANE_COLORS.get(theme.name, LANE_COLORS["screen"])
    return QtGui.QColor(colors[lane % len(colors)])


def layer_ramp(theme: Theme, lane: int, layers: int) -> list[QtGui.QColor]:
    """One colour per layer (1 to L) in the lane's hue, light to dark (dark to light on the dark screen)."""
    base = lane_color(theme, lane)
    hue, sat = base.hsvHueF(), max(base.hsvSaturationF(), 0.55)
    out = []
    for l in range(layers):
        t = l / max(layers - 1, 1)
        if theme.name == "slides":
            value, s = 0.95 - 0.55 * t, 0.35 + 0.65 * t
        else:
            value, s = 0.55 + 0.45 * t, 1.0 - 0.6 * t
        out.append(QtGui.QColor.fromHsvF(max(hue, 0.0), min(1.0, s * sat / 0.55 * 0.9), value))
    return out


class LabCanvas:
    """One paint of a lab snapshot into ``rect`` of ``painter``: the painter, the snapshot, the theme, the
    sizes that follow from them, the text helpers (every text drawn is recorded) and what was drawn."""

    def __init__(self, painter: QtGui.QPainter, rect: QtCore.QRectF, lab, theme: Theme, cache: dict | None = None, draft: bool = False):
        self.p, self.rect, self.lab, self.theme = painter, QtCore.QRectF(rect), lab, theme
        #: A frame while training: the curves without antialiasing (the paused picture and exports have it).
        self.draft = bool(draft)
        #: Layers that stay the same from frame to frame (the data's points), kept by the caller between paints.
        self.cache = cache if cache is not None else {}
        #: Whether every colour of the sketch's edge table is opaque (overlapping edges then need no blending).
        self.edge_table_opaque = False
        #: Drawing pixels (a widget or an image): layers that do not change are cached as images. An SVG or
        #: a PDF gets every shape as a vector.
        engine = painter.paintEngine()
        self.raster = engine is not None and engine.type() == QtGui.QPaintEngine.Type.Raster
        self.px = text_px(theme, rect.width(), rect.height())
        self.pad = round(self.px * 0.6)
        self.fg = QtGui.QColor(theme.foreground)
        self.muted = QtGui.QColor(theme.foreground if theme.name == "slides" else theme.muted)
        self.bg = QtGui.QColor(theme.background)
        self.picture = LabPicture()

    def __repr__(self):
        return f"LabCanvas(theme={self.theme.name!r}, rect={self.rect.width():g}x{self.rect.height():g}, raster={self.raster})"

    def _font_key(self, px, bold) -> tuple:
        return (self.theme.font_family, max(1, round(px or self.px)), bool(bold))

    def font(self, px: float | None = None, bold: bool = False) -> QtGui.QFont:
        return _font_and_metrics(self._font_key(px, bold))[0]

    def metrics(self, px: float | None = None, bold: bool = False) -> QtGui.QFontMetricsF:
        return _font_and_metrics(self._font_key(px, bold))[1]

    def text(self, rect: QtCore.QRectF, text: str, role: str, align=None, bold=False, color=None, px=None, elide=True) -> QtCore.QRectF:
        """Draw ``text`` in ``rect`` (one line, elided to fit) and record it; returns its box."""
        align = align if align is not None else QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignVCenter
        flags = int(align.value if hasattr(align, "value") else align)
        font_key = self._font_key(px, bold)
        key = (font_key, text, rect.x(), rect.y(), rect.width(), rect.height(), flags, bool(elide))
        layout = _TEXT_LAYOUTS.get(key)
        if layout is None:  # a frame while training lays out mostly the texts the one before did
            if len(_TEXT_LAYOUTS) > MAX_REMEMBERED_WIDTHS:
                _TEXT_LAYOUTS.clear()
            layout = _TEXT_LAYOUTS[key] = self._layout(rect, text, flags, px, bold, elide)
        shown, rect, box = layout
        if not shown:
            return QtCore.QRectF()
        f = _font_and_metrics(font_key)[0]
        color = QtGui.QColor(color) if color is not None else self.fg
        self.p.setFont(f)
        self.p.setPen(color)
        self.p.drawText(rect, flags, shown)
        self.picture.texts.append(LabText(self.p.transform().mapRect(box), shown, f.pixelSize(), color.name(), role))
        return QtCore.QRectF(box)

    def _layout(self, rect: QtCore.QRectF, text: str, flags: int, px, bold, elide) -> tuple[str, QtCore.QRectF, QtCore.QRectF]:
        """What ``text`` shows in ``rect`` (elided to fit), the rectangle it is drawn in and its box."""
        metrics = self.metrics(px, bold)
        fits = not elide or self.text_width(text, px, bold) <= rect.width() - 2
        shown = text if fits else metrics.elidedText(text, QtCore.Qt.TextElideMode.ElideRight, max(rect.width() - 2, 1))
        if not shown:
            return "", QtCore.QRectF(), QtCore.QRectF()
        # drawText clips to its rectangle: a rectangle smaller than the line (a small matrix cell's label)
        # grows around its centre instead, so no glyph is ever cut (overlaps are then the tests' to find).
        rect = QtCore.QRectF(rect)
        need_h, need_w = metrics.height(), self.text_width(shown, px, bold) + 2
        if rect.height() < need_h:
            rect.adjust(0, -(need_h - rect.height()) / 2, 0, (need_h - rect.height()) / 2)
        if rect.width() < need_w:
            rect.adjust(-(need_w - rect.width()) / 2, 0, (need_w - rect.width()) / 2, 0)
        box = metrics.boundingRect(rect, flags, shown)
        box = box.intersected(rect) if box.width() > rect.width() else box
        return shown, rect, box

    def kept(self, slot: tuple, key, make):
        """``make()``, kept in the caller's cache under ``slot`` for as long as ``key`` stays the same. One
        entry per slot: a key that changes every frame replaces its entry instead of piling up beside it
        (a cache that grew past its bound used to be emptied, and every layer made again)."""
        entry = self.cache.get(slot)
        if entry is not None and entry[0] == key:
            return entry[1]
        value = make()
        self.cache[slot] = (key, value)
        return value

    def layer(self, slot: tuple, key: tuple, rect: QtCore.QRectF, draw):
        """``draw()``'s result, its pixels kept as an image under ``slot`` while ``key`` (with the theme and
        text size) stays the same, and copied on later paints: for what changes far less often than the
        frames (axes, legends). The texts it drew are recorded again on every paint. An SVG or a PDF gets
        ``draw()`` itself."""
        if not self.raster:
            return draw()
        slot = ("layer", *slot)
        before = self.cache.get(slot)
        image, corner, drawn, result = self.kept(slot, (*key, self.theme.name, self.px),
                                                 lambda: self._make_layer(rect, draw, before[1][0] if before else None))  # fmt: skip
        self.p.drawImage(corner, image)
        transform = self.p.transform()
        if transform.isIdentity():
            self.picture.texts += drawn
        else:
            self.picture.texts += [replace(t, rect=transform.mapRect(t.rect)) for t in drawn]
        return result

    def _make_layer(self, rect: QtCore.QRectF, draw, reuse: QtGui.QImage | None = None) -> tuple:
        # Whole pixels: what is drawn into the layer lands on the same pixels as when drawn straight.
        left, top = math.floor(rect.left() - self.pad), math.floor(rect.top() - self.pad)
        area = QtCore.QRectF(left, top, math.ceil(rect.right() + self.pad) - left, math.ceil(rect.bottom() + self.pad) - top)
        device = self.p.device()
        ratio = max(1.0, device.devicePixelRatioF()) if device is not None else 1.0
        size = QtCore.QSize(max(1, math.ceil(area.width() * ratio)), max(1, math.ceil(area.height() * ratio)))
        # A layer remade every frame while training (the curves) draws into the image it had.
        same = reuse is not None and reuse.size() == size and reuse.devicePixelRatio() == ratio
        image = reuse if same else QtGui.QImage(size, QtGui.QImage.Format.Format_ARGB32_Premultiplied)
        image.setDevicePixelRatio(ratio)
        image.fill(QtCore.Qt.GlobalColor.transparent)
        outer, texts = self.p, self.picture.texts
        self.p, self.picture.texts = QtGui.QPainter(image), []
        try:
            self.p.setRenderHints(outer.renderHints())
            self.p.translate(-area.left(), -area.top())
            result = draw()
        finally:
            self.p.end()
            drawn = [replace(t, rect=t.rect.translated(area.topLeft())) for t in self.picture.texts]
            self.p, self.picture.texts = outer, texts
        return image, area.topLeft().toPoint(), drawn, result

    def fitting(self, forms, width: float, px=None, bold=False) -> str:
        """The first of ``forms`` (longest first) that fits ``width``; the last one otherwise (elided when drawn)."""
        for form in forms:
            if self.text_width(form, px, bold) <= width - 3:
                return form
        return forms[-1]

    def wrapped_lines(self, text: str, width: float, px=None) -> list[str]:
        """``text`` broken into lines at spaces so that each fits ``width``."""
        lines, line = [], ""
        for word in text.split(" "):
            candidate = f"{line} {word}" if line else word
            if line and self.text_width(candidate, px) > width - 3:
                lines.append(line)
                line = word
            else:
                line = candidate
        return [*lines, line] if line else lines

    def line_height(self, px=None) -> float:
        return math.ceil(self.metrics(px).height())

    def text_width(self, text: str, px=None, bold=False) -> float:
        key = (*self._font_key(px, bold), text)
        width = _TEXT_WIDTHS.get(key)
        if width is None:
            if len(_TEXT_WIDTHS) > MAX_REMEMBERED_WIDTHS:
                _TEXT_WIDTHS.clear()
            width = _TEXT_WIDTHS[key] = _font_and_metrics(key[:3])[1].horizontalAdvance(text)
        return width


#: Fonts and their metrics by (family, pixel size, bold), and text widths by (family, pixel size, bold, text):
#: kept from paint to paint, as a frame while training lays out the same texts again (measuring them was
#: a fifth of a frame).
_FONTS: dict = {}
_TEXT_WIDTHS: dict = {}
#: Texts laid out in their rectangles: (font key, text, rectangle, flags, elide) -> (shown, drawn in, box).
_TEXT_LAYOUTS: dict = {}
MAX_REMEMBERED_WIDTHS = 8192


def _font_and_metrics(key: tuple) -> tuple[QtGui.QFont, QtGui.QFontMetricsF]:
    hit = _FONTS.get(key)
    if hit is None:
        family, px, bold = key
        f = QtGui.QFont(family)
        f.setPixelSize(px)
        f.setBold(bold)
        hit = _FONTS[key] = (f, QtGui.QFontMetricsF(f))
    return hit
