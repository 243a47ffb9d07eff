"""The layer labels take the room they need over the band: one line where every label drawn is one line
("1", "layer 1 · sigmoid"), two where one is two ("1" over "ReLU"); the neurons get the rest. Compare's two
halves take the same room, so their neurons stay level."""

from __future__ import annotations

import pytest
from PySide6 import QtWidgets

from gradviz.ui.diagram.layout import font_px
from gradviz.ui.theme import SCREEN, SLIDES
from tests.qt_helpers import shown_window


def compare_at_step_3(qtbot, size, theme):
    """The window on deep-sigmoid at ``size`` in ``theme``, with Compare on, three steps into the pass."""
    window = shown_window(qtbot, "deep-sigmoid", size)
    window.set_theme(theme)
    window.act.compare.trigger()
    window.bridge.go_to_step(3)
    QtWidgets.QApplication.processEvents()
    return window.compare_view


def label_lines_and_top(view):
    """How many rows of layer labels ``view`` drew, and the top of the highest one, in the view's pixels."""
    view.grab()
    boxes = [b for b in view.text_boxes if b.role == "layer"]
    assert boxes
    rows = sorted({round(b.rect.top()) for b in boxes})
    return len(rows), min(b.rect.top() for b in boxes)


@pytest.mark.parametrize("theme", [SCREEN, SLIDES], ids=lambda t: t.name)
def test_compare_halves_keep_their_neurons_level_whatever_their_labels_take(qtbot, theme):
    compare = compare_at_step_3(qtbot, (1920, 1080), theme)
    left, right = compare.left, compare.right
    rows = {side: label_lines_and_top(view)[0] for side, view in (("left", left), ("right", right))}
    # Drawn at the same size, and their neurons at the same heights, whatever each half's labels are.
    assert left.size() == right.size()
    for layer in range(1, 12):
        assert left._current_layout().ys[layer][0] == right._current_layout().ys[layer][0]
        assert left.neuron_center(layer, 0).y() == right.neuron_center(layer, 0).y()
    if rows["left"] != rows["right"]:
        # The half of one-line labels leaves the second line empty, as its partner needs it.
        assert max(rows.values()) == 2


@pytest.mark.parametrize("theme", [SCREEN, SLIDES], ids=lambda t: t.name)
def test_one_line_labels_leave_no_empty_line_over_them(qtbot, theme):
    compare = compare_at_step_3(qtbot, (1280, 720), theme)
    size = font_px(theme)
    for view in (compare.left, compare.right):
        rows, top = label_lines_and_top(view)
        assert rows == 1, rows  # at 1280 x 720 each half has room for the layers' numbers alone
        # Over the one row: the margin only (0.6 of the font size and 8 px, less the text's own leading),
        # not a second line's height (1.2 of the font size) left empty.
        assert 0 <= top < 0.6 * size + 8, (top, size)
