"""`gradviz train --out FILE` writes the trained network as a network file; a run that stops at a
non-finite value says so; session files are accepted."""

from __future__ import annotations

import json

import numpy as np

from gradviz.files.network_file import load_preset
from gradviz.files.sniff import load_network
from gradviz.core.training import train
from tests.helpers import assert_one_line_error, run_cli


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
