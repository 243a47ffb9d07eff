"""The network's forward and backward pass against numbers worked out by hand, and the presets' verdicts."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gradviz.files.network_file import load_preset, preset_names
from gradviz.core.network import Network
from gradviz.core.records import Phase
from gradviz.core.stats import gradient_health
from tests.helpers import hand_tiny_sigmoid


def test_tiny_sigmoid_matches_hand_computation():
    hand = hand_tiny_sigmoid()
    exp = load_preset("tiny-sigmoid")
    record = exp.network.run(exp.inputs, exp.targets, exp.loss)
    assert record.loss == pytest.approx(hand["loss"], rel=1e-12, abs=0)
    for l, layer in enumerate(record.layers):
        assert layer.z.shape == layer.a.shape == layer.delta.shape == (1, 1)
        assert layer.grad_w.shape == (1, 1) and layer.grad_b.shape == (1,)
        assert layer.z[0, 0] == pytest.approx(hand["z"][l], rel=1e-12, abs=0)
        assert layer.a[0, 0] == pytest.approx(hand["a"][l], rel=1e-12, abs=0)
        assert layer.delta[0, 0] == pytest.approx(hand["delta"][l], rel=1e-12, abs=0)
        assert layer.grad_w[0, 0] == pytest.approx(hand["grad_w"][l], rel=1e-12, abs=0)
        # b is added to z directly, so dL/db is delta itself.
        assert layer.grad_b[0] == pytest.approx(hand["delta"][l], rel=1e-12, abs=0)


def test_tiny_sigmoid_quoted_figures():
    grads = [round(g, 6) for g in hand_tiny_sigmoid()["grad_w"]]
    assert grads == [-0.000424, -0.003870, -0.032004]
    exp = load_preset("tiny-sigmoid")
    record = exp.network.run(exp.inputs, exp.targets, exp.loss)
    assert [round(float(layer.grad_w[0, 0]), 6) for layer in record.layers] == grads
    for layer, quoted in zip(record.layers, grads):
        assert abs(layer.grad_w[0, 0] - quoted) < 5e-7
    # Each layer back shrinks the gradient about tenfold: w·σ'(z) ≤ 0.125.
    g1, g2, g3 = hand_tiny_sigmoid()["grad_w"]
    assert 0.05 < g1 / g2 < 0.125 and 0.05 < g2 / g3 < 0.125


def test_tiny_relu_matches_hand_computation():
    exp = load_preset("tiny-relu")
    record = exp.network.run(exp.inputs, exp.targets, exp.loss)
    # z halves at every layer and relu passes it through: 0.25, 0.125, 0.0625.
    expected_z = [0.25, 0.125, 0.0625]
    # delta3 = a3 - t = 0.0625 - 0.8; each layer back multiplies by w·relu'(z) = 0.5.
    expected_delta = [-0.7375 / 4, -0.7375 / 2, -0.7375]
    for layer, z, delta in zip(record.layers, expected_z, expected_delta):
        assert layer.z[0, 0] == z
        assert layer.a[0, 0] == z
        assert abs(layer.delta[0, 0] - delta) <= 1e-12 * abs(delta)
        assert abs(layer.grad_w[0, 0] - (-0.0921875)) <= 1e-12 * 0.0921875
        assert abs(layer.grad_b[0] - delta) <= 1e-12 * abs(delta)
    assert abs(record.loss - 0.5 * 0.7375**2) <= 1e-12 * record.loss
    assert record.loss == pytest.approx(0.271953125, rel=1e-12)
    np.testing.assert_array_equal(record.output, [[0.0625]])


def test_batch_gradient_is_the_mean_of_the_samples():
    """A 2-1 linear layer on two samples, by hand: dL/dW = mean_s (y_s - t_s) x_s."""
    net = Network((2, 1), "linear", [np.array([[1.0, -2.0]])], [np.array([0.5])])
    x = np.array([[1.0, 2.0], [3.0, -1.0]])
    t = np.array([[0.0], [1.0]])
    record = net.run(x, t)
    y = np.array([1.0 - 4.0 + 0.5, 3.0 + 2.0 + 0.5])  # -2.5, 5.5
    err = y - t[:, 0]  # -2.5, 4.5
    np.testing.assert_array_equal(record.output[:, 0], y)
    np.testing.assert_array_equal(record.layers[0].delta[:, 0], err)
    np.testing.assert_allclose(record.layers[0].grad_w, [[(err[0] * 1 + err[1] * 3) / 2, (err[0] * 2 + err[1] * -1) / 2]], rtol=1e-15)
    np.testing.assert_allclose(record.layers[0].grad_b, [err.mean()], rtol=1e-15)
    np.testing.assert_allclose(record.sample_losses, 0.5 * err**2, rtol=1e-15)
    assert record.loss == pytest.approx(0.5 * (err[0] ** 2 + err[1] ** 2) / 2, rel=1e-15)


def test_residual_layers_add_their_input_by_hand():
    """2-2-2-1 linear net with residual on: the two hidden layers (equal widths) skip, the output does not."""
    eye = np.eye(2)
    net = Network((2, 2, 2, 1), "linear", [2 * eye, 3 * eye, np.array([[1.0, 1.0]])], residual=True)
    assert [net.has_skip(i) for i in (1, 2, 3)] == [True, True, False]
    x = np.array([[1.0, 2.0]])
    record = net.run(x, [[0.0]])
    np.testing.assert_array_equal(record.layers[0].a, [[3.0, 6.0]])  # 2x + x
    np.testing.assert_array_equal(record.layers[1].a, [[12.0, 24.0]])  # 3a1 + a1
    np.testing.assert_array_equal(record.output, [[36.0]])
    # dL/da2 = 36 (both units); through the skip dL/da1 = 36·3 + 36 = 144; dL/dx = 144·2 + 144.
    np.testing.assert_array_equal(record.layers[1].delta, [[36.0, 36.0]])
    np.testing.assert_array_equal(record.layers[0].delta, [[144.0, 144.0]])
    np.testing.assert_array_equal(record.layers[0].grad_w, [[144.0, 288.0], [144.0, 288.0]])
    assert [layer.residual for layer in record.layers] == [True, True, False]


def test_residual_needs_equal_widths():
    net = Network((2, 3, 3, 3, 1), "tanh", [np.ones((3, 2)), np.ones((3, 3)), np.ones((3, 3)), np.ones((1, 3))], residual=True)
    assert [net.has_skip(i) for i in range(1, 5)] == [False, True, True, False]
    plain = Network(net.widths, "tanh", net.weights, net.biases, residual=False)
    assert not any(plain.has_skip(i) for i in range(1, 5))


def test_exploding_preset_triples_delta_per_layer():
    exp = load_preset("exploding")
    record = exp.network.run(exp.inputs, exp.targets, exp.loss)
    deltas = [layer.delta for layer in record.layers]
    # The output (1 unit) feeds each of 4 units with weight 0.75; each 4x4 layer of 0.75s sums 4 of them.
    np.testing.assert_allclose(deltas[-2], np.full((1, 4), 0.75 * deltas[-1][0, 0]), rtol=1e-15)
    for lower, upper in zip(deltas[:-2], deltas[1:-1]):
        np.testing.assert_allclose(lower, 3.0 * upper, rtol=1e-14)


@pytest.mark.parametrize(
    ("preset", "verdict"),
    [("deep-sigmoid", "vanishing"), ("deep-relu", "healthy"), ("exploding", "exploding"), ("tiny-relu", "healthy")],
)
def test_preset_health_verdicts(preset, verdict):
    exp = load_preset(preset)
    record = exp.network.run(exp.inputs, exp.targets, exp.loss)
    health = gradient_health(record)
    assert health.verdict == verdict
    assert health.describe().endswith(f": {verdict}")


def test_deep_sigmoid_gradient_fades_by_orders_of_magnitude():
    exp = load_preset("deep-sigmoid")
    record = exp.network.run(exp.inputs, exp.targets, exp.loss)
    mean_abs = [np.abs(layer.grad_w).mean() for layer in record.layers]
    assert mean_abs[0] < 1e-4 * mean_abs[-1]


@pytest.mark.parametrize("name", preset_names())
def test_every_preset_runs_to_a_finite_complete_record(name):
    exp = load_preset(name)
    record = exp.network.run(exp.inputs, exp.targets, exp.loss)
    assert record.complete and record.step == 2 * record.depth + 1
    assert record.phase is Phase.BACKWARD and record.layer == 1
    assert math.isfinite(record.loss)
    for layer, w, n_in in zip(record.layers, exp.network.weights, exp.network.widths):
        assert layer.grad_w.shape == w.shape
        assert layer.z.shape == layer.a.shape == layer.delta.shape == (len(exp.inputs), w.shape[0])
        assert np.all(np.isfinite(layer.grad_w))
        assert not layer.grad_w.flags.writeable and not layer.z.flags.writeable


def test_records_and_weights_are_read_only():
    exp = load_preset("tiny-relu")
    record = exp.network.run(exp.inputs, exp.targets)
    with pytest.raises(ValueError):
        record.layers[0].grad_w[0, 0] = 1.0
    with pytest.raises(ValueError):
        exp.network.weights[0][0, 0] = 1.0


def test_sgd_step_and_with_activation_are_new_networks():
    exp = load_preset("tiny-sigmoid")
    net = exp.network
    record = net.run(exp.inputs, exp.targets)
    stepped = net.sgd_step([l.grad_w for l in record.layers], [l.grad_b for l in record.layers], 0.5)
    for before, after, layer in zip(net.weights, stepped.weights, record.layers):
        np.testing.assert_array_equal(after, before - 0.5 * layer.grad_w)
    assert net.weights[0][0, 0] == 0.5  # unchanged
    relu = net.with_activation("relu")
    assert relu.activations == ("relu",) * 3 and net.activations == ("sigmoid",) * 3
    tiny_relu = load_preset("tiny-relu")
    np.testing.assert_array_equal(
        relu.run(exp.inputs, exp.targets).layers[0].grad_w, tiny_relu.network.run(exp.inputs, exp.targets).layers[0].grad_w
    )


def test_network_validates_its_shapes():
    with pytest.raises(ValueError, match="need 2 activations"):
        Network((1, 1, 1), ["relu"], [np.ones((1, 1))] * 2)
    with pytest.raises(ValueError, match=r"weights\[1\] must have shape \(1, 2\)"):
        Network((1, 2, 1), "relu", [np.ones((2, 1)), np.ones((2, 1))])
    with pytest.raises(ValueError, match=r"biases\[0\] must have shape \(2,\)"):
        Network((1, 2, 1), "relu", [np.ones((2, 1)), np.ones((1, 2))], [np.ones(3), np.ones(1)])
    with pytest.raises(KeyError, match="unknown activation"):
        Network((1, 1), "swish", [np.ones((1, 1))])
    assert repr(Network((1, 1), "relu", [np.ones((1, 1))])) == "Network(widths=[1, 1], activations='relu', residual=False)"
