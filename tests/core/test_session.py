"""The session: one cursor moving two steppers in lock-step, the comparison, the verdict, the titles."""

import numpy as np
import pytest

from gradviz.core.network import Network
from gradviz.core.session import CompareSettings, Session, micro_steps_taken
from gradviz.core.stats import gradient_health
from gradviz.files.network_file import load_preset
from gradviz.files.session_file import save_session_file
from gradviz.files.sniff import open_file


@pytest.fixture
def tiny():
    return load_preset("tiny-sigmoid")


def relu_twin(network, residual=None, output=None):
    """The same weights with ReLU on every layer (or ``output`` on the last), built by hand."""
    acts = ["relu"] * network.depth
    if output is not None:
        acts[-1] = output
    return Network(network.widths, acts, network.weights, network.biases, network.residual if residual is None else residual)


def assert_same_grads(record, expected):
    for got, want in zip(record.layers, expected.layers):
        np.testing.assert_array_equal(got.grad_w, want.grad_w)
        np.testing.assert_array_equal(got.grad_b, want.grad_b)


def test_every_move_keeps_both_sides_on_the_same_micro_step(tiny):
    session = Session(tiny)
    session.set_compare_active(True)
    for k in range(1, 20):  # over two SGD updates (a pass is 8 micro-steps here)
        session.step_forward()
        assert session.record.step == session.compare_lane.record.step
        assert micro_steps_taken(session.stepper) == micro_steps_taken(session.compare_lane.stepper) == k
    session.step_back()
    session.step_back()
    assert micro_steps_taken(session.compare_lane.stepper) == 17
    session.run_to_end()
    assert session.record.step == session.compare_lane.record.step == 7
    session.go_to_step(5)
    assert session.record.step == session.compare_lane.record.step == 5
    assert session.compare_lane.stepper.passes_done == 0
    session.reset()
    assert session.record.step == session.compare_lane.record.step == 0


def test_after_k_steps_both_records_are_at_step_k(tiny):
    session = Session(tiny)
    session.set_compare_active(True)
    for k in range(1, 8):
        session.step_forward()
        assert session.record.step == k and session.compare_lane.record.step == k


def test_the_right_half_is_an_independent_run_of_the_same_weights_under_relu(tiny):
    session = Session(tiny)
    session.set_compare_active(True)
    session.go_to_step(7)  # the end of the backward pass
    expected = relu_twin(tiny.network).run(tiny.inputs, tiny.targets, tiny.loss)
    assert session.compare_lane.record.layers[0].activation == "relu"
    assert_same_grads(session.compare_lane.record, expected)
    # The traced magnitudes of the tiny preset under ReLU (the bars panel's tests use the same numbers).
    means = [np.abs(layer.grad_w).mean() for layer in session.compare_lane.record.layers]
    np.testing.assert_allclose(means, [0.0921875] * 3, rtol=1e-6)
    # The left half is the network as loaded.
    assert_same_grads(session.record, tiny.network.run(tiny.inputs, tiny.targets, tiny.loss))


def test_switching_compare_on_mid_pass_brings_the_right_half_to_the_same_step(tiny):
    session = Session(tiny)
    for _ in range(5):
        session.step_forward()
    session.set_compare_active(True)
    assert session.compare_lane.record.step == 5
    session.step_forward()
    session.step_forward()
    expected = relu_twin(tiny.network).run(tiny.inputs, tiny.targets, tiny.loss)
    assert_same_grads(session.compare_lane.record, expected)


def test_the_right_half_trains_its_own_weights_in_lock_step(tiny):
    session = Session(tiny)
    session.set_compare_active(True)
    session.go_to_step(8)  # one SGD update on each side
    twin = relu_twin(tiny.network)
    first = twin.run(tiny.inputs, tiny.targets, tiny.loss)
    lr = tiny.learning_rate
    updated = Network(
        twin.widths, twin.activations,
        [w - lr * layer.grad_w for w, layer in zip(twin.weights, first.layers)],
        [b - lr * layer.grad_b for b, layer in zip(twin.biases, first.layers)],
    )  # fmt: skip
    for got, want in zip(session.compare_lane.stepper.network.weights, updated.weights):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-15)
    for _ in range(7):
        session.step_forward()
    assert session.compare_lane.record.step == 7
    expected = updated.run(tiny.inputs, tiny.targets, tiny.loss)
    for got, want in zip(session.compare_lane.record.layers, expected.layers):
        np.testing.assert_allclose(got.grad_w, want.grad_w, rtol=1e-12, atol=0)


def test_the_output_layer_follows_the_bars_rule_and_residual_can_be_chosen():
    deep = load_preset("residual-sigmoid")
    session = Session(deep)
    session.set_compare_active(True)
    assert session.compare_lane.stepper.network.activations == ("relu",) * 10 + ("linear",)
    assert session.compare_lane.stepper.network.residual
    session.set_compare_residual(False)
    session.go_to_step(2 * deep.network.depth + 1)
    expected = relu_twin(deep.network, residual=False, output="linear").run(deep.inputs, deep.targets, deep.loss)
    assert_same_grads(session.compare_lane.record, expected)
    assert session.compare_titles() == ("sigmoid, residual (as loaded)", "ReLU, no residual")
    session.set_compare_residual(None)
    assert session.compare_titles() == ("sigmoid, residual (as loaded)", "ReLU, residual")
    assert session.compare_lane.record.step == 2 * deep.network.depth + 1  # a new setting keeps the cursor


def test_the_compare_activation_can_be_any_activation(tiny):
    session = Session(tiny, compare_activation="tanh")
    assert session.compare_titles() == ("sigmoid (as loaded)", "tanh")
    session.set_compare_activation("relu")
    assert session.compare_titles() == ("sigmoid (as loaded)", "ReLU")
    session.set_compare_activation("gelu")
    assert session.compare_lane.record.layers[1].activation == "gelu"
    with pytest.raises(ValueError, match="unknown activation 'swish'; choose one of sigmoid, tanh, relu"):
        session.set_compare_activation("swish")
    assert session.compare.activation == "gelu"


def test_the_comparison_is_the_bars_settings_on_the_current_network_and_cached(tiny):
    session = Session(tiny)
    comparison = session.comparison()
    assert comparison.activations == ("sigmoid", "relu") and comparison.measure == "mean_abs_grad_w"
    np.testing.assert_allclose(comparison.values, [[0.000423584197, 0.00386990829, 0.0320037376], [0.0921875] * 3], rtol=1e-8)
    session.step_forward()
    assert session.comparison() is comparison  # same network, same settings
    session.view.set_bars_settings("max_abs_grad_w", "tanh", "relu")
    changed = session.comparison()
    tanh = Network(tiny.network.widths, "tanh", tiny.network.weights, tiny.network.biases).run(tiny.inputs, tiny.targets)
    np.testing.assert_allclose(changed.values[0], [np.abs(l.grad_w).max() for l in tanh.layers], rtol=1e-12)
    session.go_to_step(8)  # the update step shows the gradients it just applied: the same comparison
    assert session.comparison() is changed
    session.go_to_step(9)  # the next pass runs on the updated network
    assert session.comparison() is not changed
    with pytest.raises(ValueError, match="unknown measure"):
        session.view.set_bars_settings("mean", "tanh", "relu")


def test_health_is_the_verdict_of_the_current_pass(tiny):
    session = Session(tiny)
    session.go_to_step(6)
    assert session.health() == gradient_health(session.record)
    assert not session.record.complete
    session.step_forward()
    assert session.health() == gradient_health(tiny.network.run(tiny.inputs, tiny.targets, tiny.loss))


def test_selection_side_and_record(tiny):
    session = Session(tiny)
    session.set_compare_active(True)
    session.go_to_step(7)
    session.view.select(("edge", 1, 0, 0), "right")
    assert session.selected_record() is session.compare_lane.record
    assert session.side_title("right") == "right: ReLU"
    assert session.side_title("left") == "left: sigmoid (as loaded)"
    session.set_compare_active(False)
    assert session.view.selection is None and session.selected_record() is session.record
    with pytest.raises(ValueError, match="unknown side"):
        session.view.select(("neuron", 1, 0), "middle")


def test_a_new_network_starts_both_sides_over_and_drops_a_selection_it_lacks(tiny):
    session = Session(tiny)
    session.set_compare_active(True)
    session.go_to_step(4)
    session.view.select(("neuron", 3, 0))
    session.edits.edit({"layers": [1, 2]})
    assert session.view.selection is None
    assert session.record.step == session.compare_lane.record.step == 0
    assert session.compare_lane.stepper.network.widths == (1, 2)


def test_training_is_adopted_and_kept_as_history(tiny):
    session = Session(tiny)
    history = session.edits.train_blocking(5)
    assert session.history is history and history.steps == 5
    assert session.network is history.network and session.experiment.network is history.network
    session.set_experiment(tiny)
    assert session.history is None


def test_a_bad_colour_mode_is_refused_by_name(tiny):
    with pytest.raises(ValueError, match="unknown colour mode 'rainbow'"):
        Session(tiny, color_mode="rainbow")


# ---------------------------------------------------------------------------------------------- session files


def deep_session_mid_backward():
    """deep-sigmoid after one SGD update, halfway back through the next backward pass, with settings chosen."""
    deep = load_preset("deep-sigmoid")
    session = Session(deep)
    depth = deep.network.depth
    per_pass = 2 * depth + 2
    session.go_to_step(per_pass + depth + 1 + depth // 2)
    session.view.set_color_mode("weight")
    session.set_compare_active(True)
    session.set_compare_activation("tanh")
    session.set_compare_residual(True)
    session.view.set_shared_scale(False)
    session.view.set_bars_settings("norm_grad_w", "tanh", "elu")
    session.view.select(("edge", 2, 1, 0), "right")
    return session


def test_a_session_file_restores_the_same_record_settings_and_start(tmp_path):
    session = deep_session_mid_backward()
    path = tmp_path / "lecture.json"
    save_session_file(session, path)
    assert session.file.path == path and not session.file.dirty
    again = Session(load_preset("tiny-sigmoid"))
    assert open_file(again, path) is True
    assert again.file.path == path and not again.file.dirty
    depth = session.network.depth
    assert again.record.step == session.record.step == depth + 1 + depth // 2
    assert again.stepper.passes_done == 1 and again.stepper.position == session.stepper.position
    for got, want in zip(again.record.layers + again.compare_lane.record.layers, session.record.layers + session.compare_lane.record.layers):
        for name in ("z", "a", "delta", "grad_w", "grad_b"):
            x, y = getattr(got, name), getattr(want, name)
            assert (x is None) == (y is None), name
            if x is not None:
                assert x.tobytes() == y.tobytes(), name
    assert (again.view.color_mode, again.view.selection, again.view.selection_side) == ("weight", ("edge", 2, 1, 0), "right")
    def settings(s):
        return s.compare.settings(s.experiment.network, s.view.shared_scale)

    assert settings(again) == settings(session) == CompareSettings(True, "tanh", True, False)
    assert (again.view.bars_measure, again.view.bars_activations) == ("norm_grad_w", ("tanh", "elu"))
    # Home returns to the session's start: the preset's weights as the file holds them.
    again.reset()
    start = load_preset("deep-sigmoid").network
    assert again.record.step == 0 and again.stepper.passes_done == 0
    assert all(w.tobytes() == s.tobytes() for w, s in zip(again.network.weights, start.weights))


def test_dirty_follows_every_change_and_is_cleared_by_save_and_open(tmp_path):
    session = Session(load_preset("tiny-sigmoid"))
    assert not session.file.dirty
    session.step_forward()
    assert session.file.dirty
    session.step_back()
    assert not session.file.dirty  # back where it was opened
    changes = [
        lambda: session.view.set_color_mode("activation"),
        lambda: session.view.select(("neuron", 1, 0)),
        lambda: session.set_compare_active(True),
        lambda: session.set_compare_activation("elu"),
        lambda: session.set_compare_residual(True),
        lambda: session.view.set_shared_scale(False),
        lambda: session.view.set_bars_settings("max_abs_grad_w", "sigmoid", "relu"),
        lambda: session.edits.edit({"learning_rate": 0.25}),
        lambda: session.edits.train_blocking(3),
        lambda: session.go_to_step(9),
    ]
    for number, change in enumerate(changes):
        change()
        assert session.file.dirty, number
        save_session_file(session, tmp_path / "s.json")
        assert not session.file.dirty, number
    session.step_forward()
    assert session.file.dirty
    open_file(session, tmp_path / "s.json")
    assert not session.file.dirty and session.record.step == 1 and session.stepper.position == 9


def test_a_plain_network_file_opens_at_its_start_keeps_the_view_settings_and_has_no_file(tmp_path):
    from gradviz.files.network_file import save_network

    save_network(load_preset("deep-relu"), tmp_path / "net.json")
    session = Session(load_preset("tiny-sigmoid"), color_mode="weight")
    session.go_to_step(3)
    assert open_file(session, tmp_path / "net.json") is False
    assert session.file.path is None and not session.file.dirty
    assert session.experiment.name == "deep-relu" and session.record.step == 0 and session.view.color_mode == "weight"


def test_a_bad_file_or_an_unstorable_network_changes_nothing(tmp_path):
    from gradviz.core.experiment import NetworkFileError

    session = Session(load_preset("tiny-sigmoid"))
    session.go_to_step(4)
    (tmp_path / "bad.json").write_text('{"layers": [1, 0]}')
    with pytest.raises(NetworkFileError, match=r"^layers\[1\]: must be a whole number from 1 to 512, got 0$"):
        open_file(session, tmp_path / "bad.json")
    assert session.record.step == 4 and session.file.dirty and session.file.path is None
    net = session.network
    weights = [np.array(w) for w in net.weights]
    weights[2][0, 0] = np.inf
    session.set_experiment(session.experiment.with_network(Network(net.widths, net.activations, weights, net.biases)))
    with pytest.raises(NetworkFileError, match=r"^weights\[2\]\[0\]\[0\]: is ∞ \(layer 3, row 1, column 1\)"):
        save_session_file(session, tmp_path / "s.json")
    assert session.file.dirty and session.file.path is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.json"]


def test_restore_refuses_a_selection_outside_the_network_and_changes_nothing(tmp_path):
    import dataclasses

    session = deep_session_mid_backward()
    data = dataclasses.replace(session.to_data(), selection=("neuron", 1, 99))
    other = Session(load_preset("tiny-sigmoid"))
    with pytest.raises(ValueError, match="names a unit the network does not have"):
        other.restore(data)
    assert other.experiment.name == "tiny-sigmoid" and other.view.selection is None
    assert Session.from_data(session.to_data()).record.step == session.record.step
