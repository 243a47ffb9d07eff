"""Sessions in the window: File > New, Open, Open Recent, Save, Save As; the unsaved-changes question; the
same pixels after save, quit and relaunch; settings that cannot stop a launch; a bad file on the command
line; no crash at interpreter exit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from gradviz.core.network import Network
from gradviz.files.network_file import load_preset
from gradviz.files.session_file import save_session_file
from gradviz.ui.app import launch_window
from gradviz.ui.main_window import MainWindow
from gradviz.ui.theme import SCREEN

Button = QtWidgets.QMessageBox.StandardButton
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def settings(tmp_path):
    return QtCore.QSettings(str(tmp_path / "gradviz.conf"), QtCore.QSettings.Format.IniFormat)


@pytest.fixture
def messages(monkeypatch):
    """Every message box the window shows, as (kind, title, text); questions answered from ``answers``."""


    class Shown(list):
        answers: list = []

    shown = Shown()
    shown.answers = []

    def question(parent, title, text, *args, **kwargs):
        shown.append(("question", title, text))
        return shown.answers.pop(0)

    monkeypatch.setattr(QtWidgets.QMessageBox, "question", staticmethod(question))
    monkeypatch.setattr(QtWidgets.QMessageBox, "warning", staticmethod(lambda parent, title, text, *a: shown.append(("warning", title, text))))
    return shown


def make_window(qtbot, experiment, settings=None, ask_to_save=False, size=(1400, 900)):
    window = MainWindow(experiment, SCREEN, settings, ask_to_save=ask_to_save)
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    return window


def grab(widget) -> QtGui.QImage:
    QtWidgets.QApplication.processEvents()
    return widget.grab().toImage()


def assert_records_identical(a, b):
    assert a.step == b.step and a.loss == b.loss
    for x, y in zip(a.layers, b.layers):
        for name in ("z", "a", "delta", "grad_w", "grad_b"):
            u, v = getattr(x, name), getattr(y, name)
            assert (u is None) == (v is None), name
            if u is not None:
                assert u.tobytes() == v.tobytes(), name
    assert all(u.tobytes() == v.tobytes() for u, v in zip(a.weights, b.weights))


def closed(window):
    window.close()
    assert not window.isVisible()


# ---------------------------------------------------------------------------------------------- round trip


def test_save_quit_relaunch_gives_the_same_pixels(qtbot, tmp_path, settings):
    deep = load_preset("deep-sigmoid")
    depth = deep.network.depth
    first = make_window(qtbot, deep, settings)
    middle_of_backward = depth + 1 + depth // 2
    first.bridge.go_to_step(middle_of_backward)
    first.act.color_modes["weight"].trigger()
    first.diagram.sigEdgeClicked.emit(3, 1, 2)  # as a click on the edge into unit 1 of layer 3 from unit 2
    first.gradient_bars.sigSettingsChanged.emit("max_abs_grad_w", "tanh", "relu")
    assert first.isWindowModified()
    path = tmp_path / "lecture.json"
    assert first.files.save_as(str(path))
    assert not first.isWindowModified() and "(lecture.json)" in first.windowTitle()
    before = grab(first.diagram)
    record = first.bridge.session.record
    closed(first)
    assert settings.value("session/last") == str(path.absolute())

    second = make_window(qtbot, load_preset("tiny-sigmoid"), settings)
    assert grab(second.diagram) != before  # a different picture until the file is open
    assert second.files.open_file(str(path))
    after = grab(second.diagram)
    assert after.size() == before.size() and after == before  # pixel for pixel
    assert_records_identical(second.bridge.session.record, record)
    assert second.bridge.session.record.step == middle_of_backward
    assert second.toolbar.color_mode.currentData() == "weight" and second.act.color_modes["weight"].isChecked()
    assert second.bridge.session.view.selection == ("edge", 3, 1, 2)
    assert second.gradient_bars.settings() == ("max_abs_grad_w", "tanh", "relu")
    assert not second.isWindowModified()
    # Home returns to the session's start: deep-sigmoid as the preset holds it.
    second.act.reset.trigger()  # Home
    assert second.bridge.session.record.step == 0
    assert all(w.tobytes() == s.tobytes() for w, s in zip(second.bridge.session.network.weights, deep.network.weights))
    closed(second)


def test_the_compare_view_reopens_as_saved(qtbot, tmp_path):
    first = make_window(qtbot, load_preset("deep-sigmoid"))
    first.act.compare.trigger()
    first.compare_bar.sigActivationChosen.emit("tanh")
    first.bridge.go_to_step(9)
    path = tmp_path / "compare.json"
    assert first.files.save_as(str(path))
    before = grab(first.compare_view)
    closed(first)
    second = make_window(qtbot, load_preset("tiny-sigmoid"))
    assert second.files.open_file(str(path))
    assert second.act.compare.isChecked() and second.central_view() is second.compare_view
    assert second.compare_bar.settings_shown()[0] == "tanh"
    assert grab(second.compare_view) == before
    closed(second)


def test_plain_network_files_still_open(qtbot, tmp_path):
    from gradviz.files.network_file import save_network

    save_network(load_preset("deep-relu"), tmp_path / "net.json")
    window = make_window(qtbot, load_preset("tiny-sigmoid"))
    window.bridge.go_to_step(3)
    assert window.files.open_file(str(tmp_path / "net.json"))
    assert window.bridge.session.experiment.name == "deep-relu" and window.bridge.session.record.step == 0
    assert window.bridge.session.file.path is None  # Save asks where: the network file is not overwritten
    assert "(net.json)" not in window.windowTitle()
    closed(window)


# ---------------------------------------------------------------------------------------------- save


def test_save_goes_to_the_current_file_and_else_asks_where(qtbot, tmp_path, monkeypatch):
    window = make_window(qtbot, load_preset("tiny-sigmoid"))
    chosen = tmp_path / "chosen.json"
    asked = []
    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: asked.append(a) or (str(chosen), "")))
    window.bridge.step_forward()
    window.act.save.trigger()  # no file yet: Save As
    assert len(asked) == 1 and chosen.is_file() and window.bridge.session.file.path == chosen
    window.bridge.step_forward()
    window.act.save.trigger()  # to the same file, without asking
    assert len(asked) == 1
    assert json.loads(chosen.read_text())["session"]["position"] == 2
    assert window.act.save.shortcut().toString() == "Ctrl+S"
    assert window.act.save_as.shortcut().toString() == "Ctrl+Shift+S"
    assert window.act.open.shortcut().toString() == "Ctrl+O"
    assert window.act.new.shortcut().toString() == "Ctrl+N"
    closed(window)


@pytest.mark.parametrize(("value", "shown"), [(np.inf, "∞"), (np.nan, "NaN"), (3e101, "3.00e101")])
def test_a_network_that_cannot_be_stored_is_one_message_and_nothing_is_written(qtbot, tmp_path, messages, value, shown):
    window = make_window(qtbot, load_preset("tiny-sigmoid"))
    net = window.bridge.session.network
    weights = [np.array(w) for w in net.weights]
    weights[1][0, 0] = value
    window.bridge.set_experiment(window.bridge.session.experiment.with_network(Network(net.widths, net.activations, weights, net.biases)))
    assert window.files.save_as(str(tmp_path / "s.json")) is False
    assert len(messages) == 1
    kind, title, text = messages[0]
    assert (kind, title) == ("warning", "Cannot save the session")
    assert f"weights[1][0][0]: is {shown} (layer 2, row 1, column 1)" in text and "\n" not in text
    assert list(tmp_path.iterdir()) == []
    assert window.bridge.session.file.path is None and window.isWindowModified()
    closed(window)


# ---------------------------------------------------------------------------------------------- unsaved changes


def test_new_open_preset_and_quit_ask_about_unsaved_changes(qtbot, tmp_path, messages, monkeypatch):
    window = make_window(qtbot, load_preset("deep-sigmoid"), ask_to_save=True)
    # Nothing unsaved: nothing asked.
    window.controls.sigPresetChosen.emit("tiny-relu")
    assert window.bridge.session.experiment.name == "tiny-relu" and messages == []
    window.bridge.go_to_step(3)
    assert window.isWindowModified()

    messages.answers[:] = [Button.Cancel, Button.Cancel, Button.Cancel, Button.Cancel]
    window.act.new.trigger()
    window.controls.sigPresetChosen.emit("deep-relu")
    assert window.controls.preset.currentText() == "tiny-relu"  # the box shows the network on screen again
    assert window.files.open_file(str(tmp_path / "none.json")) is False
    window.close()
    assert window.isVisible()  # quitting was cancelled
    assert [m[1] for m in messages] == ["Unsaved changes"] * 4
    assert "Save them before starting a new session?" in messages[0][2]
    assert "Save them before switching to deep-relu?" in messages[1][2]
    assert "Save them before quitting?" in messages[3][2]
    assert window.bridge.session.experiment.name == "tiny-relu" and window.bridge.session.record.step == 3

    # Save: written to the chosen file, then the new session starts.
    path = tmp_path / "kept.json"
    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(path), "")))
    messages.answers[:] = [Button.Save]
    window.act.new.trigger()
    assert json.loads(path.read_text())["session"]["position"] == 3
    assert window.bridge.session.experiment.name == "tiny-sigmoid" and not window.isWindowModified()
    assert window.bridge.session.file.path is None

    # Discard: the preset switch goes on and nothing is written.
    window.bridge.step_forward()
    messages.answers[:] = [Button.Discard]
    window.controls.sigPresetChosen.emit("deep-relu")
    assert window.bridge.session.experiment.name == "deep-relu"
    assert json.loads(path.read_text())["session"]["position"] == 3

    # Quit after training asks, and Discard closes.
    with qtbot.waitSignal(window.bridge.sigTrainingFinished, timeout=10000):
        window.training.sigTrainRequested.emit(20)
    messages.answers[:] = [Button.Discard]
    window.close()
    assert not window.isVisible() and len(messages) == 7


def test_the_title_marks_unsaved_changes(qtbot, tmp_path):
    window = make_window(qtbot, load_preset("tiny-sigmoid"))
    assert window.windowTitle() == "tiny-sigmoid[*] — gradviz" and not window.isWindowModified()
    window.act.forward.trigger()
    assert window.isWindowModified()
    window.act.back.trigger()
    assert not window.isWindowModified()  # back where it started
    window.act.color_modes["activation"].trigger()
    assert window.isWindowModified()
    window.files.save_as(str(tmp_path / "t.json"))
    assert window.windowTitle() == "tiny-sigmoid (t.json)[*] — gradviz" and not window.isWindowModified()
    closed(window)


# ---------------------------------------------------------------------------------------------- recent files


def test_open_recent_keeps_eight_newest_first_and_prunes_missing_files(qtbot, tmp_path, settings, messages):
    window = make_window(qtbot, load_preset("tiny-sigmoid"), settings)
    paths = []
    for number in range(10):
        path = tmp_path / f"s{number}.json"
        window.bridge.step_forward()
        assert window.files.save_as(str(path))
        paths.append(str(path.absolute()))
    assert window.files.recent_files() == paths[::-1][:8]
    assert settings.value("session/recent") == paths[::-1][:8]
    Path(paths[9]).unlink()
    Path(paths[5]).unlink()
    window.menus.recent.aboutToShow.emit()
    assert window.files.recent_files() == [paths[8], paths[7], paths[6], paths[4], paths[3], paths[2]]
    assert window.statusBar().currentMessage() == "Removed from Open Recent, no longer there: s9.json, s5.json"
    labels = [a.text() for a in window.menus.recent.actions() if not a.isSeparator()]
    assert labels[:2] == ["&1 s8.json", "&2 s7.json"] and labels[-1] == "Clear the list"
    # Choosing an entry opens it, at the step it was saved at.
    [action for action in window.menus.recent.actions() if action.text() == "&4 s4.json"][0].trigger()
    assert window.bridge.session.stepper.position == 5 and window.files.recent_files()[0] == paths[4]
    # An entry that no longer opens is named and leaves the list.
    Path(paths[3]).write_text("{")
    assert window.files.open_recent(paths[3]) is False
    assert messages[-1][:2] == ("warning", "Cannot open this network") and "s3.json was not opened: not valid JSON" in messages[-1][2]
    assert paths[3] not in window.files.recent_files()
    closed(window)


# ---------------------------------------------------------------------------------------------- launch


def test_the_last_session_reopens_at_launch(qtbot, tmp_path, settings):
    first = make_window(qtbot, load_preset("deep-sigmoid"), settings)
    first.bridge.go_to_step(30)
    first.files.save_as(str(tmp_path / "last.json"))
    record = first.bridge.session.record
    closed(first)
    second = launch_window(None, None, settings)
    qtbot.addWidget(second)
    assert second.bridge.session.file.path == (tmp_path / "last.json").absolute()
    assert_records_identical(second.bridge.session.record, record)
    assert second.ask_to_save  # the launched app asks before losing work
    second.ask_to_save = False
    closed(second)


def test_a_last_session_that_no_longer_loads_falls_back_to_the_default_preset(qtbot, tmp_path, settings):
    (tmp_path / "gone.json").write_text('{"layers": [2, 2], "session": 3}')
    settings.setValue("session/last", str(tmp_path / "gone.json"))
    window = launch_window(None, None, settings)
    qtbot.addWidget(window)
    assert window.bridge.session.experiment.name == "tiny-sigmoid"
    assert window.statusBar().currentMessage() == (
        f"Could not reopen the last session {tmp_path / 'gone.json'} (session: must be an object (what was on "
        "screen), got 3); this is the tiny-sigmoid preset."
    )
    assert settings.value("session/last") is None
    window.ask_to_save = False
    closed(window)


def test_a_bad_file_on_the_command_line_opens_the_default_preset_with_a_message_box(qtbot, tmp_path, settings, messages, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text('{"layers": [1, 0]}')
    window = launch_window(bad, None, settings)
    qtbot.addWidget(window)
    assert window.isVisible() and window.bridge.session.experiment.name == "tiny-sigmoid"
    assert messages == [("warning", "Cannot open this network", "bad.json was not opened: layers[1]: must be a whole number from 1 to 512, got 0")]
    assert capsys.readouterr().err == f"gradviz: could not open {bad}; showing the tiny-sigmoid preset\n"
    window.ask_to_save = False
    closed(window)


def test_a_session_file_on_the_command_line_opens_as_saved(qtbot, tmp_path, settings):
    first = make_window(qtbot, load_preset("tiny-relu"))
    first.bridge.go_to_step(13)
    first.files.save_as(str(tmp_path / "given.json"))
    closed(first)
    window = launch_window(tmp_path / "given.json", None, settings)
    qtbot.addWidget(window)
    assert window.bridge.session.stepper.position == 13 and window.bridge.session.record.step == 5
    window.ask_to_save = False
    closed(window)


BAD_SETTINGS = """[window]
geometry=garbage
state=3
theme=neon
[session]
recent=@Size(1 2)
"""


def test_corrupt_settings_fall_back_are_removed_and_are_named_in_one_status_line(qtbot, tmp_path):
    conf = tmp_path / "gradviz.conf"
    conf.write_text(BAD_SETTINGS)
    settings = QtCore.QSettings(str(conf), QtCore.QSettings.Format.IniFormat)
    window = MainWindow(load_preset("tiny-sigmoid"), None, settings)
    qtbot.addWidget(window)
    assert window.statusBar().currentMessage() == ""  # shown with the window, so it hides the step line
    window.show()
    message = window.statusBar().currentMessage()
    assert not window.status.step.isVisible()
    assert message == (
        "Settings reset to their defaults: window/theme: the text 'neon' is not a theme (screen, slides); "
        "session/recent: a QSize is not a list of file paths; window/geometry: the text 'garbage' is not window data; "
        "window/state: the text '3' is not window data."
    )
    assert window.theme is SCREEN and window.files.recent_files() == []
    reread = QtCore.QSettings(str(conf), QtCore.QSettings.Format.IniFormat)
    assert [reread.value(k) for k in ("window/geometry", "window/state", "window/theme", "session/recent")] == [None] * 4
    closed(window)
    # Closing writes good values, and the next launch has nothing to say.
    again = MainWindow(load_preset("tiny-sigmoid"), None, QtCore.QSettings(str(conf), QtCore.QSettings.Format.IniFormat))
    qtbot.addWidget(again)
    again.show()
    assert again.statusBar().currentMessage() == ""
    again.close()


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        ("window/geometry", QtCore.QByteArray(b"\x01\x02junk"), "window/geometry: window data this gradviz cannot restore"),
        ("window/state", QtCore.QByteArray(b"junk"), "window/state: a panel layout this gradviz cannot restore"),
        ("window/geometry", 7, "window/geometry: the number 7 is not window data"),
        ("window/state", ["a", "b"], "window/state: a list of 2 is not window data"),
        ("window/theme", 1, "window/theme: the number 1 is not a theme (screen, slides)"),
        ("session/recent", ["/a.json", 3], "session/recent: a list of 2 is not a list of file paths"),
        ("session/last", ["/a.json"], "session/last: a list of 1 is not a file path"),
    ],
)
def test_each_kind_of_bad_setting_is_refused(qtbot, settings, key, value, problem):
    settings.setValue(key, value)
    window = launch_window(None, None, settings)
    qtbot.addWidget(window)
    assert window.statusBar().currentMessage() == f"Settings reset to their defaults: {problem}."
    assert settings.value(key) is None
    window.ask_to_save = False
    closed(window)


def test_a_one_entry_recent_list_survives_the_ini_format(qtbot, tmp_path):
    conf = tmp_path / "gradviz.conf"
    (tmp_path / "one.json").write_text("{}")
    conf.write_text(f"[session]\nrecent={tmp_path / 'one.json'}\n")  # how QSettings writes a list of one path
    window = MainWindow(load_preset("tiny-sigmoid"), None, QtCore.QSettings(str(conf), QtCore.QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.show()
    assert window.files.recent_files() == [str(tmp_path / "one.json")] and window.statusBar().currentMessage() == ""
    closed(window)


# ---------------------------------------------------------------------------------------------- interpreter exit

EXIT_SCRIPT = """
import sys
from PySide6 import QtCore, QtWidgets
from gradviz.files.network_file import load_preset
from gradviz.ui.app import make_app
from gradviz.ui.main_window import MainWindow

app = make_app()
windows = []
for name in ("deep-sigmoid", "tiny-sigmoid"):
    window = MainWindow(load_preset(name), ask_to_save=True)
    window.show()
    windows.append(window)
first = windows[0]
first.docks["inspector"].setFloating(True)
first.select(("edge", 1, 0, 0))
first.bridge.set_compare_active(True)
first.bridge.set_playing(True)
windows[1].bridge.start_training(100000)
for _ in range(5):
    app.processEvents()
print("left open", flush=True)
"""


@pytest.mark.parametrize("platform", ["offscreen", "xcb"])
def test_windows_left_open_at_interpreter_exit_do_not_crash(tmp_path, platform):
    env = {**os.environ, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": platform, "HOME": str(tmp_path)}
    command = [sys.executable, "-c", EXIT_SCRIPT]
    if platform == "xcb":
        if not (os.environ.get("DISPLAY") or _has_xvfb()):
            pytest.skip("no X display and no xvfb-run")
        if not os.environ.get("DISPLAY"):
            command = ["xvfb-run", "-a", *command]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout == "left open\n"
    for sign in ("Segmentation fault", "Traceback", "Fatal", "QThread: Destroyed", "QBasicTimer"):
        assert sign not in result.stderr, result.stderr[-2000:]


def _has_xvfb() -> bool:
    import shutil

    return shutil.which("xvfb-run") is not None


# ---------------------------------------------------------------------------------------------- command line


def _pixels(path: Path) -> QtGui.QImage:
    image = QtGui.QImage(str(path))
    assert not image.isNull()
    return image


def test_export_of_a_session_file_draws_the_saved_step(qapp, tmp_path, capsys):
    from gradviz.cli import main
    from gradviz.files.network_file import save_network
    from gradviz.core.session import Session

    tiny = load_preset("tiny-sigmoid")
    save_network(tiny, tmp_path / "net.json")
    session = Session(tiny)
    session.go_to_step(5)  # backward, layer 2, in the first pass: the current weights are still the file's
    save_session_file(session, tmp_path / "s.json")
    assert main(["export", str(tmp_path / "s.json"), "--out", str(tmp_path / "saved.png")]) == 0
    assert main(["export", str(tmp_path / "net.json"), "--step", "5", "--out", str(tmp_path / "five.png")]) == 0
    assert main(["export", str(tmp_path / "s.json"), "--step", "backward", "--out", str(tmp_path / "seven.png")]) == 0
    capsys.readouterr()
    saved, five, seven = (_pixels(tmp_path / f"{n}.png") for n in ("saved", "five", "seven"))
    assert saved == five and saved != seven


def test_train_reads_a_session_file_at_its_current_weights(qapp, tmp_path, capsys):
    from gradviz.cli import main
    from gradviz.core.session import Session
    from gradviz.core.training import train

    session = Session(load_preset("tiny-relu"))
    session.go_to_step(2 * 8 + 3)  # two SGD updates in
    save_session_file(session, tmp_path / "s.json")
    current = session.network
    assert main(["train", str(tmp_path / "s.json"), "--steps", "3", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    e = session.experiment
    expected = train(current, e.inputs, e.targets, e.loss, e.learning_rate, 3)
    assert [step["loss"] for step in printed["history"]] == list(expected.losses)


def test_a_training_run_counts_as_unsaved_and_a_bad_file_does_not_stop_it(qtbot, tmp_path, messages):
    window = make_window(qtbot, load_preset("tiny-sigmoid"), ask_to_save=True)
    bad = tmp_path / "bad.json"
    bad.write_text("[")
    window.bridge.start_training(100000)
    messages.answers[:] = [Button.Discard]
    assert window.files.open_file(str(bad)) is False
    assert [m[:2] for m in messages] == [("question", "Unsaved changes"), ("warning", "Cannot open this network")]
    assert window.bridge.training  # the file was refused before the run was touched
    window.bridge.cancel_training()
    window.ask_to_save = False
    closed(window)


@pytest.mark.parametrize("key", ["theme", "geometry"])
def test_a_mangled_variant_is_one_more_bad_setting(qtbot, tmp_path, key):
    conf = tmp_path / "gradviz.conf"
    mangled = "@Variant(\\0\\0\\0\\x7f\\0\\0\\0\\x18PySide::PyObjectWrapper\\0\\0\\0\\0\\x1)"
    other = "geometry" if key == "theme" else "theme"
    conf.write_text(f"[window]\n{other}={'slides' if other == 'theme' else 'garbage'}\n{key}={mangled}\n")
    window = MainWindow(load_preset("tiny-sigmoid"), None, QtCore.QSettings(str(conf), QtCore.QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.show()
    message = window.statusBar().currentMessage()
    assert message.startswith("Settings reset to their defaults: ") and f"window/{key}: could not be read" in message
    assert window.theme.name == ("screen" if key == "theme" else "slides")
    assert "PyObjectWrapper" not in conf.read_text()
    closed(window)


def test_the_first_launch_fills_the_screen_and_a_later_one_comes_back_as_left(qtbot, settings):
    Maximized = QtCore.Qt.WindowState.WindowMaximized
    first = launch_window(load_preset("tiny-sigmoid"), None, settings)
    qtbot.addWidget(first)
    assert first.windowState() & Maximized  # no saved size yet: a projector's whole screen
    first.showNormal()
    first.resize(780, 560)  # inside the 800 x 800 offscreen screen (the window's smallest size may widen it)
    left_at = (first.width(), first.height())
    assert left_at[1] == 560
    first.ask_to_save = False
    closed(first)
    second = launch_window(load_preset("tiny-sigmoid"), None, settings)
    qtbot.addWidget(second)
    assert not second.windowState() & Maximized
    assert (second.width(), second.height()) == left_at
    second.ask_to_save = False
    closed(second)


def test_file_dialogs_start_in_the_current_or_newest_files_folder_else_home(qtbot, tmp_path, settings, monkeypatch):
    """Not in whatever folder the program was started from: the current file's, else the newest recent
    file's, else the home folder. Open, Save As, Export and Save lab all start there."""
    monkeypatch.chdir(tmp_path)  # the folder the program was started from
    window = make_window(qtbot, load_preset("tiny-sigmoid"), settings)
    assert window.files.start_folder() == Path.home()
    asked = []

    def answer(*args, **kwargs):
        asked.append(args[2])
        return "", ""

    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName", staticmethod(answer))
    monkeypatch.setattr(QtWidgets.QFileDialog, "getOpenFileName", staticmethod(answer))
    window.files.save_as()
    window.files.open_file(ask=False)
    assert asked == [str(Path.home() / "tiny-sigmoid.json"), str(Path.home())]
    # A session saved elsewhere: the dialogs start in its folder, and so does the export's file name.
    lessons = tmp_path / "lessons"
    lessons.mkdir()
    assert window.files.save_as(str(lessons / "week3.json"))
    asked.clear()
    window.files.open_file(ask=False)
    assert asked == [str(lessons)]
    from gradviz.ui.export_dialog import ExportDialog

    dialog = ExportDialog(window)
    assert Path(dialog.path.text()).parent == lessons
    dialog.deleteLater()
    window.lab.open_preset("xor")
    asked.clear()
    window.lab.save_lab_as()
    assert asked == [str(lessons / "lab.json")]
    # A new session has no file: the newest recent file's folder.
    assert window.files.new_session()
    assert window.bridge.session.file.path is None and window.files.start_folder() == lessons
    closed(window)
