"""A last session can never stop the app from starting: whatever is wrong with it, the window opens on the
default preset, names the file in one status-bar line, and leaves the file as it was. An input neuron is a
selection like any other: it is saved, reopened and explained."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from PySide6 import QtCore

from gradviz.files.session_file import save_session_file
from gradviz.files.network_file import load_preset
from gradviz.core.session import Session
from gradviz.ui.app import launch_window


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sessions"


@pytest.fixture
def settings(tmp_path):
    return QtCore.QSettings(str(tmp_path / "gradviz.conf"), QtCore.QSettings.Format.IniFormat)


def _saved_session(path: Path, preset: str = "tiny-sigmoid", selection=None, steps: int = 0) -> Path:
    session = Session(load_preset(preset))
    for _ in range(steps):
        session.step_forward()
    session.view.select(selection)
    save_session_file(session, path)
    return path


def _launched(qtbot, settings, last: Path):
    settings.setValue("session/last", str(last))
    window = launch_window(None, None, settings)
    qtbot.addWidget(window)
    window.ask_to_save = False
    return window


def _state(path: Path):
    """What is at ``path``: its bytes and modification time, "a folder", or None when nothing is there."""
    if path.is_fifo():
        return "a FIFO", path.stat().st_mtime_ns
    if path.is_dir():
        return "a folder", sorted(p.name for p in path.iterdir())
    if not path.exists():
        return None
    return path.read_bytes(), path.stat().st_mtime_ns


def _not_utf8(path):
    path.write_bytes(b'{"layers": [1, 1], "name": "\xff\xfe"}')


def _cut_short(path):
    text = _saved_session(path).read_text()
    path.write_text(text[: len(text) // 2])


def _newer_format(path):
    document = json.loads(_saved_session(path).read_text())
    document["session"]["format"] = 99
    path.write_text(json.dumps(document))


def _stale_selection(path):
    document = json.loads(_saved_session(path).read_text())
    document["session"]["selection"] = ["neuron", 2, 7]  # tiny-sigmoid has one neuron a layer
    path.write_text(json.dumps(document))


def _a_folder(path):
    path.mkdir()
    (path / "inside.txt").write_text("not a session")


def _a_fifo(path):
    if not hasattr(os, "mkfifo"):
        pytest.skip("this system has no named pipes")
    os.mkfifo(path)  # opening it for reading would wait for a writer forever


def _missing(path):
    pass


BROKEN = {
    "not UTF-8": _not_utf8,
    "cut short": _cut_short,
    "a newer format": _newer_format,
    "a stale selection": _stale_selection,
    "a folder": _a_folder,
    "a FIFO": _a_fifo,
    "missing": _missing,
}


@pytest.mark.parametrize("breakage", BROKEN, ids=list(BROKEN))
def test_a_broken_last_session_opens_the_default_preset_names_the_file_and_keeps_it(qtbot, tmp_path, settings, breakage):
    path = tmp_path / "my lecture.json"
    BROKEN[breakage](path)
    before = _state(path)
    window = _launched(qtbot, settings, path)
    assert window.isVisible()
    assert window.bridge.session.experiment.name == "tiny-sigmoid" and window.bridge.session.record.step == 0
    assert window.bridge.session.file.path is None
    message = window.statusBar().currentMessage()
    assert message.startswith(f"Could not reopen the last session {path} (") and "\n" not in message, message
    assert message.endswith("; this is the tiny-sigmoid preset."), message
    assert _state(path) == before
    window.close()


@pytest.mark.parametrize("failing", ["restore", "_lane_here"])
def test_any_error_while_restoring_still_opens_the_default_preset(qtbot, tmp_path, settings, monkeypatch, failing):
    # "_lane_here" fails after the session has taken the file's network (an old file with Compare on rebuilds
    # its right half last): the window must not keep half of it.
    if failing == "_lane_here":
        path = tmp_path / "old.json"
        path.write_bytes((FIXTURES / "tiny-sigmoid-main-2026-12-04.json").read_bytes())
    else:
        path = _saved_session(tmp_path / "deep.json", "deep-sigmoid", steps=5)
    before = _state(path)

    original = getattr(Session, failing)
    calls = []

    def fail_once(*args, **kwargs):  # only the restore fails: the default preset must still load
        calls.append(args)
        if len(calls) == 1:
            raise RuntimeError("a bug while restoring")
        return original(*args, **kwargs)

    monkeypatch.setattr(Session, failing, fail_once)
    window = _launched(qtbot, settings, path)
    assert window.isVisible()
    assert window.bridge.session.experiment.name == "tiny-sigmoid" and window.bridge.session.record.step == 0
    assert window.bridge.session.network.widths == load_preset("tiny-sigmoid").network.widths
    assert window.statusBar().currentMessage() == (
        f"Could not reopen the last session {path} (a bug while restoring); this is the tiny-sigmoid preset."
    )
    assert _state(path) == before
    window.close()


def test_a_last_session_with_an_input_neuron_selected_reopens_and_explains_it(qtbot, tmp_path, settings):
    path = _saved_session(tmp_path / "input.json", selection=("neuron", 0, 0), steps=2)
    window = _launched(qtbot, settings, path)
    assert window.bridge.session.file.path == path.absolute()
    assert window.bridge.session.view.selection == ("neuron", 0, 0)
    assert window.bridge.session.record.step == 2
    assert window.inspector.lines() == ["Input 1", "x = 0.5"]  # tiny-sigmoid's one input is 0.5
    window.close()


def test_clicking_an_input_neuron_shows_its_value_and_the_saved_file_opens_again(qtbot, tmp_path, settings):
    window = launch_window(load_preset("tiny-sigmoid"), None, settings)
    qtbot.addWidget(window)
    window.ask_to_save = False
    window.diagram.sigNeuronClicked.emit(0, 0)  # as a click on the input neuron
    assert window.inspector.lines() == ["Input 1", "x = 0.5"]
    path = tmp_path / "saved.json"
    assert window.files.save_as(str(path))
    assert json.loads(path.read_text())["session"]["selection"] == ["neuron", 0, 0]
    window.select(None)
    assert window.files.open_file(str(path), ask=False)
    assert window.bridge.session.view.selection == ("neuron", 0, 0)
    assert window.inspector.lines() == ["Input 1", "x = 0.5"]
    window.close()
