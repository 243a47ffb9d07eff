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
    bridge.sigRecordChanged.connect(lambda record, scale: seen.append((record.step, scale.complete)))
    for _ in range(7):
        bridge.step_forward()
    assert [s for s, _ in seen] == [1, 2, 3, 4, 5, 6, 7]
    assert all(complete for _, complete in seen)
    assert bridge.record.phase is Phase.BACKWARD and bridge.record.layer == 1
    bridge.step_back()
    assert seen[-1][0] == 6


def test_play_runs_one_pass_and_pauses_at_layer_1(bridge, qtbot):
    bridge.set_speed(20)
    with qtbot.waitSignal(bridge.sigPlayingChanged, timeout=5000, check_params_cb=lambda playing: not playing):
        bridge.toggle_play()
    assert bridge.record.step == 7
    assert not bridge.playing


def test_training_in_slices_can_be_cancelled_and_stays_consistent(bridge, qtbot):
    from gradviz.core.training import train

    start = bridge.network
    e = bridge.experiment
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
    for got, want in zip(bridge.network.weights, expected.weights):
        np.testing.assert_array_equal(got, want)
    assert bridge.record.step == 0 and not bridge.training


def test_training_to_the_end_adopts_the_trained_network(bridge, qtbot):
    with qtbot.waitSignal(bridge.sigTrainingFinished, timeout=10000) as finished:
        bridge.start_training(300)
    history = finished.args[0]
    assert history.steps == 300 and not history.cancelled
    assert history.losses[-1] < history.losses[0]
    assert bridge.experiment.network is bridge.network is history.network


def test_play_from_the_last_backward_step_pauses_and_says_so_last(bridge, qtbot):
    bridge.go_to_step(6)  # backward layer 2: the first tick reaches layer 1 and ends the pass
    states = []
    bridge.sigPlayingChanged.connect(states.append)
    bridge.toggle_play()
    assert bridge.record.step == 7
    assert not bridge.playing
    assert states == [True, False]  # the last word is "paused", matching the timer


def _mean_abs_grads(network, experiment):
    record = network.run(experiment.inputs, experiment.targets, experiment.loss)
    return [float(np.abs(layer.grad_w).mean()) for layer in record.layers]


def test_bars_settings_answer_with_the_new_comparison(bridge, qtbot):
    from gradviz.core.network import Network

    e = bridge.experiment
    with qtbot.waitSignal(bridge.sigComparisonChanged) as shown:
        bridge.set_bars_settings("mean_abs_grad_w", "tanh", "elu")
    comparison = shown.args[0]
    assert comparison.activations == ("tanh", "elu") and comparison.measure == "mean_abs_grad_w"
    net = e.network
    for row, name in enumerate(("tanh", "elu")):
        twin = Network(net.widths, name, net.weights, net.biases)
        np.testing.assert_allclose(comparison.values[row], _mean_abs_grads(twin, e), rtol=1e-12)
    # Stepping within the pass does not recompute or re-announce it.
    with qtbot.assertNotEmitted(bridge.sigComparisonChanged):
        bridge.step_forward()


def test_every_move_announces_the_cursor_and_the_verdict(bridge, qtbot):
    cursors, verdicts = [], []
    bridge.sigCursorChanged.connect(cursors.append)
    bridge.sigHealthChanged.connect(verdicts.append)
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
    bridge.sigCompareChanged.connect(lambda *args: seen.append(args))
    bridge.step_forward()
    assert seen == []
    with qtbot.waitSignal(bridge.sigCompareSettingsChanged) as settings:
        bridge.set_compare_active(True)
    assert settings.args[0].active and settings.args[0].activation == "relu" and settings.args[0].shared_scale
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
    bridge.sigInspected.connect(lambda record, selection, side: inspected.append((record, selection, side)))
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
    with qtbot.waitSignal(bridge.sigExperimentChanged) as changed:
        bridge.switch_preset("deep-relu")
    assert changed.args[0].name == "deep-relu"
    assert bridge.record.step == 0 and bridge.network.depth == 11
