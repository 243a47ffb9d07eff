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
from .labels import (
    EDGE_VALUES_HINT,
    caption_parts,
    caption_title_advance,
    caption_title_box,
    direction_rects,
    layer_label_plan,
    node_value_plan,
    output_label_boxes,
    paint_caption,
    paint_caption_notes,
    paint_caption_title,
    paint_edge_labels,
    paint_ellipses,
    paint_layer_labels,
    paint_node_text,
    paint_output_labels,
    paint_values,
)
from .layout import DiagramLayout, Rect, font_px, kept_for_layout, selection_ring, title_px, vector_edge_width
from .legend import paint_colour_bar, paint_colour_strip
from .raster import IdRaster, blend
from .scene import HIDDEN_VALUES_HINT, DiagramScene, pack_color
from .text import TextBox, font, qcolor, text_boxes_of  # noqa: F401  (the view reads them from here)

#: An exactly zero gradient is drawn dashed, this fraction of a live edge's width (and at least this many px).
ZERO_EDGE_WIDTH = 0.6
ZERO_EDGE_MIN_PX = 2.0
#: Opacity of the band behind the layer being computed.
HIGHLIGHT_ALPHA = 0.18
#: Pixels an image of the caption's first line reaches past its text on each side (antialiasing, a glyph's overhang).
CAPTION_IMAGE_MARGIN = 8
#: Images of a weight layer's edges kept on screen (its state before and after its gradient, and one more).
EDGE_TILES_PER_LAYER = 3
#: Images of a layer's neurons kept on screen (before and after its values change, and one more).
NODE_TILES_PER_LAYER = 3
#: Most edges that carry a pulse dot during an animation (a sample of the layer's edges beyond that).
MAX_PULSE_EDGES = 400

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


def paint_band(painter, layout: DiagramLayout, scene: DiagramScene, theme: Theme, on_background: bool = False) -> None:
    """The translucent band behind the layer being computed; ``on_background``: drawn straight on the theme's
    background, as the same colour made opaque (filling without blending is several times faster)."""
    if scene.highlight is None:
        return
    colour = band_colour(theme)
    if on_background:
        under = theme.color("background")
        a = colour.alphaF()
        colour = QtGui.QColor.fromRgbF(*(a * c + (1 - a) * u for c, u in zip(colour.getRgbF()[:3], under.getRgbF()[:3])))
    painter.fillRect(_band_rect(layout, scene.highlight), colour)


class CachedPaint:
    """A part of the diagram that changes seldom (the colour bar, the layer labels) drawn once into an image
    and reused while its key stays the same; its texts are recorded each time as if drawn."""

    #: Images kept (colour bars).
    KEPT = 24
    #: Images of caption lines kept: each step's first line of a pass through a network of 30 layers, and
    #: the notes' few.
    CAPTIONS_KEPT = 64
    #: Images of single layer labels kept: each layer's, plain and bold, for networks as deep as the largest.
    LABELS_KEPT = 256
    #: Images of single skip arcs kept: each arc's few colours in a pass, for a network of 30 skips.
    ARCS_KEPT = 96

    def __init__(self, kept: int = KEPT):
        self._images: dict = {}
        self._kept = kept

    def __repr__(self):
        return f"CachedPaint({len(self._images)} images)"

    def clear(self) -> None:
        self._images.clear()

    def paint(self, painter, key, rect: QtCore.QRectF, device_scale: float, draw, boxes) -> None:
        """Draw ``draw(painter, records)`` (which paints inside ``rect``) through the cache."""
        key = (key, rect.left(), rect.top(), rect.width(), rect.height(), device_scale)
        hit = self._images.get(key)
        if hit is None:
            image, tile = _new_tile(rect.left(), rect.top(), rect.right(), rect.bottom(), device_scale)
            records: list = []
            draw(tile, records)
            tile.end()
            if len(self._images) >= self._kept:
                self._images.clear()
            hit = self._images[key] = (image, rect.topLeft(), records)
        image, origin, records = hit
        painter.drawImage(origin, image)
        if boxes is not None:
            transform = painter.transform()
            boxes.extend((r[0], transform, *r[2:]) for r in records)


def paint_band_outline(painter, layout: DiagramLayout, scene: DiagramScene, theme: Theme) -> None:
    """The band's outline, on top of edges dense enough to hide the band itself."""
    if scene.highlight is not None:
        painter.setPen(QtGui.QPen(theme.color("highlight"), 2.0))
        painter.setBrush(QtCore.Qt.BrushStyle.NoBrush)
        painter.drawRect(_band_rect(layout, scene.highlight))


def paint_edges_vector(painter, layout: DiagramLayout, scene: DiagramScene, theme: Theme, edge_argb=None, lo: int = 0, hi: int | None = None) -> None:
    """Edges ``lo:hi`` as antialiased lines, a colour at a time, strongest gradients on top.

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
    x0, y0, x1, y1, lines = _edge_lines(layout, lo, hi)
    # Two pens, recoloured group by group, and a lone edge drawn with drawLine: a new QPen and a list per
    # group cost a seventh of a small layer's time (deep-sigmoid's layer 3, 64 edges in 19 colours: 1.27 ms
    # that way, 1.09 ms this way).
    live = QtGui.QPen(QtGui.QColor(), width)
    live.setCapStyle(QtCore.Qt.PenCapStyle.FlatCap)
    # Thinner than a live edge: a layer of dead ReLUs is clearly marked without drowning the rest.
    dead = QtGui.QPen(QtGui.QColor(), max(ZERO_EDGE_MIN_PX, ZERO_EDGE_WIDTH * width))
    dead.setCapStyle(QtCore.Qt.PenCapStyle.FlatCap)
    dead.setDashPattern([3.0, 2.0])
    order, starts, ends, colours, dashed = order.tolist(), starts.tolist(), ends.tolist(), argb.tolist(), dashed.tolist()
    line = QtCore.QLineF
    for g in np.argsort(group_rank, kind="stable").tolist():
        members = order[starts[g] : ends[g]]
        first = members[0]
        pen = dead if dashed[first] else live
        pen.setColor(qcolor(colours[first]))
        painter.setPen(pen)
        if pen is dead:
            # Each half runs outwards from the midpoint, so a dash always sits on the middle; they overlap by
            # a pixel either side of the middle, so antialiasing leaves no seam there.
            halves = ([], [])
            for i in members:
                dx, dy = x1[i] - x0[i], y1[i] - y0[i]
                length = max(math.hypot(dx, dy), 1e-9)
                ux, uy = dx / length, dy / length
                mx, my = (x0[i] + x1[i]) / 2, (y0[i] + y1[i]) / 2
                halves[0].append(line(mx + ux, my + uy, x0[i], y0[i]))
                halves[1].append(line(mx - ux, my - uy, x1[i], y1[i]))
            painter.drawLines(halves[0] + halves[1])
        elif len(members) == 1:
            painter.drawLine(lines[first])
        else:
            painter.drawLines([lines[i] for i in members])


#: A diagram of at most this many shown edges keeps their lines with its layout (about 1 MB at most); a larger
#: one (drawn as vectors only in an export) makes each layer's anew.
KEPT_LINES = 8192


def _edge_lines(layout: DiagramLayout, lo: int, hi: int) -> tuple[list, list, list, list, list]:
    """The ends of edges ``lo:hi`` (x0, y0, x1, y1 as lists) and each edge as a QLineF: worked out once per
    layout of up to :data:`KEPT_LINES` edges, as each new colouring of a layer draws them again."""

    def work():
        ends = [v[lo:hi].tolist() for v in (layout.ex0, layout.ey0, layout.ex1, layout.ey1)]
        return (*ends, list(map(QtCore.QLineF, *ends)))

    return work() if layout.edge_count > KEPT_LINES else kept_for_layout(layout, "edge lines", (lo, hi), 1024, work)


def _new_tile(left: float, top: float, right: float, bottom: float, device_scale: float) -> tuple[QtGui.QImage, QtGui.QPainter]:
    """A transparent image of the diagram's ``left..right`` x ``top..bottom`` at ``device_scale``, and an
    antialiasing painter on it in the diagram's coordinates (the caller ends it)."""
    image = QtGui.QImage(
        max(1, math.ceil((right - left) * device_scale)), max(1, math.ceil((bottom - top) * device_scale)),
        QtGui.QImage.Format.Format_ARGB32_Premultiplied,
    )
    image.setDevicePixelRatio(device_scale)
    image.fill(0)
    painter = QtGui.QPainter(image)
    painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
    painter.setRenderHint(QtGui.QPainter.RenderHint.TextAntialiasing, True)
    painter.translate(-left, -top)
    return image, painter


def _edge_tile_boxes(layout: DiagramLayout, theme: Theme) -> tuple:
    """Each weight layer's (layer, lo, hi, left, top, right, bottom): its edges ``lo:hi`` and the box of its
    image, with room for the pen. Worked out once per layout, not per frame."""

    def work():
        margin = vector_edge_width(layout, theme) + 2
        top, bottom = float(layout.ys_min) - margin, float(layout.ys_max) + margin
        return tuple(
            (l, int(layout.edge_offsets[l - 1]), int(layout.edge_offsets[l]), float(layout.x[l - 1]) - margin, top, float(layout.x[l]) + margin, bottom)
            for l in range(1, layout.depth + 1)
        )

    return kept_for_layout(layout, "edge tile boxes", theme.edge_width, 4, work)


def _node_tile_boxes(layout: DiagramLayout) -> tuple:
    """Each layer with neurons shown: (layer, lo, hi, left, top, right, bottom), its neurons ``lo:hi`` and the
    box of its image, with room for the outline. Worked out once per layout, not per frame."""

    def work():
        boxes = []
        for l in range(layout.depth + 1):
            lo, hi = int(layout.node_offsets[l]), int(layout.node_offsets[l + 1])
            if hi > lo:
                margin = layout.radii[l] + 0.1 * layout.radius + 2
                x = float(layout.x[l])
                boxes.append((l, lo, hi, x - margin, float(layout.ys[l].min()) - margin, x + margin, float(layout.ys[l].max()) + margin))
        return tuple(boxes)

    return kept_for_layout(layout, "node tile boxes", None, 1, work)


class EdgeTiles:
    """Each weight layer's edges drawn once into an image, reused on screen until their colours change."""

    def __init__(self):
        self._tiles: dict = {}

    def __repr__(self):
        return f"EdgeTiles({len(self._tiles)} layers)"

    def clear(self) -> None:
        self._tiles.clear()

    def paint(self, painter, layout: DiagramLayout, scene: DiagramScene, theme: Theme, edge_argb, device_scale: float, layout_key) -> None:
        for layer, lo, hi, left, top, right, bottom in _edge_tile_boxes(layout, theme):
            key = (layout_key, device_scale, edge_argb[lo:hi].tobytes(), scene.edge_dashed[lo:hi].tobytes())
            # A few images per layer: stepping back and forth through a pass finds each state's edges drawn.
            kept = self._tiles.setdefault(layer, {})
            image = kept.pop(key, None)
            if image is None:
                image, tile_painter = _new_tile(left, top, right, bottom, device_scale)
                paint_edges_vector(tile_painter, layout, scene, theme, edge_argb, lo, hi)
                tile_painter.end()
                while len(kept) >= EDGE_TILES_PER_LAYER:
                    del kept[next(iter(kept))]  # the least recently used
            kept[key] = image
            painter.drawImage(QtCore.QPointF(left, top), image)
        for layer in [l for l in self._tiles if l > layout.depth]:
            del self._tiles[layer]


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


def paint_nodes(painter, layout: DiagramLayout, scene: DiagramScene, theme: Theme, lo: int = 0, hi: int | None = None) -> None:
    """Every shown neuron (or those ``lo:hi``), filled with its colour and outlined."""
    outline = QtGui.QPen(theme.color("node_outline"), max(1.0, 0.1 * layout.radius))
    painter.setPen(outline)
    last = None
    hi = len(layout.node_x) if hi is None else hi
    rows = zip(layout.node_x[lo:hi].tolist(), layout.node_y[lo:hi].tolist(), layout.node_r[lo:hi].tolist(), scene.node_argb[lo:hi].tolist())
    for x, y, r, argb in rows:
        if argb != last:
            painter.setBrush(qcolor(argb))
            last = argb
        painter.drawEllipse(QtCore.QPointF(x, y), r, r)
    painter.setBrush(QtCore.Qt.BrushStyle.NoBrush)


class NodeTiles:
    """Each layer's neurons, with the numbers inside them, drawn once into an image and reused on screen until
    their colours or numbers change (antialiased circles and text are the costly part of a small network's frame)."""

    def __init__(self):
        self._tiles: dict = {}

    def __repr__(self):
        return f"NodeTiles({len(self._tiles)} layers)"

    def clear(self) -> None:
        self._tiles.clear()

    def paint(self, painter, layout: DiagramLayout, scene: DiagramScene, theme: Theme, device_scale: float, layout_key, boxes=None) -> None:
        """Draw each layer's image (drawing those not kept); the numbers in them are appended to ``boxes``."""
        inside = {v.layer: v for v in node_value_plan(layout, scene, theme)[0] if v.inside}
        tiles = {}
        for layer, lo, hi, left, top, right, bottom in _node_tile_boxes(layout):
            values = inside.get(layer)
            key = (layout_key, device_scale, theme.name, scene.node_argb[lo:hi].tobytes(), None if values is None else (values.texts, values.px))
            # A few images per layer, as for the edges: each state of a pass stepped through finds its neurons drawn.
            kept = self._tiles.get(layer, {})
            hit = kept.pop(key, None)
            if hit is None:
                image, tile_painter = _new_tile(left, top, right, bottom, device_scale)
                paint_nodes(tile_painter, layout, scene, theme, lo, hi)
                records: list = []
                if values is not None:
                    paint_values(tile_painter, layout, scene, theme, values, records)
                tile_painter.end()
                hit = (image, records)
                while len(kept) >= NODE_TILES_PER_LAYER:
                    del kept[next(iter(kept))]  # the least recently used
            kept[key] = hit
            tiles[layer] = kept
            painter.drawImage(QtCore.QPointF(left, top), hit[0])
            if boxes is not None and hit[1]:
                # Recorded in the layout's coordinates: the screen painter's transform places them.
                transform = painter.transform()
                boxes.extend((r[0], transform, *r[2:]) for r in hit[1])
        self._tiles = tiles


def _skip_arc_width(layout: DiagramLayout, theme: Theme) -> float:
    return max(3.0, 1.2 * vector_edge_width(layout, theme))


def _skip_arc_rects(layout: DiagramLayout, theme: Theme) -> tuple[dict, QtCore.QRectF]:
    """Each skip arc's box (by the layer it skips) and the box of them all, with room for the pen: worked
    out once per layout."""

    def work():
        margin = _skip_arc_width(layout, theme) / 2 + 2
        rects, whole = {}, QtCore.QRectF()
        for layer, points in zip(layout.skip_layers, layout.arc_points):
            (left, top), (right, bottom) = points.min(axis=0) - margin, points.max(axis=0) + margin
            rects[layer] = QtCore.QRectF(float(left), float(top), float(right - left), float(bottom - top))
            whole = rects[layer] if whole.isNull() else whole.united(rects[layer])
        return rects, whole

    return kept_for_layout(layout, "skip arc rects", theme.name, 4, work)


def paint_skip_arcs_cached(painter, layout: DiagramLayout, scene: DiagramScene, theme: Theme, caches, device_scale: float) -> None:
    """:func:`paint_skip_arcs` through ``caches``, two :class:`CachedPaint`: antialiased wide curves cost more
    than blitting images. The first holds all the arcs in one image, the second each arc's image. A step of
    the backward pass recolours one arc: only that one is drawn anew, and the others' images make the new
    whole (one image for the screen to copy, not one per arc)."""
    if not scene.skip_layers or not layout.arc_ends:
        return
    whole_cache, arc_cache = caches
    rects, whole = _skip_arc_rects(layout, theme)
    arcs = [(layer, argb, rects[layer]) for layer, argb in zip(scene.skip_layers, scene.skip_argb) if layer in rects]
    if not arcs:
        return

    def draw_all(tile, _records) -> None:
        for layer, argb, rect in arcs:
            key = ("skip arc", id(layout), layer, argb, theme.name)
            arc_cache.paint(tile, key, rect, device_scale, lambda p, r, layer=layer: paint_skip_arcs(p, layout, scene, theme, only=layer), None)

    whole_cache.paint(painter, ("skip arcs", id(layout), scene.skip_layers, scene.skip_argb, theme.name), whole, device_scale, draw_all, None)


def paint_skip_arcs(painter, layout: DiagramLayout, scene: DiagramScene, theme: Theme, only: int | None = None) -> None:
    """The skip connections (or the one over layer ``only``), as arcs over the layers they skip, coloured by
    the gradient through them."""
    if not scene.skip_layers:
        return
    width = _skip_arc_width(layout, theme)
    for layer, argb in zip(scene.skip_layers, scene.skip_argb):
        if layer not in layout.skip_layers or only not in (None, layer):
            continue
        x0, y0, x1, y1, control = layout.arc_ends[layout.skip_layers.index(layer)]
        path = QtGui.QPainterPath(QtCore.QPointF(x0, y0))
        path.quadTo(QtCore.QPointF((x0 + x1) / 2, control), QtCore.QPointF(x1, y1))
        pen = QtGui.QPen(qcolor(argb), width)
        pen.setCapStyle(QtCore.Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        painter.setBrush(QtCore.Qt.BrushStyle.NoBrush)
        painter.drawPath(path)


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


def paint_selection(painter, layout: DiagramLayout, scene: DiagramScene, theme: Theme, selection) -> None:
    """A ring round the selected neuron, or a halo round the selected edge."""
    if not selection:
        return
    colour = theme.color("highlight")
    try:
        if selection[0] == "neuron":
            x, y = layout.neuron_xy(selection[1], selection[2])
            r, width = selection_ring(layout.radii[selection[1]])
            painter.setPen(QtGui.QPen(colour, width))
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


def paint_legend(painter, layout: DiagramLayout, scene: DiagramScene, theme: Theme, boxes=None) -> None:
    """The colour bar where the layout puts it (beside or under the diagram; none when it has no place)."""
    if layout.legend_place == "below":
        paint_colour_strip(painter, layout.legend, scene, theme, boxes)
    elif layout.legend_place == "right":
        paint_colour_bar(painter, layout, scene, theme, boxes)


def paint_labels_and_overlays(
    painter, layout: DiagramLayout, scene: DiagramScene, theme: Theme, selection=None, pulse_t: float | None = None, boxes=None,
    numbers_in_nodes_drawn: bool = False, caches=None, device_scale: float = 1.0, desk_hints: bool = True,
) -> None:
    """Everything drawn over the edges and neurons, in order; each text's box is appended to ``boxes``.

    The selection ring comes first, so no label lies under it (and the labels keep clear of where it reaches).
    ``numbers_in_nodes_drawn``: the numbers inside the circles are already in the cached images of the neurons
    (:class:`NodeTiles`, which recorded them in ``boxes`` too).
    ``caches``: three :class:`CachedPaint` (on screen): each single layer label and the direction arrow, the
    colour bar, and the caption's first line and its notes' lines.
    ``desk_hints``: the caption may say how to see values too small to print ("hover or click ..."), which is
    for the person at the mouse; a picture for an audience (an export, presenter mode) leaves it out.
    """
    paint_selection(painter, layout, scene, theme, selection)
    drawn, hidden = paint_node_text(painter, layout, scene, theme, boxes, inside=not numbers_in_nodes_drawn)
    paint_ellipses(painter, layout, scene, theme, boxes)
    if caches is None or scene.highlight is None or scene.highlight == 0:
        paint_direction(painter, layout, scene, theme)
    else:
        # The arrow through the labels' cache (wide antialiased strokes cost more than a copy), in a box on
        # whole pixels so that it lands on the same pixels as drawn directly.
        box = direction_rects(layout)[scene.highlight - 1]
        left, top = math.floor(box.left - 4), math.floor(box.top - 4)
        arrow = QtCore.QRectF(left, top, math.ceil(box.left + box.width + 4) - left, math.ceil(box.top + box.height + 4) - top)
        key = ("direction", id(layout), scene.highlight, scene.direction, theme.name)
        caches[0].paint(painter, key, arrow, device_scale, lambda p, r: paint_direction(p, layout, scene, theme), None)
    taken = [Rect(r.left(), r.top(), r.width(), r.height()) for v in node_value_plan(layout, scene, theme)[0] if not v.inside for r in v.rects]
    outputs = output_label_boxes(layout, scene, theme, taken + direction_rects(layout))
    if outputs:
        paint_output_labels(painter, layout, scene, theme, outputs, boxes)
    edge_note = paint_edge_labels(painter, layout, scene, theme, boxes, taken=tuple(taken + (outputs or [])))
    if not desk_hints and edge_note == EDGE_VALUES_HINT:
        edge_note = ""
    if caches is None:
        paint_layer_labels(painter, layout, scene, theme, boxes)
        paint_legend(painter, layout, scene, theme, boxes)
    else:
        label_cache, legend_cache, caption_cache = caches
        top = max(layout.label_y - 3 * layout.font_px, 0.0)
        # One image per label, copied to the screen: a step that moves the highlight draws only the label
        # turning bold (an image of them all would be made anew at each step of a pass's first showing).
        chosen, extents, levels, level = layer_label_plan(layout, scene, theme)
        for l in chosen:
            rect = QtCore.QRectF(extents[l][0] - 8, top, extents[l][1] - extents[l][0] + 16, layout.band_top - top)
            key = ("layer label", id(layout), l, tuple(levels[l][level]), scene.highlight == l, theme.name)
            draw = lambda p, r, l=l: paint_layer_labels(p, layout, scene, theme, r, only=l)  # noqa: E731
            label_cache.paint(painter, key, rect, device_scale, draw, boxes)
        if layout.legend_place != "none":
            legend = layout.legend
            legend_rect = QtCore.QRectF(legend.left - 4, legend.top - 4, legend.width + 8, legend.height + 8)
            legend_key = ("legend", id(layout), scene.colour_bar, theme.name)
            legend_cache.paint(painter, legend_key, legend_rect, device_scale, lambda p, r: paint_legend(p, layout, scene, theme, r), boxes)
    # On the caption, the prediction against the target (the loss is on the caption's first line already).
    output_note = " · ".join(t.split("\n")[0] for t in scene.output_text) if outputs is None and scene.output_text else ""
    notes = (output_note, *(scene.node_note if drawn else ()), edge_note, HIDDEN_VALUES_HINT if hidden and desk_hints else "")
    if caches is None:
        paint_caption(painter, layout, scene, theme, notes, boxes)
    else:
        # The first line and the notes' lines in images of their own: a step changes the first line (where the
        # pass stands), seldom the notes. The first line's image is as wide as its text.
        room = layout.caption
        title, parts = caption_parts(layout, scene, theme, notes)
        first = caption_title_box(layout)
        width = caption_title_advance(layout, theme, title) + 2 * CAPTION_IMAGE_MARGIN
        title_rect = QtCore.QRectF(room.left - 4, room.top - 4, width, first.height() + 8)
        title_key = ("caption title", id(layout), title, theme.name)
        caption_cache.paint(painter, title_key, title_rect, device_scale, lambda p, r: paint_caption_title(p, layout, theme, title, r), boxes)
        if parts:
            notes_rect = QtCore.QRectF(room.left - 4, first.bottom() - 4, room.width + 8, room.bottom - first.bottom() + 8)
            notes_key = ("caption notes", id(layout), parts, theme.name)
            caption_cache.paint(painter, notes_key, notes_rect, device_scale, lambda p, r: paint_caption_notes(p, layout, theme, parts, r), boxes)
    if pulse_t is not None:
        paint_pulse(painter, layout, scene, theme, pulse_t)
