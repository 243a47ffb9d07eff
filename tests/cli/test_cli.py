"""The command line contract: strict JSON with a fixed schema, numbers equal to the core's, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from gradviz import __version__, cli
from gradviz.files.network_file import load_preset, network_json, preset_descriptions, preset_names
from gradviz.core.stats import grad_stats
from gradviz.core.training import train
from tests.helpers import assert_one_line_error, run_cli

LAYER_KEYS = {"index", "activation", "z", "a", "delta", "grad_w", "grad_b", "mean_abs_grad_w", "max_abs_grad_w", "norm_grad_w"}
MEASURES = {"mean_abs_grad_w", "max_abs_grad_w", "norm_grad_w"}


def refuse_constant(name):
    raise AssertionError(f"the output holds {name}, which strict JSON does not allow")


def strict_json(text: str):
    assert text.endswith("\n") and text.count("\n") == 1
    return json.loads(text, parse_constant=refuse_constant)




@pytest.fixture
def overflowing_file(tmp_path):
    """Linear layers with weights 1e90: the forward pass overflows to inf at the fourth layer."""
    path = tmp_path / "overflow.json"
    path.write_text(
        json.dumps(
            {
                "layers": [1, 1, 1, 1, 1],
                "activation": "linear",
                "weights": [[[1e90]]] * 4,
                "biases": [[0.0]] * 4,
                "input": [1.0],
                "target": [0.5],
            }
        ),
        encoding="utf-8",
    )
    return path


# ---------------------------------------------------------------------------------------------- presets


def test_presets_lists_every_preset_with_its_description(capsys):
    code, out, err = run_cli(capsys, "presets")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert len(lines) == len(preset_names())
    for line, (name, description) in zip(lines, preset_descriptions().items()):
        assert line.startswith(name + " ")
        assert line.endswith(description)


def test_version(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["--version"])
    assert info.value.code == 0
    # Issue 11: --version names gradviz, Qt/PySide6, pyqtgraph and NumPy, one per line.
    import PySide6
    import pyqtgraph
    from PySide6 import QtCore

    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[:4] == [
        f"gradviz {__version__}",
        f"Qt {QtCore.qVersion()} (PySide6 {PySide6.__version__})",
        f"pyqtgraph {pyqtgraph.__version__}",
        f"NumPy {np.__version__}",
    ]


# ---------------------------------------------------------------------------------------------- trace


@pytest.mark.parametrize("name", preset_names())
def test_trace_json_schema_and_numbers(capsys, name):
    code, out, err = run_cli(capsys, "trace", "--preset", name, "--json")
    assert code == 0 and err == ""
    data = strict_json(out)
    assert set(data) == {"loss", "output", "layers", "health"}
    exp = load_preset(name)
    record = exp.network.run(exp.inputs, exp.targets, exp.loss)
    samples = len(exp.inputs)
    assert data["loss"] == record.loss
    assert np.array_equal(data["output"], record.output)
    assert len(data["layers"]) == exp.network.depth
    for entry, layer, weights in zip(data["layers"], record.layers, exp.network.weights):
        assert set(entry) == LAYER_KEYS
        assert entry["index"] == layer.index
        assert entry["activation"] == layer.activation
        units = weights.shape[0]
        for key in ("z", "a", "delta"):
            assert np.shape(entry[key]) == (samples, units)
            assert np.array_equal(entry[key], getattr(layer, key))
        assert np.shape(entry["grad_w"]) == weights.shape
        assert np.shape(entry["grad_b"]) == (units,)
        assert np.array_equal(entry["grad_w"], layer.grad_w)
        assert np.array_equal(entry["grad_b"], layer.grad_b)
        stats = grad_stats(layer.grad_w)
        for key in MEASURES:
            assert entry[key] == stats.measure(key)


def test_trace_tiny_sigmoid_figures(capsys):
    data = strict_json(run_cli(capsys, "trace", "--preset", "tiny-sigmoid", "--json")[1])
    assert [round(layer["grad_w"][0][0], 6) for layer in data["layers"]] == [-0.000424, -0.003870, -0.032004]


@pytest.mark.parametrize(
    ("name", "verdict"),
    [
        ("tiny-sigmoid", "vanishing"),
        ("tiny-relu", "healthy"),
        ("deep-sigmoid", "vanishing"),
        ("deep-relu", "healthy"),
        ("residual-sigmoid", "healthy"),
        ("exploding", "exploding"),
    ],
)
def test_trace_json_health(capsys, name, verdict):
    data = strict_json(run_cli(capsys, "trace", "--preset", name, "--json")[1])
    # f from the JSON's own grad_w: the span is layers 1..L-1 (1..2 for L <= 3), the nth root of the ratio.
    g = [np.mean(np.abs(layer["grad_w"])) for layer in data["layers"]]
    span = g[: len(g) - 1] if len(g) > 2 else g[:2]
    assert set(data["health"]) == {"verdict", "per_layer_factor"}
    assert data["health"]["verdict"] == verdict
    assert data["health"]["per_layer_factor"] == pytest.approx((span[0] / span[-1]) ** (1 / (len(span) - 1)), rel=1e-12)


def test_trace_tiny_sigmoid_health_by_hand(capsys):
    data = strict_json(run_cli(capsys, "trace", "--preset", "tiny-sigmoid", "--json")[1])
    assert data["health"]["per_layer_factor"] == pytest.approx(0.000423584 / 0.00386991, rel=1e-5)  # g1 / g2
    code, out, _ = run_cli(capsys, "trace", "--preset", "tiny-sigmoid")
    assert out.splitlines()[-2:] == [
        "per-layer factor f = (g1 / g2)^(1/1) = 0.109456",
        "Gradient health: the gradient shrinks about 9.1× per layer: vanishing",
    ]


def test_trace_single_layer_health_is_null(capsys, tmp_path):
    path = tmp_path / "one.json"
    path.write_text(json.dumps({"layers": [1, 1], "activation": "linear", "weights": [[[2.0]]], "biases": [[0.0]],
                                "input": [1.0], "target": [0.0]}), encoding="utf-8")  # fmt: skip
    data = strict_json(run_cli(capsys, "trace", str(path), "--json")[1])
    assert data["health"] == {"verdict": "healthy", "per_layer_factor": None}
    out = run_cli(capsys, "trace", str(path))[1]
    assert out.splitlines()[-2] == "per-layer factor f: undefined for a single weight layer"


@pytest.mark.parametrize(
    ("name", "escaped"),
    [("\x1b[31mred", "\\x1b[31mred"), ("a\nb", "a\\nb"), ("\ud800x", "\\ud800x")],
    ids=["escape-sequence", "newline", "lone-surrogate"],
)
def test_table_escapes_control_characters_in_names(capsys, tmp_path, name, escaped):
    path = tmp_path / "named.json"
    path.write_text(json.dumps({"name": name, "layers": [1, 1, 1], "input": [1.0], "target": [0.0]}), encoding="utf-8")
    for argv in (["trace", str(path)], ["train", str(path), "--steps", "1"]):
        code, out, err = run_cli(capsys, *argv)
        assert code == 0 and err == ""
        first = out.splitlines()[0]
        assert first.startswith(escaped + ": ")
        assert "\x1b" not in out and "\ud800" not in out
        out.encode("utf-8")  # no lone surrogate left: it would not encode


def test_activation_relu_on_tiny_sigmoid_gives_tiny_relu(capsys):
    code, out, _ = run_cli(capsys, "trace", "--preset", "tiny-sigmoid", "--activation", "relu", "--json")
    assert code == 0
    replaced = strict_json(out)
    relu = strict_json(run_cli(capsys, "trace", "--preset", "tiny-relu", "--json")[1])
    assert replaced == relu
    assert [layer["grad_w"] for layer in replaced["layers"]] == [[[-0.0921875]]] * 3


def test_trace_file_equals_preset(capsys, tmp_path):
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(network_json(load_preset("deep-relu"))), encoding="utf-8")
    from_file = strict_json(run_cli(capsys, "trace", str(path), "--json")[1])
    from_preset = strict_json(run_cli(capsys, "trace", "--preset", "deep-relu", "--json")[1])
    assert from_file == from_preset


def test_trace_table_mentions_every_layer(capsys):
    code, out, err = run_cli(capsys, "trace", "--preset", "deep-sigmoid")
    assert code == 0 and err == ""
    exp = load_preset("deep-sigmoid")
    record = exp.network.run(exp.inputs, exp.targets, exp.loss)
    lines = out.splitlines()
    assert lines[0].startswith("deep-sigmoid: Network(widths=[4, 8,")
    assert lines[1] == f"loss (half_squared_error) = {record.loss:.6g}"
    rows = [line.split() for line in lines[3:-2]]
    assert [int(row[0]) for row in rows] == list(range(1, exp.network.depth + 1))
    for row, layer in zip(rows, record.layers):
        assert row[1] == layer.activation
        assert float(row[2].replace("−", "-")) == pytest.approx(grad_stats(layer.grad_w).mean_abs_grad_w, rel=1e-5)
    assert rows[0][2] == "1.31373e−8"  # the one formatter: six digits, a true minus sign
    g = [np.abs(layer.grad_w).mean() for layer in record.layers]
    factor = lines[-2].split("= ")[-1]
    assert lines[-2].startswith("per-layer factor f = (g1 / g10)^(1/9) = ")
    assert float(factor) == pytest.approx((g[0] / g[9]) ** (1 / 9), rel=1e-5)
    assert lines[-1].startswith("Gradient health: ") and lines[-1].endswith(": vanishing")
    assert lines[-1] == "Gradient health: the gradient shrinks about 5.2× per layer: vanishing"


def test_non_finite_values_are_null(capsys, overflowing_file):
    code, out, err = run_cli(capsys, "trace", str(overflowing_file), "--json")
    assert code == 0 and err == ""
    assert "null" in out
    assert "Infinity" not in out and "NaN" not in out
    data = strict_json(out)
    assert data["loss"] is None
    assert data["output"] == [[None]]
    assert data["layers"][0]["z"] == [[1e90]]
    assert data["layers"][3]["z"] == [[None]]
    assert all(layer["grad_w"] == [[None]] and layer["norm_grad_w"] is None for layer in data["layers"])
    assert data["health"] == {"verdict": "exploding", "per_layer_factor": None}


def test_non_finite_table_and_train(capsys, overflowing_file):
    code, out, err = run_cli(capsys, "trace", str(overflowing_file))
    assert code == 0 and err == ""
    assert "loss (half_squared_error) = ∞" in out  # the one formatter's infinity
    assert out.splitlines()[-1] == "Gradient health: some gradients are not finite (overflow): exploding"
    assert out.splitlines()[-2] == "per-layer factor f = (g1 / g3)^(1/2) = undefined"
    code, out, err = run_cli(capsys, "train", str(overflowing_file), "--steps", "2", "--json")
    assert code == 0 and err == ""
    data = strict_json(out)
    # Issue 10: training that meets a non-finite loss stops at that step and keeps the last finite network.
    assert data["history"] == [] and data["stopped_at"] == 1
    assert data["stop_reason"].startswith("Training stopped at step 1: the loss is not finite")
    assert data["weights"] == [[[1e90]]] * 4


def test_trace_in_a_real_process_is_strict_json():
    proc = subprocess.run(
        [sys.executable, "-m", "gradviz", "trace", "--preset", "tiny-relu", "--json"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0 and proc.stderr == ""
    assert strict_json(proc.stdout)["loss"] == pytest.approx(0.271953125, rel=1e-12)


# ---------------------------------------------------------------------------------------------- train


@pytest.mark.parametrize(("name", "steps"), [("tiny-sigmoid", 5), ("deep-relu", 3), ("residual-sigmoid", 2)])
def test_train_json_schema_and_numbers(capsys, name, steps):
    code, out, err = run_cli(capsys, "train", "--preset", name, "--steps", str(steps), "--json")
    assert code == 0 and err == ""
    data = strict_json(out)
    assert set(data) == {"history", "weights", "biases"}
    exp = load_preset(name)
    history = train(exp.network, exp.inputs, exp.targets, exp.loss, exp.learning_rate, steps)
    assert len(data["history"]) == steps
    for k, entry in enumerate(data["history"]):
        assert set(entry) == {"step", "loss", "layers"}
        assert entry["step"] == k + 1
        assert entry["loss"] == history.losses[k]
        assert len(entry["layers"]) == exp.network.depth
        for l, layer in enumerate(entry["layers"]):
            assert set(layer) == MEASURES
            for key in MEASURES:
                assert layer[key] == history.measure(key)[k, l]
    assert len(data["weights"]) == len(data["biases"]) == exp.network.depth
    for w, w_core, b, b_core in zip(data["weights"], history.network.weights, data["biases"], history.network.biases):
        assert np.shape(w) == w_core.shape and np.array_equal(w, w_core)
        assert np.array_equal(b, b_core)


def test_train_learning_rate_and_activation_options(capsys):
    code, out, _ = run_cli(
        capsys, "train", "--preset", "tiny-sigmoid", "--activation", "relu", "--steps", "3", "--learning-rate", "0.1", "--json"
    )
    assert code == 0
    exp = load_preset("tiny-relu")
    history = train(exp.network, exp.inputs, exp.targets, exp.loss, 0.1, 3)
    data = strict_json(out)
    assert [entry["loss"] for entry in data["history"]] == list(history.losses)
    assert np.array_equal(data["weights"][0], history.network.weights[0])


def test_train_table(capsys):
    code, out, err = run_cli(capsys, "train", "--preset", "tiny-relu", "--steps", "45")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == "tiny-relu: 45 SGD steps, learning rate 0.5"
    steps = [int(line.split()[0]) for line in lines[2:]]
    assert steps[0] == 1 and steps[-1] == 45 and steps == sorted(set(steps))


# ---------------------------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["trace", "--preset", "nope"], "no preset called 'nope'; the presets are tiny-sigmoid"),
        (["train", "--preset", "tiny-relu", "--steps", "0"], "argument --steps: must be from 1 to 100,000, got 0"),
        (["train", "--preset", "tiny-relu", "--steps", "abc"], "argument --steps: must be a whole number, got 'abc'"),
        (["train", "--preset", "tiny-relu"], "the following arguments are required: --steps"),
        (["train", "--preset", "tiny-relu", "--steps", "2", "--learning-rate", "-1"], "--learning-rate: must be from 0 to 1,000,000, got -1"),
        (["train", "--preset", "tiny-relu", "--steps", "2", "--learning-rate", "1e308"], "--learning-rate: must be from 0 to 1,000,000, got 1e+308"),
        (["train", "--preset", "tiny-relu", "--steps", "100000000000"], "--steps: must be from 1 to 100,000, got 100,000,000,000"),
        (["train", "--preset", "tiny-relu", "--steps", "2", "--learning-rate", "nan"], "--learning-rate: must be a finite number"),
        (["trace"], "gradviz: error: give a network or session FILE, or --preset NAME (gradviz presets lists them)"),
        (["trace", "--preset", "tiny-relu", "--activation", "swish"], "argument --activation: unknown activation 'swish'; choose one of sigmoid, tanh"),
        (["trace", "some.json", "--preset", "tiny-relu"], "argument --preset: not allowed with argument file"),
        (["trace", "--preset", "tiny-relu", "--colour"], "unrecognized option --colour (see gradviz trace --help)"),
        (["train", "--preset", "tiny-relu", "--steps", "1", "extra.json"], "not allowed with argument --preset"),
        # An unknown option is named, not the value after it taken for a file ("argument file: not allowed ...").
        (["trace", "--preset", "tiny-relu", "--format", "xml"], "unrecognized option --format (see gradviz trace --help)"),
        (["export", "--preset", "tiny-relu", "--size", "99x99", "--out", "x.png"], "unrecognized option --size (see gradviz export --help)"),
        (["export", "--preset", "tiny-relu", "--out", "x.png", "--size=99x99"], "unrecognized option --size (see gradviz export --help)"),
        (["presets", "--csv"], "unrecognized option --csv (see gradviz presets --help)"),
        (["--prest", "tiny-relu"], "unrecognized option --prest (see gradviz --help)"),
        (["export", "--preset", "tiny-relu", "--view", "depth-chain", "--x", "-1e3", "--out", "x.png"], "argument --x: expected one argument"),
    ],
    ids=[
        "unknown-preset", "steps-zero", "steps-text", "steps-missing", "negative-learning-rate", "huge-learning-rate",
        "too-many-steps", "nan-learning-rate",
        "missing-source", "unknown-activation", "file-and-preset", "unknown-option", "preset-and-file",
        "unknown-option-before-a-value", "unknown-export-option", "unknown-option-with-equals", "unknown-flag-of-a-subcommand",
        "unknown-window-option",
        "number-after-an-option",
    ],
)  # fmt: skip
def test_bad_arguments_are_one_line_errors(capsys, argv, message):
    assert_one_line_error(*run_cli(capsys, *argv), message)


def test_abbreviated_options_and_negative_values_are_not_unknown_options(capsys, tmp_path):
    # argparse takes "--pre" for "--preset" (one option starts so), and "-5" after "--x" is a value.
    code, out, err = run_cli(capsys, "trace", "--pre", "tiny-relu", "--act", "sigmoid", "--js")
    assert code == 0 and err == ""
    assert [layer["activation"] for layer in strict_json(out)["layers"]] == ["sigmoid", "sigmoid", "sigmoid"]
    out_path = tmp_path / "chain.png"
    code, out, err = run_cli(capsys, "export", "--preset", "tiny-relu", "--view", "depth-chain", "--x", "-5", "--out", str(out_path))
    assert code == 0 and err == f"wrote {out_path}\n" and out_path.stat().st_size > 0


def test_activation_keeps_the_output_layer_the_loss_needs(capsys, tmp_path):
    path = tmp_path / "bce.json"
    path.write_text(
        json.dumps({"layers": [1, 2, 1], "loss": "binary_cross_entropy", "input": [0.5], "target": [1.0]}), encoding="utf-8"
    )
    code, out, err = run_cli(capsys, "trace", str(path), "--activation", "relu", "--json")
    assert code == 0 and err == ""
    assert [layer["activation"] for layer in strict_json(out)["layers"]] == ["relu", "sigmoid"]


def test_activation_keeps_a_linear_output_head(capsys):
    code, out, _ = run_cli(capsys, "trace", "--preset", "deep-sigmoid", "--activation", "relu", "--json")
    assert code == 0
    assert [layer["activation"] for layer in strict_json(out)["layers"]] == ["relu"] * 10 + ["linear"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["train", "--preset", "tiny-relu", "--steps", "abc"], "argument --steps: must be a whole number, got 'abc'"),
        (["trace", "--preset", "nope", "--json"], "no preset called 'nope'"),
    ],
    ids=["steps-text", "unknown-preset"],
)
def test_bad_arguments_in_a_real_process(argv, message):
    proc = subprocess.run([sys.executable, "-m", "gradviz", *argv], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("gradviz: error: ") and message in lines[0]


@pytest.mark.parametrize("key", ["\x1b[31mred", "a\nb", "\ud800"], ids=["escape-sequence", "newline", "lone-surrogate"])
def test_errors_naming_user_text_are_one_escaped_line(capsys, tmp_path, key):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"layers": [1, 1], key: 1}), encoding="utf-8")
    code, out, err = run_cli(capsys, "trace", str(path))
    assert_one_line_error(code, out, err, "unknown field")
    assert "\x1b" not in err and "\ud800" not in err
    assert err.startswith(f"gradviz: error: {path}: " + repr(key)[1:-1] + ": unknown field")


@pytest.mark.parametrize("command", ["trace", "export"])
@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("layers = 3\n", "not valid JSON: Expecting value at line 1, column 1"),
        ('{"input": [1.0]}', "layers: is missing; give the layer widths, input first, e.g. [1, 1, 1, 1]"),
        ("[1, 2]", "a network file must hold one JSON object, got a list of 2"),
    ],
    ids=["not-json", "no-layers", "a-list"],
)
def test_a_bad_network_file_is_named_with_its_problem(capsys, tmp_path, command, text, problem):
    path = tmp_path / "lesson.json"
    path.write_text(text, encoding="utf-8")
    extra = ["--out", str(tmp_path / "out.png")] if command == "export" else []
    code, out, err = run_cli(capsys, command, str(path), *extra)
    assert (code, out, err) == (2, "", f"gradviz: error: {path}: {problem}\n")
    assert not (tmp_path / "out.png").exists()


def test_a_file_that_cannot_be_read_is_named_once(capsys, tmp_path):
    missing = tmp_path / "missing.json"
    code, out, err = run_cli(capsys, "trace", str(missing))
    assert (code, out, err) == (2, "", f"gradviz: error: no such file: {missing}\n")


def test_a_lone_surrogate_in_a_name_prints_in_a_real_process(tmp_path):
    path = tmp_path / "named.json"
    path.write_text(json.dumps({"name": "x\ud800\x1b[2J", "layers": [1, 1, 1], "input": [1.0], "target": [0.0]}), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "gradviz", "trace", str(path)], capture_output=True, timeout=60)
    assert proc.returncode == 0 and proc.stderr == b""
    assert proc.stdout.decode("utf-8").splitlines()[0].startswith("x\\ud800\\x1b[2J: Network(")


def test_json_safe():
    value = cli.json_safe({"a": np.array([1.0, np.inf, -np.inf, np.nan]), "b": (np.float64(2.5), np.int64(3)), "c": "x"})
    assert value == {"a": [1.0, None, None, None], "b": [2.5, 3], "c": "x"}
    assert json.dumps(value, allow_nan=False)


def test_the_window_without_a_display_is_one_clear_line():
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    result = subprocess.run([sys.executable, "-m", "gradviz"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr == (
        "gradviz: error: no display to open the window on (neither DISPLAY nor WAYLAND_DISPLAY is set); "
        "`gradviz export` draws every view without one\n"
    )


@pytest.mark.parametrize(
    ("argv", "option", "what"),
    [
        (["lab", "--data", "xor", "--epochs", "1", "--out", "-"], "--out", "file"),
        (["train", "--preset", "tiny-relu", "--steps", "2", "--out", "-"], "--out", "file"),
        (["export", "--preset", "tiny-relu", "--out", "-"], "--out", "file"),
        (["export", "--preset", "tiny-relu", "--animate", "--frames-dir", "-", "--out", "a.gif"], "--frames-dir", "folder"),
    ],
    ids=["lab", "train", "export", "frames-dir"],
)
def test_a_dash_for_an_output_is_refused_not_written_as_a_file_called_dash(capsys, tmp_path, monkeypatch, argv, option, what):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(capsys, *argv)
    expected = f"gradviz: error: argument {option}: '-' is standard output by custom, and this writes a {what}; give its name (./- for one called -)\n"
    assert (code, out, err) == (2, "", expected)
    assert list(tmp_path.iterdir()) == []


def test_presets_json_is_one_object_of_every_preset_and_its_description(capsys):
    code, out, err = run_cli(capsys, "presets", "--json")
    listed = strict_json(out)
    assert (code, err) == (0, "")
    assert list(listed) == ["tiny-sigmoid", "tiny-relu", "deep-sigmoid", "deep-relu", "residual-sigmoid", "exploding"]
    assert listed["tiny-relu"].startswith("The same 1-1-1-1 chain with ReLU")
