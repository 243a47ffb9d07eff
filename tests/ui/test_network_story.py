"""Issue 17, item 2: the Network panel says how the weights were really made, an edited network says
"modified", the bars' caption names what was compared, and the inspector shows the update it applied."""

from __future__ import annotations

from PySide6 import QtCore

from tests.qt_helpers import shown_window


def test_the_network_panel_says_the_tiny_chains_weights_are_fixed_values_and_modified_once_edited(qtbot):
    window = shown_window(qtbot, "tiny-sigmoid")
    controls = window.controls
    assert controls.weights_note.text() == "Weights: set to fixed values in the file, not drawn by the initialiser"
    description = window.bridge.session.experiment.description
    assert controls.description.text() == description and description.startswith("A 1-1-1-1 sigmoid chain")
    with qtbot.waitSignal(window.bridge.sigSnapshot):
        window.bridge.request_edit({"layers": [1, 2, 1]})
    assert "modified" in controls.weights_note.text()
    assert controls.description.text() == f"Modified since loading. Before the edit: {description}"


def test_a_network_drawn_by_its_initialiser_says_so(qtbot):
    window = shown_window(qtbot, "deep-relu")
    assert window.controls.weights_note.text() == "Weights: drawn by he_normal, seed 0"


def test_the_exploding_presets_bars_name_the_kept_linear_output(qtbot):
    window = shown_window(qtbot, "exploding", (1920, 1080))
    panel = window.view_widgets["gradient-bars"]
    window.findChild(QtCore.QObject, "dock-gradient-bars").raise_()
    qtbot.waitUntil(lambda: panel.isVisible())
    panel.plot_widget()  # drawn when seen
    title = panel.plot_widget().getPlotItem().titleLabel.text
    assert "sigmoid vs ReLU, linear output" in title
    assert title != "sigmoid vs ReLU"


def test_the_inspector_at_the_update_step_shows_old_value_gradient_eta_and_new_value(qtbot):
    window = shown_window(qtbot, "tiny-sigmoid")
    bridge = window.bridge
    for _ in range(8):
        bridge.step_forward()
    bridge.select(("edge", 1, 0, 0))
    lines = window.inspector.lines()
    # w1 = 0.5, eta = 0.5, dL/dw1 = -0.000423584 (the tutorial's): 0.5 + 0.000211792 = 0.500211792.
    assert "Update with η = 0.5: old w1 = 0.5, gradient applied ∂L/∂w1 = −0.000423584" in lines
    assert "new w1 = 0.500212 (changed by +0.000211792)" in lines
