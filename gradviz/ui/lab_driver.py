"""The lab's driver: Play, Pause, one epoch, one mini-batch, Reset and edits of the session's lab state.

Training runs on the UI thread in time slices: a zero-interval timer trains mini-batches for about
``SLICE_MS`` per tick, then returns to the event loop, so keys and paints are handled between slices and
Pause or Reset takes effect before the next frame. A tick that publishes trains nothing, so a key waits
for one slice or one snapshot at most, not both. The driver changes the core's lab state and asks the
one bridge to publish the new snapshot (``CoreBridge.publish_lab``), at most every ``PUBLISH_MS`` while
playing: the view then draws from that snapshot like every other view.
"""

from __future__ import annotations

import time

from PySide6 import QtCore

#: Milliseconds of training per timer tick while playing.
SLICE_MS = 5.0
#: Mini-batches trained per call between two looks at the clock.
BATCHES_PER_CALL = 2
#: While playing, a new snapshot is published at most this often (ms)...
PUBLISH_MS = 80.0
#: ...and less often when publishing and painting one costs more: training keeps this share of the time.
TRAINING_SHARE = 0.6
#: The samples-per-second figure is measured over about this long (s).
RATE_WINDOW_S = 1.0


def samples_trained(lab) -> int:
    """Training samples every lane has been through since epoch 0 (mini-batches times their size)."""
    return (lab.epoch * lab.batches_per_epoch + lab.batch_index) * lab.samples_per_batch


class LabDriver(QtCore.QObject):
    """Plays, steps, resets and edits ``bridge.session.lab``.

    Signals: ``sigPlayingChanged(playing)``, ``sigProgress(epoch, epochs, samples_per_second)`` after each
    published state, and ``sigMessage(text)`` for the status bar (a lane that stopped, a refused edit).
    """

    sigPlayingChanged = QtCore.Signal(bool)
    sigProgress = QtCore.Signal(int, int, float)
    sigMessage = QtCore.Signal(str)

    def __init__(self, bridge, parent: QtCore.QObject | None = None):
        super().__init__(parent)
        self.bridge = bridge
        self._timer = QtCore.QTimer(self)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._on_tick)
        self._last_publish = 0.0
        #: What the last published frame cost (ms): taking the snapshot plus painting it (``note_paint_ms``).
        self._publish_ms = 0.0
        self._paint_ms = 0.0
        self._rate_marks: list[tuple[float, int]] = []
        self.samples_per_second = 0.0

    def __repr__(self):
        return f"LabDriver(playing={self.playing}, lab={self.lab!r})"

    @property
    def lab(self):
        """The session's lab state (a ``LabRun``), or None."""
        return getattr(self.bridge.session, "lab", None)

    @property
    def playing(self) -> bool:
        return self._timer.isActive()

    # --------------------------------------------------------------------------------------- opening

    def open_lab(self, lab) -> None:
        """Put the lab state ``lab`` (a ``LabRun``) in the session and show it."""
        self.pause()
        self.bridge.session.lab = lab
        self._publish()

    # --------------------------------------------------------------------------------------- commands

    @QtCore.Slot()
    def toggle_play(self) -> None:
        self.pause() if self.playing else self.play()

    @QtCore.Slot()
    def play(self) -> None:
        lab = self.lab
        if lab is None or self.playing:
            return
        if lab.finished:
            self.sigMessage.emit("The lab has run all its epochs: Reset (Home) starts it again.")
            return
        self._rate_marks = [(time.perf_counter(), samples_trained(lab))]
        self._last_publish = time.perf_counter()  # what is shown is current: the first snapshot comes after training
        self._timer.start()
        self.sigPlayingChanged.emit(True)

    @QtCore.Slot()
    def pause(self) -> None:
        if not self.playing:
            return
        self._timer.stop()
        if self.lab is not None:
            self.lab.end_run()  # the run just played is one undo step
        self.samples_per_second = 0.0
        self.sigPlayingChanged.emit(False)
        self._publish()

    @QtCore.Slot()
    def step_epoch(self) -> None:
        """Pause, then train to the end of this epoch (a whole epoch from an epoch's start)."""
        self._step(lambda lab: lab.step_epoch())

    @QtCore.Slot()
    def step_batch(self) -> None:
        """Pause, then train one mini-batch."""
        self._step(lambda lab: lab.step_batch())

    @QtCore.Slot()
    def reset(self) -> None:
        """Pause, then go back to epoch 0: the same initial weights and the same split."""
        self._step(lambda lab: lab.reset())

    @QtCore.Slot()
    def undo(self) -> None:
        self._step(lambda lab: lab.undo())

    @QtCore.Slot()
    def redo(self) -> None:
        self._step(lambda lab: lab.redo())

    def edit(self, changes: dict) -> bool:
        """Apply a lab edit (e.g. ``{"learning_rate": 0.05}``, see ``LabRun.edit``), undoably; the lab says
        what it kept, and a refused edit is said in one line and changes nothing."""
        lab = self.lab
        if lab is None:
            return False
        self.pause()
        try:
            lab.edit(changes)
        except ValueError as exc:  # a LabError names the setting
            self.sigMessage.emit(str(exc))
            self._publish()
            return False
        if lab.message:
            self.sigMessage.emit(lab.message[0].upper() + lab.message[1:] + ".")
        self._publish()
        return True

    def _step(self, action) -> None:
        lab = self.lab
        if lab is None:
            return
        was_playing = self.playing
        self._timer.stop()
        lab.end_run()
        seen = len(lab.messages)
        action(lab)
        if was_playing:
            self.samples_per_second = 0.0
            self.sigPlayingChanged.emit(False)
        self._say(lab.messages[seen:])
        self._publish()

    # --------------------------------------------------------------------------------------- playing

    def _on_tick(self) -> None:
        lab = self.lab
        if lab is None:
            self._timer.stop()
            self.sigPlayingChanged.emit(False)
            return
        start = time.perf_counter()
        if (start - self._last_publish) * 1000.0 >= self.publish_interval_ms:
            # A tick publishes or trains, never both: a key pressed meanwhile waits for one of them only.
            self._publish()
            return
        deadline = start + SLICE_MS / 1000.0
        seen = len(lab.messages)
        while not lab.finished and time.perf_counter() < deadline:
            lab.advance(BATCHES_PER_CALL)
        self._say(lab.messages[seen:])
        now = time.perf_counter()
        self._measure_rate(now, samples_trained(lab))
        if lab.finished:
            self._timer.stop()
            lab.end_run()
            self.samples_per_second = 0.0
            self.sigPlayingChanged.emit(False)
            self._publish()

    def _measure_rate(self, now: float, samples: int) -> None:
        marks = self._rate_marks
        marks.append((now, samples))
        while len(marks) > 2 and now - marks[1][0] >= RATE_WINDOW_S:
            marks.pop(0)
        (t0, s0) = marks[0]
        self.samples_per_second = (samples - s0) / (now - t0) if now > t0 else 0.0

    def _say(self, messages) -> None:
        for message in messages or ():
            self.sigMessage.emit(message)

    @property
    def publish_interval_ms(self) -> float:
        """How long playing trains between two published states: at least ``PUBLISH_MS``, and long enough
        that publishing and painting take at most ``1 - TRAINING_SHARE`` of the time."""
        return max(PUBLISH_MS, (self._publish_ms + self._paint_ms) / (1.0 - TRAINING_SHARE))

    def note_paint_ms(self, milliseconds: float) -> None:
        """The lab view's last paint took ``milliseconds`` (the window reports it)."""
        self._paint_ms = float(milliseconds)

    def _publish(self) -> None:
        start = time.perf_counter()
        self.bridge.publish_lab()
        self._last_publish = time.perf_counter()
        self._publish_ms = (self._last_publish - start) * 1000.0
        lab = self.lab
        if lab is not None:
            self.sigProgress.emit(lab.epoch, lab.epochs, self.samples_per_second)

    def shutdown(self) -> None:
        """Stop the timer (the window calls this when it closes)."""
        self._timer.stop()
