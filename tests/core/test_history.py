"""Undo and redo on the Session: every edit, redraw, training run and preset switch, restored exactly."""

import numpy as np
import pytest

from gradviz.core.history import UndoStack
from gradviz.files.network_file import load_preset
from gradviz.core.session import Session
from tests.helpers import sigmoid


@pytest.fixture
def session():
    return Session(load_preset("tiny-sigmoid"))


def arrays(record):
    """Every array of a record, as bytes, so a comparison is bit for bit."""
    out = [w.tobytes() for w in record.weights + record.biases]
    for layer in record.layers:
        out += [None if a is None else a.tobytes() for a in (layer.z, layer.a, layer.delta, layer.grad_w, layer.grad_b)]
    return out


def test_undo_restores_the_screen_before_a_width_edit_and_redo_the_one_after(session):
    session.go_to_step(5)
    before_record, before_stepper = session.record, session.stepper
    before_bytes = arrays(before_record)
    outcome = session.edits.edit({"layers": [1, 2, 1]})
    assert outcome.fresh_layers == (1, 2)
    assert session.network.widths == (1, 2, 1) and session.record.step == 0
    assert session.edits.undo_text == "Undo change of widths" and session.edits.redo_text is None
    after_stepper, after_weights = session.stepper, [w.tobytes() for w in session.network.weights]
    session.step_forward()

    assert session.edits.undo()
    assert session.stepper is before_stepper and session.record is before_record
    assert arrays(session.record) == before_bytes and session.record.step == 5
    assert session.network.widths == (1, 1, 1, 1)
    assert [w.tolist() for w in session.network.weights] == [[[0.5]]] * 3
    assert session.edits.undo_text is None and session.edits.redo_text == "Redo change of widths"

    assert session.edits.redo()
    assert session.stepper is after_stepper and session.record.step == 1  # where it was left
    assert [w.tobytes() for w in session.network.weights] == after_weights
    assert session.edits.undo_text == "Undo change of widths"


def test_undo_takes_back_a_training_run_and_redo_names_it(session):
    history = session.edits.train_blocking(500)
    trained = session.network
    assert session.edits.undo_text == "Undo training (500 steps)"
    session.edits.undo()
    assert session.history is None
    assert [w.tolist() for w in session.network.weights] == [[[0.5]]] * 3
    assert session.edits.redo_text == "Redo training (500 steps)"
    session.edits.redo()
    assert session.history is history and session.network is trained


def test_an_edit_that_changes_nothing_does_nothing(session):
    session.go_to_step(3)
    stepper = session.stepper
    assert session.edits.edit({"learning_rate": 0.5}) is None
    assert session.edits.edit({"layers": [1, 1, 1, 1]}) is None
    assert session.stepper is stepper and session.record.step == 3
    assert session.edits.undo_text is None and not session.modified
    # Drawing again what was just drawn gives the same weights: nothing new to show or undo.
    assert session.edits.edit({"init": {"scheme": "he_normal", "seed": 3}}).fresh_layers == (1, 2, 3)
    assert session.edits.undo_text == "Undo new weights (he_normal, seed 3)"
    drawn = session.stepper
    assert session.edits.edit({"init": {"scheme": "he_normal", "seed": 3}}) is None
    assert session.stepper is drawn and len(session.edits.stack) == 1


def test_step_back_at_the_start_of_an_edited_network_undoes_the_edit(session):
    session.go_to_step(5)
    record = session.record
    session.edits.edit({"activation": "relu"})
    assert session.record.step == 0 and not session.stepper.can_step_back
    assert session.cursor.can_step_back  # ← is enabled: it undoes the edit
    session.step_back()
    assert session.record is record and session.network.activations == ("sigmoid",) * 3
    assert session.edits.redo_text == "Redo change of activation"
    # At the very start of the loaded network there is nothing to undo by stepping back.
    session.reset()
    session.edits.undo()
    assert not session.cursor.can_step_back


def test_a_data_edit_keeps_the_weights_the_history_and_the_pass_position(session):
    history = session.edits.train_blocking(5)
    w = [float(x[0, 0]) for x in history.network.weights]
    b = [float(x[0]) for x in history.network.biases]
    session.go_to_step(2)
    session.edits.edit({"input": [0.25]})
    assert session.history is history and session.network is history.network
    assert session.record.step == 2  # the pass stands where it stood, recomputed on the new input
    a1 = sigmoid(w[0] * 0.25 + b[0])
    a2 = sigmoid(w[1] * a1 + b[1])
    assert session.record.layers[0].a[0, 0] == pytest.approx(a1, rel=1e-15)
    assert session.record.layers[1].a[0, 0] == pytest.approx(a2, rel=1e-15)
    assert session.edits.undo_text == "Undo change of input" and session.title == "tiny-sigmoid (modified)"
    session.reset()  # Home still returns to the start: the trained network on the new input
    assert session.network is history.network and session.record.step == 0


def test_a_rate_edit_at_the_update_step_keeps_the_update_made(session):
    session.go_to_step(session.stepper.steps_per_pass)  # the SGD update at learning rate 0.5
    updated = session.network
    session.edits.edit({"learning_rate": 0.1})
    assert session.network is updated and session.stepper.position == session.stepper.steps_per_pass
    assert session.record.step == 0 and session.stepper.passes_done == 1
    session.step_back()  # the oldest state after the edit: ← takes the edit back
    assert session.experiment.learning_rate == 0.5 and session.record.step == session.stepper.steps_per_pass


def test_a_preset_switch_can_be_undone_and_clears_the_modified_mark(session):
    session.edits.edit({"learning_rate": 0.25})
    assert session.modified and session.title == "tiny-sigmoid (modified)"
    session.edits.switch_preset("deep-relu", load_preset("deep-relu"))
    assert session.title == "deep-relu" and session.edits.undo_text == "Undo switch to deep-relu"
    session.edits.undo()
    assert session.title == "tiny-sigmoid (modified)" and session.experiment.learning_rate == 0.25
    session.edits.undo()
    assert session.title == "tiny-sigmoid" and session.experiment.learning_rate == 0.5


def test_a_new_action_forgets_what_could_be_redone(session):
    session.edits.edit({"learning_rate": 0.25})
    session.edits.undo()
    assert session.edits.redo_text == "Redo change of learning rate"
    session.edits.edit({"loss": "binary_cross_entropy"})
    assert session.edits.redo_text is None and not session.edits.redo()


def test_opening_a_network_starts_over_with_nothing_to_undo(session):
    session.edits.edit({"learning_rate": 0.25})
    session.set_experiment(load_preset("tiny-relu"))
    assert session.edits.undo_text is None and not session.modified


def test_the_stack_keeps_at_most_its_count_of_entries(session):
    session.edits.stack = UndoStack(max_entries=3)
    for rate in (0.1, 0.2, 0.3, 0.4, 0.6):
        session.edits.edit({"learning_rate": rate})
    assert len(session.edits.stack) == 3
    while session.edits.undo():
        pass
    assert session.experiment.learning_rate == 0.2  # the two oldest edits are forgotten


def test_the_stack_forgets_the_oldest_entries_beyond_its_bytes(session):
    per_pass = session.stepper.steps_per_pass
    session.go_to_step(20 * per_pass)
    one_stepper = session.stepper.held_bytes
    cap = int(1.5 * one_stepper)
    session.edits.stack = UndoStack(max_bytes=cap)
    for rate in (0.1, 0.2, 0.3):
        session.edits.edit({"activation": "tanh" if rate != 0.2 else "sigmoid"})
        session.go_to_step(20 * per_pass)
    assert 1 <= len(session.edits.stack) < 3
    assert session.edits.stack.held_bytes(session.stepper) <= cap


def test_a_redraw_is_named_with_its_parameters(session):
    session.edits.edit({"init": {"scheme": "constant", "seed": 0, "value": 0.3}})
    assert session.edits.undo_text == "Undo new weights (constant, value 0.3, seed 0)"
    assert [w.tolist() for w in session.network.weights] == [[[0.3]]] * 3


def test_step_back_at_the_start_of_a_trained_network_takes_the_training_back(session):
    session.go_to_step(3)
    record = session.record
    session.edits.train_blocking(10)
    assert session.cursor.can_step_back and session.record.step == 0
    session.step_back()
    assert session.record is record and session.history is None
    assert session.edits.redo_text == "Redo training (10 steps)"
