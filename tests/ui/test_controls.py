"""The Network dock: edits become change requests the bridge applies to the network on screen."""

import numpy as np
import pytest
from PySide6 import QtWidgets

from gradviz.files.network_file import load_preset
from gradviz.ui.bridge import CoreBridge
from gradviz.ui.controls import ControlsPanel


@pytest.fixture
def wired(qtbot):
    """The panel and a bridge, connected as the main window connects them."""
    panel = ControlsPanel()
    qtbot.addWidget(panel)
    bridge = CoreBridge(load_preset("tiny-sigmoid"))
    panel.sigEditRequested.connect(bridge.request_edit)
    bridge.sigEditRefused.connect(panel.show_error)
    bridge.sigSnapshot.connect(lambda shot: panel.show_experiment(shot.experiment))
    panel.show_experiment(bridge.session.experiment)
    yield panel, bridge
    bridge.shutdown()


def _enter(field, text):
    field.setText(text)
    field.editingFinished.emit()


def test_fields_show_the_experiment(wired):
    p, _ = wired
    assert p.widths.text() == "1, 1, 1, 1"
    assert p.activation.currentData() == "sigmoid"
    assert p.inputs.text() == "0.5" and p.targets.text() == "0.8"
    assert p.learning_rate.text() == "0.5"
    assert p.preset.currentText() == "tiny-sigmoid"


def test_an_edit_is_a_change_request(wired, qtbot):
    p, _ = wired
    with qtbot.waitSignal(p.sigEditRequested) as request:
        _enter(p.widths, "2, 4, 1")
    assert request.args == [{"layers": [2, 4, 1]}]
    with qtbot.assertNotEmitted(p.sigEditRequested):
        _enter(p.widths, "2, 4, 1")  # unchanged: nothing to do


def test_changing_the_activation_keeps_the_weights(wired):
    p, bridge = wired
    p.activation.setCurrentIndex(p.activation.findData("relu"))
    p.activation.activated.emit(p.activation.currentIndex())
    assert bridge.session.network.activations == ("relu",) * 3
    for w in bridge.session.network.weights:
        np.testing.assert_array_equal(w, [[0.5]])
    assert bridge.session.scale_record.layers[0].grad_w[0, 0] == pytest.approx(-0.0921875, abs=1e-15)


def test_an_edit_keeps_the_weights_training_and_stepping_reached(wired):
    p, bridge = wired
    for _ in range(3 * bridge.session.stepper.steps_per_pass):  # three SGD updates by stepping
        bridge.step_forward()
    stepped = bridge.session.network.weights
    _enter(p.learning_rate, "0.25")
    assert bridge.session.experiment.learning_rate == 0.25
    for got, want in zip(bridge.session.network.weights, stepped):
        np.testing.assert_array_equal(got, want)
    assert not np.array_equal(stepped[0], [[0.5]])


def test_new_widths_rebuild_with_the_initialiser_and_fit_the_data(wired):
    p, bridge = wired
    _enter(p.widths, "2, 4, 4, 1")
    assert bridge.session.network.widths == (2, 4, 4, 1)
    assert bridge.session.experiment.inputs.tolist() == [[0.5, 0.5]]
    assert bridge.session.experiment.init.scheme == "he_normal"
    assert p.widths.text() == "2, 4, 4, 1" and p.message.isHidden()


@pytest.mark.parametrize(
    "field, text, message",
    [
        ("widths", "1, 0, 1", "Not applied: Widths, number 2: must be a whole number from 1 to 512, got 0"),
        ("widths", "1, x, 1", "Not applied: Widths: give whole numbers"),
        ("widths", "1, 600, 1", "Widths, number 2: must be a whole number from 1 to 512, got 600"),
        ("widths", "1, 1, 300000000", "Widths, number 3: must be a whole number from 1 to 512, got 300000000"),
        ("inputs", "0.5, 0.2", "Input, sample 1: must hold 1 number, got 2"),
        ("inputs", "abc", "Input: 'abc' is not a number"),
        ("targets", "0.8; 0.1", "Target: must hold one target per input sample (1), got 2"),
        ("learning_rate", "-1", "Learning rate: must be from 0 to 1,000,000, got -1"),
        ("learning_rate", "fast", "Learning rate: 'fast' is not a number"),
        ("per_layer", "relu, nope, relu", "Per layer, layer 2: unknown activation 'nope'"),
    ],
)
def test_invalid_values_are_refused_in_place_and_the_network_stays(wired, field, text, message):
    p, bridge = wired
    before = bridge.session.experiment
    _enter(getattr(p, field), text)
    assert bridge.session.experiment is before
    assert not p.message.isHidden()
    assert message in p.message.text()
    assert "The current network is unchanged" in p.message.text()
    # A valid edit afterwards clears the message.
    _enter(p.learning_rate, "0.25")
    assert bridge.session.experiment.learning_rate == 0.25
    assert p.message.isHidden()


def test_binary_cross_entropy_needs_a_sigmoid_output(wired):
    p, bridge = wired
    p.per_layer.setText("relu, relu, relu")
    p.per_layer.editingFinished.emit()
    before = bridge.session.experiment
    p.loss.setCurrentIndex(p.loss.findData("binary_cross_entropy"))
    p.loss.activated.emit(p.loss.currentIndex())
    assert bridge.session.experiment is before
    assert "binary_cross_entropy needs a sigmoid output layer" in p.message.text()


def test_preset_choice_is_announced(wired, qtbot):
    p, _ = wired
    with qtbot.waitSignal(p.sigPresetChosen) as chosen:
        p.preset.activated.emit(p.preset.findText("deep-relu"))
    assert chosen.args == ["deep-relu"]


def test_compare_bar_emits_choices_and_shows_settings_quietly(qtbot):
    from gradviz.core.session import CompareSettings
    from gradviz.ui.controls import CompareBar

    bar = CompareBar()
    qtbot.addWidget(bar)
    with qtbot.assertNotEmitted(bar.sigActivationChosen), qtbot.assertNotEmitted(bar.sigSharedScaleChosen):
        bar.show_settings(CompareSettings(True, "elu", False, True))
    assert bar.settings_shown() == ("elu", False, True)
    with qtbot.waitSignal(bar.sigSharedScaleChosen) as shared:
        bar.shared_scale.click()
    assert shared.args == [False]
    with qtbot.waitSignal(bar.sigResidualChosen) as residual:
        bar.residual.click()
    assert residual.args == [True]
    with qtbot.waitSignal(bar.sigActivationChosen) as chosen:
        bar.activation.activated.emit(bar.activation.findData("gelu"))
    assert chosen.args == ["gelu"]



# ---------------------------------------------------------------------------------------------- issue 10: edits keep the work


def test_leaving_the_seed_box_unchanged_keeps_the_weights(wired, qtbot):
    p, bridge = wired
    experiment = bridge.session.experiment
    with qtbot.assertNotEmitted(p.sigEditRequested):
        p.seed.editingFinished.emit()
        p.init.activated.emit(p.init.currentIndex())  # the scheme on screen chosen again
        p.init_params["std"].editingFinished.emit()  # a hidden field of another scheme
    assert bridge.session.experiment is experiment
    assert [w.tolist() for w in bridge.session.network.weights] == [[[0.5]]] * 3
    assert p.preset.currentText() == "tiny-sigmoid"


def test_a_changed_seed_draws_new_weights_and_the_preset_box_says_modified(wired):
    p, bridge = wired
    bridge.sigSnapshot.connect(lambda shot: p.show_title(shot.title))
    p.seed.setValue(7)
    p.seed.editingFinished.emit()
    want = np.random.default_rng(7).normal(0.0, np.sqrt(2.0), size=3)  # he_normal, fan_in 1, layer after layer
    assert [float(w[0, 0]) for w in bridge.session.network.weights] == want.tolist()
    assert p.preset.currentText() == "tiny-sigmoid (modified)"
    bridge.undo()
    assert p.preset.currentText() == "tiny-sigmoid"
    assert [w.tolist() for w in bridge.session.network.weights] == [[[0.5]]] * 3


def test_each_initialiser_shows_its_parameters(wired):
    p, _ = wired
    shown = {}
    for scheme in ("constant", "uniform", "normal", "he_normal"):
        p.init.setCurrentText(scheme)
        p.init.activated.emit(p.init.currentIndex())
        shown[scheme] = {name: field.text() for name, field in p.init_params.items() if not field.isHidden()}
    assert shown == {"constant": {"value": "0.5"}, "uniform": {"low": "-1", "high": "1"}, "normal": {"std": "1"}, "he_normal": {}}


def test_the_constant_initialiser_takes_its_value(wired):
    p, bridge = wired
    p.init.setCurrentText("constant")
    p.init.activated.emit(p.init.currentIndex())
    assert [w.tolist() for w in bridge.session.network.weights] == [[[0.5]]] * 3  # the default value: the same weights
    _enter(p.init_params["value"], "0.25")
    assert [w.tolist() for w in bridge.session.network.weights] == [[[0.25]]] * 3
    assert bridge.session.experiment.init.params == {"value": 0.25}
    _enter(p.init_params["value"], "big")
    assert "Parameters, value: 'big' is not a number" in p.message.text()
    assert [w.tolist() for w in bridge.session.network.weights] == [[[0.25]]] * 3


def test_uniform_bounds_are_checked_and_used(wired):
    p, bridge = wired
    p.init.setCurrentText("uniform")
    p.init.activated.emit(p.init.currentIndex())
    _enter(p.init_params["low"], "2")
    assert "Parameters, low: must not exceed high" in p.message.text()
    _enter(p.init_params["high"], "3")
    want = np.random.default_rng(0).uniform(2.0, 3.0, size=3)
    assert [float(w[0, 0]) for w in bridge.session.network.weights] == want.tolist()


def test_draw_new_weights_always_draws(wired, qtbot):
    p, _ = wired
    with qtbot.waitSignal(p.sigEditRequested) as request:
        p.reinit.click()
    assert request.args == [{"init": {"scheme": "he_normal", "seed": 0}}]


def test_leaving_fields_whose_text_rounds_the_value_changes_nothing(qtbot):
    import dataclasses

    from gradviz.core.init import InitSpec

    panel = ControlsPanel()
    qtbot.addWidget(panel)
    exact = dataclasses.replace(
        load_preset("tiny-sigmoid"), learning_rate=0.123456789, inputs=np.array([[0.1234567891]]),
        init=InitSpec("normal", 0, {"std": 0.1234567890123}),
    )  # fmt: skip
    panel.show_experiment(exact)
    assert panel.learning_rate.text() == "0.123457"  # the text rounds the value
    with qtbot.assertNotEmitted(panel.sigEditRequested):
        for field in (panel.learning_rate, panel.inputs, panel.init_params["std"]):
            field.editingFinished.emit()
        panel.seed.editingFinished.emit()
    with qtbot.waitSignal(panel.sigEditRequested) as request:
        panel.reinit.click()  # the exact parameter, not the text's rounding
    assert request.args == [{"init": {"scheme": "normal", "seed": 0, "std": 0.1234567890123}}]
    with qtbot.waitSignal(panel.sigEditRequested) as request:
        _enter(panel.learning_rate, "0.25")
    assert request.args == [{"learning_rate": 0.25}]


def test_long_fields_show_their_beginning_and_the_initialiser_its_whole_name(qtbot):
    """deep-sigmoid's fields are longer than the dock is wide: each shows where a reader starts (the first
    layers, the first input), not its last characters; the initialiser's name is not cut by the seed box."""
    from PySide6 import QtGui

    panel = ControlsPanel()
    qtbot.addWidget(panel)
    panel.resize(360, 700)
    panel.show()
    qtbot.waitExposed(panel)
    experiment = load_preset("deep-sigmoid")
    panel.show_experiment(experiment)
    assert panel.per_layer.text().startswith("sigmoid, sigmoid") and panel.per_layer.text().endswith("linear")
    for field in (panel.per_layer, panel.inputs):  # wider than the field
        assert field.fontMetrics().horizontalAdvance(field.text()) > field.width()
    for field in (panel.widths, panel.per_layer, panel.inputs, panel.targets, panel.learning_rate):
        assert field.cursorPosition() == 0
        assert field.cursorRect().left() <= 10  # the first character at the field's left edge
    assert panel.init.currentText() == "xavier_normal"
    shown = panel.init.style().subControlRect(
        QtWidgets.QStyle.ComplexControl.CC_ComboBox, _combo_option(panel.init), QtWidgets.QStyle.SubControl.SC_ComboBoxEditField, panel.init
    )
    assert QtGui.QFontMetrics(panel.init.font()).horizontalAdvance("xavier_normal") <= shown.width()


def _combo_option(combo):
    option = QtWidgets.QStyleOptionComboBox()
    combo.initStyleOption(option)
    return option


@pytest.mark.parametrize(
    ("message", "shown"),
    [
        ("layers[0]: must be a whole number from 1 to 512, got 0", "Widths, number 1: must be a whole number from 1 to 512, got 0"),
        ("input[2][3]: must be a finite number, got nan", "Input, sample 3, number 4: must be a finite number, got nan"),
        ("target[1]: must hold 2 numbers, got 1", "Target, sample 2: must hold 2 numbers, got 1"),
        ("activation: must name one activation per weight layer (3), got 2", "Activation: must name one activation per weight layer (3), got 2"),
        ("init.seed: must be a whole number from 0 to 4294967295, got -1", "Seed: must be a whole number from 0 to 4294967295, got -1"),
        ("init.std: must not be negative", "Parameters, std: must not be negative"),
        ("init.low: must not exceed init.high", "Parameters, low: must not exceed high"),
        ("weights[0][1][2]: is nan", "weights[0][1][2]: is nan"),  # not typed in the form: as it is
        ("no preset called 'x'", "no preset called 'x'"),
    ],
)
def test_a_refusal_names_the_field_as_the_form_labels_it_counting_from_one(message, shown):
    from gradviz.ui.controls import in_form_words

    assert in_form_words(message) == shown
