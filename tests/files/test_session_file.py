"""Session files: a network file plus what is on screen. Round trips are exact, every field is
validated with a one-line message, load_network gives the current weights, and the stepper resumes at
the same record."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from gradviz.core.experiment import NetworkFileError
from gradviz.core.session_data import SessionData, session_data, stepper_from_session
from gradviz.core.stepper import Stepper
from gradviz.core.training import train
from gradviz.files.network_file import load_preset, save_network
from gradviz.files.session_file import parse_session, save_session, session_json
from gradviz.files.sniff import load_network, load_session
from tests.files.test_network_file import assert_experiments_equal
from tests.core.test_stepper import assert_records_equal
from tests.helpers import assert_one_line_error, run_cli


def stepped(preset: str, micro_steps: int, trained: int = 0):
    """A stepper ``micro_steps`` into a session on ``preset``, after ``trained`` SGD steps of training."""
    exp = load_preset(preset)
    history = None
    if trained:
        history = train(exp.network, exp.inputs, exp.targets, exp.loss, exp.learning_rate, trained)
        exp = exp.with_network(history.network)
    stepper = Stepper(exp.network, exp.inputs, exp.targets, exp.loss, exp.learning_rate)
    for _ in range(micro_steps):
        stepper.step_forward()
    return exp, stepper, history


SETTINGS = dict(
    color_mode="weight", selection=("edge", 2, 1, 3), compare_activation="relu", compare_residual=True,
    shared_scale=True, bars_measure="norm_grad_w", bars_activations=("relu", "sigmoid"),
)  # fmt: skip


def assert_arrays_identical(xs, ys):
    xs, ys = list(xs), list(ys)
    assert len(xs) == len(ys)
    for x, y in zip(xs, ys):
        assert x.shape == y.shape and x.tobytes() == y.tobytes()  # bit for bit, NaN included


def assert_sessions_equal(a: SessionData, b: SessionData):
    assert_experiments_equal(a.experiment, b.experiment)
    assert_arrays_identical(a.current_weights + a.current_biases, b.current_weights + b.current_biases)
    assert (a.position, a.passes) == (b.position, b.passes)
    for name in ("color_mode", "selection", "compare_activation", "compare_residual", "shared_scale", "bars_measure", "bars_activations"):
        assert getattr(a, name) == getattr(b, name), name
    assert (a.pass_weights is None) == (b.pass_weights is None)
    if a.pass_weights is not None:
        assert_arrays_identical(a.pass_weights + a.pass_biases, b.pass_weights + b.pass_biases)
    assert (a.history is None) == (b.history is None)
    if a.history is not None:
        assert_arrays_identical([a.history.losses], [b.history.losses])
        assert set(a.history.measures) == set(b.history.measures) == {"mean_abs_grad_w", "max_abs_grad_w", "norm_grad_w"}
        for name in a.history.measures:
            assert_arrays_identical([a.history.measure(name)], [b.history.measure(name)])
        assert (a.history.cancelled, a.history.stopped_at, a.history.stop_reason) == (
            b.history.cancelled, b.history.stopped_at, b.history.stop_reason)  # fmt: skip


@pytest.mark.parametrize("micro_steps", [0, 5, 24, 24 * 3 + 7, 24 * 4])
def test_a_session_round_trips_bit_for_bit(tmp_path, micro_steps):
    exp, stepper, history = stepped("deep-sigmoid", micro_steps, trained=15)
    data = session_data(exp, stepper, history, **SETTINGS)
    assert data.position == micro_steps and data.passes == micro_steps // 24
    assert (data.pass_weights is not None) == (micro_steps > 0 and micro_steps % 24 == 0)
    path = tmp_path / "lecture.json"
    save_session(path, data)
    again = load_session(path)
    assert_sessions_equal(data, again)
    assert again.history.network is again.experiment.network
    # The stepper rebuilt from the file stands at the same record, and Home returns to the session's start.
    resumed = stepper_from_session(again)
    assert resumed.position == stepper.position and resumed.passes_done == stepper.passes_done
    assert_records_equal(resumed.record, stepper.record)
    assert_records_equal(resumed.reset(), stepper.reset())
    assert resumed.network.weights[0].tobytes() == exp.network.weights[0].tobytes()


def test_non_finite_training_statistics_round_trip(tmp_path):
    exp, stepper, history = stepped("tiny-sigmoid", 3, trained=4)
    odd = history.measure("mean_abs_grad_w").copy()
    odd[0, 0], odd[1, 1], odd[2, 2] = np.nan, np.inf, -np.inf
    measures = {**history.measures, "mean_abs_grad_w": odd}
    history = dataclasses.replace(history, measures=measures, stopped_at=5, stop_reason="Training stopped at step 5")
    data = session_data(exp, stepper, history)
    save_session(tmp_path / "s.json", data)
    assert_sessions_equal(data, load_session(tmp_path / "s.json"))
    assert json.loads((tmp_path / "s.json").read_text())["session"]["history"]["measures"]["mean_abs_grad_w"][1][1] == "Infinity"


def test_load_network_gives_a_session_at_its_current_weights(tmp_path, capsys):
    exp, stepper, history = stepped("tiny-sigmoid", 8 * 5 + 2)
    save_session(tmp_path / "s.json", session_data(exp, stepper, history))
    loaded = load_network(tmp_path / "s.json")
    assert_arrays_identical(loaded.network.weights, stepper.network.weights)
    assert not np.array_equal(loaded.network.weights[0], exp.network.weights[0])
    # So trace, train and export accept session files, at the weights on screen.
    code, out, err = run_cli(capsys, "trace", str(tmp_path / "s.json"), "--json")
    assert code == 0 and err == ""
    assert json.loads(out)["loss"] == stepper.network.run(exp.inputs, exp.targets, exp.loss).loss


def test_a_plain_network_file_loads_as_a_session_at_its_start(tmp_path):
    exp = load_preset("deep-relu")
    save_network(exp, tmp_path / "net.json")
    data = load_session(tmp_path / "net.json")
    assert_experiments_equal(data.experiment, exp)
    assert data.position == 0 and data.passes == 0 and data.history is None and data.selection is None
    assert_arrays_identical(data.current_weights, exp.network.weights)


def test_save_session_refuses_a_non_finite_current_weight_and_writes_nothing(tmp_path):
    exp, stepper, _ = stepped("tiny-sigmoid", 2)
    data = session_data(exp, stepper)
    weights = [np.array(w) for w in data.current_weights]
    weights[1][0, 0] = np.nan
    with pytest.raises(NetworkFileError, match=r"^weights\[1\]\[0\]\[0\]: is NaN \(layer 2, row 1, column 1\)"):
        save_session(tmp_path / "s.json", dataclasses.replace(data, current_weights=tuple(weights)))
    start = [np.array(w) for w in exp.network.weights]
    start[0][0, 0] = np.inf
    bad_start = dataclasses.replace(data, experiment=exp.with_network(exp.network.with_params(start, exp.network.biases)))
    with pytest.raises(NetworkFileError, match=r"^session.start_weights\[0\]\[0\]\[0\]: is ∞"):
        save_session(tmp_path / "s.json", bad_start)
    with pytest.raises(NetworkFileError, match=r"^session.selection\[1\]: must be a whole number from 0 to 3, got 9"):
        save_session(tmp_path / "s.json", dataclasses.replace(data, selection=("neuron", 9, 0)))
    assert list(tmp_path.iterdir()) == []


def session_document():
    exp, stepper, history = stepped("tiny-sigmoid", 10, trained=3)
    data = session_data(exp, stepper, history, **{**SETTINGS, "selection": ("neuron", 1, 0)})
    return json.loads(json.dumps(session_json(data)))


def changed(path: str, value):
    doc = session_document()
    target = doc
    keys = path.split(".")
    for key in keys[:-1]:
        target = target[key]
    if value is KeyError:
        del target[keys[-1]]
    else:
        target[keys[-1]] = value
    return doc


BAD_SESSIONS = [
    ("session", "lecture", "session", "must be an object (what was on screen), got the text 'lecture'"),
    ("session.format", 3, "session.format", "made by a newer gradviz (format 3); this one reads up to 2"),
    ("session.format", 0, "session.format", "must be a whole number from 1 to 1000000, got 0"),
    ("format", 2, "format", "made by a newer gradviz (format 2); this one reads up to 1"),
    ("session.zoom", 3, "session.zoom", "unknown field; the fields are format, start_weights"),
    ("session.start_weights", KeyError, "session.start_weights", "is missing; a session file holds the weights and biases at its start"),
    ("session.start_weights", [[[0.5]]], "session.start_weights", "must be a list of 3 matrices (one per weight layer), got 1 matrices"),
    ("session.start_biases", [[0.0], [1e101], [0.0]], "session.start_biases[1][0]", "must be from -1e+100 to 1e+100, got 1e+101"),
    ("session.position", -1, "session.position", "must be a whole number from 0 to 1000000000000, got -1"),
    ("session.position", 2.5, "session.position", "must be a whole number from 0 to 1000000000000, got 2.5"),
    ("session.passes", 3, "session.passes", "must be 1: position 10 is that many passes of 8 micro-steps, got 3"),
    ("session.pass_weights", [[[0.5]], [[0.5]], [[0.5]]], "session.pass_weights", "is only given at an update step"),
    ("session.color_mode", "rainbow", "session.color_mode", "unknown colour mode 'rainbow'; choose one of gradient, weight, activation"),
    ("session.selection", ["neuron", 1, 5], "session.selection[2]", "must be a whole number from 0 to 0, got 5"),
    ("session.selection", ["edge", 0, 0, 0], "session.selection[1]", "must be a whole number from 1 to 3, got 0"),
    ("session.selection", "all", "session.selection", 'must be null, ["neuron", layer, unit] or ["edge", layer, to_unit, from_unit]'),
    ("session.compare_activation", "swish", "session.compare_activation", "unknown activation 'swish'; choose one of sigmoid"),
    ("session.compare_residual", "yes", "session.compare_residual", "must be true or false, got the text 'yes'"),
    ("session.shared_scale", 1, "session.shared_scale", "must be true or false, got 1"),
    ("session.bars_measure", "median", "session.bars_measure", "unknown measure 'median'; choose one of mean_abs_grad_w, max_abs_grad_w, norm_grad_w"),
    ("session.bars_activations", ["relu"], "session.bars_activations", "must be a list of two activation names, got a list of 1"),
    ("session.history", [1], "session.history", "must be an object or null, got a list of 1"),
    ("session.history.losses", [0.1], "session.history.measures.mean_abs_grad_w", "must be a list of 1 rows of 3 numbers (one per step), got 3 rows"),
    ("session.history.measures.norm_grad_w", [[0.1, 0.2, 0.3]] * 2 + [[0.1, "big", 0.3]], "session.history.measures.norm_grad_w[2][1]", "must be a number (or \"NaN\""),
    ("session.history.stopped_at", 0, "session.history.stopped_at", "must be a whole number from 1 to 100000, got 0"),
    ("session.history.speed", 0, "session.history.speed", "unknown field; the fields are losses, measures"),
    ("session.history.measures", [1], "session.history.measures", "must be an object (each measure by name), got a list of 1"),
]


@pytest.mark.parametrize(("path", "value", "field", "problem"), [pytest.param(*case, id=f"{case[0]}={case[1]!r}"[:60]) for case in BAD_SESSIONS])
def test_a_bad_session_field_is_refused_in_one_line(tmp_path, capsys, path, value, field, problem):
    file = tmp_path / "s.json"
    file.write_text(json.dumps(changed(path, value)), encoding="utf-8")
    with pytest.raises(NetworkFileError) as refused:
        load_session(file)
    assert refused.value.field == field
    assert problem in refused.value.problem
    assert_one_line_error(*run_cli(capsys, "trace", str(file)), f"{field}: {problem}")


def test_the_good_session_document_loads():
    data = parse_session(session_document())  # the document BAD_SESSIONS changes is itself valid
    assert data.position == 10 and data.passes == 1 and data.selection == ("neuron", 1, 0)


def test_an_update_step_needs_the_weights_its_pass_ran_on(tmp_path):
    doc = session_document()
    doc["session"].update(position=16, passes=2)
    file = tmp_path / "s.json"
    file.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(NetworkFileError) as refused:
        load_session(file)
    assert str(refused.value) == "session.pass_weights: is missing; at an update step the session holds the weights the pass ran on"
