"""The lab's network sketch of one lane: a column of neurons per layer, each edge coloured by its last
mini-batch |dC/dw| on the snapshot's shared log scale."""

from __future__ import annotations

import functools
import math

import numpy as np
from PySide6 import QtCore, QtGui

from .lab_canvas import LabCanvas
from .theme import gradient_colors


#: Most neurons the sketch shows in one layer (a wider layer shows this many, evenly chosen).
MAX_SKETCH_UNITS = 10


#: Colour steps of an edge in the sketch: edges of one step are drawn at once.
SKETCH_COLOUR_STEPS = 48


def paint_sketch(canvas: LabCanvas, lane, rect: QtCore.QRectF, k: int = 0) -> None:
    """Lane ``k``'s network: a column of neurons per layer, each edge coloured by its last-batch |dC/dw|."""
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

    p = canvas.p
    p.save()
    pen_width = max(1.0, radius * 0.35)
    geometry = (tuple(widths), round(rect.x()), round(rect.y()), round(rect.width()), round(rect.height()))

    def make_lines() -> tuple[list[QtCore.QLineF], np.ndarray, list[np.ndarray]]:
        ends = []
        for l in range(layers - 1):
            y_from, y_to = ys(l), ys(l + 1)
            ends += [(xs[l], y0, xs[l + 1], y1) for y1 in y_to for y0 in y_from]
        # Where each drawn edge's weight sits in its layer's flattened (to, from) matrix, in drawing order.
        weights = [(np.asarray(shown[l + 1])[:, None] * widths[l] + np.asarray(shown[l])[None, :]).ravel() for l in range(layers - 1)]
        return [QtCore.QLineF(*e) for e in ends], np.array(ends, dtype=np.float64).reshape(-1, 4), weights

    lines, ends, weights = canvas.kept(("sketch lines", k), geometry, make_lines)
    magnitudes = np.abs(np.concatenate([np.asarray(lane.grad_w[l]).ravel()[weights[l]] for l in range(layers - 1)]))
    packed = edge_colours(canvas, magnitudes)
    canvas.picture.sketch_edges[k] = (ends, magnitudes, pen_width)
    # Without antialiasing: hundreds of thick antialiased lines would take most of a frame.
    p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, False)
    if canvas.raster and _pixel_aligned(p) and canvas.edge_table_opaque:
        edges = canvas.kept(("sketch edges", k), (geometry, pen_width), lambda: EdgeRaster(lines, pen_width))
        p.drawImage(edges.corner, edges.image(packed))
    else:
        _draw_lines(p, lines, packed, pen_width)
    p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)

    def draw_nodes(painter) -> None:
        painter.setPen(QtGui.QPen(QtGui.QColor(canvas.theme.node_outline), 1.2))
        painter.setBrush(QtGui.QColor(canvas.theme.node_fill))
        for l in range(layers):
            for y in ys(l):
                painter.drawEllipse(QtCore.QPointF(xs[l], y), radius, radius)

    # The neurons stay where they are from frame to frame: drawn once into a layer, then copied.
    if not canvas.raster:  # an SVG or a PDF keeps its circles as vector shapes
        draw_nodes(p)
        p.restore()
        return

    def make_nodes() -> QtGui.QImage:
        ratio = max(1.0, p.device().devicePixelRatioF()) if p.device() is not None else 1.0
        nodes = QtGui.QImage(max(1, math.ceil(rect.width() * ratio)), max(1, math.ceil(rect.height() * ratio)),
                             QtGui.QImage.Format.Format_ARGB32_Premultiplied)  # fmt: skip
        nodes.setDevicePixelRatio(ratio)
        nodes.fill(QtCore.Qt.GlobalColor.transparent)
        layer = QtGui.QPainter(nodes)
        layer.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
        layer.translate(-rect.left(), -rect.top())
        draw_nodes(layer)
        layer.end()
        return nodes

    p.drawImage(rect.topLeft(), canvas.kept(("sketch nodes", k), (geometry, canvas.theme.name), make_nodes))
    p.restore()


def _draw_lines(p: QtGui.QPainter, lines: list[QtCore.QLineF], packed: np.ndarray, pen_width: float) -> None:
    """The edges as lines, one drawLines per colour in the order of their packed RGBA value (so where edges
    cross, the larger value is on top: ``EdgeRaster`` keeps that order)."""
    order = np.argsort(packed, kind="stable")
    values, starts = np.unique(packed[order], return_index=True)
    bounds = [*starts.tolist(), len(order)]
    order = order.tolist()
    for n, value in enumerate(values.tolist()):
        r, g, b, a = np.array([value], dtype=np.uint32).view(np.uint8).tolist()
        p.setPen(QtGui.QPen(QtGui.QColor(r, g, b, a), pen_width))
        p.drawLines([lines[i] for i in order[bounds[n] : bounds[n + 1]]])


def _pixel_aligned(p: QtGui.QPainter) -> bool:
    """Whether ``p`` draws one unit to one device pixel, shifted by whole pixels at most (a widget, an image)."""
    t = p.transform()
    device = p.device()
    ratio = device.devicePixelRatioF() if device is not None else 1.0
    return (ratio == 1.0 and t.type().value <= QtGui.QTransform.TransformationType.TxTranslate.value
            and float(t.dx()).is_integer() and float(t.dy()).is_integer())  # fmt: skip


class EdgeRaster:
    """The device pixels each edge of a sketch covers, found once by drawing every edge alone with the
    same pen: a frame then colours those pixels with NumPy and copies one image, the same pixels as
    ``_draw_lines`` makes (where edges cross, the larger packed colour wins, as drawn last there), at a
    fraction of the cost of stroking hundreds of thick lines."""

    def __init__(self, lines: list[QtCore.QLineF], pen_width: float):
        margin = math.ceil(pen_width) + 2
        left = math.floor(min(min(e.x1(), e.x2()) for e in lines)) - margin
        top = math.floor(min(min(e.y1(), e.y2()) for e in lines)) - margin
        right = math.ceil(max(max(e.x1(), e.x2()) for e in lines)) + margin
        bottom = math.ceil(max(max(e.y1(), e.y2()) for e in lines)) + margin
        self.corner = QtCore.QPoint(left, top)
        self.width, self.height = right - left, bottom - top
        pen = QtGui.QPen(QtGui.QColor("#ffffff"), pen_width)
        pixels, owners = [], []
        for n, line in enumerate(lines):
            x0 = math.floor(min(line.x1(), line.x2())) - margin
            y0 = math.floor(min(line.y1(), line.y2())) - margin
            w = math.ceil(max(line.x1(), line.x2())) + margin - x0
            h = math.ceil(max(line.y1(), line.y2())) + margin - y0
            mask = QtGui.QImage(w, h, QtGui.QImage.Format.Format_ARGB32_Premultiplied)
            mask.fill(0)
            painter = QtGui.QPainter(mask)
            painter.setPen(pen)
            painter.translate(-x0, -y0)
            painter.drawLine(line)
            painter.end()
            covered = np.frombuffer(mask.constBits(), np.uint32, w * h).reshape(h, mask.bytesPerLine() // 4)[:, :w] != 0
            rows, cols = np.nonzero(covered)
            pixels.append((rows + y0 - top) * self.width + (cols + x0 - left))
            owners.append(np.full(len(rows), n, dtype=np.intp))
        pixels, owners = np.concatenate(pixels), np.concatenate(owners)
        order = np.argsort(pixels, kind="stable")
        pixels, owners = pixels[order], owners[order]
        unique, starts, counts = np.unique(pixels, return_index=True, return_counts=True)
        #: The pixels grouped by how many edges cover them, each group's owners as a cover x pixels array:
        #: a frame takes the largest colour at each pixel with a few elementwise maxima.
        self._groups = []
        grouped, start = [], 0
        for cover in np.unique(counts).tolist():
            chosen = np.flatnonzero(counts == cover)
            self._groups.append((start, start + len(chosen), owners[starts[chosen][None, :] + np.arange(cover)[:, None]]))
            grouped.append(unique[chosen])
            start += len(chosen)
        self._pixels = np.concatenate(grouped)
        self._top = np.zeros(len(self._pixels), dtype="<u4")
        self.pixel_count = len(unique)
        self._buffer = np.zeros(self.width * self.height, dtype=np.uint32)
        self._image = QtGui.QImage(self._buffer.data, self.width, self.height, 4 * self.width, QtGui.QImage.Format.Format_ARGB32_Premultiplied)

    def __repr__(self):
        return f"EdgeRaster({self.width}x{self.height}, pixels={self.pixel_count})"

    def image(self, packed: np.ndarray) -> QtGui.QImage:
        """The edges in ``packed`` colours (opaque RGBA8888 as uint32, one per line), on a transparent image."""
        packed = np.asarray(packed, dtype="<u4")
        top = self._top
        for begin, end, owners in self._groups:
            np.maximum.reduce(packed[owners], axis=0, out=top[begin:end])
        # RGBA8888 in memory (R | G << 8 | B << 16 | A << 24 as a little-endian word) to Qt's 0xAARRGGBB.
        self._buffer[self._pixels] = (top & 0xFF00FF00) | ((top & 0xFF) << 16) | ((top >> 16) & 0xFF)
        return self._image


def edge_colours(canvas: LabCanvas, magnitudes: np.ndarray) -> np.ndarray:
    """Packed RGBA (uint32) of |dC/dw| on the shared scale, ``SKETCH_COLOUR_STEPS`` steps of it: a table made
    by ``theme.gradient_colors`` (zeros and non-finite values get its own colours), kept while the scale is."""
    lo, hi = canvas.lab.decades

    def make_table() -> np.ndarray:
        # Steps 0..STEPS of the scale, then an exact zero, then a non-finite value.
        samples = np.concatenate([10.0 ** (lo + np.arange(SKETCH_COLOUR_STEPS + 1) / SKETCH_COLOUR_STEPS * (hi - lo)), [0.0, np.nan]])
        return gradient_colors(samples, (lo, hi), canvas.theme).view(np.uint32).ravel()

    table = canvas.kept(("edge table",), (lo, hi, canvas.theme.name), make_table)
    canvas.edge_table_opaque = bool((table >> 24 == 0xFF).all())
    m = np.asarray(magnitudes, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        steps = np.round((np.log10(np.where(m > 0, m, 1.0)) - lo) / (hi - lo) * SKETCH_COLOUR_STEPS)
    index = np.clip(np.nan_to_num(steps), 0, SKETCH_COLOUR_STEPS).astype(np.int64)
    index[m == 0] = SKETCH_COLOUR_STEPS + 1
    index[~np.isfinite(m)] = SKETCH_COLOUR_STEPS + 2
    return table[index]


@functools.lru_cache(maxsize=64)
def _shown_units(width: int) -> tuple[int, ...]:
    if width <= MAX_SKETCH_UNITS:
        return tuple(range(width))
    return tuple(sorted(set(np.linspace(0, width - 1, MAX_SKETCH_UNITS).round().astype(int).tolist())))
