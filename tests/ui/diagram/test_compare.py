"""CompareView: two diagrams side by side on one shared colour scale (or each its own), clicks name the side."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtCore, QtGui

from gradviz.files.network_file import load_preset
from gradviz.core.network import Network
from gradviz.core.stepper import Stepper
from gradviz.ui.diagram import CompareView
from gradviz.ui.diagram.compare import TITLE_STRIP_LINES
from gradviz.ui.diagram.labels import layout_for_scene
from gradviz.ui.diagram.layout import title_px
from gradviz.ui.theme import SCREEN, SLIDES, gradient_colors
from tests.helpers import hand_tiny_sigmoid

TITLES = ("sigmoid (as loaded)", "linear")


def packed(rgba) -> int:
    r, g, b = (int(c) for c in rgba[:3])
    return 0xFF000000 | (r << 16) | (g << 8) | b


def tiny_sigmoid() -> Stepper:
    experiment = load_preset("tiny-sigmoid")
    return Stepper(experiment.network, experiment.inputs, experiment.targets, experiment.loss, experiment.learning_rate)


def big_gradient() -> Stepper:
    """1-1 linear, w = 2, x = 1, t = 0: dL/dw = (w x - t) x = 2."""
    return Stepper(Network([1, 1], "linear", [np.array([[2.0]])]), [[1.0]], [[0.0]])


@pytest.fixture
def steppers():
    left, right = tiny_sigmoid(), big_gradient()
    left.run_to_end_of_pass()
    right.run_to_end_of_pass()
    return left, right


@pytest.fixture
def compare(qtbot):
    widget = CompareView()
    widget.resize(1400, 600)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def show(compare: CompareView, steppers, shared: bool = True) -> None:
    left, right = steppers
    compare.show_records(left.record, left.complete_record(), right.record, right.complete_record(), TITLES, shared_scale=shared)


def test_shared_scale_spans_both_sides_and_own_scales_differ(compare, steppers):
    grads = np.abs(hand_tiny_sigmoid()["grad_w"])
    # Shared: 0.000424 .. 2 gives decades floor(-3.37) = -4 .. ceil(0.30) = 1.
    show(compare, steppers, shared=True)
    assert compare.left.scene.colour_scale.decades == compare.right.scene.colour_scale.decades == (-4, 1)
    shared_left = [int(c) for c in compare.left.scene.edge_argb]
    assert shared_left == [packed(c) for c in gradient_colors(grads, (-4, 1), SCREEN)]
    assert int(compare.right.scene.edge_argb[0]) == packed(gradient_colors([2.0], (-4, 1), SCREEN)[0])
    # Own: the left spans 0.000424 .. 0.032 (-4 .. -1, widened to -5 .. -1), the right 2 (0 .. 1, widened to -3 .. 1).
    show(compare, steppers, shared=False)
    assert compare.left.scene.colour_scale.decades == (-5, -1)
    assert compare.right.scene.colour_scale.decades == (-3, 1)
    own_left = [int(c) for c in compare.left.scene.edge_argb]
    assert own_left == [packed(c) for c in gradient_colors(grads, (-5, -1), SCREEN)]
    assert own_left != shared_left  # the same record, another colour: the scales differ


def test_colour_mode_applies_to_both_sides_on_the_shared_scale(compare, steppers):
    show(compare, steppers)
    compare.set_color_mode("activation")
    # Largest |a| over both: tiny-sigmoid's inputs and activations are below 1, the right's output is 2.
    assert compare.left.scene.colour_scale.largest == compare.right.scene.colour_scale.largest == 2.0
    assert compare.left.color_mode == compare.right.color_mode == "activation"
    with pytest.raises(ValueError):
        compare.set_color_mode("rainbow")


def test_clicks_on_each_half_name_their_side(qtbot, compare, steppers):
    show(compare, steppers)
    left, right = compare.left, compare.right
    with qtbot.waitSignal(compare.sigNeuronClicked) as blocker:
        qtbot.mouseClick(left, QtCore.Qt.MouseButton.LeftButton, pos=left.neuron_center(2, 0))
    assert blocker.args == ["left", 2, 0]
    with qtbot.waitSignal(compare.sigNeuronClicked) as blocker:
        qtbot.mouseClick(right, QtCore.Qt.MouseButton.LeftButton, pos=right.neuron_center(1, 0))
    assert blocker.args == ["right", 1, 0]
    with qtbot.waitSignal(compare.sigEdgeClicked) as blocker:
        qtbot.mouseClick(right, QtCore.Qt.MouseButton.LeftButton, pos=right.edge_midpoint(1, 0, 0))
    assert blocker.args == ["right", 1, 0, 0]
    with qtbot.waitSignal(compare.sigEdgeClicked) as blocker:
        qtbot.mouseClick(left, QtCore.Qt.MouseButton.LeftButton, pos=left.edge_midpoint(3, 0, 0))
    assert blocker.args == ["left", 3, 0, 0]
    with qtbot.waitSignal(compare.sigBackgroundClicked):
        qtbot.mouseClick(left, QtCore.Qt.MouseButton.LeftButton, pos=QtCore.QPoint(4, 4))


def test_selecting_on_one_side_clears_the_other(compare, steppers):
    show(compare, steppers)
    plain_left = compare.left.grab().toImage()
    compare.set_selection("left", ("neuron", 1, 0))
    assert compare.left.grab().toImage() != plain_left
    plain_right = compare.right.grab().toImage()
    compare.set_selection("right", ("edge", 1, 0, 0))
    assert compare.right.grab().toImage() != plain_right
    assert compare.left.grab().toImage() == plain_left
    with pytest.raises(ValueError, match="middle"):
        compare.set_selection("middle", None)


def test_both_halves_fade_in_and_stop_together(qtbot, compare, steppers):
    show(compare, steppers)
    compare.animate_step(10_000)
    assert compare.left.is_animating() and compare.right.is_animating()
    compare.stop_animation()
    assert not compare.is_animating()


def render(compare: CompareView, size=(1600, 600), background=True) -> QtGui.QImage:
    image = QtGui.QImage(*size, QtGui.QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(0)
    painter = QtGui.QPainter(image)
    compare.render_to(painter, QtCore.QRectF(0, 0, *size), paint_background=background)
    painter.end()
    return image


@pytest.mark.parametrize("theme", [SCREEN, SLIDES], ids=lambda t: t.name)
def test_render_to_draws_one_picture_of_both_titled_halves(compare, steppers, theme):
    compare.set_theme(theme)
    show(compare, steppers)
    width, height = 1600, 600
    image = render(compare, (width, height))
    strip = TITLE_STRIP_LINES * title_px(theme)
    background = QtGui.QColor(theme.background).rgb()
    for side, view, x0 in (("left", compare.left, 0), ("right", compare.right, width // 2)):
        # The shared colour bar lies under both halves; each half is laid out without one.
        bar = compare.strip.height_for(width, view.scene, theme)
        other = compare.right if view is compare.left else compare.left
        layout = layout_for_scene(view.scene, width / 2, height - strip - bar, theme, "none", other.scene)
        i = layout.edge_index(1, 0, 0)
        x = x0 + (layout.ex0[i] + layout.ex1[i]) / 2
        y = strip + (layout.ey0[i] + layout.ey1[i]) / 2
        pixel = QtGui.QColor(image.pixel(int(x), int(y)))
        expected = QtGui.QColor.fromRgba(int(view.scene.edge_argb[i]))
        assert max(abs(pixel.red() - expected.red()), abs(pixel.green() - expected.green()), abs(pixel.blue() - expected.blue())) <= 3, side
        # The title: ink in this half's title strip.
        inked = sum(image.pixel(px, py) != background for px in range(x0, x0 + width // 2, 2) for py in range(0, int(strip), 2))
        assert inked > 30, side
    assert image.pixel(3, height - 3) == background
    # The two halves' edge colours differ on the shared scale (2 is far above 0.000424).
    assert compare.left.scene.edge_argb[0] != compare.right.scene.edge_argb[0]


def test_render_to_without_background_leaves_it_transparent(compare, steppers):
    show(compare, steppers)
    image = render(compare, background=False)
    assert QtGui.QColor.fromRgba(image.pixel(3, 590)).alpha() == 0
    assert compare.titles == TITLES
