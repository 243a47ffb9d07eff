import numpy as np
import pytest

from gradviz.core.explain import explain_edge, explain_neuron, fmt, is_chain, weight_chain
from gradviz.files.network_file import load_preset
from gradviz.core.network import Network
from gradviz.core.stepper import Stepper
from tests.helpers import hand_tiny_sigmoid


def _tiny_record():
    e = load_preset("tiny-sigmoid")
    return e.network.run(e.inputs, e.targets, e.loss)


def test_edge_formula_fills_in_the_chain_rule_numbers():
    record = _tiny_record()
    lines = explain_edge(record, 1, 0, 0)
    d1 = hand_tiny_sigmoid()["delta"][0]
    assert lines[1] == "w1 = 0.5"
    assert lines[2] == f"∂L/∂w1 = δ1 · a0 = ({fmt(d1)}) × 0.5 = {fmt(d1 * 0.5)}"
    assert fmt(d1 * 0.5) == "−0.000423584"


def test_neuron_formulas_for_hidden_and_output_layers():
    record = _tiny_record()
    hidden = explain_neuron(record, 1, 0)
    assert hidden[0] == "Neuron 1 of layer 1 (sigmoid)"
    assert "z1 = Σ w · a0 + b = 0.25" in hidden
    assert hidden[-1].startswith("δ1 = w2 · δ2 · σ′(z1) = 0.5 × (−0.0068838) × 0.246134 = −0.000847168")
    output = explain_neuron(record, 3, 0)
    assert output[0].startswith("Output neuron 1 of layer 3")
    assert output[-1] == "δ3 = (y − t) · σ′(z3) = (0.570749 − 0.8) × 0.244995 = −0.0561653"
    assert explain_neuron(record, 0, 0) == ["Input 1", "x = 0.5"]


def test_partial_record_says_what_is_not_computed_yet():
    e = load_preset("tiny-sigmoid")
    stepper = Stepper(e.network, e.inputs, e.targets, e.loss, e.learning_rate)
    stepper.go_to_step(2)
    assert explain_neuron(stepper.record, 3, 0)[-1] == "Computed when the forward pass reaches this layer."
    assert explain_edge(stepper.record, 1, 0, 0)[-1] == "∂L/∂w is computed when the backward pass reaches this layer."


def test_batches_explain_the_mean_and_non_finite_values_are_named():
    e = load_preset("deep-sigmoid")
    record = e.network.run(e.inputs, e.targets, e.loss)
    lines = explain_edge(record, 2, 3, 1)
    assert lines[2].startswith("∂L/∂w2[4,2] = mean over 4 samples of δ2 · a1 = ")
    assert np.isclose(float(lines[2].rsplit("= ", 1)[1].replace("−", "-")), record.layers[1].grad_w[3, 1], rtol=1e-5)
    assert fmt(float("nan")) == "NaN" and fmt(float("-inf")) == "−∞"
    net = Network([1, 1], "linear", [[[1e308]]])
    overflow = net.run([[10.0]], [[0.0]])
    assert "∞" in explain_neuron(overflow, 1, 0)[1]


def test_negative_zero_is_shown_as_zero():
    assert fmt(-0.0) == "0"
    assert fmt(0.0) == "0"


def _parse(text: str) -> float:
    return float(text.strip("()").replace("−", "-"))


def test_fmt_is_the_one_formatter_at_six_digits():
    assert fmt(1234567.0) == "1.23457e6"
    assert fmt(-4.2e-5) == "−4.2e−5"
    assert fmt(0.5) == "0.5" and fmt(1.0) == "1"
    assert fmt(float("inf")) == "∞"


def test_a_weight_of_the_tiny_chain_writes_out_the_whole_product():
    record = _tiny_record()
    hand = hand_tiny_sigmoid()
    lines = explain_edge(record, 1, 0, 0)
    assert lines[3] == "∂L/∂w1 = (y − t)·σ′(z3)·w3·σ′(z2)·w2·σ′(z1)·x"
    assert lines[4] == "= (−0.229251) × 0.244995 × 0.5 × 0.245126 × 0.5 × 0.246134 × 0.5"
    assert lines[5] == "= −0.000423584"
    # Every printed factor is the hand computation's, to the six digits shown.
    (a1, a2, a3), w, x, t = hand["a"], 0.5, 0.5, 0.8
    hand_factors = [a3 - t, a3 * (1 - a3), w, a2 * (1 - a2), w, a1 * (1 - a1), x]
    printed = [_parse(part) for part in lines[4][2:].split(" × ")]
    np.testing.assert_allclose(printed, hand_factors, rtol=5e-6)
    # The product of the factors is the gradient, to 1e-12.
    assert np.prod(hand_factors) == pytest.approx(hand["grad_w"][0], rel=1e-12)
    chain = weight_chain(record, 1, 0, 0)
    assert [f.symbol for f in chain] == ["(y − t)", "σ′(z3)", "w3", "σ′(z2)", "w2", "σ′(z1)", "x"]
    np.testing.assert_allclose([f.value for f in chain], hand_factors, rtol=1e-14)
    assert np.prod([f.value for f in chain]) == pytest.approx(hand["grad_w"][0], rel=1e-12)
    assert _parse(lines[5][2:]) == pytest.approx(hand["grad_w"][0], rel=5e-6)


def test_the_chain_of_the_other_tiny_weights():
    record = _tiny_record()
    hand = hand_tiny_sigmoid()
    (a1, a2, a3), t = hand["a"], 0.8
    w2 = explain_edge(record, 2, 0, 0)
    assert w2[3:] == ["∂L/∂w2 = (y − t)·σ′(z3)·w3·σ′(z2)·a1",
                      "= (−0.229251) × 0.244995 × 0.5 × 0.245126 × 0.562177", "= −0.00386991"]  # fmt: skip
    assert np.prod([f.value for f in weight_chain(record, 2, 0, 0)]) == pytest.approx(hand["grad_w"][1], rel=1e-12)
    w3 = explain_edge(record, 3, 0, 0)
    assert w3[3:] == ["∂L/∂w3 = (y − t)·σ′(z3)·a2", "= (−0.229251) × 0.244995 × 0.569813", "= −0.0320037"]
    assert (a3 - t) * a3 * (1 - a3) * a2 == pytest.approx(hand["grad_w"][2], rel=1e-12)


def test_the_update_step_writes_out_sgd_with_numbers():
    e = load_preset("tiny-sigmoid")
    stepper = Stepper(e.network, e.inputs, e.targets, e.loss, e.learning_rate)
    stepper.go_to_step(8)
    lines = explain_edge(stepper.record, 1, 0, 0, learning_rate=0.5)
    # 0.5 − 0.5 × (−0.000423584) = 0.500211792
    # The old value, the gradient applied, η and the new value; the change is −η·∂L/∂w1 = +0.000211792.
    assert lines[-3:] == [
        "Update with η = 0.5: old w1 = 0.5, gradient applied ∂L/∂w1 = −0.000423584",
        "SGD update: w1 ← w1 − η·∂L/∂w1 = 0.5 − 0.5 × (−0.000423584) = 0.500212",
        "new w1 = 0.500212 (changed by +0.000211792)",
    ]
    assert lines[1] == "w1 = 0.5"  # the weight the pass ran with
    assert stepper.record.weights[0][0, 0] == pytest.approx(0.5 - 0.5 * hand_tiny_sigmoid()["grad_w"][0], rel=1e-15)
    # The record carries the η it applied: the same lines without one passed.
    assert explain_edge(stepper.record, 1, 0, 0) == lines
    # Before the update step there is no update line.
    assert not any(line.startswith("SGD update") for line in explain_edge(_tiny_record(), 1, 0, 0, learning_rate=0.5))
    # The neuron's δ formula names the weights the pass ran with, not the updated ones.
    assert explain_neuron(stepper.record, 1, 0)[-2].startswith("δ1 = w2 · δ2 · σ′(z1) = 0.5 × (−0.0068838)")


def test_several_samples_say_which_sample_or_the_mean():
    e = load_preset("deep-sigmoid")
    record = e.network.run(e.inputs, e.targets, e.loss)
    mean = explain_edge(record, 11, 0, 2)
    assert mean[2].startswith("∂L/∂w11[1,3] = mean over 4 samples of δ11 · a10 = ")
    assert mean[3:] == ["∂L/∂w11[1,3] = mean over 4 samples of (y − t)·id′(z11)·a10[3]",
                        "Pick a sample to see every factor's number."]  # fmt: skip
    one = explain_edge(record, 11, 0, 2, sample=1)
    y, t, a10 = record.layers[-1].a[1, 0], record.targets[1, 0], record.layers[9].a[1, 2]
    assert one[3] == "sample 2 of 4: δ11 · a10 = " + one[3].split(": δ11 · a10 = ")[1]
    assert one[4] == "sample 2 of 4: (y − t)·id′(z11)·a10[3]"
    assert _parse(one[6][2:]) == pytest.approx((y - t) * a10, rel=5e-6)  # linear output: id′ = 1
    chain = weight_chain(record, 11, 2, 1)
    assert np.prod([f.value for f in chain]) == pytest.approx((y - t) * a10, rel=1e-12)
    # The mean over samples of each sample's product is the gradient.
    products = [np.prod([f.value for f in weight_chain(record, 11, 2, s)]) for s in range(4)]
    assert np.mean(products) == pytest.approx(record.layers[10].grad_w[0, 2], rel=1e-12)
    with pytest.raises(ValueError, match="sample must be from 0 to 3"):
        explain_edge(record, 11, 0, 2, sample=4)


def test_wide_layers_and_skips_keep_the_per_edge_chain():
    e = load_preset("deep-sigmoid")
    record = e.network.run(e.inputs, e.targets, e.loss)
    assert not is_chain(record, 10) and is_chain(record, 11)
    assert len(explain_edge(record, 2, 3, 1)) == 3
    residual = Network([1, 1, 1, 1], "sigmoid", [[[0.5]]] * 3, residual=True)
    rec = residual.run([[0.5]], [[0.8]])
    assert rec.layers[1].residual  # the skip around layer 2 adds a term: no single product
    assert not is_chain(rec, 1) and is_chain(rec, 2)
    assert len(explain_edge(rec, 1, 0, 0)) == 3


def test_binary_cross_entropy_chain_starts_at_y_minus_t():
    # 1-1-1, tanh then sigmoid, BCE: δ2 = y − t, δ1 = δ2 · w2 · tanh′(z1), ∂L/∂w1 = δ1 · x.
    net = Network([1, 1, 1], ["tanh", "sigmoid"], [[[0.7]], [[-1.3]]])
    record = net.run([[0.4]], [[1.0]], "binary_cross_entropy")
    z1 = 0.7 * 0.4
    y = 1.0 / (1.0 + np.exp(1.3 * np.tanh(z1)))
    expected = (y - 1.0) * -1.3 * (1 - np.tanh(z1) ** 2) * 0.4
    lines = explain_edge(record, 1, 0, 0)
    assert lines[3] == "∂L/∂w1 = (y − t)·w2·tanh′(z1)·x"
    assert np.prod([f.value for f in weight_chain(record, 1, 0, 0)]) == pytest.approx(expected, rel=1e-12)
    assert _parse(lines[5][2:]) == pytest.approx(expected, rel=5e-6)


def test_neuron_of_a_batch_shows_the_mean_or_one_sample():
    e = load_preset("deep-sigmoid")
    record = e.network.run(e.inputs, e.targets, e.loss)
    layer = record.layers[2]
    mean = explain_neuron(record, 3, 1)
    assert mean[0] == "Neuron 2 of layer 3 (sigmoid), mean over 4 samples"
    assert _parse(mean[1].split("= ")[1]) == pytest.approx(np.mean(layer.z[:, 1]), rel=5e-6)
    s = 1 / (1 + np.exp(-layer.z[:, 1]))
    assert _parse(mean[3].split("= ")[1]) == pytest.approx(np.mean(s * (1 - s)), rel=5e-6)
    assert _parse(mean[4].split("= ")[1]) == pytest.approx(np.mean(layer.delta[:, 1]), rel=5e-6)
    one = explain_neuron(record, 3, 1, sample=2)
    assert one[0] == "Neuron 2 of layer 3 (sigmoid), sample 3 of 4"
    assert _parse(one[1].rsplit("= ", 1)[1]) == pytest.approx(layer.z[2, 1], rel=5e-6)
    title, value = explain_neuron(record, 0, 1, sample=3)
    assert title == "Input 2, sample 4 of 4"
    assert _parse(value.split("= ")[1]) == pytest.approx(record.inputs[3, 1], rel=5e-6)


@pytest.mark.parametrize("weight", [2000.0, -2000.0])
def test_saturated_and_overflowing_chains_print_without_warnings(weight):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        saturated = Network([1, 1, 1, 1], "sigmoid", [[[weight]]] * 3).run([[0.5]], [[0.8]])  # z1 = ±1000
        lines = explain_edge(saturated, 1, 0, 0)
        overflow = Network([1, 1, 1, 1, 1], "linear", [[[1e90]]] * 4).run([[1.0]], [[0.0]])
        infinite = explain_edge(overflow, 1, 0, 0)
    assert lines[5] == "= 0"  # σ′(±1000) underflows to 0: no gradient reaches w1
    assert infinite[4] == "= ∞ × 1 × 1e90 × 1 × 1e90 × 1 × 1e90 × 1 × 1" and infinite[5] == "= ∞"
