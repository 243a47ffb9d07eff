"""Issue 17, items 5 and 6, for the gradient bars: in the window at 1280 x 720 and 1920 x 1080, in both themes,
no value label overlaps another label or a bar it does not name, each label's text stands out from the rendered
pixels behind it (contrast >= 4.5:1, WCAG AA), text is at least 14 px (screen) / 18 px (slides), and the
choosers show their whole text.

The contrast is computed here from the pixels of a grab: the plot grabbed without its labels gives what is
behind each label's box; the WCAG formula is written out below, apart from the panel's own.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from gradviz.ui.theme import SCREEN, SLIDES
from tests.qt_helpers import shown_window

SIZES = [(1280, 720), (1920, 1080)]
MIN_PX = {"screen": 14, "slides": 18}


def luminance(rgb) -> float:
    """WCAG 2 relative luminance of an (r, g, b) in 0..255, written out independently of the panel."""
    c = np.asarray(rgb, dtype=float) / 255.0
    c = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return float(0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2])


def contrast(a, b) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def rgb(color: QtGui.QColor) -> tuple[int, int, int]:
    return color.red(), color.green(), color.blue()


@pytest.fixture(params=[(size, theme) for size in SIZES for theme in (SCREEN, SLIDES)], ids=lambda p: f"{p[0][0]}-{p[1].name}")
def bars_at_update(request, qtbot):
    size, theme = request.param
    window = shown_window(qtbot, "tiny-sigmoid", size)
    window.set_theme(theme)
    dock = window.findChild(QtWidgets.QDockWidget, "dock-gradient-bars")
    dock.show()
    dock.raise_()
    for _ in range(8):  # tiny-sigmoid's update step
        window.bridge.step_forward()
    assert window.bridge.session.record.phase.value == "update"
    panel = window.view_widgets["gradient-bars"]
    qtbot.waitUntil(lambda: panel.isVisible() and len(panel.mark_boxes()) > 0)
    return panel, theme


def test_every_value_label_is_drawn_readable_and_clear_of_what_it_does_not_name(bars_at_update):
    panel, theme = bars_at_update
    plot_widget = panel.plot_widget()
    boxes = panel.mark_boxes()
    texts = sorted(text for _box, _color, text in boxes)
    # Every value of the update step is labelled: the gradients just applied (by hand in tests/core).
    assert texts == sorted(["0.000424", "0.00387", "0.0320", "0.0922", "0.0922", "0.0922"])
    # Text size as drawn.
    for mark in panel._marks:
        assert QtGui.QFontInfo(mark.textItem.font()).pixelSize() >= MIN_PX[theme.name]
    # No two labels overlap.
    for (a, _, ta), (b, _, tb) in itertools.combinations(boxes, 2):
        assert not a.intersects(b), (ta, tb)
    # No label overlaps a bar it does not name: the bars' rectangles from their own data, mapped to pixels.
    vb = plot_widget.getPlotItem().vb
    to_widget = plot_widget.viewportTransform()
    bar_rects = []
    for row, item in enumerate(panel._bars):
        width = float(item.opts["width"])
        for x, y0, h in zip(item.opts["x"], item.opts["y0"], item.opts["height"]):
            corner_a = to_widget.map(vb.mapViewToScene(QtCore.QPointF(x - width / 2, y0 + h)))
            corner_b = to_widget.map(vb.mapViewToScene(QtCore.QPointF(x + width / 2, y0)))
            bar_rects.append((row, x, QtCore.QRectF(corner_a, corner_b).normalized()))
    for mark, (box, _color, text) in zip([m for m in panel._marks if m.isVisible()], boxes):
        for _row, x, rect in bar_rects:
            if abs(x - mark.pos().x()) < 1e-9:
                continue  # its own bar
            assert not box.intersects(rect), (text, x)
    # Contrast from rendered pixels: behind = the plot grabbed without its labels.
    with_labels = plot_widget.grab().toImage()
    for mark in panel._marks:
        mark.setVisible(False)
    behind = plot_widget.grab().toImage()
    panel._layout_marks()  # shows them again
    ratio = with_labels.width() / plot_widget.width()
    for box, color, text in boxes:
        r = QtCore.QRectF(box.left() * ratio, box.top() * ratio, box.width() * ratio, box.height() * ratio).toRect()
        r = r.intersected(behind.rect())
        assert r.width() > 2 and r.height() > 2, text
        text_rgb = rgb(QtGui.QColor(color))
        worst = min(contrast(text_rgb, rgb(behind.pixelColor(x, y))) for x in range(r.left(), r.right() + 1)
                    for y in range(r.top(), r.bottom() + 1))  # fmt: skip
        assert worst >= 4.5, (text, color, worst)
        # The label is really drawn there: some pixels in its box are close to its text colour.
        inked = sum(contrast(text_rgb, rgb(with_labels.pixelColor(x, y))) < 1.5 for x in range(r.left(), r.right() + 1)
                    for y in range(r.top(), r.bottom() + 1))  # fmt: skip
        assert inked >= 5, text


def test_the_choosers_show_their_whole_text(bars_at_update):
    panel, _theme = bars_at_update
    style = QtWidgets.QApplication.style()
    for combo in panel.findChildren(QtWidgets.QComboBox):
        assert combo.isVisible()
        option = QtWidgets.QStyleOptionComboBox()
        combo.initStyleOption(option)
        field = style.subControlRect(QtWidgets.QStyle.ComplexControl.CC_ComboBox, option,
                                     QtWidgets.QStyle.SubControl.SC_ComboBoxEditField, combo)  # fmt: skip
        needed = QtGui.QFontMetrics(combo.font()).horizontalAdvance(combo.currentText())
        assert field.width() >= needed, (combo.currentText(), field.width(), needed)
        # ... and the chooser lies wholly inside the panel.
        top_left = combo.mapTo(panel, QtCore.QPoint(0, 0))
        assert QtCore.QRect(top_left, combo.size()).right() <= panel.width(), combo.currentText()
