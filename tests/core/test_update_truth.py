"""Issue 17, item 2: every step tells the truth -- the update step, the colour scale, captions, the weights' origin.

Expected values come from hand computations (tests.helpers.hand_tiny_sigmoid, written out independently of the
core), an independent NumPy draw, or plain arithmetic below; never from the code under test.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from gradviz.core.session import Session
from gradviz.core.snapshot import take_snapshot
from gradviz.files.network_file import load_preset
from tests.helpers import hand_tiny_sigmoid, sigmoid

#: tiny-sigmoid: 3 weight layers, a pass is 8 micro-steps; the update is step 8.
UPDATE_STEP = 8
ETA = 0.5  # the preset's learning rate


def tiny_session(steps: int = 0, **kwargs) -> Session:
    session = Session(load_preset("tiny-sigmoid"), **kwargs)
    for _ in range(steps):
        session.step_forward()
    return session


def hand_relu_grads():
    """tiny-sigmoid's weights (0.5, b = 0, x = 0.5, t = 0.8) run with ReLU: every z > 0, so a = z, f' = 1."""
    w, x, t = 0.5, 0.5, 0.8
    a1 = w * x
    a2 = w * a1
    a3 = w * a2
    delta3 = a3 - t
    delta2 = w * delta3
    delta1 = w * delta2
    return (delta1 * x, delta2 * a1, delta3 * a2)


def test_the_update_record_carries_weights_before_the_gradient_applied_eta_and_weights_after():
    hand = hand_tiny_sigmoid()
    shot = take_snapshot(tiny_session(UPDATE_STEP))
    update = shot.update
    assert update is not None and shot.lanes[0].update is not None
    assert update.learning_rate == ETA
    for l in range(3):
        grad = hand["grad_w"][l]
        assert update.weights_before[l][0, 0] == 0.5
        assert update.gradients[l][0, 0] == pytest.approx(grad, rel=1e-12)
        assert update.weights_after[l][0, 0] == pytest.approx(0.5 - ETA * grad, rel=1e-12)
        assert update.changes[l][0, 0] == pytest.approx(-ETA * grad, rel=1e-9)
        # The biases: b = 0, dL/db = delta (one sample).
        assert update.biases_before[l][0] == 0.0
        assert update.bias_gradients[l][0] == pytest.approx(hand["delta"][l], rel=1e-12)
        assert update.biases_after[l][0] == pytest.approx(-ETA * hand["delta"][l], rel=1e-12)
    # The tutorial's weight: w1 = 0.5 - 0.5 * (-0.000423584) = 0.500211792.
    before, grad, eta, after = update.weight(1, 0, 0)
    assert (before, eta) == (0.5, 0.5)
    assert grad == pytest.approx(-0.000423584, abs=5e-10)
    assert after == pytest.approx(0.500211792, abs=5e-10)
    assert all(not a.flags.writeable for a in update.weights_before + update.gradients + update.weights_after)


@pytest.mark.parametrize("steps", [0, 2, 4, 6, 7])
def test_there_is_no_update_before_the_update_step(steps):
    shot = take_snapshot(tiny_session(steps))
    assert shot.update is None and shot.record.update is None


def test_the_step_after_the_update_starts_the_next_pass_without_an_update():
    shot = take_snapshot(tiny_session(UPDATE_STEP + 1))
    assert shot.update is None
    assert shot.record.pass_weights[0][0, 0] == pytest.approx(0.5 - ETA * hand_tiny_sigmoid()["grad_w"][0], rel=1e-12)


def test_the_bars_at_the_update_step_show_the_gradients_just_applied():
    hand = hand_tiny_sigmoid()
    session = tiny_session(UPDATE_STEP)
    comparison = take_snapshot(session).comparison
    assert comparison.activations == ("sigmoid", "relu")
    assert comparison.revealed_layers == (1, 2, 3)
    # Row 0 runs sigmoid on the weights the pass ran with (0.5), not on the updated ones.
    np.testing.assert_allclose(comparison.values[0], np.abs(hand["grad_w"]), rtol=1e-12)
    np.testing.assert_allclose(comparison.values[1], np.abs(hand_relu_grads()), rtol=1e-12)
    assert comparison.values[1] == pytest.approx([0.0921875] * 3, rel=1e-12)
    # They are the same numbers the step before showed (the whole backward pass) ...
    session.step_back()
    np.testing.assert_allclose(take_snapshot(session).comparison.values, comparison.values, rtol=0)
    # ... and the next pass (one step after the update) shows the updated network's, which differ.
    session.step_forward()
    session.step_forward()
    after = take_snapshot(session).comparison.values
    w1 = 0.5 - ETA * hand["grad_w"][0]
    assert after[1, 0] != pytest.approx(0.0921875, rel=1e-9)
    assert after[1, 0] == pytest.approx(abs(_relu_grad_w1_after_update()), rel=1e-9)
    assert w1 != 0.5


def _relu_grad_w1_after_update():
    """Layer 1's ReLU gradient on the weights and biases after one sigmoid SGD update, by hand."""
    hand = hand_tiny_sigmoid()
    w = [0.5 - ETA * g for g in hand["grad_w"]]
    b = [0.0 - ETA * d for d in hand["delta"]]
    x, t = 0.5, 0.8
    z1 = w[0] * x + b[0]
    z2 = w[1] * z1 + b[1]
    z3 = w[2] * z2 + b[2]
    assert min(z1, z2, z3) > 0  # every ReLU passes: f' = 1
    delta3 = z3 - t
    return w[2] * w[1] * delta3 * x


def test_the_inspector_at_the_update_step_explains_the_update_it_shows():
    session = tiny_session(UPDATE_STEP)
    session.view.select(("edge", 1, 0, 0))
    shot = take_snapshot(session)
    update = shot.inspected.record.update
    assert update is not None and update.weight(1, 0, 0)[3] == pytest.approx(0.500211792, abs=5e-10)


# ----------------------------------------------------------------------------------------- the colour scale


def largest_abs_activation(record) -> float:
    arrays = [record.inputs] + [l.a for l in record.layers if l.a is not None]
    return max(float(np.max(np.abs(a))) for a in arrays)


def test_the_scale_record_holds_only_what_the_pass_has_revealed():
    hand = hand_tiny_sigmoid()
    a1, a2, a3 = hand["a"]
    assert a1 < a2 < a3  # so the largest revealed activation tells how far the scale has looked
    # step 0: nothing but the input
    rec = take_snapshot(tiny_session(0)).scale_record
    assert all(l.a is None and l.grad_w is None for l in rec.layers)
    assert largest_abs_activation(rec) == 0.5
    # mid-forward (layers 1 and 2 computed): the largest |a| is a2, not the output's a3
    rec = take_snapshot(tiny_session(2)).scale_record
    assert largest_abs_activation(rec) == pytest.approx(a2, rel=1e-12)
    assert rec.layers[2].a is None and all(l.grad_w is None for l in rec.layers)
    # mid-backward (layers 3 and 2 reached): only their gradients
    rec = take_snapshot(tiny_session(6)).scale_record
    assert rec.layers[0].grad_w is None
    assert [abs(l.grad_w[0, 0]) for l in rec.layers[1:]] == pytest.approx(np.abs(hand["grad_w"][1:]), rel=1e-12)
    # the update: the whole pass, gradients as applied
    rec = take_snapshot(tiny_session(UPDATE_STEP)).scale_record
    assert [abs(l.grad_w[0, 0]) for l in rec.layers] == pytest.approx(np.abs(hand["grad_w"]), rel=1e-12)
    assert largest_abs_activation(rec) == pytest.approx(a3, rel=1e-12)


def test_reveal_all_scales_on_the_whole_pass_from_the_start():
    hand = hand_tiny_sigmoid()
    rec = take_snapshot(tiny_session(2, reveal_all=True)).scale_record
    assert largest_abs_activation(rec) == pytest.approx(hand["a"][2], rel=1e-12)
    assert abs(rec.layers[0].grad_w[0, 0]) == pytest.approx(abs(hand["grad_w"][0]), rel=1e-12)


# ----------------------------------------------------------------------------------------- captions and origin


def test_captions_name_the_activations_compared_and_the_kept_output():
    shot = take_snapshot(Session(load_preset("exploding")))
    long, mid, short = shot.comparison.captions()
    assert short == "sigmoid vs ReLU, linear output"
    assert mid == "mean |∂L/∂w| per layer: sigmoid vs ReLU, linear output"
    assert long == "Gradient size per layer: sigmoid vs ReLU, linear output (the network itself runs linear)"
    long, mid, short = take_snapshot(tiny_session()).comparison.captions()
    assert (long, short) == ("Gradient size per layer: sigmoid vs ReLU", "sigmoid vs ReLU")


def test_the_weights_origin_says_fixed_values_for_tiny_sigmoid_and_the_draw_for_deep_relu():
    shot = take_snapshot(tiny_session())
    assert shot.weights_note == "Weights: set to fixed values in the file, not drawn by the initialiser"
    assert "he_normal" not in shot.weights_note
    experiment = load_preset("deep-relu")
    # An independent he_normal draw, seed 0: N(0, 2 / fan_in), layer after layer from one generator.
    rng = np.random.default_rng(0)
    widths = experiment.network.widths
    for l, w in enumerate(experiment.network.weights):
        np.testing.assert_array_equal(w, rng.normal(0.0, math.sqrt(2.0 / widths[l]), size=(widths[l + 1], widths[l])))
    assert take_snapshot(Session(experiment)).weights_note == "Weights: drawn by he_normal, seed 0"


def test_an_edited_network_says_modified():
    session = tiny_session()
    description = session.experiment.description
    assert take_snapshot(session).description == description
    session.edits.edit({"layers": [1, 2, 1]})
    shot = take_snapshot(session)
    assert shot.title == "tiny-sigmoid (modified)"
    assert "modified" in shot.weights_note
    assert shot.description == f"Modified since loading. Before the edit: {description}"
    session.edits.undo()
    shot = take_snapshot(session)
    assert shot.description == description and "modified" not in shot.weights_note


def test_adopted_training_says_trained():
    session = tiny_session()
    session.edits.train_blocking(3)
    assert take_snapshot(session).weights_note == "Weights: trained for 3 steps"



def test_a_neuron_at_the_update_step_shows_its_bias_update():
    from gradviz.core.explain import explain_neuron

    delta1 = hand_tiny_sigmoid()["delta"][0]
    assert f"{delta1:.6g}" == "-0.000847168" and f"{-ETA * delta1:.6g}" == "0.000423584"
    lines = explain_neuron(tiny_session(UPDATE_STEP).record, 1, 0)
    assert lines[-1] == "SGD update: b1 ← b1 − η·∂L/∂b1 = 0 − 0.5 × (−0.000847168) = 0.000423584"
    assert not any("SGD update" in line for line in explain_neuron(tiny_session(7).record, 1, 0))
