"""The training lab, painted: one function draws a lab snapshot into any QPainter (a widget, an image, an
SVG or a PDF), so the window and every export draw the same picture.

Per lane, side by side: a sketch of the network with its edges coloured by the last mini-batch's |dC/dw|
on the snapshot's shared log scale, the lane's caption, and either the decision boundary over 2-D data or,
for digits, test images marked right or wrong and a confusion matrix. Below, one shared row: loss and test
accuracy per epoch, and Nielsen's learning speed per layer on a log axis.

Nothing here computes a core fact: every number comes from the snapshot; this module only places and
colours it. Every text drawn is recorded (``LabPicture.texts``) so tests can check sizes, overlaps and
contrast.

The parts live apart: ``lab_sketch`` (the network), ``lab_panels`` (boundary, digits), ``lab_plots`` (the
shared row); ``lab_canvas`` holds what they share. This module lays them out.
"""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtGui

from ..core.format import format_power_of_ten
from .lab_canvas import LabCanvas, LabPicture, lane_color
from .lab_panels import paint_boundary, paint_confusion, paint_digits
from .lab_plots import paint_plots
from .lab_sketch import paint_sketch
from .theme import Theme, gradient_colors

#: Entries a view's cache holds at most: one per layer slot (``LabCanvas.kept``), so it stays far below this.
MAX_CACHED = 64
#: Share of the height the lanes take (the rest: the header and the shared plots).
LANES_SHARE = 0.56


def _paint_whole(canvas: LabCanvas) -> LabPicture:
    p, r, lab = canvas.p, canvas.rect, canvas.lab
    p.save()
    p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
    # Heat-map cells and digit pixels stay crisp squares at any size (an export asks for smoothing).
    p.setRenderHint(QtGui.QPainter.RenderHint.SmoothPixmapTransform, False)
    p.fillRect(r, canvas.bg)
    lh = canvas.line_height()
    verdict_lines = canvas.wrapped_lines(lab.verdict, r.width() - 2 * canvas.pad)[:3] if lab.verdict else []
    header = QtCore.QRectF(r.left() + canvas.pad, r.top() + canvas.pad * 0.5, r.width() - 2 * canvas.pad, (1 + len(verdict_lines)) * lh)
    _paint_header(canvas, header, verdict_lines)
    lanes_top = header.bottom() + canvas.pad * 0.5
    lanes_bottom = r.top() + r.height() * LANES_SHARE
    _paint_lanes(canvas, QtCore.QRectF(r.left() + canvas.pad, lanes_top, r.width() - 2 * canvas.pad, lanes_bottom - lanes_top))
    plots = QtCore.QRectF(r.left() + canvas.pad, lanes_bottom + canvas.pad * 0.5, r.width() - 2 * canvas.pad,
                          r.bottom() - lanes_bottom - canvas.pad)  # fmt: skip
    paint_plots(canvas, plots)
    p.restore()
    return canvas.picture


def _paint_header(canvas, rect: QtCore.QRectF, verdict_lines: list[str]) -> None:
    lab, lh = canvas.lab, canvas.line_height()
    bar_width = min(rect.width() * 0.4, 30 * canvas.px)
    top = QtCore.QRectF(rect.left(), rect.top(), rect.width() - bar_width - canvas.pad, lh)
    canvas.text(top, lab.title, "title", bold=True)
    bar = QtCore.QRectF(rect.right() - bar_width, rect.top(), bar_width, lh)
    special = tuple(getattr(canvas.lab, flag) for flag, _colour, _texts in SPECIAL_KEYS)
    place = (round(bar.x(), 2), round(bar.y(), 2), round(bar.width(), 2), round(bar.height(), 2))
    key = (tuple(canvas.lab.decades), *special, canvas.lab.bar_labels, *place)
    canvas.layer(("colour bar",), key, bar, lambda: _paint_colour_bar(canvas, bar))
    for n, line in enumerate(verdict_lines, start=1):
        canvas.text(QtCore.QRectF(rect.left(), rect.top() + n * lh, rect.width(), lh), line, "verdict")


#: The colour bar's keys for the sketch's colours off the scale: the ``LabScene`` flag that shows one, the
#: theme's colour, its text (longest form first).
SPECIAL_KEYS = (("zero_gradients", "zero_edge", ("exactly 0", "0")), ("nonfinite_gradients", "nonfinite", ("NaN or inf", "NaN")))


def _paint_colour_bar(canvas, rect: QtCore.QRectF) -> None:
    lo, hi = canvas.lab.decades
    lo_text, hi_text = format_power_of_ten(lo), format_power_of_ten(hi)
    # A sketch's edge with an exact 0 (a dead ReLU) or a NaN is coloured apart from the scale: its own key.
    swatch = canvas.line_height() * 0.5
    w_lo, w_hi = canvas.text_width(lo_text) + canvas.pad * 0.5, canvas.text_width(hi_text) + canvas.pad * 0.5
    # The bar names what it measures in the longest words that leave it some length; with no room at all,
    # nothing.
    for label in canvas.lab.bar_labels:
        w_label = canvas.text_width(label) + canvas.pad if label else 0.0
        for form in range(2):  # the keys' long texts where the bar keeps some length, else their short ones
            keys = [(colour, texts[form]) for flag, colour, texts in SPECIAL_KEYS if getattr(canvas.lab, flag)]
            # Each key: a gap, the swatch, a small gap, the text with room for its last glyph.
            w_keys = [canvas.pad * 1.4 + swatch + canvas.text_width(text) + canvas.pad * 0.5 for _colour, text in keys]
            bar_w = rect.width() - w_label - w_lo - w_hi - sum(w_keys)
            if bar_w >= 6 * canvas.px:
                break
        if bar_w >= 3 * canvas.px:
            break
    x = rect.left()
    if label:
        canvas.text(QtCore.QRectF(x, rect.top(), w_label, rect.height()), label, "colour-bar")
        x += w_label
    canvas.text(QtCore.QRectF(x, rect.top(), w_lo, rect.height()), lo_text, "colour-bar")
    x += w_lo
    steps = 64

    def make() -> QtGui.QImage:  # the scale changes far less often than the frames
        colors = gradient_colors(np.logspace(lo, hi, steps), (lo, hi), canvas.theme)
        return QtGui.QImage(np.ascontiguousarray(colors.reshape(1, steps, 4)).data, steps, 1, 4 * steps, QtGui.QImage.Format.Format_RGBA8888).copy()

    image = canvas.kept(("colour-bar",), (lo, hi, canvas.theme.name), make)
    bar = QtCore.QRectF(x, rect.top() + rect.height() * 0.2, max(bar_w - canvas.pad * 0.5, 1), rect.height() * 0.6)
    canvas.p.drawImage(bar, image)
    x += bar_w
    canvas.text(QtCore.QRectF(x, rect.top(), w_hi, rect.height()), hi_text, "colour-bar")
    x += w_hi
    for (colour, text), width in zip(keys, w_keys):
        swatch_rect = QtCore.QRectF(x + canvas.pad, rect.center().y() - swatch / 2, swatch, swatch)
        canvas.p.fillRect(swatch_rect, QtGui.QColor(getattr(canvas.theme, colour)))
        start = x + canvas.pad * 1.4 + swatch
        canvas.text(QtCore.QRectF(start, rect.top(), x + width - start, rect.height()), text, "colour-bar")
        x += width


def _paint_lanes(canvas, rect: QtCore.QRectF) -> None:
    lanes = canvas.lab.lanes
    n = max(len(lanes), 1)
    gap = canvas.pad * 1.5
    width = (rect.width() - gap * (n - 1)) / n
    lh = canvas.line_height()
    captions = _captions(canvas, lanes, width - lh * 0.5 - canvas.pad * 0.5)
    for k, (lane, caption) in enumerate(zip(lanes, captions)):
        column = QtCore.QRectF(rect.left() + k * (width + gap), rect.top(), width, rect.height())
        _paint_lane(canvas, k, lane, caption, column)


def _captions(canvas, lanes, width: float) -> list[str]:
    """Each lane's caption, the longest of its forms that fits ``width``; where one lane's drops the word
    "Lane", every lane's does ("Lane 1 · relu · He" beside "2 · sigmoid · He" read as two kinds of thing)."""
    chosen = [canvas.fitting(lane.caption, width, bold=True) for lane in lanes]
    if all(text.startswith("Lane ") for text in chosen):
        return chosen
    return [canvas.fitting([f for f in lane.caption if not f.startswith("Lane ")] or lane.caption, width, bold=True)
            for lane in lanes]  # fmt: skip


def _paint_lane(canvas, k: int, lane, caption_text: str, rect: QtCore.QRectF) -> None:
    lh = canvas.line_height()
    swatch = QtCore.QRectF(rect.left(), rect.top() + lh * 0.25, lh * 0.5, lh * 0.5)
    canvas.p.fillRect(swatch, lane_color(canvas.theme, k))
    caption = QtCore.QRectF(swatch.right() + canvas.pad * 0.5, rect.top(), rect.width() - swatch.width() - canvas.pad * 0.5, lh)
    canvas.text(caption, caption_text, "caption", bold=True)
    body = QtCore.QRectF(rect.left(), rect.top() + lh + canvas.pad * 0.3, rect.width(), rect.height() - lh - canvas.pad * 0.3)
    if lane.grid is not None:
        sketch_w = body.width() * 0.40
        paint_sketch(canvas, lane, QtCore.QRectF(body.left(), body.top(), sketch_w - canvas.pad * 0.5, body.height()), k)
        paint_boundary(canvas, k, lane, QtCore.QRectF(body.left() + sketch_w, body.top(), body.width() - sketch_w, body.height()))
    else:
        sketch_w = body.width() * 0.26
        paint_sketch(canvas, lane, QtCore.QRectF(body.left(), body.top(), sketch_w - canvas.pad * 0.5, body.height()), k)
        rest = body.width() - sketch_w
        paint_digits(canvas, lane, QtCore.QRectF(body.left() + sketch_w, body.top(), rest * 0.5 - canvas.pad * 0.5, body.height()))
        paint_confusion(canvas, lane, QtCore.QRectF(body.left() + sketch_w + rest * 0.5, body.top(), rest * 0.5, body.height()))


def paint_lab(painter: QtGui.QPainter, rect: QtCore.QRectF, lab, theme: Theme, cache: dict | None = None,
              draft: bool = False) -> LabPicture:  # fmt: skip
    """Draw the lab scene ``lab`` into ``rect`` of ``painter`` under ``theme``; returns what was drawn.

    ``cache`` (a dict the caller keeps: one entry per layer, see ``LabCanvas.kept``) holds layers that do not change between
    frames, such as the data's points. ``draft`` draws the curves without antialiasing (frames while
    training: the same picture, a third of the cost)."""
    if cache is not None and len(cache) > MAX_CACHED:
        cache.clear()
    return _paint_whole(LabCanvas(painter, rect, lab, theme, cache, draft))


def paint_no_lab(painter: QtGui.QPainter, rect: QtCore.QRectF, theme: Theme) -> LabPicture:
    """The lab view before a lab is opened: one sentence saying how to open one."""
    drawer = LabCanvas(painter, rect, None, theme)
    painter.fillRect(rect, drawer.bg)
    drawer.text(QtCore.QRectF(rect).adjusted(drawer.pad, drawer.pad, -drawer.pad, -drawer.pad),
                "No training lab is open: choose a lab preset in the Lab controls, or start gradviz --lab spiral-deep.",
                "title", align=QtCore.Qt.AlignmentFlag.AlignCenter)  # fmt: skip
    return drawer.picture
