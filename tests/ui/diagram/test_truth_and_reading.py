"""Issue 17 on the diagram: every layer's numbers show wherever the others do, the update step draws the new
weights with their change, the output shows its prediction against its target, and the text reads (size,
overlap, contrast, the selection ring) in the window at 1280x720 and 1920x1080, in both themes, in presenter
mode and in exports; Compare gives each network at least 40% of its width.

Expected values come from the chain rule by hand (``tests.helpers.hand_tiny_sigmoid``), the colours from the
rendered pixels and the WCAG formula written out here.
"""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from gradviz.core.snapshot import take_snapshot
from gradviz.export_paint import render_image
from gradviz.files.network_file import load_preset
from gradviz.names import COLOR_MODES, check_color_mode
from gradviz.ui.diagram.labels import EDGE_VALUES_HINT
from gradviz.ui.diagram.layout import selection_ring
from gradviz.ui.diagram.scene import HIDDEN_VALUES_HINT
from gradviz.ui.export_views import ExportView
from gradviz.ui.main_window import MainWindow, apply_app_font
from gradviz.ui.theme import SCREEN, SLIDES
from tests.helpers import hand_tiny_sigmoid

SIZES = [(1280, 720), (1920, 1080)]
THEMES = [SCREEN, SLIDES]
#: The least pixel size of any text (issue 17 item 5): 14 on a screen, 18 on slides.
LEAST_PX = {"screen": 14, "slides": 18}


def number(text: str) -> float:
    """A printed number back as a float ("−0.00085" uses the minus sign U+2212)."""
    return float(text.replace("\u2212", "-"))


def numbers_in(text: str) -> list[float]:
    return [number(t) for t in re.findall(r"[\u2212-]?\d+(?:\.\d+)?(?:e[\u2212-]?\d+)?", text)]


def wcag_luminance(rgb) -> float:
    def linear(c):
        c = c / 255.0
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = rgb
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)


def contrast(a, b) -> float:
    la, lb = sorted((wcag_luminance(a), wcag_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@pytest.fixture
def window_for(qtbot):
    made = []

    def make(theme, size, preset="tiny-sigmoid"):
        window = MainWindow(load_preset(preset), theme)
        qtbot.addWidget(window)
        window.resize(*size)
        window.show()
        qtbot.waitExposed(window)
        made.append(window)
        return window

    yield make
    for window in made:
        window.close()
    apply_app_font(SCREEN)


def backward_at_layer_1(window):
    depth = window.bridge.snapshot.record.depth
    window.bridge.go_to_step(2 * depth + 1)  # L forward, the loss, L backward: δ reaches layer 1
    return window.bridge.snapshot


def diagram_boxes(view):
    view.grab()  # a real paint records what it drew
    return view.text_boxes


def assert_every_delta_shows(boxes):
    hand = hand_tiny_sigmoid()
    # Left to right: the input's number, then layer 1's, 2's and 3's (inside a circle or under it).
    shown = [number(b.text) for b in sorted((b for b in boxes if b.role == "neuron"), key=lambda b: b.rect.center().x())]
    # The input's activation, then δ of layers 1..3, each printed to at least two significant digits.
    assert len(shown) == 4, [(b.role, b.text) for b in boxes]
    assert shown[0] == pytest.approx(0.5)
    for printed, delta in zip(shown[1:], hand["delta"]):
        assert printed == pytest.approx(delta, rel=0.01)
    gradients = [number(b.text) for b in boxes if b.role == "edge"]
    assert gradients == pytest.approx(list(hand["grad_w"]), rel=0.01)


# ------------------------------------------------------------------------------------------ 2. every layer's δ


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("theme", THEMES, ids=lambda t: t.name)
def test_layer_1s_delta_shows_with_the_others_in_the_window(window_for, theme, size):
    window = window_for(theme, size)
    backward_at_layer_1(window)
    boxes = diagram_boxes(window.diagram)
    assert_every_delta_shows(boxes)
    # δ1 = −0.00085 by hand: the number the issue found blank.
    assert hand_tiny_sigmoid()["delta"][0] == pytest.approx(-0.00085, abs=5e-6)


def test_layer_1s_delta_shows_in_presenter_mode(window_for):
    window = window_for(SCREEN, (1280, 720))
    backward_at_layer_1(window)
    window.presenter.set_active(True)
    try:
        assert window.diagram.theme is SLIDES
        assert_every_delta_shows(diagram_boxes(window.diagram))
    finally:
        window.presenter.set_active(False)


@pytest.mark.parametrize("theme", THEMES, ids=lambda t: t.name)
@pytest.mark.parametrize("width", [1280, 1920, 3840])
def test_layer_1s_delta_shows_in_an_export(window_for, theme, width):
    window = window_for(SCREEN, (1280, 720))
    backward_at_layer_1(window)
    with ExportView("diagram", theme) as export:
        export.show(take_snapshot(window.bridge.session))
        render_image(export.view, width)
        assert_every_delta_shows(export.widget.text_boxes)


# ------------------------------------------------------------------------------------------ 3. the update


@pytest.mark.parametrize("theme", THEMES, ids=lambda t: t.name)
def test_the_update_step_draws_the_new_weights_and_the_change(window_for, theme):
    window = window_for(theme, (1280, 720))
    depth = window.bridge.snapshot.record.depth
    window.bridge.go_to_step(2 * depth + 2)  # the update
    eta = load_preset("tiny-sigmoid").learning_rate
    hand = hand_tiny_sigmoid()
    edges = [b.text for b in diagram_boxes(window.diagram) if b.role == "edge"]
    assert len(edges) == 3
    for text, grad in zip(edges, hand["grad_w"]):
        new = 0.5 - eta * grad
        if "=" in text:  # the full form: w − η·∂L/∂w = the new weight
            before, rate, printed_grad, after = numbers_in(text)
            assert (before, rate) == (0.5, pytest.approx(eta))
            assert printed_grad == pytest.approx(grad, rel=0.01)
        else:
            (after,) = numbers_in(text)
        # The change shows: the new weight is printed to enough digits to differ from 0.5 by η·∂L/∂w.
        assert after == pytest.approx(new, abs=abs(eta * grad) * 0.01)
        assert after != 0.5
    # The window's edge colours in weight mode are the new weights': the record holds them.
    record = window.bridge.snapshot.record
    np.testing.assert_allclose([float(w[0, 0]) for w in record.weights], [0.5 - eta * g for g in hand["grad_w"]], rtol=1e-12)


# ------------------------------------------------------------------------------------------ 4. target, both labels


@pytest.mark.parametrize("theme", THEMES, ids=lambda t: t.name)
def test_the_output_neuron_shows_its_prediction_against_the_target_and_the_loss(window_for, theme):
    window = window_for(theme, (1280, 720))
    outputs = [b.text for b in diagram_boxes(window.diagram) if b.role == "output"]
    assert outputs == ["target 0.8"]  # the story's start: the target before any prediction
    backward_at_layer_1(window)
    hand = hand_tiny_sigmoid()
    (text,) = [b.text for b in diagram_boxes(window.diagram) if b.role == "output"]
    prediction, target, loss = numbers_in(text)
    assert "ŷ" in text and "target" in text and "loss" in text
    assert prediction == pytest.approx(hand["a"][2], rel=2e-3)
    assert target == 0.8
    assert loss == pytest.approx(hand["loss"], rel=2e-3)


def test_weight_and_gradient_is_a_colour_mode_through_the_one_validator():
    assert "weight-and-gradient" in COLOR_MODES
    assert check_color_mode("weight-and-gradient") == "weight-and-gradient"
    with pytest.raises(ValueError, match="weight-and-gradient"):
        check_color_mode("weights-and-gradients")


def test_the_weight_and_gradient_mode_labels_each_edge_with_both(window_for):
    window = window_for(SCREEN, (1280, 720))
    window.bridge.set_color_mode("weight-and-gradient")
    backward_at_layer_1(window)
    hand = hand_tiny_sigmoid()
    edges = [b.text for b in diagram_boxes(window.diagram) if b.role == "edge"]
    assert len(edges) == 3
    for text, grad in zip(edges, hand["grad_w"]):
        assert text.startswith("w ") and "∂L/∂w" in text
        weight, grad_printed = numbers_in(text)
        assert weight == pytest.approx(0.5) and grad_printed == pytest.approx(grad, rel=0.01)
    # Coloured as the gradient mode colours: the same pixels' colours as there.
    argb = window.diagram.scene.edge_argb.copy()
    window.bridge.set_color_mode("gradient")
    np.testing.assert_array_equal(window.diagram.scene.edge_argb, argb)


# ------------------------------------------------------------------------------------------ 5. text that reads


def check_reading(view, theme, image: QtGui.QImage, boxes, selection=None) -> None:
    """Every text at least the least size, none on another, each contrasting 4.5:1 with the rendered pixels
    round it, and none under the selection ring."""
    assert boxes
    scale = image.width() / max(view.width(), 1)
    layout = view._current_layout()

    def inside_a_circle(box):
        centre = box.rect.center()
        hit = layout.node_at(centre.x(), centre.y(), slack=0.0)
        if box.role != "neuron" or hit is None:
            return 0.0, 0.0, 0.0
        x, y = layout.neuron_xy(*hit)
        return x, y, layout.radii[hit[0]]

    for box in boxes:
        assert box.px >= LEAST_PX[theme.name] - 0.01, box
    for a, b in itertools.combinations(boxes, 2):
        assert not a.rect.intersects(b.rect), (a, b)
    for box in boxes:
        ink = QtGui.QColor.fromRgba(box.argb)
        ink = (ink.red(), ink.green(), ink.blue())
        rect = QtCore.QRectF(box.rect.left() * scale, box.rect.top() * scale, box.rect.width() * scale, box.rect.height() * scale)
        # The pixels behind the text: a ring one to two pixels round its box, inside the picture.
        ring = []
        for x in range(int(rect.left()) - 2, int(rect.right()) + 3):
            for y in (int(rect.top()) - 2, int(rect.bottom()) + 2):
                if 0 <= x < image.width() and 0 <= y < image.height():
                    ring.append((image.pixelColor(x, y), (x, y)))
        for y in range(int(rect.top()) - 2, int(rect.bottom()) + 3):
            for x in (int(rect.left()) - 2, int(rect.right()) + 2):
                if 0 <= x < image.width() and 0 <= y < image.height():
                    ring.append((image.pixelColor(x, y), (x, y)))
        if inside_a_circle is not None:
            cx, cy, r = inside_a_circle(box)
            if r:  # a number in a neuron: behind it is the neuron's fill, not its outline or the edges round it
                ring = [c for c, (px, py) in ring if np.hypot(px / scale - cx, py / scale - cy) < r - 3] or [c for c, _ in ring]
            else:
                ring = [c for c, _ in ring]
        else:
            ring = [c for c, _ in ring]
        ratios = sorted(contrast(ink, (c.red(), c.green(), c.blue())) for c in ring)
        # Most of what is round a text is what is behind it (a neighbouring line may cross a corner).
        assert ratios[len(ratios) // 4] >= 4.5, (box, ratios[:5])
    if selection is not None:
        layout = view._current_layout()
        x, y = layout.neuron_xy(selection[1], selection[2])
        radius, width = selection_ring(layout.radii[selection[1]])
        for box in boxes:
            nearest_x = min(max(x, box.rect.left()), box.rect.right())
            nearest_y = min(max(y, box.rect.top()), box.rect.bottom())
            farthest = max(np.hypot(cx - x, cy - y) for cx in (box.rect.left(), box.rect.right()) for cy in (box.rect.top(), box.rect.bottom()))
            nearest = np.hypot(nearest_x - x, nearest_y - y)
            # The ring's band [radius - width/2, radius + width/2] misses the box: wholly inside or outside.
            assert nearest > radius + width / 2 or farthest < radius - width / 2, box


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("theme", THEMES, ids=lambda t: t.name)
@pytest.mark.parametrize("step", ["forward", "backward", "update"])
def test_the_diagram_in_the_window_reads(window_for, theme, size, step):
    window = window_for(theme, size)
    depth = window.bridge.snapshot.record.depth
    window.bridge.go_to_step({"forward": 2, "backward": 2 * depth + 1, "update": 2 * depth + 2}[step])
    selection = ("neuron", depth, 0)
    window.select(selection, "left")
    view = window.diagram
    image = view.grab().toImage()
    check_reading(view, theme, image, view.text_boxes, selection)


@pytest.mark.parametrize("theme", THEMES, ids=lambda t: t.name)
def test_the_diagram_of_a_wider_preset_reads(window_for, theme):
    window = window_for(theme, (1280, 720), "deep-sigmoid")
    window.bridge.go_to_step(2 * window.bridge.snapshot.record.depth + 1)
    view = window.diagram
    image = view.grab().toImage()
    check_reading(view, theme, image, view.text_boxes)


# ------------------------------------------------------------------------------------------ 1. Compare


@pytest.mark.parametrize("theme", THEMES, ids=lambda t: t.name)
def test_compare_in_the_window_gives_each_network_40_percent_and_reads(window_for, theme):
    window = window_for(theme, (1280, 720))
    window.bridge.set_compare_active(True)
    backward_at_layer_1(window)
    QtWidgets.QApplication.processEvents()  # the colour bar under both halves takes its height
    compare = window.compare_view
    assert compare.isVisible()
    total = compare.width()
    for half in (compare.left, compare.right):
        layout = half._current_layout()
        assert layout.area.width >= 0.4 * total, (layout.area.width, total)
        image = half.grab().toImage()
        check_reading(half, theme, image, half.text_boxes)
    # The one colour bar both halves share, under them, reads too.
    assert compare.strip.isVisible()
    compare.strip.grab()
    strip_boxes = compare.strip.text_boxes
    assert {"|∂L/∂w|", "not computed yet", "neuron fill"} <= {b.text for b in strip_boxes}
    for box in strip_boxes:
        assert box.px >= LEAST_PX[theme.name] - 0.01, box
    for a, b in itertools.combinations(strip_boxes, 2):
        assert not a.rect.intersects(b.rect), (a, b)
    for label in compare.findChildren(type(compare._labels[0])):
        assert QtGui.QFontInfo(label.font()).pixelSize() >= LEAST_PX[theme.name]
    # Each half shows every layer's δ, layer 1's too, or (too small a picture for them to be legible) none,
    # and says how to read them.
    for half in (compare.left, compare.right):
        shown = [b for b in half.text_boxes if b.role == "neuron"]
        captions = " ".join(b.text for b in half.text_boxes if b.role == "caption")
        if shown:
            assert len(shown) == 4
        else:
            assert HIDDEN_VALUES_HINT in captions
        edges = [b for b in half.text_boxes if b.role == "edge"]
        assert len(edges) == 3 or (edges == [] and EDGE_VALUES_HINT in captions)
    left = compare.left.text_boxes
    if [b for b in left if b.role == "neuron"]:
        hand = hand_tiny_sigmoid()
        ordered = sorted((b for b in left if b.role == "neuron"), key=lambda b: b.rect.center().x())
        assert [number(b.text) for b in ordered[1:]] == pytest.approx(list(hand["delta"]), rel=0.01)
