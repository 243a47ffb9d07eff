"""The lab as the window drives it: ``LabRun`` moves, edits and undoes a ``Lab``; ``LabSnapshot`` is what
the Lab view draws, computed here so that the view computes nothing.

API (pure core, no Qt)::

    run = LabRun.from_preset("spiral-deep")      # or LabRun(Lab(config)) / LabRun(load_lab_session(path))
    run.epoch, run.batch_index, run.batches_per_epoch, run.epochs, run.finished, run.version
    run.advance(max_batches) -> int              # a time slice: up to max_batches mini-batches, lock-step
    run.step_batch() -> int                      # one mini-batch for every running lane (one undo step)
    run.step_epoch() -> int                      # to the end of the current epoch (one undo step)
    run.end_run()                                # Pause: the next advance() starts a new undo step
    run.reset()                                  # epoch 0: the same starting weights and split (undoable)
    run.edit({"learning_rate": 0.05}) -> run     # see EDIT_KEYS; keeps what it can; run.message says what
    run.undo() / run.redo() -> bool; run.undo_label / run.redo_label (None when nothing)
    run.snapshot(grid_resolution=100) -> LabSnapshot   # frozen; cached per version and resolution
    run.messages                                 # stop messages of lanes whose loss turned non-finite

A run of ``advance`` calls is one undo step, from the first call to ``end_run`` (or any other action).
Undo keeps at most ``MAX_UNDO_STEPS`` states and ``MAX_UNDO_BYTES`` of them (or the one newest state
where that alone is larger), so memory stays bounded.

``LabSnapshot``: ``epoch``, ``batch_index``, ``batches_per_epoch``, ``epochs``, ``finished``, ``version``,
``description``, ``loss``, ``config``, ``verdict`` (a sentence), ``grad_decades`` (the one log colour scale of
|dC/dw| over all lanes: ``stats.log_position(values, grad_decades)``), ``undo_label``, ``redo_label``,
``data`` (``LabDataShot``) and ``lanes`` (``LabLaneShot`` each, with its ``history``: ``LabHistoryShot``).
Every array in it is read-only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Mapping

import numpy as np

from .data import DataError, DataSpec
from .format import format_factor
from .lab import Lab, LabState
from .lab_config import LabConfig, LabError, load_preset
from .lab_grid import decision_grid, grid_axes
from .lab_history import LaneHistory
from .lab_lane import predicted_classes
from .passes import forward
from .stats import decade_range

#: Most undo steps kept, and most bytes their states may hold together.
MAX_UNDO_STEPS = 50
MAX_UNDO_BYTES = 64 * 1024 * 1024
#: The decision grid's side in cells when the caller names none (issue 19 asks for at least 100).
DEFAULT_GRID_RESOLUTION = 100
#: A first layer slower than its last by at least this factor is named as such in the verdict.
SLOW_FIRST_LAYER_FACTOR = 10.0

#: What ``LabRun.edit`` takes. Lane settings take one value for every lane or a list of one per lane.
EDIT_KEYS = (
    "data", "points", "noise", "test_fraction", "data_seed", "layers", "loss", "batch", "epochs", "seed",
    "learning_rate", "optimizer", "clip", "activation", "init",
)  # fmt: skip
_LANE_KEYS = ("learning_rate", "optimizer", "clip", "activation", "init")
_DATA_KEYS = {"data": "name", "points": "points", "noise": "noise", "test_fraction": "test_fraction", "data_seed": "seed"}
#: Edits that keep the weights, the optimiser's running averages and the history.
_KEEPING_KEYS = {"batch", "epochs", "learning_rate", "clip"}


# ------------------------------------------------------------------------------------------ snapshot


@dataclass(frozen=True)
class LabHistoryShot:
    """A lane's kept epochs: 1-D arrays per epoch, 2-D (epochs x hidden layers) for the layered measures."""

    epochs: np.ndarray
    loss: np.ndarray
    train_accuracy: np.ndarray
    test_accuracy: np.ndarray
    #: Nielsen's ||dC/db_l|| over the training split, per hidden layer.
    speed: np.ndarray
    update_ratio: np.ndarray
    saturated: np.ndarray


@dataclass(frozen=True)
class LabLaneShot:
    """One lane as drawn."""

    index: int
    name: str
    activation: str
    init: str
    optimizer: str
    learning_rate: float
    clip: float | None
    residual: bool
    widths: tuple[int, ...]
    #: Activation of each weight layer (the last is the output's).
    activations: tuple[str, ...]
    weights: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...]
    #: |dC/dw| of the last mini-batch, per weight layer (shaped as ``weights``).
    grad_w: tuple[np.ndarray, ...]
    #: The mean of each layer's ``grad_w``.
    mean_grad_w: np.ndarray
    history: LabHistoryShot
    running: bool
    #: Why the lane stopped ("" while it runs).
    stopped: str
    #: The latest epoch's last-layer speed over first-layer speed (NaN if unknown).
    speed_ratio: float
    #: Each test sample's predicted class, whether it is right, and the confusion matrix (rows: true class).
    test_predictions: np.ndarray
    test_correct: np.ndarray
    confusion: np.ndarray
    #: 2-D data: ``grid[i, j]`` at ``(data.grid_xs[j], data.grid_ys[i])``: class 1's probability for two
    #: classes, else the class (float32). None for other data.
    grid: np.ndarray | None


@dataclass(frozen=True)
class LabDataShot:
    """The data as drawn: raw (unstandardised) features."""

    name: str
    features: int
    classes: int
    class_names: tuple[str, ...]
    is_2d: bool
    train_points: np.ndarray
    train_labels: np.ndarray
    test_points: np.ndarray
    test_labels: np.ndarray
    #: Digits: the test images, samples x 8 x 8 pixel values 0..16; None for other data.
    test_images: np.ndarray | None
    #: 2-D data: the decision grid's raw x and y coordinates; None otherwise.
    grid_xs: np.ndarray | None
    grid_ys: np.ndarray | None


@dataclass(frozen=True)
class LabSnapshot:
    """Everything the Lab view draws for one state of a ``LabRun``."""

    version: int
    epoch: int
    batch_index: int
    batches_per_epoch: int
    epochs: int
    finished: bool
    description: str
    loss: str
    config: LabConfig
    lanes: tuple[LabLaneShot, ...]
    data: LabDataShot
    #: The one log colour scale of |dC/dw| for every lane: powers of ten (lo, hi).
    grad_decades: tuple[int, int]
    verdict: str
    undo_label: str | None
    redo_label: str | None


def _frozen(array) -> np.ndarray:
    """A read-only copy of ``array``, keeping its dtype (labels stay integers, the grid float32)."""
    copy = np.array(array)
    copy.flags.writeable = False
    return copy


def _history_shot(history: LaneHistory) -> LabHistoryShot:
    return LabHistoryShot(
        _frozen(history.epochs[: history.count]),
        *(_frozen(history.measure(name)) for name in LaneHistory.SCALARS),
        *(_frozen(history.measure(name)) for name in LaneHistory.LAYERED),
    )


def _percent(value: float) -> str:
    return "–" if not math.isfinite(value) else f"{100 * value:.0f}%"


def lab_verdict(lanes: tuple[LabLaneShot, ...]) -> str:
    """One sentence on what the lanes show: the slowest first layer against its last, and the test accuracies.

    e.g. "lane 1 (sigmoid)'s first layer learns 120× slower than its last; test accuracy 10% against 98%".
    """
    measured = [lane for lane in lanes if len(lane.history.epochs)]
    if not measured:
        return ""
    parts = []
    ratios = [(lane.speed_ratio, lane) for lane in measured if math.isfinite(lane.speed_ratio) and lane.history.speed.shape[1] > 1]
    if ratios:
        ratio, slowest = max(ratios, key=lambda pair: pair[0])
        who = f"lane {slowest.index + 1} ({slowest.name})"
        if ratio >= SLOW_FIRST_LAYER_FACTOR:
            parts.append(f"{who}'s first layer learns {format_factor(ratio)} slower than its last")
        else:
            parts.append(f"every lane's first layer learns within {format_factor(max(ratio, 1 / ratio))} of its last")
    accuracies = [_percent(float(lane.history.test_accuracy[-1])) for lane in measured]
    if any(a != "–" for a in accuracies):
        parts.append("test accuracy " + " against ".join(accuracies))
    parts += [lane.stopped for lane in lanes if lane.stopped]
    return "; ".join(parts)


# ------------------------------------------------------------------------------------------ the run


@dataclass(frozen=True)
class _UndoStep:
    label: str
    state: LabState
    split: object


class LabRun:
    """A ``Lab`` the window moves (by mini-batches and epochs), edits, resets and undoes; see the module's API."""

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
        if config == self.config:
            return self
        data_changed = config.data != self.config.data
        keeps_weights = not data_changed and all(key in _KEEPING_KEYS or key == "optimizer" for key in changes)
        if keeps_weights:
            label = "change of " + " and ".join(key.replace("_", " ") for key in changes)
            self._push(label)
            state = self._lab.capture()
            self._lab.restore(replace(state, config=config, lanes=tuple(
                replace(lane, spec=spec) for lane, spec in zip(state.lanes, config.lanes)
            )))  # fmt: skip
            self._lab.config = config
            kept = "the weights and the history" if "optimizer" in changes else "the weights, the history and the optimiser's running averages"
            self.message = f"{label}: {kept} are kept"
        else:
            try:
                lab = Lab(config, None if data_changed else self._lab.split)
            except (DataError, ValueError) as exc:  # a CSV file that cannot be read, work over the budget
                raise LabError(str(exc)) from None
            label = "change of " + " and ".join(key.replace("_", " ") for key in changes)
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
        if "epochs" in changes and updated.epochs < self.epoch:
            raise LabError(f"epochs: the run has already trained {self.epoch:,} epochs; give at least that many")
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
        key = (self.version, int(grid_resolution))
        if self._cached is not None and self._cached[0] == key:
            return self._cached[1]
        snapshot = take_lab_snapshot(self._lab, grid_resolution, self.version, self.undo_label, self.redo_label)
        self._cached = (key, snapshot)
        return snapshot

    def __repr__(self):
        return f"LabRun({self._lab!r}, version={self.version}, undo={len(self._undo)}, redo={len(self._redo)})"


def take_lab_snapshot(lab: Lab, grid_resolution: int = DEFAULT_GRID_RESOLUTION, version: int = 0,
                      undo_label: str | None = None, redo_label: str | None = None) -> LabSnapshot:  # fmt: skip
    """A ``LabSnapshot`` of ``lab`` now (``LabRun.snapshot`` caches it; a headless export calls this)."""
    lab.probe_gradients()
    split = lab.split
    data = split.data
    is_2d = split.train_x.shape[1] == 2
    grid_xs = grid_ys = None
    if is_2d:
        grid_xs, grid_ys = grid_axes(split, grid_resolution)
    classes = split.classes
    lanes = []
    for index, lane in enumerate(lab.lanes):
        network = lane.network
        logits = forward(network, split.test_x)[0][-1] if len(split.test_y) else np.zeros((0, 1))
        predictions = predicted_classes(logits) if len(split.test_y) else np.zeros(0, dtype=np.int64)
        confusion = np.zeros((classes, classes), dtype=np.int64)
        np.add.at(confusion, (split.test_y, predictions), 1)
        grad_w = tuple(_frozen(np.abs(g)) for g in lane.last_gradient.weights)
        history = _history_shot(lane.history)
        speed_ratio = math.nan
        if len(history.epochs) and history.speed.shape[1] > 0:
            first, last = history.speed[-1, 0], history.speed[-1, -1]
            with np.errstate(divide="ignore", invalid="ignore"):
                speed_ratio = float(last / first) if first > 0 else math.nan
        spec = lane.spec
        lanes.append(LabLaneShot(
            index, spec.name, spec.activation, spec.init, spec.optimizer, spec.learning_rate, spec.clip, spec.residual,
            tuple(lane.widths), tuple(lane.activations), network.weights, network.biases, grad_w,
            _frozen(np.array([g.mean() for g in grad_w])), history, lane.running, lane.stop_reason, speed_ratio,
            _frozen(predictions), _frozen(predictions == split.test_y), _frozen(confusion),
            _frozen(decision_grid(network, split, grid_resolution)[2]) if is_2d else None,
        ))  # fmt: skip
    lanes = tuple(lanes)
    images = None
    if data.name == "digits":
        images = _frozen((split.test_x * split.scale + split.mean).reshape(-1, 8, 8))
    data_shot = LabDataShot(
        data.name, int(split.train_x.shape[1]), classes, tuple(data.class_names), is_2d,
        _frozen(split.train_x * split.scale + split.mean), _frozen(split.train_y),
        _frozen(split.test_x * split.scale + split.mean), _frozen(split.test_y), images,
        None if grid_xs is None else _frozen(grid_xs), None if grid_ys is None else _frozen(grid_ys),
    )  # fmt: skip
    all_grads = np.concatenate([g.ravel() for lane in lanes for g in lane.grad_w]) if lanes else np.zeros(0)
    return LabSnapshot(
        version, lab.epoch, lab.batch_index, lab.batches_per_epoch, lab.config.epochs, lab.finished,
        lab.config.description, lab.loss_name, lab.config, lanes, data_shot, decade_range(all_grads),
        lab_verdict(lanes), undo_label, redo_label,
    )  # fmt: skip
