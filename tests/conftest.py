"""Test-wide setup: Qt runs offscreen, and no test may leave a running QTimer, thread or window behind."""

from __future__ import annotations

import gc
import os
import shutil
import sys
import tempfile
import weakref
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

PACKAGE_DIR = str(Path(__file__).resolve().parents[1] / "gradviz")

#: The home folder of the whole run, empty, set before anything reads HOME (QSettings, pip, Python's
#: expanduser); the XDG folders of settings and data are unset, so they default to inside it.
#: Tests write only to their own tmp_path: a test that leaves anything here fails, naming what it left.
TEST_HOME = Path(tempfile.mkdtemp(prefix="gradviz-test-home-"))
os.environ["HOME"] = str(TEST_HOME)
for _variable in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
    os.environ.pop(_variable, None)
#: Caches go apart: a machine whose system font cache is stale has fontconfig write its own (and Mesa
#: keeps compiled shaders) on first use. They are no test's output, and a new machine must not fail on them.
TEST_CACHE = Path(tempfile.mkdtemp(prefix="gradviz-test-cache-"))
os.environ["XDG_CACHE_HOME"] = str(TEST_CACHE)
#: The folder the run starts in (the source folder, usually): tests write nothing there either.
START_FOLDER = Path.cwd()
#: What Python and pytest themselves leave in the start folder.
START_FOLDER_ALLOWED = {"__pycache__", ".pytest_cache"}

try:  # Hypothesis keeps its examples and caches in ./.hypothesis unless told where else.
    from hypothesis.configuration import set_hypothesis_home_dir

    set_hypothesis_home_dir(TEST_CACHE / "hypothesis")
except ImportError:
    pass


def _left_in(folder: Path) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*"))


def _empty(folder: Path) -> None:
    for path in folder.iterdir():
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()


@pytest.fixture(autouse=True)
def writes_nothing_outside_tmp():
    """Fail a test that writes to the home folder or to the folder the run started in."""
    started_with = set(os.listdir(START_FOLDER))
    yield
    problems = []
    in_home = _left_in(TEST_HOME)
    if in_home:
        _empty(TEST_HOME)  # so the next test starts clean and is not blamed
        problems.append(f"wrote to the home folder: {', '.join(in_home[:10])}")
    new_here = sorted(set(os.listdir(START_FOLDER)) - started_with - START_FOLDER_ALLOWED)
    if new_here:
        problems.append(f"wrote to {START_FOLDER}: {', '.join(new_here)}")
    if problems:
        pytest.fail("test " + "; ".join(problems) + " (write to tmp_path instead)", pytrace=False)


def pytest_sessionfinish(session, exitstatus):
    """Fail the run if anything reached the home folder after the last test (and remove that folder)."""
    left = _left_in(TEST_HOME)
    shutil.rmtree(TEST_HOME, ignore_errors=True)
    shutil.rmtree(TEST_CACHE, ignore_errors=True)
    if left:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(f"gradviz: the tests left files in the home folder: {', '.join(left[:10])}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


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
    # The garbage collector waits until the walk below is over: a collection in it could delete a window
    # (its wrapper's C++ object) while Qt lists the top-level widgets; CI crashed once in this walk.
    collecting = gc.isenabled()
    gc.disable()
    try:
        problems = _qt_leftovers(app, timers, threads)
    finally:
        if collecting:
            gc.enable()
    if problems:
        pytest.fail("test left Qt objects behind: " + "; ".join(problems), pytrace=False)


def _qt_leftovers(app, timers, threads) -> list[str]:
    from PySide6 import QtCore

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
    return problems


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
