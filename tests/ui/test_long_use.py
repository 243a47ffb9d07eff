"""A long session through the real window (offscreen): 10,000 micro-steps, play and training, without the
memory, timers or windows growing.

The 10,000 micro-steps are measured by the process's resident memory, which sees Qt's own allocations
too and costs nothing per step; play, training and stepping after them are measured with tracemalloc.
Both after a warm-up, and both net of what the step history says it holds (it keeps every state by
design, up to its cap).
"""

import gc
import os
import tracemalloc

import pytest
from PySide6 import QtCore, QtWidgets

from gradviz.files.network_file import load_preset
from gradviz.ui.bridge import MAX_SPEED
from gradviz.ui.main_window import MainWindow
from gradviz.ui.theme import SCREEN

MEMORY_GROWTH_LIMIT = 20e6
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


def resident_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE_BYTES


def qt_census(window) -> tuple[int, int, list]:
    """The number of QTimers and of top-level widgets, and the timers' owners (to read a failure)."""
    app = QtWidgets.QApplication.instance()
    timers = window.findChildren(QtCore.QTimer) + app.findChildren(QtCore.QTimer)
    owners = sorted(type(t.parent()).__name__ for t in timers)
    return len(timers), len(app.topLevelWidgets()), owners


def settled_census(window) -> tuple[int, int, list]:
    """The census once the status bar's message (whose timeout is a QTimer of its own) is cleared."""
    window.statusBar().clearMessage()
    QtWidgets.QApplication.processEvents()
    QtWidgets.QApplication.sendPostedEvents(None, QtCore.QEvent.Type.DeferredDelete)
    gc.collect()
    return qt_census(window)


def play_one_pass(qtbot, bridge) -> None:
    bridge.toggle_play()
    qtbot.waitUntil(lambda: not bridge.playing, timeout=10000)


def train(qtbot, bridge, steps: int) -> None:
    with qtbot.waitSignal(bridge.sigTrainingFinished, timeout=30000):
        bridge.start_training(steps)


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="reads resident memory from /proc")
def test_ten_thousand_steps_play_and_training_keep_memory_timers_and_windows_flat(qtbot):
    window = MainWindow(load_preset("tiny-sigmoid"), SCREEN)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    bridge = window.bridge
    stepper = lambda: bridge.session.stepper  # noqa: E731 - training and edits replace the stepper
    bridge.set_speed(MAX_SPEED)
    try:
        # Warm-up: every view has drawn, every cache and pyqtgraph item exists once.
        for _ in range(3 * bridge.session.stepper.steps_per_pass):
            bridge.step_forward()
        bridge.run_to_end()
        play_one_pass(qtbot, bridge)
        train(qtbot, bridge, 20)
        for _ in range(2 * bridge.session.stepper.steps_per_pass):
            bridge.step_forward()
        census = settled_census(window)

        # 10,000 micro-steps through the bridge slots: single steps forward and back, and whole passes
        # (each new pass redraws every view, the gradient bars included).
        rss_before, held_before, position_before = resident_bytes(), stepper().held_bytes, stepper().position
        moved = rounds = 0
        while moved < 10_000:
            rounds += 1
            at = stepper().position
            for _ in range(10):
                bridge.step_forward()  # the update (or the first layer of a pass)
                bridge.run_to_end()  # the rest of the next pass's forward and backward pass in one go
            bridge.step_back()
            bridge.step_forward()
            moved += stepper().position - at + 2
        QtWidgets.QApplication.processEvents()
        gc.collect()
        # Every micro-step was taken (a step back and forward again leave the position where it was).
        assert moved >= 10_000 and stepper().position - position_before == moved - 2 * rounds
        held_growth = stepper().held_bytes - held_before
        rss_growth = resident_bytes() - rss_before
        assert rss_growth - held_growth < MEMORY_GROWTH_LIMIT, (rss_growth, held_growth)
        assert settled_census(window) == census

        # Play and training (and stepping between them), traced.
        tracemalloc.start()
        try:
            traced_before = tracemalloc.get_traced_memory()[0]
            for _ in range(3):
                play_one_pass(qtbot, bridge)
                bridge.run_to_end()
            train(qtbot, bridge, 200)
            held_after_training = stepper().held_bytes
            for _ in range(5 * bridge.session.stepper.steps_per_pass):
                bridge.step_forward()
            play_one_pass(qtbot, bridge)
            QtWidgets.QApplication.processEvents()
            gc.collect()
            traced_growth = tracemalloc.get_traced_memory()[0] - traced_before
        finally:
            tracemalloc.stop()
        assert traced_growth - (stepper().held_bytes - held_after_training) < MEMORY_GROWTH_LIMIT
        assert bridge.session.history.steps == 200 and not bridge.training and not bridge.playing
        assert settled_census(window) == census
    finally:
        window.close()
