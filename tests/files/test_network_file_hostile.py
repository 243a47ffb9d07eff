"""Hostile input: only regular files are read, boundedly and without blocking; duplicate fields are
refused by name; every message is one line with control characters escaped; and a fuzz of the loader
over random documents and byte mutations of a preset finds nothing but loads and NetworkFileErrors."""

from __future__ import annotations

import json
import os
import socket
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gradviz.core.experiment import NetworkFileError
from gradviz.core.format import one_line
from gradviz.files import network_file, reading, session_file
from gradviz.files.sniff import load_network
from tests.files.test_network_file import good
from tests.helpers import assert_one_line_error, run_cli


def load_in_a_thread(path):
    """``load_network(path)`` run where a hang cannot hang the suite: returns (finished, outcome)."""
    outcome = {}

    def target():
        try:
            outcome["value"] = load_network(path)
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            outcome["value"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(timeout=60)
    return not thread.is_alive(), outcome.get("value")


# ---------------------------------------------------------------------------------------------- not files


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path, capsys):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    finished, outcome = load_in_a_thread(fifo)
    assert finished, "reading a FIFO with no writer blocked"
    assert isinstance(outcome, NetworkFileError)
    assert str(outcome) == f"{fifo} is a FIFO (named pipe), not a network file; only regular files are read"
    assert_one_line_error(*run_cli(capsys, "trace", str(fifo)), "is a FIFO (named pipe), not a network file")


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "/dev/null"])
def test_a_device_is_refused_without_reading_it(device, capsys):
    if not os.path.exists(device):
        pytest.skip(f"no {device} here")
    finished, outcome = load_in_a_thread(device)
    assert finished
    assert isinstance(outcome, NetworkFileError)
    assert str(outcome) == f"{device} is a device, not a network file; only regular files are read"
    assert_one_line_error(*run_cli(capsys, "trace", device, "--json"), f"{device} is a device, not a network file")


def test_a_socket_is_refused(tmp_path, capsys):
    path = tmp_path / "s.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        server.bind(str(path))
        server.listen(1)
        finished, outcome = load_in_a_thread(path)
        assert finished
        assert isinstance(outcome, NetworkFileError)
        assert str(outcome) in (f"{path} is a socket or a device, not a network file", f"{path} is a socket, not a network file; only regular files are read")
        assert_one_line_error(*run_cli(capsys, "trace", str(path)), f"{path} is a socket")
    finally:
        server.close()


def test_a_directory_is_refused(tmp_path):
    finished, outcome = load_in_a_thread(tmp_path)
    assert finished and str(outcome) == f"{tmp_path} is a folder, not a network file"


def test_one_handle_and_a_bounded_read_even_when_the_size_is_not_known(monkeypatch):
    # /proc files are regular files that report a size of 0: only the bounded read can refuse them.
    path = "/proc/self/maps"
    if not os.path.exists(path):
        pytest.skip("no /proc here")
    monkeypatch.setattr(reading, "MAX_FILE_BYTES", 100)
    opened, read_sizes = [], []
    real_open, real_fdopen = os.open, os.fdopen

    def counting_open(*args, **kwargs):
        opened.append(str(args[0]))
        return real_open(*args, **kwargs)

    class CountingHandle:
        def __init__(self, handle):
            self._handle = handle

        def read(self, size):
            data = self._handle.read(size)
            read_sizes.append(len(data))
            return data

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self._handle.close()

    monkeypatch.setattr(reading.os, "open", counting_open)
    monkeypatch.setattr(reading.os, "fdopen", lambda *a, **k: CountingHandle(real_fdopen(*a, **k)))
    with pytest.raises(NetworkFileError, match=r"maps is 0 MiB; network files are at most 0 MiB"):
        load_network(path)
    assert opened == [path]
    assert sum(read_sizes) == 101  # the limit + 1, and not a byte more


# ---------------------------------------------------------------------------------------------- duplicates


def test_a_duplicate_field_is_refused_naming_it(tmp_path, capsys):
    path = tmp_path / "dup.json"
    path.write_text(good().replace('"name": "test"', '"name": "test", "layers": [1, 1]'), encoding="utf-8")
    with pytest.raises(NetworkFileError) as refused:
        load_network(path)
    assert refused.value.field == "layers"
    assert str(refused.value) == "layers: is given more than once; give each field once"
    assert_one_line_error(*run_cli(capsys, "trace", str(path)), "layers: is given more than once")


def test_a_duplicate_field_inside_init_is_refused(tmp_path):
    path = tmp_path / "dup.json"
    path.write_text(good(weights=None).replace('"name": "test"', '"name": "test", "init": {"seed": 1, "seed": 2}'), encoding="utf-8")
    with pytest.raises(NetworkFileError, match=r"^seed: is given more than once"):
        load_network(path)


# ---------------------------------------------------------------------------------------------- one line


@pytest.mark.parametrize(
    "text, expected",
    [
        ("two\nlines", "two\\nlines"),
        ("\x1b[2J\x1b[31mred", "\\x1b[2J\\x1b[31mred"),
        ("tab\there\r", "tab\\there\\r"),
        ("lone \ud800 surrogate", "lone \\ud800 surrogate"),
        ("line\u2028separator", "line\\u2028separator"),
        ("bidi \u202e override", "bidi \\u202e override"),
        ("café, ∂L/∂w, 10⁻³ and a space", "café, ∂L/∂w, 10⁻³ and a space"),
    ],
)
def test_one_line_escapes_what_a_terminal_would_act_on(text, expected):
    assert one_line(text) == expected


def test_a_field_name_with_newlines_and_escapes_gives_one_escaped_line(tmp_path, capsys):
    path = tmp_path / "bad.json"
    data = json.loads(good())
    data["evil\n\nfield\x1b[31m"] = 1
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(NetworkFileError) as refused:
        load_network(path)
    assert refused.value.field == "evil\\n\\nfield\\x1b[31m"
    code, out, err = run_cli(capsys, "trace", str(path))
    assert_one_line_error(code, out, err, "evil\\n\\nfield\\x1b[31m: unknown field")
    assert "\x1b" not in err


def test_a_lone_surrogate_field_name_is_escaped(tmp_path, capsys):
    path = tmp_path / "bad.json"
    path.write_text(good().replace('"name": "test"', '"name": "test", "\\ud800": 1'), encoding="utf-8")
    code, out, err = run_cli(capsys, "trace", str(path))
    assert_one_line_error(code, out, err, "\\ud800: unknown field")


def test_a_path_with_a_newline_is_escaped(tmp_path, capsys):
    path = tmp_path / "a\nb.json"
    assert_one_line_error(*run_cli(capsys, "trace", str(path)), f"no such file: {tmp_path}/a\\nb.json")


# ---------------------------------------------------------------------------------------------- fuzz

PRESET_TEXT = good(weights=[[[0.5], [-0.5]], [[1.0, 2.0]]], input=[[0.5], [0.1]], target=[[0.8], [0.2]]).encode("utf-8")

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**20), 10**20) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda children: st.lists(children, max_size=6) | st.dictionaries(st.text(max_size=10), children, max_size=6),
    max_leaves=40,
)  # fmt: skip
field_names = st.sampled_from(network_file.KNOWN_FIELDS) | st.text(max_size=8)
# Documents shaped like network files, so the fuzz reaches the checks of every field.
network_documents = st.dictionaries(field_names, json_values, max_size=12)


def assert_loads_or_refuses(path):
    try:
        experiment = load_network(path)
    except NetworkFileError as exc:
        assert "\n" not in str(exc) and "\r" not in str(exc) and "\x1b" not in str(exc)
        return None
    assert experiment.network.depth >= 1
    return experiment


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(document=st.one_of(json_values, network_documents))
def test_fuzz_random_documents_load_or_raise_a_network_file_error(tmp_path, document):
    path = tmp_path / "fuzz.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    assert_loads_or_refuses(path)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(document=network_documents, base=st.sampled_from(["layers", "weights", "input", "init", "activation"]))
def test_fuzz_a_good_file_with_one_field_replaced(tmp_path, document, base):
    data = json.loads(PRESET_TEXT)
    data.update(document)
    path = tmp_path / "fuzz.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert_loads_or_refuses(path)


mutations = st.lists(
    st.tuples(st.sampled_from(["flip", "insert", "delete", "replace"]), st.integers(0, len(PRESET_TEXT) - 1), st.binary(min_size=1, max_size=4)),
    min_size=1,
    max_size=8,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(edits=mutations)
def test_fuzz_byte_mutations_of_a_valid_file(tmp_path, edits):
    data = bytearray(PRESET_TEXT)
    for kind, position, chunk in edits:
        position = min(position, len(data) - 1)
        if kind == "flip":
            data[position] ^= chunk[0]
        elif kind == "insert":
            data[position:position] = chunk
        elif kind == "delete":
            del data[position : position + len(chunk)]
        else:
            data[position : position + len(chunk)] = chunk
        if not data:
            data = bytearray(b"{")
    path = tmp_path / "fuzz.json"
    path.write_bytes(bytes(data))
    assert_loads_or_refuses(path)


def _session_text() -> bytes:
    from gradviz.core.session_data import session_data
    from gradviz.core.stepper import Stepper
    from gradviz.files.network_file import load_preset
    from gradviz.files.session_file import session_json
    from gradviz.core.training import train

    exp = load_preset("tiny-sigmoid")
    history = train(exp.network, exp.inputs, exp.targets, exp.loss, exp.learning_rate, 2)
    stepper = Stepper(exp.network, exp.inputs, exp.targets, exp.loss, exp.learning_rate)
    for _ in range(8):
        stepper.step_forward()  # the update step: the file holds the pass's weights too
    data = session_data(exp, stepper, history, selection=("edge", 1, 0, 0))
    return json.dumps(session_json(data)).encode("utf-8")


SESSION_TEXT = _session_text()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(edits=st.lists(st.tuples(st.integers(0, len(SESSION_TEXT) - 1), st.binary(min_size=1, max_size=3)), min_size=1, max_size=6))
def test_fuzz_byte_mutations_of_a_session_file(tmp_path, edits):
    from gradviz.files.sniff import load_session

    data = bytearray(SESSION_TEXT)
    for position, chunk in edits:
        data[position : position + len(chunk)] = chunk
    path = tmp_path / "fuzz.json"
    path.write_bytes(bytes(data))
    assert_loads_or_refuses(path)
    try:
        load_session(path)
    except NetworkFileError as exc:
        assert "\n" not in str(exc)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(key=st.sampled_from(session_file.SESSION_KEYS + ("history.losses", "history.measures.norm_grad_w", "history.stopped_at")), value=json_values)
def test_fuzz_a_session_field_replaced(tmp_path, key, value):
    from gradviz.files.sniff import load_session

    doc = json.loads(SESSION_TEXT)
    target = doc["session"]
    *parents, last = key.split(".")
    for parent in parents:
        target = target[parent]
    target[last] = value
    path = tmp_path / "fuzz.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert_loads_or_refuses(path)
    try:
        load_session(path)
    except NetworkFileError as exc:
        assert "\n" not in str(exc)
