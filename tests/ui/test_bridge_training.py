"""Training through the bridge: one TrainingRun advanced in slices, bounded memory, a stop at a non-finite loss."""

import dataclasses
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from gradviz.files.network_file import load_preset
from gradviz.core.training import TrainingRun
from gradviz.ui.bridge import CoreBridge


@pytest.fixture
def bridge(qtbot):
    b = CoreBridge(load_preset("tiny-sigmoid"))
    yield b
    b.shutdown()


def test_the_bridge_advances_one_training_run(bridge, qtbot):
    progress = []
    bridge.sigTrainingProgress.connect(lambda done, total: progress.append((done, total)))
    bridge.start_training(300)
    run = bridge._run
    assert isinstance(run, TrainingRun) and run.total_steps == 300
    with qtbot.waitSignal(bridge.sigTrainingFinished, timeout=20000) as finished:
        pass
    history = finished.args[0]
    assert progress[-1] == (300, 300) and all(total == 300 for _, total in progress)
    assert [done for done, _ in progress] == sorted(done for done, _ in progress)
    # The history adopted is the run's own, over every step.
    assert history.steps == 300 and history.network is bridge.session.network is run.network
    np.testing.assert_array_equal(history.losses, run.history().losses)


def sgd_by_hand(experiment, learning_rate, steps):
    """``steps`` SGD updates written out from whole passes (``Network.run``), not the training loop."""
    network = experiment.network
    for _ in range(steps):
        record = network.run(experiment.inputs, experiment.targets, experiment.loss)
        network = network.with_params(
            [w - learning_rate * layer.grad_w for w, layer in zip(network.weights, record.layers)],
            [b - learning_rate * layer.grad_b for b, layer in zip(network.biases, record.layers)],
        )
    return network


def test_training_that_meets_a_non_finite_loss_stops_there_and_says_so(qtbot):
    # exploding's weights grow the gradient threefold a layer; at learning rate 0.01 step 4's loss overflows.
    experiment = dataclasses.replace(load_preset("exploding"), learning_rate=0.01)
    bridge = CoreBridge(experiment)
    messages = []
    bridge.sigStatusMessage.connect(messages.append)
    try:
        with qtbot.waitSignal(bridge.sigTrainingFinished, timeout=20000) as finished:
            bridge.start_training(300)
        history = finished.args[0]
        assert history.stopped_at == 4 and history.steps == 3
        assert messages == [
            "Training stopped at step 4: the loss is not finite (overflow); the network after step 3 is kept"
        ]
        want = sgd_by_hand(experiment, 0.01, 3)
        for got, expected in zip(bridge.session.network.weights, want.weights):
            np.testing.assert_allclose(got, expected, rtol=1e-12)
            assert np.all(np.isfinite(got))
        assert np.isfinite(bridge.session.record.weights[0]).all() and bridge.session.edits.undo_text == "Undo training (3 steps)"
    finally:
        bridge.shutdown()


def test_a_run_stopped_at_its_first_step_keeps_the_network_and_records_nothing(qtbot):
    e = load_preset("tiny-relu")
    huge = e.with_network(e.network.with_params([w * 1e100 for w in e.network.weights], e.network.biases))
    bridge = CoreBridge(huge)
    try:
        start = bridge.session.network
        with qtbot.waitSignal(bridge.sigTrainingFinished, timeout=20000) as finished:
            bridge.start_training(10)
        assert finished.args[0].stopped_at == 1 and finished.args[0].steps == 0
        assert bridge.session.network is start and bridge.session.edits.undo_text is None
    finally:
        bridge.shutdown()


def test_a_refused_run_is_not_started_and_says_why(bridge, qtbot):
    messages = []
    bridge.sigStatusMessage.connect(messages.append)
    bridge.start_training(10**9)
    assert not bridge.training
    assert messages == ["Training not started: a training run takes 0 to 100,000 steps, got 1,000,000,000"]


WIDE_BRIDGE_TRAINING = """
import json, tracemalloc
import numpy as np
from PySide6 import QtCore
from gradviz.core.experiment import Experiment
from gradviz.core.network import Network
from gradviz.ui.bridge import CoreBridge

app = QtCore.QCoreApplication([])
rng = np.random.default_rng(0)
widths = [512] * 10  # nine 512 x 512 weight layers: 19 MB of weights and biases
network = Network(widths, "sigmoid", [rng.normal(0, 1 / 512**0.5, (512, 512)) for _ in range(9)])
experiment = Experiment("wide", network, rng.normal(size=(4, 512)), rng.normal(size=(4, 512)), learning_rate=0.1)
bridge = CoreBridge(experiment)
bridge.announce()
tracemalloc.start()
before = tracemalloc.get_traced_memory()[0]
slices = []
bridge.sigTrainingProgress.connect(lambda done, total: slices.append(done))
bridge.start_training(200)
while bridge.training:
    app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 50)
history = bridge.session.history
peak = tracemalloc.get_traced_memory()[1] - before
result = {"steps": history.steps, "first": history.losses[0], "last": history.losses[-1], "peak": peak,
          "slices": len(slices)}
result["held"] = tracemalloc.get_traced_memory()[0] - before
bridge.undo()  # the trained network, its pass and its history are let go
del history
result["after_undo"] = tracemalloc.get_traced_memory()[0] - before
bridge.session.edits.stack.clear()  # nothing to redo: the trained network is gone
result["after_clear"] = tracemalloc.get_traced_memory()[0] - before
bridge.shutdown()
print(json.dumps(result))
"""


def test_training_a_wide_network_through_the_bridge_holds_no_copy_per_slice_and_gives_memory_back():
    # 200 steps (the core test trains the same TrainingRun 500 steps): the old bridge held one 19 MB
    # network per slice. A fresh interpreter measures only this run; one BLAS thread, as in
    # tests/core/test_training.py.
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.run([sys.executable, "-c", WIDE_BRIDGE_TRAINING], capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.splitlines()[-1])
    assert result["steps"] == 200 and result["last"] < result["first"]
    assert result["slices"] > 1  # trained in slices between events
    assert result["peak"] < 1e9
    # One network is 19 MB: the run's working and spare copies, then on screen the trained network and
    # its pass (weights, gradients) - not one copy per slice.
    assert result["peak"] < 200e6
    assert result["held"] < 100e6
    # Undone, only what redo needs stays: the trained network and its pass (two networks' worth) ...
    assert result["after_undo"] < 45e6
    # ... and with nothing to redo, everything training made is given back.
    assert result["after_clear"] < 5e6
