"""What the Lab view draws: ``LabSnapshot``, frozen, made by ``take_lab_snapshot(lab)`` (``LabRun.snapshot``
caches it per state). Everything a view needs is computed here: the |dC/dw| of the last mini-batch and
their one log colour scale over all lanes, each lane's predictions on the test split, right and wrong and
the confusion matrix, the decision grid of 2-D data, and the verdict sentence. Every array is read-only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .format import format_factor
from .lab import Lab
from .lab_config import LabConfig
from .lab_grid import decision_grid, grid_axes
from .lab_history import LaneHistory
from .lab_lane import predicted_classes
from .passes import forward
from .stats import decade_range

#: The decision grid's side in cells when the caller names none (issue 19 asks for at least 100).
DEFAULT_GRID_RESOLUTION = 100
#: A first layer slower (or faster) than its last by at least this factor is named as such in the verdict.
SLOW_FIRST_LAYER_FACTOR = 10.0
#: Most powers of ten the lanes' shared |dC/dw| colour scale spans below its top: a deep sigmoid lane's
#: first layer can sit at 1e-21, and a scale down to there would draw every other edge in one colour.
GRAD_SCALE_DECADES = 8


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

    e.g. "lane 1 (sigmoid)'s first layer learns 120× slower than its last; test accuracy sigmoid 10%, relu 98%".
    Each accuracy names its lane: with three or four lanes a bare list of percentages says nothing.
    """
    measured = [lane for lane in lanes if len(lane.history.epochs)]
    if not measured:
        return ""
    parts = []
    ratios = [(lane.speed_ratio, lane) for lane in measured if math.isfinite(lane.speed_ratio) and lane.speed_ratio > 0 and lane.history.speed.shape[1] > 1]
    if ratios:
        ratio, slowest = max(ratios, key=lambda pair: pair[0])
        fastest_ratio, fastest = min(ratios, key=lambda pair: pair[0])
        if ratio >= SLOW_FIRST_LAYER_FACTOR:
            parts.append(f"lane {slowest.index + 1} ({slowest.name})'s first layer learns {format_factor(ratio)} slower than its last")
        elif fastest_ratio <= 1 / SLOW_FIRST_LAYER_FACTOR:
            parts.append(f"lane {fastest.index + 1} ({fastest.name})'s first layer learns {format_factor(1 / fastest_ratio)} faster than its last")
        else:
            spread = max(max(r, 1 / r) for r, _ in ratios)
            parts.append(f"every lane's first layer learns within {format_factor(spread)} of its last")
    accuracies = [_percent(float(lane.history.test_accuracy[-1])) for lane in measured]
    if any(a != "–" for a in accuracies):
        parts.append("test accuracy " + ", ".join(f"{lane.name} {a}" for lane, a in zip(measured, accuracies)))
    parts += [lane.stopped for lane in lanes if lane.stopped]
    return "; ".join(parts)


def _read_only_grid(network, split, resolution: int) -> np.ndarray:
    grid = decision_grid(network, split, resolution)[2]  # a fresh array: made read-only without a copy
    grid.flags.writeable = False
    return grid


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
            _read_only_grid(network, split, grid_resolution) if is_2d else None,
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
        lab.config.description, lab.loss_name, lab.config, lanes, data_shot, decade_range(all_grads, max_decades=GRAD_SCALE_DECADES),
        lab_verdict(lanes), undo_label, redo_label,
    )  # fmt: skip
