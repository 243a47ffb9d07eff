"""The window's Save As and the export dialog follow the command line's rules for output paths."""

from __future__ import annotations

import os
import stat

import pytest
from PySide6 import QtWidgets

from gradviz.files.sniff import load_session
from gradviz.ui.export_dialog import ExportDialog
from tests.qt_helpers import shown_window


@pytest.fixture
def warnings_shown(monkeypatch):
    shown = []
    monkeypatch.setattr(QtWidgets.QMessageBox, "warning", lambda parent, title, text: shown.append(text))
    return shown


def test_save_as_onto_a_named_pipe_is_one_message_and_the_pipe_stays(qtbot, tmp_path, warnings_shown):
    window = shown_window(qtbot)
    pipe = tmp_path / "session.json"
    os.mkfifo(pipe)
    assert not window.files.save_as(str(pipe))
    assert len(warnings_shown) == 1 and "it is a named pipe (FIFO), not a regular file" in warnings_shown[0]
    assert stat.S_ISFIFO(os.lstat(pipe).st_mode)


def test_save_as_through_a_symlink_writes_its_target(qtbot, tmp_path, warnings_shown):
    window = shown_window(qtbot)
    (tmp_path / "sessions").mkdir()
    link = tmp_path / "current.json"
    link.symlink_to("sessions/monday.json")
    assert window.files.save_as(str(link)), warnings_shown
    assert link.is_symlink() and os.readlink(link) == "sessions/monday.json"
    assert load_session(tmp_path / "sessions" / "monday.json").experiment.name == "tiny-sigmoid"


def test_the_export_dialog_refuses_a_pipe_and_writes_a_255_byte_name(qtbot, tmp_path, warnings_shown):
    window = shown_window(qtbot)
    pipe = tmp_path / "diagram.png"
    os.mkfifo(pipe)
    dialog = ExportDialog(window)
    qtbot.addWidget(dialog)
    dialog.by_width.setChecked(True)
    dialog.width.setValue(64)
    dialog.path.setText(str(pipe))
    assert not dialog.export()
    assert warnings_shown == [f"cannot write {pipe}: it is a named pipe (FIFO), not a regular file"]
    long_name = tmp_path / ("n" * 251 + ".png")
    dialog.path.setText(str(long_name))
    assert dialog.export(), warnings_shown
    assert long_name.read_bytes()[:4] == b"\x89PNG"
