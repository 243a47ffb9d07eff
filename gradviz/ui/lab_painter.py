"""The training lab, painted: one function draws a lab snapshot into any QPainter (a widget, an image, an
SVG or a PDF), so the window and every export draw the same picture.

Per lane, side by side: a sketch of the network with its edges coloured by the last mini-batch's |dC/dw|
on the snapshot's shared log scale, the lane's caption, and either the decision boundary over 2-D data or,
for digits, test images marked right or wrong and a confusion matrix. Below, one shared row: loss and test
accuracy per epoch, and Nielsen's learning speed per layer on a log axis.

Nothing here computes a core fact: every number comes from the snapshot; this module only places and
colours it. Every text drawn is recorded (``LabPicture.texts``) so tests can check sizes, overlaps and
contrast.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui

from ..core.format import format_number, format_power_of_ten
from .theme import Theme, gradient_colors

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
#: Most neurons the sketch shows in one layer (a wider layer shows this many, evenly chosen).
MAX_SKETCH_UNITS = 10
#: How far the heat map's colours are mixed towards the background: the points on it must stand out.
HEAT_MAP_FADE = 0.55
#: Colour steps of an edge in the sketch: edges of one step are drawn at once.
SKETCH_COLOUR_STEPS = 48
#: Share of the height the lanes take (the rest: the header and the shared plots).
LANES_SHARE = 0.56


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


class _Painter:
    """One paint of a lab snapshot into ``rect`` of ``painter``."""

    def __init__(self, painter: QtGui.QPainter, rect: QtCore.QRectF, lab, theme: Theme, cache: dict | None = None, draft: bool = False):
        self.p, self.rect, self.lab, self.theme = painter, QtCore.QRectF(rect), lab, theme
        #: A frame while training: the curves without antialiasing (the paused picture and exports have it).
        self.draft = bool(draft)
        #: Layers that stay the same from frame to frame (the data's points), kept by the caller between paints.
        self.cache = cache if cache is not None else {}
        #: Fonts and their metrics by (pixel size, bold): made once per paint, not once per text.
        self._fonts: dict = {}
        self._edge_table: np.ndarray | None = None
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

    # ----------------------------------------------------------------------------------------- text

    def font(self, px: float | None = None, bold: bool = False) -> QtGui.QFont:
        key = (max(1, round(px or self.px)), bold)
        hit = self._fonts.get(key)
        if hit is None:
            f = QtGui.QFont(self.theme.font_family)
            f.setPixelSize(key[0])
            f.setBold(bold)
            hit = self._fonts[key] = (f, QtGui.QFontMetricsF(f))
        return hit[0]

    def metrics(self, px: float | None = None, bold: bool = False) -> QtGui.QFontMetricsF:
        self.font(px, bold)
        return self._fonts[(max(1, round(px or self.px)), bold)][1]

    def text(self, rect: QtCore.QRectF, text: str, role: str, align=None, bold=False, color=None, px=None, elide=True) -> QtCore.QRectF:
        """Draw ``text`` in ``rect`` (one line, elided to fit) and record it; returns its box."""
        align = align if align is not None else QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignVCenter
        f = self.font(px, bold)
        metrics = self.metrics(px, bold)
        fits = not elide or metrics.horizontalAdvance(text) <= rect.width() - 2
        shown = text if fits else metrics.elidedText(text, QtCore.Qt.TextElideMode.ElideRight, max(rect.width() - 2, 1))
        if not shown:
            return QtCore.QRectF()
        color = QtGui.QColor(color) if color is not None else self.fg
        # drawText clips to its rectangle: a rectangle smaller than the line (a small matrix cell's label)
        # grows around its centre instead, so no glyph is ever cut (overlaps are then the tests' to find).
        rect = QtCore.QRectF(rect)
        need_h, need_w = metrics.height(), metrics.horizontalAdvance(shown) + 2
        if rect.height() < need_h:
            rect.adjust(0, -(need_h - rect.height()) / 2, 0, (need_h - rect.height()) / 2)
        if rect.width() < need_w:
            rect.adjust(-(need_w - rect.width()) / 2, 0, (need_w - rect.width()) / 2, 0)
        self.p.setFont(f)
        self.p.setPen(color)
        self.p.drawText(rect, int(align.value if hasattr(align, "value") else align), shown)
        box = metrics.boundingRect(rect, int(align.value if hasattr(align, "value") else align), shown)
        box = box.intersected(rect) if box.width() > rect.width() else box
        self.picture.texts.append(LabText(self.p.transform().mapRect(box), shown, f.pixelSize(), color.name(), role))
        return box

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
        return self.metrics(px, bold).horizontalAdvance(text)

    # ----------------------------------------------------------------------------------------- whole

    def paint(self) -> LabPicture:
        p, r, lab = self.p, self.rect, self.lab
        p.save()
        p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
        # Heat-map cells and digit pixels stay crisp squares at any size (an export asks for smoothing).
        p.setRenderHint(QtGui.QPainter.RenderHint.SmoothPixmapTransform, False)
        p.fillRect(r, self.bg)
        lh = self.line_height()
        verdict_lines = self.wrapped_lines(lab.verdict, r.width() - 2 * self.pad)[:3] if lab.verdict else []
        header = QtCore.QRectF(r.left() + self.pad, r.top() + self.pad * 0.5, r.width() - 2 * self.pad, (1 + len(verdict_lines)) * lh)
        self.paint_header(header, verdict_lines)
        lanes_top = header.bottom() + self.pad * 0.5
        lanes_bottom = r.top() + r.height() * LANES_SHARE
        self.paint_lanes(QtCore.QRectF(r.left() + self.pad, lanes_top, r.width() - 2 * self.pad, lanes_bottom - lanes_top))
        plots = QtCore.QRectF(r.left() + self.pad, lanes_bottom + self.pad * 0.5, r.width() - 2 * self.pad,
                              r.bottom() - lanes_bottom - self.pad)  # fmt: skip
        self.paint_plots(plots)
        p.restore()
        return self.picture

    def paint_header(self, rect: QtCore.QRectF, verdict_lines: list[str]) -> None:
        lab, lh = self.lab, self.line_height()
        bar_width = min(rect.width() * 0.4, 30 * self.px)
        top = QtCore.QRectF(rect.left(), rect.top(), rect.width() - bar_width - self.pad, lh)
        self.text(top, lab.title, "title", bold=True)
        self.paint_colour_bar(QtCore.QRectF(rect.right() - bar_width, rect.top(), bar_width, lh))
        for n, line in enumerate(verdict_lines, start=1):
            self.text(QtCore.QRectF(rect.left(), rect.top() + n * lh, rect.width(), lh), line, "verdict")

    def paint_colour_bar(self, rect: QtCore.QRectF) -> None:
        lo, hi = self.lab.decades
        label = "last batch |∂C/∂w|"
        lo_text, hi_text = format_power_of_ten(lo), format_power_of_ten(hi)
        w_label = self.text_width(label) + self.pad
        w_lo, w_hi = self.text_width(lo_text) + self.pad * 0.5, self.text_width(hi_text) + self.pad * 0.5
        bar_w = rect.width() - w_label - w_lo - w_hi
        if bar_w < 3 * self.px:
            label, w_label = "", 0.0
            bar_w = rect.width() - w_lo - w_hi
        x = rect.left()
        if label:
            self.text(QtCore.QRectF(x, rect.top(), w_label, rect.height()), label, "colour-bar")
            x += w_label
        self.text(QtCore.QRectF(x, rect.top(), w_lo, rect.height()), lo_text, "colour-bar")
        x += w_lo
        steps = 64
        colors = gradient_colors(np.logspace(lo, hi, steps), (lo, hi), self.theme)
        image = QtGui.QImage(np.ascontiguousarray(colors.reshape(1, steps, 4)).data, steps, 1, 4 * steps, QtGui.QImage.Format.Format_RGBA8888).copy()
        bar = QtCore.QRectF(x, rect.top() + rect.height() * 0.2, max(bar_w - self.pad * 0.5, 1), rect.height() * 0.6)
        self.p.drawImage(bar, image)
        x += bar_w
        self.text(QtCore.QRectF(x, rect.top(), w_hi, rect.height()), hi_text, "colour-bar")

    # ----------------------------------------------------------------------------------------- lanes

    def paint_lanes(self, rect: QtCore.QRectF) -> None:
        lanes = self.lab.lanes
        n = max(len(lanes), 1)
        gap = self.pad * 1.5
        width = (rect.width() - gap * (n - 1)) / n
        for k, lane in enumerate(lanes):
            column = QtCore.QRectF(rect.left() + k * (width + gap), rect.top(), width, rect.height())
            self.paint_lane(k, lane, column)

    def paint_lane(self, k: int, lane, rect: QtCore.QRectF) -> None:
        lh = self.line_height()
        swatch = QtCore.QRectF(rect.left(), rect.top() + lh * 0.25, lh * 0.5, lh * 0.5)
        self.p.fillRect(swatch, lane_color(self.theme, k))
        caption = QtCore.QRectF(swatch.right() + self.pad * 0.5, rect.top(), rect.width() - swatch.width() - self.pad * 0.5, lh)
        self.text(caption, self.fitting(lane.caption, caption.width(), bold=True), "caption", bold=True)
        body = QtCore.QRectF(rect.left(), rect.top() + lh + self.pad * 0.3, rect.width(), rect.height() - lh - self.pad * 0.3)
        if lane.grid is not None:
            sketch_w = body.width() * 0.40
            self.paint_sketch(lane, QtCore.QRectF(body.left(), body.top(), sketch_w - self.pad * 0.5, body.height()))
            self.paint_boundary(k, lane, QtCore.QRectF(body.left() + sketch_w, body.top(), body.width() - sketch_w, body.height()))
        else:
            sketch_w = body.width() * 0.26
            self.paint_sketch(lane, QtCore.QRectF(body.left(), body.top(), sketch_w - self.pad * 0.5, body.height()))
            rest = body.width() - sketch_w
            self.paint_digits(lane, QtCore.QRectF(body.left() + sketch_w, body.top(), rest * 0.5 - self.pad * 0.5, body.height()))
            self.paint_confusion(lane, QtCore.QRectF(body.left() + sketch_w + rest * 0.5, body.top(), rest * 0.5, body.height()))

    def paint_sketch(self, lane, rect: QtCore.QRectF) -> None:
        """The network: a column of neurons per layer, each edge coloured by its last-batch |dC/dw|."""
        widths = lane.widths
        layers = len(widths)
        shown = [_shown_units(w) for w in widths]
        most = max(len(s) for s in shown)
        dx = rect.width() / layers
        radius = max(2.0, min(dx * 0.18, rect.height() / (most * 2.6)))
        xs = [rect.left() + dx * (l + 0.5) for l in range(layers)]

        def ys(l):
            n = len(shown[l])
            step = rect.height() / most
            top = rect.top() + (rect.height() - step * n) / 2 + step / 2
            return [top + step * i for i in range(n)]

        p = self.p
        p.save()
        pen_width = max(1.0, radius * 0.35)
        # Edges grouped by colour, one drawLines per colour: a frame must stay cheap while training.
        key = ("sketch", tuple(widths), round(rect.x()), round(rect.y()), round(rect.width()), round(rect.height()))
        lines = self.cache.get(key)
        if lines is None:
            lines = []
            for l in range(layers - 1):
                y_from, y_to = ys(l), ys(l + 1)
                lines += [QtCore.QLineF(xs[l], y0, xs[l + 1], y1) for y1 in y_to for y0 in y_from]
            lines = self.cache[key] = lines
        packed = np.concatenate([
            self.edge_colours(np.abs(np.asarray(lane.grad_w[l]))[np.ix_(shown[l + 1], shown[l])]).ravel() for l in range(layers - 1)
        ])
        # Without antialiasing: hundreds of thick antialiased lines would take most of a frame.
        p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, False)
        order = np.argsort(packed, kind="stable")
        values, starts = np.unique(packed[order], return_index=True)
        bounds = [*starts.tolist(), len(order)]
        order = order.tolist()
        for n, value in enumerate(values.tolist()):
            r, g, b, a = np.array([value], dtype=np.uint32).view(np.uint8).tolist()
            p.setPen(QtGui.QPen(QtGui.QColor(r, g, b, a), pen_width))
            p.drawLines([lines[i] for i in order[bounds[n] : bounds[n + 1]]])
        p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
        # The neurons stay where they are from frame to frame: drawn once into a layer, then copied.
        if not self.raster:  # an SVG or a PDF keeps its circles as vector shapes
            p.setPen(QtGui.QPen(QtGui.QColor(self.theme.node_outline), 1.2))
            p.setBrush(QtGui.QColor(self.theme.node_fill))
            for l in range(layers):
                for y in ys(l):
                    p.drawEllipse(QtCore.QPointF(xs[l], y), radius, radius)
            p.restore()
            return
        node_key = ("nodes", *key[1:], self.theme.name)
        nodes = self.cache.get(node_key)
        if nodes is None:
            ratio = max(1.0, p.device().devicePixelRatioF()) if p.device() is not None else 1.0
            nodes = QtGui.QImage(max(1, math.ceil(rect.width() * ratio)), max(1, math.ceil(rect.height() * ratio)),
                                 QtGui.QImage.Format.Format_ARGB32_Premultiplied)  # fmt: skip
            nodes.setDevicePixelRatio(ratio)
            nodes.fill(QtCore.Qt.GlobalColor.transparent)
            layer = QtGui.QPainter(nodes)
            layer.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
            layer.translate(-rect.left(), -rect.top())
            layer.setPen(QtGui.QPen(QtGui.QColor(self.theme.node_outline), 1.2))
            layer.setBrush(QtGui.QColor(self.theme.node_fill))
            for l in range(layers):
                for y in ys(l):
                    layer.drawEllipse(QtCore.QPointF(xs[l], y), radius, radius)
            layer.end()
            self.cache[node_key] = nodes
        p.drawImage(rect.topLeft(), nodes)
        p.restore()

    def edge_colours(self, magnitudes: np.ndarray) -> np.ndarray:
        """Packed RGBA (uint32) of |dC/dw| on the shared scale, ``SKETCH_COLOUR_STEPS`` steps of it: one table per
        paint, made by ``theme.gradient_colors`` (zeros and non-finite values get its own colours)."""
        lo, hi = self.lab.decades
        table = self._edge_table
        if table is None:
            # Steps 0..STEPS of the scale, then an exact zero, then a non-finite value.
            samples = np.concatenate([10.0 ** (lo + np.arange(SKETCH_COLOUR_STEPS + 1) / SKETCH_COLOUR_STEPS * (hi - lo)), [0.0, np.nan]])
            table = self._edge_table = gradient_colors(samples, (lo, hi), self.theme).view(np.uint32).ravel()
        m = np.asarray(magnitudes, dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            steps = np.round((np.log10(np.where(m > 0, m, 1.0)) - lo) / (hi - lo) * SKETCH_COLOUR_STEPS)
        index = np.clip(np.nan_to_num(steps), 0, SKETCH_COLOUR_STEPS).astype(np.int64)
        index[m == 0] = SKETCH_COLOUR_STEPS + 1
        index[~np.isfinite(m)] = SKETCH_COLOUR_STEPS + 2
        return table[index]

    def paint_boundary(self, k: int, lane, rect: QtCore.QRectF) -> None:
        """The decision boundary as a heat map of cells, with the train (●) and test (▲) points on it."""
        lh = self.line_height()
        legend_h = lh
        side = max(10.0, min(rect.width(), rect.height() - legend_h - self.pad * 0.3))
        square = QtCore.QRectF(rect.left() + (rect.width() - side) / 2, rect.top(), side, side)
        xs, ys, values = lane.grid
        cells = _heat_cells(values, self.lab.classes, self.bg)  # row 0 = lowest y
        top_down = np.ascontiguousarray(cells[::-1])
        h, w = top_down.shape[:2]
        image = QtGui.QImage(top_down.data, w, h, 3 * w, QtGui.QImage.Format.Format_RGB888).copy()
        self.p.drawImage(square, image)
        self.picture.heat_maps[k] = (top_down, QtCore.QRectF(square), np.asarray(xs), np.asarray(ys))
        x0, x1, y0, y1 = float(xs[0]), float(xs[-1]), float(ys[0]), float(ys[-1])

        def to_px(points):
            px = (points[:, 0] - x0) / (x1 - x0) * square.width()
            py = square.height() - (points[:, 1] - y0) / (y1 - y0) * square.height()
            return px, py

        if not self.raster:  # an SVG or a PDF keeps its points as vector shapes
            self.p.save()
            self.p.translate(square.topLeft())
            self._draw_points(self.p, to_px)
            self.p.restore()
        else:
            key = ("points", _content_key(self.lab.train_points), _content_key(self.lab.test_points), round(side), self.theme.name, self.px)
            layer = self.cache.get(key)
            if layer is None:
                layer = self.cache[key] = self._points_layer(square.size(), to_px)
            self.p.drawImage(square.topLeft(), layer)
        legend = QtCore.QRectF(rect.left(), square.bottom() + self.pad * 0.3, rect.width(), legend_h)
        accuracy = _percent(lane.test_accuracy)
        forms = (f"● train  ▲ test · test accuracy {accuracy}", f"● train  ▲ test · {accuracy} right", "● train  ▲ test")
        self.text(legend, self.fitting(forms, rect.width()), "legend",
                  align=QtCore.Qt.AlignmentFlag.AlignHCenter | QtCore.Qt.AlignmentFlag.AlignVCenter)  # fmt: skip

    def _points_layer(self, size: QtCore.QSizeF, to_px) -> QtGui.QImage:
        """The train (●) and test (▲) points on a transparent image the heat map's size (the same every frame)."""
        image = QtGui.QImage(max(1, round(size.width())), max(1, round(size.height())), QtGui.QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(QtCore.Qt.GlobalColor.transparent)
        painter = QtGui.QPainter(image)
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
        self._draw_points(painter, to_px)
        painter.end()
        return image

    def _draw_points(self, painter: QtGui.QPainter, to_px) -> None:
        painter.setPen(QtGui.QPen(QtGui.QColor("#000000" if self.theme.name == "slides" else "#ffffff"), 1.0))
        size = max(3.0, self.px * 0.24)
        for points, labels, shape in ((self.lab.train_points, self.lab.train_labels, "circle"),
                                      (self.lab.test_points, self.lab.test_labels, "triangle")):  # fmt: skip
            if points is None or len(points) == 0:
                continue
            px, py = to_px(np.asarray(points, dtype=np.float64))
            labels = np.asarray(labels)
            for cls in range(min(self.lab.classes, len(CLASS_COLORS))):
                path = QtGui.QPainterPath()
                for x, y in zip(px[labels == cls].tolist(), py[labels == cls].tolist()):
                    if shape == "circle":
                        path.addEllipse(QtCore.QPointF(x, y), size, size)
                    else:
                        s = size * 1.25
                        path.addPolygon(QtGui.QPolygonF([QtCore.QPointF(x, y - s), QtCore.QPointF(x - s, y + s * 0.8),
                                                         QtCore.QPointF(x + s, y + s * 0.8), QtCore.QPointF(x, y - s)]))  # fmt: skip
                        path.closeSubpath()
                painter.setBrush(QtGui.QColor(CLASS_COLORS[cls]))
                painter.drawPath(path)

    def paint_digits(self, lane, rect: QtCore.QRectF) -> None:
        """Test images, each marked ✓ (predicted right) or ✗ (wrong)."""
        lh = self.line_height()
        accuracy = _percent(lane.test_accuracy)
        self.text(QtCore.QRectF(rect.left(), rect.top(), rect.width(), lh),
                  self.fitting((f"Test images · {accuracy} right", f"Test · {accuracy} right", accuracy), rect.width()), "title")  # fmt: skip
        area = QtCore.QRectF(rect.left(), rect.top() + lh + self.pad * 0.3, rect.width(), rect.height() - lh - self.pad * 0.3)
        images, correct = self.lab.test_images, lane.correct
        count = len(images)
        mark_h = self.line_height()
        cols = max(1, int(area.width() // max(2.6 * self.px, 1)))
        cell = area.width() / cols
        rows = max(1, int(area.height() // (cell + mark_h * 0.0 + 1)))
        while rows * cols > count and rows > 1:
            rows -= 1
        side = int(max(8, min(cell - self.pad * 0.3, area.height() / rows - self.pad * 0.3)))
        good, bad = QtGui.QColor(OKABE_ITO["bluish_green"]), QtGui.QColor(OKABE_ITO["vermillion"])
        mark_px = max(self.px, 14.0)
        for n in range(min(rows * cols, count)):
            r, c = divmod(n, cols)
            x = area.left() + c * cell
            y = area.top() + r * (area.height() / rows)
            pixels = np.clip(np.asarray(images[n], dtype=np.float64).reshape(8, 8), 0.0, 1.0)
            gray = np.ascontiguousarray((255 * (1.0 - pixels) if self.theme.name == "slides" else 255 * pixels).astype(np.uint8))
            image = QtGui.QImage(gray.data, 8, 8, 8, QtGui.QImage.Format.Format_Grayscale8).copy()
            target = QtCore.QRectF(x, y, side, side)
            self.p.drawImage(target, image)
            right = bool(correct[n])
            color = good if right else bad
            self.p.setPen(QtGui.QPen(color, max(2.0, side * 0.06)))
            self.p.setBrush(QtCore.Qt.BrushStyle.NoBrush)
            self.p.drawRect(target.adjusted(1, 1, -1, -1))
            badge = QtCore.QRectF(target.right() - mark_px * 1.1, target.bottom() - mark_px * 1.25, mark_px * 1.1, mark_px * 1.25)
            self.p.fillRect(badge, color)
            self.text(badge, RIGHT_MARK if right else WRONG_MARK, "mark", align=QtCore.Qt.AlignmentFlag.AlignCenter,
                      color="#000000", px=mark_px, bold=True, elide=False)  # fmt: skip

    def paint_confusion(self, lane, rect: QtCore.QRectF) -> None:
        """The confusion matrix: rows the true class, columns the predicted one, shaded by each row's share."""
        lh = self.line_height()
        self.text(QtCore.QRectF(rect.left(), rect.top(), rect.width(), lh),
                  self.fitting(("Confusion: true ↓ predicted →", "True ↓ predicted →", "Confusion"), rect.width()), "title")  # fmt: skip
        matrix = np.asarray(lane.confusion, dtype=np.float64)
        n = matrix.shape[0]
        label_w = self.text_width("9") + self.pad * 0.5
        area = QtCore.QRectF(rect.left() + label_w, rect.top() + 2 * lh + self.pad * 0.3, rect.width() - label_w, rect.height() - 2 * lh - self.pad * 0.3)
        cell = max(2.0, min(area.width(), area.height()) / n)
        rows = matrix.sum(axis=1, keepdims=True)
        share = np.divide(matrix, rows, out=np.zeros_like(matrix), where=rows > 0)
        ink = QtGui.QColor(OKABE_ITO["blue"])
        numbers = cell >= 1.45 * self.px
        # Class labels as often as they fit without touching: every class, or every second, third...
        row_step = max(1, math.ceil((self.line_height() + 1) / cell))
        column_step = max(1, math.ceil((self.text_width(str(n - 1)) + self.pad * 0.5) / cell))
        small_px = self.px
        for c in range(n):
            if c % column_step == 0:
                self.text(QtCore.QRectF(area.left() + c * cell, area.top() - lh, cell, lh), str(c), "axis",
                          align=QtCore.Qt.AlignmentFlag.AlignCenter, elide=False)  # fmt: skip
        for r in range(n):
            if r % row_step == 0:
                self.text(QtCore.QRectF(rect.left(), area.top() + r * cell, label_w, cell), str(r), "axis",
                          align=QtCore.Qt.AlignmentFlag.AlignCenter, elide=False)  # fmt: skip
            for c in range(n):
                t = float(share[r, c])
                color = _mix(self.bg, ink, 0.08 + 0.92 * t)
                box = QtCore.QRectF(area.left() + c * cell, area.top() + r * cell, cell - 1, cell - 1)
                self.p.fillRect(box, color)
                if numbers and matrix[r, c] > 0:
                    text_color = "#ffffff" if _luminance(color) < 0.18 else "#000000"
                    self.text(box, str(int(matrix[r, c])), "cell", align=QtCore.Qt.AlignmentFlag.AlignCenter,
                              color=text_color, px=small_px, elide=False)  # fmt: skip

    # ----------------------------------------------------------------------------------------- plots

    def paint_plots(self, rect: QtCore.QRectF) -> None:
        gap = self.pad * 2
        half = (rect.width() - gap) / 2
        self.paint_loss_plot(QtCore.QRectF(rect.left(), rect.top(), half, rect.height()))
        self.paint_speed_plot(QtCore.QRectF(rect.left() + half + gap, rect.top(), half, rect.height()))

    def _plot_frame(self, rect, title, legend_width, y_ticks, y_texts, right_ticks=None, right_texts=None):
        """Title, axes and ticks of one plot; returns the data area."""
        lh = self.line_height()
        title = self.fitting(title, rect.width(), bold=True)
        self.text(QtCore.QRectF(rect.left(), rect.top(), rect.width(), lh), title, "title", bold=True)
        left_w = max(self.text_width(t) for t in y_texts) + self.pad * 0.5
        right_w = (max(self.text_width(t) for t in right_texts) + self.pad * 0.5) if right_texts else self.pad
        area = QtCore.QRectF(rect.left() + left_w, rect.top() + lh + lh * 0.5, rect.width() - left_w - right_w - legend_width,
                             rect.height() - 1.5 * lh - 2.6 * lh)  # fmt: skip
        p = self.p
        p.setPen(QtGui.QPen(self.muted, 1))
        p.drawLine(area.bottomLeft(), area.bottomRight())
        p.drawLine(area.bottomLeft(), area.topLeft())
        if right_texts:
            p.drawLine(area.bottomRight(), area.topRight())
        grid = QtGui.QColor(self.muted)
        grid.setAlpha(60)
        last_bottom = math.inf
        for pos, label in zip(y_ticks, y_texts):
            y = area.bottom() - pos * area.height()
            p.setPen(QtGui.QPen(grid, 1))
            p.drawLine(QtCore.QPointF(area.left(), y), QtCore.QPointF(area.right(), y))
            if y + lh / 2 <= last_bottom + 0.5:
                self.text(QtCore.QRectF(rect.left(), y - lh / 2, left_w - self.pad * 0.3, lh), label, "tick",
                          align=QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter, elide=False)  # fmt: skip
                last_bottom = y - lh / 2
        if right_texts:
            for pos, label in zip(right_ticks, right_texts):
                y = area.bottom() - pos * area.height()
                self.text(QtCore.QRectF(area.right() + self.pad * 0.3, y - lh / 2, right_w, lh), label, "tick", elide=False)
        return area

    def _x_axis(self, area: QtCore.QRectF, last_epoch: int, label: str) -> None:
        lh = self.line_height()
        ticks = _nice_ticks(0, last_epoch, 5)
        edge = -math.inf
        for t in ticks:
            x = area.left() + t / max(last_epoch, 1) * area.width()
            text = f"{t:,}"
            w = self.text_width(text)
            box = QtCore.QRectF(x - w / 2 - 2, area.bottom() + lh * 0.5, w + 4, lh)
            if box.left() > edge + self.pad * 0.5 and box.right() <= area.right() + w:
                self.text(box, text, "tick", align=QtCore.Qt.AlignmentFlag.AlignCenter, elide=False)
                edge = box.right()
        self.text(QtCore.QRectF(area.left(), area.bottom() + lh * 1.5, area.width(), lh), label, "axis-title",
                  align=QtCore.Qt.AlignmentFlag.AlignCenter)  # fmt: skip

    def _legend_height(self, rect: QtCore.QRectF, rows) -> float:
        """The height ``_legend`` needs for ``rows`` in ``rect``'s width."""
        lh, sw = self.line_height(), self.px * 1.6
        height = 0.0
        for entry in rows:
            if len(entry) == 3:
                height += lh
                continue
            height += lh
            x = rect.left()
            for _, text in entry[1]:
                w = sw * 0.7 + self.pad * 0.3 + self.text_width(text) + self.pad * 0.6
                if x + w > rect.right() and x > rect.left():
                    x = rect.left()
                    height += lh
                x += w
            height += lh
        return height

    def _compact_layer_legend(self, rect: QtCore.QRectF, rows) -> None:
        """Every lane's layers on one line: a strip of its ramp (layer 1 on the left), then its name."""
        lh = self.line_height()
        layers = max((len(layer_rows) for _, layer_rows in rows), default=0)
        self.text(QtCore.QRectF(rect.left(), rect.top(), rect.width(), lh), f"layers 1 → {layers}", "legend")
        seg = max(4.0, min(self.px * 0.6, (rect.width() * 0.45) / max(layers, 1)))
        for n, (name, layer_rows) in enumerate(rows, start=1):
            y = rect.top() + n * lh
            if y + lh > rect.bottom() + 1:
                break
            for l, (color, _) in enumerate(layer_rows):
                self._swatch(rect.left() + l * seg, y + lh / 2, seg - 1, color, False)
            x = rect.left() + layers * seg + self.pad * 0.4
            self.text(QtCore.QRectF(x, y, rect.right() - x, lh), name, "legend")

    def _legend(self, rect: QtCore.QRectF, rows) -> None:
        """Legend rows: (colour, dashed, text); several lines per row when given a list of (colour, text)."""
        lh = self.line_height()
        y = rect.top()
        sw = self.px * 1.6
        for entry in rows:
            if y + lh > rect.bottom() + 1:
                break
            if len(entry) == 3:
                color, dashed, text = entry
                self._swatch(rect.left(), y + lh / 2, sw, color, dashed)
                self.text(QtCore.QRectF(rect.left() + sw + self.pad * 0.4, y, rect.width() - sw - self.pad * 0.4, lh), text, "legend")
                y += lh
            else:  # a lane's layers: "name" then swatch + layer number, flowing
                name, layers = entry
                self.text(QtCore.QRectF(rect.left(), y, rect.width(), lh), name, "legend")
                y += lh
                x = rect.left()
                for color, text in layers:
                    w = sw * 0.7 + self.pad * 0.3 + self.text_width(text) + self.pad * 0.6
                    if x + w > rect.right() and x > rect.left():
                        x = rect.left()
                        y += lh
                    if y + lh > rect.bottom() + 1:
                        break
                    self._swatch(x, y + lh / 2, sw * 0.7, color, False)
                    self.text(QtCore.QRectF(x + sw * 0.7 + self.pad * 0.3, y, w, lh), text, "legend", elide=False)
                    x += w
                y += lh

    def _swatch(self, x, y, width, color, dashed) -> None:
        pen = QtGui.QPen(QtGui.QColor(color), max(2.5, self.px * 0.2))
        if dashed:
            pen.setStyle(QtCore.Qt.PenStyle.DashLine)
        self.p.setPen(pen)
        self.p.drawLine(QtCore.QPointF(x, y), QtCore.QPointF(x + width, y))

    def _curve(self, key, area, epochs, values, y_of, color, dashed, last_epoch) -> None:
        epochs = np.asarray(epochs, dtype=np.float64)
        values = np.asarray(values, dtype=np.float64)
        keep = np.isfinite(values)
        xs = area.left() + epochs / max(last_epoch, 1) * area.width()
        ys = area.bottom() - np.clip(y_of(values), 0.0, 1.0) * area.height()
        self.picture.curves[key] = (epochs[keep], values[keep], xs[keep], ys[keep])
        pen = QtGui.QPen(QtGui.QColor(color), max(2.0, self.px * 0.12))
        if dashed:
            pen.setStyle(QtCore.Qt.PenStyle.DashLine)
        self.p.setPen(pen)
        if keep.sum() == 1:
            self.p.drawEllipse(QtCore.QPointF(float(xs[keep][0]), float(ys[keep][0])), pen.widthF(), pen.widthF())
        elif keep.any():
            # One polyline per finite run (a lane that stopped leaves a gap), filled from NumPy, not point by
            # point: a polyline strokes much faster than the same path, dashed or not.
            breaks = np.flatnonzero(np.diff(keep.astype(np.int8))) + 1
            for run in np.split(np.arange(len(keep)), breaks):
                if not keep[run[0]] or len(run) < 2:
                    continue
                run_x, run_y = _per_pixel_extremes(xs[run], ys[run])
                polygon = pg.functions.create_qpolygonf(len(run_x))
                memory = pg.functions.ndarray_from_qpolygonf(polygon)
                memory[:, 0], memory[:, 1] = run_x, run_y
                self.p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, not self.draft)
                self.p.drawPolyline(polygon)
                self.p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)

    def _legend_width(self, texts) -> float:
        return max(self.text_width(t) for t in texts) + self.px * 1.6 + self.pad * 2

    def paint_loss_plot(self, rect: QtCore.QRectF) -> None:
        lab = self.lab
        last = max(lab.axis_epochs, 1)
        top = max([float(np.nanmax(lane.loss)) for lane in lab.lanes if np.isfinite(lane.loss).any()] or [1.0])
        loss_top = _nice_top(top)
        y_ticks = [0.0, 0.5, 1.0]
        y_texts = [format_number(loss_top * t, 2, trailing_zeros=False) for t in y_ticks]
        rows = []
        for k, lane in enumerate(lab.lanes):
            color = lane_color(self.theme, k).name()
            rows += [(color, False, f"{lane.name} loss"), (color, True, f"{lane.name} test acc.")]
        legend_w = self._legend_width([r[2] for r in rows])
        if legend_w > rect.width() * 0.4:
            rows = [(c, d, t.replace(" test acc.", " acc.")) for c, d, t in rows]
            legend_w = min(self._legend_width([r[2] for r in rows]), rect.width() * 0.4)
        titles = ("Loss (solid, left axis) and test accuracy (dashed, right axis)", "Loss and test accuracy per epoch", "Loss and test accuracy")
        area = self._plot_frame(rect, titles, legend_w, y_ticks, y_texts,
                                [0.0, 0.5, 1.0], ["0%", "50%", "100%"])  # fmt: skip
        self.picture.plot_rects["loss"] = (QtCore.QRectF(area), last, loss_top)
        self._x_axis(area, last, "epoch")
        for k, lane in enumerate(lab.lanes):
            color = lane_color(self.theme, k).name()
            self._curve((k, "loss"), area, lane.epochs, lane.loss, lambda v: v / loss_top, color, False, last)
            self._curve((k, "test_accuracy"), area, lane.epochs, lane.test_accuracy_history, lambda v: v, color, True, last)
        self._legend(QtCore.QRectF(rect.right() - legend_w + self.pad * 0.5, area.top(), legend_w - self.pad * 0.5, rect.bottom() - area.top()), rows)

    def paint_speed_plot(self, rect: QtCore.QRectF) -> None:
        lab = self.lab
        last = max(lab.axis_epochs, 1)
        lo, hi = lab.speed_decades
        span = max(hi - lo, 1)
        y_ticks = [(d - lo) / span for d in range(lo, hi + 1)]
        y_texts = [format_power_of_ten(d) for d in range(lo, hi + 1)]
        rows, widest = [], []
        for k, lane in enumerate(lab.lanes):
            speed = np.asarray(lane.speed, dtype=np.float64)
            layers = speed.shape[1] if speed.ndim == 2 else 0
            ramp = layer_ramp(self.theme, k, layers)
            rows.append((lane.name, [(ramp[l].name(), f"{l + 1}") for l in range(layers)]))
            widest.append(lane.name)
        legend_w = min(max(self._legend_width(widest), self.text_width("1 2 3 4 5 ") * 1.6 + 5 * self.px), rect.width() * 0.36)
        titles = ("Learning speed ‖∂C/∂b_l‖ of each layer l (Nielsen), log axis", "Learning speed ‖∂C/∂b_l‖ per layer",
                  "Speed ‖∂C/∂b_l‖ per layer", "Speed ‖∂C/∂b_l‖")  # fmt: skip
        area = self._plot_frame(rect, titles, legend_w, y_ticks, y_texts)
        self.picture.plot_rects["speed"] = (QtCore.QRectF(area), last, (lo, hi))
        self._x_axis(area, last, "epoch")
        for k, lane in enumerate(lab.lanes):
            speed = np.asarray(lane.speed, dtype=np.float64)
            if speed.ndim != 2:
                continue
            ramp = layer_ramp(self.theme, k, speed.shape[1])
            for l in range(speed.shape[1]):
                with np.errstate(divide="ignore", invalid="ignore"):
                    logs = np.where(speed[:, l] > 0, np.log10(np.where(speed[:, l] > 0, speed[:, l], 1.0)), np.nan)
                self._curve((k, f"speed{l + 1}"), area, lane.epochs, speed[:, l], lambda v, logs=logs: (logs - lo) / span,
                            ramp[l].name(), False, last)  # fmt: skip
        legend = QtCore.QRectF(rect.right() - legend_w + self.pad * 0.5, area.top(), legend_w - self.pad * 0.5, rect.bottom() - area.top())
        if self._legend_height(legend, rows) <= legend.height():
            self._legend(legend, rows)
        else:  # every line stays in the legend, in less room
            self._compact_layer_legend(legend, rows)


def _per_pixel_extremes(xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A long curve thinned to its lowest and highest point in each pixel column, in order: the same line
    on screen, and a frame's cost bounded by the plot's width rather than by the epochs kept."""
    columns = np.floor(xs).astype(np.int64)
    if len(xs) <= 2 * (columns[-1] - columns[0] + 1):
        return xs, ys
    starts = np.flatnonzero(np.r_[True, columns[1:] != columns[:-1]])
    keep = []
    for begin, end in zip(starts, [*starts[1:], len(xs)]):
        chunk = ys[begin:end]
        low, high = begin + int(np.argmin(chunk)), begin + int(np.argmax(chunk))
        keep += sorted({begin, low, high, end - 1})
    keep = np.asarray(keep)
    return xs[keep], ys[keep]


def _content_key(array) -> int | None:
    """A key that stays the same while an array's values do (snapshots hand out new copies of the same data)."""
    return None if array is None else hash((np.asarray(array).shape, np.ascontiguousarray(array).tobytes()))


def _shown_units(width: int) -> list[int]:
    if width <= MAX_SKETCH_UNITS:
        return list(range(width))
    return sorted(set(np.linspace(0, width - 1, MAX_SKETCH_UNITS).round().astype(int).tolist()))


#: Steps of the class-1 probability in the heat map's colour table (an odd count: 0.5 has its own step).
HEAT_MAP_STEPS = 255


def _heat_cells(values: np.ndarray, classes: int, background: QtGui.QColor) -> np.ndarray:
    """RGB cells (uint8) for the grid: two classes mix their colours by the class-1 probability; more take
    their class's colour (the palette cycles); all faded towards the background. Looked up in a table, as
    the grid is redrawn every frame while training."""
    palette = np.array([QtGui.QColor(c).getRgb()[:3] for c in (*CLASS_COLORS, *[v for k, v in OKABE_ITO.items() if k not in ("blue", "orange")])], dtype=np.float64)
    bg = np.array(background.getRgb()[:3], dtype=np.float64)
    values = np.asarray(values)
    if classes <= 2:
        t = np.linspace(0.0, 1.0, HEAT_MAP_STEPS)[:, None]
        table = palette[0] * (1 - t) + palette[1] * t
        index = np.rint(np.nan_to_num(np.clip(values, 0.0, 1.0), nan=0.5) * (HEAT_MAP_STEPS - 1)).astype(np.intp)
    else:
        table = palette
        index = np.nan_to_num(values, nan=0.0).astype(np.intp).clip(0, None) % len(palette)
    table = np.round(table * (1 - HEAT_MAP_FADE) + bg * HEAT_MAP_FADE).astype(np.uint8)
    return table[index]


def heat_cell_class(cells: np.ndarray, background: str) -> np.ndarray:
    """Which of the two classes' colours each heat-map cell is nearer to (0 or 1): for tests and readers."""
    bg = np.array(QtGui.QColor(background).getRgb()[:3], dtype=np.float64)
    ends = [np.array(QtGui.QColor(c).getRgb()[:3], dtype=np.float64) * (1 - HEAT_MAP_FADE) + bg * HEAT_MAP_FADE for c in CLASS_COLORS]
    cells = cells.astype(np.float64)
    d0 = ((cells - ends[0]) ** 2).sum(axis=-1)
    d1 = ((cells - ends[1]) ** 2).sum(axis=-1)
    return (d1 < d0).astype(np.int64)


def _mix(a: QtGui.QColor, b: QtGui.QColor, t: float) -> QtGui.QColor:
    return QtGui.QColor(
        round(a.red() * (1 - t) + b.red() * t), round(a.green() * (1 - t) + b.green() * t), round(a.blue() * (1 - t) + b.blue() * t)
    )


def _luminance(color: QtGui.QColor) -> float:
    def channel(c):
        c = c / 255.0
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(color.red()) + 0.7152 * channel(color.green()) + 0.0722 * channel(color.blue())


def _percent(value) -> str:
    if value is None or not math.isfinite(value):
        return "—"
    return f"{100 * value:.0f}%"


def _nice_top(value: float) -> float:
    if not math.isfinite(value) or value <= 0:
        return 1.0
    exponent = math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        top = step * 10**exponent
        if top >= value:
            return top
    return 10 ** (exponent + 1)


def _nice_ticks(low: int, high: int, count: int) -> list[int]:
    span = max(high - low, 1)
    raw = span / max(count - 1, 1)
    exponent = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next((s * exponent for s in (1, 2, 5, 10) if s * exponent >= raw), 10 * exponent)
    step = max(int(step), 1)
    return list(range(low, high + 1, step))


def paint_lab(painter: QtGui.QPainter, rect: QtCore.QRectF, lab, theme: Theme, cache: dict | None = None,
              draft: bool = False) -> LabPicture:  # fmt: skip
    """Draw the lab scene ``lab`` into ``rect`` of ``painter`` under ``theme``; returns what was drawn.

    ``cache`` (a dict the caller keeps, emptied when it grows) holds layers that do not change between
    frames, such as the data's points. ``draft`` draws the curves without antialiasing (frames while
    training: the same picture, a third of the cost)."""
    if cache is not None and len(cache) > 32:
        cache.clear()
    return _Painter(painter, rect, lab, theme, cache, draft).paint()


def paint_no_lab(painter: QtGui.QPainter, rect: QtCore.QRectF, theme: Theme) -> LabPicture:
    """The lab view before a lab is opened: one sentence saying how to open one."""
    drawer = _Painter(painter, rect, None, theme)
    painter.fillRect(rect, drawer.bg)
    drawer.text(QtCore.QRectF(rect).adjusted(drawer.pad, drawer.pad, -drawer.pad, -drawer.pad),
                "No training lab is open: choose a lab preset in the Lab controls, or start gradviz --lab spiral-deep.",
                "title", align=QtCore.Qt.AlignmentFlag.AlignCenter)  # fmt: skip
    return drawer.picture
