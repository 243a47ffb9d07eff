"""One function per element of the diagram, each drawing a :class:`~.scene.DiagramScene` on a layout.

Every painter takes ``(painter, layout, scene, theme, ...)`` and works on any QPainter (a widget, a QImage,
SVG, PDF). The widget chooses how to draw the edges (vectors, its cached :class:`EdgeTiles` on screen, or the
edge-id raster for big networks), then :func:`paint_labels_and_overlays` draws everything on top, in order.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
from PySide6 import QtCore, QtGui

from ..theme import Theme
from .layout import MAX_LABELLED_UNITS, DiagramLayout, Rect, font_px, title_px, vector_edge_width
from .raster import IdRaster, blend, luminance
from .scene import CAPTION_SEPARATOR, HIDDEN_VALUES_HINT, DiagramScene, pack_color

#: An exactly zero gradient is drawn dashed, this fraction of a live edge's width (and at least this many px).
ZERO_EDGE_WIDTH = 0.6
ZERO_EDGE_MIN_PX = 2.0
#: Opacity of the band behind the layer being computed.
HIGHLIGHT_ALPHA = 0.18
#: Most edges that carry a pulse dot during an animation (a sample of the layer's edges beyond that).
MAX_PULSE_EDGES = 400
#: Text on a neuron brighter than this (luminance 0..1) is dark, else light.
DARK_TEXT_ABOVE = 0.55
#: Widest a number on a neuron may run, in radii: a line about 0.4 r high through the centre stays inside the
#: circle up to about 1.9 r.
NODE_TEXT_WIDTH_OF_RADIUS = 1.8
#: Font sizes (fractions of the theme's label size) the edge labels try, largest first, to find every one a place.
EDGE_LABEL_SHRINK = (1.0, 0.9, 0.8, 0.7, 0.6, 0.5)
#: The caption's first line shrinks to fit down to this fraction of the title size; beyond, it is split.
CAPTION_LEAST_SCALE = 0.8


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
        # Sorted neighbours, not np.unique: its first call imports numpy.ma, which costs startup ~15 ms.
        ordered = np.sort(keys)
        if 1 + np.count_nonzero(ordered[1:] != ordered[:-1]) <= 256:
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
    pixels = raster.colour(lut)
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


@dataclass(frozen=True)
class TextBox:
    """A text a painter drew and the box it covers, in the painter's device pixels (for layout checks)."""

    rect: QtCore.QRectF
    text: str
    role: str


def _record(painter, boxes, kind: str, geometry, flags, text: str, role: str) -> None:
    # Only what is needed to measure the box later (see text_boxes_of): a paint must stay cheap.
    if boxes is not None and text:
        boxes.append((kind, painter.transform(), painter.font(), geometry, flags, text, role))  # both are copies


def text_boxes_of(recorded) -> list[TextBox]:
    """The :class:`TextBox` of each text recorded during a paint (``boxes`` of the painters)."""
    result = []
    for kind, transform, text_font, geometry, flags, text, role in recorded:
        metrics = QtGui.QFontMetricsF(text_font)
        if kind == "in":
            rect = metrics.boundingRect(geometry, int(flags.value if hasattr(flags, "value") else flags), text)
        else:
            x, baseline = geometry
            rect = QtCore.QRectF(x, baseline - metrics.ascent(), metrics.horizontalAdvance(text), metrics.height())
        result.append(TextBox(transform.mapRect(rect), text, role))
    return result


def _text_in(painter, rect: QtCore.QRectF, flags, text: str, boxes, role: str) -> None:
    """Draw ``text`` aligned in ``rect`` and record it."""
    painter.drawText(rect, flags, text)
    _record(painter, boxes, "in", QtCore.QRectF(rect), flags, text, role)


def _text_at(painter, x: float, baseline: float, text: str, boxes, role: str) -> None:
    """Draw ``text`` from (x, baseline) and record it."""
    painter.drawText(QtCore.QPointF(x, baseline), text)
    _record(painter, boxes, "at", (x, baseline), None, text, role)


_FITTING_FONTS: dict = {}


def _fitting_font(theme: Theme, px: float, text: str, room: float, bold: bool = False) -> QtGui.QFont:
    """The theme's font at ``px``, or smaller until ``text`` fits in ``room`` pixels (memoised: painted per frame)."""
    key = (theme.font_family, round(px, 2), text, round(room, 1), bold)
    hit = _FITTING_FONTS.get(key)
    if hit is None:
        if len(_FITTING_FONTS) > 512:
            _FITTING_FONTS.clear()
        hit = _FITTING_FONTS[key] = _fit_font(theme, px, text, room, bold)
    return QtGui.QFont(hit)


#: Pixels a line of text keeps free at the end of its room: antialiasing and a last glyph's overhang reach a
#: little past its advance, and a text right at the edge reads as cut off.
FIT_MARGIN_PX = 3.0


def _fit_font(theme: Theme, px: float, text: str, room: float, bold: bool) -> QtGui.QFont:
    result = font(theme, px, bold)
    limit = room - FIT_MARGIN_PX
    advance = QtGui.QFontMetricsF(result).horizontalAdvance(text)
    size = result.pixelSize()
    # Whole pixel sizes, measured at the size drawn: rounding a scaled size may round it up, past the room.
    while advance > limit > 0 and size > 1:
        size = max(1, min(size - 1, math.floor(size * limit / advance)))
        result = font(theme, size, bold)
        advance = QtGui.QFontMetricsF(result).horizontalAdvance(text)
    return result


def node_text_size(layout: DiagramLayout, layer: int, texts, theme: Theme) -> float | None:
    """The pixel size the numbers of ``layer`` are printed at to fit in their circles, or None when that is
    below the theme's legible :attr:`~gradviz.ui.theme.Theme.node_text_min_px` (they are hidden then)."""
    r = layout.radii[layer]
    size = font_px(theme)
    widest = max(QtGui.QFontMetricsF(font(theme, size)).horizontalAdvance(t) for t in texts)
    size = min(1.25 * size, size * NODE_TEXT_WIDTH_OF_RADIUS * r / max(widest, 1.0), 0.8 * r)
    return size if size >= theme.node_text_min_px else None


def paint_node_text(painter, layout: DiagramLayout, scene: DiagramScene, theme: Theme, boxes=None) -> tuple[bool, bool]:
    """The value on each neuron of a narrow layer, sized to fit the circle, dark on light fills.

    Returns (some numbers drawn, some hidden): a layer whose numbers would be smaller than the theme's
    legible size, or too wide to carry numbers, shows none.
    """
    drawn = hidden = False
    for l, texts in enumerate(scene.node_text):
        if texts is None:
            hidden |= scene.widths[l] > MAX_LABELLED_UNITS
            continue
        size = node_text_size(layout, l, texts, theme)
        if size is None and l < len(scene.node_text_short):
            texts = scene.node_text_short[l]
            size = node_text_size(layout, l, texts, theme)
        if size is None:
            hidden = True
            continue
        drawn = True
        r = layout.radii[l]
        painter.setFont(font(theme, size))
        offset = int(layout.node_offsets[l])
        for slot, text in enumerate(texts):
            dark = luminance(scene.node_argb[offset + slot]) > DARK_TEXT_ABOVE
            painter.setPen(QtGui.QColor("#111111") if dark else QtGui.QColor("#f4f4f4"))
            x, y = float(layout.x[l]), float(layout.ys[l][slot])
            _text_in(painter, QtCore.QRectF(x - r, y - r, 2 * r, 2 * r), QtCore.Qt.AlignmentFlag.AlignCenter, text, boxes, "neuron")
    return drawn, hidden


def _direction_rects(layout: DiagramLayout) -> list[Rect]:
    """Where the direction arrow of each layer's band goes (edge labels keep clear of all of them)."""
    size = layout.font_px
    rects = []
    for l in range(1, layout.depth + 1):
        left, right = float(layout.x[l - 1]), float(layout.x[l])
        span = min(right - left, 6 * size)
        mid = (left + right) / 2
        rects.append(Rect(mid - span / 2 - 2, layout.band_bottom - 1.3 * size, span + 4, 1.2 * size))
    return rects


def paint_edge_labels(painter, layout: DiagramLayout, scene: DiagramScene, theme: Theme, boxes=None) -> bool:
    """Each edge's value beside it, on a box in the background colour outlined in the edge's colour.

    The boxes are placed by :meth:`DiagramLayout.place_edge_labels`; where the theme's size leaves some label
    no free place, a smaller font is tried, and as a last resort (a dense fan in a small picture) a label
    takes the place where it covers the least of the others.
    Returns whether any label was drawn.
    """
    texts = scene.edge_text
    if texts is None or not any(texts):
        return False
    obstacles = tuple(_direction_rects(layout))
    base = font_px(theme)
    for factor in EDGE_LABEL_SHRINK:
        label_font = font(theme, base * factor)
        metrics = QtGui.QFontMetricsF(label_font)
        pad = 0.3 * metrics.height()
        # Widths rounded up to a quarter line, so a new digit rarely moves the labels (and the placement is reused).
        quantum = 0.25 * metrics.height()
        sizes = [(math.ceil((metrics.horizontalAdvance(t) + 2 * pad) / quantum) * quantum, round(metrics.height() + 2, 1)) if t else None for t in texts]
        rects = layout.place_edge_labels(sizes, obstacles, 0.5 * vector_edge_width(layout, theme) + 3.0)
        if rects:
            break
    else:
        rects = layout.place_edge_labels(sizes, obstacles, 0.5 * vector_edge_width(layout, theme) + 3.0, crowded=True)
    painter.setFont(label_font)
    for i, (text, rect) in enumerate(zip(texts, rects)):
        if rect is None:
            continue
        box = QtCore.QRectF(rect.left, rect.top, rect.width, rect.height)
        painter.setPen(QtGui.QPen(qcolor(scene.edge_argb[i]), 1.5))
        painter.setBrush(theme.color("background"))
        painter.drawRoundedRect(box, 3, 3)
        painter.setBrush(QtCore.Qt.BrushStyle.NoBrush)
        painter.setPen(theme.color("foreground"))
        _text_in(painter, box, QtCore.Qt.AlignmentFlag.AlignCenter, text, boxes, "edge")
    return True


def paint_skip_arcs(painter, layout: DiagramLayout, scene: DiagramScene, theme: Theme) -> None:
    """The skip connections, as arcs over the layers they skip, coloured by the gradient through them."""
    if not scene.skip_layers:
        return
    width = max(3.0, 1.2 * vector_edge_width(layout, theme))
    for layer, argb in zip(scene.skip_layers, scene.skip_argb):
        if layer not in layout.skip_layers:
            continue
        x0, y0, x1, y1, control = layout.arc_ends[layout.skip_layers.index(layer)]
        path = QtGui.QPainterPath(QtCore.QPointF(x0, y0))
        path.quadTo(QtCore.QPointF((x0 + x1) / 2, control), QtCore.QPointF(x1, y1))
        pen = QtGui.QPen(qcolor(argb), width)
        pen.setCapStyle(QtCore.Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        painter.setBrush(QtCore.Qt.BrushStyle.NoBrush)
        painter.drawPath(path)


def paint_ellipses(painter, layout: DiagramLayout, scene: DiagramScene, theme: Theme, boxes=None) -> None:
    """"⋮ +N more" where a wide layer hides neurons, kept left of the colour bar."""
    size = font_px(theme)
    key = ("ellipses", theme.font_family, size)
    notes = layout.memo.get(key)
    if notes is None:
        notes = layout.memo[key] = _ellipsis_notes(layout, theme, size)
    for label, label_font, box in notes:
        painter.setFont(label_font)
        painter.setPen(QtCore.Qt.PenStyle.NoPen)
        painter.setBrush(theme.color("background"))
        painter.drawRoundedRect(box, 3, 3)
        painter.setBrush(QtCore.Qt.BrushStyle.NoBrush)
        painter.setPen(theme.color("foreground"))
        _text_in(painter, box.adjusted(4, 0, 0, 0), QtCore.Qt.AlignmentFlag.AlignVCenter | QtCore.Qt.AlignmentFlag.AlignLeft, label, boxes, "note")


def _ellipsis_notes(layout: DiagramLayout, theme: Theme, size: float) -> list:
    """(text, font, box) of each layer's "+N more" note: measured once per layout (painted per frame)."""
    notes = []
    bold = font(theme, size, bold=True)
    bold_advance = QtGui.QFontMetricsF(bold).horizontalAdvance
    for l, y in enumerate(layout.ellipsis_y):
        if y is None:
            continue
        x = float(layout.x[l])
        left = x - layout.radii[l] - 2
        # Room up to the next layer's note (or the colour bar): the longest form that fits, else smaller type.
        limit = float(layout.x[l + 1]) - layout.radii[l + 1] - 6 if l < layout.depth else layout.area.right
        room = limit - left - 10
        forms = (f"⋮  +{layout.hidden[l]} more", f"+{layout.hidden[l]} more", f"+{layout.hidden[l]}")
        label = next((f for f in forms if bold_advance(f) <= room), forms[-1])
        label_font = _fitting_font(theme, size, label, room, bold=True)
        width = QtGui.QFontMetricsF(label_font).horizontalAdvance(label) + 10
        left = min(left, layout.area.right - width)
        notes.append((label, label_font, QtCore.QRectF(left, y - 0.75 * size, width, 1.5 * size)))
    return notes


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


def _layer_label_levels(scene: DiagramScene, layer: int) -> list[list[str]]:
    """A layer's label from the longest to the shortest form."""
    if layer == 0:
        name = scene.layer_names[0]
        return [[name], [name], [name], [name], ["in"]]
    name = scene.layer_names[layer]
    return [[f"layer {layer} · {name}"], [f"layer {layer}", name], [str(layer), name], [str(layer)], [str(layer)]]


def paint_layer_labels(painter, layout: DiagramLayout, scene: DiagramScene, theme: Theme, boxes=None) -> None:
    """Each layer's name and activation above it, all in the longest form where none collide.

    The highlighted one is bold. Where even bare numbers collide, every k-th label is drawn, and always the
    last layer's and the highlighted one (see :func:`_thinned_labels`).
    """
    size = font_px(theme)
    regular, bold = font(theme, size), font(theme, size, bold=True)
    metrics = QtGui.QFontMetricsF(bold)
    gap = 0.4 * size
    levels = [_layer_label_levels(scene, l) for l in range(layout.depth + 1)]

    def extents_of(level: int):
        result = []
        for l in range(layout.depth + 1):
            half = max(metrics.horizontalAdvance(t) for t in levels[l][level]) / 2
            centre = min(max(float(layout.x[l]), layout.area.left - 4 + half), layout.area.right - half)  # clear of the colour bar
            result.append((centre - half, centre + half))
        return result

    def clear(extents, chosen) -> bool:
        return all(extents[a][1] + gap < extents[b][0] for a, b in zip(chosen, chosen[1:]))

    key = ("layer labels", scene.layer_names, size, theme.font_family)
    memo = layout.memo
    if key not in memo:
        every_layer = list(range(layout.depth + 1))
        for level in range(len(levels[0])):
            extents = extents_of(level)
            if clear(extents, every_layer):
                break
        else:
            every_layer = None  # even the shortest forms collide: thin them, around the highlighted one
        memo[key] = (level, extents, every_layer)
    level, extents, chosen = memo[key]
    if chosen is None:
        chosen = _thinned_labels(extents, layout.depth, scene.highlight, gap)
    line_height = metrics.height()
    for l in chosen:
        highlighted = scene.highlight == l
        painter.setFont(bold if highlighted else regular)
        painter.setPen(theme.color("highlight") if highlighted else theme.color("foreground"))
        advance_of = QtGui.QFontMetricsF(painter.font()).horizontalAdvance
        centre = (extents[l][0] + extents[l][1]) / 2
        for i, text in enumerate(reversed(levels[l][level])):
            _text_at(painter, centre - advance_of(text) / 2, layout.label_y - i * line_height, text, boxes, "layer")


def _thinned_labels(extents, depth: int, highlight, gap: float) -> list[int]:
    """Every k-th layer's label for the smallest k that leaves them clear, always the last layer's and the
    highlighted one's (a regular label next to one of those gives way, the input's too)."""
    must = sorted({depth} | ({highlight} if highlight is not None else set()))
    if len(must) == 2 and not extents[must[0]][1] + gap < extents[must[1]][0]:
        must = [depth]  # the last layer's label stays; the highlight shows in the band
    for every in range(2, depth + 2):
        chosen = set(must)
        for l in [0] + list(range(every, depth + 1, every)):
            if all(extents[l][1] + gap < extents[m][0] or extents[l][0] > extents[m][1] + gap for m in chosen if m != l):
                chosen.add(l)
        ordered = sorted(chosen)
        if all(extents[a][1] + gap < extents[b][0] for a, b in zip(ordered, ordered[1:])):
            return ordered
    return must


def _kept_ticks(count: int, spacing: float, least: float) -> list[int]:
    """Indices of the colour-bar ticks to label: every k-th, k the smallest giving at least ``least`` pixels
    between labels, always with the top one (which replaces its neighbour when they would be too close)."""
    if count <= 1:
        return list(range(count))
    every = 1
    while spacing * every < least and every < count:
        every += 1
    kept = list(range(0, count, every))
    if kept[-1] != count - 1:
        if (count - 1 - kept[-1]) * spacing >= least:
            kept.append(count - 1)
        else:
            kept[-1] = count - 1
    return kept


def paint_colour_bar(painter, layout: DiagramLayout, scene: DiagramScene, theme: Theme, boxes=None) -> None:
    """The colour bar with its ticks and key, and the neuron-fill strip below it: all of it, always.

    The bar gives up height first (down to three lines), then the whole key shrinks to fit its column.
    """
    bar = scene.colour_bar
    rect = layout.legend
    size = font_px(theme)
    line = QtGui.QFontMetricsF(font(theme, size)).height()
    # Lines of text below the bar: the swatches, then the neuron-fill key (title, subtitle, strip, end labels).
    # (Title and subtitle 2.6, gap 1.2, swatches, gap 0.6, fill title and subtitle 1.5, end labels 1; strip 1.8 size.)
    fixed = (2.6 + 1.2 + 1.3 * len(bar.swatches) + 0.6 + 1.5 + 1.0) * line + 1.8 * size + 4
    bar_height = min(max(rect.height * 0.45, 4 * line), rect.height - fixed)
    if bar_height < 3 * line:
        size *= rect.height / (fixed + 3 * line) * 0.97
        line = QtGui.QFontMetricsF(font(theme, size)).height()
        bar_height = 3 * line
    small = font(theme, 0.9 * size)
    metrics = QtGui.QFontMetricsF(font(theme, size))
    x = rect.left + 0.4 * size
    room = rect.right - x
    painter.setPen(theme.color("foreground"))
    painter.setFont(_fitting_font(theme, size, bar.title, room, bold=True))
    _text_at(painter, x, rect.top + metrics.ascent(), bar.title, boxes, "legend")
    painter.setFont(_fitting_font(theme, 0.9 * size, bar.subtitle, room))
    painter.setPen(theme.color("muted"))
    _text_at(painter, x, rect.top + metrics.height() + QtGui.QFontMetricsF(painter.font()).ascent() + 2, bar.subtitle, boxes, "legend")

    top = rect.top + 2.6 * metrics.height()
    bottom = top + bar_height
    bar_width = max(14.0, 1.1 * size)
    gradient = QtGui.QLinearGradient(QtCore.QPointF(0, bottom), QtCore.QPointF(0, top))
    for i, argb in enumerate(bar.stops):
        gradient.setColorAt(i / (len(bar.stops) - 1), qcolor(argb))
    painter.setPen(QtGui.QPen(theme.color("muted"), 1.0))
    painter.setBrush(QtGui.QBrush(gradient))
    painter.drawRect(QtCore.QRectF(x, top, bar_width, bottom - top))
    painter.setBrush(QtCore.Qt.BrushStyle.NoBrush)

    ticks = bar.ticks
    painter.setFont(font(theme, size))
    spacing = (bottom - top) / max(len(ticks) - 1, 1)
    for i in _kept_ticks(len(ticks), spacing, 1.1 * metrics.height()):
        position, label = ticks[i]
        y = bottom - position * (bottom - top)
        painter.setPen(QtGui.QPen(theme.color("foreground"), 1.0))
        painter.drawLine(QtCore.QPointF(x + bar_width, y), QtCore.QPointF(x + bar_width + 5, y))
        _text_at(painter, x + bar_width + 8, y + 0.35 * metrics.ascent(), label, boxes, "tick")

    y = bottom + 1.2 * metrics.height()
    for swatch in bar.swatches:
        pen = QtGui.QPen(qcolor(swatch.argb), max(3.0, 0.25 * size))
        pen.setCapStyle(QtCore.Qt.PenCapStyle.FlatCap)
        if swatch.dashed:
            pen.setDashPattern([2.0, 1.2])
        painter.setPen(pen)
        if swatch.arc:
            path = QtGui.QPainterPath(QtCore.QPointF(x, y + 0.3 * size))
            path.quadTo(QtCore.QPointF(x + 0.9 * size, y - 0.7 * size), QtCore.QPointF(x + 1.8 * size, y + 0.3 * size))
            painter.drawPath(path)
        else:
            painter.drawLine(QtCore.QPointF(x, y), QtCore.QPointF(x + 1.8 * size, y))
        painter.setPen(theme.color("foreground"))
        painter.setFont(_fitting_font(theme, 0.9 * size, swatch.label, rect.right - x - 2.2 * size))
        _text_at(painter, x + 2.2 * size, y + 0.35 * metrics.ascent(), swatch.label, boxes, "legend")
        y += 1.3 * metrics.height()

    # Neuron fill: f'(z) relative to its maximum, so saturation shows as dark.
    y += 0.6 * metrics.height()
    painter.setFont(font(theme, size, bold=True))
    painter.setPen(theme.color("foreground"))
    _text_at(painter, x, y, "neuron fill", boxes, "legend")
    painter.setFont(small)
    painter.setPen(theme.color("muted"))
    _text_at(painter, x, y + metrics.height(), "f′(z) / max f′", boxes, "legend")
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
    _text_at(painter, x, y, "0 saturated", boxes, "legend")
    right = "1"
    _text_at(painter, x + strip_width - QtGui.QFontMetricsF(small).horizontalAdvance(right), y, right, boxes, "legend")


def paint_caption(painter, layout: DiagramLayout, scene: DiagramScene, theme: Theme, notes=(), boxes=None) -> None:
    """Under the diagram: where the pass stands and the loss, then, in up to two lines, what the numbers are.

    ``notes`` are the parts of the notes' lines (what the numbers on neurons and edges are, how to see hidden
    ones), on one line where they fit, else split in two. A caption too long for the width even at
    :data:`CAPTION_LEAST_SCALE` of its size puts its loss on the notes' lines; any line still too long
    shrinks to fit rather than be cut.
    """
    rect = layout.caption
    first = QtCore.QRectF(rect.left, rect.top, rect.width, 1.35 * layout.title_px)
    title, parts = scene.caption, [n for n in notes if n]
    full = QtGui.QFontMetricsF(font(theme, title_px(theme), bold=True)).horizontalAdvance(title)
    if full * CAPTION_LEAST_SCALE > rect.width and CAPTION_SEPARATOR in title:
        # Too long to shrink legibly: the loss moves down to the notes' lines.
        title, rest = title.split(CAPTION_SEPARATOR, 1)
        parts.insert(0, rest)
    painter.setFont(_fitting_font(theme, title_px(theme), title, rect.width, bold=True))
    painter.setPen(theme.color("foreground"))
    flags = QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignVCenter
    _text_in(painter, first, flags, title, boxes, "caption")
    if not parts:
        return
    advance = QtGui.QFontMetricsF(font(theme, font_px(theme))).horizontalAdvance
    # As few lines as fit, else the split into the room's lines whose longest line is the shortest.
    join = CAPTION_SEPARATOR.join
    slots = max(1, int((rect.bottom - first.bottom()) // (1.25 * font_px(theme))))
    splits = []
    for cuts in itertools.chain.from_iterable(itertools.combinations(range(1, len(parts)), k) for k in range(min(slots, len(parts)))):
        bounds = (0, *cuts, len(parts))
        splits.append([join(parts[a:b]) for a, b in zip(bounds, bounds[1:])])
    fitting = [lines for lines in splits if max(advance(t) for t in lines) <= rect.width]
    lines = min(fitting, key=len) if fitting else min(splits, key=lambda lines: max(advance(t) for t in lines))
    line_height = (rect.bottom - first.bottom()) / max(slots, len(lines))
    painter.setPen(theme.color("muted"))
    for i, text in enumerate(lines):
        painter.setFont(_fitting_font(theme, font_px(theme), text, rect.width))
        box = QtCore.QRectF(rect.left, first.bottom() + i * line_height, rect.width, line_height)
        _text_in(painter, box, flags, text, boxes, "caption")


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


def paint_labels_and_overlays(
    painter, layout: DiagramLayout, scene: DiagramScene, theme: Theme, selection=None, pulse_t: float | None = None, boxes=None
) -> None:
    """Everything drawn over the edges and neurons, in order; each text's box is appended to ``boxes``."""
    drawn, hidden = paint_node_text(painter, layout, scene, theme, boxes)
    paint_ellipses(painter, layout, scene, theme, boxes)
    paint_direction(painter, layout, scene, theme)
    paint_selection(painter, layout, scene, theme, selection)
    labelled = paint_edge_labels(painter, layout, scene, theme, boxes)
    paint_layer_labels(painter, layout, scene, theme, boxes)
    paint_colour_bar(painter, layout, scene, theme, boxes)
    notes = (scene.node_note if drawn else "", scene.edge_note if labelled else "", HIDDEN_VALUES_HINT if hidden else "")
    paint_caption(painter, layout, scene, theme, notes, boxes)
    if pulse_t is not None:
        paint_pulse(painter, layout, scene, theme, pulse_t)
