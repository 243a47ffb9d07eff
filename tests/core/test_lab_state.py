"""The lab as the window drives it (core.lab_state.LabRun): mini-batches in lock-step against SGD, momentum
and Adam written out here; reset; edits that keep what they can; undo of edits and training runs, bounded;
and the LabSnapshot's contents against independent computations.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace

import numpy as np
import pytest

from gradviz.core import lab_state
from gradviz.core.activations import get_activation
from gradviz.core.data import DataSpec, load_digits
from gradviz.core.lab import Lab, LabConfig, LabError, LaneSpec
from gradviz.core.lab_state import LabRun, lab_verdict

SEED = 3


def small_config(optimizer="sgd", learning_rate=0.5, batch=8, activations=("sigmoid", "relu")):
    lanes = tuple(LaneSpec(a, a, "xavier_normal", optimizer=optimizer, learning_rate=learning_rate) for a in activations)
    return LabConfig(DataSpec("xor", points=40, noise=0.1, seed=1), (4, 3), lanes, batch=batch, epochs=5, seed=SEED)


# ------------------------------------------------------------------------------------ a reference


def sample_order(run, epoch):
    """The documented batch order: a permutation from the generator seeded (seed, 0xBA7C, epoch)."""
    return np.random.default_rng([run.config.seed, 0xBA7C, epoch]).permutation(len(run.lab.split.train_y))


def reference_gradients(activations, weights, biases, x, t):
    """dC/dW, dC/db of the mean binary cross-entropy of a sigmoid output, from the chain rule by hand."""
    a, zs, acts = x, [], [x]
    for l, (w, b) in enumerate(zip(weights, biases)):
        z = a @ w.T + b
        a = get_activation(activations[l])(z)
        zs.append(z)
        acts.append(a)
    delta = acts[-1] - t  # d(BCE)/dz for a sigmoid output
    grads_w, grads_b = [None] * len(weights), [None] * len(weights)
    for l in range(len(weights) - 1, -1, -1):
        grads_w[l] = delta.T @ acts[l] / len(x)
        grads_b[l] = delta.mean(axis=0)
        if l:
            delta = (delta @ weights[l]) * get_activation(activations[l - 1]).derivative(zs[l - 1])
    return grads_w, grads_b


class ReferenceLane:
    """One lane trained by the textbook update rules (torch.optim's formulas)."""

    def __init__(self, shot, optimizer, learning_rate):
        self.activations = shot.activations
        self.params = [np.array(p) for pair in zip(shot.weights, shot.biases) for p in pair]
        self.optimizer, self.learning_rate, self.steps = optimizer, learning_rate, 0
        self.m = [np.zeros_like(p) for p in self.params]
        self.v = [np.zeros_like(p) for p in self.params]
        self.last = None

    def step(self, x, t):
        grads_w, grads_b = reference_gradients(self.activations, self.params[0::2], self.params[1::2], x, t)
        grads = [g for pair in zip(grads_w, grads_b) for g in pair]
        self.last = grads_w
        self.steps += 1
        for p, g, m, v in zip(self.params, grads, self.m, self.v):
            if self.optimizer == "sgd":
                p -= self.learning_rate * g
            elif self.optimizer == "momentum":
                m *= 0.9
                m += g
                p -= self.learning_rate * m
            else:
                m[...] = 0.9 * m + 0.1 * g
                v[...] = 0.999 * v + 0.001 * g * g
                m_hat = m / (1 - 0.9**self.steps)
                v_hat = v / (1 - 0.999**self.steps)
                p -= self.learning_rate * m_hat / (np.sqrt(v_hat) + 1e-8)

    def restart_optimizer(self, optimizer):
        self.optimizer, self.steps = optimizer, 0
        self.m = [np.zeros_like(p) for p in self.params]
        self.v = [np.zeros_like(p) for p in self.params]


def reference_batches(run, first_epoch, batches):
    """(x, t) of ``batches`` mini-batches from the start of ``first_epoch``, by the documented order."""
    split, size = run.lab.split, run.config.batch
    out, epoch = [], first_epoch
    while len(out) < batches:
        order = sample_order(run, epoch)
        for k in range(0, len(order), size):
            rows = order[k : k + size]
            out.append((split.train_x[rows], split.train_y[rows].astype(float)[:, None]))
        epoch += 1
    return out[:batches]


def assert_lane_matches(shot, reference, rtol=1e-10):
    for mine, theirs in zip([p for pair in zip(shot.weights, shot.biases) for p in pair], reference.params):
        np.testing.assert_allclose(mine, theirs, rtol=rtol, atol=1e-13)


# ------------------------------------------------------------------------------------- training


def test_advance_trains_every_lane_in_lock_step_as_sgd_written_out_across_an_epoch_boundary():
    run = LabRun(Lab(small_config()))
    start = run.snapshot()
    assert (run.epoch, run.batch_index, run.batches_per_epoch) == (0, 0, 4)  # 32 training points, batches of 8
    references = [ReferenceLane(lane, "sgd", 0.5) for lane in start.lanes]
    assert run.advance(7) == 7
    assert (run.epoch, run.batch_index) == (1, 3)
    for x, t in reference_batches(run, 1, 7):
        for reference in references:
            reference.step(x, t)
    shot = run.snapshot()
    for lane, reference in zip(shot.lanes, references):
        assert_lane_matches(lane, reference)
        for mine, theirs in zip(lane.grad_w, reference.last):  # |dC/dw| of the last mini-batch trained
            np.testing.assert_allclose(mine, np.abs(theirs), rtol=1e-9, atol=1e-15)
        assert list(lane.history.epochs) == [0, 1]


def test_step_batch_is_one_mini_batch_and_step_epoch_finishes_the_epoch():
    run = LabRun(Lab(small_config()))
    assert run.step_batch() == 1 and (run.epoch, run.batch_index) == (0, 1)
    assert run.step_epoch() == 3 and (run.epoch, run.batch_index) == (1, 0)
    assert run.step_epoch() == 4 and run.epoch == 2
    run.edit({"epochs": 2})
    assert run.finished and run.advance(10) == 0 and run.step_batch() == 0


@pytest.mark.parametrize("optimizer, learning_rate", [("momentum", 0.1), ("adam", 0.01)])
def test_momentum_and_adam_keep_their_running_averages_across_slices(optimizer, learning_rate):
    run = LabRun(Lab(small_config(optimizer, learning_rate)))
    references = [ReferenceLane(lane, optimizer, learning_rate) for lane in run.snapshot().lanes]
    for slice_size in (1, 2, 5, 3):
        run.advance(slice_size)
    for x, t in reference_batches(run, 1, 11):
        for reference in references:
            reference.step(x, t)
    for lane, reference in zip(run.snapshot().lanes, references):
        assert_lane_matches(lane, reference)


def test_reset_goes_back_to_the_same_starting_weights_split_and_batch_order():
    run = LabRun(Lab(small_config()))
    start = run.snapshot()
    split = run.lab.split
    run.advance(9)
    run.reset()
    again = run.snapshot()
    assert (again.epoch, again.batch_index) == (0, 0) and run.lab.split is split
    for before, after in zip(start.lanes, again.lanes):
        for a, b in zip(before.weights + before.biases, after.weights + after.biases):
            assert np.array_equal(a, b)
        assert list(after.history.epochs) == [0] and after.history.loss[0] == before.history.loss[0]


# ------------------------------------------------------------------------------------------ edits


def test_a_learning_rate_edit_keeps_the_weights_history_and_momentum_and_trains_on_at_the_new_rate():
    run = LabRun(Lab(small_config("momentum", 0.1)))
    references = [ReferenceLane(lane, "momentum", 0.1) for lane in run.snapshot().lanes]
    run.advance(6)
    before = run.snapshot()
    run.edit({"learning_rate": 0.02})
    after = run.snapshot()
    assert "kept" in run.message and (after.epoch, after.batch_index) == (1, 2)
    for old, new in zip(before.lanes, after.lanes):
        assert all(np.array_equal(a, b) for a, b in zip(old.weights, new.weights))
        assert np.array_equal(old.history.loss, new.history.loss) and new.learning_rate == 0.02
    run.advance(5)
    batches = reference_batches(run, 1, 11)
    for reference in references:
        for k, (x, t) in enumerate(batches):
            reference.learning_rate = 0.1 if k < 6 else 0.02
            reference.step(x, t)
    for lane, reference in zip(run.snapshot().lanes, references):
        assert_lane_matches(lane, reference)


def test_another_optimizer_keeps_the_weights_and_history_and_starts_its_own_averages():
    run = LabRun(Lab(small_config("sgd", 0.5)))
    references = [ReferenceLane(lane, "sgd", 0.5) for lane in run.snapshot().lanes]
    run.advance(5)
    run.edit({"optimizer": "adam", "learning_rate": 0.01})
    run.advance(4)
    for reference in references:
        for k, (x, t) in enumerate(reference_batches(run, 1, 9)):
            if k == 5:
                reference.restart_optimizer("adam")
                reference.learning_rate = 0.01
            reference.step(x, t)
    for lane, reference in zip(run.snapshot().lanes, references):
        assert lane.optimizer == "adam"
        assert_lane_matches(lane, reference)
    assert run.epoch == 2 and len(run.snapshot().lanes[0].history.epochs) == 3


def test_a_batch_edit_keeps_the_weights_and_cuts_the_rest_of_the_epoch_anew():
    run = LabRun(Lab(small_config()))
    references = [ReferenceLane(lane, "sgd", 0.5) for lane in run.snapshot().lanes]
    run.advance(1)  # 8 of 32 samples
    run.edit({"batch": 12})
    assert (run.batch_index, run.batches_per_epoch) == (1, 3)
    assert run.advance(2) == 2 and run.epoch == 1  # 8 + 12 + 12 = 32
    split, order = run.lab.split, sample_order(run, 1)
    for reference in references:
        for rows in (order[:8], order[8:20], order[20:32]):
            reference.step(split.train_x[rows], split.train_y[rows].astype(float)[:, None])
    for lane, reference in zip(run.snapshot().lanes, references):
        assert_lane_matches(lane, reference)


def test_an_activation_edit_restarts_at_epoch_0_from_the_same_starting_weights():
    run = LabRun(Lab(small_config()))
    start = run.snapshot()
    run.advance(6)
    run.edit({"activation": ["tanh", None]})
    shot = run.snapshot()
    assert shot.epoch == 0 and shot.batch_index == 0 and "epoch 0" in run.message
    assert [lane.name for lane in shot.lanes] == ["tanh", "relu"] and shot.lanes[0].activations[:2] == ("tanh", "tanh")
    for before, after in zip(start.lanes, shot.lanes):
        assert all(np.array_equal(a, b) for a, b in zip(before.weights, after.weights))


def test_a_data_edit_draws_the_data_anew_and_restarts():
    run = LabRun(Lab(small_config()))
    before = run.snapshot().data.train_points
    run.advance(3)
    run.edit({"noise": 0.3, "points": 60})
    shot = run.snapshot()
    assert shot.epoch == 0 and len(shot.data.train_points) + len(shot.data.test_points) == 60
    assert not np.array_equal(shot.data.train_points[: len(before)], before)


@pytest.mark.parametrize("changes, message", [
    ({"batch": 0}, "batch: must be from 1"),
    ({"learning_rate": -1.0}, "learning rate: must be above 0"),
    ({"activation": "swish"}, "activation: choose one of"),
    ({"layers": (0,)}, "layers: hidden layer 1 must have 1 to 512 units"),
    ({"noise": 2.0}, "noise: must be from 0 to 0.5"),
    ({"momentum": 0.5}, "momentum: not a lab setting"),
    ({"learning_rate": [0.1, 0.2, 0.3]}, "learning rate: give one value or one for each of the 2 lanes"),
    ({"data": "/no/such/file.csv"}, "file.csv"),
])  # fmt: skip
def test_a_bad_edit_names_the_setting_and_leaves_the_run_as_it_was(changes, message):
    run = LabRun(Lab(small_config()))
    run.advance(2)
    version, weights = run.version, run.snapshot().lanes[0].weights
    with pytest.raises(LabError, match=re.escape(message)):
        run.edit(changes)
    assert run.version == version and run.undo_label == "training"
    assert all(np.array_equal(a, b) for a, b in zip(weights, run.snapshot().lanes[0].weights))


# ------------------------------------------------------------------------------------------- undo


def weights_of(run):
    return [np.array(w) for lane in run.snapshot().lanes for w in lane.weights + lane.biases]


def same(a, b):
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b))


def test_undo_and_redo_cover_training_runs_edits_and_reset():
    run = LabRun(Lab(small_config("momentum", 0.1)))
    start = weights_of(run)
    run.advance(3)
    run.advance(2)  # one run until end_run
    run.end_run()
    trained = weights_of(run)
    run.edit({"learning_rate": 0.05})
    run.advance(4)
    run.end_run()
    later = weights_of(run)
    run.reset()
    assert run.undo_label == "reset"
    assert run.undo() and same(weights_of(run), later) and (run.epoch, run.batch_index) == (2, 1)
    assert run.undo_label == "training" and run.undo() and same(weights_of(run), trained)
    assert run.config.lanes[0].learning_rate == 0.05
    assert run.undo_label == "change of learning rate" and run.undo() and run.config.lanes[0].learning_rate == 0.1
    assert run.undo() and same(weights_of(run), start) and run.epoch == 0
    assert not run.undo() and run.undo_label is None
    assert run.redo() and same(weights_of(run), trained) and run.redo_label == "change of learning rate"
    # Training after a redo continues as the first time: the momentum was restored with the weights.
    run.redo()
    run.advance(4)
    assert same(weights_of(run), later)


def test_undo_after_an_activation_edit_brings_back_the_trained_lane():
    run = LabRun(Lab(small_config()))
    run.advance(5)
    trained = weights_of(run)
    run.edit({"activation": ["tanh", "tanh"]})
    assert run.undo() and same(weights_of(run), trained)
    assert [lane.activation for lane in run.snapshot().lanes] == ["sigmoid", "relu"]


def test_undo_keeps_a_bounded_number_of_steps_and_bytes(monkeypatch):
    run = LabRun(Lab(replace(small_config(), epochs=100)))
    for _ in range(lab_state.MAX_UNDO_STEPS + 10):
        run.step_batch()
    steps = 0
    while run.undo():
        steps += 1
    assert steps == lab_state.MAX_UNDO_STEPS == 50
    one_state = run.lab.capture().nbytes
    monkeypatch.setattr(lab_state, "MAX_UNDO_BYTES", 3 * one_state)
    run = LabRun(Lab(small_config()))
    for _ in range(10):
        run.step_batch()
    steps = 0
    while run.undo():
        steps += 1
    assert steps == 3


# -------------------------------------------------------------------------------------- snapshot


def reference_logits(lane, x):
    a = x
    for l, (w, b) in enumerate(zip(lane.weights, lane.biases)):
        z = a @ w.T + b
        a = get_activation(lane.activations[l])(z)
    return z


@pytest.fixture(scope="module")
def spiral_run():
    run = LabRun.from_preset("spiral-deep")
    run.advance(run.batches_per_epoch * 40)
    return run


def test_the_decision_grid_agrees_with_the_float64_network_except_at_the_boundary(spiral_run):
    shot = spiral_run.snapshot(grid_resolution=120)
    split = spiral_run.lab.split
    xs, ys = shot.data.grid_xs, shot.data.grid_ys
    assert len(xs) == len(ys) == 120
    raw = np.concatenate([shot.data.train_points, shot.data.test_points])
    assert xs[0] < raw[:, 0].min() and xs[-1] > raw[:, 0].max() and ys[0] < raw[:, 1].min() and ys[-1] > raw[:, 1].max()
    gx, gy = np.meshgrid(xs, ys)
    cells = (np.column_stack([gx.ravel(), gy.ravel()]) - split.mean) / split.scale
    for lane in shot.lanes:
        logits = reference_logits(lane, cells)[:, 0]
        probability = 1 / (1 + np.exp(-logits))
        grid = lane.grid.ravel()
        assert lane.grid.dtype == np.float32 and lane.grid.shape == (120, 120)
        np.testing.assert_allclose(grid, probability, atol=2e-6)
        clear = np.abs(logits) > 1e-4
        assert clear.mean() > 0.99
        assert np.array_equal((grid >= 0.5)[clear], (logits >= 0)[clear]), lane.name
    assert shot.lanes[1].grid.min() < 0.5 < shot.lanes[1].grid.max()  # ReLU's boundary crosses the picture


def test_the_grid_evaluated_cell_by_cell_is_the_grid_from_the_first_layers_x_and_y_tables(spiral_run, monkeypatch):
    from gradviz.core import lab_grid

    network = spiral_run.lab.lanes[0].network  # sigmoid: exp of a sum as a product of two exps
    split = spiral_run.lab.split
    tables = lab_grid.decision_grid(network, split, 50)[2]
    monkeypatch.setattr(lab_grid, "SEPARABLE_EXP_LIMIT", 0.0)  # every |part| is over it: cell by cell
    np.testing.assert_allclose(lab_grid.decision_grid(network, split, 50)[2], tables, atol=1e-6)


def test_the_decision_grid_of_three_classes_is_the_class_of_the_largest_output(tmp_path):
    rng = np.random.default_rng(0)
    centres = np.array([[0, 0], [3, 0], [0, 3]])
    rows = [(*(centres[k] + rng.normal(size=2)), k) for k in range(3) for _ in range(30)]
    path = tmp_path / "three.csv"
    path.write_text("x,y,class\n" + "".join(f"{x:.6f},{y:.6f},{c}\n" for x, y, c in rows))
    run = LabRun(Lab(LabConfig(DataSpec(str(path)), (8,), (LaneSpec("tanh", "tanh", "xavier_normal"),), epochs=10)))
    run.advance(50)
    shot = run.snapshot(grid_resolution=100)
    lane = shot.lanes[0]
    gx, gy = np.meshgrid(shot.data.grid_xs, shot.data.grid_ys)
    logits = reference_logits(lane, (np.column_stack([gx.ravel(), gy.ravel()]) - run.lab.split.mean) / run.lab.split.scale)
    ordered = np.sort(logits, axis=1)
    clear = ordered[:, -1] - ordered[:, -2] > 1e-4
    assert set(np.unique(lane.grid)) <= {0.0, 1.0, 2.0}
    assert np.array_equal(lane.grid.ravel()[clear], np.argmax(logits, axis=1)[clear])


@pytest.mark.parametrize("resolution", [1, 2001, 100.5])
def test_a_grid_resolution_out_of_range_names_it(spiral_run, resolution):
    with pytest.raises(LabError, match=f"grid resolution: must be a whole number from 2 to 2,000, got {resolution}"):
        spiral_run.snapshot(grid_resolution=resolution)


def test_every_array_of_the_snapshot_is_read_only(spiral_run):
    shot = spiral_run.snapshot()
    lane = shot.lanes[0]
    for array in (lane.weights[0], lane.grad_w[0], lane.history.speed, lane.grid, lane.confusion, shot.data.train_points, shot.data.test_labels):
        with pytest.raises(ValueError):
            array.flat[0] = 1
    assert spiral_run.snapshot() is shot  # nothing changed: the same snapshot


def test_the_snapshot_predictions_confusion_and_shared_colour_scale(spiral_run):
    shot = spiral_run.snapshot()
    split = spiral_run.lab.split
    every = []
    for lane in shot.lanes:
        predicted = (reference_logits(lane, split.test_x)[:, 0] >= 0).astype(int)
        assert np.array_equal(lane.test_predictions, predicted)
        assert np.array_equal(lane.test_correct, predicted == split.test_y)
        for true in range(2):
            for guess in range(2):
                assert lane.confusion[true, guess] == sum(1 for t, p in zip(split.test_y, predicted) if t == true and p == guess)
        assert lane.history.test_accuracy[-1] == pytest.approx(np.mean(predicted == split.test_y))
        every += [g[g > 0] for g in lane.grad_w]
    low, high = shot.grad_decades
    values = np.concatenate(every)
    assert values.max() <= 10.0**high
    assert high - 1 < math.log10(values.max())  # the top decade holds the largest gradient of all lanes
    assert low == max(math.floor(math.log10(values.min())), high - 8)  # at most 8 decades below the top


def test_the_digits_colour_scale_spans_at_most_eight_decades_below_the_largest_gradient():
    run = LabRun.from_preset("digits-deep")
    for _ in range(10):  # by epoch 10 the sigmoid lane's smallest last-batch gradients sit near 1e-15
        run.step_epoch()
    shot = run.snapshot()
    values = np.concatenate([np.abs(g[g != 0]).ravel() for lane in shot.lanes for g in lane.grad_w])
    top = math.ceil(math.log10(values.max()))
    assert math.log10(values.min()) < top - 12  # the deep sigmoid lane's first layer lies far below the rest
    assert shot.grad_decades == (top - 8, top)


def test_the_digits_snapshot_shows_the_test_images_their_predictions_and_the_verdict():
    run = LabRun.from_preset("digits-deep")
    run.step_epoch()
    shot = run.snapshot()
    data = shot.data
    assert not data.is_2d and data.grid_xs is None and all(lane.grid is None for lane in shot.lanes)
    assert data.test_images.shape == (len(data.test_labels), 8, 8)
    digits = {tuple(row) for row in load_digits().features.astype(int)}
    images = data.test_images.reshape(len(data.test_labels), 64)
    assert np.array_equal(images, np.round(images)) and images.min() >= 0 and images.max() <= 16
    assert all(tuple(row) in digits for row in images.astype(int)[:50])
    for lane in shot.lanes:
        predicted = np.argmax(reference_logits(lane, run.lab.split.test_x), axis=1)
        assert np.array_equal(lane.test_predictions, predicted)
        assert lane.confusion.shape == (10, 10) and lane.confusion.trace() == np.count_nonzero(predicted == data.test_labels)
    sigmoid, relu = shot.lanes
    ratio = sigmoid.history.speed[-1, -1] / sigmoid.history.speed[-1, 0]
    found = re.fullmatch(r"lane 1 \(sigmoid\)'s first layer learns (\d+)× slower than its last; test accuracy sigmoid (\d+)%, relu (\d+)%", shot.verdict)
    assert found, shot.verdict
    assert int(found.group(1)) == pytest.approx(ratio, rel=0.05)
    assert int(found.group(2)) == round(100 * sigmoid.history.test_accuracy[-1])
    assert int(found.group(3)) == round(100 * relu.history.test_accuracy[-1])


def test_the_verdict_when_no_first_layer_is_slow_and_when_a_lane_stopped():
    run = LabRun(Lab(small_config(activations=("relu", "tanh"))))
    shot = run.snapshot()
    ratios = [lane.history.speed[-1, -1] / lane.history.speed[-1, 0] for lane in shot.lanes]
    spread = max(max(r, 1 / r) for r in ratios)
    assert 1 < spread < 10  # both lanes' first layers learn about as fast as their last (ReLU, tanh)
    found = re.match(r"every lane's first layer learns within ([\d.]+)× of its last; test accuracy relu \d+%, tanh \d+%$", shot.verdict)
    assert found and float(found.group(1)) == pytest.approx(spread, rel=0.05)
    stopped = replace(shot.lanes[1], stopped="lane tanh stopped at epoch 3: the loss is not finite")
    assert lab_verdict((shot.lanes[0], stopped)).endswith("; lane tanh stopped at epoch 3: the loss is not finite")
    assert lab_verdict(()) == ""


def test_the_verdict_names_the_lane_of_each_test_accuracy_however_many_lanes():
    run = LabRun(Lab(small_config(activations=("relu", "tanh", "sigmoid", "elu"))))
    run.step_epoch()
    shot = run.snapshot()
    expected = ", ".join(f"{name} {round(100 * lane.history.test_accuracy[-1])}%"
                         for name, lane in zip(("relu", "tanh", "sigmoid", "elu"), shot.lanes))
    assert shot.verdict.endswith(f"; test accuracy {expected}"), shot.verdict


def test_an_edit_that_repeats_unchanged_settings_keeps_what_the_changed_one_allows():
    run = LabRun(Lab(small_config()))
    run.advance(5)
    weights = weights_of(run)
    data = run.config.data
    run.edit({"data": data.name, "noise": data.noise, "points": data.points, "activation": ["sigmoid", "relu"], "learning_rate": 0.2})
    assert run.message == "change of learning rate: the weights, the history and the optimiser's running averages are kept"
    assert same(weights_of(run), weights) and run.epoch == 1
    version = run.version
    run.edit({"batch": run.config.batch})
    assert run.version == version and run.undo_label == "change of learning rate"
