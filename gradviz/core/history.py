"""Undo and redo of what changes the network on screen: edits, weight redraws, training runs, presets.

No Qt here. An entry keeps the screen before and after its action as an ``UndoState``: the experiment,
the ``Stepper`` object itself (not a copy of its arrays: a new action makes a new stepper, so the old
one still stands exactly where the pass stood) and the training history. The stack is bounded by a
count and by the bytes its steppers and histories hold.
"""

from __future__ import annotations

from dataclasses import dataclass

from .experiment import Experiment
from .stepper import Stepper
from .training import TrainingHistory

#: Most actions that can be undone; beyond it the oldest is forgotten.
MAX_UNDO_ENTRIES = 50
#: Most memory the kept steppers and training histories may hold beside the screen's own (their
#: ``Stepper.held_bytes`` and history arrays); beyond it the oldest entries are forgotten.
UNDO_BYTES = 512 << 20

#: What each kind of action is called in the Edit menu ("Undo change of widths").
KINDS = ("edit", "redraw", "training", "preset")


@dataclass(frozen=True)
class UndoState:
    """What restores the screen exactly: the experiment, the stepper where it stands, the history.

    ``modified`` is whether the network was edited since it was loaded (the title says so).
    """

    experiment: Experiment
    stepper: Stepper
    history: TrainingHistory | None
    modified: bool


@dataclass(frozen=True)
class UndoEntry:
    """One action: its ``label`` ("change of widths"), its ``kind`` (one of ``KINDS``), the screen before and after."""

    label: str
    kind: str
    before: UndoState
    after: UndoState


def history_bytes(history: TrainingHistory | None) -> int:
    """Bytes a training history's arrays hold (its network is counted with the steppers)."""
    if history is None:
        return 0
    return history.losses.nbytes + sum(values.nbytes for values in history.measures.values())


class UndoStack:
    """Undo and redo entries, the newest last; a new action forgets what could be redone."""

    def __init__(self, max_entries: int = MAX_UNDO_ENTRIES, max_bytes: int = UNDO_BYTES):
        self.max_entries = int(max_entries)
        self.max_bytes = int(max_bytes)
        self._undo: list[UndoEntry] = []
        self._redo: list[UndoEntry] = []

    @property
    def undo_label(self) -> str | None:
        """The label of the action undo would take back, or None."""
        return self._undo[-1].label if self._undo else None

    @property
    def redo_label(self) -> str | None:
        return self._redo[-1].label if self._redo else None

    @property
    def last(self) -> UndoEntry | None:
        """The entry undo would take back, or None."""
        return self._undo[-1] if self._undo else None

    def __len__(self) -> int:
        return len(self._undo)

    def push(self, entry: UndoEntry) -> None:
        """Record an action just done; what could be redone is forgotten, and the oldest beyond the bounds."""
        self._undo.append(entry)
        self._redo.clear()
        self._bound(entry.after.stepper)

    def undo(self) -> UndoState | None:
        """The screen before the latest action (None when there is none); the action can then be redone."""
        if not self._undo:
            return None
        entry = self._undo.pop()
        self._redo.append(entry)
        return entry.before

    def redo(self) -> UndoState | None:
        """The screen after the action last undone (None when there is none)."""
        if not self._redo:
            return None
        entry = self._redo.pop()
        self._undo.append(entry)
        return entry.after

    def clear(self) -> None:
        self._undo.clear()
        self._redo.clear()

    def held_bytes(self, shown: Stepper | None = None) -> int:
        """Bytes the entries' steppers and histories hold, each counted once, ``shown``'s not at all."""
        steppers, histories = {}, {}
        for entry in self._undo + self._redo:
            for snap in (entry.before, entry.after):
                if snap.stepper is not shown:
                    steppers[id(snap.stepper)] = snap.stepper
                if snap.history is not None:
                    histories[id(snap.history)] = snap.history
        return sum(s.held_bytes for s in steppers.values()) + sum(history_bytes(h) for h in histories.values())

    def _bound(self, shown: Stepper) -> None:
        while len(self._undo) > self.max_entries:
            del self._undo[0]
        # Forget the oldest undo entries first, then the farthest redo ones, until the bytes fit.
        while (self._undo or self._redo) and self.held_bytes(shown) > self.max_bytes:
            if self._undo:
                del self._undo[0]
            else:
                del self._redo[0]

    def __repr__(self):
        return f"UndoStack(undo={len(self._undo)}, redo={len(self._redo)})"
