"""SGD training: history shapes, learning, statistics, and cancelling."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

from gradviz.files.network_file import load_preset, preset_names
from gradviz.core.network import Network
from gradviz.core.stats import MEASURES, grad_stats
from gradviz.core.training import TrainingHistory, TrainingRun, train


def series(history: TrainingHistory, name: str) -> np.ndarray:
    """The losses, or the measure ``name``, of ``history``."""
    return history.losses if name == "losses" else history.measure(name)


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
    assert history.losses.shape == (20,) and history.measure("norm_grad_w").shape == (20, exp.network.depth)
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
        np.testing.assert_array_equal(series(joined, name), series(whole, name))
    for w, w_whole in zip(joined.network.weights, whole.network.weights):
        np.testing.assert_array_equal(w, w_whole)


# ---------------------------------------------------------------------------------------------- TrainingRun


def test_a_run_in_slices_equals_one_run_bit_for_bit():
    exp = load_preset("deep-sigmoid")
    whole = train(exp.network, exp.inputs, exp.targets, exp.loss, exp.learning_rate, 57)
    run_ = TrainingRun(exp.network, exp.inputs, exp.targets, exp.loss, exp.learning_rate, 57)
    done = []
    for size in (1, 5, 13, 0, 30, 100):
        done.append(run_.advance(size))
    assert done == [False, False, False, False, False, True]
    assert run_.steps_done == 57 and run_.finished and not run_.cancelled and run_.stopped_at is None
    history = run_.history()
    for name in ("losses", *MEASURES):
        assert series(history, name).tobytes() == series(whole, name).tobytes()
    for w, w_whole in zip(run_.network.weights + run_.network.biases, whole.network.weights + whole.network.biases):
        assert w.tobytes() == w_whole.tobytes()
    assert not history.losses.flags.writeable


def test_a_run_reports_progress_and_cancels():
    exp = load_preset("tiny-relu")
    run_ = TrainingRun(exp.network, exp.inputs, exp.targets, exp.loss, exp.learning_rate, 30)
    assert run_.network is exp.network and run_.history().steps == 0
    run_.advance(12)
    middle = run_.network
    assert run_.network is middle  # one copy per slice, not per call
    run_.cancel()
    assert run_.cancelled and run_.finished and run_.advance(10)
    history = run_.history()
    assert history.cancelled and history.steps == 12 and history.network is middle
    _, reference = run("tiny-relu", 12)
    np.testing.assert_array_equal(history.losses, reference.losses)


def manual_until_non_finite(exp, learning_rate, limit):
    """SGD by Network.run and sgd_step until a loss or an update is not finite: (steps taken, network, stopped at)."""
    network = exp.network
    for step in range(1, limit + 1):
        record = network.run(exp.inputs, exp.targets, exp.loss)
        if not np.isfinite(record.loss):
            return step - 1, network, step
        with np.errstate(over="ignore", invalid="ignore"):
            updated = network.sgd_step([l.grad_w for l in record.layers], [l.grad_b for l in record.layers], learning_rate)
        if not all(np.isfinite(w).all() for w in updated.weights + updated.biases):
            return step - 1, network, step
        network = updated
    return limit, network, None


def test_training_that_meets_a_non_finite_value_stops_there_and_keeps_the_last_finite_network():
    exp = load_preset("exploding")
    # The exploding preset's old learning rate, 0.01, overflows within a few steps.
    taken, expected_network, stopped_at = manual_until_non_finite(exp, 0.01, 100)
    assert stopped_at is not None and 1 < stopped_at < 100
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        history = train(exp.network, exp.inputs, exp.targets, exp.loss, 0.01, 100)
    assert history.stopped_at == stopped_at and history.steps == taken == stopped_at - 1
    assert np.all(np.isfinite(history.losses))
    for w, w_expected in zip(history.network.weights + history.network.biases, expected_network.weights + expected_network.biases):
        np.testing.assert_array_equal(w, w_expected)
    assert history.stop_reason.startswith(f"Training stopped at step {stopped_at}: ")
    assert history.stop_reason.endswith(f"(overflow); the network after step {stopped_at - 1} is kept")
    assert repr(history).endswith(f"stopped_at={stopped_at})")


def test_a_loss_that_is_not_finite_at_the_start_keeps_the_starting_network():
    exp = load_preset("tiny-relu")
    huge = exp.network.with_params([w * 1e100 for w in exp.network.weights], exp.network.biases)
    history = train(huge, exp.inputs, exp.targets, exp.loss, exp.learning_rate, 5)
    assert history.steps == 0 and history.stopped_at == 1
    assert history.stop_reason == "Training stopped at step 1: the loss is not finite (overflow); the starting network is kept"
    assert history.network.weights[0].tobytes() == huge.weights[0].tobytes()


def test_joined_histories_count_the_stop_from_the_first_step():
    exp = load_preset("exploding")
    first = train(exp.network, exp.inputs, exp.targets, exp.loss, 0.01, 1)
    later = train(first.network, exp.inputs, exp.targets, exp.loss, 0.01, 100)
    whole = train(exp.network, exp.inputs, exp.targets, exp.loss, 0.01, 101)
    joined = TrainingHistory.joined([first, later])
    assert joined.stopped_at == whole.stopped_at and joined.stop_reason == whole.stop_reason


WIDE_TRAINING = """
import json, tracemalloc
import numpy as np
from gradviz.core.network import Network
from gradviz.core.training import TrainingRun

rng = np.random.default_rng(0)
widths = [512] * 10  # nine 512 x 512 weight layers: 19 MB of weights and biases
network = Network(widths, "sigmoid", [rng.normal(0, 1 / 512**0.5, (512, 512)) for _ in range(9)])
inputs, targets = rng.normal(size=(4, 512)), rng.normal(size=(4, 512))
tracemalloc.start()
before = tracemalloc.get_traced_memory()[0]
run = TrainingRun(network, inputs, targets, "half_squared_error", 0.1, 500)
while not run.advance(10):  # in slices, as the window takes them, each asking for the network
    assert run.network.widths == tuple(widths)
history = run.history()
peak = tracemalloc.get_traced_memory()[1] - before
result = {"steps": history.steps, "first": history.losses[0], "last": history.losses[-1], "peak": peak}
del run, history
result["after"] = tracemalloc.get_traced_memory()[0] - before
print(json.dumps(result))
"""


def test_five_hundred_steps_on_a_wide_network_stay_under_a_gigabyte_and_give_it_back():
    # A fresh interpreter measures only this run; one BLAS thread, because on a busy machine OpenBLAS's
    # spinning threads make these small products many times slower (the measurement is the same).
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, "-c", WIDE_TRAINING], capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["steps"] == 500 and result["last"] < result["first"]
    assert result["peak"] < 1e9
    assert result["peak"] < 150e6  # the working copy, the spare, a frozen copy, a step's arrays: not 500 networks
    assert result["after"] < 1e6  # all given back


# ---------------------------------------------------------------------------------------------- presets train


def layer_factor(experiment) -> float:
    """The per-layer gradient factor f = (g1 / g_(L-1))^(1/(n-1)) over layers 1..L-1 (n = L-1 of them),
    g the mean |dL/dw| of a layer, computed from a pass by Network.run."""
    record = experiment.network.run(experiment.inputs, experiment.targets, experiment.loss)
    g = [float(np.mean(np.abs(layer.grad_w))) for layer in record.layers]
    n = len(g) - 1
    return (g[0] / g[n - 1]) ** (1 / (n - 1))


@pytest.mark.parametrize("name", preset_names())
def test_every_preset_trains_500_steps_at_its_own_learning_rate(name):
    exp = load_preset(name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        history = train(exp.network, exp.inputs, exp.targets, exp.loss, exp.learning_rate, 500)
    assert history.stopped_at is None and history.steps == 500
    assert np.all(np.isfinite(history.losses))
    assert np.all(np.isfinite(history.measure("mean_abs_grad_w")))
    assert history.losses[-1] < 0.5 * history.losses[0]
    final = history.network.run(exp.inputs, exp.targets, exp.loss).loss
    assert np.isfinite(final) and final < 0.5 * history.losses[0]


def test_the_presets_keep_their_lessons():
    assert 0.5 <= layer_factor(load_preset("residual-sigmoid")) <= 2  # healthy
    assert layer_factor(load_preset("deep-sigmoid")) < 0.5  # vanishing
    assert layer_factor(load_preset("exploding")) > 2  # exploding: 3 exactly, weights 0.75 four wide
    assert layer_factor(load_preset("exploding")) == pytest.approx(3.0, rel=1e-12)
