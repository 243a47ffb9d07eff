"""Issue 9 on the diagram: the tutorial's numbers on the edges, skip arcs, nothing dropped in either theme,
values on hover, and a background click that steps only well clear of everything."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from gradviz.core.network import Network
from gradviz.core.stepper import Stepper
from gradviz.ui.diagram.scene import HIDDEN_VALUES_HINT, build_scene
from gradviz.ui.theme import NODE_TEXT_MIN_PX_SCREEN, NODE_TEXT_MIN_PX_SLIDES, SCREEN, SLIDES, gradient_colors
from tests.qt_helpers import svg_of, svg_texts
from tests.helpers import stepper_for
from tests.qt_helpers import show_pass

#: ∂L/∂w1..3 of the tutorial's 1-1-1-1 sigmoid chain, as it prints them (three significant digits).
TUTORIAL_GRADIENTS = ("\u22120.000424", "\u22120.00387", "\u22120.0320")
SIZES = [(1280, 720), (1920, 1080)]
PRESETS = ["tiny-sigmoid", "deep-sigmoid", "residual-sigmoid", "exploding"]


# ------------------------------------------------------------------------------------------ numbers on edges


def test_the_tiny_chain_shows_the_tutorials_gradients_on_its_edges_at_the_end_of_backward(view):
    stepper = stepper_for("tiny-sigmoid")
    stepper.run_to_end_of_pass()
    show_pass(view, stepper)
    assert view.scene.edge_text == TUTORIAL_GRADIENTS
    view.grab()
    edge_texts = [b.text for b in view.text_boxes if b.role == "edge"]
    assert edge_texts == list(TUTORIAL_GRADIENTS)
    for theme in (SCREEN, SLIDES):
        view.set_theme(theme)
        texts = svg_texts(svg_of(view))
        for value in TUTORIAL_GRADIENTS:
            assert value in texts, (theme.name, value)


def test_png_and_pdf_exports_draw_the_edge_values_inside_the_picture(view, tmp_path):
    stepper = stepper_for("tiny-sigmoid")
    stepper.run_to_end_of_pass()
    show_pass(view, stepper)
    image = QtGui.QImage(1920, 1080, QtGui.QImage.Format.Format_ARGB32_Premultiplied)
    painter = QtGui.QPainter(image)
    view.render_to(painter, QtCore.QRectF(0, 0, 1920, 1080))
    painter.end()
    edges = [b for b in view.text_boxes if b.role == "edge"]
    assert [b.text for b in edges] == list(TUTORIAL_GRADIENTS)
    background = QtGui.QColor(SCREEN.background).rgb()
    for box in edges:
        assert QtCore.QRectF(0, 0, 1920, 1080).contains(box.rect)
        r = box.rect.toRect()
        inked = sum(image.pixel(x, y) != background for x in range(r.left(), r.right(), 2) for y in range(r.top(), r.bottom(), 2))
        assert inked > 20, box.text
    writer = QtGui.QPdfWriter(str(tmp_path / "tiny.pdf"))
    painter = QtGui.QPainter(writer)
    view.render_to(painter, QtCore.QRectF(painter.viewport()))
    painter.end()
    assert [b.text for b in view.text_boxes if b.role == "edge"] == list(TUTORIAL_GRADIENTS)


def test_edge_labels_appear_as_the_backward_pass_computes_them_and_weights_in_weight_mode(view):
    stepper = stepper_for("tiny-sigmoid")
    stepper.go_to_step(5)  # backward: layer 3 only
    show_pass(view, stepper)
    assert view.scene.edge_text == ("", "", TUTORIAL_GRADIENTS[2])
    view.set_color_mode("weight")
    weights = stepper.record.weights
    # The preset's weights, by hand: three digits of each w.
    expected = tuple(f"{w[0, 0]:#.3g}".replace("-", "\u2212") for w in weights)
    assert view.scene.edge_text == expected
    view.set_color_mode("activation")
    assert view.scene.edge_text is None


def test_no_edge_labels_beyond_32_edges():
    stepper = stepper_for("exploding")  # 92 edges
    scene = build_scene(stepper.run_to_end_of_pass(), None, "gradient", SCREEN)
    assert scene.edge_text is None
    rng = np.random.default_rng(0)
    widths = [4, 8]  # exactly 32 edges in one fan
    net = Network(widths, "tanh", [rng.normal(size=(8, 4))])
    record = Stepper(net, rng.normal(size=(2, 4)), rng.normal(size=(2, 8))).run_to_end_of_pass()
    scene = build_scene(record, None, "gradient", SCREEN)
    assert len(scene.edge_text) == 32 and all(scene.edge_text)


def rect_meets_circle(rect: QtCore.QRectF, cx: float, cy: float, r: float) -> bool:
    nx = min(max(cx, rect.left()), rect.right())
    ny = min(max(cy, rect.top()), rect.bottom())
    return (nx - cx) ** 2 + (ny - cy) ** 2 < r * r


@pytest.mark.parametrize("widths", [[4, 8], [2, 4, 4, 2], [1, 1, 1, 1]])
@pytest.mark.parametrize("theme", [SCREEN, SLIDES], ids=lambda t: t.name)
def test_every_edge_label_is_drawn_clear_of_the_others_and_of_the_neurons(view, widths, theme):
    rng = np.random.default_rng(4)
    weights = [rng.normal(0, 0.5, (widths[i + 1], widths[i])) for i in range(len(widths) - 1)]
    stepper = Stepper(Network(widths, "tanh", weights), rng.normal(size=(2, widths[0])), rng.normal(size=(2, widths[-1])))
    stepper.run_to_end_of_pass()
    view.set_theme(theme)
    view.resize(1280, 720)
    show_pass(view, stepper)
    view.grab()
    labels = [b.rect for b in view.text_boxes if b.role == "edge"]
    edges = sum(a * b for a, b in zip(widths, widths[1:]))
    # Every one, in slides too: the layer labels take one line here, which leaves the 16-edge fans of [2, 4, 4, 2]
    # the height their 18 px labels need (a picture too small for them: tests/ui/test_desk_hints.py).
    assert len(labels) == edges
    for a, b in itertools.combinations(labels, 2):
        assert not a.intersects(b)
    for layer, width in enumerate(widths):
        for unit in range(width):
            c = view.neuron_center(layer, unit)
            layout = view._current_layout()
            r = layout.radii[layer]
            assert not any(rect_meets_circle(rect, c.x() + 0.5, c.y() + 0.5, r - 1) for rect in labels)


# ------------------------------------------------------------------------------------------ skip arcs


def test_residual_network_draws_its_skips_as_arcs_coloured_by_the_gradient_through_them(view):
    stepper = stepper_for("residual-sigmoid")
    stepper.go_to_step(stepper.network.depth + 1)  # loss: nothing backward yet
    show_pass(view, stepper)
    scene = view.scene
    expected_layers = tuple(l for l in range(1, stepper.network.depth + 1) if stepper.network.has_skip(l))
    assert scene.skip_layers == expected_layers == tuple(range(2, 11))
    neutral = 0xFF000000 | int(SCREEN.neutral_edge.lstrip("#"), 16)
    assert scene.skip_argb == (neutral,) * len(expected_layers)
    assert "skip connection" in [s.label for s in scene.colour_bar.swatches]

    record = stepper.run_to_end_of_pass()
    show_pass(view, stepper)
    scene = view.scene
    decades = scene.colour_scale.decades
    for layer, argb, value in zip(scene.skip_layers, scene.skip_argb, scene.skip_value):
        by_hand = float(np.mean(np.abs(record.layers[layer - 1].delta)))
        assert value == pytest.approx(by_hand, rel=1e-12)
        r, g, b, _ = gradient_colors([by_hand], decades, SCREEN)[0]
        assert argb == 0xFF000000 | (int(r) << 16) | (int(g) << 8) | int(b)
    # On screen: the arc's top is drawn in its colour (above the top neurons, where nothing else is).
    layout = view._current_layout()
    image = view.grab().toImage()
    for i in (0, len(scene.skip_layers) - 1):
        points = layout.arc_points[i]
        x, y = points[len(points) // 2]
        pixel = QtGui.QColor(image.pixel(int(x), int(round(y))))
        want = QtGui.QColor.fromRgba(scene.skip_argb[i])
        assert max(abs(pixel.red() - want.red()), abs(pixel.green() - want.green()), abs(pixel.blue() - want.blue())) <= 40
    assert svg_of(view).count("<path") > 0


def _arc_apex_colours(view) -> list:
    layout, image = view._current_layout(), view.grab().toImage()
    apexes = [points[len(points) // 2] for points in layout.arc_points]
    return [QtGui.QColor(image.pixel(int(x), int(round(y)))).getRgb()[:3] for x, y in apexes]


def test_each_arc_shows_its_own_colour_at_every_step_forward_and_back(view):
    """The arcs are cached one image each: a step redraws only the arc it recolours, and stepping back
    finds the earlier colours. At every step each arc's top is in the colour the scene gives it now."""
    stepper = stepper_for("residual-sigmoid")
    depth = stepper.network.depth
    stepper.go_to_step(depth + 1)
    complete = stepper.complete_record()
    seen = set()
    for step in [*range(depth + 1, 2 * depth + 2), *range(2 * depth, depth, -1)]:
        stepper.go_to_step(step)
        view.show_record(stepper.record, complete)
        # The view's scene, built through its cache, colours the arcs as a scene built afresh does.
        assert view.scene.skip_argb == build_scene(stepper.record, complete, "gradient", SCREEN).skip_argb
        want = [((argb >> 16) & 255, (argb >> 8) & 255, argb & 255) for argb in view.scene.skip_argb]
        shown = _arc_apex_colours(view)
        assert len(shown) == len(want) == 9
        for got, expected in zip(shown, want):
            assert max(abs(a - b) for a, b in zip(got, expected)) <= 40, (step, got, expected)
        seen.add(view.scene.skip_argb)
    assert len(seen) >= depth - 1  # the arcs really changed colour along the way


def test_no_skip_swatch_without_skips():
    scene = build_scene(stepper_for("deep-sigmoid").run_to_end_of_pass(), None, "gradient", SCREEN)
    assert scene.skip_layers == ()
    assert "skip connection" not in [s.label for s in scene.colour_bar.swatches]


def test_arcs_are_drawn_over_the_raster_of_a_big_residual_network(view):
    rng = np.random.default_rng(5)
    widths = [4] + [40] * 4 + [2]  # 4,960 edges: the raster path
    weights = [rng.normal(0, 0.2, (widths[i + 1], widths[i])) for i in range(len(widths) - 1)]
    net = Network(widths, "sigmoid", weights, residual=True)
    stepper = Stepper(net, rng.normal(size=(2, 4)), rng.normal(size=(2, 2)))
    stepper.run_to_end_of_pass()
    view.resize(1280, 720)
    show_pass(view, stepper)
    image = view.grab().toImage()
    assert view.render_path == "raster"
    layout = view._current_layout()
    points = layout.arc_points[0]
    x, y = points[len(points) // 2]
    want = QtGui.QColor.fromRgba(view.scene.skip_argb[0])
    pixel = QtGui.QColor(image.pixel(int(x), int(round(y))))
    assert max(abs(pixel.red() - want.red()), abs(pixel.green() - want.green()), abs(pixel.blue() - want.blue())) <= 40


# ------------------------------------------------------------------------------------------ nothing dropped


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("theme", [SCREEN, SLIDES], ids=lambda t: t.name)
@pytest.mark.parametrize("preset", PRESETS)
def test_every_label_legend_and_caption_is_drawn_and_no_two_texts_overlap(view, preset, theme, size):
    stepper = stepper_for(preset)
    stepper.run_to_end_of_pass()
    view.set_theme(theme)
    view.resize(*size)
    show_pass(view, stepper)
    view.grab()
    boxes = view.text_boxes
    texts = [b.text for b in boxes]
    depth = stepper.network.depth
    layer_texts = [b.text for b in boxes if b.role == "layer"]
    assert "input" in layer_texts
    assert any(t in (str(depth), f"layer {depth}") or t.startswith(f"layer {depth} ") for t in layer_texts)
    for required in ("neuron fill", "f′(z) / max f′", "0 saturated", "not computed yet", "|∂L/∂w|"):
        assert required in texts, required
    captions = [b.text for b in boxes if b.role == "caption"]
    assert captions[0].startswith("Backward: layer 1 of")
    if preset == "residual-sigmoid":
        assert "skip connection" in texts
    else:
        assert "skip connection" not in texts
    # Every text inside the widget, none on another.
    frame = QtCore.QRectF(0, 0, *size)
    for box in boxes:
        assert frame.contains(box.rect), box
    for a, b in itertools.combinations(boxes, 2):
        assert not a.rect.intersects(b.rect), (a, b)
    # Ticks: at least the ends of the scale.
    ticks = [b for b in boxes if b.role == "tick"]
    assert len(ticks) >= 2
    # Numbers on neurons only at a legible size; hidden ones are announced.
    least = NODE_TEXT_MIN_PX_SLIDES if theme is SLIDES else NODE_TEXT_MIN_PX_SCREEN
    neuron_boxes = [b for b in boxes if b.role == "neuron"]
    for b in neuron_boxes:
        assert b.rect.height() >= least
    hidden = any(t is not None for t in view.scene.node_text) and len(neuron_boxes) < sum(len(t) for t in view.scene.node_text if t)
    if hidden:
        assert any(HIDDEN_VALUES_HINT in c for c in captions)
    if preset == "tiny-sigmoid":
        assert [b.text for b in boxes if b.role == "edge"] == list(TUTORIAL_GRADIENTS)


def test_neuron_numbers_hide_below_the_legible_size_and_the_caption_says_how_to_see_them(view):
    stepper = stepper_for("deep-sigmoid")
    stepper.run_to_end_of_pass()
    view.set_theme(SLIDES)
    view.resize(900, 500)
    show_pass(view, stepper)
    view.grab()
    assert not [b for b in view.text_boxes if b.role == "neuron"]
    assert any(HIDDEN_VALUES_HINT in b.text for b in view.text_boxes if b.role == "caption")


def test_plus_n_more_note_keeps_clear_of_the_colour_bar(view):
    rng = np.random.default_rng(1)
    widths = [3, 100, 200]
    weights = [rng.normal(0, 0.3, (widths[i + 1], widths[i])) for i in range(2)]
    stepper = Stepper(Network(widths, "tanh", weights), rng.normal(size=(2, 3)), rng.normal(size=(2, 200)))
    stepper.run_to_end_of_pass()
    for theme in (SCREEN, SLIDES):
        view.set_theme(theme)
        show_pass(view, stepper)
        view.grab()
        notes = [b for b in view.text_boxes if b.role == "note"]
        assert [n.text.split("+")[1].split()[0] for n in notes] == ["37", "137"]
        for a, b in itertools.combinations(view.text_boxes, 2):
            assert not a.rect.intersects(b.rect), (a, b)


# ------------------------------------------------------------------------------------------ hover and click


def test_hovering_an_edge_or_a_neuron_shows_its_value(qtbot, view):
    stepper = stepper_for("deep-sigmoid")
    record = stepper.run_to_end_of_pass()
    show_pass(view, stepper)
    point = view.edge_midpoint(11, 0, 7)
    qtbot.mouseMove(view, point)
    qtbot.waitUntil(lambda: view.hover_text != "")
    grad = record.layers[10].grad_w[0, 7]
    # Counted from 1, as the inspector counts (unit 7 is the 8th neuron).
    assert "from neuron 8 of layer 10 to neuron 1 of layer 11" in view.hover_text
    assert f"∂L/∂w = {grad:.3g}".replace("-", "\u2212").replace("e\u22120", "e\u2212") in view.hover_text
    qtbot.waitUntil(lambda: QtWidgets.QToolTip.isVisible() and QtWidgets.QToolTip.text() == view.hover_text)
    centre = view.neuron_center(3, 5)
    qtbot.mouseMove(view, centre)
    qtbot.waitUntil(lambda: view.hover_text.startswith("neuron 6 of layer 3"))
    mean_a = float(np.mean(record.layers[2].a[:, 5]))
    assert f"a = {mean_a:.3g}" in view.hover_text


def test_hovering_a_skip_arc_shows_its_gradient(qtbot, view):
    stepper = stepper_for("residual-sigmoid")
    record = stepper.run_to_end_of_pass()
    show_pass(view, stepper)
    layout = view._current_layout()
    x, y = layout.arc_points[0][len(layout.arc_points[0]) // 2]
    text = view.hover_text_at(x, y)
    assert text.startswith("skip connection over layer 2")
    value = float(np.mean(np.abs(record.layers[1].delta)))
    assert f"{value:.3g}" in text


def test_a_near_miss_selects_nothing_and_does_not_step(qtbot, view):
    stepper = stepper_for("tiny-sigmoid")
    stepper.run_to_end_of_pass()
    show_pass(view, stepper)
    emitted = []
    view.sigBackgroundClicked.connect(lambda: emitted.append("background"))
    view.sigNeuronClicked.connect(lambda *a: emitted.append("neuron"))
    view.sigEdgeClicked.connect(lambda *a: emitted.append("edge"))
    layout = view._current_layout()
    centre = view.neuron_center(2, 0)
    r = layout.radii[2]
    # 8 px beyond the neuron's rim, straight down (the edge runs horizontally): within reach, no hit.
    near = QtCore.QPoint(centre.x(), int(centre.y() + r + 8))
    qtbot.mouseClick(view, QtCore.Qt.MouseButton.LeftButton, pos=near)
    # 9 px above the middle of edge 3 (beyond the 5 px hit tolerance, within the 12 px reach).
    mid = view.edge_midpoint(3, 0, 0)
    qtbot.mouseClick(view, QtCore.Qt.MouseButton.LeftButton, pos=mid + QtCore.QPoint(0, 9))
    assert emitted == []
    # Well clear (20 px below the edge's middle, nothing else near): the background steps.
    with qtbot.waitSignal(view.sigBackgroundClicked):
        qtbot.mouseClick(view, QtCore.Qt.MouseButton.LeftButton, pos=mid + QtCore.QPoint(0, 40))
    assert emitted == ["background"]


@pytest.mark.parametrize("theme", [SCREEN, SLIDES], ids=lambda t: t.name)
def test_a_short_diagram_thins_its_ticks_and_keeps_the_whole_key(view, theme):
    stepper = stepper_for("deep-sigmoid")
    stepper.run_to_end_of_pass()
    view.set_theme(theme)
    view.resize(900, 360)
    show_pass(view, stepper)
    view.grab()
    boxes = view.text_boxes
    ticks = [b.text for b in boxes if b.role == "tick"]
    all_ticks = [label for _, label in view.scene.colour_bar.ticks]
    assert 2 <= len(ticks) < len(all_ticks)  # thinned
    assert ticks[-1] == all_ticks[-1] and ticks[0] == all_ticks[0]  # both ends of the scale labelled
    texts = [b.text for b in boxes]
    assert "neuron fill" in texts and "0 saturated" in texts
    for a, b in itertools.combinations(boxes, 2):
        assert not a.rect.intersects(b.rect), (a, b)
    frame = QtCore.QRectF(0, 0, 900, 360)
    assert all(frame.contains(b.rect) for b in boxes)


def test_a_narrow_slide_breaks_the_caption_instead_of_shrinking_it(view):
    stepper = stepper_for("tiny-sigmoid")
    record = stepper.run_to_end_of_pass()
    view.set_theme(SLIDES)
    view.resize(640, 560)  # one half of a compare view on a 1280-wide screen
    show_pass(view, stepper)
    view.grab()
    captions = [b for b in view.text_boxes if b.role == "caption"]
    assert captions[0].text == "Backward: layer 1 of 3"
    assert any(b.text.startswith("loss ") for b in captions[1:])
    # The loss leads the notes' lines (an output label with no room on the picture follows it there).
    assert captions[1].text.startswith(f"loss {record.loss:.6g}")
    label_px = SLIDES.font_size * 96 / 72  # 16 pt: a line of it is taller than its pixel size, unless shrunk
    for b in captions[1:]:
        assert b.rect.height() >= label_px, b


@pytest.mark.parametrize("width", [820, 840, 860, 900])
@pytest.mark.parametrize("theme", [SCREEN, SLIDES], ids=lambda t: t.name)
def test_caption_lines_end_inside_their_room_with_every_letter_drawn(view, theme, width):
    # The diagram's share of a 1280 x 720 window: a caption that just fits its room was drawn right up to
    # the room's edge, and the last letters were cut off there ("valu", "samples" without its bracket).
    stepper = stepper_for("tiny-sigmoid")
    stepper.run_to_end_of_pass()
    view.set_theme(theme)
    view.resize(width, 620)
    show_pass(view, stepper)
    image = view.grab().toImage().convertToFormat(QtGui.QImage.Format.Format_RGB32)
    pixels = np.frombuffer(image.constBits(), dtype=np.uint32).reshape(image.height(), image.bytesPerLine() // 4)
    background = QtGui.QColor(theme.background).rgb() & 0xFFFFFF
    legend_left = min(b.rect.left() for b in view.text_boxes if b.role == "legend")
    captions = [b for b in view.text_boxes if b.role == "caption"]
    assert len(captions) >= 2
    for box in captions:
        rows = pixels[int(box.rect.top()) + 1 : int(box.rect.bottom()) - 1, : int(legend_left)]
        ink = np.flatnonzero(np.any((rows & 0xFFFFFF) != background, axis=0))
        ink_right = ink.max() + 1
        # Every letter drawn: the ink reaches the end of the text's advance (within antialiasing)...
        assert ink_right >= box.rect.right() - 3, (box.text, ink_right, box.rect.right())
        # ...and the text ends clear of the colour legend's column, not at the edge of its room.
        assert ink_right <= legend_left - 10, (box.text, ink_right, legend_left)
