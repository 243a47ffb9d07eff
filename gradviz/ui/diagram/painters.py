"""One function per element of the diagram, each drawing a :class:`~.scene.DiagramScene` on a layout.

Every painter takes ``(painter, layout, scene, theme, ...)`` and works on any QPainter (a widget, a QImage,
SVG, PDF). The widget chooses how to draw the edges (vectors, its cached :class:`EdgeTiles` on screen, or the
edge-id raster for big networks), then :func:`paint_labels_and_overlays` draws everything on top, in order.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6 import QtCore, QtGui

from ..theme import Theme
from .layout import DiagramLayout, font_px, title_px, vector_edge_width
from .raster import IdRaster, blend, luminance
from .scene import DiagramScene, pack_color

#: An exactly zero gradient is drawn dashed, this fraction of a live edge's width (and at least this many px).
ZERO_EDGE_WIDTH = 0.6
ZERO_EDGE_MIN_PX = 2.0
#: Opacity of the band behind the layer being computed.
HIGHLIGHT_ALPHA = 0.18
#: Most edges that carry a pulse dot during an animation (a sample of the layer's edges beyond that).
MAX_PULSE_EDGES = 400
#: Text on a neuron brighter than this (luminance 0..1) is dark, else light.
DARK_TEXT_ABOVE = 0.55


def qcolor(argb) -> QtGui.QColor:
    return QtGui.QColor.fromRgba(int(argb))


def font(theme: Theme, px: float, bold: bool = False) -> QtGui.QFont:
    """The theme's font at ``px`` pixels (pixels, not points, so every device scales alike)."""
    result = QtGui.QFont(theme.font_family)
    result.setPixelSize(max(1, int(round(px))))
    result.setBold(bold)
    return result


def band_colour(theme: Theme) -> QtGui.QColor:
    colour = theme.color("highlight")
    colour.setAlphaF(HIGHLIGHT_ALPHA)
    return colour


def _band_rect(layout: DiagramLayout, layer: int) -> QtCore.QRectF:
    band = layout.band_x
    return QtCore.QRectF(band[layer], layout.band_top, band[layer + 1] - band[layer], layout.band_bottom - layout.band_top)


def paint_empty(painter: QtGui.QPainter, width: float, height: float, theme: Theme) -> None:
    """The words shown before any record."""
    painter.setPen(theme.color("muted"))
    painter.setFont(font(theme, title_px(theme)))
    painter.drawText(QtCore.QRectF(0, 0, width, height), QtCore.Qt.AlignmentFlag.AlignCenter, "No network to show yet.")


def paint_band(painter, layout: DiagramLayout, scene: DiagramScene, theme: Theme) -> None:
    """The translucent band behind the layer being computed."""
    if scene.highlight is not None:
        painter.fillRect(_band_rect(layout, scene.highlight), band_colour(theme))


def paint_band_outline(painter, layout: DiagramLayout, scene: DiagramScene, theme: Theme) -> None:
    """The band's outline, on top of edges dense enough to hide the band itself."""
    if scene.highlight is not None:
        painter.setPen(QtGui.QPen(theme.color("highlight"), 2.0))
        painter.setBrush(QtCore.Qt.BrushStyle.NoBrush)
        painter.drawRect(_band_rect(layout, scene.highlight))


def paint_edges_vector(painter, layout: DiagramLayout, scene: DiagramScene, theme: Theme, edge_argb=None, lo: int = 0, hi: int | None = None) -> None:
    """Edges ``lo:hi`` as antialiased lines: one ``drawLines`` per colour, strongest gradients on top.

    ``edge_argb`` overrides the scene's colours (a fade between two scenes).
    """
    hi = layout.edge_count if hi is None else hi
    if hi <= lo:
        return
    edge_argb = scene.edge_argb if edge_argb is None else edge_argb
    width = vector_edge_width(layout, theme)
    argb = edge_argb[lo:hi]
    for mask in (0xFFFFFFFF, 0xFFFCFCFC, 0xFFF8F8F8, 0xFFF0F0F0):
        keys = argb & np.uint32(mask)
        if np.unique(keys).size <= 256:
            break
    dashed = scene.edge_dashed[lo:hi]
    keys = keys.astype(np.uint64) | (dashed.astype(np.uint64) << np.uint64(32))
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    ends = np.r_[starts[1:], sorted_keys.size]
    group_rank = np.maximum.reduceat(scene.edge_rank[lo:hi][order], starts)
    x0, y0, x1, y1 = layout.ex0[lo:hi], layout.ey0[lo:hi], layout.ex1[lo:hi], layout.ey1[lo:hi]
    for g in np.argsort(group_rank, kind="stable"):
        members = order[starts[g] : ends[g]]
        pen = QtGui.QPen(qcolor(argb[members[0]]), width)
        pen.setCapStyle(QtCore.Qt.PenCapStyle.FlatCap)
        if dashed[members[0]]:
            # Thinner than a live edge: a layer of dead ReLUs is clearly marked without drowning the rest.
            pen.setWidthF(max(ZERO_EDGE_MIN_PX, ZERO_EDGE_WIDTH * width))
            # Each half runs outwards from the midpoint, so a dash always sits on the middle.
            pen.setDashPattern([3.0, 2.0])
            # They overlap by a pixel either side of the middle, so antialiasing leaves no seam there.
            dx, dy = x1[members] - x0[members], y1[members] - y0[members]
            length = np.maximum(np.hypot(dx, dy), 1e-9)
            ux, uy = dx / length, dy / length
            mx, my = (x0[members] + x1[members]) / 2, (y0[members] + y1[members]) / 2
            lines = [QtCore.QLineF(*v) for v in zip((mx + ux).tolist(), (my + uy).tolist(), x0[members].tolist(), y0[members].tolist())]
            lines += [QtCore.QLineF(*v) for v in zip((mx - ux).tolist(), (my - uy).tolist(), x1[members].tolist(), y1[members].tolist())]
        else:
            lines = [
                QtCore.QLineF(a, b, c, d)
                for a, b, c, d in zip(x0[members].tolist(), y0[members].tolist(), x1[members].tolist(), y1[members].tolist())
            ]
        painter.setPen(pen)
        painter.drawLines(lines)


class EdgeTiles:
    """Each weight layer's edges drawn once into an image, reused on screen until their colours change."""

    def __init__(self):
        self._tiles: dict = {}

    def __repr__(self):
        return f"EdgeTiles({len(self._tiles)} layers)"

    def clear(self) -> None:
        self._tiles.clear()

    def paint(self, painter, layout: DiagramLayout, scene: DiagramScene, theme: Theme, edge_argb, device_scale: float, layout_key) -> None:
        margin = vector_edge_width(layout, theme) + 2
        top, bottom = float(layout.ys_min) - margin, float(layout.ys_max) + margin
        tiles = {}
        for layer in range(1, layout.depth + 1):
            lo, hi = int(layout.edge_offsets[layer - 1]), int(layout.edge_offsets[layer])
            left, right = float(layout.x[layer - 1]) - margin, float(layout.x[layer]) + margin
            key = (layout_key, device_scale, edge_argb[lo:hi].tobytes(), scene.edge_dashed[lo:hi].tobytes())
            cached = self._tiles.get(layer)
            if cached is None or cached[0] != key:
                image = QtGui.QImage(
                    max(1, math.ceil((right - left) * device_scale)), max(1, math.ceil((bottom - top) * device_scale)),
                    QtGui.QImage.Format.Format_ARGB32_Premultiplied,
                )
                image.setDevicePixelRatio(device_scale)
                image.fill(0)
                tile_painter = QtGui.QPainter(image)
                tile_painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
                tile_painter.translate(-left, -top)
                paint_edges_vector(tile_painter, layout, scene, theme, edge_argb, lo, hi)
                tile_painter.end()
                cached = (key, image)
            tiles[layer] = cached
            painter.drawImage(QtCore.QPointF(left, top), cached[1])
        self._tiles = tiles


def paint_edges_raster(painter, layout: DiagramLayout, scene: DiagramScene, theme: Theme, edge_argb, raster: IdRaster) -> None:
    """Edges, neurons and bands in one image: the raster's ids looked up in a table of this frame's colours."""
    scale = raster.scale
    background = pack_color(theme.background)
    bands = np.full(layout.depth + 1, background, dtype=np.uint32)
    if scene.highlight is not None:
        band = band_colour(theme)
        bands[scene.highlight] = blend(np.array([background], np.uint32), np.array([pack_color(band)]), band.alphaF())[0]
    lut = np.empty(raster.id_count, dtype=np.uint32)
    lut[: layout.depth + 1] = bands
    lut[raster.background_id] = background
    lut[raster.outline_id] = pack_color(theme.node_outline)
    edges = lut[raster.edge_base : raster.node_base].reshape(-1, 2)
    edges[:, 0] = edge_argb
    edges[:, 1] = np.where(scene.edge_dashed, bands[layout.edge_layer], edge_argb)
    lut[raster.node_base :] = scene.node_argb
    pixels = np.take(lut, raster.ids)
    image = QtGui.QImage(pixels.data, raster.width, raster.height, raster.width * 4, QtGui.QImage.Format.Format_RGB32)
    image.setDevicePixelRatio(scale)
    painter.drawImage(QtCore.QPointF(raster.left / scale, raster.top / scale), image)
    del image


def paint_nodes(painter, layout: DiagramLayout, scene: DiagramScene, theme: Theme) -> None:
    """Every shown neuron, filled with its colour and outlined."""
    outline = QtGui.QPen(theme.color("node_outline"), max(1.0, 0.1 * layout.radius))
    painter.setPen(outline)
    last = None
    for x, y, r, argb in zip(layout.node_x.tolist(), layout.node_y.tolist(), layout.node_r.tolist(), scene.node_argb.tolist()):
        if argb != last:
            painter.setBrush(qcolor(argb))
            last = argb
        painter.drawEllipse(QtCore.QPointF(x, y), r, r)
    painter.setBrush(QtCore.Qt.BrushStyle.NoBrush)


def paint_node_text(painter, layout: DiagramLayout, scene: DiagramScene, theme: Theme) -> None:
    """The value on each neuron of a narrow layer, sized to fit the circle, dark on light fills."""
    for l, texts in enumerate(scene.node_text):
        if not texts:
            continue
        r = layout.radii[l]
        size = font_px(theme)
        metrics = QtGui.QFontMetricsF(font(theme, size))
        widest = max(metrics.horizontalAdvance(t) for t in texts)
        size = min(1.25 * size, size * 1.75 * r / max(widest, 1.0), 0.8 * r)
        if size < 7.5:
            continue
        painter.setFont(font(theme, size))
        offset = int(layout.node_offsets[l])
        for slot, text in enumerate(texts):
            dark = luminance(scene.node_argb[offset + slot]) > DARK_TEXT_ABOVE
            painter.setPen(QtGui.QColor("#111111") if dark else QtGui.QColor("#f4f4f4"))
            x, y = float(layout.x[l]), float(layout.ys[l][slot])
            painter.drawText(QtCore.QRectF(x - r, y - r, 2 * r, 2 * r), QtCore.Qt.AlignmentFlag.AlignCenter, text)


def paint_ellipses(painter, layout: DiagramLayout, scene: DiagramScene, theme: Theme) -> None:
    """"⋮ +N more" where a wide layer hides neurons."""
    for l, y in enumerate(layout.ellipsis_y):
        if y is None:
            continue
        x = float(layout.x[l])
        size = font_px(theme)
        painter.setFont(font(theme, size, bold=True))
        label = f"⋮  +{layout.hidden[l]} more"
        metrics = QtGui.QFontMetricsF(painter.font())
        box = QtCore.QRectF(x - layout.radii[l] - 2, y - 0.75 * size, metrics.horizontalAdvance(label) + 10, 1.5 * size)
        painter.setPen(QtCore.Qt.PenStyle.NoPen)
        painter.setBrush(theme.color("background"))
        painter.drawRoundedRect(box, 3, 3)
        painter.setBrush(QtCore.Qt.BrushStyle.NoBrush)
        painter.setPen(theme.color("foreground"))
        painter.drawText(box.adjusted(4, 0, 0, 0), QtCore.Qt.AlignmentFlag.AlignVCenter | QtCore.Qt.AlignmentFlag.AlignLeft, label)


def paint_direction(painter, layout: DiagramLayout, scene: DiagramScene, theme: Theme) -> None:
    """An arrow under the band of the layer being computed: → forward, ← backward."""
    if scene.highlight is None or scene.highlight == 0:
        return
    size = font_px(theme)
    left, right = layout.x[scene.highlight - 1], layout.x[scene.highlight]
    y = layout.band_bottom - 0.7 * size
    span = min(right - left, 6 * size)
    mid = (left + right) / 2
    a, b = (mid - span / 2, mid + span / 2) if scene.direction > 0 else (mid + span / 2, mid - span / 2)
    colour = theme.color("highlight")
    painter.setPen(QtGui.QPen(colour, max(2.0, size / 6)))
    painter.drawLine(QtCore.QPointF(a, y), QtCore.QPointF(b, y))
    head = 0.45 * size * (1 if scene.direction > 0 else -1)
    painter.setBrush(colour)
    painter.drawPolygon(QtGui.QPolygonF([QtCore.QPointF(b, y), QtCore.QPointF(b - head, y - abs(head) * 0.7), QtCore.QPointF(b - head, y + abs(head) * 0.7)]))
    painter.setBrush(QtCore.Qt.BrushStyle.NoBrush)


def _layer_label_lines(scene: DiagramScene, layer: int, fits) -> list[str]:
    if layer == 0:
        return [scene.layer_names[0]]
    name = scene.layer_names[layer]
    for lines in ([f"layer {layer} · {name}"], [f"layer {layer}", name], [str(layer), name], [str(layer)]):
        if fits(lines):
            return lines
    return [str(layer)]


def paint_layer_labels(painter, layout: DiagramLayout, scene: DiagramScene, theme: Theme) -> None:
    """Each layer's name and activation above it, shortened to fit; the highlighted one in bold."""
    size = font_px(theme)
    regular, bold = font(theme, size), font(theme, size, bold=True)
    metrics = QtGui.QFontMetricsF(bold)
    room = layout.gap * 0.94 if layout.depth else layout.area.width
    fits = lambda lines: max(metrics.horizontalAdvance(t) for t in lines) <= room  # noqa: E731
    labels = [_layer_label_lines(scene, l, fits) for l in range(layout.depth + 1)]
    # Where even numbers collide, keep the highlighted label, then every label that has room.
    extents = []
    for l, lines in enumerate(labels):
        half = max(metrics.horizontalAdvance(t) for t in lines) / 2
        centre = min(max(float(layout.x[l]), 2 + half), layout.area.right - half)  # clear of the colour bar
        extents.append((centre - half, centre + half))
    order = ([scene.highlight] if scene.highlight is not None else []) + list(range(layout.depth + 1))
    placed: list[int] = []
    for l in order:
        if l in placed:
            continue
        left, right = extents[l]
        if all(right + 0.4 * size < extents[p][0] or left > extents[p][1] + 0.4 * size for p in placed):
            placed.append(l)
    line_height = metrics.height()
    for l in sorted(placed):
        highlighted = scene.highlight == l
        painter.setFont(bold if highlighted else regular)
        painter.setPen(theme.color("highlight") if highlighted else theme.color("foreground"))
        advance_of = QtGui.QFontMetricsF(painter.font()).horizontalAdvance
        centre = (extents[l][0] + extents[l][1]) / 2
        for i, text in enumerate(reversed(labels[l])):
            painter.drawText(QtCore.QPointF(centre - advance_of(text) / 2, layout.label_y - i * line_height), text)


def paint_colour_bar(painter, layout: DiagramLayout, scene: DiagramScene, theme: Theme) -> None:
    """The colour bar with its ticks and key, and the neuron-fill strip below when there is room."""
    bar = scene.colour_bar
    rect = layout.legend
    size = font_px(theme)
    small = font(theme, 0.9 * size)
    metrics = QtGui.QFontMetricsF(font(theme, size))
    x = rect.left + 0.4 * size
    painter.setPen(theme.color("foreground"))
    painter.setFont(font(theme, size, bold=True))
    painter.drawText(QtCore.QPointF(x, rect.top + metrics.ascent()), bar.title)
    painter.setFont(small)
    painter.setPen(theme.color("muted"))
    painter.drawText(QtCore.QPointF(x, rect.top + metrics.height() + metrics.ascent() * 0.9), bar.subtitle)

    top = rect.top + 2.6 * metrics.height()
    bottom = rect.top + max(rect.height * 0.6, 4 * metrics.height())
    bar_width = max(14.0, 1.1 * size)
    gradient = QtGui.QLinearGradient(QtCore.QPointF(0, bottom), QtCore.QPointF(0, top))
    for i, argb in enumerate(bar.stops):
        gradient.setColorAt(i / (len(bar.stops) - 1), qcolor(argb))
    painter.setPen(QtGui.QPen(theme.color("muted"), 1.0))
    painter.setBrush(QtGui.QBrush(gradient))
    painter.drawRect(QtCore.QRectF(x, top, bar_width, bottom - top))
    painter.setBrush(QtCore.Qt.BrushStyle.NoBrush)

    ticks = bar.ticks
    every = 1
    while len(ticks) > 1 and (bottom - top) / (len(ticks) - 1) * every < 1.15 * metrics.height():
        every += 1
    painter.setFont(font(theme, size))
    for i, (position, label) in enumerate(ticks):
        if i % every and i != len(ticks) - 1:
            continue
        y = bottom - position * (bottom - top)
        painter.setPen(QtGui.QPen(theme.color("foreground"), 1.0))
        painter.drawLine(QtCore.QPointF(x + bar_width, y), QtCore.QPointF(x + bar_width + 5, y))
        painter.drawText(QtCore.QPointF(x + bar_width + 8, y + 0.35 * metrics.ascent()), label)

    y = bottom + 1.2 * metrics.height()
    painter.setFont(small)
    for swatch in bar.swatches:
        pen = QtGui.QPen(qcolor(swatch.argb), max(3.0, 0.25 * size))
        pen.setCapStyle(QtCore.Qt.PenCapStyle.FlatCap)
        if swatch.dashed:
            pen.setDashPattern([2.0, 1.2])
        painter.setPen(pen)
        painter.drawLine(QtCore.QPointF(x, y), QtCore.QPointF(x + 1.8 * size, y))
        painter.setPen(theme.color("foreground"))
        painter.drawText(QtCore.QPointF(x + 2.2 * size, y + 0.35 * metrics.ascent()), swatch.label)
        y += 1.3 * metrics.height()

    # Neuron fill: f'(z) relative to its maximum, so saturation shows as dark.
    if y + 3.5 * metrics.height() > rect.bottom:
        return
    y += 0.6 * metrics.height()
    painter.setFont(font(theme, size, bold=True))
    painter.setPen(theme.color("foreground"))
    painter.drawText(QtCore.QPointF(x, y), "neuron fill")
    painter.setFont(small)
    painter.setPen(theme.color("muted"))
    painter.drawText(QtCore.QPointF(x, y + metrics.height()), "f′(z) / max f′")
    y += 1.5 * metrics.height()
    strip_width = min(rect.width - 1.2 * size, 8 * size)
    gradient = QtGui.QLinearGradient(QtCore.QPointF(x, 0), QtCore.QPointF(x + strip_width, 0))
    for i, argb in enumerate(bar.fill_stops):
        gradient.setColorAt(i / (len(bar.fill_stops) - 1), qcolor(argb))
    painter.setPen(QtGui.QPen(theme.color("muted"), 1.0))
    painter.setBrush(QtGui.QBrush(gradient))
    painter.drawRect(QtCore.QRectF(x, y, strip_width, 0.9 * size))
    painter.setBrush(QtCore.Qt.BrushStyle.NoBrush)
    painter.setPen(theme.color("foreground"))
    y += 0.9 * size + metrics.ascent() + 2
    painter.drawText(QtCore.QPointF(x, y), "0 saturated")
    right = "1"
    painter.drawText(QtCore.QPointF(x + strip_width - QtGui.QFontMetricsF(small).horizontalAdvance(right), y), right)


def paint_caption(painter, layout: DiagramLayout, scene: DiagramScene, theme: Theme) -> None:
    """Where the pass stands and the loss, and what the numbers on neurons are when there is room."""
    rect = layout.caption
    box = QtCore.QRectF(rect.left, rect.top, rect.width, rect.height)
    painter.setFont(font(theme, title_px(theme), bold=True))
    painter.setPen(theme.color("foreground"))
    painter.drawText(box, QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignVCenter, scene.caption)
    if any(scene.node_text):
        caption_width = QtGui.QFontMetricsF(painter.font()).horizontalAdvance(scene.caption)
        painter.setFont(font(theme, font_px(theme)))
        if caption_width + QtGui.QFontMetricsF(painter.font()).horizontalAdvance(scene.node_note) + 30 < rect.width:
            painter.setPen(theme.color("muted"))
            painter.drawText(box, QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter, scene.node_note)


def paint_selection(painter, layout: DiagramLayout, scene: DiagramScene, theme: Theme, selection) -> None:
    """A ring round the selected neuron, or a halo round the selected edge."""
    if not selection:
        return
    colour = theme.color("highlight")
    try:
        if selection[0] == "neuron":
            x, y = layout.neuron_xy(selection[1], selection[2])
            r = layout.radii[selection[1]] + 4
            painter.setPen(QtGui.QPen(colour, max(2.5, 0.15 * r)))
            painter.setBrush(QtCore.Qt.BrushStyle.NoBrush)
            painter.drawEllipse(QtCore.QPointF(x, y), r, r)
        elif selection[0] == "edge":
            i = layout.edge_index(selection[1], selection[2], selection[3])
            line = QtCore.QLineF(layout.ex0[i], layout.ey0[i], layout.ex1[i], layout.ey1[i])
            width = vector_edge_width(layout, theme)
            halo = QtGui.QPen(colour, width + 5)
            halo.setCapStyle(QtCore.Qt.PenCapStyle.RoundCap)
            painter.setPen(halo)
            painter.drawLine(line)
            painter.setPen(QtGui.QPen(qcolor(scene.edge_argb[i]), width))
            painter.drawLine(line)
    except (IndexError, ValueError):
        return  # a selection of something not drawn (hidden or from another network)


def paint_pulse(painter, layout: DiagramLayout, scene: DiagramScene, theme: Theme, t: float) -> None:
    """Dots travelling along the edges of the layer just computed, ``t`` (0..1) of the way."""
    layer = scene.pulse_layer
    if layer is None or not 1 <= layer <= layout.depth:
        return
    lo, hi = int(layout.edge_offsets[layer - 1]), int(layout.edge_offsets[layer])
    edges = np.arange(lo, hi)
    if edges.size > MAX_PULSE_EDGES:
        edges = edges[np.linspace(0, edges.size - 1, MAX_PULSE_EDGES).astype(int)]
    along = t if scene.direction > 0 else 1.0 - t
    xs = layout.ex0[edges] + along * (layout.ex1[edges] - layout.ex0[edges])
    ys = layout.ey0[edges] + along * (layout.ey1[edges] - layout.ey0[edges])
    colour = theme.color("pulse")
    colour.setAlphaF(max(0.0, min(1.0, math.sin(math.pi * t) * 1.2)))
    pen = QtGui.QPen(colour, max(4.0, 2.2 * vector_edge_width(layout, theme)))
    pen.setCapStyle(QtCore.Qt.PenCapStyle.RoundCap)
    painter.setPen(pen)
    painter.drawPoints(QtGui.QPolygonF([QtCore.QPointF(x, y) for x, y in zip(xs.tolist(), ys.tolist())]))


def paint_labels_and_overlays(painter, layout: DiagramLayout, scene: DiagramScene, theme: Theme, selection=None, pulse_t: float | None = None) -> None:
    """Everything drawn over the edges and neurons, in order."""
    paint_node_text(painter, layout, scene, theme)
    paint_ellipses(painter, layout, scene, theme)
    paint_direction(painter, layout, scene, theme)
    paint_layer_labels(painter, layout, scene, theme)
    paint_colour_bar(painter, layout, scene, theme)
    paint_caption(painter, layout, scene, theme)
    paint_selection(painter, layout, scene, theme, selection)
    if pulse_t is not None:
        paint_pulse(painter, layout, scene, theme, pulse_t)
