"""Activation comparison, derivative chains and activation curves, against hand-computed values."""

import subprocess
import sys
import warnings

import numpy as np
import pytest

from gradviz.core.activations import ACTIVATION_NAMES, get_activation
from gradviz.core.analysis import (
    SIGMOID_DERIVATIVE_BOUND,
    activation_curve,
    compare_activations,
    derivative_chain,
    network_with_activation,
    sigmoid_bound_chain,
)
from gradviz.files.network_file import load_preset
from gradviz.core.network import Network
from gradviz.core.stats import MEASURES, grad_stats
from tests.helpers import hand_tiny_sigmoid
from tests.helpers import sigmoid as logistic




@pytest.fixture
def tiny():
    return load_preset("tiny-sigmoid")


def test_compare_activations_on_tiny_sigmoid_matches_hand_computation(tiny):
    comparison = compare_activations(tiny.network, tiny.inputs, tiny.targets, tiny.loss)
    assert comparison.activations == ("sigmoid", "relu")
    assert comparison.measure == "mean_abs_grad_w"
    assert comparison.values.shape == (2, 3)
    assert comparison.kept_output is None
    np.testing.assert_allclose(comparison.values[0], np.abs(hand_tiny_sigmoid()["grad_w"]), rtol=0, atol=1e-15)
    np.testing.assert_allclose(comparison.values[0], [0.000423584197, 0.00386990829, 0.0320037376], atol=1e-9)
    # relu: z = 0.25, 0.125, 0.0625 > 0, so every layer gets (0.0625 - 0.8) * 0.5 * 0.25 ... = 0.0921875.
    np.testing.assert_array_equal(comparison.values[1], [0.0921875] * 3)
    assert not comparison.values.flags.writeable


@pytest.mark.parametrize("measure", MEASURES)
def test_compare_activations_each_measure_equals_network_run(measure):
    experiment = load_preset("deep-sigmoid")
    net = experiment.network
    comparison = compare_activations(
        net, experiment.inputs, experiment.targets, experiment.loss, ("tanh", "leaky_relu"), measure
    )
    assert comparison.kept_output == "linear"  # deep-sigmoid's regression head stays linear in both runs
    for row, name in enumerate(("tanh", "leaky_relu")):
        switched = Network(net.widths, [name] * (net.depth - 1) + ["linear"], net.weights, net.biases)
        record = switched.run(experiment.inputs, experiment.targets, experiment.loss)
        expected = [grad_stats(layer.grad_w).measure(measure) for layer in record.layers]
        np.testing.assert_allclose(comparison.values[row], expected, rtol=1e-12)


def test_compare_activations_measures_agree_on_a_one_by_one_chain(tiny):
    rows = [compare_activations(tiny.network, tiny.inputs, tiny.targets, tiny.loss, measure=m).values for m in MEASURES]
    for values in rows[1:]:
        np.testing.assert_allclose(values, rows[0], rtol=1e-15)


def test_compare_activations_uses_identical_parameters(tiny):
    comparison = compare_activations(tiny.network, tiny.inputs, tiny.targets, tiny.loss, ("sigmoid", "sigmoid"))
    np.testing.assert_array_equal(comparison.values[0], comparison.values[1])


def test_binary_cross_entropy_keeps_a_sigmoid_output():
    rng = np.random.default_rng(0)
    widths = (2, 3, 3, 1)
    weights = [rng.normal(size=(widths[l + 1], widths[l])) for l in range(3)]
    net = Network(widths, "sigmoid", weights)
    inputs, targets = rng.normal(size=(4, 2)), np.array([[0.0], [1.0], [1.0], [0.0]])
    comparison = compare_activations(net, inputs, targets, "binary_cross_entropy", ("sigmoid", "relu"))
    assert comparison.kept_output == "sigmoid"
    relu_net = Network(widths, ["relu", "relu", "sigmoid"], weights)
    record = relu_net.run(inputs, targets, "binary_cross_entropy")
    np.testing.assert_allclose(comparison.values[1], [grad_stats(l.grad_w).mean_abs_grad_w for l in record.layers])
    assert network_with_activation(net, "relu", "binary_cross_entropy").activations == ("relu", "relu", "sigmoid")
    assert network_with_activation(net, "relu", "half_squared_error").activations == ("relu",) * 3
    both_sigmoid = compare_activations(net, inputs, targets, "binary_cross_entropy", ("sigmoid", "sigmoid"))
    assert both_sigmoid.kept_output is None


def test_compare_activations_refuses_unknown_names(tiny):
    with pytest.raises(ValueError, match="mean_abs_grad_w"):
        compare_activations(tiny.network, tiny.inputs, tiny.targets, tiny.loss, measure="median")
    with pytest.raises(KeyError, match="choose one of"):
        compare_activations(tiny.network, tiny.inputs, tiny.targets, tiny.loss, ("sigmoid", "swish"))


def test_derivative_chain_at_five():
    chains = derivative_chain(x=5.0, depth=10)
    assert set(chains) == {"sigmoid", "tanh", "relu"}
    sigmoid = chains["sigmoid"]
    assert sigmoid.shape == (10,)
    np.testing.assert_allclose(sigmoid[:3], [0.00664806, 4.420e-5, 2.939e-7], rtol=1e-3)
    s = logistic(5.0)
    np.testing.assert_allclose(sigmoid, (s * (1 - s)) ** np.arange(1, 11), rtol=1e-13)
    np.testing.assert_allclose(chains["tanh"], (1 - np.tanh(5.0) ** 2) ** np.arange(1, 11), rtol=1e-13)
    np.testing.assert_array_equal(chains["relu"], np.ones(10))


def test_sigmoid_bound():
    assert SIGMOID_DERIVATIVE_BOUND == 0.25
    np.testing.assert_allclose(sigmoid_bound_chain(5), [0.25, 0.0625, 0.015625, 0.00390625, 0.0009765625])
    for x in np.linspace(-10, 10, 41):
        assert np.all(derivative_chain(("sigmoid",), x, 8)["sigmoid"] <= sigmoid_bound_chain(8) * (1 + 1e-15))


@pytest.mark.parametrize("x, depth", [(-30.0, 64), (30.0, 64), (-1000.0, 64), (0.0, 64)])
def test_derivative_chain_underflows_quietly(x, depth):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        chains = derivative_chain(ACTIVATION_NAMES, x, depth)
    for name, chain in chains.items():
        assert chain.shape == (depth,)
        assert np.all(np.isfinite(chain)), name
    if x == -30.0:
        assert chains["sigmoid"][0] == pytest.approx(9.3576e-14, rel=1e-4)
        assert chains["sigmoid"][-1] == 0.0
        assert np.all(chains["relu"] == 0.0)


def test_derivative_chain_refuses_zero_depth():
    with pytest.raises(ValueError, match="depth"):
        derivative_chain(depth=0)


def test_activation_curve():
    z, f, df = activation_curve("sigmoid")
    assert z.shape == f.shape == df.shape == (801,)
    assert z[0] == -10 and z[-1] == 10
    assert df.max() == pytest.approx(0.25) and z[np.argmax(df)] == pytest.approx(0.0)
    np.testing.assert_allclose(f, logistic(z), rtol=1e-12)
    z, f, df = activation_curve("relu", -1, 1, 5)
    np.testing.assert_array_equal(f, [0, 0, 0, 0.5, 1])
    np.testing.assert_array_equal(df, [0, 0, get_activation("relu").derivative(0.0), 1, 1])


def test_analysis_imports_no_qt():
    code = "import sys, gradviz.core.analysis; print(any(m.startswith(('PySide6', 'pyqtgraph')) for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_a_linear_output_head_is_kept_so_relu_does_not_silence_the_network():
    experiment = load_preset("deep-sigmoid")
    comparison = compare_activations(experiment.network, experiment.inputs, experiment.targets, experiment.loss)
    sigmoid, relu = comparison.values
    assert np.all(relu > 0)  # with a ReLU output every gradient would be exactly 0 on these weights
    assert sigmoid[0] / sigmoid[-1] < 1e-6 < relu[0] / relu[-1]
    # A one-layer linear network has no hidden layers: its only layer is switched.
    single = Network([2, 1], "linear", [[[0.5, -0.5]]])
    assert network_with_activation(single, "relu", "half_squared_error").activations == ("relu",)


def test_a_run_where_no_gradient_gets_through_names_the_blocking_layer():
    # All tanh; switched to ReLU the output's z is negative, so relu'(z) = 0 stops everything at layer 2.
    net = Network([1, 2, 1], "tanh", [[[1.0], [0.5]], [[-1.0, -1.0]]])
    comparison = compare_activations(net, [[0.5]], [[0.3]], "half_squared_error", ("tanh", "relu"))
    assert np.all(comparison.values[1] == 0)
    assert comparison.blocked_at == (None, 2)
    tiny = load_preset("tiny-sigmoid")
    assert compare_activations(tiny.network, tiny.inputs, tiny.targets, tiny.loss).blocked_at == (None, None)
