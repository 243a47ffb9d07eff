"""The window's parts: the Inspector comes to the front on a selection, presenter mode gives the dock tabs back
whole, one arrow key is one signal, and the one settings store is the only writer of QSettings."""

from __future__ import annotations

import ast
import pathlib

import pytest
from PySide6 import QtCore, QtWidgets

import gradviz
import numpy as np

from tests.qt_helpers import press, shown_window

Key = QtCore.Qt.Key


def active_window(qtbot, preset: str, size) -> object:
    """A shown window that has the keyboard (offscreen, a window shown is not made active by itself)."""
    window = shown_window(qtbot, preset, size)
    window.activateWindow()
    qtbot.waitUntil(lambda: QtWidgets.QApplication.activeWindow() is window)
    return window


def front_tab(window, dock_name: str) -> bool:
    """Whether ``dock_name``'s tab is the current one of its tab bar (its panel is the one shown)."""
    dock = window.docks[dock_name]
    for bar in window.findChildren(QtWidgets.QTabBar):
        titles = [bar.tabText(i) for i in range(bar.count())]
        if dock.windowTitle() in titles and bar.isVisible():
            return bar.tabText(bar.currentIndex()) == dock.windowTitle()
    return not dock.visibleRegion().isEmpty()


@pytest.mark.parametrize("size", [(1280, 720), (1500, 950)])
def test_clicking_a_neuron_or_an_edge_brings_the_inspector_to_the_front(qtbot, size):
    window = shown_window(qtbot, "tiny-sigmoid", size)
    window.docks["controls"].raise_()
    window.docks["gradient-bars"].raise_()
    QtWidgets.QApplication.processEvents()
    assert not front_tab(window, "inspector")
    window.diagram.sigNeuronClicked.emit(1, 0)  # what a click on a neuron sends
    QtWidgets.QApplication.processEvents()
    assert front_tab(window, "inspector")
    assert window.inspector.isVisible()
    window.docks["controls"].raise_()
    QtWidgets.QApplication.processEvents()
    assert not front_tab(window, "inspector")
    window.diagram.sigEdgeClicked.emit(2, 0, 0)
    QtWidgets.QApplication.processEvents()
    assert front_tab(window, "inspector")


def test_a_selection_made_in_the_session_brings_the_inspector_to_the_front(qtbot):
    window = shown_window(qtbot, "tiny-sigmoid", (1500, 950))
    window.docks["controls"].raise_()
    QtWidgets.QApplication.processEvents()
    assert not front_tab(window, "inspector")
    window.bridge.session.view.select(("neuron", 0, 0))  # the session alone, as a script would
    window.bridge.announce()
    QtWidgets.QApplication.processEvents()
    assert front_tab(window, "inspector")


def whole_tab_titles(window) -> list[tuple[str, bool]]:
    """Each visible dock tab's title, and whether it is drawn whole (not elided and wide enough)."""
    shown = []
    for bar in window.findChildren(QtWidgets.QTabBar):
        if not bar.isVisible():
            continue
        for i in range(bar.count()):
            text = bar.tabText(i)
            whole = bar.elideMode() == QtCore.Qt.TextElideMode.ElideNone and bar.tabRect(i).width() >= bar.fontMetrics().horizontalAdvance(text)
            shown.append((text, whole))
    return sorted(shown)


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)])
def test_leaving_presenter_mode_gives_the_dock_tabs_back_with_their_whole_titles(qtbot, size):
    window = active_window(qtbot, "deep-sigmoid", size)
    before = whole_tab_titles(window)
    assert before and all(whole for _, whole in before)
    press(qtbot, window, Key.Key_F5)
    assert window.presenter.active
    press(qtbot, window, Key.Key_F5)
    QtWidgets.QApplication.processEvents()
    assert not window.presenter.active
    assert whole_tab_titles(window) == before


def test_presenter_mode_draws_its_own_bars_from_the_registry_and_leaves_the_docked_ones_in_place(qtbot):
    window = active_window(qtbot, "deep-sigmoid", (1280, 720))
    docked = window.gradient_bars
    window.presenter.set_active(True)
    ((spec, bars),) = window.presenter.page.views
    assert spec.name == "gradient-bars" and bars is not docked
    assert window.docks["gradient-bars"].widget() is docked
    press(qtbot, window, Key.Key_End)  # the whole backward pass: every layer's bars shown
    depth = window.bridge.session.network.depth
    assert bars.bar_heights().shape == docked.bar_heights().shape == (2, depth)
    assert np.isfinite(bars.bar_heights()).all()
    np.testing.assert_array_equal(bars.bar_heights(), docked.bar_heights())
    window.presenter.set_active(False)
    assert window.presenter.page is None


def test_one_arrow_key_is_one_bridge_signal(qtbot):
    window = active_window(qtbot, "tiny-sigmoid", (1280, 720))
    emitted = []
    bridge = window.bridge
    for name in ("sigSnapshot", "sigPlayingChanged", "sigTrainingStarted", "sigTrainingProgress", "sigTrainingFinished",
                 "sigEditRefused", "sigStatusMessage"):  # fmt: skip
        getattr(bridge, name).connect(lambda *args, n=name: emitted.append(n))
    press(qtbot, window, Key.Key_Right)
    assert emitted == ["sigSnapshot"] and window.bridge.session.record.step == 1
    emitted.clear()
    press(qtbot, window, Key.Key_Left)
    assert emitted == ["sigSnapshot"]


def setting_writes(tree: ast.AST) -> list[int]:
    """Lines calling ``setValue``, ``remove`` or ``sync`` on something named like a settings object."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("setValue", "remove", "sync", "clear"):
            target = ast.unparse(node.func.value).lower()
            if "settings" in target or "qsettings" in target:
                lines.append(node.lineno)
    return lines


def test_only_the_settings_store_writes_settings():
    package = pathlib.Path(gradviz.__file__).parent
    store = package / "ui" / "settings.py"
    writers = {}
    for path in package.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        lines = setting_writes(ast.parse(text))
        if lines and path != store:
            writers[str(path.relative_to(package))] = lines
        if path != store and path.name != "app.py":
            assert "QSettings(" not in text, path  # the app makes the one QSettings the store wraps
    assert writers == {}
    assert setting_writes(ast.parse(store.read_text(encoding="utf-8")))  # the check finds the store's own writes


def test_a_new_docked_view_gets_a_dock_a_view_menu_entry_and_its_snapshots(qtbot, monkeypatch):
    """What adding a view module and its registry line does: here a "probe" view placed at the bottom."""
    import sys
    import types

    from gradviz.ui.views import registry

    drawn = []
    module = types.ModuleType("gradviz.ui.views.probe")
    module.VIEW = registry.ViewSpec("probe", "Probe", "bottom", lambda theme: QtWidgets.QLabel("probe"), lambda w: w,
                                    lambda widget, shot, before: drawn.append(shot.cursor.step))  # fmt: skip
    monkeypatch.setitem(sys.modules, "gradviz.ui.views.probe", module)
    monkeypatch.setattr(registry, "VIEW_MODULES", (*registry.VIEW_MODULES, ("probe", "probe")))
    monkeypatch.setattr(registry, "VIEW_NAMES", (*registry.VIEW_NAMES, "probe"))
    window = shown_window(qtbot, "tiny-sigmoid", (1500, 950))
    dock = window.docks["probe"]
    assert dock.widget() is window.view_widgets["probe"] and dock.windowTitle() == "Probe"
    assert dock.toggleViewAction() in window.menus.view.actions()
    window.bridge.step_forward()
    assert drawn[-1] == 1
