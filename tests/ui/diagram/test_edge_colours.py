"""An edge on screen (drawn through the view's cached images) has the colour the colour map gives its gradient,
and a new gradient repaints it: no cached image of an earlier state is shown."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtGui

from gradviz.core.network import Network
from gradviz.core.stepper import Stepper
from gradviz.ui.diagram import NetworkView
from gradviz.ui.theme import SCREEN, gradient_colors


def _chain_stepper(target: float) -> Stepper:
    # in -(w1 = 2)-> h -(w2 = 3)-> out, linear, x = 1: out = 6, dL/dw2 = (6 - t) * 2, dL/dw1 = (6 - t) * 3.
    network = Network([1, 1, 1], "linear", [np.array([[2.0]]), np.array([[3.0]])], [np.zeros(1), np.zeros(1)])
    stepper = Stepper(network, np.array([[1.0]]), np.array([[target]]))
    stepper.run_to_end_of_pass()
    return stepper


def _edge_pixel(view: NetworkView, layer: int) -> QtGui.QColor:
    # A quarter of the way along the (horizontal) edge: clear of its label and of the neurons.
    image = view.grab().toImage()
    start, middle = view.neuron_center(layer - 1, 0), view.edge_midpoint(layer, 0, 0)
    x = (start.x() + middle.x()) // 2 + 4
    ratio = image.devicePixelRatio()
    return image.pixelColor(int(x * ratio), int(middle.y() * ratio))


@pytest.mark.parametrize("target, gradients", [(5.9, (0.3, 0.2)), (4.0, (6.0, 4.0))])
def test_an_edge_on_screen_has_the_colour_map_colour_of_its_gradient(view, target, gradients):
    # ``view``: the shown 900 x 600 NetworkView of this folder's conftest, in the screen theme.
    stepper = _chain_stepper(target)
    record = stepper.record
    assert [float(record.layers[i].grad_w[0, 0]) for i in (0, 1)] == pytest.approx(gradients)
    view.show_record(record)
    decades = view.scene.colour_scale.decades
    for layer, gradient in zip((1, 2), gradients):
        expected = gradient_colors([gradient], decades, SCREEN)[0]
        assert _edge_pixel(view, layer).getRgb()[:3] == tuple(int(c) for c in expected[:3])
    assert view.render_path == "vector"  # small: the cached edge images, not the raster


def test_a_new_gradient_repaints_the_edge(view):
    small, large = _chain_stepper(5.99).record, _chain_stepper(1.0).record
    view.show_record(small, large)  # one scale for both: only the gradient differs
    decades = view.scene.colour_scale.decades
    before = _edge_pixel(view, 2).getRgb()[:3]
    view.show_record(large, large)
    after = _edge_pixel(view, 2).getRgb()[:3]
    assert before == tuple(int(c) for c in gradient_colors([0.02], decades, SCREEN)[0][:3])
    assert after == tuple(int(c) for c in gradient_colors([10.0], decades, SCREEN)[0][:3])
    assert before != after
    view.show_record(small, large)  # and back: the first state's image, kept, shows its own colour again
    assert _edge_pixel(view, 2).getRgb()[:3] == before
