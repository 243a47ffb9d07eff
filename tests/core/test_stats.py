"""Gradient magnitudes, the health verdict and the log scale used for colour."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from gradviz.core.netfile import load_preset
from gradviz.core.network import Network
from gradviz.core.stats import (
    DEFAULT_DECADES,
    LOG_FLOOR,
    MIN_DECADES,
    decade_range,
    grad_stats,
    gradient_health,
    log_position,
    record_stats,
    safe_log10,
)
from gradviz.core.stepper import Stepper


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
    assert gradient_health(stepper.record).describe() == "Gradient health: shown once the backward pass is complete"


@pytest.mark.parametrize(
    ("weights", "verdict"),
    [
        ((1.0, 1.0), "healthy"),  # grads equal: ratio 1
        ((1.0, 1e-3), "vanishing"),
        ((1e-3, 1.0), "exploding"),
        ((1.0, 0.02), "healthy"),
        ((1.0, 1e3), "exploding"),
    ],
)
def test_health_verdicts_by_ratio(weights, verdict):
    # 1-1-1 linear net, x = 1, b = 0, t = 0: y = w1·w2, dL/dw2 = y·w1, dL/dw1 = y·w2, ratio first/last = w2/w1.
    w1, w2 = weights
    net = Network((1, 1, 1), "linear", [np.array([[w1]]), np.array([[w2]])])
    record = net.run([[1.0]], [[0.0]])
    health = gradient_health(record)
    assert health.ratio == pytest.approx(w2 / w1, rel=1e-12)
    assert health.verdict == verdict
    assert health.describe() == f"Gradient health: first/last layer mean |∂L/∂w| = {w2 / w1:.3g}: {verdict}"


def test_health_non_finite_and_zero():
    net = Network((1, 1, 1, 1, 1), "linear", [np.array([[1e90]])] * 4)
    health = gradient_health(net.run([[1.0]], [[0.0]]))
    assert health.verdict == "non-finite" and health.ratio is None
    assert health.describe() == "Gradient health: non-finite gradients (overflow): exploding"
    zero = Network((1, 1, 1), "linear", [np.array([[0.0]]), np.array([[0.0]])])
    dead = gradient_health(zero.run([[1.0]], [[0.0]]))
    assert dead.verdict == "no gradient" and dead.ratio is None
    assert dead.describe() == "Gradient health: no gradient at all (the first and last layers' ∂L/∂w are exactly 0)"


def test_decade_range():
    assert decade_range([1e-3, 0.5]) == (-4, 0)  # 4 decades at least: the bottom is extended
    assert decade_range([1e-9, 2.0]) == (-9, 1)
    assert decade_range([0.2]) == (-1 - MIN_DECADES + 1, 0)
    assert decade_range([0.0, np.nan, np.inf]) == DEFAULT_DECADES
    assert decade_range([]) == DEFAULT_DECADES
    assert decade_range([-1e-5, 1e-2], min_decades=1) == (-5, -2)


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
