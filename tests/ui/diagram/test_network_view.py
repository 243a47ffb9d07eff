"""The network diagram: colours on screen match the one colour function, clicks, modes, export paths."""

from __future__ import annotations

import re

import numpy as np
import pytest
from PySide6 import QtCore, QtGui

from gradviz.core.network import Network
from gradviz.core.stats import decade_range
from gradviz.core.stepper import Stepper
from gradviz.core.format import format_number, format_power_of_ten
from gradviz.ui.diagram import NetworkView, scene as diagram_scene
from gradviz.ui.diagram.scene import node_value_texts
from gradviz.ui.theme import SCREEN, SLIDES, gradient_colors
from tests import qt_helpers
from tests.qt_helpers import svg_texts
from tests.helpers import stepper_for
from tests.qt_helpers import show_pass

TOLERANCE = 3


def pixel_at(view: NetworkView, point: QtCore.QPoint) -> QtGui.QColor:
    return QtGui.QColor(view.grab().toImage().pixel(point))


def rgb(color) -> tuple[int, int, int]:
    if isinstance(color, QtGui.QColor):
        return color.red(), color.green(), color.blue()
    if isinstance(color, str):
        return rgb(QtGui.QColor(color))
    return tuple(int(c) for c in color[:3])


def assert_close(actual, expected, tolerance: int = TOLERANCE) -> None:
    a, e = rgb(actual), rgb(expected)
    assert all(abs(x - y) <= tolerance for x, y in zip(a, e)), f"colour {a} is not {e}"


def all_grads(record) -> np.ndarray:
    return np.concatenate([layer.grad_w.ravel() for layer in record.layers])


def svg_of(view: NetworkView, size=(1200, 800)) -> str:
    return qt_helpers.svg_of(view, size)


# ------------------------------------------------------------------------------------------ gradient colours


def test_edges_after_backward_pass_have_the_gradient_colour(view):
    stepper = stepper_for("tiny-sigmoid")
    record = stepper.run_to_end_of_pass()
    show_pass(view, stepper)
    decades = decade_range(all_grads(stepper.complete_record()))
    image = view.grab().toImage()
    first = gradient_colors(np.abs(record.layers[0].grad_w[0, 0]), decades, SCREEN)[0]
    last = gradient_colors(np.abs(record.layers[2].grad_w[0, 0]), decades, SCREEN)[0]
    assert_close(QtGui.QColor(image.pixel(view.edge_midpoint(1, 0, 0))), first)
    assert_close(QtGui.QColor(image.pixel(view.edge_midpoint(3, 0, 0))), last)
    assert_close(view.edge_color(1, 0, 0), first, tolerance=0)
    # The vanishing gradient is visible: the first layer's edge is far from the last layer's.
    assert sum(abs(a - b) for a, b in zip(rgb(first), rgb(last))) > 100
    assert view.render_path == "vector"


def test_edges_are_neutral_grey_until_the_backward_pass_reaches_them(view):
    stepper = stepper_for("tiny-sigmoid")
    stepper.go_to_step(4)  # forward pass and loss done
    show_pass(view, stepper)
    for layer in (1, 2, 3):
        assert_close(pixel_at(view, view.edge_midpoint(layer, 0, 0)), SCREEN.neutral_edge)
    stepper.step_forward()  # backward: layer 3
    show_pass(view, stepper)
    image = view.grab().toImage()
    assert_close(QtGui.QColor(image.pixel(view.edge_midpoint(1, 0, 0))), SCREEN.neutral_edge)
    assert rgb(QtGui.QColor(image.pixel(view.edge_midpoint(3, 0, 0)))) != rgb(SCREEN.neutral_edge)


def test_the_scale_record_fixes_the_colour_scale(view):
    stepper = stepper_for("deep-sigmoid")
    stepper.go_to_step(stepper.network.depth + 2)  # only the last layer's gradient exists yet
    complete = stepper.complete_record()
    view.show_record(stepper.record, complete)
    with_scale = view.edge_color(11, 0, 0)
    decades = decade_range(all_grads(complete))
    assert_close(with_scale, gradient_colors(np.abs(complete.layers[-1].grad_w[0, 0]), decades, SCREEN)[0], 0)
    view.show_record(stepper.record)  # scaled on its own few gradients: different decades, other colour
    assert rgb(view.edge_color(11, 0, 0)) != rgb(with_scale)


@pytest.mark.parametrize("strong", [0, 1], ids=["first-to-strong", "second-to-strong"])
def test_where_two_edges_cross_the_stronger_gradient_is_drawn_on_top(view, strong):
    """Input 1 -> neuron 1 and input 2 -> neuron 2 cross no one; input 1 -> neuron 2 and input 2 -> neuron 1
    cross in the middle of the gap. With a = (1, 1) and a linear layer, dL/dw[to, from] = delta_to, so the
    edge into the neuron with the larger |delta| carries the larger gradient: its colour is at the crossing."""
    network = Network([2, 2], "linear", [np.eye(2)])
    target = [1.0 - 3.0, 1.0 - 0.003] if strong == 0 else [1.0 - 0.003, 1.0 - 3.0]  # delta = a - target
    stepper = Stepper(network, [[1.0, 1.0]], [target])
    record = stepper.run_to_end_of_pass()
    show_pass(view, stepper)
    grad = record.layers[0].grad_w
    assert abs(grad[strong, 1 - strong]) > 100 * abs(grad[1 - strong, strong])  # the crossing pair's gradients
    a, b = view.neuron_center(0, 0), view.neuron_center(1, 1)
    c, d = view.neuron_center(0, 1), view.neuron_center(1, 0)
    crossing = QtCore.QPoint((a.x() + b.x() + c.x() + d.x()) // 4, (a.y() + b.y() + c.y() + d.y()) // 4)
    decades = decade_range(all_grads(stepper.complete_record()))
    want = gradient_colors(np.abs(grad[strong, 1 - strong]), decades, SCREEN)[0]
    other = gradient_colors(np.abs(grad[1 - strong, strong]), decades, SCREEN)[0]
    assert max(abs(int(x) - int(y)) for x, y in zip(want[:3], other[:3])) > 100  # two colours told apart
    assert_close(pixel_at(view, crossing), want, 12)


def test_dead_relu_edges_are_zero_coloured_and_dashed(view):
    stepper = stepper_for("tiny-relu", inputs=[[-0.5]])
    record = stepper.run_to_end_of_pass()
    assert record.layers[0].grad_w[0, 0] == 0.0
    show_pass(view, stepper)
    image = view.grab().toImage()
    middle = view.edge_midpoint(1, 0, 0)
    assert_close(QtGui.QColor(image.pixel(middle)), SCREEN.zero_edge)
    # Dashed: walking from the middle to the neuron passes both dashes and gaps.
    start = view.neuron_center(1, 0)
    xs = range(min(middle.x(), start.x()) + 1, max(middle.x(), start.x()) - 40)
    colours = [rgb(QtGui.QColor(image.pixel(x, middle.y()))) for x in xs]
    red = sum(1 for c in colours if max(abs(a - b) for a, b in zip(c, rgb(SCREEN.zero_edge))) <= 30)
    assert 0.3 * len(colours) < red < 0.9 * len(colours)


def test_nan_gradients_are_shown_in_the_nonfinite_colour_and_as_text(view):
    network = Network([1, 1, 1], "sigmoid", [np.array([[0.5]]), np.array([[0.5]])])
    stepper = Stepper(network, [[np.nan]], [[0.5]])
    stepper.run_to_end_of_pass()
    show_pass(view, stepper)
    assert_close(pixel_at(view, view.edge_midpoint(1, 0, 0)), SCREEN.nonfinite)
    assert_close(view.neuron_color(1, 0), SCREEN.nonfinite, 0)
    assert "NaN" in svg_texts(svg_of(view))


def test_inf_values_do_not_crash_and_read_inf(view):
    network = Network([1, 1], "linear", [np.array([[1e308]])])
    stepper = Stepper(network, [[1e308]], [[0.0]])
    stepper.run_to_end_of_pass()
    show_pass(view, stepper)
    texts = svg_texts(svg_of(view))
    assert "∞" in texts or "−∞" in texts
    assert_close(pixel_at(view, view.edge_midpoint(1, 0, 0)), SCREEN.nonfinite)


def test_stepping_back_shows_the_exact_earlier_image(view):
    stepper = stepper_for("deep-sigmoid")
    stepper.go_to_step(15)
    show_pass(view, stepper)
    before = view.grab().toImage()
    stepper.step_forward()
    show_pass(view, stepper)
    after = view.grab().toImage()
    stepper.step_back()
    show_pass(view, stepper)
    assert view.grab().toImage() == before
    assert after != before


def test_colour_bar_is_labelled_in_powers_of_ten_matching_the_decades(view):
    stepper = stepper_for("deep-sigmoid")
    stepper.run_to_end_of_pass()
    show_pass(view, stepper)
    lo, hi = decade_range(all_grads(stepper.complete_record()))
    texts = set(svg_texts(svg_of(view)))
    assert format_power_of_ten(hi) in texts and format_power_of_ten(lo) in texts
    ticks = [t for t in texts if re.fullmatch(r"10[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+|1|10", t)]
    assert len(ticks) >= 3
    assert "|∂L/∂w|" in texts


def test_layer_labels_name_the_activation(view):
    stepper = stepper_for("tiny-sigmoid")
    show_pass(view, stepper)
    texts = svg_texts(svg_of(view))
    assert "input" in texts
    assert "layer 2 · sigmoid" in texts


def test_small_layers_print_values_forward_a_then_backward_delta(view):
    stepper = stepper_for("tiny-sigmoid")
    record = stepper.go_to_step(3)
    show_pass(view, stepper)
    texts = svg_texts(svg_of(view))
    assert format_number(float(record.layers[0].a[0, 0]), 3) in texts
    record = stepper.run_to_end_of_pass()
    show_pass(view, stepper)
    texts = svg_texts(svg_of(view))
    assert format_number(float(record.layers[0].delta[0, 0]), 2) in texts


def test_values_on_neurons_are_compact_numbers_of_the_one_formatter():
    # Three significant digits where each fits in seven characters, else two for the whole layer.
    for value, text in [
        (0.62245, "0.622"), (-0.00085, "\u22120.00085"), (-0.032004, "\u22120.0320"), (0.00042358, "0.00042"),
        (float("nan"), "NaN"), (float("-inf"), "\u2212∞"), (0.0, "0"), (-0.0, "0"), (1234.0, "1234"),
        (4.2449e-5, "4.24e\u22125"),
    ]:  # fmt: skip
        assert node_value_texts([value]) == (text,)
    assert node_value_texts([0.62245, -6.5e-8]) == ("0.62", "\u22126.5e\u22128")


# ------------------------------------------------------------------------------------------ big networks


def test_wide_layer_draws_a_subset_with_an_ellipsis_but_scales_on_all_units(view):
    rng = np.random.default_rng(1)
    widths = [3, 200, 2]
    weights = [rng.normal(0, 0.3, (widths[i + 1], widths[i])) for i in range(2)]
    stepper = Stepper(Network(widths, "tanh", weights), rng.normal(size=(2, 3)), rng.normal(size=(2, 2)))
    record = stepper.run_to_end_of_pass()
    show_pass(view, stepper)
    view.neuron_center(1, 0)
    view.neuron_center(1, 199)
    with pytest.raises(ValueError):
        view.neuron_center(1, 100)
    assert "+137 more" in " ".join(svg_texts(svg_of(view)))
    # A hidden edge still has its colour, on the scale of every gradient.
    decades = decade_range(all_grads(stepper.complete_record()))
    assert_close(view.edge_color(1, 100, 2), gradient_colors(abs(record.layers[0].grad_w[100, 2]), decades, SCREEN)[0], 0)


@pytest.fixture(scope="module")
def big_stepper():
    rng = np.random.default_rng(2)
    widths = [64] * 26
    weights = [rng.normal(0, 1 / 8, (64, 64)) for _ in range(25)]
    stepper = Stepper(Network(widths, "sigmoid", weights), rng.normal(size=(2, 64)), rng.uniform(size=(2, 64)))
    stepper.run_to_end_of_pass()
    return stepper


def test_big_network_draws_through_the_raster_on_screen_and_as_vectors_for_export(view, big_stepper):
    view.resize(1400, 900)
    show_pass(view, big_stepper)
    image = view.grab().toImage()
    assert view.render_path == "raster"
    # The raster agrees with the intended colour at a top edge of the last layer (drawn last there).
    point = view.edge_midpoint(25, 0, 0)
    assert image.pixel(point) != QtGui.QColor(SCREEN.background).rgb()
    svg = svg_of(view, (1400, 900))
    assert svg.count("<polyline") + svg.count("<path") + svg.count("<line") > 50_000
    assert len(svg_texts(svg)) > 20
    target = QtGui.QImage(700, 450, QtGui.QImage.Format.Format_ARGB32_Premultiplied)
    painter = QtGui.QPainter(target)
    view.render_to(painter, QtCore.QRectF(0, 0, 700, 450))
    painter.end()
    assert target.pixel(3, 3) == QtGui.QColor(SCREEN.background).rgb()


def test_raster_and_vector_paths_agree_on_an_isolated_edge(view):
    rng = np.random.default_rng(3)
    widths = [2, 60, 60, 2]  # 3,840 edges: raster on screen
    weights = [rng.normal(0, 0.3, (widths[i + 1], widths[i])) for i in range(3)]
    stepper = Stepper(Network(widths, "tanh", weights), rng.normal(size=(1, 2)), rng.normal(size=(1, 2)))
    stepper.run_to_end_of_pass()
    view.resize(1000, 700)
    show_pass(view, stepper)
    image = view.grab().toImage()
    assert view.render_path == "raster"
    # The edge from input 0 to the top neuron is alone at its midpoint (nothing else crosses there).
    assert_close(QtGui.QColor(image.pixel(view.edge_midpoint(1, 0, 0))), view.edge_color(1, 0, 0))


# ------------------------------------------------------------------------------------------ interaction


def test_clicks_emit_neuron_edge_and_background_signals(qtbot, view):
    stepper = stepper_for("deep-sigmoid")
    stepper.run_to_end_of_pass()
    show_pass(view, stepper)
    with qtbot.waitSignal(view.sigNeuronClicked) as blocker:
        qtbot.mouseClick(view, QtCore.Qt.MouseButton.LeftButton, pos=view.neuron_center(3, 5))
    assert blocker.args == [3, 5]
    with qtbot.waitSignal(view.sigEdgeClicked) as blocker:
        qtbot.mouseClick(view, QtCore.Qt.MouseButton.LeftButton, pos=view.edge_midpoint(1, 0, 0))
    assert blocker.args == [1, 0, 0]
    with qtbot.waitSignal(view.sigEdgeClicked) as blocker:
        qtbot.mouseClick(view, QtCore.Qt.MouseButton.LeftButton, pos=view.edge_midpoint(11, 0, 7) + QtCore.QPoint(0, 2))
    assert blocker.args == [11, 0, 7]
    with qtbot.waitSignal(view.sigBackgroundClicked):
        qtbot.mouseClick(view, QtCore.Qt.MouseButton.LeftButton, pos=QtCore.QPoint(4, 4))


def test_selection_outlines_a_neuron(view):
    stepper = stepper_for("tiny-sigmoid")
    show_pass(view, stepper)
    before = view.grab().toImage()
    view.set_selection(("neuron", 2, 0))
    after = view.grab().toImage()
    assert after != before
    view.set_selection(None)
    assert view.grab().toImage() == before


# ------------------------------------------------------------------------------------------ modes and themes


def test_weight_and_activation_modes_recolour_the_edges(view):
    stepper = stepper_for("tiny-sigmoid")
    stepper.go_to_step(1)
    show_pass(view, stepper)
    gradient = view.edge_color(2, 0, 0)
    assert_close(gradient, SCREEN.neutral_edge, 0)
    view.set_color_mode("weight")
    weight = view.edge_color(2, 0, 0)
    assert rgb(weight) != rgb(gradient)
    assert_close(pixel_at(view, view.edge_midpoint(2, 0, 0)), weight)
    view.set_color_mode("activation")
    assert rgb(view.edge_color(2, 0, 0)) != rgb(SCREEN.neutral_edge)  # layer 1 is computed
    assert_close(view.edge_color(3, 0, 0), SCREEN.neutral_edge, 0)  # layer 2 is not yet
    with pytest.raises(ValueError):
        view.set_color_mode("rainbow")


@pytest.mark.parametrize("mode", ["weight", "activation"])
def test_colour_scale_is_computed_once_a_pass_not_once_a_step(view, monkeypatch, mode):
    scaled_on = []
    largest_abs = diagram_scene._largest_abs

    def counted(arrays):
        scaled_on.append(len(arrays))
        return largest_abs(arrays)

    monkeypatch.setattr(diagram_scene, "_largest_abs", counted)
    stepper = stepper_for("deep-sigmoid")
    view.set_color_mode(mode)
    depth = stepper.network.depth
    for _ in range(2 * depth + 1):  # the whole pass up to the end of the backward pass
        stepper.step_forward()
        show_pass(view, stepper)
    assert len(scaled_on) == 1
    record = stepper.record
    if mode == "weight":
        largest = max(np.abs(w).max() for w in record.weights)
        position = 0.5 + 0.5 * record.weights[1][0, 0] / largest
        expected = SCREEN.colormap("weight").map(np.array([position]), mode="byte")[0]
    else:
        largest = max(np.abs(a).max() for a in [record.inputs] + [l.a for l in record.layers])
        position = np.mean(np.abs(record.activations(1)[:, 0])) / largest
        expected = SCREEN.colormap("activation").map(np.array([position]), mode="byte")[0]
    assert_close(view.edge_color(2, 0, 0), expected, 1)

    stepper.step_forward()  # the SGD update: new weights (weight mode), the same pass (activation mode)
    show_pass(view, stepper)
    assert len(scaled_on) == (2 if mode == "weight" else 1)
    stepper.step_forward()  # the next pass, on the updated network: a new complete record
    show_pass(view, stepper)
    assert len(scaled_on) == 2


def test_neuron_fill_shows_the_local_derivative(view):
    network = Network([1, 1, 1], "sigmoid", [np.array([[20.0]]), np.array([[1.0]])])
    stepper = Stepper(network, [[1.0]], [[0.5]])  # z = 20: a saturated sigmoid
    stepper.go_to_step(2)
    show_pass(view, stepper)
    saturated, healthy = view.neuron_color(1, 0), view.neuron_color(2, 0)
    assert saturated.lightness() < healthy.lightness()
    assert_close(view.neuron_color(0, 0), SCREEN.node_fill, 0)


def test_slides_theme_has_a_white_background(view):
    stepper = stepper_for("tiny-sigmoid")
    show_pass(view, stepper)
    view.set_theme(SLIDES)
    assert_close(pixel_at(view, QtCore.QPoint(3, 3)), "#ffffff", 0)
    view.set_theme(SCREEN)
    assert_close(pixel_at(view, QtCore.QPoint(3, 3)), SCREEN.background, 0)


def test_animate_step_fades_in_and_stops_by_itself(qtbot, view):
    stepper = stepper_for("tiny-sigmoid")
    stepper.go_to_step(4)
    show_pass(view, stepper)
    stepper.step_forward()
    show_pass(view, stepper)
    final = view.grab().toImage()
    view.animate_step(150)
    assert view.is_animating()
    qtbot.waitUntil(lambda: not view.is_animating(), timeout=3000)
    assert view.grab().toImage() == final
    view.animate_step(10_000)
    view.show_record(stepper.record, stepper.complete_record())  # mid-animation: fine, and it stops
    assert not view.is_animating()
    view.animate_step(10_000)
    view.stop_animation()
    assert not view.is_animating()


def test_render_to_pdf_and_an_empty_view_do_not_crash(view, tmp_path):
    view.grab()  # nothing shown yet
    stepper = stepper_for("deep-sigmoid")
    stepper.go_to_step(3)
    show_pass(view, stepper)
    writer = QtGui.QPdfWriter(str(tmp_path / "net.pdf"))
    painter = QtGui.QPainter(writer)
    view.render_to(painter, QtCore.QRectF(painter.viewport()))
    painter.end()
    assert (tmp_path / "net.pdf").stat().st_size > 1000
