"""Lab session files keep the optimiser's running averages and the position within an epoch: train N,
save, load, train M is train N + M, bit for bit, for SGD, momentum and Adam."""

from __future__ import annotations

import json

import numpy as np
import pytest

from gradviz.core.data import DataSpec
from gradviz.core.lab import Lab, LabConfig, LabError, LaneSpec
from gradviz.core.lab_session import lab_session_json
from gradviz.core.lab_state import LabRun
from gradviz.files.lab_file import load_lab_session, save_lab_session


def config(optimizer):
    learning_rate = {"sgd": 0.3, "momentum": 0.05, "adam": 0.01}[optimizer]
    lanes = (LaneSpec("sigmoid", "sigmoid", "xavier_normal", optimizer=optimizer, learning_rate=learning_rate),
             LaneSpec("relu", "relu", "he_normal", optimizer=optimizer, learning_rate=learning_rate))  # fmt: skip
    return LabConfig(DataSpec("moons", points=60, noise=0.1, seed=4), (6, 5), lanes, batch=7, epochs=6, seed=9)


def assert_same_lab(a: Lab, b: Lab):
    assert (a.epoch, a.position) == (b.epoch, b.position)
    assert a.to_json() == b.to_json()  # every kept epoch's measures
    for x, y in zip(a.lanes, b.lanes):
        assert np.array_equal(x.parameters, y.parameters)


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
@pytest.mark.parametrize("first, then", [(10, 9), (14, 7)])  # 48 training points: 7 batches an epoch
def test_train_save_load_train_is_training_straight_through(tmp_path, optimizer, first, then):
    straight = LabRun(Lab(config(optimizer)))
    straight.advance(first + then)
    saved = LabRun(Lab(config(optimizer)))
    saved.advance(first)
    path = tmp_path / "lab.json"
    save_lab_session(saved.lab, path)
    reopened = LabRun(load_lab_session(path))
    assert (reopened.epoch, reopened.batch_index) == (saved.epoch, saved.batch_index)
    reopened.advance(then)
    assert_same_lab(reopened.lab, straight.lab)
    for a, b in zip(reopened.snapshot().lanes, straight.snapshot().lanes):  # the last mini-batch's gradient too
        assert all(np.array_equal(x, y) for x, y in zip(a.grad_w, b.grad_w))


def test_a_version_1_session_still_opens_with_its_averages_at_zero(tmp_path):
    lab = Lab(config("momentum"))
    lab.run_epoch()
    obj = lab_session_json(lab)
    obj["version"] = 1
    del obj["position"]
    for lane in obj["lanes"]:
        for key in ("optimizer_state", "last_gradient", "epoch_start"):
            del lane[key]
    path = tmp_path / "old.json"
    path.write_text(json.dumps(obj))
    reopened = load_lab_session(path)
    assert reopened.epoch == 1 and reopened.position == 0
    assert all(np.array_equal(a.parameters, b.parameters) for a, b in zip(lab.lanes, reopened.lanes))
    assert not np.any(reopened.lanes[0].optimizer.state().velocity)


@pytest.mark.parametrize("damage, message", [
    (lambda lane: lane["optimizer_state"].update(velocity=[1.0, 2.0]), "lanes[0]: optimizer_state.velocity: must be 59 finite numbers"),
    (lambda lane: lane["optimizer_state"].update(velocity=None), "lanes[0]: optimizer_state: does not match the optimizer 'momentum'"),
    (lambda lane: lane["optimizer_state"].update(steps=-1), "lanes[0]: optimizer_state: needs steps"),
    (lambda lane: lane.update(epoch_start=None), "lanes[0]: epoch_start: a lab saved within an epoch needs"),
    (lambda lane: lane.update(history=[{"epoch": 0}]), "lanes[0]: history: each epoch needs the measures"),
])  # fmt: skip
def test_a_damaged_session_names_the_field(tmp_path, damage, message):
    lab = Lab(config("momentum"))
    lab.train_batches(3)
    obj = lab_session_json(lab)
    damage(obj["lanes"][0])
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(obj))
    with pytest.raises(LabError, match=message.replace("[", r"\[").replace("]", r"\]").replace("(", r"\(")):
        load_lab_session(path)


def test_a_position_past_the_epoch_is_refused(tmp_path):
    obj = lab_session_json(Lab(config("sgd")))
    obj["position"] = 48
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(obj))
    with pytest.raises(LabError, match="position: must be a whole number from 0 to 47"):
        load_lab_session(path)


def test_a_session_too_large_to_reopen_is_refused_before_writing(tmp_path, monkeypatch):
    from gradviz.files import lab_file

    lab = Lab(config("adam"))
    size = len(json.dumps(lab_session_json(lab), separators=(",", ":")).encode())
    monkeypatch.setattr(lab_file, "MAX_FILE_BYTES", size - 1)
    path = tmp_path / "big.json"
    with pytest.raises(LabError, match="the lab session would take 0 MB, more than the 0 MB a lab session may hold"):
        save_lab_session(lab, path)
    assert not path.exists()
    monkeypatch.setattr(lab_file, "MAX_FILE_BYTES", size)
    save_lab_session(lab, path)
    assert path.stat().st_size == size
