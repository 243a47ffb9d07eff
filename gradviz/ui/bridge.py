"""CoreBridge: the one bridge from core state to Qt signals. It owns the stepper, the play timer and
the training job; views only ever see the immutable records it emits."""

from __future__ import annotations

import dataclasses
import time

from PySide6 import QtCore

from ..core.netfile import Experiment, NetworkFileError, edit_experiment
from ..core.records import Phase
from ..core.stepper import Stepper
from ..core.training import TrainingHistory, train

#: Play speed, in micro-steps per second.
DEFAULT_SPEED = 2.0
MIN_SPEED, MAX_SPEED = 0.25, 20.0
#: Training runs in slices of about this many milliseconds, so the window stays responsive.
TRAINING_SLICE_MS = 30.0


class CoreBridge(QtCore.QObject):
    """Drives a ``Stepper`` from user actions and announces every new state.

    Signals carry immutable core objects: ``sigRecordChanged(record, scale_record)`` after every move
    (``scale_record`` is the complete pass that fixes the colour scale), ``sigExperimentChanged`` when a
    new network is loaded or edited, ``sigStepped(+1/-1)`` for a single step in either direction.
    """

    sigRecordChanged = QtCore.Signal(object, object)
    sigExperimentChanged = QtCore.Signal(object)
    sigStepped = QtCore.Signal(int)
    sigPlayingChanged = QtCore.Signal(bool)
    sigTrainingStarted = QtCore.Signal(int)
    sigTrainingProgress = QtCore.Signal(int, int)
    sigTrainingFinished = QtCore.Signal(object)
    sigEditRefused = QtCore.Signal(str)

    def __init__(self, experiment: Experiment, parent: QtCore.QObject | None = None):
        super().__init__(parent)
        self._experiment = experiment
        self._stepper = self._new_stepper(experiment)
        self._speed = DEFAULT_SPEED
        self._play_timer = QtCore.QTimer(self)
        self._play_timer.setInterval(self._interval_ms())
        self._play_timer.timeout.connect(self._on_play_tick)
        self._train_timer = QtCore.QTimer(self)
        self._train_timer.setInterval(0)
        self._train_timer.timeout.connect(self._on_train_slice)
        self._training: dict | None = None
        self.history: TrainingHistory | None = None

    @staticmethod
    def _new_stepper(experiment: Experiment) -> Stepper:
        e = experiment
        return Stepper(e.network, e.inputs, e.targets, e.loss, e.learning_rate)

    # ------------------------------------------------------------------------------------------ state

    @property
    def experiment(self) -> Experiment:
        return self._experiment

    @property
    def record(self):
        return self._stepper.record

    @property
    def network(self):
        """The network the current pass runs on."""
        return self._stepper.network

    @property
    def steps_per_pass(self) -> int:
        return self._stepper.steps_per_pass

    @property
    def passes_done(self) -> int:
        return self._stepper.passes_done

    @property
    def can_step_back(self) -> bool:
        return self._stepper.can_step_back

    @property
    def playing(self) -> bool:
        return self._play_timer.isActive()

    @property
    def training(self) -> bool:
        return self._training is not None

    @property
    def speed(self) -> float:
        return self._speed

    def scale_record(self):
        return self._stepper.complete_record()

    def _emit_record(self) -> None:
        self.sigRecordChanged.emit(self._stepper.record, self._stepper.complete_record())

    # ------------------------------------------------------------------------------------------ stepping

    @QtCore.Slot()
    def step_forward(self) -> None:
        if self.training:
            return
        self._stepper.step_forward()
        self._emit_record()
        self.sigStepped.emit(1)

    @QtCore.Slot()
    def step_back(self) -> None:
        if self.training or not self._stepper.can_step_back:
            return
        self.set_playing(False)
        self._stepper.step_back()
        self._emit_record()
        self.sigStepped.emit(-1)

    @QtCore.Slot()
    def reset(self) -> None:
        if self.training:
            return
        self.set_playing(False)
        self._stepper.reset()
        self._emit_record()

    @QtCore.Slot()
    def run_to_end(self) -> None:
        """Finish the current pass's backward pass (from its end, the next pass's)."""
        if self.training:
            return
        self.set_playing(False)
        self._stepper.run_to_end_of_pass()
        self._emit_record()

    def go_to_step(self, step: int) -> None:
        """Reset, then take ``step`` micro-steps (for exports and tests)."""
        self.set_playing(False)
        self._stepper.go_to_step(step)
        self._emit_record()

    # ------------------------------------------------------------------------------------------ playing

    def _interval_ms(self) -> int:
        return max(1, round(1000.0 / self._speed))

    @QtCore.Slot()
    def toggle_play(self) -> None:
        self.set_playing(not self.playing)

    def set_playing(self, playing: bool) -> None:
        if playing == self.playing or (playing and self.training):
            return
        if playing:
            self._play_timer.start()
            self.sigPlayingChanged.emit(True)
            # The first step comes at once; if it ends the pass it pauses again, announcing that itself.
            self._on_play_tick()
        else:
            self._play_timer.stop()
            self.sigPlayingChanged.emit(False)

    def set_speed(self, steps_per_second: float) -> None:
        self._speed = min(MAX_SPEED, max(MIN_SPEED, float(steps_per_second)))
        self._play_timer.setInterval(self._interval_ms())

    def _on_play_tick(self) -> None:
        self.step_forward()
        record = self._stepper.record
        # Playing runs one pass: it pauses when the gradient has reached layer 1.
        if record.phase is Phase.BACKWARD and record.layer == 1:
            self.set_playing(False)

    # ------------------------------------------------------------------------------------------ editing

    def set_experiment(self, experiment: Experiment) -> None:
        """Start over on a new or edited network."""
        self.cancel_training()
        self.set_playing(False)
        self._experiment = experiment
        self._stepper = self._new_stepper(experiment)
        self.history = None
        self.sigExperimentChanged.emit(experiment)
        self._emit_record()

    @QtCore.Slot(dict)
    def request_edit(self, changes: dict) -> bool:
        """Apply an edit (network-file fields) to the network on screen: trained or stepped weights stay.

        A refused edit emits ``sigEditRefused(message)`` and changes nothing.
        """
        self.cancel_training()  # the edit starts from what training has reached
        try:
            edited = edit_experiment(self._experiment.with_network(self._stepper.network), changes)
        except NetworkFileError as exc:
            self.sigEditRefused.emit(str(exc))
            return False
        self.set_experiment(edited)
        return True

    # ------------------------------------------------------------------------------------------ training

    def start_training(self, steps: int) -> None:
        """Train ``steps`` SGD steps from the network on screen, in slices between events."""
        if self.training or steps < 1:
            return
        self.set_playing(False)
        self._training = {"total": int(steps), "done": 0, "parts": [], "network": self._stepper.network, "slice": 10}
        self.sigTrainingStarted.emit(int(steps))
        self._train_timer.start()

    @QtCore.Slot()
    def cancel_training(self) -> None:
        if self.training:
            self._finish_training(cancelled=True)

    def train_blocking(self, steps: int) -> TrainingHistory:
        """Train synchronously (headless export, scripts)."""
        self.set_playing(False)
        e = self._experiment
        history = train(self._stepper.network, e.inputs, e.targets, e.loss, e.learning_rate, steps)
        self._adopt(history)
        return history

    def _on_train_slice(self) -> None:
        job = self._training
        done = job["done"]
        steps = min(job["slice"], job["total"] - done)
        e = self._experiment
        started = time.perf_counter()
        part = train(job["network"], e.inputs, e.targets, e.loss, e.learning_rate, steps)
        elapsed_ms = (time.perf_counter() - started) * 1000.0
        # Size the next slice so each takes about TRAINING_SLICE_MS.
        job["slice"] = max(1, min(5000, int(steps * TRAINING_SLICE_MS / max(elapsed_ms, 0.1))))
        job["parts"].append(part)  # joined once at the end: appending to one array each slice is quadratic
        job["network"] = part.network
        done += steps
        job["done"] = done
        self.sigTrainingProgress.emit(done, job["total"])
        if done >= job["total"]:
            self._finish_training(cancelled=False)

    def _finish_training(self, cancelled: bool) -> None:
        self._train_timer.stop()
        job, self._training = self._training, None
        if not job["parts"]:
            self.sigTrainingFinished.emit(None)
            return
        history = TrainingHistory.joined(job["parts"])
        if cancelled:
            history = dataclasses.replace(history, cancelled=True)
        self._adopt(history)

    def _adopt(self, history: TrainingHistory) -> None:
        """Make the trained network the one on screen: a new pass starts on it."""
        self._experiment = self._experiment.with_network(history.network)
        self._stepper = self._new_stepper(self._experiment)
        self.history = history
        self.sigExperimentChanged.emit(self._experiment)
        self._emit_record()
        self.sigTrainingFinished.emit(history)

    def shutdown(self) -> None:
        """Stop every timer (the window calls this when it closes)."""
        self._play_timer.stop()
        self._train_timer.stop()
        self._training = None
