"""`gradviz lab`: the JSON's exact shape, byte-for-byte reproducibility, the table and progress bar, the
session file, and one line with exit 2 for every bad flag or data file."""

from __future__ import annotations

import json
import os
import signal

import numpy as np
import pytest

from gradviz.core.lab import Lab, load_preset
from gradviz.files.lab_file import load_lab_session
from tests.helpers import assert_one_line_error, press_ctrl_c, run_cli

EPOCH_KEYS = {"epoch", "loss", "train_accuracy", "test_accuracy", "speed", "update_ratio", "saturated"}


def test_json_is_one_strict_object_in_the_issues_shape(capsys):
    code, out, err = run_cli(capsys, "lab", "--data", "spiral", "--layers", "6,5,4", "--compare", "sigmoid", "--compare", "tanh",
                             "--epochs", "3", "--points", "60", "--test-fraction", "0.25", "--json")  # fmt: skip
    assert code == 0 and err == ""
    assert out.count("\n") == 1
    result = json.loads(out, parse_constant=lambda c: pytest.fail(f"{c} is not strict JSON"))
    assert set(result) == {"data", "lanes"}
    assert result["data"] == {"name": "spiral", "features": 2, "classes": 2, "train": 45, "test": 15}
    assert [lane["name"] for lane in result["lanes"]] == ["relu", "sigmoid", "tanh"]
    for lane in result["lanes"]:
        assert set(lane) == {"name", "activation", "layers", "init", "epochs"}
        assert lane["layers"] == [6, 5, 4] and lane["init"] == "he_normal" and lane["activation"] == lane["name"]
        assert [e["epoch"] for e in lane["epochs"]] == [0, 1, 2, 3]
        for epoch in lane["epochs"]:
            assert set(epoch) == EPOCH_KEYS
            assert all(len(epoch[key]) == 3 for key in ("speed", "update_ratio", "saturated"))
            assert 0 <= epoch["train_accuracy"] <= 1 and 0 <= epoch["test_accuracy"] <= 1


def test_the_json_is_what_the_lab_records(capsys):
    code, out, _ = run_cli(capsys, "lab", "--preset", "gauss", "--epochs", "4", "--json")
    config = load_preset("gauss")
    from dataclasses import replace

    lab = Lab(replace(config, epochs=4))
    lab.run()
    assert code == 0 and json.loads(out) == json.loads(json.dumps(lab.to_json()))


def test_the_same_seed_gives_the_same_json_byte_for_byte_and_another_seed_does_not(capsys):
    args = ("lab", "--preset", "moons", "--epochs", "5", "--noise", "0.2", "--json")
    first = run_cli(capsys, *args, "--seed", "3")[1]
    second = run_cli(capsys, *args, "--seed", "3")[1]
    other = run_cli(capsys, *args, "--seed", "4")[1]
    assert first == second and first != other


def test_without_json_a_table_on_stdout_and_a_progress_bar_on_stderr(capsys):
    code, out, err = run_cli(capsys, "lab", "--preset", "xor", "--epochs", "4")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "xor: 2 features, 2 classes, 320 training and 80 test samples; loss binary_cross_entropy"
    assert "lane tanh: hidden 8,8 tanh, init xavier_normal, sgd eta 0.1" in lines
    assert "  epoch        loss   train    test    speed 1    speed 2" in lines
    assert sum(line.split()[0] == "4" for line in lines if line.strip() and line.split()[0].isdigit()) == 2
    # Captured (not a terminal): the finished bar alone, without the redraws a terminal gets.
    assert err == f"[{'#' * 30}] epoch 4/4\n"


def test_on_a_terminal_the_bar_is_redrawn_in_place(monkeypatch):
    import io

    from gradviz import lab_cli

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    terminal = Terminal()
    monkeypatch.setattr(lab_cli.sys, "stderr", terminal)
    for epoch in range(5):
        lab_cli._progress(epoch, 4)
    bars = terminal.getvalue().split("\r")
    assert bars[0] == "" and len(bars) == 6, bars  # epochs 0 to 4, each over the one before
    assert bars[1] == f"[{' ' * 30}] epoch 0/4" and bars[-1] == f"[{'#' * 30}] epoch 4/4\n"


def test_list_names_every_preset_with_its_description(capsys):
    code, out, _ = run_cli(capsys, "lab", "--list")
    names = [line.split()[0] for line in out.splitlines()]
    assert code == 0 and names == ["digits-deep", "digits-shallow", "spiral-deep", "xor", "circles", "moons", "gauss", "exploding-clip"]


def test_list_with_json_is_one_json_object_of_names_and_descriptions(capsys):
    code, out, err = run_cli(capsys, "lab", "--list", "--json")
    listed = json.loads(out)
    assert (code, err, out.count("\n")) == (0, "", 1)
    assert list(listed) == ["digits-deep", "digits-shallow", "spiral-deep", "xor", "circles", "moons", "gauss", "exploding-clip"]
    assert listed["xor"].startswith("XOR, Playground's four quadrants")


def test_out_writes_a_lab_session_the_lab_reopens_with_the_same_weights(tmp_path, capsys):
    path = tmp_path / "session.json"
    code, out, err = run_cli(capsys, "lab", "--preset", "circles", "--epochs", "3", "--json", "--out", str(path))
    assert code == 0 and err == f"wrote {path}\n"
    saved = json.loads(path.read_text())
    assert saved["format"] == "gradviz-lab" and saved["version"] == 2 and saved["epoch"] == 3
    assert [lane["name"] for lane in saved["lanes"]] == ["tanh", "relu"]
    assert saved["config"]["data"]["name"] == "circles" and len(saved["lanes"][0]["history"]) == 4
    reopened = load_lab_session(path)
    assert json.loads(out) == json.loads(json.dumps(reopened.to_json()))
    assert np.array_equal(reopened.lanes[1].weights[0], np.array(saved["lanes"][1]["weights"][0]))
    assert oct(os.stat(path).st_mode & 0o777) == oct(0o666 & ~_umask())


@pytest.mark.parametrize("command", [["trace"], ["train", "--steps", "2"], ["export", "--out", "picture.png"]])
def test_a_lab_session_given_where_one_network_is_wanted_is_named_as_such(tmp_path, capsys, monkeypatch, command):
    path = tmp_path / "session.json"
    assert run_cli(capsys, "lab", "--preset", "xor", "--epochs", "1", "--json", "--out", str(path))[0] == 0
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(capsys, command[0], str(path), *command[1:])
    assert_one_line_error(code, out, err, f"{path}: a training-lab session (gradviz lab --out), which holds lanes "
                                          "rather than one network; open it in the window: gradviz FILE")
    assert not (tmp_path / "picture.png").exists()


def _ctrl_c_during_epoch(monkeypatch, epoch: int, presses: int) -> None:
    press_ctrl_c(monkeypatch, Lab, "run_epoch", lambda lab: lab.epoch == epoch - 1, presses)


def test_ctrl_c_stops_at_the_end_of_the_epoch_and_keeps_what_was_trained(tmp_path, capsys, monkeypatch):
    before = signal.getsignal(signal.SIGINT)
    path = tmp_path / "session.json"
    _ctrl_c_during_epoch(monkeypatch, epoch=3, presses=1)
    code, out, err = run_cli(capsys, "lab", "--preset", "xor", "--epochs", "50", "--json", "--out", str(path))
    assert code == 130
    assert err.splitlines() == [
        "gradviz: stopping at the end of this epoch (Ctrl+C again stops at once, keeping nothing)",
        "gradviz: interrupted: trained 3 of 50 epochs",
        f"wrote {path}",
    ]
    printed = json.loads(out)
    assert [[e["epoch"] for e in lane["epochs"]] for lane in printed["lanes"]] == [[0, 1, 2, 3]] * 2
    saved = json.loads(path.read_text())
    assert saved["epoch"] == 3 and len(saved["lanes"][0]["history"]) == 4
    # The same three epochs as a run asked for three: the stop came between epochs, never inside one.
    monkeypatch.undo()
    code, whole, _ = run_cli(capsys, "lab", "--preset", "xor", "--epochs", "3", "--json")
    assert code == 0 and json.loads(whole)["lanes"] == printed["lanes"]
    assert signal.getsignal(signal.SIGINT) is before


def test_a_second_ctrl_c_stops_at_once_and_writes_nothing(tmp_path, capsys, monkeypatch):
    path = tmp_path / "session.json"
    _ctrl_c_during_epoch(monkeypatch, epoch=3, presses=2)
    code, out, err = run_cli(capsys, "lab", "--preset", "xor", "--epochs", "50", "--out", str(path))
    assert (code, out) == (130, "")
    assert err == "gradviz: stopping at the end of this epoch (Ctrl+C again stops at once, keeping nothing)\n"
    assert not path.exists() and list(tmp_path.iterdir()) == []


def _umask():
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def test_a_lane_that_overflows_is_reported_on_stderr_and_the_json_stays_strict(capsys):
    code, out, err = run_cli(capsys, "lab", "--data", "circles", "--points", "80", "--layers", "32,32,32,32,32", "--init", "normal",
                             "--learning-rate", "10", "--batch", "4", "--epochs", "5", "--json")  # fmt: skip
    assert code == 0
    assert err.startswith("lane relu stopped at epoch 1: the loss is not finite")
    lane = json.loads(out)["lanes"][0]
    assert [e["epoch"] for e in lane["epochs"]] == [0]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--data", "xor", "--epochs", "0"], "argument --epochs: must be from 1 to 100,000, got 0"),
        (["--data", "xor", "--epochs", "ten"], "argument --epochs: must be a whole number, got 'ten'"),
        (["--data", "xor", "--layers", "16,x"], "argument --layers: hidden layer 2 is 'x', not a whole number"),
        (["--data", "xor", "--layers", "16,0"], "argument --layers: hidden layer 2 must have 1 to 512 units, got 0"),
        (["--data", "xor", "--learning-rate", "nan"], "argument --learning-rate: must be a number above 0 and at most 10"),
        (["--data", "xor", "--learning-rate", "0"], "argument --learning-rate: must be a number above 0 and at most 10"),
        (["--data", "xor", "--test-fraction", "1.5"], "argument --test-fraction: must be a number from 0 to 0.9"),
        (["--data", "xor", "--noise", "-1"], "argument --noise: must be a number from 0 to 0.5"),
        (["--data", "xor", "--points", "2"], "argument --points: must be from 4 to 100,000, got 2"),
        (["--data", "xor", "--clip", "0"], "argument --clip: must be a number above 0"),
        (["--data", "xor", "--batch", "0"], "argument --batch: must be from 1 to 100,000, got 0"),
        (["--data", "xor", "--activation", "swish"], "argument --activation: invalid choice: 'swish'"),
        (["--data", "xor", "--optimizer", "rmsprop"], "argument --optimizer: invalid choice: 'rmsprop'"),
        (["--data", "xor"] + ["--compare", "tanh"] * 4, "argument --compare: at most 3 (4 lanes in all), got 4"),
        (["--preset", "xor", "--activation", "relu"], "argument --activation/--compare: a preset names its own lanes"),
        (["--preset", "xor", "--data", "moons"], "argument --data: not allowed with argument --preset"),
        (["--preset", "nope"], "argument --preset: no lab preset called 'nope'; the lab presets are digits-deep,"),
        ([], "give --preset NAME or --data NAME|FILE.csv"),
        (["--data", "no-such-file.csv"], "no-such-file.csv: cannot read it (No such file or directory)"),
    ],
)
def test_every_bad_flag_is_one_line_naming_it_and_exit_2(capsys, args, message):
    assert_one_line_error(*run_cli(capsys, "lab", *args), message)


@pytest.mark.parametrize(
    "content, message",
    [
        ("", "is empty"),
        ("a,b,label\n", "has a header row but no data rows"),
        ("1,2,0\n3,4\n", "row 2 has 2 columns where the first row has 3"),
        ("1,2,0\n3,inf,1\n", "row 2, column 2 is 'inf'; features must be finite numbers"),
        ("1,2,0\n3,four,1\n", "row 2, column 2 is 'four', not a number"),
        ("1,2,0\n3,4,0\n", "has a single class"),
        (b"PK\x03\x04\x00\x00binary", "is binary data"),
    ],
)
def test_every_bad_csv_is_one_line_and_exit_2(tmp_path, capsys, content, message):
    path = tmp_path / "table.csv"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    assert_one_line_error(*run_cli(capsys, "lab", "--data", str(path)), message)


def test_a_folder_or_a_fifo_as_data_is_one_line_and_exit_2(tmp_path, capsys):
    assert_one_line_error(*run_cli(capsys, "lab", "--data", str(tmp_path)), "is a folder, not a CSV file")
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    assert_one_line_error(*run_cli(capsys, "lab", "--data", str(fifo)), "is not a regular file")


def test_out_to_a_missing_folder_is_one_line_and_exit_2(tmp_path, capsys):
    path = tmp_path / "nope" / "lab.json"
    assert_one_line_error(*run_cli(capsys, "lab", "--preset", "gauss", "--epochs", "1", "--json", "--out", str(path)),
                          f"argument --out: cannot write {path}: no such folder {path.parent}")  # fmt: skip


def test_lanes_that_are_not_finite_before_training_stop_at_epoch_0_and_say_so(capsys, monkeypatch):
    from gradviz.core import lab_lane

    original = lab_lane.initial_parameters

    def infinite_output_weights(widths, init, seed):
        weights, biases = original(widths, init, seed)
        weights[-1][...] = np.inf
        return weights, biases

    monkeypatch.setattr(lab_lane, "initial_parameters", infinite_output_weights)
    code, out, err = run_cli(capsys, "lab", "--data", "gauss", "--activation", "relu", "--compare", "sigmoid",
                             "--init", "xavier_normal", "--epochs", "2")  # fmt: skip
    assert code == 0
    assert err.startswith("lane relu stopped at epoch 0: the loss is not finite (the weights overflowed); its starting network is kept\n")
    assert "lane sigmoid stopped at epoch 0" in out and "lane relu stopped at epoch 0" in out
