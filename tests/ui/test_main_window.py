"""The window end to end: launch, stepping by keys and clicks, colours, docks, editing, training."""

import json

import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from gradviz.files.session_file import save_session_file
from gradviz.core.activations import ACTIVATION_NAMES
from gradviz.files.network_file import load_preset
from gradviz.core.stats import decade_range
from gradviz.ui.main_window import VIEW_NAMES, MainWindow
from gradviz.ui.theme import SCREEN, SLIDES, gradient_colors
from tests.qt_helpers import press, shown_window

Key = QtCore.Qt.Key


@pytest.fixture
def settings(tmp_path):
    return QtCore.QSettings(str(tmp_path / "gradviz.ini"), QtCore.QSettings.Format.IniFormat)


@pytest.fixture
def window(qtbot, settings):
    return shown_window(qtbot, settings=settings)




def grab(widget) -> QtGui.QImage:
    QtWidgets.QApplication.processEvents()
    return widget.grab().toImage().convertToFormat(QtGui.QImage.Format.Format_RGB32)


def pixel(image: QtGui.QImage, point: QtCore.QPoint):
    c = image.pixelColor(point)
    return np.array([c.red(), c.green(), c.blue()])


def expected_color(window, layer):
    scale = window.bridge.session.scale_record
    decades = decade_range(np.concatenate([np.abs(l.grad_w).ravel() for l in scale.layers]))
    grad = window.bridge.session.record.layers[layer - 1].grad_w[0, 0]
    return gradient_colors([abs(grad)], decades, window.theme)[0, :3].astype(int)


def test_launch_shows_the_tiny_preset(window):
    assert "gradviz" in window.windowTitle() and "tiny-sigmoid" in window.windowTitle()
    assert window.bridge.session.record.step == 0
    assert window.status.step.text().startswith("Ready")
    assert window.status.step.text().startswith("Ready: press → to start the forward pass")  # the window's key hint


def test_right_walks_every_phase_in_order(qtbot, window):
    seen = []
    for _ in range(8):
        press(qtbot, window, Key.Key_Right)
        r = window.bridge.session.record
        seen.append((r.phase.value, r.layer))
    assert seen == [
        ("forward", 1), ("forward", 2), ("forward", 3), ("loss", None),
        ("backward", 3), ("backward", 2), ("backward", 1), ("update", None),
    ]  # fmt: skip


def test_status_line_says_where_the_pass_is(qtbot, window):
    press(qtbot, window, Key.Key_Right, 6)
    assert window.status.step.text().startswith("Backward: layer 2 of 3")
    assert "loss = 0.0262781" in window.status.step.text()
    # The verdict is the current pass's (issue 8: the session's health()), so it waits for layer 1.
    assert "shown once the backward pass reaches layer 1" in window.status.health.text()
    press(qtbot, window, Key.Key_Right)
    # The verdict's rule (issue 9): f = g1 / g2 = 0.000424 / 0.00387, about 1/9.1 per layer.
    assert "the gradient shrinks about 9.1× per layer: vanishing" in window.status.health.text()


def test_status_line_counts_the_update_in_the_pass_it_ends(qtbot, window):
    assert window.status.step.text().endswith("pass 1")
    press(qtbot, window, Key.Key_Right, 8)  # 3 forward, the loss, 3 backward, then the update
    assert window.status.step.text().startswith("SGD update applied")
    assert window.status.step.text().endswith("pass 1")
    press(qtbot, window, Key.Key_Right)
    assert window.status.step.text().startswith("Forward: layer 1 of 3") and window.status.step.text().endswith("pass 2")
    press(qtbot, window, Key.Key_Left)  # back onto the update: the first pass's again
    assert window.status.step.text().startswith("SGD update applied") and window.status.step.text().endswith("pass 1")


def test_edge_colours_after_the_backward_pass_follow_the_colour_scale(qtbot, window):
    press(qtbot, window, Key.Key_Right, 7)
    image = grab(window.diagram)
    first = pixel(image, window.diagram.edge_midpoint(1, 0, 0))
    last = pixel(image, window.diagram.edge_midpoint(3, 0, 0))
    np.testing.assert_allclose(first, expected_color(window, 1), atol=4)
    np.testing.assert_allclose(last, expected_color(window, 3), atol=4)
    assert np.abs(first - last).sum() > 60


def test_left_restores_the_earlier_image_exactly(qtbot, window):
    press(qtbot, window, Key.Key_Right, 5)
    before = grab(window.diagram)
    press(qtbot, window, Key.Key_Right)
    assert grab(window.diagram) != before
    press(qtbot, window, Key.Key_Left)
    assert window.bridge.session.record.step == 5
    assert grab(window.diagram) == before


def test_space_plays_and_pauses(qtbot, window):
    press(qtbot, window, Key.Key_Space)
    assert window.bridge.playing and window.act.play.isChecked()
    press(qtbot, window, Key.Key_Space)
    assert not window.bridge.playing and not window.act.play.isChecked()
    assert window.bridge.session.record.step >= 1


def test_play_runs_to_the_end_of_the_backward_pass(qtbot, window):
    window.toolbar.speed.setValue(20)
    press(qtbot, window, Key.Key_Space)
    qtbot.waitUntil(lambda: not window.bridge.playing, timeout=5000)
    assert window.bridge.session.record.step == 7


def test_home_and_end(qtbot, window):
    press(qtbot, window, Key.Key_End)
    assert window.bridge.session.record.step == 7
    press(qtbot, window, Key.Key_Home)
    assert window.bridge.session.record.step == 0


def _click(qtbot, view, point):
    target = view.childAt(point) or view
    qtbot.mouseClick(target, QtCore.Qt.MouseButton.LeftButton, pos=target.mapFrom(view, point))


def test_clicking_the_background_steps(qtbot, window):
    view = window.diagram
    _click(qtbot, view, QtCore.QPoint(12, view.height() - 12))
    assert window.bridge.session.record.step == 1


def test_clicking_a_neuron_and_an_edge_fills_the_inspector(qtbot, window):
    press(qtbot, window, Key.Key_Right, 7)
    view = window.diagram
    _click(qtbot, view, view.neuron_center(1, 0))
    text = "\n".join(window.inspector.lines())
    assert "δ1 = w2 · δ2 · σ′(z1) = 0.5 × (−0.0068838) × 0.246134 = −0.000847168" in text
    _click(qtbot, view, view.edge_midpoint(1, 0, 0))
    assert "∂L/∂w1 = δ1 · a0 = (−0.000847168) × 0.5 = −0.000423584" in window.inspector.lines()
    assert window.bridge.session.record.step == 7  # clicking an item does not step


def test_gradient_bars_read_the_comparison(window):
    # No spoilers (issue 9): the bars appear as the backward pass reaches each layer.
    window.bridge.run_to_end()
    heights = window.gradient_bars.bar_heights()
    np.testing.assert_allclose(
        10 ** heights, [[0.000423584, 0.00386991, 0.0320037], [0.0921875] * 3], rtol=1e-5
    )


def test_editing_the_network_redraws_everything_and_bad_values_keep_it(qtbot, window):
    window.controls.widths.setText("2, 3, 1")
    window.controls.widths.editingFinished.emit()
    assert window.bridge.session.network.widths == (2, 3, 1)
    assert window.gradient_bars.bar_heights().shape == (2, 2)
    window.controls.widths.setText("2, 0, 1")
    window.controls.widths.editingFinished.emit()
    assert window.bridge.session.network.widths == (2, 3, 1)
    assert "Widths, number 2: must be a whole number from 1 to 512, got 0" in window.controls.message.text()


def test_opening_a_bad_file_shows_one_message_and_keeps_the_session(qtbot, window, tmp_path, monkeypatch):
    press(qtbot, window, Key.Key_Right, 3)
    bad = tmp_path / "bad.json"
    bad.write_text('{"layers": [1, 0]}')
    shown = []
    monkeypatch.setattr(QtWidgets.QMessageBox, "warning", lambda parent, title, text: shown.append((title, text)))
    assert window.files.open_file(str(bad)) is False
    assert shown == [("Cannot open this network", "bad.json was not opened: layers[1]: must be a whole number from 1 to 512, got 0")]
    assert window.bridge.session.record.step == 3 and window.bridge.session.experiment.name == "tiny-sigmoid"


def test_save_and_open_round_trip(qtbot, window, tmp_path):
    press(qtbot, window, Key.Key_Right, 8)  # one SGD update
    path = tmp_path / "trained.json"
    assert window.files.save_as(str(path))
    saved = json.loads(path.read_text())
    np.testing.assert_allclose(saved["weights"][0], window.bridge.session.network.weights[0])
    assert window.files.open_file(str(path))
    np.testing.assert_array_equal(window.bridge.session.network.weights[0], np.array(saved["weights"][0]))


def test_docks_are_listed_in_the_view_menu_and_close_and_reopen(qtbot, window):
    entries = {a.text(): a for a in window.menus.view.actions()}
    for name, dock in window.docks.items():
        action = entries[dock.windowTitle()]
        assert action.isCheckable()
        assert dock.objectName() == f"dock-{name}"
    dock = window.docks["depth-chain"]
    entries[dock.windowTitle()].trigger()
    assert dock.isHidden()
    entries[dock.windowTitle()].trigger()
    assert not dock.isHidden()


def test_layout_persists_and_resets(qtbot, settings):
    first = MainWindow(load_preset("tiny-sigmoid"), SCREEN, settings)
    qtbot.addWidget(first)
    first.show()
    first.docks["depth-chain"].close()
    first.docks["inspector"].setFloating(True)
    first.close()
    second = MainWindow(load_preset("tiny-sigmoid"), SCREEN, settings)
    qtbot.addWidget(second)
    second.show()
    assert second.docks["depth-chain"].isHidden()
    assert second.docks["inspector"].isFloating()
    second.reset_layout()
    assert not second.docks["depth-chain"].isHidden()
    assert not second.docks["inspector"].isFloating()
    second.close()


def test_training_from_the_panel_shows_the_trained_network(qtbot, window):
    start = window.bridge.session.network.weights[0].copy()
    with qtbot.waitSignal(window.bridge.sigTrainingFinished, timeout=10000):
        window.training.sigTrainRequested.emit(200)
    assert window.bridge.session.history.steps == 200
    assert not np.array_equal(window.bridge.session.network.weights[0], start)
    assert window.bridge.session.record.step == 0
    assert "Training finished: 200 steps" in window.statusBar().currentMessage()


def test_slides_theme_turns_the_diagram_white(qtbot, window):
    window.set_theme(SLIDES)
    image = grab(window.diagram)
    assert image.pixelColor(5, 5).name() == "#ffffff"
    window.set_theme(SCREEN)
    assert grab(window.diagram).pixelColor(5, 5).name() == SCREEN.background


def test_every_exportable_view_exists(window):
    for name in VIEW_NAMES:
        assert isinstance(window.view_widget(name), QtWidgets.QWidget)
    with pytest.raises(KeyError):
        window.view_widget("nope")


def test_the_diagram_has_the_focus_so_arrow_keys_step_at_launch(qtbot, window):
    window.activateWindow()
    qtbot.waitUntil(lambda: QtWidgets.QApplication.focusWidget() is not None)
    focus = QtWidgets.QApplication.focusWidget()
    assert focus is window.diagram or window.diagram.isAncestorOf(focus)
    # After typing in a field and pressing Enter, the focus returns to the diagram.
    field = window.controls.learning_rate
    field.setFocus()
    qtbot.keyClicks(field, "5")
    qtbot.keyClick(field, Key.Key_Return)
    focus = QtWidgets.QApplication.focusWidget()
    assert focus is window.diagram or window.diagram.isAncestorOf(focus)


def test_an_edit_during_training_keeps_what_training_reached(qtbot, window):
    start = window.bridge.session.network.weights[0].copy()
    with qtbot.waitSignal(window.bridge.sigTrainingProgress, timeout=5000):
        window.training.sigTrainRequested.emit(100000)
    qtbot.waitUntil(lambda: window.bridge.training and window.bridge.session.network is not None, timeout=5000)
    window.controls.learning_rate.setText("0.25")
    window.controls.learning_rate.editingFinished.emit()
    assert not window.bridge.training
    assert window.bridge.session.experiment.learning_rate == 0.25
    # Issue 10: a learning-rate edit keeps the training history (it used to start a history of its own).
    history = window.bridge.session.history
    assert history is not None and history.cancelled and history.steps > 0
    assert window.bridge.session.network is history.network
    assert not np.array_equal(window.bridge.session.network.weights[0], start)  # the trained weights stayed
    assert "Training cancelled after" in window.statusBar().currentMessage()


def test_choosing_other_bars_settings_shows_their_comparison(qtbot, window):
    from gradviz.core.network import Network

    combos = window.gradient_bars.findChildren(QtWidgets.QComboBox)
    measure, first, second = combos[0], combos[1], combos[2]
    with qtbot.waitSignal(window.bridge.sigSnapshot):
        first.setCurrentIndex(first.findData("tanh"))
    with qtbot.waitSignal(window.bridge.sigSnapshot):
        measure.setCurrentIndex(measure.findData("max_abs_grad_w"))
    window.bridge.run_to_end()  # the bars are drawn once the backward pass has computed them
    e = load_preset("tiny-sigmoid")
    expected = []
    for name in ("tanh", "relu"):
        net = Network(e.network.widths, name, e.network.weights, e.network.biases)
        record = net.run(e.inputs, e.targets, e.loss)
        expected.append([np.abs(layer.grad_w).max() for layer in record.layers])
    np.testing.assert_allclose(10 ** window.gradient_bars.bar_heights(), expected, rtol=1e-9)
    assert window.gradient_bars.settings() == ("max_abs_grad_w", "tanh", "relu")
    assert second.currentData() == "relu"


def test_choosing_a_preset_loads_it(qtbot, window):
    window.controls.sigPresetChosen.emit("deep-sigmoid")
    assert "deep-sigmoid" in window.windowTitle()
    assert window.gradient_bars.bar_heights().shape == (2, 11)
    assert window.status.step.text().startswith("Ready")


def test_the_window_computes_no_core_fact():
    """MainWindow wires signals to views and actions to bridge slots: it calls no core computation."""
    import inspect

    import gradviz.ui.main_window as main_window
    import gradviz.ui.presenter as presenter
    from gradviz.ui.window import actions, dialogs, docks, files, status, theming

    # The window's parts are the window too.
    source = "".join(inspect.getsource(m) for m in (main_window, presenter, actions, dialogs, docks, files, status, theming))
    for call in ("compare_activations", "gradient_health", "load_preset", "load_network", "save_network",
                 "network_with_activation", "Stepper(", "train(", ".run(", "edit_experiment", "derivative_chain"):
        assert call not in source, call
    # ... and it reads no state back from the bridge after a signal: only commands go to it.
    for read in ("bridge.record", "bridge.network", "bridge.history", "bridge.playing", "bridge.speed", "bridge.scale_record",
                 "bridge.passes_done", "bridge.can_step_back", "bridge.session", "bridge.experiment", "bridge.file_path",
                 "bridge.dirty", "bridge.snapshot"):
        assert read not in source, read


# ---------------------------------------------------------------------------------------------- compare view

Ctrl = QtCore.Qt.KeyboardModifier.ControlModifier


def _packed(rgb) -> int:
    r, g, b = (int(c) for c in rgb[:3])
    return 0xFF000000 | (r << 16) | (g << 8) | b


def _relu_twin(network):
    from gradviz.core.network import Network

    return Network(network.widths, "relu", network.weights, network.biases, network.residual)


def test_compare_side_by_side_swaps_the_middle_and_every_key_moves_both_halves(qtbot, window):
    compare = window.compare_view
    qtbot.keyClick(window, Key.Key_K, Ctrl)
    assert window.act.compare.isChecked() and window.central.currentWidget().isAncestorOf(compare)
    assert compare.titles == ("sigmoid (as loaded)", "ReLU")

    def halves():
        return [(view.scene.highlight, view.scene.direction) for view in (compare.left, compare.right)]

    press(qtbot, window, Key.Key_Right, 3)  # forward, layer 3
    assert halves() == [(3, 1), (3, 1)]
    press(qtbot, window, Key.Key_Right, 3)  # backward, layer 2
    assert halves() == [(2, -1), (2, -1)]
    press(qtbot, window, Key.Key_Left)  # back to the backward pass's first step, layer 3
    assert halves() == [(3, -1), (3, -1)]
    press(qtbot, window, Key.Key_End)
    assert halves() == [(1, -1), (1, -1)]
    # Both halves of the end of the pass, against independent runs on one shared colour scale.
    e = load_preset("tiny-sigmoid")
    left = e.network.run(e.inputs, e.targets, e.loss)
    right = _relu_twin(e.network).run(e.inputs, e.targets, e.loss)
    grads = [np.abs(l.grad_w).ravel() for l in (*left.layers, *right.layers)]
    decades = decade_range(np.concatenate(grads))
    for view, record in ((compare.left, left), (compare.right, right)):
        expected = [_packed(c) for c in gradient_colors(np.concatenate([np.abs(l.grad_w).ravel() for l in record.layers]), decades, window.theme)]
        assert [int(c) for c in view.scene.edge_argb] == expected
    press(qtbot, window, Key.Key_Home)
    assert window.bridge.session.compare_lane.record.step == window.bridge.session.record.step == 0
    window.toolbar.speed.setValue(20)
    press(qtbot, window, Key.Key_Space)
    qtbot.waitUntil(lambda: not window.bridge.playing, timeout=5000)
    assert halves() == [(1, -1), (1, -1)]
    assert window.bridge.session.compare_lane.record.step == 7
    # Ctrl+K again: the single diagram is back, at the same step.
    qtbot.keyClick(window, Key.Key_K, Ctrl)
    assert not window.act.compare.isChecked() and window.central.currentWidget() is window.diagram
    assert window.bridge.session.record.step == 7


def test_a_click_in_either_half_is_inspected_with_its_side(qtbot, window):
    from gradviz.core.explain import explain_neuron

    qtbot.keyClick(window, Key.Key_K, Ctrl)
    press(qtbot, window, Key.Key_End)
    right_view = window.compare_view.right
    _click(qtbot, right_view, right_view.neuron_center(1, 0))
    lines = window.inspector.lines()
    e = load_preset("tiny-sigmoid")
    relu_record = _relu_twin(e.network).run(e.inputs, e.targets, e.loss)
    assert lines[0] == "right: ReLU"
    assert lines[1:] == explain_neuron(relu_record, 1, 0)
    left_view = window.compare_view.left
    _click(qtbot, left_view, left_view.edge_midpoint(1, 0, 0))
    lines = window.inspector.lines()
    assert lines[0] == "left: sigmoid (as loaded)"
    assert "∂L/∂w1 = δ1 · a0 = (−0.000847168) × 0.5 = −0.000423584" in lines
    assert window.bridge.session.record.step == 7  # clicking an item does not step


def test_the_chooser_switches_the_right_half(qtbot, window):
    qtbot.keyClick(window, Key.Key_K, Ctrl)
    bar = window.compare_bar
    bar.activation.setCurrentIndex(bar.activation.findData("tanh"))
    bar.activation.activated.emit(bar.activation.currentIndex())
    assert window.compare_view.titles == ("sigmoid (as loaded)", "tanh")
    assert window.compare_view.right.scene.layer_names[1:] == ("tanh", "tanh", "tanh")
    bar.residual.click()
    assert window.compare_view.titles == ("sigmoid, no residual (as loaded)", "tanh, residual")
    assert bar.settings_shown() == ("tanh", True, True)
    assert [bar.activation.itemData(i) for i in range(bar.activation.count())] == list(ACTIVATION_NAMES)


def test_the_shared_scale_toggle_recolours_the_right_half(qtbot, settings):
    from gradviz.core.experiment import Experiment
    from gradviz.core.network import Network

    # A chain of six 1-wide sigmoid layers, w = 1, x = 1, t = 0: the sigmoid gradient shrinks from 0.098 at
    # the output to 7.2e-5 at layer 1, while under ReLU every dL/dw is exactly 1.
    chain = Experiment("chain", Network([1] * 7, "sigmoid", [np.array([[1.0]])] * 6), np.array([[1.0]]), np.array([[0.0]]))
    w = MainWindow(chain, SCREEN, settings)
    qtbot.addWidget(w)
    w.resize(1400, 900)
    w.show()
    qtbot.waitExposed(w)
    qtbot.waitUntil(w.isActiveWindow)  # the keys are window shortcuts
    qtbot.keyClick(w, Key.Key_K, Ctrl)
    press(qtbot, w, Key.Key_End)
    right = w.compare_view.right
    QtWidgets.QApplication.processEvents()  # the shared colour bar under both halves is laid out
    point = right.edge_midpoint(1, 0, 0)
    # Shared: 7.2e-5 .. 1 spans 10^-5 .. 10^0 and 1 is the top colour; on its own, 1 spans 10^-3 .. 10^1.
    shared = gradient_colors([1.0], (-5, 0), SCREEN)[0, :3].astype(int)
    own = gradient_colors([1.0], (-3, 1), SCREEN)[0, :3].astype(int)
    np.testing.assert_allclose(pixel(grab(right), point), shared, atol=4)
    w.compare_bar.shared_scale.click()
    assert not w.compare_bar.shared_scale.isChecked()
    image = grab(right)  # each half now draws its own colour bar under it: the edge moves with the layout
    np.testing.assert_allclose(pixel(image, right.edge_midpoint(1, 0, 0)), own, atol=4)
    assert np.abs(shared - own).sum() > 60
    w.close()


def test_help_about_names_the_versions_it_runs_on(window, monkeypatch):
    from importlib import metadata

    shown = []
    monkeypatch.setattr(QtWidgets.QDialog, "exec", lambda dialog: shown.append(dialog))
    window.show_about()
    (dialog,) = shown
    assert dialog.windowTitle() == "About gradviz"
    text = dialog.findChild(QtWidgets.QTextBrowser).toPlainText()
    dialog.deleteLater()
    for package in ("numpy", "pyqtgraph", "PySide6-Essentials"):
        assert metadata.version(package) in text, package
    assert f"Qt {QtCore.qVersion()}" in text
    assert f"gradviz {metadata.version('gradviz')}" in text


def test_an_arrow_key_and_a_file_open_are_each_one_bridge_signal(qtbot, window, tmp_path):
    from tests.ui.test_bridge import spy_all

    other = tmp_path / "deep.json"
    from gradviz.core.session import Session

    deep = Session(load_preset("deep-sigmoid"))
    deep.set_compare_active(True)
    deep.go_to_step(5)
    save_session_file(deep, other)
    seen = spy_all(window.bridge)
    window.diagram.setFocus()
    for key in (Key.Key_Right, Key.Key_Right, Key.Key_Left, Key.Key_End, Key.Key_Home):
        seen.clear()
        qtbot.keyClick(window.diagram, key)
        assert seen == ["sigSnapshot"], key
    seen.clear()
    assert window.files.open_file(str(other), ask=False)
    assert seen == ["sigSnapshot"]
    assert window.bridge.snapshot.record.step == 5 and len(window.bridge.snapshot.lanes) == 2
