"""The inspector in the window: the whole chain written out, the update step, the sample chooser, Esc."""

import numpy as np
import pytest
from PySide6 import QtCore

from gradviz.files.network_file import load_preset
from gradviz.ui.inspector import HINT
from gradviz.ui.main_window import MainWindow
from gradviz.ui.theme import SCREEN, SLIDES

Key = QtCore.Qt.Key


def make_window(qtbot, preset):
    w = MainWindow(load_preset(preset), SCREEN)
    qtbot.addWidget(w)
    w.resize(1400, 900)
    w.show()
    qtbot.waitExposed(w)
    return w


@pytest.fixture
def tiny(qtbot):
    w = make_window(qtbot, "tiny-sigmoid")
    yield w
    w.close()


@pytest.fixture
def deep(qtbot):
    w = make_window(qtbot, "deep-sigmoid")
    yield w
    w.close()


def click(qtbot, view, point):
    target = view.childAt(point) or view
    qtbot.mouseClick(target, QtCore.Qt.MouseButton.LeftButton, pos=target.mapFrom(view, point))


def shown(window) -> str:
    return "\n".join(window.inspector.lines())


def test_the_first_weight_of_the_chain_shows_the_whole_product(qtbot, tiny):
    qtbot.keyClick(tiny, Key.Key_End)
    click(qtbot, tiny.diagram, tiny.diagram.edge_midpoint(1, 0, 0))
    text = shown(tiny)
    assert "∂L/∂w1 = (y − t)·σ′(z3)·w3·σ′(z2)·w2·σ′(z1)·x" in text
    # The tutorial's number, ∂L/∂w1 = −0.000424, to the inspector's six digits.
    assert "= −0.000423584" in text
    # Every factor's number: σ′(z1) at z1 = 0.5 · 0.5 = 0.25 is σ(0.25)·(1 − σ(0.25)) = 0.246134.
    s = 1.0 / (1.0 + np.exp(-0.25))
    assert f"{s * (1 - s):.6f}" == "0.246134"
    assert "× 0.246134 × 0.5" in text
    assert "0.246134" in tiny.inspector.text.toPlainText()
    assert "SGD update" not in text  # not at the update step yet


def test_the_update_step_writes_out_w_minus_eta_times_the_gradient(qtbot, tiny):
    qtbot.keyClick(tiny, Key.Key_End)
    click(qtbot, tiny.diagram, tiny.diagram.edge_midpoint(1, 0, 0))
    qtbot.keyClick(tiny, Key.Key_Right)
    assert tiny.bridge.session.record.phase.value == "update"
    # w1 = 0.5, η = 0.5 (the preset), ∂L/∂w1 = −0.000423584: 0.5 − 0.5 × (−0.000423584) = 0.500211792.
    line = "SGD update: w1 ← w1 − η·∂L/∂w1 = 0.5 − 0.5 × (−0.000423584) = 0.500212"
    assert line in tiny.inspector.lines()
    assert "w1 ← w1 − η·∂L/∂w1" in tiny.inspector.text.toPlainText()


def test_a_single_sample_has_no_sample_chooser(tiny):
    assert tiny.inspector.sample_choices() == []
    assert not tiny.inspector.sample_combo.isVisible()


def test_the_sample_chooser_picks_whose_numbers_the_neuron_shows(qtbot, deep):
    inspector = deep.inspector
    assert inspector.sample_choices() == ["mean over 4 samples", "sample 1", "sample 2", "sample 3", "sample 4"]
    assert inspector.sample_combo.isVisible()
    qtbot.keyClick(deep, Key.Key_End)
    click(qtbot, deep.diagram, deep.diagram.neuron_center(1, 0))
    assert shown(deep).startswith("Neuron 1 of layer 1 (sigmoid), mean over 4 samples")
    with qtbot.waitSignal(deep.bridge.sigSnapshot):
        inspector.sample_combo.activated.emit(2)  # what a user's choice of "sample 2" emits
    assert inspector.sample_combo.currentText() == "sample 2"
    text = shown(deep)
    assert text.startswith("Neuron 1 of layer 1 (sigmoid), sample 2 of 4")
    # Sample 2's own z and a, worked out from the loaded weights (not from the inspector or the record) ...
    experiment = load_preset("deep-sigmoid")
    net = experiment.network
    z = float(net.weights[0][0] @ experiment.inputs[1] + net.biases[0][0])
    a = 1.0 / (1.0 + np.exp(-z))
    record = deep.bridge.session.record
    # ... equal the record's raw arrays for sample 2, and are what the inspector prints.
    np.testing.assert_allclose([record.layers[0].z[1, 0], record.layers[0].a[1, 0]], [z, a], rtol=1e-12)
    assert not np.isclose(record.layers[0].z[0, 0], z)  # sample 1 would read otherwise
    z_text = f"{z:.6g}".replace("-", "−")
    a_text = f"{a:.6g}".replace("-", "−")
    assert f"z1 = Σ w · a0 + b = {z_text}" in text
    assert f"a1 = sigmoid(z1) = {a_text}" in text
    # The choice stays while stepping, and "mean" brings the means back.
    qtbot.keyClick(deep, Key.Key_Left)
    assert shown(deep).startswith("Neuron 1 of layer 1 (sigmoid), sample 2 of 4")
    inspector.sample_combo.activated.emit(0)
    assert shown(deep).startswith("Neuron 1 of layer 1 (sigmoid), mean over 4 samples")


def test_a_weight_of_a_wide_layer_shows_the_chosen_sample_s_share(qtbot, deep):
    qtbot.keyClick(deep, Key.Key_End)
    deep.select(("edge", 1, 0, 0))
    deep.inspector.sample_combo.activated.emit(3)
    record = deep.bridge.session.record
    delta = record.layers[0].delta[2, 0]
    x = load_preset("deep-sigmoid").inputs[2, 0]
    (line,) = [line for line in deep.inspector.lines() if line.startswith("sample 3 of 4: δ1 · a0 = ")]
    printed = float(line.rsplit("= ", 1)[1].replace("−", "-"))
    np.testing.assert_allclose(printed, delta * x, rtol=1e-5)


def test_esc_clears_the_selection(qtbot, tiny):
    qtbot.keyClick(tiny, Key.Key_End)
    click(qtbot, tiny.diagram, tiny.diagram.neuron_center(2, 0))
    assert shown(tiny).startswith("Neuron 1 of layer 2")
    qtbot.keyClick(tiny, Key.Key_Escape)
    assert tiny.inspector.lines() == [HINT]
    assert tiny.bridge.session.view.selection is None
    assert tiny.bridge.session.record.step == 7  # Esc does not step or reset


def test_esc_in_presenter_mode_leaves_it_and_keeps_the_selection(qtbot, tiny):
    qtbot.keyClick(tiny, Key.Key_End)
    tiny.select(("edge", 2, 0, 0))
    qtbot.keyClick(tiny, Key.Key_F5)
    qtbot.keyClick(tiny, Key.Key_Escape)
    assert not tiny.presenter.active
    assert tiny.bridge.session.view.selection == ("edge", 2, 0, 0)
    qtbot.keyClick(tiny, Key.Key_Escape)
    assert tiny.bridge.session.view.selection is None


def test_the_inspector_prints_in_the_theme_s_size_and_the_formulas_in_monospace(qtbot, tiny):
    tiny.select(("neuron", 1, 0))
    small = tiny.inspector.text.fontInfo().pixelSize()
    tiny.set_theme(SLIDES)
    large = tiny.inspector.text.fontInfo().pixelSize()
    assert large > small
    assert large >= 18
    html = tiny.inspector.text.toHtml()
    assert "DejaVu Sans Mono" in html


def test_the_session_holds_the_sample_choice_and_drops_it_with_a_smaller_batch():
    from gradviz.core.session import Session

    session = Session(load_preset("deep-sigmoid"))
    assert session.view.inspect_sample is None
    session.view.set_inspect_sample(3, len(session.experiment.inputs))
    assert session.view.inspect_sample == 3
    with pytest.raises(ValueError, match="sample must be from 0 to 3"):
        session.view.set_inspect_sample(4, len(session.experiment.inputs))
    assert session.view.inspect_sample == 3
    session.edits.switch_preset("tiny-sigmoid", load_preset("tiny-sigmoid"))  # one sample: sample 4 is gone
    assert session.view.inspect_sample is None

