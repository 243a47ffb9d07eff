"""SGD training: history shapes, learning, statistics, and cancelling."""

from __future__ import annotations

import numpy as np
import pytest

from gradviz.core.netfile import load_preset
from gradviz.core.stats import MEASURES, grad_stats
from gradviz.core.training import TrainingHistory, train


def run(preset, steps, **kwargs):
    exp = load_preset(preset)
    return exp, train(exp.network, exp.inputs, exp.targets, exp.loss, exp.learning_rate, steps, **kwargs)


def test_history_shapes():
    exp, history = run("deep-sigmoid", 7)
    depth = exp.network.depth
    assert history.steps == 7 and history.losses.shape == (7,)
    for name in MEASURES:
        assert history.measure(name).shape == (7, depth)
        assert not history.measure(name).flags.writeable
    assert not history.cancelled
    assert history.network.widths == exp.network.widths
    assert history.network.activations == exp.network.activations
    assert repr(history).startswith("TrainingHistory(steps=7, final_loss=")


def test_loss_decreases_on_tiny_relu():
    exp, history = run("tiny-relu", 10)
    # Converges fast (to exactly 0 after ~17 steps), so look at the first ten, strictly decreasing.
    assert np.all(np.diff(history.losses) < 0)
    assert history.losses[0] == pytest.approx(0.271953125, rel=1e-12)
    assert history.losses[-1] < 1e-15
    final = history.network.run(exp.inputs, exp.targets, exp.loss).loss
    assert final < history.losses[-1]


def test_first_step_stats_equal_a_manual_pass():
    exp, history = run("deep-relu", 3)
    record = exp.network.run(exp.inputs, exp.targets, exp.loss)
    assert history.losses[0] == record.loss
    for l, layer in enumerate(record.layers):
        stats = grad_stats(layer.grad_w)
        for name in MEASURES:
            assert history.measure(name)[0, l] == pytest.approx(stats.measure(name), rel=1e-14)


def test_one_step_equals_the_sgd_update():
    exp, history = run("residual-sigmoid", 1)
    record = exp.network.run(exp.inputs, exp.targets, exp.loss)
    stepped = exp.network.sgd_step(
        [l.grad_w for l in record.layers], [l.grad_b for l in record.layers], exp.learning_rate
    )
    for w, w_expected, b, b_expected in zip(
        history.network.weights, stepped.weights, history.network.biases, stepped.biases
    ):
        np.testing.assert_array_equal(w, w_expected)
        np.testing.assert_array_equal(b, b_expected)


def test_training_leaves_the_starting_network_alone():
    exp = load_preset("tiny-sigmoid")
    before = [np.array(w) for w in exp.network.weights]
    train(exp.network, exp.inputs, exp.targets, exp.loss, exp.learning_rate, 5)
    for w, w0 in zip(exp.network.weights, before):
        np.testing.assert_array_equal(w, w0)


def test_cancel_returns_a_consistent_network():
    calls = []

    def on_progress(done):
        calls.append(done)
        return done >= 20

    exp, history = run("deep-relu", 100, on_progress=on_progress, progress_every=10)
    assert calls == [10, 20]
    assert history.cancelled and history.steps == 20
    assert history.losses.shape == (20,) and history.norm_grad_w.shape == (20, exp.network.depth)
    _, reference = run("deep-relu", 20)
    assert not reference.cancelled
    np.testing.assert_array_equal(history.losses, reference.losses)
    for w, w_ref, b, b_ref in zip(
        history.network.weights, reference.network.weights, history.network.biases, reference.network.biases
    ):
        np.testing.assert_array_equal(w, w_ref)
        np.testing.assert_array_equal(b, b_ref)


def test_progress_is_reported_after_the_last_step_and_true_there_is_not_a_cancel():
    calls = []
    _, history = run("tiny-relu", 25, on_progress=lambda done: calls.append(done) or True, progress_every=10)
    assert calls == [10]
    assert history.cancelled and history.steps == 10
    calls.clear()
    _, history = run("tiny-relu", 25, on_progress=lambda done: calls.append(done) and False, progress_every=10)
    assert calls == [10, 20, 25] and not history.cancelled and history.steps == 25
    calls.clear()
    _, history = run("tiny-relu", 10, on_progress=lambda done: calls.append(done) or True, progress_every=10)
    assert calls == [10] and not history.cancelled and history.steps == 10


def test_resumed_training_joined_equals_one_run():
    exp, first = run("deep-relu", 12)
    later = train(first.network, exp.inputs, exp.targets, exp.loss, exp.learning_rate, 8)
    joined = TrainingHistory.joined([first, later])
    _, whole = run("deep-relu", 20)
    assert joined.steps == 20 and not joined.cancelled
    for name in ("losses", "mean_abs_grad_w", "max_abs_grad_w", "norm_grad_w"):
        np.testing.assert_array_equal(getattr(joined, name), getattr(whole, name))
    for w, w_whole in zip(joined.network.weights, whole.network.weights):
        np.testing.assert_array_equal(w, w_whole)
