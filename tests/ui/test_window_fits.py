"""The slides window fits a projector (#17 item 6): at 1280x720 and 1920x1080 the toolbar keeps every
control (no "»" menu), each dock panel is whole, and the Help dialogs are inside the screen."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from PySide6 import QtCore, QtWidgets

from gradviz.ui.theme import SCREEN, SLIDES
from gradviz.ui.window.dialogs import about_dialog, shortcuts_dialog
from tests.qt_helpers import shown_window

SIZES = [(1280, 720), (1920, 1080)]


def extension_button(toolbar: QtWidgets.QToolBar) -> QtWidgets.QToolButton:
    (button,) = [b for b in toolbar.findChildren(QtWidgets.QToolButton) if b.objectName() == "qt_toolbar_ext_button"]
    return button


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("theme", [SLIDES, SCREEN], ids=["slides", "screen"])
def test_the_toolbar_keeps_every_control_out_of_the_overflow_menu(qtbot, size, theme):
    window = shown_window(qtbot, "tiny-sigmoid", size)
    window.set_theme(theme)
    QtWidgets.QApplication.processEvents()
    toolbar = window.toolbar
    assert not extension_button(toolbar).isVisible()
    # Every control is on the bar itself, the colour chooser included, wholly inside the window.
    for widget in (toolbar.color_mode, toolbar.speed, *(toolbar.widgetForAction(a) for a in window.act.stepping())):
        assert widget.isVisible()
        right = widget.mapTo(window, QtCore.QPoint(widget.width(), 0)).x()
        assert right <= window.width()


@pytest.mark.parametrize("size", SIZES)
def test_the_network_panel_is_whole_in_the_slides_theme(qtbot, size):
    window = shown_window(qtbot, "tiny-sigmoid", size)
    window.set_theme(SLIDES)
    window.reset_layout()
    window.docks["controls"].raise_()
    QtWidgets.QApplication.processEvents()
    scroll = window.docks["controls"].widget()
    form = scroll.widget()
    # Not cut at its right edge: the form has the width it needs, so nothing scrolls sideways.
    assert scroll.viewport().width() >= form.minimumSizeHint().width()
    assert not scroll.horizontalScrollBar().isVisible()


@pytest.mark.parametrize("make", [shortcuts_dialog, about_dialog], ids=["shortcuts", "about"])
def test_the_help_dialogs_are_inside_the_available_screen_in_the_slides_theme(qtbot, make):
    window = shown_window(qtbot, "tiny-sigmoid", (1280, 720))
    window.set_theme(SLIDES)
    dialog = make(window)
    qtbot.addWidget(dialog)
    dialog.show()
    QtWidgets.QApplication.processEvents()
    available = window.screen().availableGeometry()
    assert available.contains(dialog.frameGeometry())
    dialog.close()


SCRIPT = r"""
import json, sys
from PySide6 import QtWidgets, QtCore, QtGui
from gradviz.files.network_file import load_preset
from gradviz.ui.app import make_app
from gradviz.ui.main_window import MainWindow
from gradviz.ui.theme import THEMES
from gradviz.ui.window.dialogs import about_dialog, shortcuts_dialog

app = make_app()
window = MainWindow(load_preset("deep-sigmoid"), THEMES["slides"])
available = window.screen().availableGeometry()
window.setGeometry(available)
window.show()
for _ in range(3):
    app.processEvents()
ext = [b for b in window.toolbar.findChildren(QtWidgets.QToolButton) if b.objectName() == "qt_toolbar_ext_button"][0]
scroll = window.docks["controls"].widget()
window.docks["controls"].raise_()
app.processEvents()
dialogs = {}
for name, make in (("shortcuts", shortcuts_dialog), ("about", about_dialog)):
    dialog = make(window)
    dialog.show()
    app.processEvents()
    g = dialog.frameGeometry()
    dialogs[name] = [g.x(), g.y(), g.width(), g.height()]
    dialog.close()
cut = []  # the Network panel's choices, each of them, that its chooser would show cut
for combo in window.controls.findChildren(QtWidgets.QComboBox):
    if not combo.isVisibleTo(window.controls):
        continue
    option = QtWidgets.QStyleOptionComboBox()
    combo.initStyleOption(option)
    field = combo.style().subControlRect(QtWidgets.QStyle.ComplexControl.CC_ComboBox, option,
                                         QtWidgets.QStyle.SubControl.SC_ComboBoxEditField, combo)
    metrics = QtGui.QFontMetrics(combo.font())
    cut += [[combo.itemText(i), field.width()] for i in range(combo.count())
            if metrics.horizontalAdvance(combo.itemText(i)) > field.width()]
print(json.dumps({
    "screen": [available.x(), available.y(), available.width(), available.height()],
    "choices_cut": cut,
    "extension_visible": ext.isVisible(),
    "form_cut": scroll.viewport().width() < scroll.widget().minimumSizeHint().width(),
    "dialogs": dialogs,
}))
window.close()
"""


@pytest.mark.parametrize("size", SIZES)
def test_on_a_projector_sized_screen_the_slides_window_and_its_dialogs_fit(tmp_path, size):
    """A screen of exactly the projector's size (Qt's offscreen platform told so), the window filling it, the
    Network panel in front on deep-sigmoid (its longest fields and the initialiser it names)."""
    config = tmp_path / "screen.json"
    screen = {"name": "projector", "x": 0, "y": 0, "width": size[0], "height": size[1], "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}
    config.write_text(json.dumps({"screens": [screen]}), encoding="utf-8")
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={config}"}
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    facts = json.loads(done.stdout.strip().splitlines()[-1])
    assert facts["screen"] == [0, 0, *size]
    assert not facts["extension_visible"]
    assert not facts["form_cut"]
    # No chooser cut (item 6), whichever choice is made: "xavier_nor" beside the seed box, before.
    assert facts["choices_cut"] == []
    for name, (x, y, width, height) in facts["dialogs"].items():
        assert x >= 0 and y >= 0 and x + width <= size[0] and y + height <= size[1], name


PRESENTER_COMPARE = r"""
import json
from PySide6 import QtCore
from gradviz.files.network_file import load_preset
from gradviz.ui.app import make_app
from gradviz.ui.main_window import MainWindow

app = make_app()
window = MainWindow(load_preset("deep-sigmoid"))
window.show()
window.bridge.set_compare_active(True)
window.presenter.set_active(True)
for _ in range(5):
    app.processEvents()
window.bridge.run_to_end()
for _ in range(5):
    app.processEvents()
page = window.presenter.page
halves = [window.compare_view.left, window.compare_view.right]
plot_widget = page.views[0][1].plot_widget()
bars = plot_widget.getPlotItem().vb
axis_title = plot_widget.getPlotItem().getAxis("bottom").label
print(json.dumps({
    "window": [window.width(), window.height()],
    "columns": [view.neuron_center(1, 7).y() - view.neuron_center(1, 0).y() for view in halves],
    "middle": page.splitter.sizes()[0],
    "bars_plot": bars.height(),
    # The bars' x-axis title, in the plot widget's pixels: inside it, or cut at its bottom.
    # (the text's own box: a QGraphicsTextItem's bounding rect includes its document margin)
    "axis_title_bottom": plot_widget.mapFromScene(axis_title.mapRectToScene(axis_title.boundingRect().adjusted(
        0, 0, 0, -axis_title.document().documentMargin())).bottomLeft()).y(),
    "bars_widget_height": plot_widget.viewport().height(),
}))
window.presenter.set_active(False)
window.close()
"""


def test_presenter_mode_with_compare_on_a_1280_by_720_screen_keeps_the_networks_readable(tmp_path):
    """At 0.65 of the page, deep-sigmoid's 8 neurons a column were squeezed into 27 px in each half; the
    Compare view now takes 0.72, and the gradient bars below keep their axis title whole."""
    config = tmp_path / "screen.json"
    screen = {"name": "projector", "x": 0, "y": 0, "width": 1280, "height": 720, "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}
    config.write_text(json.dumps({"screens": [screen]}), encoding="utf-8")
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={config}"}
    done = subprocess.run([sys.executable, "-c", PRESENTER_COMPARE], capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    facts = json.loads(done.stdout.strip().splitlines()[-1])
    assert facts["window"] == [1280, 720]
    for column in facts["columns"]:
        assert column >= 60, facts  # 7 gaps between 8 neurons: at least 8.5 px a neuron (27 px before)
    assert facts["bars_plot"] >= 80, facts  # the bars below keep a plot to read
    assert facts["axis_title_bottom"] <= facts["bars_widget_height"] + 1, facts  # and their axis title whole
