"""One check per name: an activation, a loss, an initialiser, a colour mode or a measure is refused with the
same message wherever it is given (a network file, a session file, an edit, the session, the command line)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gradviz.core.activations import check_activation, get_activation
from gradviz.core.choices import UnknownNameError
from gradviz.core.edits import edit_experiment
from gradviz.core.experiment import NetworkFileError
from gradviz.core.init import check_init_scheme, init_weights
from gradviz.core.losses import check_loss, get_loss
from gradviz.core.session import Session
from gradviz.core.stats import check_measure
from gradviz.files.network_file import load_preset, parse_network
from gradviz.files.sniff import read_file
from gradviz.names import check_color_mode
from tests.files.test_network_file import good
from tests.helpers import run_cli

TINY_SESSION = Path(__file__).resolve().parents[1] / "fixtures" / "sessions" / "tiny-sigmoid-main-2026-12-04.json"
# Written out by hand, so a reordered or renamed registry shows here.
ACTIVATION = "unknown activation 'swish'; choose one of sigmoid, tanh, relu, leaky_relu, elu, softplus, gelu, linear"
LOSS = "unknown loss 'hinge'; choose one of half_squared_error, binary_cross_entropy"
INITIALISER = ("unknown initialiser 'glorot'; choose one of constant, uniform, normal, xavier_uniform, xavier_normal, "
               "he_uniform, he_normal")  # fmt: skip
COLOUR_MODE = "unknown colour mode 'rainbow'; choose one of gradient, weight, activation, weight-and-gradient"
MEASURE = "unknown measure 'median'; choose one of mean_abs_grad_w, max_abs_grad_w, norm_grad_w"


def refusal(call) -> str:
    with pytest.raises(ValueError) as refused:
        call()
    return str(refused.value)


def test_each_checker_names_the_choices():
    assert refusal(lambda: check_activation("swish")) == ACTIVATION
    assert refusal(lambda: check_loss("hinge")) == LOSS
    assert refusal(lambda: check_init_scheme("glorot")) == INITIALISER
    assert refusal(lambda: check_color_mode("rainbow")) == COLOUR_MODE
    assert refusal(lambda: check_measure("median")) == MEASURE
    assert check_activation("relu") == "relu" and check_color_mode("weight") == "weight"


def test_a_refused_name_is_a_key_error_too_and_prints_unquoted():
    with pytest.raises(KeyError) as refused:
        get_activation("swish")
    assert isinstance(refused.value, UnknownNameError) and str(refused.value) == ACTIVATION
    assert refusal(lambda: get_loss("hinge")) == LOSS
    assert refusal(lambda: init_weights("glorot", (2, 2), None)) == INITIALISER
    assert refusal(lambda: check_activation(42)) == ACTIVATION.replace("'swish'", "42")


def test_an_activation_is_refused_with_one_message_everywhere(tmp_path, capsys):
    tiny = load_preset("tiny-sigmoid")
    session = Session(tiny)
    assert refusal(lambda: session.set_compare_activation("swish")) == ACTIVATION
    assert refusal(lambda: session.view.set_bars_settings("mean_abs_grad_w", "swish", "relu")) == ACTIVATION
    assert refusal(lambda: tiny.with_activation("swish")) == f"activation: {ACTIVATION}"
    assert refusal(lambda: edit_experiment(tiny, {"activation": "swish"})) == f"activation: {ACTIVATION}"
    assert refusal(lambda: parse_network(json.loads(good(activation="swish")))) == f"activation: {ACTIVATION}"
    assert refusal(lambda: parse_network(json.loads(good(activation=["sigmoid", "swish"])))) == f"activation[1]: {ACTIVATION}"
    session_file = tmp_path / "s.json"
    document = json.loads(TINY_SESSION.read_text(encoding="utf-8"))
    document["session"]["compare_activation"] = "swish"
    session_file.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(NetworkFileError) as refused:
        read_file(session_file)
    assert str(refused.value) == f"session.compare_activation: {ACTIVATION}"
    code, out, err = run_cli(capsys, "trace", "--preset", "tiny-relu", "--activation", "swish")
    assert code == 2 and err == f"gradviz: error: argument --activation: {ACTIVATION}\n"


def test_a_colour_mode_loss_and_initialiser_are_refused_with_one_message_everywhere():
    tiny = load_preset("tiny-sigmoid")
    session = Session(tiny)
    assert refusal(lambda: session.view.set_color_mode("rainbow")) == COLOUR_MODE
    assert refusal(lambda: Session(tiny, color_mode="rainbow")) == COLOUR_MODE
    assert refusal(lambda: session.view.set_bars_settings("median", "sigmoid", "relu")) == MEASURE
    assert refusal(lambda: parse_network(json.loads(good(loss="hinge")))) == f"loss: {LOSS}"
    assert refusal(lambda: edit_experiment(tiny, {"loss": "hinge"})) == f"loss: {LOSS}"
    assert refusal(lambda: parse_network(json.loads(good(init={"scheme": "glorot"})))) == f"init.scheme: {INITIALISER}"
    assert refusal(lambda: edit_experiment(tiny, {"init": {"scheme": "glorot"}})) == f"init.scheme: {INITIALISER}"
