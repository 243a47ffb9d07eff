"""The one forward/backward loop: tracing, stepping, training and the lab all run through it, and agree."""

from __future__ import annotations

import numpy as np
import pytest

from gradviz.core import passes
from gradviz.core.activations import RELU_GRAD_AT_ZERO, get_activation
from gradviz.core.data import DataSpec
from gradviz.core.lab import Lab, LabConfig, LaneSpec
from gradviz.core.losses import get_loss
from gradviz.core.network import Network
from gradviz.core.stepper import Stepper
from gradviz.core.training import TrainingRun


def random_network(widths=(3, 5, 5, 2), activations=("sigmoid", "relu", "tanh"), residual=True, seed=0):
    rng = np.random.default_rng(seed)
    weights = [rng.normal(0, 0.8, size=(n_out, n_in)) for n_in, n_out in zip(widths[:-1], widths[1:])]
    biases = [rng.normal(0, 0.3, size=n) for n in widths[1:]]
    return Network(widths, activations, weights, biases, residual), rng.normal(size=(4, widths[0])), rng.uniform(size=(4, widths[-1]))


@pytest.fixture
def forward_layer_calls(monkeypatch):
    calls = []
    original = passes.forward_layer

    def counting(network, l, a_prev):
        calls.append(l)
        return original(network, l, a_prev)

    monkeypatch.setattr(passes, "forward_layer", counting)
    return calls


def test_tracing_stepping_training_and_the_lab_all_run_the_one_loop(forward_layer_calls):
    network, inputs, targets = random_network()
    network.run(inputs, targets)
    assert forward_layer_calls == [0, 1, 2]
    forward_layer_calls.clear()
    stepper = Stepper(network, inputs, targets)
    stepper.run_to_end_of_pass()
    assert forward_layer_calls == [0, 1, 2]
    forward_layer_calls.clear()
    TrainingRun(network, inputs, targets, "half_squared_error", 0.1, 1).advance(1)
    assert forward_layer_calls == [0, 1, 2]
    forward_layer_calls.clear()
    Lab(LabConfig(DataSpec("xor", points=10, test_fraction=0.0), (3,), (LaneSpec("a", "relu"),), batch=8, epochs=1))
    assert forward_layer_calls == [0, 1]  # epoch 0's measures: one pass over the training split


def test_the_stepper_and_the_traced_pass_give_the_same_numbers_bit_for_bit():
    network, inputs, targets = random_network()
    traced = network.run(inputs, targets, "half_squared_error")
    stepped = Stepper(network, inputs, targets).run_to_end_of_pass()
    assert stepped.loss == traced.loss
    for a, b in zip(stepped.layers, traced.layers):
        for name in ("z", "a", "delta", "grad_w", "grad_b"):
            assert np.array_equal(getattr(a, name), getattr(b, name)), name


def test_gradients_written_into_a_parameter_buffer_equal_fresh_ones_bit_for_bit():
    network, inputs, targets = random_network()
    fresh = passes.forward_backward(network, inputs, targets, "half_squared_error")
    buffer = passes.ParameterBuffer(network.widths)
    into = passes.forward_backward(network, inputs, targets, "half_squared_error", gradients=buffer)
    for l in range(network.depth):
        assert np.array_equal(fresh.grads_w[l], buffer.weights[l]) and np.array_equal(fresh.grads_b[l], buffer.biases[l])
        assert into.grads_w[l] is buffer.weights[l]
    assert buffer.flat.size == sum(w.size + b.size for w, b in zip(network.weights, network.biases))


def test_relus_slope_from_its_output_equals_its_slope_from_z_everywhere():
    z = np.array([-np.inf, -1e300, -1.0, -5e-324, -0.0, 0.0, 5e-324, 1.0, 1e300, np.inf, np.nan])
    relu = get_activation("relu")
    assert RELU_GRAD_AT_ZERO == 0.0
    assert np.array_equal(relu.df_from_output(relu(z)), relu.derivative(z))


def test_softmax_cross_entropy_is_overflow_safe_and_its_delta_matches_finite_differences():
    loss = get_loss("softmax_cross_entropy")
    z = np.array([[1000.0, -1000.0, 0.0], [0.2, -0.1, 0.4]])
    t = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # e^-2000 may underflow to 0, quietly
        values = loss.per_sample(z, None, t)
        delta = loss.output_delta(z, None, t, get_activation("linear"))
    assert values[0] == pytest.approx(2000.0)
    row = z[1]
    assert values[1] == pytest.approx(np.log(np.exp(row).sum()) - row[2], rel=1e-14)
    eps = 1e-6
    for j in range(3):
        plus, minus = z.copy(), z.copy()
        plus[1, j] += eps
        minus[1, j] -= eps
        numeric = (loss.per_sample(plus, None, t)[1] - loss.per_sample(minus, None, t)[1]) / (2 * eps)
        assert delta[1, j] == pytest.approx(numeric, rel=1e-7)
    assert delta[0].tolist() == [1.0, -1.0, 0.0]
