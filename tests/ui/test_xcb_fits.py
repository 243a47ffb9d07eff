"""The real window on Qt's xcb platform under Xvfb at 1280x720 opens inside the screen, in both themes.

It skips where xvfb-run is missing, unless GRADVIZ_REQUIRE_XVFB=1 (set by .ci/run), where it fails.
"""

from __future__ import annotations

import json
import os

import pytest

from tests.helpers import run_under_xvfb

pytestmark = pytest.mark.xcb

SCRIPT = r"""
import json, sys
from PySide6 import QtTest, QtWidgets
from gradviz.files.network_file import load_preset
from gradviz.ui.app import make_app
from gradviz.ui.main_window import MainWindow
from gradviz.ui.theme import THEMES

app = make_app()
window = MainWindow(load_preset("deep-sigmoid"), THEMES[sys.argv[1]])
window.show()
exposed = QtTest.QTest.qWaitForWindowExposed(window, 10000)
QtTest.QTest.qWait(300)
available = window.screen().availableGeometry()
frame = window.frameGeometry()
plots = {}
for name in ("gradient-bars", "activation", "depth-chain", "training"):
    window.docks[name].raise_()
    QtTest.QTest.qWait(100)
    panel = window.docks[name].widget()
    items = panel.plot_items() if hasattr(panel, "plot_items") else [
        panel.plot_item() if hasattr(panel, "plot_item") else panel.plot_widget().getPlotItem()]
    plots[name] = [[item.vb.width(), item.vb.height()] for item in items]
print(json.dumps({
    "platform": app.platformName(), "exposed": bool(exposed),
    "available": [available.x(), available.y(), available.width(), available.height()],
    "frame": [frame.x(), frame.y(), frame.width(), frame.height()],
    "plots": plots,
    "compact": window.compact_layout, "diagram": [window.diagram.width(), window.diagram.height()],
    "height": window.height(),
}))
window.close()
"""


@pytest.mark.parametrize("theme", ["screen", "slides"])
def test_the_real_window_fits_a_1280x720_screen(tmp_path, theme):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["QT_QPA_PLATFORM"] = "xcb"
    env["HOME"] = str(tmp_path)  # a fresh QSettings
    result = run_under_xvfb(SCRIPT, theme, screen="1280x720", env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads([l for l in result.stdout.splitlines() if l.startswith("{")][-1])
    assert report["platform"] == "xcb" and report["exposed"] is True
    ax, ay, aw, ah = report["available"]
    fx, fy, fw, fh = report["frame"]
    assert (aw, ah) == (1280, 720)
    # The whole window, frame included, lies inside the screen's available area.
    assert ax <= fx and ay <= fy and fx + fw <= ax + aw and fy + fh <= ay + ah, report
    # A 720-pixel screen gets the compact layout: the plots tabbed on the right, the diagram the height.
    assert report["compact"] is True
    assert report["diagram"][1] >= 0.6 * report["height"], report
    for name, sizes in report["plots"].items():
        for width, height in sizes:
            assert width >= 200 and height >= 100, (name, width, height)
