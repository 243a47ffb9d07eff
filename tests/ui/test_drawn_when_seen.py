"""A panel draws only what can be seen: hidden, it does no drawing until it is shown, read or exported."""

import numpy as np
import pytest
from PySide6 import QtGui, QtWidgets

from gradviz.files.network_file import load_preset
from gradviz.core.session import Session
from gradviz.export_paint import render_image
from gradviz.core.snapshot import take_snapshot
from gradviz.ui.export_views import ExportView
from gradviz.ui.main_window import MainWindow
from gradviz.ui.panels import ActivationCurvesPanel, DepthChainPanel, GradientBarsPanel, TrainingPanel
from gradviz.ui.theme import SCREEN, SLIDES
from tests.qt_helpers import shown_window

PANELS = (GradientBarsPanel, ActivationCurvesPanel, DepthChainPanel, TrainingPanel)


@pytest.fixture
def redraws(monkeypatch):
    """How many times each panel class has drawn itself."""
    counts = dict.fromkeys(PANELS, 0)
    for cls in PANELS:
        def counting(self, original=cls._redraw, cls=cls):
            counts[cls] += 1
            original(self)

        monkeypatch.setattr(cls, "_redraw", counting)
    return counts


def _session_at_the_end_of_the_backward_pass() -> Session:
    session = Session(load_preset("deep-sigmoid"))
    session.go_to_step(session.stepper.steps_per_pass - 1)
    return session


def _changes(panel, session):
    """Several changes of what ``panel`` shows, each of which would draw it if it were seen."""
    panel.set_theme(SLIDES)
    if isinstance(panel, GradientBarsPanel):
        panel.show_comparison(session.comparison())
    elif isinstance(panel, ActivationCurvesPanel):
        panel.show_record(session.record)
        panel.show_layer("tanh", np.array([0.5, -2.0]), "layer 2")
    elif isinstance(panel, DepthChainPanel):
        panel.set_x(2.0)
        panel.set_depth(5)
    else:
        panel.set_measure("max_abs_grad_w")
    panel.set_theme(SCREEN)


@pytest.mark.parametrize("cls", PANELS)
def test_a_hidden_panel_draws_once_when_shown_and_at_once_while_seen(qtbot, redraws, cls):
    session = _session_at_the_end_of_the_backward_pass()
    panel = cls()
    qtbot.addWidget(panel)
    _changes(panel, session)
    assert redraws[cls] == 0
    panel.resize(700, 450)
    panel.show()
    qtbot.waitExposed(panel)
    assert redraws[cls] == 1
    panel.set_theme(SLIDES)
    assert redraws[cls] == 2


def test_a_hidden_panel_draws_when_read(qtbot, redraws):
    panel = DepthChainPanel()
    qtbot.addWidget(panel)
    panel.set_x(0.0)
    panel.set_depth(3)
    assert redraws[DepthChainPanel] == 0
    # f'(0) of sigmoid is 1/4: its line, first of the three activations, is log10(0.25^k) for k = 1..3.
    sigmoid_line = panel.plot_item().listDataItems()[0]
    np.testing.assert_allclose(sigmoid_line.yData, np.log10(0.25) * np.arange(1, 4), rtol=1e-12)
    assert redraws[DepthChainPanel] == 1
    panel.plot_item()  # nothing changed since: no second drawing
    assert redraws[DepthChainPanel] == 1


def test_the_tabs_behind_the_gradient_bars_draw_nothing_until_brought_to_the_front(qtbot, redraws):
    window = MainWindow(load_preset("deep-sigmoid"), SCREEN)
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    qtbot.waitExposed(window)
    assert redraws[GradientBarsPanel] >= 1
    assert (redraws[ActivationCurvesPanel], redraws[DepthChainPanel], redraws[TrainingPanel]) == (0, 0, 0)
    window.bridge.go_to_step(5)  # a step of the forward pass, shown by the activation curves
    assert window.bridge.session.record.step == 5
    assert redraws[ActivationCurvesPanel] == 0
    window.docks["activation"].raise_()
    qtbot.waitUntil(lambda: redraws[ActivationCurvesPanel] == 1)
    # Drawn for the step the window is at, not the one it was built at.
    assert window.activation_curves.marked_points()[0].size > 0
    window.docks["depth-chain"].raise_()
    qtbot.waitUntil(lambda: redraws[DepthChainPanel] == 1)
    assert redraws[TrainingPanel] == 0
    window.close()


def _pixels_of(image: QtGui.QImage, color: str) -> int:
    """How many pixels of ``image`` are exactly ``color``."""
    image = image.convertToFormat(QtGui.QImage.Format.Format_RGB32)
    pixels = np.frombuffer(image.constBits(), dtype=np.uint32).reshape(image.height(), image.bytesPerLine() // 4)
    return int(np.count_nonzero((pixels[:, : image.width()] & 0xFFFFFF) == (QtGui.QColor(color).rgb() & 0xFFFFFF)))


def test_an_export_of_a_panel_never_shown_draws_its_bars(qtbot):
    session = _session_at_the_end_of_the_backward_pass()
    with ExportView("gradient-bars", SCREEN) as export:
        export.show(take_snapshot(session))
        assert not export.widget.isVisible()  # the panel itself is never shown: only its plot is drawn
        image = render_image(export.view, 1920)
    # Every one of the 11 layers has a bar of each colour; a bar at this size is hundreds of pixels.
    for color in SCREEN.compare_colors[:2]:
        assert _pixels_of(image, color) > 11 * 200


def test_a_grab_of_a_panel_never_shown_draws_its_lines(qtbot):
    panel = DepthChainPanel()
    qtbot.addWidget(panel)
    panel.resize(900, 500)
    panel.set_x(1.0)
    assert _pixels_of(panel.grab().toImage(), SCREEN.compare_colors[0]) > 50  # the sigmoid line


HIDDEN_AT_LAUNCH = ("activation", "depth-chain", "training")


def test_the_tabs_behind_the_gradient_bars_build_no_plot_until_brought_to_the_front(qtbot):
    window = shown_window(qtbot, "deep-sigmoid")
    panels = {"activation": window.activation_curves, "depth-chain": window.depth_chain, "training": window.training}
    assert window.gradient_bars.plot_built
    assert [name for name in HIDDEN_AT_LAUNCH if panels[name].plot_built] == []
    assert len(window.depth_chain.findChildren(QtWidgets.QSpinBox)) == 1  # its controls are built (the table comes with the plot)
    window.docks["training"].raise_()
    qtbot.waitUntil(lambda: panels["training"].plot_built)
    assert not panels["activation"].plot_built and not panels["depth-chain"].plot_built
    # Built where the placeholder was, at the window's size, not floating on its own.
    plot = panels["training"].plot_widget()
    assert plot.window() is window
    qtbot.waitUntil(lambda: plot.isVisible() and plot.height() > 100)
    window.close()


@pytest.mark.parametrize("cls", (ActivationCurvesPanel, DepthChainPanel, TrainingPanel))
def test_a_plot_built_late_has_the_theme_and_stacking_set_before(qtbot, cls):
    panel = cls()
    qtbot.addWidget(panel)
    panel.set_theme(SLIDES)
    panel.set_stacked(True)
    assert not panel.plot_built
    panel.resize(500, 900)
    panel.show()
    qtbot.waitExposed(panel)
    assert panel.plot_built
    plot = panel.plot_widget()
    assert plot.backgroundBrush().color().name() == SLIDES.background.lower()
    if cls is TrainingPanel:
        loss, grad = panel.plot_items()
        # Stacked: the gradient plot under the loss plot, in the one column.
        assert plot.ci.items[loss] == [(0, 0)] and plot.ci.items[grad] == [(1, 0)]
    elif cls is DepthChainPanel:
        assert panel.stacked
        # The table under the plot, the legend beside the table: the plot keeps the column's width.
        assert plot.ci.items[panel.table()] == [(1, 0)] and plot.ci.items[panel.legend()] == [(1, 1)]
    else:
        # The legend under the bottom axis (row 4 of the plot's own grid), not right of the data (row 2).
        layout = plot.getPlotItem().layout
        assert layout.itemAt(4, 1) is plot.getPlotItem().legend and layout.itemAt(2, 3) is None
