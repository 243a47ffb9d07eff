"""The lab: the presets reproduce the lesson's pattern; lanes share data, split, batches and starting weights;
the measures against independent computations; the bounded history; a lane that blows up stops alone;
a lab session reopens without training.
"""

from __future__ import annotations

import math
import os
from dataclasses import replace

import numpy as np
import pytest

from gradviz.core import lab as lab_module
from gradviz.core.activations import get_activation
from gradviz.core.data import DataSpec
from gradviz.files.lab_file import load_lab_session, save_lab_session
from gradviz.core.lab import (
    Lab, LabConfig, LabError, LaneHistory, LaneSpec, decision_grid, load_preset, preset_descriptions,
    preset_names,
)  # fmt: skip

SMALL_PRESETS = ("xor", "circles", "moons", "gauss")


@pytest.fixture(scope="module")
def digits_deep():
    lab = Lab(load_preset("digits-deep"))
    lab.run()
    return lab


@pytest.fixture(scope="module")
def spiral_deep():
    lab = Lab(load_preset("spiral-deep"))
    lab.run()
    return lab


def lane(lab, name):
    return next(l for l in lab.lanes if l.name == name)


def test_every_preset_the_issue_names_is_bundled_with_a_one_line_description():
    expected = {"digits-deep", "digits-shallow", "spiral-deep", "xor", "circles", "moons", "gauss", "exploding-clip"}
    assert set(preset_names()) == expected
    for name, description in preset_descriptions().items():
        assert description and "\n" not in description and len(description) < 200, name


def test_digits_deep_sigmoid_speeds_rise_layer_by_layer_and_layer_1_is_under_a_twentieth_of_layer_4(digits_deep):
    speed = lane(digits_deep, "sigmoid").history.measure("speed")[0]
    assert np.all(np.diff(speed) > 0)
    assert speed[0] < speed[3] / 20


def test_digits_deep_relu_speeds_are_within_3x_of_each_other(digits_deep):
    speed = lane(digits_deep, "relu").history.measure("speed")[0]
    assert speed.max() < 3 * speed.min()


def test_after_30_epochs_relu_tests_at_least_0_4_better_than_sigmoid(digits_deep):
    sigmoid = lane(digits_deep, "sigmoid").history
    relu = lane(digits_deep, "relu").history
    assert sigmoid.epochs[sigmoid.count - 1] == relu.epochs[relu.count - 1] == 30
    assert relu.measure("test_accuracy")[-1] >= sigmoid.measure("test_accuracy")[-1] + 0.4


def test_spiral_deep_relu_reaches_90_percent_and_sigmoid_stays_at_or_below_70(spiral_deep):
    assert lane(spiral_deep, "relu").history.measure("test_accuracy")[-1] >= 0.9
    assert lane(spiral_deep, "sigmoid").history.measure("test_accuracy")[-1] <= 0.7


@pytest.mark.parametrize("name", SMALL_PRESETS)
def test_every_small_preset_reaches_95_percent_on_the_test_split(name):
    lab = Lab(load_preset(name))
    lab.run()
    for each in lab.lanes:
        assert each.history.measure("test_accuracy")[-1] >= 0.95, each.name


def test_exploding_clip_blows_up_without_clipping_and_learns_with_it():
    lab = Lab(load_preset("exploding-clip"))
    lab.run()
    unclipped, clipped = lab.lanes
    assert np.nanmax(unclipped.history.measure("update_ratio")) > 1e3
    assert unclipped.stopped_at is not None or unclipped.history.measure("test_accuracy")[-1] < 0.7
    assert clipped.history.measure("test_accuracy")[-1] >= 0.95


def test_lanes_that_differ_only_in_activation_start_from_the_same_weights():
    lanes = (LaneSpec("a", "sigmoid", "xavier_normal"), LaneSpec("b", "tanh", "xavier_normal"), LaneSpec("c", "relu", "he_normal"))
    lab = Lab(LabConfig(DataSpec("xor", points=40), (5, 5), lanes, epochs=1))
    a, b, c = lab.lanes
    assert np.array_equal(a.parameters, b.parameters)
    assert not np.array_equal(a.parameters, c.parameters)


def test_every_lane_sees_the_same_split_and_the_same_batches_in_a_new_order_each_epoch():
    lab = Lab(LabConfig(DataSpec("moons", points=50), (4,), (LaneSpec("a", "relu"),), batch=7, epochs=2))
    first, second = lab.batch_order(1), lab.batch_order(2)
    assert sorted(first) == list(range(40)) and not np.array_equal(first, second)
    again = Lab(lab.config)
    assert np.array_equal(again.batch_order(1), first) and np.array_equal(again.split.train_x, lab.split.train_x)
    batches = lab.batches(1)
    assert [len(x) for x, _ in batches] == [7] * 5 + [5]
    np.testing.assert_array_equal(np.concatenate([x for x, _ in batches]), lab.split.train_x[first])


def test_nielsens_initialiser_draws_weights_with_variance_1_over_n_in_and_biases_with_variance_1():
    weights, biases = lab_module.initial_parameters((400, 300, 10), "nielsen", 0)
    assert weights[0].var() == pytest.approx(1 / 400, rel=0.02)
    assert np.concatenate(biases).var() == pytest.approx(1.0, rel=0.2)


def reference_measures(lab, each):
    """Loss, accuracies, speeds and saturation of a lane now, written out from the formulas."""
    x, y = lab.split.train_x, lab.split.train_y
    widths = each.widths
    a, zs, acts = x, [], [x]
    for l in range(len(widths) - 1):
        z = a @ each.weights[l].T + each.biases[l]
        a = get_activation(each.activations[l])(z)
        zs.append(z)
        acts.append(a)
    logits = zs[-1]
    probabilities = np.exp(logits - logits.max(axis=1, keepdims=True))
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    loss = -np.mean(np.log(probabilities[np.arange(len(y)), y]))
    delta = probabilities.copy()
    delta[np.arange(len(y)), y] -= 1
    speeds = []
    for l in range(len(widths) - 2, 0, -1):
        delta = (delta @ each.weights[l]) * get_activation(each.activations[l - 1]).derivative(zs[l - 1])
        speeds.insert(0, np.linalg.norm(delta.mean(axis=0)))
    slopes = [get_activation(each.activations[l]).derivative(zs[l]) for l in range(len(widths) - 2)]
    saturated = [np.mean(s < 0.01 * get_activation(each.activations[0]).max_slope) for s in slopes]
    return loss, np.mean(np.argmax(logits, axis=1) == y), speeds, saturated


def test_the_epoch_measures_match_their_formulas(digits_deep):
    fresh = Lab(replace(load_preset("digits-deep"), epochs=1))
    for each in fresh.lanes:
        loss, accuracy, speeds, saturated = reference_measures(fresh, each)
        h = each.history
        assert h.measure("loss")[0] == pytest.approx(loss, rel=1e-12)
        assert h.measure("train_accuracy")[0] == pytest.approx(accuracy)
        np.testing.assert_allclose(h.measure("speed")[0], speeds, rtol=1e-10)
        np.testing.assert_allclose(h.measure("saturated")[0], saturated)
        assert np.all(h.measure("update_ratio")[0] == 0)
    before = [w.copy() for w in fresh.lanes[0].weights]
    fresh.run_epoch()
    after = fresh.lanes[0].weights
    expected = [np.linalg.norm(b - a) / np.linalg.norm(b) for b, a in zip(before[:4], after[:4])]
    np.testing.assert_allclose(fresh.lanes[0].history.measure("update_ratio")[1], expected, rtol=1e-10)


def test_the_history_thins_its_older_half_when_full_and_keeps_epoch_0():
    history = LaneHistory(1, capacity=8)
    for epoch in range(20):
        history.append(epoch, float(epoch), 0.5, 0.5, [epoch], [0.0], [0.0])
        assert history.count <= 8
    kept = history.epochs[: history.count].tolist()
    assert kept[0] == 0 and kept[-1] == 19 and kept == sorted(kept)
    assert history.measure("loss").tolist() == [float(e) for e in kept]
    assert lab_module.MAX_HISTORY_EPOCHS == 10_000


def test_a_lane_whose_loss_turns_non_finite_stops_there_and_the_others_run_on():
    lanes = (LaneSpec("wild", "relu", "normal", learning_rate=10.0), LaneSpec("calm", "relu", "he_normal", learning_rate=0.05))
    config = LabConfig(DataSpec("circles", points=80), (32, 32, 32, 32, 32), lanes, batch=4, epochs=15)
    lab = Lab(config)
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # no warning escapes the lab
        messages = lab.run()
    wild, calm = lab.lanes
    assert wild.stopped_at is not None and len(messages) == 1
    assert messages[0].startswith(f"lane wild stopped at epoch {wild.stopped_at}: the loss is not finite")
    assert wild.history.count == wild.stopped_at  # epochs 0 .. stopped_at - 1
    assert np.isfinite(wild.parameters).all()  # the last finite network is kept
    assert calm.running and calm.history.count == 16


def test_a_lab_session_reopens_with_the_same_weights_and_history_without_training(tmp_path, monkeypatch):
    lab = Lab(replace(load_preset("moons"), epochs=5))
    lab.run()
    path = tmp_path / "lab.json"
    save_lab_session(lab, path)
    monkeypatch.setattr(lab_module.Lane, "train_batches", lambda *args: pytest.fail("reopening must not train"))
    reopened = load_lab_session(path)
    assert reopened.epoch == 5
    assert reopened.to_json() == lab.to_json()
    for old, new in zip(lab.lanes, reopened.lanes):
        assert np.array_equal(old.parameters, new.parameters)
        np.testing.assert_array_equal(decision_grid(old.network, lab.split, 20)[2], decision_grid(new.network, reopened.split, 20)[2])


def test_a_damaged_lab_session_is_one_line_naming_the_field(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"format": "gradviz-lab", "version": 7}')
    with pytest.raises(LabError, match="version: this gradviz reads versions 1 and 2, got 7"):
        load_lab_session(path)
    path.write_text("not json")
    with pytest.raises(LabError, match="is not a JSON lab session"):
        load_lab_session(path)


def test_the_decision_grid_is_the_networks_probability_at_each_grid_point():
    lab = Lab(replace(load_preset("gauss"), epochs=2))
    lab.run()
    network = lab.lanes[0].network
    xs, ys, values = decision_grid(network, lab.split, resolution=7)
    i, j = 2, 5
    point = lab.split.standardised([[xs[j], ys[i]]])
    a = point
    for l in range(network.depth):
        z = a @ network.weights[l].T + network.biases[l]
        a = get_activation(network.activations[l])(z)
    assert values.shape == (7, 7)
    # The grid is drawn in float32: its probability is float32 rounding away from the float64 formula.
    assert values[i, j] == pytest.approx(1 / (1 + math.exp(-z[0, 0])), rel=1e-5, abs=1e-6)
    raw = lab.split.data.features
    assert xs[0] < raw[:, 0].min() and xs[-1] > raw[:, 0].max()


def test_settings_out_of_range_name_the_setting():
    good = load_preset("xor")
    for change, message in [
        ({"epochs": 0}, "epochs: must be from 1 to 100,000, got 0"),
        ({"batch": 0}, "batch: must be from 1 to 100,000, got 0"),
        ({"hidden": (0,)}, "layers: hidden layer 1 must have 1 to 512 units, got 0"),
        ({"lanes": ()}, "lanes: a lab trains 1 to 4 lanes, got 0"),
        ({"lanes": (replace(good.lanes[0], learning_rate=-1.0),)}, "learning rate: must be above 0"),
        ({"lanes": (replace(good.lanes[0], clip=math.inf),)}, "clip: must be above 0"),
    ]:
        with pytest.raises(LabError, match=message):
            Lab(replace(good, **change))


def test_a_fifo_or_a_folder_as_a_lab_session_is_refused_without_blocking(tmp_path):
    # open() on a FIFO with no writer blocks for ever; the reader must refuse it before reading.
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    with pytest.raises(LabError, match=r"pipe\.json is a FIFO \(named pipe\), not a lab session"):
        load_lab_session(fifo)
    with pytest.raises(LabError, match="is a folder"):
        load_lab_session(tmp_path)


def test_run_stops_between_epochs_where_on_epoch_says_so_and_goes_on_from_there():
    config = load_preset("xor")
    seen = []
    stopped = Lab(config)
    stopped.run(lambda epoch, messages: seen.append(epoch) or epoch == 3)
    assert seen == [1, 2, 3] and stopped.epoch == 3 and not stopped.finished
    three = Lab(config)
    for _ in range(3):
        three.run_epoch()
    assert stopped.to_json() == three.to_json()
    stopped.run()  # the rest of the epochs, from epoch 3
    assert stopped.finished and stopped.epoch == config.epochs
