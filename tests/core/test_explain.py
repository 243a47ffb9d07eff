import numpy as np

from gradviz.core.explain import explain_edge, explain_neuron, fmt
from gradviz.core.netfile import load_preset
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
