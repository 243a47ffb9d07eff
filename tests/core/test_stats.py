"""Gradient magnitudes, the health verdict and the log scale used for colour."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from gradviz.files.network_file import load_preset
from gradviz.core.network import Network
from gradviz.core.stats import (
    DEFAULT_DECADES,
    EXPLODING_FACTOR,
    LOG_FLOOR,
    MIN_DECADES,
    NOT_COMPUTED_HEALTH,
    VANISHING_FACTOR,
    decade_range,
    grad_stats,
    gradient_health,
    health_from_magnitudes,
    log_position,
    record_stats,
    safe_log10,
    verdict_span,
)
from gradviz.core.stepper import Stepper
from tests.helpers import hand_tiny_sigmoid


def test_grad_stats_values():
    stats = grad_stats(np.array([[3.0, -4.0], [0.0, 1.0]]))
    assert stats.mean_abs_grad_w == 2.0
    assert stats.max_abs_grad_w == 4.0
    assert stats.norm_grad_w == math.sqrt(26.0)
    assert stats.measure("norm_grad_w") == stats.norm_grad_w


def test_grad_stats_non_finite_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        stats = grad_stats(np.array([[np.inf, 1.0]]))
        assert stats.max_abs_grad_w == math.inf and stats.mean_abs_grad_w == math.inf
        stats = grad_stats(np.array([[np.nan, 1.0]]))
        assert math.isnan(stats.mean_abs_grad_w)


def test_record_stats_of_a_partial_record():
    exp = load_preset("tiny-sigmoid")
    stepper = Stepper(exp.network, exp.inputs, exp.targets)
    stepper.go_to_step(5)  # backward has done layer 3 only
    stats = record_stats(stepper.record)
    assert stats[0] is None and stats[1] is None
    assert stats[2].mean_abs_grad_w == abs(float(stepper.record.layers[2].grad_w[0, 0]))
    assert gradient_health(stepper.record).verdict == "unknown"
    assert gradient_health(stepper.record).per_layer_factor is None
    assert not gradient_health(stepper.record).computed
    assert gradient_health(stepper.record) == NOT_COMPUTED_HEALTH
    assert gradient_health(stepper.record).describe() == "shown once the backward pass reaches layer 1"
    stepper.go_to_step(7)  # backward has reached layer 1: the verdict is there
    assert gradient_health(stepper.record).verdict == "vanishing"


@pytest.mark.parametrize(
    ("weights", "verdict", "words"),
    [
        ((1.0, 1.0), "healthy", "the gradient keeps its size (about 1.0× per layer): healthy"),  # grads equal
        ((1.0, 1e-3), "vanishing", "the gradient shrinks about 1000× per layer: vanishing"),
        ((1e-3, 1.0), "exploding", "the gradient grows about 1000× per layer: exploding"),
        ((1.0, 0.02), "vanishing", "the gradient shrinks about 50× per layer: vanishing"),
        ((1.0, 1e3), "exploding", "the gradient grows about 1000× per layer: exploding"),
        ((1.0, 0.49), "vanishing", "the gradient shrinks about 2.0× per layer: vanishing"),
        ((1.0, 0.51), "healthy", "the gradient keeps its size (about 0.51× per layer): healthy"),
        ((1.0, 1.99), "healthy", "the gradient keeps its size (about 2.0× per layer): healthy"),
        ((1.0, 2.01), "exploding", "the gradient grows about 2.0× per layer: exploding"),
    ],
)
def test_health_verdicts_by_factor(weights, verdict, words):
    # 1-1-1 linear net, x = 1, b = 0, t = 0: y = w1·w2, dL/dw2 = y·w1, dL/dw1 = y·w2. With L = 2 the span
    # is layers 1..2 (n = 2), so f = g1 / g2 = w2 / w1.
    w1, w2 = weights
    net = Network((1, 1, 1), "linear", [np.array([[w1]]), np.array([[w2]])])
    record = net.run([[1.0]], [[0.0]])
    health = gradient_health(record)
    assert health.per_layer_factor == pytest.approx(w2 / w1, rel=1e-12)
    assert health.verdict == verdict
    assert health.describe() == words


def test_thresholds_are_the_documented_ones():
    assert (VANISHING_FACTOR, EXPLODING_FACTOR) == (0.5, 2.0)
    assert health_from_magnitudes([0.5, 1.0, 7.0]).verdict == "healthy"  # f = 0.5 exactly is not below 0.5
    assert health_from_magnitudes([2.0, 1.0, 7.0]).verdict == "healthy"  # nor 2 above 2


def test_the_span_leaves_out_the_output_layer():
    # L = 4: span 1..3, n = 3, f = (g1 / g3) ** (1/2); the output's 1e6 plays no part.
    health = health_from_magnitudes([1e-2, 1e-1, 1.0, 1e6])
    assert health.per_layer_factor == pytest.approx(0.1, rel=1e-12)
    assert health.verdict == "vanishing"
    assert health.describe() == "the gradient shrinks about 10× per layer: vanishing"
    assert verdict_span(1) == (1, 1) and verdict_span(2) == (1, 2) and verdict_span(3) == (1, 2)
    assert verdict_span(11) == (1, 10)


def test_single_layer_has_no_factor():
    health = health_from_magnitudes([0.3])
    assert health.verdict == "healthy" and health.per_layer_factor is None
    assert health.describe() == "a single weight layer, no depth for the gradient to change over: healthy"
    assert health_from_magnitudes([0.0]).verdict == "no gradient"
    assert health_from_magnitudes([math.inf]).verdict == "exploding"


def test_factor_is_computed_in_logs_without_overflow():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        huge = health_from_magnitudes([1e300, 1e-300, 1.0])  # g1/g2 = 1e600 overflows a float
        tiny = health_from_magnitudes([1e-300, 1e300, 1.0])
        spread = health_from_magnitudes([1e300] + [1.0] * 9 + [1e-300, 1.0])  # f = (1e600) ** (1/10)
    assert huge.verdict == "exploding" and huge.per_layer_factor == math.inf
    assert tiny.verdict == "vanishing" and tiny.per_layer_factor == 0.0
    assert spread.per_layer_factor == pytest.approx(1e60, rel=1e-9)
    assert spread.describe() == "the gradient grows about 1.0e60× per layer: exploding"


def test_one_end_exactly_zero():
    starved = health_from_magnitudes([0.0, 1e-3, 1.0])
    assert starved.verdict == "vanishing" and starved.per_layer_factor == 0.0
    assert starved.describe() == "no gradient reaches layer 1: vanishing"
    top_dead = health_from_magnitudes([1e-3, 0.0, 1.0])
    assert top_dead.verdict == "exploding" and top_dead.per_layer_factor == math.inf


def test_health_non_finite_and_zero():
    net = Network((1, 1, 1, 1, 1), "linear", [np.array([[1e90]])] * 4)
    health = gradient_health(net.run([[1.0]], [[0.0]]))
    assert health.verdict == "exploding" and health.per_layer_factor is None
    assert health.describe() == "some gradients are not finite (overflow): exploding"
    # Any non-finite gradient, even the output layer's alone, is exploding.
    output_only = health_from_magnitudes([1e-3, 1e-3, math.nan])
    assert output_only.verdict == "exploding" and not output_only.finite
    zero = Network((1, 1, 1), "linear", [np.array([[0.0]]), np.array([[0.0]])])
    dead = gradient_health(zero.run([[1.0]], [[0.0]]))
    assert dead.verdict == "no gradient" and dead.per_layer_factor is None
    assert dead.describe() == "no gradient reaches the layers (∂L/∂w is exactly 0): no gradient"


def test_tiny_sigmoid_by_hand():
    # The tutorial's gradients of layers 1 and 2 of 3: f = g1 / g2 = 0.000424 / 0.003870 (rounded numbers).
    exp = load_preset("tiny-sigmoid")
    health = gradient_health(exp.network.run(exp.inputs, exp.targets, exp.loss))
    assert health.per_layer_factor == pytest.approx(0.000424 / 0.003870, rel=2e-3)
    grads = hand_tiny_sigmoid()["grad_w"]
    assert health.per_layer_factor == pytest.approx(abs(grads[0]) / abs(grads[1]), rel=1e-12)
    assert health.per_layer_factor == pytest.approx(0.10945587477855, rel=1e-12)
    assert health.verdict == "vanishing"
    assert health.describe() == "the gradient shrinks about 9.1× per layer: vanishing"


@pytest.mark.parametrize(
    ("preset", "verdict"),
    [
        ("tiny-sigmoid", "vanishing"),
        ("tiny-relu", "healthy"),
        ("deep-sigmoid", "vanishing"),
        ("deep-relu", "healthy"),
        ("residual-sigmoid", "healthy"),
        ("exploding", "exploding"),
    ],
)
def test_every_preset_tells_the_lesson(preset, verdict):
    exp = load_preset(preset)
    record = exp.network.run(exp.inputs, exp.targets, exp.loss)
    # f from the record's raw gradients with plain numpy: span 1..L-1, nth root of the end-to-end ratio.
    g = np.array([np.mean(np.abs(np.asarray(layer.grad_w))) for layer in record.layers])
    span = g[: len(g) - 1] if len(g) > 2 else g[:2]
    expected = (span[0] / span[-1]) ** (1.0 / (len(span) - 1))
    health = gradient_health(record)
    assert health.per_layer_factor == pytest.approx(expected, rel=1e-12)
    assert health.verdict == verdict


def test_exploding_preset_triples_per_layer():
    exp = load_preset("exploding")
    health = gradient_health(exp.network.run(exp.inputs, exp.targets, exp.loss))
    assert health.per_layer_factor == pytest.approx(3.0, rel=1e-12)  # each 4x4 layer of 0.75s: 4·0.75 = 3
    assert health.describe() == "the gradient grows about 3.0× per layer: exploding"


def test_mean_does_not_overflow_while_the_mean_is_finite():
    g = np.full((2, 2), 1e308)
    assert grad_stats(g).mean_abs_grad_w == pytest.approx(1e308, rel=1e-12)
    assert grad_stats(np.array([[1e308, 1e308, 0.0, 0.0]])).mean_abs_grad_w == pytest.approx(5e307, rel=1e-12)


def test_decade_range():
    assert decade_range([1e-3, 0.5]) == (-4, 0)  # 4 decades at least: the bottom is extended
    assert decade_range([1e-9, 2.0]) == (-9, 1)
    assert decade_range([0.2]) == (-1 - MIN_DECADES + 1, 0)
    assert decade_range([0.0, np.nan, np.inf]) == DEFAULT_DECADES
    assert decade_range([]) == DEFAULT_DECADES
    assert decade_range([-1e-5, 1e-2], min_decades=1) == (-5, -2)


def test_decade_range_bounded_below_its_top():
    # A deep sigmoid's first layer at 1e-21 beside a last layer at 0.5: the top stays 10^0, the bottom rises.
    assert decade_range([1e-21, 3e-4, 0.5], max_decades=8) == (-8, 0)
    assert decade_range([1e-21, 3e-4, 20.0], max_decades=8) == (-6, 2)
    assert decade_range([1e-5, 0.5], max_decades=8) == (-5, 0)  # within the bound: unchanged
    assert decade_range([1e-3, 0.5], max_decades=8) == (-4, 0)  # the least span still holds
    assert decade_range([1e-21, 0.5], min_decades=4, max_decades=2) == (-4, 0)  # the least span wins
    assert decade_range([], max_decades=8) == DEFAULT_DECADES


def test_log_position():
    pos = log_position(np.array([1e-8, 1e-4, 1.0, 10.0, 0.0, np.nan, -1e-4]), (-8, 0))
    np.testing.assert_allclose(pos[:5], [0.0, 0.5, 1.0, 1.0, 0.0], atol=1e-15)
    assert math.isnan(pos[5])
    assert pos[6] == pytest.approx(0.5)


def test_safe_log10():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = safe_log10(np.array([0.0, 100.0, -1e-3, np.nan]))
    np.testing.assert_allclose(out[:3], [math.log10(LOG_FLOOR), 2.0, -3.0], rtol=1e-15)
    assert math.isnan(out[3])


def test_l2_norm_does_not_overflow_while_the_norm_is_finite():
    from gradviz.core.stats import grad_stats

    g = np.full((3, 3), 1e160)
    assert grad_stats(g).norm_grad_w == pytest.approx(3e160, rel=1e-12)
    assert grad_stats(np.zeros((2, 2))).norm_grad_w == 0.0
    assert np.isnan(grad_stats(np.array([[np.nan, 1.0]])).norm_grad_w)


def test_the_diagrams_slope_and_skip_facts_come_from_the_core():
    import math

    from gradviz.core.network import Network
    from gradviz.core.stats import mean_relative_slope, skip_gradient

    # One sample, weights 0 and biases 2: every z is 2, so f'(z)/max f' = 4 s(2)(1 - s(2)) by hand.
    net = Network([1, 2, 2, 1], "sigmoid", [np.zeros((2, 1)), np.zeros((2, 2)), np.zeros((1, 2))],
                  [np.full(2, 2.0), np.full(2, 2.0), np.full(1, 2.0)], residual=True)
    record = net.run([[1.0]], [[0.0]])
    s = 1 / (1 + math.exp(-2))
    np.testing.assert_allclose(mean_relative_slope(record, 1, np.array([0, 1])), [4 * s * (1 - s)] * 2, rtol=1e-12)
    # The skip arc of layer 2 carries mean |δ_2|, the record's own δ averaged by hand.
    delta = np.asarray(record.layers[1].delta)
    assert skip_gradient(record, 2) == float(np.abs(delta).sum() / delta.size)
