"""Issue 9: what the backward pass has revealed (no spoilers), and the network's own slope chain."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from gradviz.core.analysis import network_slope_chain
from gradviz.files.network_file import load_preset
from gradviz.core.network import Network
from gradviz.core.session import Session, revealed_layers
from gradviz.core.stats import gradient_health
from tests.helpers import hand_tiny_sigmoid, sigmoid


def test_layers_are_revealed_as_the_backward_pass_reaches_them():
    session = Session(load_preset("tiny-sigmoid"))
    # Steps 1-3 forward, 4 the loss, 5-7 backward through layers 3, 2, 1, 8 the update.
    expected = [(), (), (), (), (), (3,), (2, 3), (1, 2, 3), (1, 2, 3)]
    seen = [session.revealed_layers()]
    for _ in range(8):
        session.step_forward()
        seen.append(session.revealed_layers())
    assert seen == expected


def test_the_shown_comparison_masks_what_is_not_revealed_and_reveal_all_shows_everything():
    session = Session(load_preset("tiny-sigmoid"))
    shown = session.shown_comparison()
    assert shown.revealed == () and shown.revealed_layers == ()
    session.step_forward()
    assert session.shown_comparison() is shown  # nothing new revealed: the same object, no redraw
    np.testing.assert_array_equal(shown.values, session.comparison().values)  # the numbers stay whole
    assert session.health().verdict == "unknown"
    session.view.set_reveal_all(True)
    everything = session.shown_comparison()
    assert everything.revealed is None and everything.revealed_layers == (1, 2, 3)
    assert session.health() == gradient_health(session.scale_record)
    assert session.health().verdict == "vanishing"


def test_revealing_a_layer_the_network_lacks_is_refused():
    comparison = Session(load_preset("tiny-sigmoid")).comparison()
    with pytest.raises(ValueError, match="1..3"):
        comparison.reveal([4])


def test_network_slope_chain_is_the_product_of_mean_slopes_from_the_output_back():
    e = load_preset("tiny-sigmoid")
    record = e.network.run(e.inputs, e.targets, e.loss)
    z1, z2, z3 = hand_tiny_sigmoid()["z"]
    slope = [sigmoid(z) * (1 - sigmoid(z)) for z in (z3, z2, z1)]
    np.testing.assert_allclose(network_slope_chain(record), [slope[0], slope[0] * slope[1], np.prod(slope)], rtol=1e-12)


def test_network_slope_chain_averages_units_and_samples_and_survives_huge_z():
    net = Network([1, 2, 1], "sigmoid", [[[1000.0], [0.0]], [[1.0, 1.0]]], [[0.0, 0.0], [-1000.0]])
    x = np.array([[1.0], [-1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        record = net.run(x, np.zeros((2, 1)), "half_squared_error")
        chain = network_slope_chain(record)
    z1 = np.array([[1000.0, 0.0], [-1000.0, 0.0]])
    with np.errstate(over="ignore"):  # the hand sigmoid's exp(1000) is inf, and 1 / inf is the 0 wanted
        a1 = sigmoid(z1)
        z2 = a1.sum(axis=1) - 1000.0
        m1 = np.mean(sigmoid(z1) * (1 - sigmoid(z1)))  # two saturated units give 0, the middle ones 0.25
        m2 = np.mean(sigmoid(z2) * (1 - sigmoid(z2)))
    assert m1 == pytest.approx(0.125)
    np.testing.assert_allclose(chain, [m2, m2 * m1], rtol=1e-12)
    assert np.all(np.isfinite(chain))


def test_network_slope_chain_is_nan_where_z_is_not_computed():
    session = Session(load_preset("tiny-sigmoid"))
    assert revealed_layers(session.record) == ()
    assert np.all(np.isnan(network_slope_chain(session.record)))
