"""Test-wide setup: Qt runs offscreen, and no test may leave a running QTimer, thread or window behind."""

from __future__ import annotations

import os
import sys
import weakref
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

PACKAGE_DIR = str(Path(__file__).resolve().parents[1] / "gradviz")


def _started_by_us() -> bool:
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_filename.startswith(PACKAGE_DIR):
            return True
        frame = frame.f_back
    return False


@pytest.fixture(autouse=True)
def no_qt_leftovers(request, monkeypatch):
    """Fail a test that leaves a gradviz QTimer running, a QThread running, or a window open."""
    if "PySide6" not in sys.modules and "qtbot" not in request.fixturenames and "qapp" not in request.fixturenames:
        yield
        return
    from PySide6 import QtCore, QtWidgets

    timers: list[weakref.ref] = []
    threads: list[weakref.ref] = []
    original_timer_start = QtCore.QTimer.start
    original_thread_start = QtCore.QThread.start

    def timer_start(self, *args):
        if _started_by_us():
            timers.append(weakref.ref(self))
        return original_timer_start(self, *args)

    def thread_start(self, *args):
        threads.append(weakref.ref(self))
        return original_thread_start(self, *args)

    monkeypatch.setattr(QtCore.QTimer, "start", timer_start)
    monkeypatch.setattr(QtCore.QThread, "start", thread_start)
    yield
    app = QtWidgets.QApplication.instance()
    if app is None:
        return
    app.processEvents()
    problems = []
    for ref in timers:
        timer = ref()
        try:
            if timer is not None and timer.isActive():
                problems.append(f"a QTimer (interval {timer.interval()} ms) is still running")
        except RuntimeError:  # the C++ object is already gone: fine
            pass
    for ref in threads:
        thread = ref()
        try:
            if thread is not None and thread.isRunning():
                problems.append("a QThread is still running")
        except RuntimeError:
            pass
    for widget in app.topLevelWidgets():
        if widget.isVisible() and widget.windowType() in (QtCore.Qt.WindowType.Window, QtCore.Qt.WindowType.Dialog):
            problems.append(f"a window is still open: {type(widget).__name__} {widget.windowTitle()!r}")
            widget.close()
    if problems:
        pytest.fail("test left Qt objects behind: " + "; ".join(problems), pytrace=False)


@pytest.fixture
def built_views(monkeypatch):
    """The names of the fresh views the headless exporter builds."""
    from gradviz import headless

    names = []
    original = headless.ExportView.__init__

    def spy(self, name, *args, **kwargs):
        names.append(name)
        original(self, name, *args, **kwargs)

    monkeypatch.setattr(headless.ExportView, "__init__", spy)
    return names
