import numpy as np
import pytest

from gradviz.core.netfile import load_preset
from gradviz.core.records import Phase
from gradviz.ui.bridge import CoreBridge


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
