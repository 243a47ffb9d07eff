"""The lab as the window drives it: ``LabRun`` moves, edits and undoes a ``Lab``; ``LabSnapshot`` is what
the Lab view draws, computed here so that the view computes nothing.

API (pure core, no Qt)::

    run = LabRun.from_preset("spiral-deep")      # or LabRun(Lab(config)) / LabRun(load_lab_session(path))
    run.epoch, run.batch_index, run.batches_per_epoch, run.epochs, run.finished, run.version, run.samples_done
    run.advance(max_batches) -> int              # a time slice: up to max_batches mini-batches, lock-step
    run.step_batch() -> int                      # one mini-batch for every running lane (one undo step)
    run.step_epoch() -> int                      # to the end of the current epoch (one undo step)
    run.end_run()                                # Pause: the next advance() starts a new undo step
    run.reset()                                  # epoch 0: the same starting weights and split (undoable)
    run.edit({"learning_rate": 0.05}) -> run     # see EDIT_KEYS; keeps what it can; run.message says what
    run.undo() / run.redo() -> bool; run.undo_label / run.redo_label (None when nothing)
    run.snapshot(grid_resolution=100) -> LabSnapshot   # frozen; cached per version and resolution
    run.messages                                 # stop messages of lanes whose loss turned non-finite
    save_lab_session(run.lab, path)              # gradviz.files.lab_file; reopens to the same epoch and batch

Edit keys (``EDIT_KEYS``): data (a name or a CSV path), points, noise, test_fraction, data_seed, layers,
loss, batch, epochs, seed; per lane, one value for all or a list with one per lane (None: unchanged):
learning_rate, optimizer, clip (None turns clipping off), activation, init. Keys whose value does not
change are ignored, so a dock may send every field.

A run of ``advance`` calls is one undo step, from the first call to ``end_run`` (or any other action).
Undo keeps at most ``MAX_UNDO_STEPS`` states and ``MAX_UNDO_BYTES`` of them (or the one newest state
where that alone is larger), so memory stays bounded.

``LabSnapshot``: ``epoch``, ``batch_index``, ``batches_per_epoch``, ``epochs``, ``finished``, ``version``,
``description``, ``loss``, ``config``, ``verdict`` (a sentence), ``grad_decades`` (the one log colour scale of
|dC/dw| over all lanes: ``stats.log_position(values, grad_decades)``), ``undo_label``, ``redo_label``,
``data`` (``LabDataShot``) and ``lanes`` (``LabLaneShot`` each, with its ``history``: ``LabHistoryShot``).
Every array in it is read-only. The snapshot's types and ``take_lab_snapshot`` live in ``lab_snapshot``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Mapping

from .data import DataError
from .lab import Lab, LabState
from .lab_config import LabConfig, LabError, load_preset
from .lab_snapshot import (
    DEFAULT_GRID_RESOLUTION, LabDataShot, LabHistoryShot, LabLaneShot, LabSnapshot, lab_verdict, take_lab_snapshot,
)  # fmt: skip

#: The run, and what the view reads (defined in lab_snapshot), importable from here.
__all__ = [
    "LabRun", "EDIT_KEYS", "MAX_UNDO_STEPS", "MAX_UNDO_BYTES", "DEFAULT_GRID_RESOLUTION", "LabDataShot",
    "LabHistoryShot", "LabLaneShot", "LabSnapshot", "lab_verdict", "take_lab_snapshot",
]

#: Most undo steps kept, and most bytes their states may hold together (each holds a copy of the lanes'
#: histories: a long run keeps fewer steps).
MAX_UNDO_STEPS = 50
MAX_UNDO_BYTES = 32 * 1024 * 1024

#: What ``LabRun.edit`` takes. Lane settings take one value for every lane or a list of one per lane.
EDIT_KEYS = (
    "data", "points", "noise", "test_fraction", "data_seed", "layers", "loss", "batch", "epochs", "seed",
    "learning_rate", "optimizer", "clip", "activation", "init",
)  # fmt: skip
_LANE_KEYS = ("learning_rate", "optimizer", "clip", "activation", "init")
_DATA_KEYS = {"data": "name", "points": "points", "noise": "noise", "test_fraction": "test_fraction", "data_seed": "seed"}
#: Edits that keep the weights, the optimiser's running averages and the history.
_KEEPING_KEYS = {"batch", "epochs", "learning_rate", "clip"}


def _setting(config: LabConfig, key: str):
    """The value of the edit key ``key`` in ``config`` (a tuple, one per lane, for a lane setting)."""
    if key in _DATA_KEYS:
        return getattr(config.data, _DATA_KEYS[key])
    if key in _LANE_KEYS:
        return tuple(getattr(lane, key) for lane in config.lanes)
    return getattr(config, {"layers": "hidden"}.get(key, key))


# ------------------------------------------------------------------------------------------ the run


@dataclass(frozen=True)
class _UndoStep:
    label: str
    state: LabState
    split: object


class LabRun:
    """A ``Lab`` the window moves (by mini-batches and epochs), edits, resets and undoes; see the module's API.

    One thread at a time: a window that trains in a worker hands the run over, or takes snapshots there.
    """

    def __init__(self, lab: Lab):
        self._lab = lab
        self._undo: list[_UndoStep] = []
        self._redo: list[_UndoStep] = []
        self._in_run = False
        self.version = 0
        #: Stop messages of lanes whose loss turned non-finite, oldest first (bounded: one per lane and reset).
        self.messages: list[str] = list(lab.start_messages)
        #: What the last edit kept or restarted, as a sentence.
        self.message = ""
        self._cached: tuple[tuple[int, int], LabSnapshot] | None = None

    @classmethod
    def from_preset(cls, name: str) -> "LabRun":
        """A run of the bundled lab preset ``name`` at epoch 0."""
        return cls(Lab(load_preset(name)))

    # ------------------------------------------------------------------------------- position

    @property
    def lab(self) -> Lab:
        """The lab now (for saving; do not move it behind the run's back)."""
        return self._lab

    @property
    def config(self) -> LabConfig:
        return self._lab.config

    @property
    def epoch(self) -> int:
        """Finished epochs."""
        return self._lab.epoch

    @property
    def batch_index(self) -> int:
        """Mini-batches of the current epoch already trained."""
        return self._lab.batch_index

    @property
    def batches_per_epoch(self) -> int:
        return self._lab.batches_per_epoch

    @property
    def epochs(self) -> int:
        """Epochs the run trains in all."""
        return self._lab.config.epochs

    @property
    def samples_per_batch(self) -> int:
        return self._lab.config.batch

    @property
    def finished(self) -> bool:
        return self._lab.finished

    @property
    def samples_done(self) -> int:
        """Training samples every running lane has trained on so far (the window's samples/s is its change)."""
        return self._lab.epoch * self._lab.samples_per_epoch + self._lab.position

    # ------------------------------------------------------------------------------- training

    def advance(self, max_batches: int) -> int:
        """Train up to ``max_batches`` mini-batches (every running lane, lock-step); returns how many ran.

        Crosses epoch boundaries (measuring each finished epoch). Consecutive calls are one undo step
        until ``end_run`` or another action.
        """
        if self.finished or max_batches < 1:
            return 0
        if not self._in_run:
            self._push("training")
            self._in_run = True
        done = 0
        while done < max_batches and not self._lab.finished:
            ran, messages = self._lab.train_batches(max_batches - done)
            done += ran
            self.messages += messages
        self._changed()
        return done

    def end_run(self) -> None:
        """End the current run of ``advance`` calls (Pause): the next one is a new undo step."""
        self._in_run = False

    def step_batch(self) -> int:
        """One mini-batch for every running lane, as one undo step; returns 1, or 0 when finished."""
        self.end_run()
        done = self.advance(1)
        self.end_run()
        return done

    def step_epoch(self) -> int:
        """Train to the end of the current epoch, as one undo step; returns the mini-batches run."""
        self.end_run()
        done = self.advance(self.batches_per_epoch - self.batch_index)
        self.end_run()
        return done

    def reset(self) -> None:
        """Back to epoch 0: the same starting weights, split and batch order (undoable)."""
        self._push("reset")
        self._lab = Lab(self._lab.config, self._lab.split)
        self.messages = list(self._lab.start_messages)
        self._changed()

    # ---------------------------------------------------------------------------------- edits

    def edit(self, changes: Mapping) -> "LabRun":
        """Apply ``changes`` (keys from ``EDIT_KEYS``), keeping what they allow; returns this run.

        The batch size, the epochs, a learning rate or a clip keep the weights, the optimiser's running
        averages and the history (a new batch size cuts the rest of the current epoch anew). Another
        optimiser keeps the weights and history and starts its own averages. An activation, an
        initialiser, the widths, the loss or the seed restart at epoch 0 from the starting weights; the
        data's settings draw (or read) the data anew and restart too. ``message`` says which. A
        ``LabError`` naming the setting leaves the run as it was.
        """
        unknown = [key for key in changes if key not in EDIT_KEYS]
        if unknown:
            raise LabError(f"{unknown[0]}: not a lab setting; the settings are {', '.join(EDIT_KEYS)}")
        config = self._edited_config(changes)
        changed = [key for key in changes if _setting(config, key) != _setting(self.config, key)]
        if not changed:
            return self
        label = "change of " + " and ".join(key.replace("_", " ") for key in changed)
        data_changed = config.data != self.config.data
        if all(key in _KEEPING_KEYS or key == "optimizer" for key in changed):
            self._push(label)
            state = self._lab.capture()
            self._lab.restore(replace(state, config=config, lanes=tuple(
                replace(lane, spec=spec) for lane, spec in zip(state.lanes, config.lanes)
            )))  # fmt: skip
            kept = "the weights and the history" if "optimizer" in changed else "the weights, the history and the optimiser's running averages"
            self.message = f"{label}: {kept} are kept"
        else:
            try:
                lab = Lab(config, None if data_changed else self._lab.split)
            except (DataError, ValueError) as exc:  # a CSV file that cannot be read, work over the budget
                raise LabError(str(exc)) from None
            self._push(label)
            self._lab = lab
            self.messages = list(lab.start_messages)
            self.message = f"{label}: training starts again at epoch 0" + (" on the new data" if data_changed else "")
        self._changed()
        return self

    def _edited_config(self, changes: Mapping) -> LabConfig:
        config = self.config
        if "data" in changes and not isinstance(changes["data"], str):
            raise LabError(f"data: give a data set's name or a CSV file's path, got {changes['data']!r}")
        data = replace(config.data, **{_DATA_KEYS[key]: value for key, value in changes.items() if key in _DATA_KEYS})
        lanes = list(config.lanes)
        for key in _LANE_KEYS:
            if key not in changes:
                continue
            value = changes[key]
            values = list(value) if isinstance(value, (list, tuple)) else [value] * len(lanes)
            if len(values) != len(lanes):
                raise LabError(f"{key.replace('_', ' ')}: give one value or one for each of the {len(lanes)} lanes")
            for k, new in enumerate(values):
                if new is None and key != "clip":
                    continue
                lane = lanes[k]
                name = lane.name
                if key == "activation" and lane.name == lane.activation:
                    name = new  # a lane named for its activation keeps being so
                lanes[k] = replace(lane, name=name, **{key: new})
        try:
            updated = replace(
                config, data=data, lanes=tuple(lanes),
                hidden=tuple(changes.get("layers", config.hidden)), loss=changes.get("loss", config.loss),
                batch=changes.get("batch", config.batch), epochs=changes.get("epochs", config.epochs),
                seed=changes.get("seed", config.seed),
            ).checked()  # fmt: skip
        except (TypeError, ValueError) as exc:
            raise LabError(str(exc)) from None
        least = self.epoch + (1 if self._lab.position else 0)  # an epoch begun is finished
        if "epochs" in changes and updated.epochs < least:
            raise LabError(f"epochs: the run has already trained {least:,} epochs or begun the last; give at least {least:,}")
        return updated

    # ----------------------------------------------------------------------------------- undo

    def _push(self, label: str) -> None:
        self._undo.append(_UndoStep(label, self._lab.capture(), self._lab.split))
        self._redo.clear()
        self._bound(self._undo)

    @staticmethod
    def _bound(steps: list[_UndoStep]) -> None:
        while len(steps) > MAX_UNDO_STEPS or len(steps) > 1 and sum(s.state.nbytes for s in steps) > MAX_UNDO_BYTES:
            del steps[0]

    def _swap(self, source: list[_UndoStep], target: list[_UndoStep]) -> bool:
        self.end_run()
        if not source:
            return False
        step = source.pop()
        target.append(_UndoStep(step.label, self._lab.capture(), self._lab.split))
        self._bound(target)
        self._lab = self._lab_from(step)
        self.messages = [lane.stop_reason for lane in self._lab.lanes if lane.stop_reason]
        self.message = ""
        self._changed()
        return True

    def _lab_from(self, step: _UndoStep) -> Lab:
        state = step.state
        lab = self._lab
        same = (
            step.split is lab.split and state.config.hidden == lab.config.hidden and state.config.loss == lab.config.loss
            and state.config.seed == lab.config.seed
            and [(s.spec.activation, s.spec.init, s.spec.residual) for s in state.lanes]
            == [(lane.spec.activation, lane.spec.init, lane.spec.residual) for lane in lab.lanes]
        )  # fmt: skip
        if not same:
            lab = Lab(state.config, step.split)
        lab.restore(state)
        return lab

    def undo(self) -> bool:
        """Go back to the state before the last edit, reset or training run; False if there is none."""
        return self._swap(self._undo, self._redo)

    def redo(self) -> bool:
        """Go forward again to the state the last undo left; False if there is none."""
        return self._swap(self._redo, self._undo)

    @property
    def undo_label(self) -> str | None:
        return self._undo[-1].label if self._undo else None

    @property
    def redo_label(self) -> str | None:
        return self._redo[-1].label if self._redo else None

    def _changed(self) -> None:
        self.version += 1
        self._cached = None

    # ------------------------------------------------------------------------------- snapshot

    def snapshot(self, grid_resolution: int = DEFAULT_GRID_RESOLUTION) -> LabSnapshot:
        """The state now, as the Lab view draws it (the same object again until the state changes)."""
        key = (self.version, grid_resolution)
        if self._cached is not None and self._cached[0] == key:
            return self._cached[1]
        snapshot = take_lab_snapshot(self._lab, grid_resolution, self.version, self.undo_label, self.redo_label)
        self._cached = (key, snapshot)
        return snapshot

    def __repr__(self):
        return f"LabRun({self._lab!r}, version={self.version}, undo={len(self._undo)}, redo={len(self._redo)})"
