import numpy as np
import pytest

from gradviz.files.network_file import load_preset
from gradviz.core.records import Phase
from gradviz.ui.bridge import CoreBridge
from tests.helpers import hand_tiny_sigmoid


@pytest.fixture
def bridge(qapp):
    b = CoreBridge(load_preset("tiny-sigmoid"))
    yield b
    b.shutdown()
    b.deleteLater()


def test_each_step_emits_one_record(bridge, qtbot):
    seen = []
    # The colour scale rests on what the pass has revealed: the record itself (issue 17).
    bridge.sigSnapshot.connect(lambda shot: seen.append((shot.record.step, shot.scale_record is shot.record)))
    for _ in range(7):
        bridge.step_forward()
    assert [s for s, _ in seen] == [1, 2, 3, 4, 5, 6, 7]
    assert all(revealed_only for _, revealed_only in seen)
    assert bridge.session.record.phase is Phase.BACKWARD and bridge.session.record.layer == 1
    bridge.step_back()
    assert seen[-1][0] == 6


def test_play_runs_one_pass_and_pauses_at_layer_1(bridge, qtbot):
    bridge.set_speed(20)
    with qtbot.waitSignal(bridge.sigPlayingChanged, timeout=5000, check_params_cb=lambda playing: not playing):
        bridge.toggle_play()
    assert bridge.session.record.step == 7
    assert not bridge.playing


def test_training_in_slices_can_be_cancelled_and_stays_consistent(bridge, qtbot):
    from gradviz.core.training import train

    start = bridge.session.network
    e = bridge.session.experiment
    progress = []
    bridge.sigTrainingProgress.connect(lambda done, total: progress.append(done))
    with qtbot.waitSignal(bridge.sigTrainingProgress, timeout=5000):
        bridge.start_training(100000)
    assert bridge.training
    with qtbot.waitSignal(bridge.sigTrainingFinished, timeout=5000) as finished:
        bridge.cancel_training()
    history = finished.args[0]
    assert history.cancelled and 0 < history.steps < 100000
    assert history.steps == progress[-1]
    # The network on screen is exactly the one after the steps done.
    expected = train(start, e.inputs, e.targets, e.loss, e.learning_rate, history.steps).network
    for got, want in zip(bridge.session.network.weights, expected.weights):
        np.testing.assert_array_equal(got, want)
    assert bridge.session.record.step == 0 and not bridge.training


def test_training_to_the_end_adopts_the_trained_network(bridge, qtbot):
    with qtbot.waitSignal(bridge.sigTrainingFinished, timeout=10000) as finished:
        bridge.start_training(300)
    history = finished.args[0]
    assert history.steps == 300 and not history.cancelled
    assert history.losses[-1] < history.losses[0]
    assert bridge.session.experiment.network is bridge.session.network is history.network


def test_play_from_the_last_backward_step_pauses_and_says_so_last(bridge, qtbot):
    bridge.go_to_step(6)  # backward layer 2: the first tick reaches layer 1 and ends the pass
    states = []
    bridge.sigPlayingChanged.connect(states.append)
    bridge.toggle_play()
    assert bridge.session.record.step == 7
    assert not bridge.playing
    assert states == [True, False]  # the last word is "paused", matching the timer


def _mean_abs_grads(network, experiment):
    record = network.run(experiment.inputs, experiment.targets, experiment.loss)
    return [float(np.abs(layer.grad_w).mean()) for layer in record.layers]


def test_bars_settings_answer_with_the_new_comparison(bridge, qtbot):
    from gradviz.core.network import Network

    e = bridge.session.experiment
    with qtbot.waitSignal(bridge.sigSnapshot) as shown:
        bridge.set_bars_settings("mean_abs_grad_w", "tanh", "elu")
    comparison = shown.args[0].comparison
    assert comparison.activations == ("tanh", "elu") and comparison.measure == "mean_abs_grad_w"
    net = e.network
    for row, name in enumerate(("tanh", "elu")):
        twin = Network(net.widths, name, net.weights, net.biases)
        np.testing.assert_allclose(comparison.values[row], _mean_abs_grads(twin, e), rtol=1e-12)
    # Stepping within the pass does not recompute it: the next snapshot holds the very same comparison.
    with qtbot.waitSignal(bridge.sigSnapshot) as stepped:
        bridge.step_forward()
    assert stepped.args[0].comparison is comparison


def test_every_move_announces_the_cursor_and_the_verdict(bridge, qtbot):
    cursors, verdicts = [], []
    bridge.sigSnapshot.connect(lambda shot: (cursors.append(shot.cursor), verdicts.append(shot.verdict)))
    for _ in range(7):
        bridge.step_forward()
    assert [c.step for c in cursors] == [1, 2, 3, 4, 5, 6, 7]
    assert cursors[-1].loss == pytest.approx(0.02627809, rel=1e-6) and cursors[0].loss is None
    assert cursors[-1].can_step_back and cursors[-1].passes_done == 0
    assert [h.verdict for h in verdicts[:6]] == ["unknown"] * 6
    # The verdict's span is layers 1..L-1 = 1..2, so f = |dL/dw1| / |dL/dw2| from the hand computation.
    hand = hand_tiny_sigmoid()["grad_w"]
    assert verdicts[-1].per_layer_factor == pytest.approx(abs(hand[0]) / abs(hand[1]), rel=1e-12)
    assert verdicts[-1].verdict == "vanishing"


def test_compare_is_announced_only_while_active_and_moves_in_lock_step(bridge, qtbot):
    seen = []

    def on_snapshot(shot):
        if shot.compare.active:
            left, right = shot.lanes[0], shot.lanes[1]
            seen.append((left.record, left.scale_record, right.record, right.scale_record, shot.compare_titles, shot.compare.shared_scale))
        else:
            assert len(shot.lanes) == 1

    bridge.sigSnapshot.connect(on_snapshot)
    bridge.step_forward()
    assert seen == []
    with qtbot.waitSignal(bridge.sigSnapshot) as settings:
        bridge.set_compare_active(True)
    compare = settings.args[0].compare
    assert compare.active and compare.activation == "relu" and compare.shared_scale
    left, left_scale, right, right_scale, titles, shared = seen[-1]
    assert left.step == right.step == 1 and titles == ("sigmoid (as loaded)", "ReLU") and shared is True
    for _ in range(6):
        bridge.step_forward()
    left, _ls, right, right_scale, _t, _s = seen[-1]
    assert left.step == right.step == 7 and right_scale.complete
    bridge.step_back()
    bridge.run_to_end()
    bridge.reset()
    assert [(args[0].step, args[2].step) for args in seen[-3:]] == [(6, 6), (7, 7), (0, 0)]
    bridge.set_shared_scale(False)
    assert seen[-1][5] is False
    bridge.set_compare_activation("tanh")
    assert seen[-1][4] == ("sigmoid (as loaded)", "tanh")
    bridge.set_compare_active(False)
    count = len(seen)
    bridge.step_forward()
    assert len(seen) == count


def test_a_selection_is_inspected_with_its_side_and_record(bridge, qtbot):
    inspected = []
    bridge.sigSnapshot.connect(lambda shot: inspected.append((shot.inspected.record, shot.inspected.selection, shot.inspected.side_title)))
    bridge.set_compare_active(True)
    bridge.go_to_step(7)
    bridge.select(("edge", 1, 0, 0), "right")
    record, selection, side = inspected[-1]
    assert selection == ("edge", 1, 0, 0) and side == "right: ReLU"
    assert record.layers[0].activation == "relu" and record.step == 7
    bridge.select(("neuron", 2, 0), "left")
    record, selection, side = inspected[-1]
    assert side == "left: sigmoid (as loaded)" and record.layers[0].activation == "sigmoid"
    bridge.set_compare_active(False)
    assert inspected[-1][2] == ""


def test_a_preset_is_loaded_through_the_bridge(bridge, qtbot):
    with qtbot.waitSignal(bridge.sigSnapshot) as changed:
        bridge.new_session("deep-relu")
    assert changed.args[0].experiment.name == "deep-relu" and changed.args[0].file_path is None
    assert bridge.session.record.step == 0 and bridge.session.network.depth == 11


# ---------------------------------------------------------------------------------------------- one signal


def bridge_signals(bridge):
    """Every signal the bridge class declares, found on the class (not a list kept by hand)."""
    from PySide6 import QtCore

    return [name for name in dir(type(bridge)) if isinstance(getattr(type(bridge), name), QtCore.Signal) and name != "destroyed" and name != "objectNameChanged"]


def spy_all(bridge):
    seen = []
    for name in bridge_signals(bridge):
        getattr(bridge, name).connect(lambda *args, name=name: seen.append(name))
    return seen


def test_one_key_press_is_one_signal_and_every_step_kind_at_most_two(bridge, qtbot):
    bridge.announce()
    seen = spy_all(bridge)
    assert "sigSnapshot" in bridge_signals(bridge) and len(bridge_signals(bridge)) >= 7
    for move in (bridge.step_forward, bridge.step_forward, bridge.step_back, bridge.run_to_end, bridge.reset):
        seen.clear()
        move()
        assert seen == ["sigSnapshot"], move.__name__
    bridge.set_compare_active(True)
    for move in (bridge.step_forward, bridge.step_back, bridge.run_to_end):
        seen.clear()
        move()
        assert seen == ["sigSnapshot"], move.__name__
    seen.clear()
    bridge.step_forward()
    shot = bridge.snapshot
    assert shot.moved == 1 and len(shot.lanes) == 2 and shot.lanes[1].record.step == shot.record.step


def test_opening_a_file_is_one_signal_carrying_everything(bridge, qtbot, tmp_path):
    other = CoreBridge(load_preset("deep-sigmoid"))
    other.set_compare_active(True)
    other.go_to_step(30)
    other.select(("neuron", 2, 1), "right")
    path = tmp_path / "deep.json"
    other.save_session(path)
    other.shutdown()
    seen = spy_all(bridge)
    with qtbot.waitSignal(bridge.sigSnapshot) as opened:
        bridge.open_session(path)
    assert seen == ["sigSnapshot"]
    shot = opened.args[0]
    assert shot.experiment.name == "deep-sigmoid" and shot.file_path == path and not shot.dirty
    assert shot.cursor.step == 30 - 24 and shot.cursor.passes_done == 1
    assert shot.compare.active and [lane.record.step for lane in shot.lanes] == [6, 6]
    assert shot.selection == ("neuron", 2, 1) and shot.inspected.side_title == "right: ReLU"
    assert shot.inspected.record is shot.lanes[1].record
