"""The diagram's labels: numbers on neurons and edges, layer names, "+N more" notes and the caption."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

from PySide6 import QtCore, QtGui

from ..theme import Theme
from .layout import (
    LABEL_MARGIN,
    MAX_LABELLED_UNITS,
    DiagramLayout,
    Rect,
    font_px,
    kept_for_layout,
    layout_for_theme,
    least_text_px,
    ring_reach,
    title_px,
    vector_edge_width,
)
from .raster import text_colour_on
from .scene import CAPTION_SEPARATOR, DiagramScene
from .text import fitting_font, font, qcolor, text_advance, text_at, text_in

#: What the caption says when the edges' values find no room to be printed legibly.
EDGE_VALUES_HINT = "hover or click an edge for its value"
#: Pixels between a neuron's selection ring and a box of text under or beside it.
LABEL_GAP = 2.0 + LABEL_MARGIN

#: Widest a number on a neuron may run, in radii: a line up to 0.4 r high through the centre stays inside the
#: circle up to about 1.9 r.
NODE_TEXT_WIDTH_OF_RADIUS = 1.9
#: Font sizes (fractions of the theme's label size) the edge labels try, largest first, to find every one a
#: place; none below the theme's least legible size.
EDGE_LABEL_SHRINK = (1.0, 0.9, 0.8, 0.7)
#: The caption's first line shrinks to fit down to this fraction of the title size; beyond, it is split.
CAPTION_LEAST_SCALE = 0.8
#: Pixels between a label box's text and its outline (the box's own fill is what is behind the text).
BOX_PAD = 4.0


@dataclass(frozen=True)
class NodeValues:
    """How one layer's numbers are printed: inside the circles, or in a box under each one's selection ring."""

    layer: int
    texts: tuple[str, ...]
    px: float
    inside: bool
    #: Per neuron, the rectangle its text is centred in (the circle's square, or the box under it).
    rects: tuple[QtCore.QRectF, ...]


def node_text_size(layout: DiagramLayout, layer: int, texts, theme: Theme) -> float | None:
    """The pixel size the numbers of ``layer`` are printed at to fit in their circles, or None when that is
    below the least legible size (:func:`~.layout.least_text_px`; the numbers then go under the circles)."""
    r = layout.radii[layer]
    size = font_px(theme)
    if min(1.25 * size, 0.8 * r) < least_text_px(theme):
        return None  # too small whatever the texts: not measured (shaping new numbers is among a frame's costs)
    widest = max(text_advance(theme, size, t) for t in texts)
    size = min(1.25 * size, size * NODE_TEXT_WIDTH_OF_RADIUS * r / max(widest, 1.0), 0.8 * r)
    return size if size >= least_text_px(theme) else None


def node_value_plan(layout: DiagramLayout, scene: DiagramScene, theme: Theme) -> tuple[list[NodeValues], bool]:
    """Where each narrow layer's numbers go, and whether some are hidden (a layer too wide to carry them).

    A layer's numbers go inside its circles where they fit at a legible size (three digits, else two), else
    each in a box under its neuron's selection ring. Where some layer's numbers fit neither way, no layer
    shows numbers: every layer's value shows wherever the others do.
    """
    key = ("node values", scene.node_text, scene.node_text_short, theme.name)
    hit = layout.memo.get(key)
    if hit is not None:
        return hit
    if len(layout.memo) > 64:
        layout.memo.clear()
    plan, hidden, failed = [], False, False
    taken = list(direction_rects(layout))
    for l, texts in enumerate(scene.node_text):
        if texts is None:
            hidden |= scene.widths[l] > MAX_LABELLED_UNITS
            continue
        # Kept per layer and texts: a step that changes one layer's numbers measures that layer alone.
        inside = _values_inside(layout, l, texts, scene.node_text_short[l] if l < len(scene.node_text_short) else None, theme)
        if inside is not None:
            plan.append(inside)
            continue
        x, r = float(layout.x[l]), layout.radii[l]
        size = font_px(theme)
        metrics = QtGui.QFontMetricsF(font(theme, size))
        reach = float(ring_reach(r))
        boxes = []
        for text, y in zip(texts, layout.ys[l]):
            width, height = metrics.horizontalAdvance(text) + 2 * BOX_PAD, metrics.height() + 2 * BOX_PAD
            # Centred under its neuron, shifted to stay inside the drawing area (the output's, by the colour bar).
            left = min(max(x - width / 2, layout.area.left), layout.area.right - width)
            # Under the neuron, else (a neighbour's number is in the way) over it.
            under = Rect(left, float(y) + reach + LABEL_GAP, width, height)
            over = Rect(left, float(y) - reach - LABEL_GAP - height, width, height)
            box = next((b for b in (under, over) if layout.box_is_free(b, taken)), None)
            if box is None:
                failed = True
                break
            boxes.append(box)
            taken.append(box)
        if failed:
            break
        plan.append(NodeValues(l, texts, size, False, tuple(QtCore.QRectF(b.left, b.top, b.width, b.height) for b in boxes)))
    result = ([], True) if failed else (plan, hidden)
    layout.memo[key] = result
    return result


def _values_inside(layout: DiagramLayout, layer: int, texts, short, theme: Theme) -> NodeValues | None:
    """``layer``'s numbers inside its circles (its short ones where only those fit), or None where neither fits:
    what :func:`node_value_plan` does for one layer, kept per layer and texts."""

    def work() -> NodeValues | None:
        shown, size = texts, node_text_size(layout, layer, texts, theme)
        if size is None and short is not None:
            short_size = node_text_size(layout, layer, short, theme)  # measured once
            if short_size is not None:
                shown, size = short, short_size
        if size is None:
            return None
        x, r = float(layout.x[layer]), layout.radii[layer]
        return NodeValues(layer, shown, size, True, tuple(QtCore.QRectF(x - r, float(y) - r, 2 * r, 2 * r) for y in layout.ys[layer]))

    return kept_for_layout(layout, "values inside", (layer, texts, short, theme.name), 1024, work)


def paint_node_text(painter, layout: DiagramLayout, scene: DiagramScene, theme: Theme, boxes=None, inside: bool = True) -> tuple[bool, bool]:
    """The numbers on the neurons (see :func:`node_value_plan`): inside a circle black or white, whichever
    contrasts more with its fill; under it, in a box of the background colour.

    ``inside=False`` leaves out the numbers inside the circles (a cached image of the neurons holds them).
    Returns (some numbers drawn, some hidden).
    """
    plan, hidden = node_value_plan(layout, scene, theme)
    for values in plan:
        if inside or not values.inside:
            paint_values(painter, layout, scene, theme, values, boxes)
    return bool(plan), hidden


def paint_values(painter, layout: DiagramLayout, scene: DiagramScene, theme: Theme, values: NodeValues, boxes) -> None:
    """One layer's numbers (see :func:`paint_node_text`)."""
    painter.setFont(font(theme, values.px))
    offset = int(layout.node_offsets[values.layer])
    centre = QtCore.Qt.AlignmentFlag.AlignCenter
    for slot, (text, rect) in enumerate(zip(values.texts, values.rects)):
        if values.inside:
            painter.setPen(qcolor(text_colour_on(scene.node_argb[offset + slot])))
        else:
            painter.setPen(QtGui.QPen(theme.color("muted"), 1.0))
            painter.setBrush(theme.color("background"))
            painter.drawRoundedRect(rect, 3, 3)
            painter.setBrush(QtCore.Qt.BrushStyle.NoBrush)
            painter.setPen(theme.color("foreground"))
        text_in(painter, rect, centre, text, boxes, "neuron")


def output_label_boxes(layout: DiagramLayout, scene: DiagramScene, theme: Theme, taken) -> list[Rect] | None:
    """A box for each output neuron's prediction-and-target text beside it (right of its ring, else under its
    number, else above it), clear of ``taken``; None when some has no free place (the caption says it then)."""
    texts = scene.output_text
    if not texts:
        return []
    taken = tuple(taken)
    # The same texts and neighbours give the same boxes: worked out once.
    key = (texts, taken, theme.name, font_px(theme))
    hit = kept_for_layout(layout, "output boxes", key, 256, lambda: _output_label_boxes(layout, texts, theme, taken))
    return None if hit is None else list(hit)


def _output_label_boxes(layout: DiagramLayout, texts, theme: Theme, taken) -> tuple[Rect, ...] | None:
    metrics = QtGui.QFontMetricsF(font(theme, font_px(theme)))
    l = layout.depth
    x, reach = float(layout.x[l]), float(ring_reach(layout.radii[l]))
    placed, taken = [], list(taken)
    for text, y in zip(texts, layout.ys[l]):
        lines = text.split("\n")
        width = max(text_advance(theme, font_px(theme), t) for t in lines) + 2 * BOX_PAD
        height = len(lines) * metrics.height() + 2 * BOX_PAD
        y = float(y)
        below = max([y + reach] + [t.bottom for t in taken if t.left < x < t.right and y < t.top < y + reach + 2 * height])
        above = y - reach - LABEL_GAP - height
        right = layout.area.right - width
        candidates = (
            Rect(x - width / 2, above, width, height),
            Rect(min(x - width / 2, right), above, width, height),
            Rect(x + reach + LABEL_GAP, y - height / 2, width, height),
            Rect(x - width / 2, below + LABEL_GAP, width, height),
            Rect(min(x - width / 2, right), below + LABEL_GAP, width, height),
        )
        box = next((c for c in candidates if layout.box_is_free(c, taken)), None)
        if box is None:
            return None
        placed.append(box)
        taken.append(box)
    return tuple(placed)


def paint_output_labels(painter, layout: DiagramLayout, scene: DiagramScene, theme: Theme, rects, boxes=None) -> None:
    """Each output neuron's prediction against its target (and the loss), in a box outlined in the highlight."""
    painter.setFont(font(theme, font_px(theme)))
    for text, rect in zip(scene.output_text or (), rects):
        box = QtCore.QRectF(rect.left, rect.top, rect.width, rect.height)
        painter.setPen(QtGui.QPen(theme.color("foreground"), 1.5))
        painter.setBrush(theme.color("background"))
        painter.drawRoundedRect(box, 3, 3)
        painter.setBrush(QtCore.Qt.BrushStyle.NoBrush)
        text_in(painter, box, QtCore.Qt.AlignmentFlag.AlignCenter, text, boxes, "output")


def direction_rects(layout: DiagramLayout) -> list[Rect]:
    """Where the direction arrow of each layer's band goes (labels keep clear of all of them); worked out once
    per layout (a new list each time: callers extend it)."""
    return list(kept_for_layout(layout, "direction rects", None, 1, lambda: tuple(_direction_rects(layout))))


def _direction_rects(layout: DiagramLayout) -> list[Rect]:
    size = layout.font_px
    rects = []
    for l in range(1, layout.depth + 1):
        left, right = float(layout.x[l - 1]), float(layout.x[l])
        span = min(right - left, 6 * size)
        mid = (left + right) / 2
        rects.append(Rect(mid - span / 2 - 2, layout.band_bottom - 1.3 * size, span + 4, 1.2 * size))
    return rects


def paint_edge_labels(painter, layout: DiagramLayout, scene: DiagramScene, theme: Theme, boxes=None, taken=()) -> str:
    """Each edge's value beside it, on a box in the background colour outlined in the edge's colour.

    The boxes are placed by :meth:`DiagramLayout.place_edge_labels`, clear of ``taken`` (Rects); the full
    texts are tried first, then the short ones (``edge_text_short``), each at the theme's size and a little
    smaller (never under the least legible size); as a last resort (a dense fan in a small picture) a label
    takes the place where it covers the least of the others.
    Where some label finds no free place even so, none is drawn (every edge's value shows wherever the others
    do, and no label lies on another): the caption then says to hover an edge.
    Returns the caption note of the texts drawn, or of why there are none ("" without edge values).
    """
    forms = [(t, n) for t, n in ((scene.edge_text, scene.edge_note), (scene.edge_text_short, scene.edge_note_short)) if t]
    if not forms or not any(forms[0][0]):
        return ""
    obstacles = tuple(direction_rects(layout)) + tuple(taken)
    base, least = font_px(theme), least_text_px(theme)
    clearance = 0.5 * vector_edge_width(layout, theme) + 3.0
    tries = [(texts, note, f) for texts, note in forms for f in EDGE_LABEL_SHRINK if base * f >= least or f == 1.0]
    for texts, note, factor in tries:
        label_font = font(theme, max(base * factor, least))
        sizes = _label_sizes(texts, label_font)
        rects = layout.place_edge_labels(sizes, obstacles, clearance)
        if rects:
            break
    else:
        return EDGE_VALUES_HINT
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
        text_in(painter, box, QtCore.Qt.AlignmentFlag.AlignCenter, text, boxes, "edge")
    return note


def _label_sizes(texts, label_font: QtGui.QFont) -> list:
    """Each text's box (width, height); widths rounded up to a quarter line, so a new digit rarely moves the
    labels (and the placement is reused)."""
    metrics = QtGui.QFontMetricsF(label_font)
    pad = 0.3 * metrics.height()
    quantum = 0.25 * metrics.height()
    sizes = []
    for text in texts:
        if not text:
            sizes.append(None)
            continue
        lines = text.split("\n")
        width = max(metrics.horizontalAdvance(t) for t in lines) + 2 * pad
        sizes.append((math.ceil(width / quantum) * quantum, round(len(lines) * metrics.height() + 2 * BOX_PAD, 1)))
    return sizes


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
        text_in(painter, box.adjusted(4, 0, 0, 0), QtCore.Qt.AlignmentFlag.AlignVCenter | QtCore.Qt.AlignmentFlag.AlignLeft, label, boxes, "note")


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
        label_font = fitting_font(theme, size, label, room, bold=True)
        width = QtGui.QFontMetricsF(label_font).horizontalAdvance(label) + 10
        left = min(left, layout.area.right - width)
        notes.append((label, label_font, QtCore.QRectF(left, y - 0.75 * size, width, 1.5 * size)))
    return notes


def _layer_label_levels(scene: DiagramScene, layer: int) -> list[list[str]]:
    """A layer's label from the longest to the shortest form."""
    if layer == 0:
        name = scene.layer_names[0]
        return [[name], [name], [name], [name], ["in"]]
    name = scene.layer_names[layer]
    return [[f"layer {layer} · {name}"], [f"layer {layer}", name], [str(layer), name], [str(layer)], [str(layer)]]


def paint_layer_labels(painter, layout: DiagramLayout, scene: DiagramScene, theme: Theme, boxes=None, only: int | None = None) -> None:
    """Each layer's name and activation above it, all in the longest form where none collide.

    The highlighted one is bold. Where even bare numbers collide, every k-th label is drawn, and always the
    last layer's and the highlighted one (see :func:`_thinned_labels`). ``only``: just that layer's label.
    """
    chosen, extents, levels, level = layer_label_plan(layout, scene, theme)
    size = font_px(theme)
    regular, bold = font(theme, size), font(theme, size, bold=True)
    line_height = QtGui.QFontMetricsF(bold).height()
    for l in chosen if only is None else [only]:
        highlighted = scene.highlight == l
        painter.setFont(bold if highlighted else regular)
        # Bold in the foreground colour: the highlight's orange on white is under 4.5:1; the band marks it too.
        painter.setPen(theme.color("foreground"))
        centre = (extents[l][0] + extents[l][1]) / 2
        for i, text in enumerate(reversed(levels[l][level])):
            advance = text_advance(theme, size, text, bold=highlighted)
            text_at(painter, centre - advance / 2, layout.label_y - i * line_height, text, boxes, "layer")


def layer_label_plan(layout: DiagramLayout, scene: DiagramScene, theme: Theme):
    """(the layers whose labels are drawn, each label's horizontal extent, each label's forms, the form used)."""
    size = font_px(theme)
    metrics = QtGui.QFontMetricsF(font(theme, size, bold=True))
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
    return chosen, extents, levels, level


def layer_label_lines(layout: DiagramLayout, scene: DiagramScene, theme: Theme) -> int:
    """How many lines the layer labels :func:`layer_label_plan` chooses take: the most any drawn one has."""
    chosen, _extents, levels, level = layer_label_plan(layout, scene, theme)
    return max((len(levels[l][level]) for l in chosen), default=1)


def layout_for_scene(
    scene: DiagramScene, width: float, height: float, theme: Theme, legend: str = "right", beside: DiagramScene | None = None,
) -> DiagramLayout:
    """The layout of ``scene`` in a ``width`` x ``height`` picture (see :func:`~.layout.layout_for_theme`), with
    one line of room for the layer labels where every label drawn is one line, else two.

    The labels' forms are chosen by width alone (:func:`layer_label_plan`), and the room over the band moves
    nothing across: the one-line layout chooses the same one-line labels, and its neurons get the line's height.
    ``beside``: the scene of a diagram drawn beside this one at the same size (Compare's other half); both
    then take the same room, so their neurons stay level.
    """

    def layout(shown: DiagramScene, lines: int = 2) -> DiagramLayout:
        edge_labels, swatches = shown.edge_text is not None, len(shown.colour_bar.swatches)
        return layout_for_theme(shown.widths, width, height, theme, shown.skip_layers, edge_labels, legend, swatches, lines)

    two_lines = layout(scene)
    if layer_label_lines(two_lines, scene, theme) > 1:
        return two_lines
    if beside is not None and layer_label_lines(layout(beside), beside, theme) > 1:
        return two_lines
    return layout(scene, 1)


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


def paint_caption(painter, layout: DiagramLayout, scene: DiagramScene, theme: Theme, notes=(), boxes=None) -> None:
    """Under the diagram: where the pass stands and the loss, then, in up to two lines, what the numbers are.

    ``notes`` are the parts of the notes' lines (what the numbers on neurons and edges are, how to see hidden
    ones), on one line where they fit, else split in two. A caption too long for the width even at
    :data:`CAPTION_LEAST_SCALE` of its size puts its loss on the notes' lines; any line still too long
    shrinks to fit rather than be cut. The first line and the notes' lines are drawn apart
    (:func:`paint_caption_title`, :func:`paint_caption_notes`), so a view can keep them apart.
    """
    title, parts = caption_parts(layout, scene, theme, notes)
    paint_caption_title(painter, layout, theme, title, boxes)
    paint_caption_notes(painter, layout, theme, parts, boxes)


def caption_parts(layout: DiagramLayout, scene: DiagramScene, theme: Theme, notes=()) -> tuple[str, tuple[str, ...]]:
    """The caption's first line, and the parts of the notes' lines under it (with the loss, moved down when the
    first line is too long to shrink legibly)."""
    title, parts = scene.caption, [n for n in notes if n]
    full = text_advance(theme, title_px(theme), title, bold=True)
    if full * CAPTION_LEAST_SCALE > layout.caption.width and CAPTION_SEPARATOR in title:
        # Too long to shrink legibly: the loss moves down to the notes' lines.
        title, rest = title.split(CAPTION_SEPARATOR, 1)
        parts.insert(0, rest)
    return title, tuple(parts)


def caption_title_box(layout: DiagramLayout) -> QtCore.QRectF:
    """Where the caption's first line goes: the top of the caption's room."""
    rect = layout.caption
    return QtCore.QRectF(rect.left, rect.top, rect.width, 1.35 * layout.title_px)


def caption_title_advance(layout: DiagramLayout, theme: Theme, title: str) -> float:
    """How far the caption's first line runs at the size it is drawn (at most the caption's width)."""
    size = fitting_font(theme, title_px(theme), title, layout.caption.width, bold=True).pixelSize()
    return min(text_advance(theme, size, title, bold=True), layout.caption.width)


_CAPTION_FLAGS = QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignVCenter


def paint_caption_title(painter, layout: DiagramLayout, theme: Theme, title: str, boxes=None) -> None:
    """The caption's first line (see :func:`caption_parts`), in bold, shrunk to fit down to the least legible size."""
    rect = layout.caption
    painter.setFont(fitting_font(theme, title_px(theme), title, rect.width, bold=True))
    painter.setPen(theme.color("foreground"))
    title_advance = text_advance(theme, painter.font().pixelSize(), title, bold=True)
    text_in(painter, caption_title_box(layout), _CAPTION_FLAGS, _elided(painter, title, rect.width, title_advance), boxes, "caption")


def paint_caption_notes(painter, layout: DiagramLayout, theme: Theme, parts, boxes=None) -> None:
    """The notes' lines under the caption's first line: ``parts`` on as few lines as fit, else split into the
    room's lines so that the longest is the shortest; a line too long is cut with "…", never shrunk."""
    if not parts:
        return
    rect = layout.caption
    first = caption_title_box(layout)

    def advance(text: str) -> float:
        return text_advance(theme, font_px(theme), text)

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
        painter.setFont(font(theme, font_px(theme)))
        box = QtCore.QRectF(rect.left, first.bottom() + i * line_height, rect.width, line_height)
        text_in(painter, box, _CAPTION_FLAGS, _elided(painter, text, rect.width, advance(text)), boxes, "caption")


def _elided(painter, text: str, room: float, advance: float) -> str:
    """``text`` (``advance`` wide in the painter's font), cut with "…" where even the least legible size leaves
    it wider than ``room``."""
    if advance <= room:
        return text
    return QtGui.QFontMetricsF(painter.font()).elidedText(text, QtCore.Qt.TextElideMode.ElideRight, room)

