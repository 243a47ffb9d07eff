"""Geometry of the network diagram: where every layer, neuron, edge, label and the colour bar go (pure NumPy).

Shared by the screen and export paths; the picture's size and the theme's font and neuron sizes are its inputs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: Layers wider than this draw only a representative subset of their neurons (statistics use all).
MAX_SHOWN_UNITS = 64
#: ... namely the first this many and the last ``MAX_SHOWN_UNITS - 1 - SUBSET_HEAD`` (one slot is the ellipsis).
SUBSET_HEAD = 31
#: Layers up to this wide print each neuron's value on it.
MAX_LABELLED_UNITS = 12
#: Points a skip arc is sampled at for hit tests.
ARC_SAMPLES = 25
#: Clear space (pixels) kept between an edge's value label and any neuron, label or other label.
LABEL_MARGIN = 2.0
#: Where along its edge (0 = the source end) a value label may sit, in order of preference: the middle
#: first, then staggered out towards the ends, so the labels of a fan of edges do not sit on each other.
LABEL_POSITIONS = (0.5, 0.38, 0.62, 0.28, 0.72, 0.44, 0.56, 0.2, 0.8, 0.33, 0.67, 0.24, 0.76, 0.15, 0.85, 0.41, 0.59, 0.47, 0.53, 0.12, 0.88)
#: Rows of places a value label may take beside its edge (the first touching the line, then further out).
LABEL_ROWS = 6
#: The width an edge's value label is laid out for, in label-font pixels ("−0.000424" and its box's padding).
EDGE_LABEL_EMS = 5.8
#: About how many title-font pixels wide the caption's first line runs ("Backward: layer 10 of 11 · loss 0.833933").
CAPTION_EMS = 19.0
#: The smallest text on the diagram, in pixels as drawn on a 1280 x 720 screen (issue 17: read from the back
#: of a lecture hall it is the least that stays legible; the slides theme asks 18).
LEAST_TEXT_PX = 14.0
#: Pixels between a selected neuron's rim and its selection ring.
SELECTION_RING_GAP = 4.0
#: Points to pixels at the 96 dpi the layout is designed for (fonts are set in pixels so any device scales alike).
PX_PER_PT = 96.0 / 72.0


def shown_units(width: int) -> tuple[np.ndarray, int]:
    """Indices of the neurons drawn for a layer of ``width`` and how many are hidden behind the ellipsis."""
    if width <= MAX_SHOWN_UNITS:
        return np.arange(width), 0
    tail = MAX_SHOWN_UNITS - 1 - SUBSET_HEAD
    return np.concatenate([np.arange(SUBSET_HEAD), np.arange(width - tail, width)]), width - SUBSET_HEAD - tail


@dataclass(frozen=True)
class Rect:
    left: float
    top: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.left + self.width

    @property
    def bottom(self) -> float:
        return self.top + self.height


class DiagramLayout:
    """Where everything of a network of ``widths`` goes in a ``width`` x ``height`` picture.

    Layers run left to right; layer ``l`` (0 = input) sits at ``x[l]``. Every array holds the *shown*
    neurons and edges only; ``shown[l]`` maps shown slots back to the real unit indices.
    """

    def __init__(
        self, widths, width: float, height: float, font_px: float, title_px: float, node_radius: float, skips=(),
        edge_label_width: float = 0.0, legend: str = "right", swatches: int = 3, label_lines: int = 2,
    ):
        self.widths = tuple(int(w) for w in widths)
        self.size = (float(width), float(height))
        self.font_px = font_px
        self.title_px = title_px
        depth = len(self.widths) - 1
        self.depth = depth
        #: Layers whose skip connection is drawn as an arc over them.
        self.skip_layers = tuple(int(l) for l in skips)

        if legend not in LEGEND_PLACES:
            raise ValueError(f"unknown place of the colour bar {legend!r}; choose one of {', '.join(LEGEND_PLACES)}")
        #: Where the colour bar goes: "right" of the diagram, "below" it (a strip, :func:`legend_strip_lines`
        #: high) or "none" (a picture that draws one colour bar for several diagrams).
        self.legend_place = legend
        self.legend_below = legend == "below"
        legend_width = max(12.0 * font_px, 130.0) if legend == "right" else 0.0
        # Room for the layer labels over the band: two lines ("layer 3" over "sigmoid"), or one where every label
        # drawn is one line ("layer 3 · sigmoid", or bare numbers), which gives the neurons that much more height.
        top = (1.2 * label_lines + 0.6) * font_px + 8
        # Room above the neurons for the skip arcs, under the layer labels.
        arc_room = max(1.6 * font_px, 20.0) if self.skip_layers else 0.0
        # Caption lines: where the pass stands (title font), what the numbers are (label font, two lines; three
        # in a picture too narrow for the caption's usual length, which then breaks the first line).
        left_pad = 0.4 * font_px + 12
        narrow = width - legend_width - left_pad - 10 < CAPTION_EMS * title_px
        bottom = 1.35 * title_px + (3 if narrow else 2) * 1.3 * font_px + 14
        if legend == "none":
            self.legend = Rect(width, 0.0, 0.0, 0.0)
        elif legend == "below":
            strip = legend_strip_lines(width - left_pad - 8, font_px, swatches) * LINE_EMS * font_px + 8
            self.legend = Rect(left_pad, height - bottom - strip, max(width - left_pad - 8, 40.0), strip)
            bottom += strip
        else:
            # The colour bar's column runs the whole height, so its key never runs short of room.
            self.legend = Rect(width - legend_width, 8.0, legend_width - 8, max(height - 16.0, 40.0))
        area = Rect(left_pad, top + arc_room, max(width - legend_width - left_pad - 10, 40.0), max(height - top - arc_room - bottom, 40.0))
        caption_height = bottom - (self.legend.height if self.legend_below else 0.0)
        self.caption = Rect(left_pad, height - caption_height + 4, max(area.width, 40.0), caption_height - 8)

        self.shown, self.hidden = [], []
        for w in self.widths:
            units, hidden = shown_units(w)
            self.shown.append(units)
            self.hidden.append(hidden)
        slots = [len(u) + (1 if h else 0) for u, h in zip(self.shown, self.hidden)]

        # Neurons sit in slots; both gaps are capped so a tiny network does not sprawl across a big window.
        # Narrow layers spread out too (up to a cap), so their neurons are big enough to carry their values.
        gap = min(area.width / max(depth, 1), 20.0 * node_radius)
        # The neurons keep clear of the band's top margin and of the direction arrow's row at its bottom.
        column_top, column_bottom = area.top + 0.8 * font_px, area.bottom - 2.0 * font_px
        column = max(column_bottom - column_top, 20.0)
        self.spacings = [min(column / max(n, 1), 4.0 * node_radius) for n in slots]
        # Edges that carry their value leave room between the neurons for a label of ``edge_label_width``.
        room = 0.5 * (gap - edge_label_width) - 3 * LABEL_MARGIN if edge_label_width else math.inf
        cap = max(min(0.27 * gap, room), 0.12 * gap)
        self.radii = [float(max(min(1.7 * node_radius, 0.4 * sp, cap), 1.5)) for sp in self.spacings]
        self.radius = max(self.radii)
        span = gap * depth
        x0 = area.left + (area.width - span) / 2 + self.radius
        gap = (span - 2 * self.radius) / max(depth, 1) if depth else 0.0
        self.gap = gap
        self.x = np.floor(x0 + gap * np.arange(depth + 1)) + 0.5
        centre_y = column_top + column / 2
        self.area = area

        self.ys: list[np.ndarray] = []
        self.ellipsis_y: list[float | None] = []
        for layer, units in enumerate(self.shown):
            n = slots[layer]
            slot_y = np.floor(centre_y + self.spacings[layer] * (np.arange(n) - (n - 1) / 2)) + 0.5
            if self.hidden[layer]:
                self.ellipsis_y.append(float(slot_y[SUBSET_HEAD]))
                slot_y = np.delete(slot_y, SUBSET_HEAD)
            else:
                self.ellipsis_y.append(None)
            self.ys.append(slot_y)

        # Bands tile the x axis: band l runs from just right of layer l-1's neurons to just right of layer l's.
        pad = max(3.0, 0.06 * gap)
        bounds = [area.left - 4]
        bounds += [float(x) + r + pad for x, r in zip(self.x[:-1], self.radii[:-1])]
        bounds += [max(float(self.x[-1]) + self.radii[-1] + pad, area.right)]
        self.band_x = np.array(bounds)
        half = max(sp * (n - 1) / 2 + r for sp, n, r in zip(self.spacings, slots, self.radii))
        # Edge labels may sit a row above the top neurons, under the layer labels; the output's prediction and
        # target two rows above the output neurons.
        label_row = 1.8 * font_px if edge_label_width else 0.0
        output_rows = 2.4 * font_px + 8 if self.widths[-1] <= MAX_LABELLED_UNITS else 0.0
        # A narrow layer's numbers may sit in a box under each neuron, above the direction arrow's row.
        value_row = 1.5 * font_px + 8 if min(self.widths) <= MAX_LABELLED_UNITS else 0.0
        self.band_top = max(area.top, centre_y - half - 0.8 * font_px - max(label_row, output_rows))
        self.band_bottom = min(area.bottom, centre_y + half + 2.0 * font_px + value_row)

        # Skip arcs: a quadratic curve from the top of layer l-1's column to the top of layer l's, rising over
        # the edges of layer l. ``arc_points[i]`` samples arc i for hit tests.
        self.arc_ends: list[tuple[float, float, float, float, float]] = []
        self.arc_points: list[np.ndarray] = []
        for l in self.skip_layers:
            x0, x1 = float(self.x[l - 1]), float(self.x[l])
            y0 = float(self.ys[l - 1][0]) - self.radii[l - 1]
            y1 = float(self.ys[l][0]) - self.radii[l]
            apex = min(y0, y1) - 0.8 * arc_room
            control = 2 * apex - (y0 + y1) / 2  # a quadratic's middle sits halfway to its control point
            self.arc_ends.append((x0, y0, x1, y1, control))
            t = np.linspace(0.0, 1.0, ARC_SAMPLES)[:, None]
            p0, p1, p2 = np.array([x0, y0]), np.array([(x0 + x1) / 2, control]), np.array([x1, y1])
            self.arc_points.append((1 - t) ** 2 * p0 + 2 * (1 - t) * t * p1 + t**2 * p2)
        if self.arc_points:
            self.band_top = min(self.band_top, min(float(p[:, 1].min()) for p in self.arc_points) - 4)
        self.label_y = self.band_top - 0.4 * font_px

        # Nodes.
        self.node_offsets = np.cumsum([0] + [len(u) for u in self.shown])
        self.node_x = np.concatenate([np.full(len(u), self.x[l]) for l, u in enumerate(self.shown)])
        self.node_y = np.concatenate(self.ys)
        self.node_r = np.concatenate([np.full(len(u), self.radii[l]) for l, u in enumerate(self.shown)])
        #: How far each neuron's selection ring reaches: no label comes nearer, so the ring never covers one.
        self.node_reach = ring_reach(self.node_r)
        self.ys_min, self.ys_max = float(self.node_y.min()), float(self.node_y.max())

        # Edges of weight layer l (1..L): to-major over the shown neurons, as W[to, from] ravels.
        x0s, y0s, x1s, y1s, counts = [], [], [], [], [0]
        for layer in range(1, depth + 1):
            y_from, y_to = self.ys[layer - 1], self.ys[layer]
            yy_to, yy_from = np.meshgrid(y_to, y_from, indexing="ij")
            x0s.append(np.full(yy_to.size, self.x[layer - 1]))
            x1s.append(np.full(yy_to.size, self.x[layer]))
            y0s.append(yy_from.ravel())
            y1s.append(yy_to.ravel())
            counts.append(yy_to.size)
        cat = (lambda parts: np.concatenate(parts) if parts else np.zeros(0))
        self.ex0, self.ey0, self.ex1, self.ey1 = cat(x0s), cat(y0s), cat(x1s), cat(y1s)
        self.edge_offsets = np.cumsum(counts)
        self.edge_count = int(self.edge_offsets[-1])
        self.edge_layer = np.repeat(np.arange(1, depth + 1), counts[1:]) if depth else np.zeros(0, int)
        self._label_memo: dict = {}
        #: Painters' memos of what depends only on this layout and a few scene facts (layer label forms).
        self.memo: dict = {}

    # ------------------------------------------------------------------ look-ups

    def slot(self, layer: int, unit: int) -> int | None:
        """The shown slot of real ``unit`` in ``layer``, or None when it hides behind the ellipsis."""
        if not 0 <= layer <= self.depth or not 0 <= unit < self.widths[layer]:
            raise IndexError(f"no neuron {unit} in layer {layer} of a network of widths {list(self.widths)}")
        hits = np.flatnonzero(self.shown[layer] == unit)
        return int(hits[0]) if hits.size else None

    def neuron_xy(self, layer: int, unit: int) -> tuple[float, float]:
        slot = self.slot(layer, unit)
        if slot is None:
            raise ValueError(f"neuron {unit} of layer {layer} is not drawn (it is behind the ellipsis)")
        return float(self.x[layer]), float(self.ys[layer][slot])

    def edge_index(self, layer: int, to_unit: int, from_unit: int) -> int:
        """Index of a shown edge in the edge arrays."""
        if not 1 <= layer <= self.depth:
            raise IndexError(f"no weight layer {layer}; they are 1..{self.depth}")
        to_slot, from_slot = self.slot(layer, to_unit), self.slot(layer - 1, from_unit)
        if to_slot is None or from_slot is None:
            raise ValueError(f"edge {layer}:{to_unit}<-{from_unit} is not drawn (an end is behind the ellipsis)")
        return int(self.edge_offsets[layer - 1] + to_slot * len(self.shown[layer - 1]) + from_slot)

    def edge_address(self, index: int) -> tuple[int, int, int]:
        """(layer, to_unit, from_unit) of shown edge ``index``."""
        layer = int(self.edge_layer[index])
        local = index - int(self.edge_offsets[layer - 1])
        n_from = len(self.shown[layer - 1])
        return layer, int(self.shown[layer][local // n_from]), int(self.shown[layer - 1][local % n_from])

    def node_at(self, x: float, y: float, slack: float = 2.0) -> tuple[int, int] | None:
        if not self.node_x.size:
            return None
        d = np.hypot(self.node_x - x, self.node_y - y) - self.node_r
        best = int(np.argmin(d))
        if d[best] > slack:
            return None
        layer = int(np.searchsorted(self.node_offsets, best, side="right") - 1)
        return layer, int(self.shown[layer][best - self.node_offsets[layer]])

    def skip_at(self, x: float, y: float, tolerance: float) -> int | None:
        """The layer whose skip arc passes within ``tolerance`` of (x, y), or None."""
        for layer, points in zip(self.skip_layers, self.arc_points):
            if _polyline_distance(points, x, y) <= tolerance:
                return layer
        return None

    def distance_to_nearest(self, x: float, y: float) -> float:
        """How far (x, y) is from the nearest neuron's rim, edge or skip arc (0 inside a neuron)."""
        best = math.inf
        if self.node_x.size:
            best = max(0.0, float(np.min(np.hypot(self.node_x - x, self.node_y - y) - self.node_r)))
        if self.edge_count:
            best = min(best, float(np.sqrt(self._edge_distance2(x, y).min())))
        for points in self.arc_points:
            best = min(best, _polyline_distance(points, x, y))
        return best

    def _edge_distance2(self, x: float, y: float) -> np.ndarray:
        dx, dy = self.ex1 - self.ex0, self.ey1 - self.ey0
        length2 = np.maximum(dx * dx + dy * dy, 1e-12)
        t = np.clip(((x - self.ex0) * dx + (y - self.ey0) * dy) / length2, 0.0, 1.0)
        return (self.ex0 + t * dx - x) ** 2 + (self.ey0 + t * dy - y) ** 2

    def place_edge_labels(self, sizes, obstacles=(), clearance: float = 3.0) -> list[Rect]:
        """Boxes for the value labels of the first ``len(sizes)`` shown edges, one per edge, none dropped.

        ``sizes`` holds each label's (width, height), None for an edge without a label (its box is None).
        A box sits beside its edge, ``clearance`` pixels off the line (above it, else below), so the edge's
        colour stays in view, or where that is taken, on the line, then in rows further out; along the edge
        it takes the first of :data:`LABEL_POSITIONS` where it overlaps no neuron, no earlier box and none of
        ``obstacles`` (Rects), inside the drawing area below the layer labels. Returns [] when some label finds
        no such place (the caller tries a smaller font or a shorter text, else prints none).
        """
        key = (tuple(sizes), tuple(obstacles), clearance)
        if key in self._label_memo:
            return self._label_memo[key]
        area = self.area
        m = LABEL_MARGIN
        static = {}
        for i, size in enumerate(sizes):
            if size is None:
                continue
            w, h = size
            dx, dy = float(self.ex1[i] - self.ex0[i]), float(self.ey1[i] - self.ey0[i])
            length = max(math.hypot(dx, dy), 1e-9)
            nx, ny = dy / length, -dx / length  # a unit normal pointing up the screen
            if ny > 0:
                nx, ny = -nx, -ny
            reach = abs(nx) * w / 2 + abs(ny) * h / 2 + clearance
            # Every candidate at once: beside the line (above, below), on it, then rows further out.
            offsets = np.array([reach, -reach, 0.0] + [side * (reach + row * (h + m)) for row in range(1, LABEL_ROWS) for side in (1.0, -1.0)])
            tt, oo = np.meshgrid(np.asarray(LABEL_POSITIONS), offsets)  # the nearest row at every position first
            left = (float(self.ex0[i]) + tt * dx + oo * nx).ravel() - w / 2
            top = (float(self.ey0[i]) + tt * dy + oo * ny).ravel() - h / 2
            ok = (left >= area.left) & (left + w <= area.right) & (top >= self.band_top) & (top + h <= area.bottom)
            for o in obstacles:
                ok &= ~((left < o.right + m) & (o.left < left + w + m) & (top < o.bottom + m) & (o.top < top + h + m))
            if self.node_x.size:
                near_x = np.clip(self.node_x[None, :], left[:, None], left[:, None] + w)
                near_y = np.clip(self.node_y[None, :], top[:, None], top[:, None] + h)
                hits = np.hypot(near_x - self.node_x[None, :], near_y - self.node_y[None, :]) < self.node_reach[None, :] + m
                ok &= ~hits.any(axis=1)
            static[i] = (left, top, w, h, ok)
        # The edges with the fewest free places choose first, so a crowded fan still finds room for every label.
        order = sorted(static, key=lambda i: (int(static[i][4].sum()), i))
        boxes: dict[int, Rect] = {}
        for i in order:
            left, top, w, h, ok = static[i]
            if boxes:
                bl = np.array([[b.left, b.top, b.right, b.bottom] for b in boxes.values()])
                meets = (
                    (left[:, None] < bl[None, :, 2] + m) & (bl[None, :, 0] < left[:, None] + w + m)
                    & (top[:, None] < bl[None, :, 3] + m) & (bl[None, :, 1] < top[:, None] + h + m)
                )
                ok = ok & ~meets.any(axis=1)
            good = np.flatnonzero(ok)
            if not good.size:
                self._label_memo[key] = []
                return []
            j = int(good[0])
            boxes[i] = Rect(float(left[j]), float(top[j]), w, h)
        result = [boxes.get(i) for i in range(len(sizes))]
        self._label_memo[key] = result
        return result

    def box_is_free(self, box: Rect, taken=()) -> bool:
        """Whether ``box`` lies inside the drawing area (below the layer labels) clear of every neuron's
        selection ring and of the Rects in ``taken``, by :data:`LABEL_MARGIN`."""
        m = LABEL_MARGIN
        area = self.area
        if box.left < area.left or box.right > area.right or box.top < self.band_top or box.bottom > area.bottom:
            return False
        if any(_rects_meet(box, other, m) for other in taken):
            return False
        if not self.node_x.size:
            return True
        near_x = np.clip(self.node_x, box.left, box.right)
        near_y = np.clip(self.node_y, box.top, box.bottom)
        return not bool((np.hypot(near_x - self.node_x, near_y - self.node_y) < self.node_reach + m).any())

    def edge_at(self, x: float, y: float, tolerance: float) -> int | None:
        """The shown edge nearest to (x, y) if it is within ``tolerance``: point-to-segment distance."""
        if not self.edge_count:
            return None
        d2 = self._edge_distance2(x, y)
        best = int(np.argmin(d2))
        return best if d2[best] <= tolerance * tolerance else None


def _rects_meet(a: Rect, b: Rect, margin: float) -> bool:
    return a.left < b.right + margin and b.left < a.right + margin and a.top < b.bottom + margin and b.top < a.bottom + margin


def _polyline_distance(points: np.ndarray, x: float, y: float) -> float:
    a, b = points[:-1], points[1:]
    d = b - a
    length2 = np.maximum((d * d).sum(axis=1), 1e-12)
    t = np.clip(((x - a[:, 0]) * d[:, 0] + (y - a[:, 1]) * d[:, 1]) / length2, 0.0, 1.0)
    return float(np.sqrt(np.min((a[:, 0] + t * d[:, 0] - x) ** 2 + (a[:, 1] + t * d[:, 1] - y) ** 2)))


#: A line of label text is about this many font pixels high (DejaVu Sans: 1.16).
LINE_EMS = 1.2
#: The widest entry of the colour bar's key ("—— not computed yet" and a gap), in font pixels.
SWATCH_EMS = 12.5
#: Where a diagram's colour bar may go: beside it, under it, or nowhere (one drawn for several diagrams).
LEGEND_PLACES = ("right", "below", "none")
#: A strip legend this many font pixels wide puts the neuron-fill key beside the colour bar, not under it.
LEGEND_TWO_COLUMN_EMS = 30.0


def legend_strip_lines(width: float, font_px: float, swatches: int) -> float:
    """Lines of text a colour-bar strip ``width`` pixels wide takes under a diagram: the bar's title, the bar and
    its ticks; the key's entries in rows; the neuron-fill key beside the bar, or in one more row."""
    per_row = max(1, int(width // (SWATCH_EMS * font_px)))
    rows = -(-max(swatches, 1) // per_row)
    fill = 0.0 if width >= LEGEND_TWO_COLUMN_EMS * font_px else 2.3
    return 3.6 + 1.15 * rows + fill


def selection_ring(radius: float) -> tuple[float, float]:
    """The radius and pen width of the ring round a selected neuron of ``radius``."""
    ring = radius + SELECTION_RING_GAP
    return ring, max(2.5, 0.15 * ring)


def ring_reach(radius):
    """How far from a neuron's centre its selection ring reaches (labels keep outside it); works on arrays."""
    ring = np.asarray(radius, dtype=np.float64) + SELECTION_RING_GAP
    return ring + np.maximum(2.5, 0.15 * ring) / 2


def least_text_px(theme) -> float:
    """The smallest text the diagram draws in ``theme``: :data:`LEAST_TEXT_PX`, or the theme's smallest legible
    number on a neuron where that is larger (18 px on slides)."""
    return max(LEAST_TEXT_PX, float(theme.node_text_min_px))


def font_px(theme) -> float:
    """The theme's label font size in layout pixels (never under :func:`least_text_px`)."""
    return max(theme.font_size * PX_PER_PT, least_text_px(theme))


def title_px(theme) -> float:
    """The theme's title font size in layout pixels."""
    return max(theme.title_size * PX_PER_PT, least_text_px(theme))


def layout_for_theme(
    widths, width: float, height: float, theme, skips=(), edge_labels: bool = False, legend: str = "right", swatches: int = 3,
    label_lines: int = 2,
) -> DiagramLayout:
    """The layout of a network of ``widths`` in a ``width`` x ``height`` picture, sized by ``theme``'s fonts,
    with room for arcs over the layers in ``skips``, with ``edge_labels`` for a value label on each edge, the
    colour bar (of ``swatches`` key entries) in ``legend``, one of :data:`LEGEND_PLACES`, and ``label_lines``
    lines of layer labels over the band."""
    label_width = EDGE_LABEL_EMS * font_px(theme) if edge_labels else 0.0
    return DiagramLayout(
        widths, width, height, font_px(theme), title_px(theme), theme.node_radius, skips, label_width, legend, swatches,
        label_lines,
    )


def kept_for_layout(layout: DiagramLayout, name: str, key, most: int, work):
    """``work()``, worked out once per ``key`` and kept in the layout's memo ``name``, which is emptied when it
    would hold more than ``most`` results (bounded, never growing with the steps shown)."""
    kept = layout.memo.setdefault(name, {})
    if key not in kept:
        if len(kept) > most:
            kept.clear()
        kept[key] = work()
    return kept[key]


def vector_edge_width(layout: DiagramLayout, theme) -> float:
    """The pen width of an edge drawn as a vector line: thinner the more edges share a gap (worked out once
    per layout and theme: every layer's drawing asks)."""
    return kept_for_layout(layout, "vector edge width", theme.edge_width, 4, lambda: _vector_edge_width(layout, theme))


def _vector_edge_width(layout: DiagramLayout, theme) -> float:
    per_gap = max((len(layout.shown[l]) * len(layout.shown[l - 1]) for l in range(1, layout.depth + 1)), default=1)
    width = theme.edge_width * min(1.5, max(0.35, math.sqrt(64.0 / per_gap)))
    width = min(width, 0.45 * layout.radius + 1.0)
    # At most 1.5 px, a line of exactly 1 px is several times faster to antialias and looks the same.
    return width if width >= 1.5 else 1.0
