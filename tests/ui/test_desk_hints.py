"""The hint "hover or click a neuron for its value" is for the person at the mouse. The window's caption says
it where numbers are too small to print; presenter mode (the screen is for an audience) and every view drawn
as a picture (an exported or copied view) leave it out, and say the rest of the caption as before."""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtWidgets

from gradviz.core.network import Network
from gradviz.core.stepper import Stepper
from gradviz.export_paint import render_image
from gradviz.ui.diagram.labels import EDGE_VALUES_HINT
from gradviz.ui.diagram import NetworkView
from gradviz.ui.diagram.scene import HIDDEN_VALUES_HINT
from gradviz.ui.theme import SLIDES
from tests.qt_helpers import press, show_pass, shown_window, svg_of, svg_texts

Key = QtCore.Qt.Key


def caption_of(view) -> str:
    QtWidgets.QApplication.processEvents()
    view.grab()
    return " ".join(b.text for b in view.text_boxes if b.role == "caption")


def neuron_numbers(view) -> list[str]:
    return [b.text for b in view.text_boxes if b.role == "neuron"]


def test_presenter_mode_leaves_the_hover_hint_out_and_leaving_it_brings_the_hint_back(qtbot):
    window = shown_window(qtbot, "deep-sigmoid", (1280, 720))
    window.act.compare.trigger()  # Compare: two small halves
    window.bridge.go_to_step(12)  # the loss: the caption has the prediction and the loss
    halves = (window.compare_view.left, window.compare_view.right)
    for half in halves:
        text = caption_of(half)
        assert neuron_numbers(half) == [] and HIDDEN_VALUES_HINT in text, text
    press(qtbot, window, Key.Key_F5)
    assert window.presenter.active
    for half in halves:
        text = caption_of(half)
        # The numbers are still too small to print at 1280 x 720, but nobody in the hall holds the mouse.
        assert neuron_numbers(half) == [], neuron_numbers(half)
        assert "hover" not in text and "click" not in text, text
        assert "Loss computed" in text and "target 0.5" in text, text
    press(qtbot, window, Key.Key_Escape)
    assert not window.presenter.active
    for half in halves:
        assert HIDDEN_VALUES_HINT in caption_of(half)


def test_exported_pictures_never_say_hover_or_click(qtbot):
    window = shown_window(qtbot, "deep-sigmoid", (1280, 720))
    window.bridge.go_to_step(12)
    assert HIDDEN_VALUES_HINT in caption_of(window.diagram)
    # The same diagram as a small picture: its numbers are not printed either, and it does not say how to see them.
    render_image(window.diagram, 640, 360)
    exported = " ".join(b.text for b in window.diagram.text_boxes if b.role == "caption")
    assert neuron_numbers(window.diagram) == []
    assert "Loss computed" in exported and "hover" not in exported, exported
    window.act.compare.trigger()
    QtWidgets.QApplication.processEvents()
    render_image(window.compare_view, 1280, 720)
    for half in (window.compare_view.left, window.compare_view.right):
        exported = " ".join(b.text for b in half.text_boxes if b.role == "caption")
        assert "Loss computed" in exported and "hover" not in exported, exported


def test_edge_labels_that_find_no_room_are_not_announced_on_a_picture(qtbot):
    # In a small slides picture, 16-edge fans between neurons big enough for 18 px numbers leave no legible
    # place for every edge label: on screen the caption says how to read them; an SVG does not.
    rng = np.random.default_rng(4)
    widths = [2, 4, 4, 2]
    weights = [rng.normal(0, 0.5, (widths[i + 1], widths[i])) for i in range(len(widths) - 1)]
    stepper = Stepper(Network(widths, "tanh", weights), rng.normal(size=(2, widths[0])), rng.normal(size=(2, widths[-1])))
    stepper.run_to_end_of_pass()
    view = NetworkView(SLIDES)
    qtbot.addWidget(view)
    view.resize(800, 450)
    view.show()
    qtbot.waitExposed(view)
    show_pass(view, stepper)
    on_screen = caption_of(view)
    assert [b for b in view.text_boxes if b.role == "edge"] == []
    assert EDGE_VALUES_HINT in on_screen, on_screen
    svg = svg_of(view, (800, 450))  # laid out as the screen is: the labels find no room there either
    assert [b for b in view.text_boxes if b.role == "edge"] == []
    texts = " ".join(svg_texts(svg))
    assert "hover" not in texts and "click" not in texts, texts
    assert "loss" in texts, texts
