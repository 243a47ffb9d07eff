"""Issue 9: the default layout is readable on 1280x720 and 1920x1080 screens in both themes.

The real MainWindow is built offscreen at each screen size (resized to that screen's whole area, as a
maximised window fills it), every plot tab is shown in turn, and five rules are measured on what
pyqtgraph lays out and draws: data areas, tick labels, axis titles, legends and log-axis headroom.
The slides theme's print size is checked on every widget and menu.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from gradviz.ui.views.registry import views
from gradviz.files.network_file import load_preset
from gradviz.ui.main_window import MainWindow, apply_app_font, desktop_font
from gradviz.ui.panels.log_axis import LogAxisItem
from gradviz.ui.theme import SCREEN, SLIDES
from tests.qt_helpers import shown_lab
from tests.readability import image_array

SCREENS = [(1280, 720), (1920, 1080)]
PLOT_DOCKS = tuple(v.name for v in views() if v.place == "bottom")


@pytest.fixture
def restore_app_font(qapp):
    desktop_font()
    yield
    apply_app_font(SCREEN)


def _window(qtbot, theme, size):
    window = MainWindow(load_preset("deep-sigmoid"), theme)
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    window.bridge.train_blocking(40)  # the training plots have data to show
    window.bridge.run_to_end()
    return window


def _plots(window, name):
    if name == "gradient-bars":
        return [window.gradient_bars.plot_widget().getPlotItem()]
    if name == "activation":
        return [window.activation_curves.plot_widget().getPlotItem()]
    if name == "depth-chain":
        return [window.depth_chain.plot_item()]
    return list(window.training.plot_items())


def _tick_text_rects(axis):
    image = QtGui.QImage(10, 10, QtGui.QImage.Format.Format_ARGB32)
    painter = QtGui.QPainter(image)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    if specs is None:
        return []
    return [(QtCore.QRectF(rect), text) for rect, _flags, text in specs[2] if text]


def _drawn_top(plot):
    """The highest log10 value the plot draws (bar tops, curve points), from its items."""
    tops = []
    for item in plot.items:
        if isinstance(item, pg.BarGraphItem):
            tops.append(np.max(np.asarray(item.opts["y0"]) + np.asarray(item.opts["height"])))
        elif isinstance(item, pg.PlotDataItem) and item.yData is not None and len(item.yData):
            y = np.asarray(item.yData, dtype=float)
            if np.isfinite(y).any():
                tops.append(np.nanmax(y[np.isfinite(y)]))
    return max(tops) if tops else None


def _check_plot(plot, where):
    vb = plot.vb
    # 1. The data area is at least 200 x 100 px.
    assert vb.width() >= 200 and vb.height() >= 100, (where, vb.width(), vb.height())
    view = plot.getViewWidget()
    shown = QtCore.QRectF(view.mapToScene(view.viewport().rect()).boundingRect())
    for name, length in (("left", vb.height()), ("bottom", vb.width())):
        axis = plot.getAxis(name)
        if not axis.isVisible():
            continue
        # 2. No two tick labels overlap.
        rects = _tick_text_rects(axis)
        assert len(rects) >= 2, (where, name, "fewer than two tick labels", vb.viewRange(), vb.height(), axis.geometry(), axis.boundingRect())
        for i, (a, text_a) in enumerate(rects):
            for b, text_b in rects[i + 1:]:
                overlap = a.intersected(b)
                assert overlap.width() * overlap.height() < 1.0, (where, name, text_a, text_b)
        # 3. The axis title fits its axis (document margins included) and lies inside the view.
        if axis.label.isVisible() and axis.labelText:
            text_length = axis.label.boundingRect().width()
            assert text_length <= length + 0.5, (where, name, axis.labelText, text_length, length)
            # The text itself, without the document margin around it, lies inside the view.
            margin = axis.label.document().documentMargin()
            label_rect = axis.label.sceneBoundingRect().adjusted(margin, margin, -margin, -margin)
            assert shown.adjusted(-1, -1, 1, 1).contains(label_rect), (where, name, label_rect, shown)
    title = plot.titleLabel
    if title.isVisible() and title.text:
        assert title.item.boundingRect().width() <= plot.width() + 0.5, (where, title.text)
        margin = title.item.document().documentMargin()
        title_rect = title.item.sceneBoundingRect().adjusted(margin, margin, -margin, -margin)
        assert shown.adjusted(-1, -1, 1, 1).contains(title_rect), (where, title.text)
    # 4. The legend lies outside the data area.
    legend = getattr(plot, "legend", None)
    legends = [legend] if legend is not None else []
    layout_widget = view if isinstance(view, pg.GraphicsLayoutWidget) else None
    if layout_widget is not None:
        legends += [item for item in layout_widget.ci.items if isinstance(item, pg.LegendItem)]
    for item in legends:
        if item.items:
            overlap = item.sceneBoundingRect().intersected(vb.sceneBoundingRect())
            # Laid out edge to edge, the two may share up to a pixel's rounding.
            assert min(overlap.width(), overlap.height()) < 1.0, (where, "legend over the data", overlap)
    # 5. A log axis reaches at most one decade above the data.
    if isinstance(plot.getAxis("left"), LogAxisItem):
        top = _drawn_top(plot)
        if top is not None:
            view_top = vb.viewRange()[1][1]
            assert view_top - top <= 1.0 + 1e-9, (where, view_top, top)


@pytest.mark.parametrize("theme", [SCREEN, SLIDES], ids=["screen", "slides"])
@pytest.mark.parametrize("size", SCREENS, ids=["1280x720", "1920x1080"])
def test_every_plot_is_readable_in_the_default_layout(qtbot, restore_app_font, theme, size):
    window = _window(qtbot, theme, size)
    assert (window.width(), window.height()) == size  # nothing forces the window past the screen
    for name in PLOT_DOCKS:
        dock = window.docks[name]
        dock.raise_()
        qtbot.waitUntil(lambda: dock.widget().isVisible() and not dock.visibleRegion().isEmpty())
        # Paint twice, as the screen does: an axis widens to its tick labels when it is first drawn.
        for _ in range(2):
            dock.widget().grab()
            QtWidgets.QApplication.processEvents()
        for plot in _plots(window, name):
            _check_plot(plot, f"{theme.name} {size} {name}")
    window.close()


def _text_widgets(window):
    widgets = window.findChildren(QtWidgets.QWidget)
    menus = [action.menu() for action in window.menuBar().actions() if action.menu() is not None]
    return [w for w in widgets if not isinstance(w, (QtWidgets.QRubberBand,))] + menus


def test_slides_print_reaches_every_widget_and_menu(qtbot, restore_app_font):
    window = _window(qtbot, SLIDES, (1280, 720))
    small = [(type(w).__name__, w.objectName(), QtGui.QFontInfo(w.font()).pixelSize())
             for w in _text_widgets(window) if QtGui.QFontInfo(w.font()).pixelSize() < 18]
    assert small == [], small[:20]
    for dock in window.docks.values():
        assert QtGui.QFontInfo(dock.font()).pixelSize() >= 18
    assert QtGui.QFontInfo(window.status.step.font()).pixelSize() >= 18
    window.close()


def test_the_screen_theme_keeps_the_desktop_font(qtbot, restore_app_font):
    desktop_px = QtGui.QFontInfo(desktop_font()).pixelSize()
    window = _window(qtbot, SLIDES, (1280, 720))
    window.set_theme(SCREEN)
    sizes = {QtGui.QFontInfo(w.font()).pixelSize() for w in (window.status.step, window.menuBar(), window.inspector)}
    assert sizes == {desktop_px}
    window.close()


def test_the_window_opens_inside_the_available_area(qtbot, restore_app_font):
    window = MainWindow(load_preset("tiny-sigmoid"), SCREEN)
    qtbot.addWidget(window)
    available = window.screen().availableGeometry()
    assert available.contains(window.geometry())
    window.close()


# ---------------------------------------------------------------------------------------------- no spoilers


def test_the_bars_grow_with_the_backward_pass_and_reveal_all_shows_them(qtbot, restore_app_font):
    window = MainWindow(load_preset("tiny-sigmoid"), SCREEN)
    qtbot.addWidget(window)
    bars = window.gradient_bars
    assert np.all(np.isnan(bars.bar_heights()))  # Ready: nothing computed, nothing shown
    for _ in range(4):  # the forward pass and the loss
        window.bridge.step_forward()
    assert np.all(np.isnan(bars.bar_heights()))
    assert window.bridge.session.health().verdict == "unknown"
    expected = np.log10([[0.000423584, 0.00386991, 0.0320037], [0.0921875] * 3])
    for step, first_shown in ((5, 3), (6, 2), (7, 1)):
        window.bridge.step_forward()
        heights = bars.bar_heights()
        # Layers L..l, both activations in lock-step.
        assert np.all(np.isnan(heights[:, : first_shown - 1]))
        np.testing.assert_allclose(heights[:, first_shown - 1:], expected[:, first_shown - 1:], atol=1e-5)
    window.bridge.reset()
    assert np.all(np.isnan(bars.bar_heights()))
    window.act.reveal_all.trigger()
    np.testing.assert_allclose(bars.bar_heights(), expected, atol=1e-5)
    assert window.bridge.session.health().verdict == "vanishing"
    assert "vanishing" in window.status.health.text()
    window.act.reveal_all.trigger()  # off again: back to what the pass has computed (nothing, at Ready)
    assert not window.act.reveal_all.isChecked()
    assert np.all(np.isnan(bars.bar_heights()))
    assert window.bridge.session.health().verdict == "unknown"
    window.close()


def test_gradient_vs_depth_draws_this_networks_mean_slopes(qtbot, restore_app_font):
    from tests.helpers import hand_tiny_sigmoid

    window = MainWindow(load_preset("tiny-sigmoid"), SCREEN)
    qtbot.addWidget(window)
    z1, z2, z3 = hand_tiny_sigmoid()["z"]

    def slope(z):
        s = 1 / (1 + np.exp(-z))
        return s * (1 - s)

    # k = 1 is the output layer 3, k = 3 runs back to layer 1.
    expected = np.cumprod([slope(z3), slope(z2), slope(z1)])
    panel = window.depth_chain
    np.testing.assert_allclose(panel.network_chain(), expected, rtol=1e-12)
    assert panel.depth() == 10  # the tutorial's depth; the network's 3 layers are drawn
    k, heights = panel.network_points()
    np.testing.assert_array_equal(k, [1, 2, 3])
    np.testing.assert_allclose(heights, np.log10(expected), rtol=1e-12)
    window.close()


# ---------------------------------------------------------------------------------------------- compact layout

#: The docks' titles, read from the registry: the right column (Network, Inspector and views placed there),
#: then the plots along the bottom.
COLUMN_TITLES = ["Network", "Inspector", *(v.title for v in views() if v.place == "right")]
PLOT_TITLES = [v.title for v in views() if v.place == "bottom"]
ALL_DOCK_TITLES = COLUMN_TITLES + PLOT_TITLES


def _tab_groups(window):
    """The dock groups that share tabs (each dock with the ones tabbed with it), as sets of dock titles."""
    return {frozenset([dock.windowTitle()] + [d.windowTitle() for d in window.tabifiedDockWidgets(dock)])
            for dock in window.docks.values()}  # fmt: skip


def _tab_bar_with(window, titles):
    """The tab bar showing exactly ``titles`` in this order, or None."""
    bars = [bar for bar in window.findChildren(QtWidgets.QTabBar) if bar.isVisible()
            and [bar.tabText(i) for i in range(bar.count())] == titles]  # fmt: skip
    return bars[0] if bars else None


def _assert_neurons_at_least(view, px):
    """The diagram lays its neurons out at a radius of at least ``px``, and a hidden layer's neighbouring
    neurons sit at least two such radii apart (measured on screen), so discs that size fit without touching."""
    assert view._current_layout().radius >= px
    for unit in range(7):
        a, b = view.neuron_center(5, unit), view.neuron_center(5, unit + 1)
        assert abs(b.y() - a.y()) + abs(b.x() - a.x()) >= 2 * px, (unit, a, b)


@pytest.mark.parametrize("theme", [SCREEN, SLIDES], ids=["screen", "slides"])
def test_a_short_window_tabs_the_plots_beside_the_diagram_so_it_has_the_height(qtbot, restore_app_font, theme):
    window = _window(qtbot, theme, (1280, 720))
    QtWidgets.QApplication.processEvents()  # the column's new width is laid out by a posted event
    right = QtCore.Qt.DockWidgetArea.RightDockWidgetArea
    assert [window.dockWidgetArea(dock) for dock in window.docks.values()] == [right] * len(ALL_DOCK_TITLES)
    # One tab group in the right column, the bars shown.
    assert _tab_groups(window) == {frozenset(ALL_DOCK_TITLES)}
    bar = _tab_bar_with(window, ALL_DOCK_TITLES)
    assert bar is not None and bar.tabText(bar.currentIndex()) == "Gradient bars"
    assert not window.docks["gradient-bars"].visibleRegion().isEmpty()
    assert window.docks["controls"].visibleRegion().isEmpty()
    assert window.diagram.height() >= 0.6 * window.height(), (window.diagram.height(), window.height())
    _assert_neurons_at_least(window.diagram, 8)
    # The column is wide enough for the plots and leaves the diagram the rest of the width.
    assert window.docks["gradient-bars"].width() >= 0.3 * window.width()
    assert window.diagram.width() >= 0.6 * window.width(), (window.diagram.width(), {n: d.width() for n, d in window.docks.items()})
    assert window.training.stacked and window.depth_chain.stacked
    window.close()


@pytest.mark.parametrize("theme", [SCREEN, SLIDES], ids=["screen", "slides"])
def test_a_tall_window_keeps_the_plots_along_the_bottom(qtbot, restore_app_font, theme):
    window = _window(qtbot, theme, (1920, 1080))
    area = QtCore.Qt.DockWidgetArea
    for name, dock in window.docks.items():
        expected = area.RightDockWidgetArea if name in ("controls", "inspector", *(v.name for v in views() if v.place == "right")) else area.BottomDockWidgetArea
        assert window.dockWidgetArea(dock) == expected, name
    assert _tab_groups(window) == {frozenset(COLUMN_TITLES), frozenset(PLOT_TITLES)}
    assert _tab_bar_with(window, COLUMN_TITLES) is not None
    assert _tab_bar_with(window, PLOT_TITLES) is not None
    assert window.docks["gradient-bars"].width() == window.width()  # the plots take the whole width
    assert not window.training.stacked and not window.depth_chain.stacked
    _assert_neurons_at_least(window.diagram, 8)
    window.close()


def test_reset_layout_and_a_theme_change_choose_the_layout_for_the_height(qtbot, restore_app_font):
    window = _window(qtbot, SCREEN, (1280, 720))
    right = QtCore.Qt.DockWidgetArea.RightDockWidgetArea
    window.set_theme(SLIDES)  # the user has not moved a dock: the compact layout stays
    assert _tab_groups(window) == {frozenset(ALL_DOCK_TITLES)}
    window.addDockWidget(QtCore.Qt.DockWidgetArea.BottomDockWidgetArea, window.docks["training"])
    window.set_theme(SCREEN)  # a dock the user moved stays where it is
    assert window.dockWidgetArea(window.docks["training"]) == QtCore.Qt.DockWidgetArea.BottomDockWidgetArea
    window.reset_layout()
    assert [window.dockWidgetArea(dock) for dock in window.docks.values()] == [right] * len(ALL_DOCK_TITLES)
    assert _tab_groups(window) == {frozenset(ALL_DOCK_TITLES)}
    assert not window.docks["gradient-bars"].visibleRegion().isEmpty()
    window.resize(1920, 1080)
    window.reset_layout()
    assert window.dockWidgetArea(window.docks["training"]) == QtCore.Qt.DockWidgetArea.BottomDockWidgetArea
    assert window.dockWidgetArea(window.docks["inspector"]) == right
    assert not window.training.stacked
    window.close()


def test_a_layout_restored_from_the_settings_is_kept_on_a_short_window(qtbot, restore_app_font, tmp_path):
    settings = QtCore.QSettings(str(tmp_path / "gradviz.ini"), QtCore.QSettings.Format.IniFormat)
    first = MainWindow(load_preset("tiny-sigmoid"), SCREEN, settings)
    qtbot.addWidget(first)
    first.resize(1920, 1080)
    first.show()
    qtbot.waitExposed(first)
    first.close()  # saves the wide layout: the plots along the bottom
    second = MainWindow(load_preset("tiny-sigmoid"), SCREEN, settings)
    qtbot.addWidget(second)
    second.resize(1280, 720)
    second.show()
    qtbot.waitExposed(second)
    bottom = QtCore.Qt.DockWidgetArea.BottomDockWidgetArea
    assert all(second.dockWidgetArea(second.docks[name]) == bottom for name in PLOT_DOCKS)
    second.close()


def test_a_short_window_without_the_width_for_a_plot_column_keeps_the_plots_below(qtbot, restore_app_font):
    window = _window(qtbot, SCREEN, (1100, 720))
    bottom = QtCore.Qt.DockWidgetArea.BottomDockWidgetArea
    assert all(window.dockWidgetArea(window.docks[name]) == bottom for name in PLOT_DOCKS)
    assert not window.training.stacked
    window.close()


def test_a_plot_dock_moved_into_a_column_stacks_its_plots_and_back_below_lays_them_side_by_side(qtbot, restore_app_font):
    window = _window(qtbot, SCREEN, (1920, 1080))
    area = QtCore.Qt.DockWidgetArea
    window.addDockWidget(area.LeftDockWidgetArea, window.docks["training"])
    assert window.training.stacked and not window.depth_chain.stacked
    window.addDockWidget(area.BottomDockWidgetArea, window.docks["training"])
    assert not window.training.stacked
    window.close()


def test_dock_tabs_keep_their_whole_titles(qtbot):
    # Six tabs in the compact column do not fit at 18 px: they scroll rather than shrink to "N…".
    window = MainWindow(load_preset("deep-sigmoid"), SLIDES)
    qtbot.addWidget(window)
    window.resize(1280, 690)
    window.show()
    qtbot.waitExposed(window)
    QtWidgets.QApplication.processEvents()
    bars = [bar for bar in window.findChildren(QtWidgets.QTabBar) if bar.count()]
    assert bars
    titles = set()
    for bar in bars:
        assert bar.elideMode() == QtCore.Qt.TextElideMode.ElideNone and bar.usesScrollButtons()
        titles |= {bar.tabText(i) for i in range(bar.count())}
    assert {"Network", "Inspector"} <= titles


def _title_text_height(dock) -> int:
    """The height in px of the ink of ``dock``'s title (rows of its title bar holding text-coloured pixels),
    measured on the dock as drawn; the float and close buttons at the right are left out."""
    pixels = image_array(dock.grab().toImage())
    bar = dock.widget().geometry().top()
    assert bar > 8, f"{dock.windowTitle()}: no title bar above the dock's widget"
    grey = pixels[:bar, : pixels.shape[1] - 60].mean(axis=2)
    background = np.median(grey)
    ink = np.flatnonzero((np.abs(grey - background) > 80).any(axis=1))
    assert ink.size, f"{dock.windowTitle()}: no title drawn"
    return int(ink[-1] - ink[0] + 1)


def test_every_dock_title_is_drawn_in_the_slides_print_the_lab_s_too(qtbot, restore_app_font):
    """The slides theme's 18 px reaches the title bars. Drawn at the desktop's small title size (the lab's
    dock once took the application's own font, which draws the title there), "Lab" stands 10 px from the top
    of "L" and "b" to their foot; at 18 px, the ascenders of a sans font stand at about 0.75 of it, 13-14 px."""
    window = shown_lab(qtbot, "spiral-deep", SLIDES, (1280, 720))
    dock = window.lab.dock
    qtbot.waitUntil(dock.isVisible)
    assert dock.windowTitle() == "Lab"
    assert _title_text_height(dock) >= 12
    window.close()
    window = _window(qtbot, SLIDES, (1280, 720))
    bars = window.docks["gradient-bars"]
    qtbot.waitUntil(lambda: not bars.visibleRegion().isEmpty())
    assert bars.windowTitle() == "Gradient bars"
    assert _title_text_height(bars) >= 12
    window.close()
