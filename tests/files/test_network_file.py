"""Network files: every kind of bad file is refused with a message naming the field and the problem,
in the core and through the command line; saving round-trips exactly and is atomic."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from gradviz import cli
from gradviz.core.experiment import NetworkFileError
from gradviz.files import reading
from gradviz.files.network_file import load_preset, parse_network, preset_descriptions, preset_names, save_network
from gradviz.files.sniff import load_network
from tests.helpers import assert_one_line_error, run_cli


def good(**changes):
    """A valid 1-2-1 network file as a dict, with ``changes`` applied (a value of None deletes the field)."""
    data = {
        "name": "test",
        "layers": [1, 2, 1],
        "activation": "sigmoid",
        "weights": [[[0.5], [-0.5]], [[1.0, 2.0]]],
        "biases": [[0.0, 0.1], [0.2]],
        "input": [0.5],
        "target": [0.8],
        "loss": "half_squared_error",
        "learning_rate": 0.5,
        "residual": False,
    }
    for key, value in changes.items():
        if value is None:
            del data[key]
        else:
            data[key] = value
    return json.dumps(data)


def with_text(old: str, new: str) -> str:
    text = good()
    assert old in text
    return text.replace(old, new, 1)


# (id, file text, field named in the message, what the message says is wrong)
BAD_FILES = [
    ("not-json", '{"layers": [1, 1],', "", "not valid JSON: Expecting property name enclosed in double quotes at line 1"),
    ("empty-file", "", "", "not valid JSON: Expecting value at line 1, column 1"),
    ("whitespace-only", "  \n", "", "not valid JSON: Expecting value at line 2, column 1"),
    ("not-an-object", "[1, 2]", "", "a network file must hold one JSON object, got a list of 2"),
    ("missing-layers", good(layers=None), "layers", "is missing; give the layer widths"),
    ("layers-wrong-type", good(layers="1,2,1"), "layers", "must be a list of 2 to 65 widths (input first), got the text '1,2,1'"),
    ("layers-too-few", good(layers=[1]), "layers", "must be a list of 2 to 65 widths (input first), got 1 widths"),
    ("width-zero", with_text('"layers": [1, 2, 1]', '"layers": [1, 0, 1]'), "layers[1]", "must be a whole number from 1 to 512, got 0"),
    ("width-513", with_text('"layers": [1, 2, 1]', '"layers": [1, 513, 1]'), "layers[1]", "must be a whole number from 1 to 512, got 513"),
    ("width-fraction", with_text('"layers": [1, 2, 1]', '"layers": [1, 2.5, 1]'), "layers[1]", "must be a whole number from 1 to 512, got 2.5"),
    ("too-deep", good(layers=[1] * 66, weights=None, biases=None), "layers", "must be a list of 2 to 65 widths (input first), got 66 widths"),
    ("unknown-activation", good(activation="swish"), "activation", "unknown activation 'swish'; choose one of sigmoid"),
    ("unknown-activation-in-list", good(activation=["relu", "swish"]), "activation[1]", "unknown activation 'swish'"),
    ("activation-wrong-type", good(activation=3), "activation", "must be a name or a list of names, got 3"),
    ("activation-list-wrong-length", good(activation=["relu"]), "activation", "must name one activation per weight layer (2), got 1"),
    ("weights-wrong-count", good(weights=[[[0.5], [0.5]]]), "weights", "must be a list of 2 matrices (one per weight layer), got 1 matrices"),
    ("weights-wrong-shape", good(weights=[[[0.5, 0.5]], [[1.0, 2.0]]]), "weights[0]", "must be a 2 x 1 matrix (a list of 2 rows of 1 numbers), got 1 rows"),
    ("weights-row-wrong-length", good(weights=[[[0.5], [0.5]], [[1.0]]]), "weights[1][0]", "must hold 2 numbers, got 1"),
    ("weights-string", good(weights=[[[0.5], ["x"]], [[1.0, 2.0]]]), "weights[0][1][0]", "must be a number, got the text 'x'"),
    ("weights-null", good(weights=[[[0.5], [None]], [[1.0, 2.0]]]), "weights[0][1][0]", "must be a number, got null"),
    ("boolean-for-number", good(input=[True]), "input[0]", "must be a number, got true"),
    ("boolean-for-width", with_text('"layers": [1, 2, 1]', '"layers": [1, true, 1]'), "layers[1]", "must be a whole number from 1 to 512, got true"),
    ("biases-wrong-length", good(biases=[[0.0], [0.2]]), "biases[0]", "must hold 2 numbers, got 1"),
    ("nan", with_text('"input": [0.5]', '"input": [NaN]'), "", "the file holds NaN, which is not a finite number"),
    ("infinity", with_text('"target": [0.8]', '"target": [-Infinity]'), "", "the file holds -Infinity, which is not a finite number"),
    ("huge-float-1e400", with_text('"input": [0.5]', '"input": [1e400]'), "input[0]", "must be a finite number, got inf"),
    ("huge-weight-1e400", with_text('[[0.5], [-0.5]]', '[[0.5], [-1e400]]'), "weights[0][1][0]", "must be a finite number, got -inf"),
    ("huge-whole-number", with_text('"learning_rate": 0.5', '"learning_rate": 1' + "0" * 400), "learning_rate", "must be a finite number, got inf"),
    ("too-many-digits", with_text('"input": [0.5]', '"input": [1' + "0" * 5000 + "]"), "", "the file holds a number with too many digits to read"),
    ("beyond-max-value", with_text('"input": [0.5]', '"input": [1e101]'), "input[0]", "must be from -1e+100 to 1e+100, got 1e+101"),
    ("unknown-field", good(momentum=0.9), "momentum", "unknown field; the fields are name, description, layers"),
    ("unknown-loss", good(loss="mse"), "loss", "unknown loss 'mse'; choose one of half_squared_error, binary_cross_entropy"),
    ("bce-without-sigmoid", good(loss="binary_cross_entropy", activation="relu"), "loss", "binary_cross_entropy needs a sigmoid output layer"),
    ("bce-target-outside", good(loss="binary_cross_entropy", target=[1.5]), "target", "binary_cross_entropy needs every target from 0 to 1"),
    ("input-wrong-width", good(input=[0.5, 0.5]), "input", "must hold 1 number, got 2"),
    ("input-missing", good(input=None), "input", "is missing; give one sample as a list of numbers"),
    ("target-count-mismatch", good(input=[[0.5], [0.1]], target=[[0.8]]), "target", "must hold one target per input sample (2), got 1"),
    ("bad-init-scheme", good(weights=None, init={"scheme": "glorot"}), "init.scheme", "unknown initialiser 'glorot'; choose one of constant"),
    ("bad-init-param", good(weights=None, init={"scheme": "he_normal", "std": 2.0}), "init.std", "is not a parameter of he_normal (its parameters: none)"),
    ("bad-init-param-value", good(weights=None, init={"scheme": "constant", "value": "big"}), "init.value", "must be a number, got the text 'big'"),
    ("bad-init-seed", good(weights=None, init={"scheme": "he_normal", "seed": -1}), "init.seed", "must be a whole number from 0 to 4294967295, got -1"),
    ("init-not-an-object", good(init="he_normal"), "init", "must be an object like"),
    ("negative-learning-rate", good(learning_rate=-0.1), "learning_rate", "must be from 0 to 1,000,000, got -0.1"),
    ("learning-rate-text", good(learning_rate="fast"), "learning_rate", "must be a number, got the text 'fast'"),
    ("residual-not-bool", good(residual=1), "residual", "must be true or false, got 1"),
    ("name-empty", good(name=" "), "name", "must be a non-empty text of at most 200 characters"),
    ("absurd-nesting", "[" * 100000, "", "the file nests lists or objects more than 8 deep"),
    ("deep-nesting", '{"layers": ' + "[" * 50 + "]" * 50 + "}", "", "the file nests lists or objects more than 8 deep"),
]
BAD_FILE_PARAMS = [pytest.param(text, field, problem, id=kind) for kind, text, field, problem in BAD_FILES]


@pytest.fixture
def write(tmp_path):
    def write_file(text: str, name: str = "net.json"):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write_file




def test_the_good_file_loads(write):
    exp = load_network(write(good()))
    assert exp.network.widths == (1, 2, 1)
    np.testing.assert_array_equal(exp.network.weights[0], [[0.5], [-0.5]])
    np.testing.assert_array_equal(exp.inputs, [[0.5]])


@pytest.mark.parametrize(("text", "field", "problem"), BAD_FILE_PARAMS)
def test_bad_file_is_refused_with_field_and_problem(write, text, field, problem):
    with pytest.raises(NetworkFileError) as info:
        load_network(write(text))
    assert info.value.field == field
    assert problem in info.value.problem
    assert str(info.value) == (f"{field}: {info.value.problem}" if field else info.value.problem)


@pytest.mark.parametrize(("text", "field", "problem"), BAD_FILE_PARAMS)
def test_bad_file_through_the_cli(write, capsys, text, field, problem):
    code, out, err = run_cli(capsys, "trace", str(write(text)), "--json")
    assert_one_line_error(code, out, err, f"{field}: {problem}" if field else problem)


@pytest.mark.parametrize(
    "kind",
    ["not-json", "width-zero", "huge-float-1e400", "absurd-nesting"],
)
def test_bad_file_through_a_real_process(write, kind):
    text, field, problem = next((t, f, p) for k, t, f, p in BAD_FILES if k == kind)
    path = write(text)
    proc = subprocess.run(
        [sys.executable, "-m", "gradviz", "trace", str(path), "--json"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("gradviz: error: ") and problem in lines[0]
    assert "Traceback" not in proc.stderr


# ---------------------------------------------------------------------------------------------- files


def test_directory(tmp_path, capsys):
    with pytest.raises(NetworkFileError, match="is a folder, not a network file"):
        load_network(tmp_path)
    assert_one_line_error(*run_cli(capsys, "trace", str(tmp_path), "--json"), f"{tmp_path} is a folder, not a network file")


def test_missing_file(tmp_path, capsys):
    path = tmp_path / "nope.json"
    with pytest.raises(NetworkFileError, match="no such file"):
        load_network(path)
    assert_one_line_error(*run_cli(capsys, "trace", str(path), "--json"), f"no such file: {path}")


def test_missing_file_in_a_real_process(tmp_path):
    path = tmp_path / "nope.json"
    proc = subprocess.run([sys.executable, "-m", "gradviz", "trace", str(path)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.splitlines() == [f"gradviz: error: no such file: {path}"]


def test_non_utf8_file(tmp_path, capsys):
    path = tmp_path / "latin1.json"
    path.write_bytes(with_text('"name": "test"', '"name": "caf\u00e9"').encode("latin-1"))
    assert b"caf\xe9" in path.read_bytes()
    with pytest.raises(NetworkFileError, match="is not a text file \\(it is not UTF-8\\)"):
        load_network(path)
    assert_one_line_error(*run_cli(capsys, "trace", str(path), "--json"), "is not a text file (it is not UTF-8)")


def test_too_large_file(write, monkeypatch, capsys):
    path = write(good())
    monkeypatch.setattr(reading, "MAX_FILE_BYTES", 100)
    with pytest.raises(NetworkFileError, match="network files are at most 0 MiB"):
        load_network(path)
    assert_one_line_error(*run_cli(capsys, "trace", str(path), "--json"), f"{path} is 0 MiB")


def test_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + good().encode("utf-8"))
    assert load_network(path).name == "test"


def test_parse_network_refuses_non_objects():
    with pytest.raises(NetworkFileError, match="must hold one JSON object, got null"):
        parse_network(None)


# ---------------------------------------------------------------------------------------------- save


def assert_experiments_equal(a, b):
    assert (a.name, a.description, a.loss, a.learning_rate, a.init) == (b.name, b.description, b.loss, b.learning_rate, b.init)
    assert a.network.widths == b.network.widths
    assert a.network.activations == b.network.activations
    assert a.network.residual == b.network.residual
    for x, y in zip(a.network.weights + a.network.biases, b.network.weights + b.network.biases, strict=True):
        assert np.array_equal(x, y)
    assert np.array_equal(a.inputs, b.inputs) and np.array_equal(a.targets, b.targets)


@pytest.mark.parametrize("name", preset_names())
def test_save_then_load_round_trips_exactly(tmp_path, name):
    exp = load_preset(name)
    path = tmp_path / f"{name}.json"
    save_network(exp, path)
    again = load_network(path)
    assert_experiments_equal(exp, again)
    assert not [p for p in tmp_path.iterdir() if p.name != path.name]


def test_round_trip_keeps_every_bit_of_awkward_floats(tmp_path):
    rng = np.random.default_rng(0)
    exp = load_preset("residual-sigmoid")
    weights = [w * rng.uniform(0.1, 10.0, size=w.shape) / 3.0 for w in exp.network.weights]
    exp = exp.with_network(exp.network.with_params(weights, exp.network.biases))
    save_network(exp, tmp_path / "net.json")
    assert_experiments_equal(exp, load_network(tmp_path / "net.json"))


def test_save_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "net.json"
    original = good()
    path.write_text(original, encoding="utf-8")

    def failing_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="No space left on device"):
        save_network(load_preset("deep-relu"), path)
    assert path.read_text(encoding="utf-8") == original
    assert [p.name for p in tmp_path.iterdir()] == ["net.json"]


def test_save_failing_mid_write_leaves_old_file(tmp_path, monkeypatch):
    path = tmp_path / "net.json"
    path.write_text(good(), encoding="utf-8")

    def failing_fsync(fd):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(OSError):
        save_network(load_preset("tiny-relu"), path)
    assert load_network(path).name == "test"
    assert [p.name for p in tmp_path.iterdir()] == ["net.json"]


# ---------------------------------------------------------------------------------------------- presets


def test_presets_all_load_with_descriptions():
    names = preset_names()
    assert names[:6] == ["tiny-sigmoid", "tiny-relu", "deep-sigmoid", "deep-relu", "residual-sigmoid", "exploding"]
    descriptions = preset_descriptions()
    assert list(descriptions) == names
    assert all(len(text) > 20 for text in descriptions.values())
    assert load_preset("residual-sigmoid").network.residual


def test_unknown_preset_names_the_presets():
    with pytest.raises(NetworkFileError, match="no preset called 'nope'; the presets are tiny-sigmoid, tiny-relu"):
        load_preset("nope")


def test_with_activation_keeps_the_output_the_loss_needs(write):
    exp = load_network(write(good(loss="binary_cross_entropy")))
    switched = exp.with_activation("relu")
    assert switched.network.activations[:-1] == ("relu",) * (exp.network.depth - 1)
    assert switched.network.activations[-1] == "sigmoid"  # binary cross-entropy needs it, as in the bars
    with pytest.raises(NetworkFileError, match="unknown activation 'swish'"):
        exp.with_activation("swish")
    assert exp.with_activation("sigmoid").network.activations == ("sigmoid", "sigmoid")


def test_edit_experiment_keeps_or_redraws_the_weights():
    from gradviz.core.edits import edit_experiment

    deep = load_preset("deep-sigmoid")
    same = edit_experiment(deep, {"learning_rate": 0.1})
    assert same.learning_rate == 0.1
    assert all(a is b for a, b in zip(same.network.weights, deep.network.weights))  # no copy, no re-check
    redrawn = edit_experiment(deep, {"init": {"scheme": "he_normal", "seed": 3}})
    assert redrawn.init.seed == 3 and not np.array_equal(redrawn.network.weights[0], deep.network.weights[0])
    # One activation for every layer keeps deep-sigmoid's linear head, as the comparison does.
    relu = edit_experiment(deep, {"activation": "relu"})
    assert relu.network.activations == ("relu",) * 10 + ("linear",)
    shorter = edit_experiment(deep, {"layers": [4, 8, 8, 1]})
    assert shorter.network.activations == ("sigmoid", "sigmoid", "linear")
    wider_input = edit_experiment(load_preset("tiny-sigmoid"), {"layers": [3, 1, 1]})
    assert wider_input.inputs.tolist() == [[0.5, 0.5, 0.5]]


def test_new_widths_keep_every_layer_whose_shape_stays_and_draw_the_others():
    from gradviz.core.edits import apply_edit

    tiny = load_preset("tiny-sigmoid")  # three 1 x 1 layers of 0.5, initialiser he_normal seed 0
    trained = tiny.with_network(tiny.network.with_params([[[0.25]], [[0.5]], [[0.75]]], [[0.1], [0.2], [0.3]]))
    outcome = apply_edit(trained, {"layers": [1, 1, 3, 1]})
    net = outcome.experiment.network
    assert outcome.fresh_layers == (2, 3) and outcome.network_changed
    # Layer 1 keeps its matrix and bias, the very arrays, bit for bit.
    assert net.weights[0] is trained.network.weights[0] and net.biases[0] is trained.network.biases[0]
    # Layers 2 and 3 are what a file without weights gets: he_normal draws from one generator seeded 0,
    # std sqrt(2 / fan_in), drawn layer after layer (layer 1's draw comes first and is discarded).
    rng = np.random.default_rng(0)
    rng.normal(0.0, np.sqrt(2.0 / 1), size=(1, 1))
    want2 = rng.normal(0.0, np.sqrt(2.0 / 1), size=(3, 1))
    want3 = rng.normal(0.0, np.sqrt(2.0 / 3), size=(1, 3))
    assert net.weights[1].tobytes() == want2.tobytes() and net.weights[2].tobytes() == want3.tobytes()
    assert net.biases[1].tolist() == [0.0] * 3 and net.biases[2].tolist() == [0.0]
    assert outcome.describe_fresh() == "layers 2 and 3 got fresh weights (he_normal, seed 0)"


def test_a_deeper_network_keeps_the_layers_it_had_and_says_which_are_new():
    from gradviz.core.edits import apply_edit

    deep = load_preset("deep-sigmoid")
    assert deep.network.widths == (4,) + (8,) * 10 + (1,)
    outcome = apply_edit(deep, {"layers": [4] + [8] * 11 + [1]})  # one more hidden layer
    net = outcome.experiment.network
    # By position: layers 1-10 keep their shapes (4->8, then 8->8); layer 11 is now 8->8 where it was the
    # 8->1 output, and layer 12 is new.
    for l in range(10):
        assert net.weights[l].tobytes() == deep.network.weights[l].tobytes()
        assert net.biases[l].tobytes() == deep.network.biases[l].tobytes()
    assert outcome.fresh_layers == (11, 12)
    assert net.activations == ("sigmoid",) * 11 + ("linear",)
    scheme, seed = deep.init.scheme, deep.init.seed
    assert outcome.describe_fresh() == f"layers 11 and 12 got fresh weights ({scheme}, seed {seed})"


def test_a_new_initialiser_draws_every_layer_with_its_parameter():
    from gradviz.core.edits import apply_edit

    outcome = apply_edit(load_preset("tiny-sigmoid"), {"init": {"scheme": "constant", "seed": 0, "value": 0.125}})
    assert outcome.fresh_layers == (1, 2, 3)
    assert [w.tolist() for w in outcome.experiment.network.weights] == [[[0.125]]] * 3
    assert outcome.describe_fresh() == "every layer got fresh weights (constant, value 0.125, seed 0)"


def test_data_and_rate_edits_leave_the_network_as_it_is():
    from gradviz.core.edits import apply_edit

    tiny = load_preset("tiny-sigmoid")
    for changes in ({"learning_rate": 0.1}, {"input": [0.25]}, {"target": [0.1]}, {"loss": "binary_cross_entropy"}):
        outcome = apply_edit(tiny, changes)
        assert not outcome.network_changed and outcome.fresh_layers == () and outcome.describe_fresh() == ""
        assert outcome.experiment.network.weights == tiny.network.weights


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"layers": [1, 1, 300_000_000]}, "layers[2]: must be a whole number from 1 to 512, got 300000000"),
        ({"layers": "1,2"}, "layers: must be a list of 2 to 65 widths"),
        ({"activation": "swish"}, "activation: unknown activation 'swish'"),
        ({"weights": []}, "weights: cannot be edited here"),
    ],
)
def test_edit_experiment_refuses_with_the_field_named(changes, message):
    from gradviz.core.edits import edit_experiment

    with pytest.raises(NetworkFileError) as refused:
        edit_experiment(load_preset("tiny-sigmoid"), changes)
    assert str(refused.value).startswith(message)


# ---------------------------------------------------------------------------------------------- what is written reads back


def with_weight(experiment, layer, row, col, value):
    weights = [np.array(w) for w in experiment.network.weights]
    weights[layer][row, col] = value
    return experiment.with_network(experiment.network.with_params(weights, experiment.network.biases))


@pytest.mark.parametrize(
    "value, shown",
    [(np.inf, "∞"), (-np.inf, "−∞"), (np.nan, "NaN"), (2e100, "2.00e100"), (-1e300, "−1.00e300")],
)
def test_save_refuses_a_weight_a_file_cannot_hold_and_writes_nothing(tmp_path, value, shown):
    path = tmp_path / "net.json"
    exp = with_weight(load_preset("deep-relu"), 3, 0, 1, value)
    with pytest.raises(NetworkFileError) as refused:
        save_network(exp, path)
    assert refused.value.field == "weights[3][0][1]"
    assert str(refused.value) == (
        f"weights[3][0][1]: is {shown} (layer 4, row 1, column 2); a network file holds only finite numbers "
        "from -1e+100 to 1e+100, so nothing was written"
    )
    assert list(tmp_path.iterdir()) == []


def test_save_refuses_a_bias_and_keeps_the_old_file(tmp_path):
    path = tmp_path / "net.json"
    path.write_text(good(), encoding="utf-8")
    exp = load_preset("tiny-sigmoid")
    biases = [np.array(b) for b in exp.network.biases]
    biases[2][0] = np.inf
    with pytest.raises(NetworkFileError, match=r"^biases\[2\]\[0\]: is ∞ \(layer 3, row 1\);"):
        save_network(exp.with_network(exp.network.with_params(exp.network.weights, biases)), path)
    assert path.read_text(encoding="utf-8") == good()
    assert [p.name for p in tmp_path.iterdir()] == ["net.json"]


def test_the_largest_weight_a_file_holds_saves_and_reads_back(tmp_path):
    exp = with_weight(load_preset("tiny-relu"), 0, 0, 0, -1e100)
    save_network(exp, tmp_path / "net.json")
    assert load_network(tmp_path / "net.json").network.weights[0][0, 0] == -1e100


def test_an_overflowed_network_trained_on_the_command_line_is_refused_in_one_line(tmp_path, capsys):
    # One SGD step at a huge learning rate takes the weight from 1e99 to about -1e105: finite, beyond the file limits.
    source = tmp_path / "big.json"
    source.write_text(json.dumps({"layers": [1, 1], "activation": "linear", "weights": [[[1e99]]], "biases": [[0.0]],
                                  "input": [1.0], "target": [0.0], "learning_rate": 1e6}), encoding="utf-8")  # fmt: skip
    out_path = tmp_path / "trained.json"
    code, out, err = run_cli(capsys, "train", str(source), "--steps", "1", "--out", str(out_path))
    assert_one_line_error(code, out, err, "weights[0][0][0]: is −1.00e105 (layer 1, row 1, column 1)")
    assert not out_path.exists()


@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_a_new_file_gets_the_mode_the_umask_gives(tmp_path, mask, mode):
    old = os.umask(mask)
    try:
        save_network(load_preset("tiny-relu"), tmp_path / "net.json")
    finally:
        os.umask(old)
    assert (tmp_path / "net.json").stat().st_mode & 0o7777 == mode


def test_a_replaced_file_keeps_its_mode(tmp_path):
    path = tmp_path / "net.json"
    path.write_text(good(), encoding="utf-8")
    path.chmod(0o640)
    save_network(load_preset("tiny-relu"), path)
    assert path.stat().st_mode & 0o7777 == 0o640
    assert load_network(path).name == "tiny-relu"
