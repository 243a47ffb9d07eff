"""Undo and redo through the real window: Ctrl+Z, Ctrl+Shift+Z, the Edit menu's named items, ← across an edit."""

import numpy as np
import pytest
from PySide6 import QtCore

from tests.qt_helpers import shown_window

Key = QtCore.Qt.Key
Mod = QtCore.Qt.KeyboardModifier


@pytest.fixture
def window(qtbot):
    return shown_window(qtbot)


def shown_title(window):
    """The title as the desktop shows it: Qt puts "*" at "[*]" while there are unsaved changes."""
    return window.windowTitle().replace("[*]", "*" if window.isWindowModified() else "")


def enter(field, text):
    field.setText(text)
    field.editingFinished.emit()


def weights(window):
    return [w.tolist() for w in window.bridge.session.network.weights]


def test_ctrl_z_takes_back_a_width_edit_and_ctrl_shift_z_does_it_again(qtbot, window):
    assert not window.act.undo.isEnabled() and window.act.undo.text() == "Undo"
    qtbot.keyClick(window, Key.Key_Right, delay=0)
    qtbot.keyClick(window, Key.Key_Right)
    before = window.bridge.session.record
    enter(window.controls.widths, "1, 1, 3, 1")
    assert window.bridge.session.network.widths == (1, 1, 3, 1)
    assert weights(window)[0] == [[0.5]]  # layer 1 keeps its shape and its weight
    assert window.statusBar().currentMessage() == "Layers 2 and 3 got fresh weights (he_normal, seed 0)."
    assert window.act.undo.isEnabled() and window.act.undo.text() == "Undo change of widths"
    assert shown_title(window) == "tiny-sigmoid (modified)* — gradviz"  # "*": the edit is not saved yet
    assert window.controls.preset.currentText() == "tiny-sigmoid (modified)"
    fresh = weights(window)

    qtbot.keyClick(window, Key.Key_Z, Mod.ControlModifier)
    assert window.bridge.session.record is before and window.bridge.session.record.step == 2
    assert weights(window) == [[[0.5]]] * 3
    assert window.controls.widths.text() == "1, 1, 1, 1"
    # "*": the pass still stands two steps on from where the preset opened, which is unsaved.
    assert shown_title(window) == "tiny-sigmoid* — gradviz" and window.controls.preset.currentText() == "tiny-sigmoid"
    assert not window.act.undo.isEnabled()
    assert window.act.redo.isEnabled() and window.act.redo.text() == "Redo change of widths"

    qtbot.keyClick(window, Key.Key_Z, Mod.ControlModifier | Mod.ShiftModifier)
    assert weights(window) == fresh and window.bridge.session.network.widths == (1, 1, 3, 1)
    assert window.act.undo.text() == "Undo change of widths" and not window.act.redo.isEnabled()


def test_the_edit_menu_names_a_training_run(qtbot, window):
    with qtbot.waitSignal(window.bridge.sigTrainingFinished, timeout=20000):
        window.training.sigTrainRequested.emit(500)
    trained = weights(window)
    assert trained != [[[0.5]]] * 3
    assert window.menus.edit.actions()[0].text() == "Undo training (500 steps)"
    window.act.undo.trigger()
    assert weights(window) == [[[0.5]]] * 3 and window.bridge.session.history is None
    assert window.menus.edit.actions()[1].text() == "Redo training (500 steps)"
    window.act.redo.trigger()
    assert weights(window) == trained and window.bridge.session.history.steps == 500


def test_left_arrow_at_the_start_of_an_edited_network_undoes_the_edit(qtbot, window):
    for _ in range(5):
        qtbot.keyClick(window, Key.Key_Right)
    before = window.bridge.session.record
    window.controls.activation.setCurrentIndex(window.controls.activation.findData("relu"))
    window.controls.activation.activated.emit(window.controls.activation.currentIndex())
    window.diagram.setFocus()
    assert window.bridge.session.record.step == 0 and window.act.back.isEnabled()
    qtbot.keyClick(window, Key.Key_Left)
    assert window.bridge.session.record is before and window.bridge.session.network.activations == ("sigmoid",) * 3
    assert window.act.redo.text() == "Redo change of activation"


def test_a_preset_switch_is_undone_from_the_menu(qtbot, window):
    enter(window.controls.learning_rate, "0.25")
    window.controls.preset.activated.emit(window.controls.preset.findText("deep-relu"))
    assert window.bridge.session.experiment.name == "deep-relu" and shown_title(window) == "deep-relu — gradviz"
    assert window.act.undo.text() == "Undo switch to deep-relu"
    window.act.undo.trigger()
    assert window.bridge.session.experiment.name == "tiny-sigmoid" and window.bridge.session.experiment.learning_rate == 0.25
    assert window.controls.preset.currentText() == "tiny-sigmoid (modified)"
    assert window.controls.learning_rate.text() == "0.25"


def test_leaving_fields_unchanged_records_nothing(qtbot, window):
    for field in (window.controls.widths, window.controls.learning_rate, window.controls.inputs, window.controls.targets):
        field.editingFinished.emit()
    window.controls.seed.editingFinished.emit()
    assert not window.act.undo.isEnabled()
    assert weights(window) == [[[0.5]]] * 3 and shown_title(window) == "tiny-sigmoid — gradviz"


def test_a_learning_rate_edit_keeps_the_training_history_on_screen(qtbot, window):
    with qtbot.waitSignal(window.bridge.sigTrainingFinished, timeout=20000):
        window.training.sigTrainRequested.emit(50)
    history = window.bridge.session.history
    enter(window.controls.learning_rate, "0.1")
    assert window.bridge.session.history is history and window.bridge.session.experiment.learning_rate == 0.1
    np.testing.assert_array_equal(window.bridge.session.network.weights[0], history.network.weights[0])
