import numpy as np
import pytest

from gradviz.core.netfile import load_preset
from gradviz.ui.controls import ControlsPanel


@pytest.fixture
def panel(qtbot):
    p = ControlsPanel()
    qtbot.addWidget(p)
    p.show_experiment(load_preset("tiny-sigmoid"))
    edits = []
    p.sigExperimentEdited.connect(edits.append)
    return p, edits


def _enter(field, text):
    field.setText(text)
    field.editingFinished.emit()


def test_fields_show_the_experiment(panel):
    p, _ = panel
    assert p.widths.text() == "1, 1, 1, 1"
    assert p.activation.currentData() == "sigmoid"
    assert p.inputs.text() == "0.5" and p.targets.text() == "0.8"
    assert p.learning_rate.text() == "0.5"
    assert p.preset.currentText() == "tiny-sigmoid"


def test_changing_the_activation_keeps_the_weights(panel):
    p, edits = panel
    p.activation.setCurrentIndex(p.activation.findData("relu"))
    p.activation.activated.emit(p.activation.currentIndex())
    (experiment,) = edits
    assert experiment.network.activations == ("relu",) * 3
    for w in experiment.network.weights:
        np.testing.assert_array_equal(w, [[0.5]])
    record = experiment.network.run(experiment.inputs, experiment.targets)
    assert record.layers[0].grad_w[0, 0] == pytest.approx(-0.0921875, abs=1e-15)


def test_new_widths_rebuild_with_the_initialiser_and_fit_the_data(panel):
    p, edits = panel
    _enter(p.widths, "2, 4, 4, 1")
    (experiment,) = edits
    assert experiment.network.widths == (2, 4, 4, 1)
    assert experiment.inputs.shape == (1, 2)
    assert experiment.init.scheme == "he_normal"


@pytest.mark.parametrize(
    "field, text, message",
    [
        ("widths", "1, 0, 1", "layers[1]: must be a whole number from 1 to 512, got 0"),
        ("widths", "1, x, 1", "layers: give whole numbers"),
        ("widths", "1, 600, 1", "layers[1]: must be a whole number from 1 to 512, got 600"),
        ("inputs", "0.5, 0.2", "input[0]: must hold 1 number, got 2"),
        ("inputs", "abc", "input: 'abc' is not a number"),
        ("targets", "0.8; 0.1", "target: must hold one target per input sample (1), got 2"),
        ("learning_rate", "-1", "learning_rate: must be from 0 to"),
        ("learning_rate", "fast", "learning_rate: 'fast' is not a number"),
        ("per_layer", "relu, nope, relu", "activation[1]: unknown activation 'nope'"),
    ],
)
def test_invalid_values_are_refused_in_place_and_the_network_stays(panel, field, text, message):
    p, edits = panel
    _enter(getattr(p, field), text)
    assert edits == []
    assert not p.message.isHidden()
    assert message in p.message.text()
    assert "The current network is unchanged" in p.message.text()
    # A valid edit afterwards clears the message.
    _enter(p.learning_rate, "0.25")
    assert edits and edits[-1].learning_rate == 0.25
    assert p.message.isHidden()


def test_binary_cross_entropy_needs_a_sigmoid_output(panel):
    p, edits = panel
    p.activation.setCurrentIndex(p.activation.findData("relu"))
    p.activation.activated.emit(p.activation.currentIndex())
    p.show_experiment(edits[-1])
    p.loss.setCurrentIndex(p.loss.findData("binary_cross_entropy"))
    p.loss.activated.emit(p.loss.currentIndex())
    assert len(edits) == 1
    assert "binary_cross_entropy needs a sigmoid output layer" in p.message.text()


def test_preset_choice_is_announced(panel, qtbot):
    p, _ = panel
    with qtbot.waitSignal(p.sigPresetChosen) as chosen:
        p.preset.activated.emit(p.preset.findText("deep-relu"))
    assert chosen.args == ["deep-relu"]
