"""Presenter mode: F5 in and out, the remote's keys, the black screen, and the layout given back exactly."""

import re
import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from gradviz.files.network_file import load_preset
from gradviz.ui.main_window import LAYOUT_VERSION, MainWindow
from gradviz.ui.theme import SCREEN
from tests.qt_helpers import press, shown_window

Key = QtCore.Qt.Key
FullScreen = QtCore.Qt.WindowState.WindowFullScreen


@pytest.fixture
def window(qtbot):
    return shown_window(qtbot, "deep-sigmoid", (1280, 720))


def visible_docks(window):
    return {name for name, dock in window.docks.items() if dock.isVisible()}


def layout_snapshot(window):
    QtWidgets.QApplication.processEvents()
    return {
        "state": bytes(window.saveState(LAYOUT_VERSION)),
        "docks": visible_docks(window),
        "theme": window.theme.name,
        "window_state": window.windowState(),
        "menu": window.menuBar().isVisible(),
        "toolbar": window.toolbar.isVisible(),
        "status": (window.status.step.isVisible(), window.status.health.isVisible(), window.statusBar().styleSheet()),
        "bars_in_dock": window.docks["gradient-bars"].widget() is window.gradient_bars,
        "central": window.centralWidget() is window.central,
        "size": (window.width(), window.height()),
    }


def black_share(widget) -> float:
    QtWidgets.QApplication.processEvents()
    image = widget.grab().toImage().convertToFormat(QtGui.QImage.Format.Format_RGB32)
    pixels = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine() // 4, 4)
    rgb = pixels[:, : image.width(), :3]
    return float(np.mean(np.all(rgb == 0, axis=2)))


def test_f5_enters_full_screen_in_the_slides_theme_with_the_diagram_over_the_bars(qtbot, window):
    assert visible_docks(window)  # the normal layout has docks to hide
    press(qtbot, window, Key.Key_F5)
    assert window.presenter.active and window.act.presenter.isChecked()
    assert window.windowState() & FullScreen
    assert window.theme.name == "slides"
    assert window.diagram.theme.name == "slides"
    assert visible_docks(window) == set()
    assert not window.menuBar().isVisible() and not window.toolbar.isVisible()
    assert window.statusBar().isVisible()
    # The bars below are presenter mode's own, made from the view registry: the docked ones stay in their dock.
    ((spec, shown_bars),) = window.presenter.page.views
    assert spec.name == "gradient-bars" and shown_bars is not window.gradient_bars
    assert window.diagram.isVisible() and shown_bars.isVisible()
    # The bars' choosers are for the desk: the plot alone is shown, its title naming what it compares.
    choosers = shown_bars.findChildren(QtWidgets.QComboBox)
    assert len(choosers) == 3 and not any(c.isVisible() for c in choosers)
    top = window.diagram.mapTo(window, QtCore.QPoint(0, 0))
    bars = shown_bars.mapTo(window, QtCore.QPoint(0, 0))
    assert bars.y() > top.y() + window.diagram.height() - 1  # the bars sit below the diagram
    share = window.diagram.height() / (window.diagram.height() + shown_bars.height())
    assert 0.6 < share < 0.7
    # The status line keeps the verdict, printed large; where the pass is, the diagram's caption says.
    assert window.status.health.isVisible() and window.status.health.fontInfo().pixelSize() >= 24
    assert not window.status.step.isVisible()


def test_page_down_and_page_up_step_in_presenter_mode_and_in_normal_mode(qtbot, window):
    press(qtbot, window, Key.Key_PageDown, 2)
    assert window.bridge.session.record.step == 2
    press(qtbot, window, Key.Key_PageUp)
    assert window.bridge.session.record.step == 1
    press(qtbot, window, Key.Key_F5)
    press(qtbot, window, Key.Key_PageDown)
    assert window.bridge.session.record.step == 2
    press(qtbot, window, Key.Key_PageDown)
    assert window.bridge.session.record.step == 3
    press(qtbot, window, Key.Key_PageUp)
    assert window.bridge.session.record.step == 2


def test_b_and_full_stop_blank_the_screen_to_black_and_back(qtbot, window):
    press(qtbot, window, Key.Key_F5)
    press(qtbot, window, Key.Key_End)
    assert black_share(window) < 0.05  # white slides, coloured edges: hardly a black pixel
    press(qtbot, window, Key.Key_B)
    assert window.presenter.blanked and window.presenter.blank_screen.isVisible()
    assert black_share(window) > 0.999
    press(qtbot, window, Key.Key_B)
    assert not window.presenter.blanked
    assert black_share(window) < 0.05
    press(qtbot, window, Key.Key_Period)
    assert window.presenter.blanked and black_share(window) > 0.999
    # The step keys still step behind the black screen; only B or . brings the picture back.
    step = window.bridge.session.record.step
    press(qtbot, window, Key.Key_PageUp)
    assert window.bridge.session.record.step == step - 1 and window.presenter.blanked
    press(qtbot, window, Key.Key_Period)
    assert not window.presenter.blanked


def test_b_does_nothing_outside_presenter_mode(qtbot, window):
    press(qtbot, window, Key.Key_B)
    assert not window.presenter.blanked
    assert black_share(window) < 0.5


def test_esc_leaves_and_gives_back_the_layout_theme_and_window_state(qtbot, window):
    window.docks["training"].hide()  # a layout of the user's own, not the default one
    before = layout_snapshot(window)
    press(qtbot, window, Key.Key_F5)
    press(qtbot, window, Key.Key_B)
    press(qtbot, window, Key.Key_Escape)
    assert not window.presenter.active and not window.act.presenter.isChecked()
    assert not window.presenter.blanked
    assert not window.windowState() & FullScreen
    assert layout_snapshot(window) == before
    assert window.theme is SCREEN and window.diagram.theme is SCREEN


def test_f5_twice_is_a_round_trip_and_can_be_repeated(qtbot, window):
    before = layout_snapshot(window)
    for _ in range(2):
        press(qtbot, window, Key.Key_F5)
        assert window.windowState() & FullScreen
        press(qtbot, window, Key.Key_F5)
        assert layout_snapshot(window) == before
    # The bars panel is back in its dock and still draws the comparison.
    assert window.gradient_bars.parentWidget() is not None
    assert window.docks["gradient-bars"].isAncestorOf(window.gradient_bars)
    assert window.gradient_bars.bar_heights().shape == (2, 11)
    assert all(c.isVisible() for c in window.gradient_bars.findChildren(QtWidgets.QComboBox))


def test_a_maximised_window_is_maximised_again(qtbot, window):
    window.showMaximized()
    QtWidgets.QApplication.processEvents()
    state = window.windowState()
    assert state & QtCore.Qt.WindowState.WindowMaximized
    press(qtbot, window, Key.Key_F5)
    press(qtbot, window, Key.Key_Escape)
    assert window.windowState() == state


def test_presenter_mode_shows_the_compare_view_when_it_is_on(qtbot, window):
    qtbot.keyClick(window, Key.Key_K, QtCore.Qt.KeyboardModifier.ControlModifier)
    press(qtbot, window, Key.Key_F5)
    assert window.compare_view.isVisible() and not window.diagram.isVisible()
    assert window.presenter.page.views[0][1].isVisible()
    assert not window.compare_bar.isVisible()  # the halves' titles say what they run
    press(qtbot, window, Key.Key_PageDown)
    assert window.bridge.session.record.step == 1
    press(qtbot, window, Key.Key_Escape)
    assert window.compare_view.isVisible() and window.act.compare.isChecked()
    assert window.compare_bar.isVisible()


def test_the_compare_view_takes_a_larger_share_of_the_page_also_when_turned_on_while_presenting(qtbot, window):
    from gradviz.ui.presenter import COMPARE_SHARE, DIAGRAM_SHARE

    def share():
        QtWidgets.QApplication.processEvents()
        top, *rest = window.presenter.page.splitter.sizes()
        return top / (top + sum(rest))

    press(qtbot, window, Key.Key_F5)
    assert share() == pytest.approx(DIAGRAM_SHARE, abs=0.01)
    qtbot.keyClick(window, Key.Key_K, QtCore.Qt.KeyboardModifier.ControlModifier)
    assert window.compare_view.isVisible()
    assert share() == pytest.approx(COMPARE_SHARE, abs=0.01)
    qtbot.keyClick(window, Key.Key_K, QtCore.Qt.KeyboardModifier.ControlModifier)
    assert window.diagram.isVisible() and share() == pytest.approx(DIAGRAM_SHARE, abs=0.01)
    press(qtbot, window, Key.Key_Escape)


def test_the_view_menu_offers_presenter_mode(qtbot, window):
    texts = [a.text() for a in window.menus.view.actions()]
    assert "Presenter mode" in texts
    window.act.presenter.trigger()
    assert window.presenter.active
    window.act.presenter.trigger()
    assert not window.presenter.active


def test_closing_in_presenter_mode_saves_the_normal_layout(qtbot, tmp_path):
    settings = QtCore.QSettings(str(tmp_path / "gradviz.ini"), QtCore.QSettings.Format.IniFormat)
    w = MainWindow(load_preset("tiny-sigmoid"), SCREEN, settings)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    QtWidgets.QApplication.processEvents()  # the docks take their shares of the shown window first
    before = bytes(w.saveState(LAYOUT_VERSION))
    w.presenter.set_active(True)
    w.close()
    assert bytes(settings.value("window/state")) == before
    assert settings.value("window/theme") == "screen"


NEW_KEYS = ("F5", "Esc", "PageDown", "PageUp", "B or .", "Ctrl+K")


def test_the_shortcuts_dialog_lists_the_presenter_keys(window, monkeypatch):
    shown = []
    monkeypatch.setattr(QtWidgets.QDialog, "exec", lambda dialog: shown.append(dialog))
    window.show_shortcuts()
    (dialog,) = shown
    text = dialog.findChild(QtWidgets.QTextBrowser)
    keys = [text.document().findBlockByNumber(i).text() for i in range(text.document().blockCount())]
    for key in NEW_KEYS:
        assert any(key in cell for cell in keys), key
    dialog.deleteLater()


#: Qt's names of keys as the tables write them.
TABLE_NAMES = {"Left": "←", "Right": "→", "PgUp": "PageUp", "PgDown": "PageDown"}


def _table_keys(cell: str) -> set[str]:
    """The keys a table cell names: "Ctrl+1 / 2 / 3" is Ctrl+1, Ctrl+2 and Ctrl+3; "B or ." is B and .."""
    keys, prefix = set(), ""
    for part in cell.replace(" or ", " / ").replace(", ", " / ").split(" / "):
        part = part.split(" (")[0].strip()
        if "+" in part.rstrip("+"):
            prefix = part[: part.rindex("+") + 1]
        elif prefix and len(part) == 1 and part.isdigit():
            part = prefix + part
        keys.add(part)
    return keys


def test_the_shortcuts_dialog_and_the_readme_name_every_key_of_the_window(window, monkeypatch):
    from pathlib import Path

    shown = []
    monkeypatch.setattr(QtWidgets.QDialog, "exec", lambda dialog: shown.append(dialog))
    window.show_shortcuts()
    (dialog,) = shown
    document = dialog.findChild(QtWidgets.QTextBrowser).document()
    cells = [document.findBlockByNumber(i).text() for i in range(document.blockCount())]
    in_dialog = set().union(*(_table_keys(cell) for cell in cells))
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    in_readme = set().union(*(_table_keys(row.split("|")[1]) for row in readme.splitlines() if row.startswith("| ")))
    native = QtGui.QKeySequence.SequenceFormat.NativeText
    actions = [a for a in window.findChildren(QtGui.QAction) if any(k.toString(native) for k in a.shortcuts())]
    assert len(actions) >= 20
    for action in actions:
        for key in (TABLE_NAMES.get(k.toString(native), k.toString(native)) for k in action.shortcuts()):
            if key == "F1":
                continue  # the key that opens the list
            assert key in in_dialog, f"{action.text()!r}: {key} is not in the Keyboard shortcuts dialog"
            assert key in in_readme, f"{action.text()!r}: {key} is not in the README's key table"
    assert {"Ctrl+4", "Ctrl+L", "Shift+→"} <= in_dialog
    dialog.deleteLater()


def test_the_readme_key_table_lists_the_presenter_keys():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    keys = [row.split("|")[1].strip() for row in readme.splitlines() if row.startswith("| ")]
    for key in NEW_KEYS:
        assert any(key in cell for cell in keys), key


def test_the_verdict_takes_a_dark_colour_on_the_white_slides(qtbot, window):
    press(qtbot, window, Key.Key_End)
    assert "vanishing" in window.status.health.text()
    assert "#4e9fe5" in window.status.health.styleSheet()  # light blue on the dark screen
    press(qtbot, window, Key.Key_F5)
    style = window.status.health.styleSheet()
    color = QtGui.QColor(style.split("color: ")[1].split(";")[0])
    # WCAG contrast of the verdict's colour against white: at least 4.5 : 1.
    def luminance(c):
        channels = [v / 255 for v in (c.red(), c.green(), c.blue())]
        lin = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in channels]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    assert (1.05) / (luminance(color) + 0.05) >= 4.5
    press(qtbot, window, Key.Key_Escape)
    assert "#4e9fe5" in window.status.health.styleSheet()
