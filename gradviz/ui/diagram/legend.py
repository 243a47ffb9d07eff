"""The colour bar beside the diagram: its gradient, ticks, key of swatches and the neuron-fill strip."""

from __future__ import annotations

from PySide6 import QtCore, QtGui

from ..theme import Theme
from .layout import LEGEND_TWO_COLUMN_EMS, LINE_EMS, DiagramLayout, Rect, font_px, least_text_px, legend_strip_lines
from .scene import DiagramScene
from .text import fitting_font, font, qcolor, text_at


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
    fixed = (2.9 + 1.2 + 1.3 * len(bar.swatches) + 0.6 + 1.5 + 1.0) * line + 1.8 * size + 4
    bar_height = min(max(rect.height * 0.45, 4 * line), rect.height - fixed)
    if bar_height < 3 * line:
        size = max(size * rect.height / (fixed + 3 * line) * 0.97, least_text_px(theme))
        line = QtGui.QFontMetricsF(font(theme, size)).height()
        bar_height = 3 * line
    small = font(theme, max(0.9 * size, least_text_px(theme)))
    metrics = QtGui.QFontMetricsF(font(theme, size))
    x = rect.left + 0.4 * size
    room = rect.right - x
    painter.setPen(theme.color("foreground"))
    painter.setFont(fitting_font(theme, size, bar.title, room, bold=True))
    text_at(painter, x, rect.top + metrics.ascent(), bar.title, boxes, "legend")
    painter.setFont(fitting_font(theme, max(0.9 * size, least_text_px(theme)), bar.subtitle, room))
    painter.setPen(theme.color("muted"))
    text_at(painter, x, rect.top + metrics.height() + QtGui.QFontMetricsF(painter.font()).ascent() + 2, bar.subtitle, boxes, "legend")

    top = rect.top + 2.9 * metrics.height()
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
        text_at(painter, x + bar_width + 8, y + 0.35 * metrics.ascent(), label, boxes, "tick")

    y = bottom + 1.2 * metrics.height()
    for swatch in bar.swatches:
        _draw_swatch(painter, swatch, x, y, size)
        painter.setPen(theme.color("foreground"))
        painter.setFont(fitting_font(theme, max(0.9 * size, least_text_px(theme)), swatch.label, rect.right - x - 2.2 * size))
        text_at(painter, x + 2.2 * size, y + 0.35 * metrics.ascent(), swatch.label, boxes, "legend")
        y += 1.3 * metrics.height()

    # Neuron fill: f'(z) relative to its maximum, so saturation shows as dark.
    y += 0.6 * metrics.height()
    painter.setFont(font(theme, size, bold=True))
    painter.setPen(theme.color("foreground"))
    text_at(painter, x, y, "neuron fill", boxes, "legend")
    painter.setFont(small)
    painter.setPen(theme.color("muted"))
    text_at(painter, x, y + metrics.height(), "f′(z) / max f′", boxes, "legend")
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
    y += 0.9 * size + metrics.ascent() + 5
    text_at(painter, x, y, "0 saturated", boxes, "legend")
    right = "1"
    text_at(painter, x + strip_width - QtGui.QFontMetricsF(small).horizontalAdvance(right), y, right, boxes, "legend")



def strip_height(width: float, theme: Theme, swatches: int) -> float:
    """The height of a colour-bar strip ``width`` pixels wide with ``swatches`` key entries."""
    return legend_strip_lines(width, font_px(theme), swatches) * LINE_EMS * font_px(theme) + 8


def paint_colour_strip(painter, rect: Rect, scene: DiagramScene, theme: Theme, boxes=None) -> None:
    """The colour bar lying in ``rect`` under a diagram (or under both halves of Compare): its title, the bar
    with its ticks under it, the key's entries in rows, and the neuron-fill key beside the bar or under the key."""
    bar = scene.colour_bar
    size = font_px(theme)
    regular = font(theme, size)
    metrics = QtGui.QFontMetricsF(regular)
    line = metrics.height()
    two_columns = rect.width >= LEGEND_TWO_COLUMN_EMS * size
    column = rect.width / 2 - size if two_columns else rect.width
    x, top = rect.left, rect.top + 4

    def block(x: float, top: float, width: float, title: str, subtitle: str, stops) -> float:
        """A title line over a horizontal gradient of ``stops``; returns the gradient's bottom."""
        painter.setPen(theme.color("foreground"))
        painter.setFont(fitting_font(theme, size, title, width, bold=True))
        text_at(painter, x, top + metrics.ascent(), title, boxes, "legend")
        title_width = QtGui.QFontMetricsF(painter.font()).horizontalAdvance(title)
        if subtitle and title_width + 0.6 * size + metrics.horizontalAdvance(subtitle) <= width:
            painter.setFont(regular)
            painter.setPen(theme.color("muted"))
            text_at(painter, x + title_width + 0.6 * size, top + metrics.ascent(), subtitle, boxes, "legend")
        bar_top = top + line + 5
        gradient = QtGui.QLinearGradient(QtCore.QPointF(x, 0), QtCore.QPointF(x + width, 0))
        for i, argb in enumerate(stops):
            gradient.setColorAt(i / (len(stops) - 1), qcolor(argb))
        painter.setPen(QtGui.QPen(theme.color("muted"), 1.0))
        painter.setBrush(QtGui.QBrush(gradient))
        painter.drawRect(QtCore.QRectF(x, bar_top, width, 0.8 * size))
        painter.setBrush(QtCore.Qt.BrushStyle.NoBrush)
        return bar_top + 0.8 * size

    bar_width = column - 2 * size  # room for the end ticks' labels to hang over
    bar_left = x + size
    bottom = block(bar_left, top, bar_width, bar.title, bar.subtitle, bar.stops)
    painter.setFont(regular)
    widest = max((metrics.horizontalAdvance(label) for _, label in bar.ticks), default=0.0)
    spacing = bar_width / max(len(bar.ticks) - 1, 1)
    for i in _kept_ticks(len(bar.ticks), spacing, widest + 0.6 * size):
        position, label = bar.ticks[i]
        tick_x = bar_left + position * bar_width
        painter.setPen(QtGui.QPen(theme.color("foreground"), 1.0))
        painter.drawLine(QtCore.QPointF(tick_x, bottom), QtCore.QPointF(tick_x, bottom + 3))
        label_x = min(max(tick_x - metrics.horizontalAdvance(label) / 2, rect.left), rect.right - metrics.horizontalAdvance(label))
        text_at(painter, label_x, bottom + 6 + metrics.ascent(), label, boxes, "tick")

    fill_left = x + column + 2 * size if two_columns else bar_left
    fill_top = top if two_columns else None
    y = bottom + 6 + line + 0.15 * line
    # The key: entries left to right, in rows.
    entry_x = rect.left
    for swatch in bar.swatches:
        width = 2.2 * size + metrics.horizontalAdvance(swatch.label) + size
        if entry_x > rect.left and entry_x + width > rect.right:
            entry_x, y = rect.left, y + 1.15 * line
        mid = y + 0.5 * line
        _draw_swatch(painter, swatch, entry_x, mid, size)
        painter.setPen(theme.color("foreground"))
        text_at(painter, entry_x + 2.2 * size, y + metrics.ascent(), swatch.label, boxes, "legend")
        entry_x += width
    if fill_top is None:
        fill_top = y + 1.15 * line + 0.2 * line
    fill_width = min(column - 2 * size, 8 * size) if not two_columns else column - 2 * size
    bottom = block(fill_left, fill_top, fill_width, "neuron fill", "f′(z) / max f′", bar.fill_stops)
    painter.setFont(regular)
    painter.setPen(theme.color("foreground"))
    ends_y = bottom + 5 + metrics.ascent()
    if not two_columns:
        # Beside the strip, to keep the strip legend to one row under the key.
        ends_y = bottom - 0.4 * size + 0.35 * metrics.ascent()
        text_at(painter, fill_left + fill_width + 0.5 * size, ends_y, "0 saturated … 1", boxes, "legend")
        return
    text_at(painter, fill_left, ends_y, "0 saturated", boxes, "legend")
    text_at(painter, fill_left + fill_width - metrics.horizontalAdvance("1"), ends_y, "1", boxes, "legend")


def _draw_swatch(painter: QtGui.QPainter, swatch, x: float, y: float, size: float) -> None:
    """One legend swatch, 1.8 ``size`` wide from (``x``, ``y``): a line (dashed for exact zeros) or a skip's arc."""
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
