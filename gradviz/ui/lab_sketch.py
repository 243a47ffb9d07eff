"""The lab's network sketch of one lane: a column of neurons per layer, each edge coloured by its last
mini-batch |dC/dw| on the snapshot's shared log scale."""

from __future__ import annotations

import math

import numpy as np
from PySide6 import QtCore, QtGui

from .lab_canvas import LabCanvas
from .theme import gradient_colors


#: Most neurons the sketch shows in one layer (a wider layer shows this many, evenly chosen).
MAX_SKETCH_UNITS = 10


#: Colour steps of an edge in the sketch: edges of one step are drawn at once.
SKETCH_COLOUR_STEPS = 48


def paint_sketch(canvas: LabCanvas, lane, rect: QtCore.QRectF) -> None:
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

    p = canvas.p
    p.save()
    pen_width = max(1.0, radius * 0.35)
    # Edges grouped by colour, one drawLines per colour: a frame must stay cheap while training.
    key = ("sketch", tuple(widths), round(rect.x()), round(rect.y()), round(rect.width()), round(rect.height()))
    lines = canvas.cache.get(key)
    if lines is None:
        lines = []
        for l in range(layers - 1):
            y_from, y_to = ys(l), ys(l + 1)
            lines += [QtCore.QLineF(xs[l], y0, xs[l + 1], y1) for y1 in y_to for y0 in y_from]
        lines = canvas.cache[key] = lines
    packed = np.concatenate([
        edge_colours(canvas, np.abs(np.asarray(lane.grad_w[l]))[np.ix_(shown[l + 1], shown[l])]).ravel() for l in range(layers - 1)
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
    if not canvas.raster:  # an SVG or a PDF keeps its circles as vector shapes
        p.setPen(QtGui.QPen(QtGui.QColor(canvas.theme.node_outline), 1.2))
        p.setBrush(QtGui.QColor(canvas.theme.node_fill))
        for l in range(layers):
            for y in ys(l):
                p.drawEllipse(QtCore.QPointF(xs[l], y), radius, radius)
        p.restore()
        return
    node_key = ("nodes", *key[1:], canvas.theme.name)
    nodes = canvas.cache.get(node_key)
    if nodes is None:
        ratio = max(1.0, p.device().devicePixelRatioF()) if p.device() is not None else 1.0
        nodes = QtGui.QImage(max(1, math.ceil(rect.width() * ratio)), max(1, math.ceil(rect.height() * ratio)),
                             QtGui.QImage.Format.Format_ARGB32_Premultiplied)  # fmt: skip
        nodes.setDevicePixelRatio(ratio)
        nodes.fill(QtCore.Qt.GlobalColor.transparent)
        layer = QtGui.QPainter(nodes)
        layer.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
        layer.translate(-rect.left(), -rect.top())
        layer.setPen(QtGui.QPen(QtGui.QColor(canvas.theme.node_outline), 1.2))
        layer.setBrush(QtGui.QColor(canvas.theme.node_fill))
        for l in range(layers):
            for y in ys(l):
                layer.drawEllipse(QtCore.QPointF(xs[l], y), radius, radius)
        layer.end()
        canvas.cache[node_key] = nodes
    p.drawImage(rect.topLeft(), nodes)
    p.restore()


def edge_colours(canvas: LabCanvas, magnitudes: np.ndarray) -> np.ndarray:
    """Packed RGBA (uint32) of |dC/dw| on the shared scale, ``SKETCH_COLOUR_STEPS`` steps of it: one table per
    paint, made by ``theme.gradient_colors`` (zeros and non-finite values get its own colours)."""
    lo, hi = canvas.lab.decades
    table = canvas.edge_table
    if table is None:
        # Steps 0..STEPS of the scale, then an exact zero, then a non-finite value.
        samples = np.concatenate([10.0 ** (lo + np.arange(SKETCH_COLOUR_STEPS + 1) / SKETCH_COLOUR_STEPS * (hi - lo)), [0.0, np.nan]])
        table = canvas.edge_table = gradient_colors(samples, (lo, hi), canvas.theme).view(np.uint32).ravel()
    m = np.asarray(magnitudes, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        steps = np.round((np.log10(np.where(m > 0, m, 1.0)) - lo) / (hi - lo) * SKETCH_COLOUR_STEPS)
    index = np.clip(np.nan_to_num(steps), 0, SKETCH_COLOUR_STEPS).astype(np.int64)
    index[m == 0] = SKETCH_COLOUR_STEPS + 1
    index[~np.isfinite(m)] = SKETCH_COLOUR_STEPS + 2
    return table[index]


def _shown_units(width: int) -> list[int]:
    if width <= MAX_SKETCH_UNITS:
        return list(range(width))
    return sorted(set(np.linspace(0, width - 1, MAX_SKETCH_UNITS).round().astype(int).tolist()))
