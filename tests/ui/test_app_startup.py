"""The checks before Qt starts: a display that cannot be opened, or a missing system library of Qt's xcb
plugin, give one line on stderr and exit code 2 instead of Qt's abort."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gradviz.ui import app
from tests.helpers import run_under_xvfb

ROOT = Path(__file__).resolve().parents[2]

# ldd's output for Qt's xcb plugin on a desktop without libxcb-cursor0 (Ubuntu 24.04, trimmed).
LDD_WITHOUT_CURSOR = """\
\tlinux-vdso.so.1 (0x00007ffc5a1f2000)
\tlibQt6XcbQpa.so.6 => /opt/PySide6/Qt/lib/libQt6XcbQpa.so.6 (0x00007f2a1c000000)
\tlibxcb-cursor.so.0 => not found
\tlibxcb-icccm.so.4 => /lib/x86_64-linux-gnu/libxcb-icccm.so.4 (0x00007f2a1bff0000)
\tlibxcb-cursor.so.0 => not found
\tlibxkbcommon-x11.so.0 => not found
\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f2a1b800000)
"""


def _free_x_display(start: int = 99) -> str:
    number = start
    while Path(f"/tmp/.X11-unix/X{number}").exists() or Path(f"/tmp/.X{number}-lock").exists():
        number += 1
    return f":{number}"


def _launch(extra_env: dict[str, str], tmp_path) -> subprocess.CompletedProcess:
    display_variables = ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "XDG_SESSION_TYPE")
    env = {k: v for k, v in os.environ.items() if k not in display_variables}
    env.update(PYTHONPATH=str(ROOT), XDG_CONFIG_HOME=str(tmp_path), **extra_env)
    return subprocess.run(
        [sys.executable, "-m", "gradviz", "--preset", "deep-sigmoid"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11 and Wayland displays are Linux's")
def test_an_x_display_without_a_server_gives_one_line_and_exit_2(tmp_path):
    display = _free_x_display()
    result = _launch({"DISPLAY": display}, tmp_path)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("gradviz: error: ") and repr(display) in lines[0]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11 and Wayland displays are Linux's")
def test_a_bogus_wayland_display_gives_one_line_and_exit_2(tmp_path):
    result = _launch(
        {
            "WAYLAND_DISPLAY": "gradviz-no-such-compositor",
            "XDG_SESSION_TYPE": "wayland",
            "XDG_RUNTIME_DIR": str(tmp_path),
        },
        tmp_path,
    )
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "'gradviz-no-such-compositor'" in lines[0] and "DISPLAY is not set" in lines[0]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11 and Wayland displays are Linux's")
def test_no_display_at_all_gives_one_line_and_exit_2(tmp_path):
    result = _launch({}, tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines() == [
        "gradviz: error: no display to open the window on (neither DISPLAY nor WAYLAND_DISPLAY is set); "
        "`gradviz export` draws every view without one"
    ]


def test_missing_libraries_are_read_from_ldd_output():
    assert app.missing_from_ldd(LDD_WITHOUT_CURSOR) == ["libxcb-cursor.so.0", "libxkbcommon-x11.so.0"]
    assert app.missing_from_ldd("\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x1)\n") == []


def test_a_missing_library_names_it_and_the_apt_get_line():
    assert app.missing_library_message(["libxcb-cursor.so.0"]) == (
        "Qt cannot open an X11 window: the system library libxcb-cursor.so.0 is missing; "
        "install it with: sudo apt-get install libxcb-cursor0"
    )
    two = app.missing_library_message(["libxcb-cursor.so.0", "libxkbcommon-x11.so.0"])
    assert "libraries libxcb-cursor.so.0, libxkbcommon-x11.so.0 are missing" in two
    assert two.endswith("sudo apt-get install libxcb-cursor0 libxkbcommon-x11-0")
    unknown = app.missing_library_message(["libfoo.so.3"])
    assert "libfoo.so.3 is missing" in unknown and "apt-file search" in unknown and "\n" not in unknown


def test_the_xcb_check_reports_a_missing_library_before_trying_the_display():
    problem = app.display_problem({"DISPLAY": ":0"}, xcb_missing=lambda: ["libxcb-cursor.so.0"])
    if not sys.platform.startswith("linux"):
        assert problem is None
        return
    assert problem.endswith("sudo apt-get install libxcb-cursor0")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Qt's xcb plugin is Linux's")
def test_the_installed_xcb_plugin_loads_here():
    # This machine has Qt's xcb libraries (.ci/run installs them): the real check finds nothing missing.
    assert app._installed_xcb_missing() == []


def test_platforms_without_a_display_server_are_not_checked():
    assert app.display_problem({"QT_QPA_PLATFORM": "offscreen"}) is None
    assert app.display_problem({"QT_QPA_PLATFORM": "vnc:size=800x600"}) is None


# Launches the window through the command line, as a user does, and exits 0 once it has painted.
FIRST_PAINT_SCRIPT = r"""
import os
from PySide6 import QtCore
import gradviz.ui.app as app_module

class FirstPaint(QtCore.QObject):
    def eventFilter(self, obj, event):
        if event.type() == QtCore.QEvent.Type.Paint and obj.isWidgetType() and obj.window().isVisible():
            on_x = QtCore.QCoreApplication.instance().platformName() == "xcb"
            QtCore.QTimer.singleShot(0, lambda: os._exit(0 if on_x else 3))
        return False

first_paint = FirstPaint()
make_app = app_module.make_app

def make_app_noting_the_first_paint():
    app = make_app()
    app.installEventFilter(first_paint)
    return app

app_module.make_app = make_app_noting_the_first_paint
from gradviz.cli import main
raise SystemExit(main(["--preset", "tiny-sigmoid"]))
"""


@pytest.mark.xcb
def test_a_working_x_display_passes_the_check_and_the_window_paints(tmp_path):
    # Through the command line on a bare X server, as a launcher starts it: the check must find nothing
    # wrong, and must leave the server usable for Qt's own connection (it holds its probe until then).
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env.update(PYTHONPATH=str(ROOT), XDG_CONFIG_HOME=str(tmp_path))
    result = run_under_xvfb(FIRST_PAINT_SCRIPT, screen="1280x720", env=env)
    assert result.returncode == 0, result.stderr[-3000:]
