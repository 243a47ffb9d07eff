"""CoreBridge: the one bridge from core state to Qt signals. It wraps one ``Session`` (the model the
headless exporter runs too) and owns the play timer and the training job; views only ever see the
immutable core objects it emits."""

from __future__ import annotations

import time

from PySide6 import QtCore

from ..core.budget import WorkBudgetError
from ..core.experiment import Experiment, NetworkFileError
from ..core.records import Phase
from ..core.session import Session
from ..core.snapshot import Snapshot, take_snapshot
from ..core.training import TrainingHistory, TrainingRun
from ..files.network_file import load_preset
from ..files.session_file import save_session_file
from ..files.sniff import read_file
from ..names import DEFAULT_PRESET

#: Play speed, in micro-steps per second.
DEFAULT_SPEED = 2.0
MIN_SPEED, MAX_SPEED = 0.25, 20.0
#: Training runs in slices of about this many milliseconds, so the window stays responsive.
TRAINING_SLICE_MS = 30.0
#: The longest a step's animation runs, in ms, and the share of the play interval it takes.
MAX_ANIMATION_MS = 900
ANIMATION_SHARE = 0.8


class CoreBridge(QtCore.QObject):
    """Drives a ``Session`` from user actions and announces every new state.

    Every change of state is announced by ONE signal, ``sigSnapshot(snapshot)``, carrying a frozen
    ``core.snapshot.Snapshot``: each lane's record, the cursor, the verdict, the bars' values, the
    selection, the titles, the file and the undo items. A view draws from it and never asks back.

    Events that are not states have their own signals: ``sigPlayingChanged(playing)``,
    ``sigTrainingStarted(total)``, ``sigTrainingProgress(done, total)``, ``sigTrainingFinished(history or
    None)``, ``sigEditRefused(message)`` and ``sigStatusMessage(text)`` (a sentence for the status bar).
    """

    sigSnapshot = QtCore.Signal(object)
    sigPlayingChanged = QtCore.Signal(bool)
    sigTrainingStarted = QtCore.Signal(int)
    sigTrainingProgress = QtCore.Signal(int, int)
    sigTrainingFinished = QtCore.Signal(object)
    sigEditRefused = QtCore.Signal(str)
    sigStatusMessage = QtCore.Signal(str)

    def __init__(self, experiment: Experiment | Session, parent: QtCore.QObject | None = None):
        super().__init__(parent)
        self.session = experiment if isinstance(experiment, Session) else Session(experiment)
        self._speed = DEFAULT_SPEED
        self._play_timer = QtCore.QTimer(self)
        self._play_timer.setInterval(self._interval_ms())
        self._play_timer.timeout.connect(self._on_play_tick)
        self._train_timer = QtCore.QTimer(self)
        self._train_timer.setInterval(0)
        self._train_timer.timeout.connect(self._on_train_slice)
        #: The training run being advanced a slice at a time, and the steps its next slice takes.
        self._run: TrainingRun | None = None
        self._slice_steps = 10
        #: The snapshot last emitted (None before the first).
        self.snapshot: Snapshot | None = None

    # ------------------------------------------------------------------------------------------ state
    # The model's facts are the session's (``bridge.session``) and the snapshot's; these are the bridge's own.

    @property
    def playing(self) -> bool:
        return self._play_timer.isActive()

    @property
    def training(self) -> bool:
        return self._run is not None

    @property
    def speed(self) -> float:
        return self._speed

    # ------------------------------------------------------------------------------------------ announcing

    def announce(self, moved: int = 0, animate_ms: int | None = None, note: str | None = None) -> Snapshot:
        """Emit the state as it stands, once, as a ``Snapshot`` (a view connected late starts from it)."""
        self.snapshot = take_snapshot(self.session, moved, animate_ms, note)
        self.sigSnapshot.emit(self.snapshot)
        return self.snapshot

    def publish_lab(self) -> Snapshot:
        """labview (#19): the lab driver changed ``session.lab``; emit the new state once."""
        return self.announce()

    # ------------------------------------------------------------------------------------------ stepping

    @QtCore.Slot()
    def step_forward(self) -> None:
        if self.training:
            return
        self.session.step_forward()
        animate = int(min(MAX_ANIMATION_MS, ANIMATION_SHARE * 1000 / self._speed)) if self.playing else None
        self.announce(moved=1, animate_ms=animate)

    @QtCore.Slot()
    def step_back(self) -> None:
        """One micro-step back; at the oldest state after an edit, redraw or training run, undo it."""
        if self.training or not self.session.can_step_back:
            return
        if not self.session.stepper.can_step_back:
            self.undo()
            return
        self.set_playing(False)
        self.session.step_back()
        self.announce(moved=-1)

    @QtCore.Slot()
    def reset(self) -> None:
        if self.training:
            return
        self.set_playing(False)
        self.session.reset()
        self.announce()

    @QtCore.Slot()
    def run_to_end(self) -> None:
        """Finish the current pass's backward pass (from its end, the next pass's)."""
        if self.training:
            return
        self.set_playing(False)
        self.session.run_to_end()
        self.announce()

    def go_to_step(self, step: int) -> None:
        """Reset, then take ``step`` micro-steps (for exports and tests)."""
        self.set_playing(False)
        self.session.go_to_step(step)
        self.announce()

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

    @QtCore.Slot(float)
    def set_speed(self, steps_per_second: float) -> None:
        self._speed = min(MAX_SPEED, max(MIN_SPEED, float(steps_per_second)))
        self._play_timer.setInterval(self._interval_ms())

    def _on_play_tick(self) -> None:
        self.step_forward()
        record = self.session.record
        # Playing runs one pass: it pauses when the gradient has reached layer 1.
        if record.phase is Phase.BACKWARD and record.layer == 1:
            self.set_playing(False)

    # ------------------------------------------------------------------------------------------ view settings

    @QtCore.Slot(str, str, str)
    def set_bars_settings(self, measure: str, first: str, second: str) -> None:
        """What the gradient bars compare; answers with a snapshot."""
        self.session.view.set_bars_settings(measure, first, second)
        self.announce()

    @QtCore.Slot(bool)
    def set_compare_active(self, active: bool) -> None:
        """Show or hide the Compare view: its right half joins the cursor where it stands."""
        s = self.session
        if bool(active) == s.compare.active:
            return
        s.set_compare_active(active)
        self.announce()

    @QtCore.Slot(str)
    def set_compare_activation(self, name: str) -> None:
        """The right half's hidden activation, one of ``ACTIVATION_NAMES``."""
        self.session.set_compare_activation(name)
        self.announce()

    @QtCore.Slot(object)
    def set_compare_residual(self, residual: bool | None) -> None:
        """The right half's skip connections: True, False or None for as loaded."""
        self.session.set_compare_residual(residual)
        self.announce()

    @QtCore.Slot(bool)
    def set_shared_scale(self, shared: bool) -> None:
        """One colour scale for both halves (True), or each on its own."""
        self.session.view.set_shared_scale(shared)
        self.announce()

    @QtCore.Slot(bool)
    def set_reveal_all(self, reveal_all: bool) -> None:
        """Show every result of the pass at once, or as the backward pass computes it."""
        self.session.view.set_reveal_all(reveal_all)
        self.announce()

    @QtCore.Slot(str)
    def set_color_mode(self, mode: str) -> None:
        self.session.view.set_color_mode(mode)
        self.announce()

    def select(self, selection: tuple | None, side: str = "left") -> None:
        """Pick what the inspector explains, on the ``side`` of the Compare view it was clicked."""
        self.session.view.select(selection, side)
        self.announce()

    @QtCore.Slot(object)
    def set_inspect_sample(self, sample: int | None) -> None:
        """Which sample the inspector explains (0-based), or None for the mean; answers with a snapshot."""
        self.session.view.set_inspect_sample(sample, len(self.session.experiment.inputs))
        self.announce()

    # ------------------------------------------------------------------------------------------ loading and editing

    def set_experiment(self, experiment: Experiment) -> None:
        """Start over on a new or edited network."""
        self.cancel_training()
        self.set_playing(False)
        self.session.set_experiment(experiment)
        self.announce()

    # ------------------------------------------------------------------------------------------ session files

    @QtCore.Slot(str)
    def new_session(self, preset: str = DEFAULT_PRESET) -> None:
        """Start a new session on the bundled preset ``preset``: no file behind it, nothing unsaved (the
        switch can be undone); answers with one snapshot."""
        self.cancel_training()
        self.set_playing(False)
        self.session.edits.switch_preset(preset, load_preset(preset))
        self.session.file.saved_to(None)
        self.announce()

    def open_session(self, path) -> bool:
        """Put the session file at ``path`` on screen exactly as saved (a plain network file at its start).

        True for a session file. A bad file raises ``NetworkFileError`` (or ``WorkBudgetError``) and
        changes nothing.
        """
        opened = read_file(path)  # a bad file stops here, before training or playing is touched
        self.cancel_training()
        self.set_playing(False)
        is_session = self.session.show_file(opened, path)
        self.announce(note=self.session.restore_note)
        return is_session

    def save_session(self, path) -> None:
        """Write what is on screen to the session file ``path``, which becomes the current file.

        A network a file cannot hold raises ``NetworkFileError`` naming the value; an unwritable path
        raises ``OSError``. Either way nothing is written and nothing changes.
        """
        save_session_file(self.session, path)
        self.announce()

    @QtCore.Slot(dict)
    def request_edit(self, changes: dict) -> bool:
        """Apply an edit (network-file fields) to the network on screen: trained or stepped weights stay.

        An edit that changes nothing does nothing. A refused edit emits ``sigEditRefused(message)`` and
        changes nothing; an applied one may say which layers got fresh weights (``sigStatusMessage``).
        """
        try:
            if not self.training and self.session.edits.preview(changes) is None:
                return True
            self.cancel_training()  # the edit starts from what training has reached
            outcome = self.session.edits.edit(changes)
        except NetworkFileError as exc:
            self.sigEditRefused.emit(str(exc))
            return False
        self.set_playing(False)
        self.announce()
        message = outcome.describe_fresh() if outcome is not None else ""
        if message:
            self.sigStatusMessage.emit(message[0].upper() + message[1:] + ".")
        return True

    # ------------------------------------------------------------------------------------------ undo

    @QtCore.Slot()
    def undo(self) -> None:
        """Take back the latest edit, redraw, training run or preset switch (a running training run is
        cancelled first, and that is what is taken back)."""
        self.cancel_training()
        self.set_playing(False)
        if self.session.edits.undo():
            self.announce()

    @QtCore.Slot()
    def redo(self) -> None:
        """Do again the action last undone."""
        self.cancel_training()
        self.set_playing(False)
        if self.session.edits.redo():
            self.announce()

    # ------------------------------------------------------------------------------------------ training

    @QtCore.Slot(int)
    def start_training(self, steps: int) -> None:
        """Train ``steps`` SGD steps from the network on screen: one ``TrainingRun``, advanced in slices
        of about ``TRAINING_SLICE_MS`` between events. A run the work budget refuses is not started, and
        ``sigStatusMessage`` says why."""
        if self.training or steps < 1:
            return
        self.set_playing(False)
        try:
            run = self.session.edits.training_run(steps)
        except (WorkBudgetError, ValueError) as exc:
            self.sigStatusMessage.emit(f"Training not started: {exc}")
            return
        self._run = run
        self._slice_steps = 10
        self.sigTrainingStarted.emit(run.total_steps)
        self._train_timer.start()

    @QtCore.Slot()
    def cancel_training(self) -> None:
        if self.training:
            self._run.cancel()
            self._finish_training()

    def train_blocking(self, steps: int) -> TrainingHistory:
        """Train synchronously (headless export, scripts)."""
        self.set_playing(False)
        history = self.session.edits.train(steps)
        self._adopt(history)
        return history

    def _on_train_slice(self) -> None:
        run = self._run
        before = run.steps_done
        started = time.perf_counter()
        finished = run.advance(self._slice_steps)
        elapsed_ms = (time.perf_counter() - started) * 1000.0
        taken = max(1, run.steps_done - before)
        # Size the next slice so each takes about TRAINING_SLICE_MS.
        self._slice_steps = max(1, min(5000, int(taken * TRAINING_SLICE_MS / max(elapsed_ms, 0.1))))
        self.sigTrainingProgress.emit(run.steps_done, run.total_steps)
        if finished:
            self._finish_training()

    def _finish_training(self) -> None:
        self._train_timer.stop()
        run, self._run = self._run, None
        history = run.history()
        if history.stopped_at is not None:
            self.sigStatusMessage.emit(history.stop_reason)
        if history.steps == 0:
            # Nothing was trained: the network on screen stays, and there is nothing to undo.
            self.sigTrainingFinished.emit(history if history.stopped_at is not None else None)
            return
        self._adopt(history)

    def _adopt(self, history: TrainingHistory) -> None:
        """Make the trained network the one on screen: a new pass starts on it."""
        self.session.edits.adopt(history)
        self.announce()
        self.sigTrainingFinished.emit(history)

    def shutdown(self) -> None:
        """Stop every timer (the window calls this when it closes)."""
        self._play_timer.stop()
        self._train_timer.stop()
        self._run = None

    def __repr__(self):
        return f"CoreBridge({self.session!r})"
