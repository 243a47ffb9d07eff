"""The lab's shared row of plots: loss and test accuracy per epoch for every lane, and Nielsen's learning
speed per layer on a log axis, each with its legend."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui

from ..core.format import format_number, format_power_of_ten
from .lab_canvas import LabCanvas, content_key, lane_color, layer_ramp


def paint_plots(canvas: LabCanvas, rect: QtCore.QRectF) -> None:
    gap = canvas.pad * 2
    half = (rect.width() - gap) / 2
    paint_loss_plot(canvas, QtCore.QRectF(rect.left(), rect.top(), half, rect.height()))
    paint_speed_plot(canvas, QtCore.QRectF(rect.left() + half + gap, rect.top(), half, rect.height()))


def _axes(canvas: LabCanvas, rect: QtCore.QRectF, last_epoch: int, *frame) -> QtCore.QRectF:
    """The plot's frame (``_plot_frame(canvas, rect, *frame)``) kept as a layer, and its epoch ticks drawn
    on it: the frame changes only when a y tick does, the epoch axis grows with every epoch while training.
    Returns the data area."""

    def draw() -> QtCore.QRectF:
        area = _plot_frame(canvas, rect, *frame)
        _x_axis_title(canvas, area, "epoch")
        return QtCore.QRectF(area)

    area = QtCore.QRectF(canvas.layer(("axes", frame[0][-1]), (_rect_key(rect), repr(frame)), rect, draw))
    _x_ticks(canvas, area, last_epoch)
    return area


def _rect_key(rect: QtCore.QRectF) -> tuple:
    return (round(rect.x(), 2), round(rect.y(), 2), round(rect.width(), 2), round(rect.height(), 2))


def _plot_frame(canvas, rect, title, legend_width, y_ticks, y_texts, right_ticks=None, right_texts=None):
    """Title, axes and ticks of one plot; returns the data area."""
    lh = canvas.line_height()
    title = canvas.fitting(title, rect.width(), bold=True)
    canvas.text(QtCore.QRectF(rect.left(), rect.top(), rect.width(), lh), title, "title", bold=True)
    left_w = max(canvas.text_width(t) for t in y_texts) + canvas.pad * 0.5
    right_w = (max(canvas.text_width(t) for t in right_texts) + canvas.pad * 0.5) if right_texts else canvas.pad
    area = QtCore.QRectF(rect.left() + left_w, rect.top() + lh + lh * 0.5, rect.width() - left_w - right_w - legend_width,
                         rect.height() - 1.5 * lh - 2.6 * lh)  # fmt: skip
    p = canvas.p
    p.setPen(QtGui.QPen(canvas.muted, 1))
    p.drawLine(area.bottomLeft(), area.bottomRight())
    p.drawLine(area.bottomLeft(), area.topLeft())
    if right_texts:
        p.drawLine(area.bottomRight(), area.topRight())
    grid = QtGui.QColor(canvas.muted)
    grid.setAlpha(60)
    last_bottom = math.inf
    for pos, label in zip(y_ticks, y_texts):
        y = area.bottom() - pos * area.height()
        p.setPen(QtGui.QPen(grid, 1))
        p.drawLine(QtCore.QPointF(area.left(), y), QtCore.QPointF(area.right(), y))
        if y + lh / 2 <= last_bottom + 0.5:
            canvas.text(QtCore.QRectF(rect.left(), y - lh / 2, left_w - canvas.pad * 0.3, lh), label, "tick",
                      align=QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter, elide=False)  # fmt: skip
            last_bottom = y - lh / 2
    if right_texts:
        for pos, label in zip(right_ticks, right_texts):
            y = area.bottom() - pos * area.height()
            canvas.text(QtCore.QRectF(area.right() + canvas.pad * 0.3, y - lh / 2, right_w, lh), label, "tick", elide=False)
    return area


def _x_ticks(canvas, area: QtCore.QRectF, last_epoch: int) -> None:
    lh = canvas.line_height()
    ticks = _nice_ticks(0, last_epoch, 5)
    edge = -math.inf
    for t in ticks:
        x = area.left() + t / max(last_epoch, 1) * area.width()
        text = f"{t:,}"
        w = canvas.text_width(text)
        box = QtCore.QRectF(x - w / 2 - 2, area.bottom() + lh * 0.5, w + 4, lh)
        if box.left() > edge + canvas.pad * 0.5 and box.right() <= area.right() + w:
            canvas.text(box, text, "tick", align=QtCore.Qt.AlignmentFlag.AlignCenter, elide=False)
            edge = box.right()


def _x_axis_title(canvas, area: QtCore.QRectF, label: str) -> None:
    lh = canvas.line_height()
    canvas.text(QtCore.QRectF(area.left(), area.bottom() + lh * 1.5, area.width(), lh), label, "axis-title",
              align=QtCore.Qt.AlignmentFlag.AlignCenter)  # fmt: skip


def _legend_height(canvas, rect: QtCore.QRectF, rows) -> float:
    """The height ``_legend`` needs for ``rows`` in ``rect``'s width."""
    lh, sw = canvas.line_height(), canvas.px * 1.6
    height = 0.0
    for entry in rows:
        if len(entry) == 3:
            height += lh
            continue
        height += lh
        x = rect.left()
        for _, text in entry[1]:
            w = sw * 0.7 + canvas.pad * 0.3 + canvas.text_width(text) + canvas.pad * 0.6
            if x + w > rect.right() and x > rect.left():
                x = rect.left()
                height += lh
            x += w
        height += lh
    return height


def _compact_layer_legend(canvas, rect: QtCore.QRectF, rows) -> None:
    """Every lane's layers on one line: a strip of its ramp (layer 1 on the left), then its name."""
    lh = canvas.line_height()
    layers = max((len(layer_rows) for _, layer_rows in rows), default=0)
    canvas.text(QtCore.QRectF(rect.left(), rect.top(), rect.width(), lh), f"layers 1 → {layers}", "legend")
    seg = max(4.0, min(canvas.px * 0.6, (rect.width() * 0.45) / max(layers, 1)))
    for n, (name, layer_rows) in enumerate(rows, start=1):
        y = rect.top() + n * lh
        if y + lh > rect.bottom() + 1:
            break
        for l, (color, _) in enumerate(layer_rows):
            _swatch(canvas, rect.left() + l * seg, y + lh / 2, seg - 1, color, False)
        x = rect.left() + layers * seg + canvas.pad * 0.4
        canvas.text(QtCore.QRectF(x, y, rect.right() - x, lh), name, "legend")


def _legend(canvas, rect: QtCore.QRectF, rows) -> None:
    """Legend rows: (colour, dashed, text); several lines per row when given a list of (colour, text)."""
    lh = canvas.line_height()
    y = rect.top()
    sw = canvas.px * 1.6
    for entry in rows:
        if y + lh > rect.bottom() + 1:
            break
        if len(entry) == 3:
            color, dashed, text = entry
            _swatch(canvas, rect.left(), y + lh / 2, sw, color, dashed)
            canvas.text(QtCore.QRectF(rect.left() + sw + canvas.pad * 0.4, y, rect.width() - sw - canvas.pad * 0.4, lh), text, "legend")
            y += lh
        else:  # a lane's layers: "name" then swatch + layer number, flowing
            name, layers = entry
            canvas.text(QtCore.QRectF(rect.left(), y, rect.width(), lh), name, "legend")
            y += lh
            x = rect.left()
            for color, text in layers:
                w = sw * 0.7 + canvas.pad * 0.3 + canvas.text_width(text) + canvas.pad * 0.6
                if x + w > rect.right() and x > rect.left():
                    x = rect.left()
                    y += lh
                if y + lh > rect.bottom() + 1:
                    break
                _swatch(canvas, x, y + lh / 2, sw * 0.7, color, False)
                canvas.text(QtCore.QRectF(x + sw * 0.7 + canvas.pad * 0.3, y, w, lh), text, "legend", elide=False)
                x += w
            y += lh


def _swatch(canvas, x, y, width, color, dashed) -> None:
    pen = QtGui.QPen(QtGui.QColor(color), max(2.5, canvas.px * 0.2))
    if dashed:
        pen.setStyle(QtCore.Qt.PenStyle.DashLine)
    canvas.p.setPen(pen)
    canvas.p.drawLine(QtCore.QPointF(x, y), QtCore.QPointF(x + width, y))


def _curve(canvas, area, epochs, values, y_of, color, dashed, last_epoch) -> tuple:
    """Draw one curve; returns what ``LabPicture.curves`` records of it (data x, data y, pixel x, pixel y)."""
    epochs = np.asarray(epochs, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    keep = np.isfinite(values)
    xs = area.left() + epochs * (area.width() / max(last_epoch, 1))
    ys = area.bottom() - np.clip(y_of(values), 0.0, 1.0) * area.height()
    every = bool(keep.all())
    drawn = (epochs, values, xs, ys) if every else (epochs[keep], values[keep], xs[keep], ys[keep])
    pen = QtGui.QPen(QtGui.QColor(color), max(2.0, canvas.px * 0.12))
    if dashed:
        pen.setStyle(QtCore.Qt.PenStyle.DashLine)
    canvas.p.setPen(pen)
    if len(drawn[0]) == 1:
        canvas.p.drawEllipse(QtCore.QPointF(float(drawn[2][0]), float(drawn[3][0])), pen.widthF(), pen.widthF())
    elif len(drawn[0]):
        # One polyline per finite run (a lane that stopped leaves a gap), filled from NumPy, not point by
        # point: a polyline strokes much faster than the same path, dashed or not.
        if every:
            runs = [slice(0, len(keep))]
        else:
            breaks = np.flatnonzero(np.diff(keep.astype(np.int8))) + 1
            runs = [slice(run[0], run[-1] + 1) for run in np.split(np.arange(len(keep)), breaks) if keep[run[0]] and len(run) >= 2]
        canvas.p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, not canvas.draft)
        offsets = ((0.0, 0.0),)
        if canvas.draft:
            offsets = _draft_brush(pen)
            canvas.p.setPen(pen)
        for run in runs:
            run_x, run_y = _per_pixel_extremes(xs[run], ys[run])
            polygon = pg.functions.create_qpolygonf(len(run_x))
            memory = pg.functions.ndarray_from_qpolygonf(polygon)
            for dx, dy in offsets:
                memory[:, 0], memory[:, 1] = run_x + dx, run_y + dy
                canvas.p.drawPolyline(polygon)
        canvas.p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
    return drawn


def _draft_brush(pen: QtGui.QPen) -> list[tuple[float, float]]:
    """A draft's wide line as 1-pixel lines side by side: sets ``pen`` cosmetic (one pixel, its dashes as
    long as the wide pen's) and returns the offsets to draw it at, the whole pixels of a disc as wide as the
    pen (2 px: a 2 x 2 square; 3 px: a plus). Qt strokes a wide line as a filled outline, about 14 times
    the cost of its 1-pixel lines (measured: 3.0 against 0.21 ms for a jagged 300-point curve), and a
    curve's frame is redrawn with each epoch while training plays."""
    width = pen.widthF()
    size = max(1, round(width))
    centre = (size - 1) / 2
    offsets = [(i - centre, j - centre) for i in range(size) for j in range(size)
               if (i - centre) ** 2 + (j - centre) ** 2 <= 0.8 * (size / 2) ** 2 or size <= 2]  # fmt: skip
    if pen.style() != QtCore.Qt.PenStyle.SolidLine:
        pen.setDashPattern([4.0 * width, 2.0 * width])  # DashLine's 4 and 2 pen widths, in pixels of the 1-pixel pen
    pen.setWidthF(0.0)  # 0: cosmetic, one pixel whatever the transform
    return offsets


def _curves(canvas, name: str, area: QtCore.QRectF, key: tuple, draw_all) -> None:
    """The plot's curves (``draw_all()`` draws them and returns their records), kept as a layer while the
    histories and the axes stay the same: a mini-batch step repaints the picture without an epoch's new
    point, so only the sketches and the boundaries change then."""
    key = (_rect_key(area), canvas.draft, *key)
    canvas.picture.curves.update(canvas.layer(("curves", name), key, area, draw_all))


def _legend_width(canvas, texts) -> float:
    return max(canvas.text_width(t) for t in texts) + canvas.px * 1.6 + canvas.pad * 2


def paint_loss_plot(canvas, rect: QtCore.QRectF) -> None:
    lab = canvas.lab
    last = max(lab.axis_epochs, 1)
    top = max([float(np.nanmax(lane.loss)) for lane in lab.lanes if np.isfinite(lane.loss).any()] or [1.0])
    loss_top = _nice_top(top)
    y_ticks = [0.0, 0.5, 1.0]
    y_texts = [format_number(loss_top * t, 2, trailing_zeros=False) for t in y_ticks]
    rows = []
    for k, lane in enumerate(lab.lanes):
        color = lane_color(canvas.theme, k).name()
        rows += [(color, False, f"{lane.name} loss"), (color, True, f"{lane.name} test acc.")]
    legend_w = _legend_width(canvas, [r[2] for r in rows])
    if legend_w > rect.width() * 0.4:
        rows = [(c, d, t.replace(" test acc.", " acc.")) for c, d, t in rows]
        legend_w = min(_legend_width(canvas, [r[2] for r in rows]), rect.width() * 0.4)
    titles = ("Loss (solid, left axis) and test accuracy (dashed, right axis)", "Loss and test accuracy per epoch", "Loss and test accuracy")
    area = _axes(canvas, rect, last, titles, legend_w, y_ticks, y_texts, [0.0, 0.5, 1.0], ["0%", "50%", "100%"])
    canvas.picture.plot_rects["loss"] = (QtCore.QRectF(area), last, loss_top)

    def draw_all() -> dict:
        drawn = {}
        for k, lane in enumerate(lab.lanes):
            color = lane_color(canvas.theme, k).name()
            drawn[(k, "loss")] = _curve(canvas, area, lane.epochs, lane.loss, lambda v: v / loss_top, color, False, last)
            drawn[(k, "test_accuracy")] = _curve(canvas, area, lane.epochs, lane.test_accuracy_history, lambda v: v, color, True, last)
        return drawn

    histories = content_key(*[a for lane in lab.lanes for a in (lane.epochs, lane.loss, lane.test_accuracy_history)])
    _curves(canvas, "loss", area, (last, loss_top, histories), draw_all)
    legend = QtCore.QRectF(rect.right() - legend_w + canvas.pad * 0.5, area.top(), legend_w - canvas.pad * 0.5, rect.bottom() - area.top())
    canvas.layer(("legend", "loss"), (_rect_key(legend), repr(rows)), legend, lambda: _legend(canvas, legend, rows))


def paint_speed_plot(canvas, rect: QtCore.QRectF) -> None:
    lab = canvas.lab
    last = max(lab.axis_epochs, 1)
    lo, hi = lab.speed_decades
    span = max(hi - lo, 1)
    y_ticks = [(d - lo) / span for d in range(lo, hi + 1)]
    y_texts = [format_power_of_ten(d) for d in range(lo, hi + 1)]
    rows, widest = [], []
    for k, lane in enumerate(lab.lanes):
        speed = np.asarray(lane.speed, dtype=np.float64)
        layers = speed.shape[1] if speed.ndim == 2 else 0
        ramp = layer_ramp(canvas.theme, k, layers)
        rows.append((lane.name, [(ramp[l].name(), f"{l + 1}") for l in range(layers)]))
        widest.append(lane.name)
    legend_w = min(max(_legend_width(canvas, widest), canvas.text_width("1 2 3 4 5 ") * 1.6 + 5 * canvas.px), rect.width() * 0.36)
    # The widest that fits; Nielsen's name, which issue 19 asks for in the title, goes last.
    titles = ("Learning speed ‖∂C/∂b_l‖ of each layer l (Nielsen), log axis",
              "Nielsen's learning speed ‖∂C/∂b_l‖ per layer", "Nielsen's speed ‖∂C/∂b_l‖ per layer",
              "Nielsen's speed ‖∂C/∂b_l‖", "Speed ‖∂C/∂b_l‖")  # fmt: skip
    area = _axes(canvas, rect, last, titles, legend_w, y_ticks, y_texts)
    canvas.picture.plot_rects["speed"] = (QtCore.QRectF(area), last, (lo, hi))

    def draw_all() -> dict:
        drawn = {}
        for k, lane in enumerate(lab.lanes):
            speed = np.asarray(lane.speed, dtype=np.float64)
            if speed.ndim != 2:
                continue
            ramp = layer_ramp(canvas.theme, k, speed.shape[1])
            with np.errstate(divide="ignore", invalid="ignore"):
                heights = (np.where(speed > 0, np.log10(np.where(speed > 0, speed, 1.0)), np.nan) - lo) / span
            for l in range(speed.shape[1]):
                drawn[(k, f"speed{l + 1}")] = _curve(canvas, area, lane.epochs, speed[:, l], lambda v, h=heights[:, l]: h,
                                                     ramp[l].name(), False, last)  # fmt: skip
        return drawn

    _curves(canvas, "speed", area, (last, lo, hi, content_key(*[a for lane in lab.lanes for a in (lane.epochs, lane.speed)])), draw_all)
    legend = QtCore.QRectF(rect.right() - legend_w + canvas.pad * 0.5, area.top(), legend_w - canvas.pad * 0.5, rect.bottom() - area.top())
    if _legend_height(canvas, legend, rows) <= legend.height():
        canvas.layer(("legend", "speed"), (_rect_key(legend), repr(rows)), legend, lambda: _legend(canvas, legend, rows))
    else:  # every line stays in the legend, in less room
        canvas.layer(("legend", "speed"), ("compact", _rect_key(legend), repr(rows)), legend, lambda: _compact_layer_legend(canvas, legend, rows))


def _per_pixel_extremes(xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A long curve thinned to its lowest and highest point in each pixel column, in order: the same line
    on screen, and a frame's cost bounded by the plot's width rather than by the epochs kept."""
    if len(xs) <= 2 * (xs[-1] - xs[0]):  # fewer than two points a column: nothing to thin (the usual case)
        return xs, ys
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
