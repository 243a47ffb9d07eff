"""The lab's data panels of one lane: the decision boundary over 2-D data (a heat map with the train and
test points), or for digits the test images marked right or wrong and the confusion matrix."""

from __future__ import annotations

import math

import numpy as np
from PySide6 import QtCore, QtGui

from .lab_canvas import CLASS_COLORS, OKABE_ITO, RIGHT_MARK, WRONG_MARK, LabCanvas, content_key


#: How far the heat map's colours are mixed towards the background: the points on it must stand out.
HEAT_MAP_FADE = 0.55


def paint_boundary(canvas: LabCanvas, k: int, lane, rect: QtCore.QRectF) -> None:
    """The decision boundary as a heat map of cells, with the train (●) and test (▲) points on it."""
    lh = canvas.line_height()
    legend_h = lh
    side = max(10.0, min(rect.width(), rect.height() - legend_h - canvas.pad * 0.3))
    square = QtCore.QRectF(rect.left() + (rect.width() - side) / 2, rect.top(), side, side)
    xs, ys, values = lane.grid
    rgb_table, argb_table = canvas.kept(("heat table",), (canvas.lab.classes, canvas.bg.name()), lambda: _heat_tables(canvas.lab.classes, canvas.bg))
    index = np.ascontiguousarray(_heat_index(values, canvas.lab.classes, len(rgb_table))[::-1])  # row 0 = lowest y
    h, w = index.shape
    # 32-bit pixels: an RGB888 image would be converted on every paint before it is scaled.
    pixels = argb_table[index]
    image = QtGui.QImage(pixels.data, w, h, 4 * w, QtGui.QImage.Format.Format_RGB32)
    top_down = pixels.view(np.uint8).reshape(h, w, 4)[..., 2::-1]  # 0xffRRGGBB is B, G, R, 255 in memory
    canvas.p.drawImage(square, image)
    canvas.picture.heat_maps[k] = (top_down, QtCore.QRectF(square), np.asarray(xs), np.asarray(ys))
    x0, x1, y0, y1 = float(xs[0]), float(xs[-1]), float(ys[0]), float(ys[-1])

    def to_px(points):
        px = (points[:, 0] - x0) / (x1 - x0) * square.width()
        py = square.height() - (points[:, 1] - y0) / (y1 - y0) * square.height()
        return px, py

    if not canvas.raster:  # an SVG or a PDF keeps its points as vector shapes
        canvas.p.save()
        canvas.p.translate(square.topLeft())
        _draw_points(canvas, canvas.p, to_px)
        canvas.p.restore()
    else:
        key = (content_key(canvas.lab.train_points, canvas.lab.test_points), round(side), canvas.theme.name, canvas.px)
        layer = canvas.kept(("points", k), key, lambda: _points_layer(canvas, square.size(), to_px))
        canvas.p.drawImage(square.topLeft(), layer)
    legend = QtCore.QRectF(rect.left(), square.bottom() + canvas.pad * 0.3, rect.width(), legend_h)
    accuracy = _percent(lane.test_accuracy)
    # The test accuracy is what a narrow lane keeps longest; the points' key goes first.
    forms = (f"● train  ▲ test · test accuracy {accuracy}", f"● train  ▲ test · {accuracy} right",
             f"▲ test · {accuracy} right", f"test {accuracy}", accuracy)  # fmt: skip
    canvas.text(legend, canvas.fitting(forms, rect.width()), "legend",
              align=QtCore.Qt.AlignmentFlag.AlignHCenter | QtCore.Qt.AlignmentFlag.AlignVCenter)  # fmt: skip


def _points_layer(canvas, size: QtCore.QSizeF, to_px) -> QtGui.QImage:
    """The train (●) and test (▲) points on a transparent image the heat map's size (the same every frame)."""
    image = QtGui.QImage(max(1, round(size.width())), max(1, round(size.height())), QtGui.QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(QtCore.Qt.GlobalColor.transparent)
    painter = QtGui.QPainter(image)
    painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
    _draw_points(canvas, painter, to_px)
    painter.end()
    return image


def _draw_points(canvas, painter: QtGui.QPainter, to_px) -> None:
    painter.setPen(QtGui.QPen(QtGui.QColor("#000000" if canvas.theme.name == "slides" else "#ffffff"), 1.0))
    size = max(3.0, canvas.px * 0.24)
    for points, labels, shape in ((canvas.lab.train_points, canvas.lab.train_labels, "circle"),
                                  (canvas.lab.test_points, canvas.lab.test_labels, "triangle")):  # fmt: skip
        if points is None or len(points) == 0:
            continue
        px, py = to_px(np.asarray(points, dtype=np.float64))
        labels = np.asarray(labels)
        for cls in range(min(canvas.lab.classes, len(CLASS_COLORS))):
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


def paint_digits(canvas: LabCanvas, lane, rect: QtCore.QRectF) -> None:
    """Test images, each marked ✓ (predicted right) or ✗ (wrong)."""
    lh = canvas.line_height()
    accuracy = _percent(lane.test_accuracy)
    canvas.text(QtCore.QRectF(rect.left(), rect.top(), rect.width(), lh),
              canvas.fitting((f"Test images · {accuracy} right", f"Test · {accuracy} right", accuracy), rect.width()), "title")  # fmt: skip
    area = QtCore.QRectF(rect.left(), rect.top() + lh + canvas.pad * 0.3, rect.width(), rect.height() - lh - canvas.pad * 0.3)
    images, correct = canvas.lab.test_images, lane.correct
    count = len(images)
    mark_h = canvas.line_height()
    cols = max(1, int(area.width() // max(2.6 * canvas.px, 1)))
    cell = area.width() / cols
    rows = max(1, int(area.height() // (cell + mark_h * 0.0 + 1)))
    while rows * cols > count and rows > 1:
        rows -= 1
    side = int(max(8, min(cell - canvas.pad * 0.3, area.height() / rows - canvas.pad * 0.3)))
    good, bad = QtGui.QColor(OKABE_ITO["bluish_green"]), QtGui.QColor(OKABE_ITO["vermillion"])
    mark_px = max(canvas.px, 14.0)
    for n in range(min(rows * cols, count)):
        r, c = divmod(n, cols)
        x = area.left() + c * cell
        y = area.top() + r * (area.height() / rows)
        pixels = np.clip(np.asarray(images[n], dtype=np.float64).reshape(8, 8), 0.0, 1.0)
        gray = np.ascontiguousarray((255 * (1.0 - pixels) if canvas.theme.name == "slides" else 255 * pixels).astype(np.uint8))
        image = QtGui.QImage(gray.data, 8, 8, 8, QtGui.QImage.Format.Format_Grayscale8).copy()
        target = QtCore.QRectF(x, y, side, side)
        canvas.p.drawImage(target, image)
        right = bool(correct[n])
        color = good if right else bad
        canvas.p.setPen(QtGui.QPen(color, max(2.0, side * 0.06)))
        canvas.p.setBrush(QtCore.Qt.BrushStyle.NoBrush)
        canvas.p.drawRect(target.adjusted(1, 1, -1, -1))
        badge = QtCore.QRectF(target.right() - mark_px * 1.1, target.bottom() - mark_px * 1.25, mark_px * 1.1, mark_px * 1.25)
        canvas.p.fillRect(badge, color)
        canvas.text(badge, RIGHT_MARK if right else WRONG_MARK, "mark", align=QtCore.Qt.AlignmentFlag.AlignCenter,
                  color="#000000", px=mark_px, bold=True, elide=False)  # fmt: skip


def paint_confusion(canvas: LabCanvas, lane, rect: QtCore.QRectF) -> None:
    """The confusion matrix: rows the true class, columns the predicted one, shaded by each row's share."""
    lh = canvas.line_height()
    canvas.text(QtCore.QRectF(rect.left(), rect.top(), rect.width(), lh),
              canvas.fitting(("Confusion: true ↓ predicted →", "True ↓ predicted →", "True ↓ pred. →", "Confusion", "Conf."), rect.width()), "title")  # fmt: skip
    matrix = np.asarray(lane.confusion, dtype=np.float64)
    n = matrix.shape[0]
    label_w = canvas.text_width("9") + canvas.pad * 0.5
    area = QtCore.QRectF(rect.left() + label_w, rect.top() + 2 * lh + canvas.pad * 0.3, rect.width() - label_w, rect.height() - 2 * lh - canvas.pad * 0.3)
    cell = max(2.0, min(area.width(), area.height()) / n)
    rows = matrix.sum(axis=1, keepdims=True)
    share = np.divide(matrix, rows, out=np.zeros_like(matrix), where=rows > 0)
    ink = QtGui.QColor(OKABE_ITO["blue"])
    numbers = cell >= 1.45 * canvas.px
    # Class labels as often as they fit without touching: every class, or every second, third...
    row_step = max(1, math.ceil((canvas.line_height() + 1) / cell))
    column_step = max(1, math.ceil((canvas.text_width(str(n - 1)) + canvas.pad * 0.5) / cell))
    small_px = canvas.px
    for c in range(n):
        if c % column_step == 0:
            canvas.text(QtCore.QRectF(area.left() + c * cell, area.top() - lh, cell, lh), str(c), "axis",
                      align=QtCore.Qt.AlignmentFlag.AlignCenter, elide=False)  # fmt: skip
    for r in range(n):
        if r % row_step == 0:
            canvas.text(QtCore.QRectF(rect.left(), area.top() + r * cell, label_w, cell), str(r), "axis",
                      align=QtCore.Qt.AlignmentFlag.AlignCenter, elide=False)  # fmt: skip
        for c in range(n):
            t = float(share[r, c])
            color = _mix(canvas.bg, ink, 0.08 + 0.92 * t)
            box = QtCore.QRectF(area.left() + c * cell, area.top() + r * cell, cell - 1, cell - 1)
            canvas.p.fillRect(box, color)
            if numbers and matrix[r, c] > 0:
                text_color = "#ffffff" if _luminance(color) < 0.18 else "#000000"
                canvas.text(box, str(int(matrix[r, c])), "cell", align=QtCore.Qt.AlignmentFlag.AlignCenter,
                          color=text_color, px=small_px, elide=False)  # fmt: skip


#: Steps of the class-1 probability in the heat map's colour table (an odd count: 0.5 has its own step).
HEAT_MAP_STEPS = 255


def _heat_tables(classes: int, background: QtGui.QColor) -> tuple[np.ndarray, np.ndarray]:
    """The heat map's colours, as RGB (uint8, steps x 3) and as Qt's 0xffRRGGBB words: two classes mix
    their colours by the class-1 probability; more take their class's colour (the palette cycles); all
    faded towards the background."""
    palette = np.array([QtGui.QColor(c).getRgb()[:3] for c in (*CLASS_COLORS, *[v for k, v in OKABE_ITO.items() if k not in ("blue", "orange")])], dtype=np.float64)
    bg = np.array(background.getRgb()[:3], dtype=np.float64)
    if classes <= 2:
        t = np.linspace(0.0, 1.0, HEAT_MAP_STEPS)[:, None]
        table = palette[0] * (1 - t) + palette[1] * t
    else:
        table = palette
    rgb = np.round(table * (1 - HEAT_MAP_FADE) + bg * HEAT_MAP_FADE).astype(np.uint8)
    words = rgb.astype(np.uint32)
    return rgb, (np.uint32(0xFF000000) | (words[:, 0] << 16) | (words[:, 1] << 8) | words[:, 2]).astype("<u4")


def _heat_index(values, classes: int, steps: int) -> np.ndarray:
    """Each grid cell's row of the heat map's colour tables (``_heat_tables``)."""
    values = np.asarray(values)
    if classes <= 2:
        return np.rint(np.nan_to_num(np.clip(values, 0.0, 1.0), nan=0.5) * (HEAT_MAP_STEPS - 1)).astype(np.intp)
    return np.nan_to_num(values, nan=0.0).astype(np.intp).clip(0, None) % steps


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
