"""`gradviz train --out FILE` writes the trained network as a network file; a run that stops at a
non-finite value says so; session files are accepted; Ctrl+C keeps the steps done."""

from __future__ import annotations

import json
import signal

import numpy as np

from gradviz.files.network_file import load_preset
from gradviz.files.sniff import load_network
from gradviz.core.training import TrainingRun, train
from tests.helpers import assert_one_line_error, press_ctrl_c, run_cli


def test_train_out_writes_the_trained_network(tmp_path, capsys):
    path = tmp_path / "trained.json"
    code, out, err = run_cli(capsys, "train", "--preset", "deep-relu", "--steps", "7", "--json", "--out", str(path))
    assert code == 0 and err == f"wrote {path}\n"
    exp = load_preset("deep-relu")
    history = train(exp.network, exp.inputs, exp.targets, exp.loss, exp.learning_rate, 7)
    trained = load_network(path)
    assert trained.name == "deep-relu" and trained.network.widths == exp.network.widths
    for w, w_core in zip(trained.network.weights + trained.network.biases, history.network.weights + history.network.biases):
        assert w.tobytes() == w_core.tobytes()
    assert json.loads(out)["weights"][0] == history.network.weights[0].tolist()
    # Training the written file again goes on from there.
    code, out, err = run_cli(capsys, "trace", str(path), "--json")
    assert code == 0 and json.loads(out)["loss"] == history.network.run(exp.inputs, exp.targets, exp.loss).loss


def test_train_out_to_a_folder_that_does_not_exist_is_one_line(tmp_path, capsys):
    path = tmp_path / "nope" / "trained.json"
    assert_one_line_error(*run_cli(capsys, "train", "--preset", "tiny-relu", "--steps", "2", "--out", str(path)),
                          f"cannot write {path}: no such folder {path.parent}")  # fmt: skip


def test_a_run_that_overflows_stops_says_where_and_saves_the_last_finite_network(tmp_path, capsys):
    path = tmp_path / "kept.json"
    code, out, err = run_cli(capsys, "train", "--preset", "exploding", "--learning-rate", "0.01", "--steps", "50", "--out", str(path))
    assert code == 0 and err == f"wrote {path}\n"
    last = out.splitlines()[-1]
    assert last.startswith("Training stopped at step ") and last.endswith("is kept")
    stopped_at = int(last.split()[4].rstrip(":"))
    exp = load_preset("exploding")
    reference = train(exp.network, exp.inputs, exp.targets, exp.loss, 0.01, 50)
    assert reference.stopped_at == stopped_at
    kept = load_network(path).network
    assert all(np.isfinite(w).all() for w in kept.weights)
    for w, w_ref in zip(kept.weights, reference.network.weights):
        assert w.tobytes() == w_ref.tobytes()


def test_ctrl_c_stops_training_at_a_whole_step_and_keeps_the_steps_done(tmp_path, capsys, monkeypatch):
    before = signal.getsignal(signal.SIGINT)
    # Ctrl+C while steps 301 to 400 train (the command looks at it every 100 steps).
    press_ctrl_c(monkeypatch, TrainingRun, "advance", lambda run: run.steps_done == 300)
    path = tmp_path / "trained.json"
    code, out, err = run_cli(capsys, "train", "--preset", "deep-relu", "--steps", "5000", "--json", "--out", str(path))
    assert code == 130
    assert err.splitlines() == [
        "gradviz: stopping at a whole step (Ctrl+C again stops at once, keeping nothing)",
        "gradviz: interrupted: trained 400 of 5,000 steps",
        f"wrote {path}",
    ]
    # What a run asked for 400 steps gives, printed and written: the stop came between steps.
    exp = load_preset("deep-relu")
    history = train(exp.network, exp.inputs, exp.targets, exp.loss, exp.learning_rate, 400)
    printed = json.loads(out)
    assert len(printed["history"]) == 400 and set(printed) == {"history", "weights", "biases"}
    assert printed["history"][-1]["loss"] == history.losses[-1]
    trained = load_network(path)
    for w, w_core in zip(trained.network.weights + trained.network.biases, history.network.weights + history.network.biases):
        assert w.tobytes() == w_core.tobytes()
    assert signal.getsignal(signal.SIGINT) is before


def test_a_second_ctrl_c_stops_training_at_once_and_writes_nothing(tmp_path, capsys, monkeypatch):
    press_ctrl_c(monkeypatch, TrainingRun, "advance", lambda run: run.steps_done == 300, presses=2)
    code, out, err = run_cli(capsys, "train", "--preset", "deep-relu", "--steps", "5000", "--out", str(tmp_path / "t.json"))
    assert (code, out) == (130, "")
    assert err == "gradviz: stopping at a whole step (Ctrl+C again stops at once, keeping nothing)\n"
    assert list(tmp_path.iterdir()) == []
