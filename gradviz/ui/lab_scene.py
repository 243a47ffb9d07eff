"""What the lab view paints, taken from a core ``LabSnapshot``: the texts it shows (title, captions) and the
arrays it places. Pure: no widget, no painting, no core fact computed (every number is the snapshot's);
the only choices made here are presentation (words, axis spans)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..core.stats import decade_range

#: Initialisers as a caption names them.
INIT_NAMES = {
    "nielsen": "Nielsen's N(0, 1/n) weights", "xavier_normal": "Xavier normal", "xavier_uniform": "Xavier uniform",
    "he_normal": "He normal", "he_uniform": "He uniform", "normal": "N(0, 1) weights",
}  # fmt: skip
#: Initialisers in the shortest captions.
SHORT_INIT_NAMES = {
    "nielsen": "Nielsen", "normal": "N(0, 1)", "xavier_normal": "Xavier", "xavier_uniform": "Xavier", "he_normal": "He",
    "he_uniform": "He",
}  # fmt: skip
#: The header colour bar's name, longest form first: after a mini-batch, and before any (the gradient of
#: the first mini-batch at the starting weights, which the first step applies).
LAST_BATCH_LABELS = ("last batch |∂C/∂w|", "|∂C/∂w|", "")
FIRST_BATCH_LABELS = ("first batch |∂C/∂w|", "|∂C/∂w|", "")
#: The epoch axis spans at least this many epochs, so the first epochs do not fill the whole width.
MIN_AXIS_EPOCHS = 10
#: The digits' brightest pixel value (the UCI optdigits scale is 0..16).
DIGITS_MAX_PIXEL = 16.0


@dataclass(frozen=True, eq=False)
class LaneScene:
    """One lane as painted: name, caption, the sketch's widths and last-batch |dC/dw| per layer, the
    decision grid (xs, ys, values) or None, whether each test sample is predicted right, the confusion
    matrix, and its history."""

    name: str
    caption: tuple[str, ...]
    widths: tuple[int, ...]
    grad_w: tuple
    grid: tuple | None
    test_accuracy: float
    correct: np.ndarray | None
    confusion: np.ndarray | None
    epochs: np.ndarray
    loss: np.ndarray
    test_accuracy_history: np.ndarray
    speed: np.ndarray


@dataclass(frozen=True, eq=False)
class LabScene:
    """The whole lab as painted (see ``lab_painter.paint_lab``)."""

    title: str
    verdict: str
    decades: tuple[int, int]
    speed_decades: tuple[int, int]
    axis_epochs: int
    classes: int
    train_points: np.ndarray | None
    train_labels: np.ndarray | None
    test_points: np.ndarray | None
    test_labels: np.ndarray
    test_images: np.ndarray | None
    lanes: tuple[LaneScene, ...]
    #: Whether some lane's last-batch |dC/dw| is exactly 0 somewhere (a dead ReLU), or NaN or infinite:
    #: the sketch colours those apart from the scale, and the colour bar then names those colours too.
    zero_gradients: bool = False
    nonfinite_gradients: bool = False
    #: What the header's colour bar measures, longest form first: the last mini-batch's |dC/dw|, or before
    #: any training the first one's, at the starting weights (``Lab.probe_gradients``).
    bar_labels: tuple[str, ...] = LAST_BATCH_LABELS


def lane_caption(number: int, name: str, activation: str, init: str) -> tuple[str, ...]:
    """The lane's caption, longest form first: ``"Lane 1 · sigmoid · Xavier normal"`` (with the lane's own
    name when it says more than its activation), then shorter forms that still name the activation and the
    initialiser."""
    own = [name] if name and name != activation else []
    init_name = INIT_NAMES.get(init, init)
    short = SHORT_INIT_NAMES.get(init, init)
    forms = (
        " · ".join([f"Lane {number}", *own, activation, init_name]),
        " · ".join([f"Lane {number}", activation, init_name]),
        " · ".join([f"Lane {number}", activation, short]),  # "Lane" kept before the initialiser is shortened
        " · ".join([f"{number}", activation, short]),
    )
    return tuple(dict.fromkeys(forms))  # each form once, longest first


def lab_scene(shot) -> LabScene:
    """The ``LabScene`` of a core ``LabSnapshot``."""
    data = shot.data
    lanes = []
    for k, lane in enumerate(shot.lanes):
        history = lane.history
        accuracy = history.test_accuracy
        lanes.append(
            LaneScene(
                name=lane.name, caption=lane_caption(k + 1, lane.name, lane.activation, lane.init),
                widths=tuple(lane.widths), grad_w=tuple(lane.grad_w),
                grid=(data.grid_xs, data.grid_ys, lane.grid) if lane.grid is not None else None,
                test_accuracy=float(accuracy[-1]) if len(accuracy) else math.nan,
                correct=lane.test_correct, confusion=lane.confusion,
                epochs=history.epochs, loss=history.loss, test_accuracy_history=accuracy, speed=history.speed,
            )
        )  # fmt: skip
    speeds = [lane.speed.ravel() for lane in lanes]
    grads = [np.asarray(g) for lane in lanes for g in lane.grad_w if g is not None]
    two_d = bool(data.is_2d)
    images = data.test_images
    if images is not None:
        # The images' own pixel scale (0..16 for the digits) shown as 0..1.
        images = np.asarray(images, dtype=np.float64).reshape(len(images), -1) / DIGITS_MAX_PIXEL
    where = f"epoch {shot.epoch:,} of {shot.epochs:,}"
    if shot.batch_index:
        where += f" + mini-batch {shot.batch_index:,} of {shot.batches_per_epoch:,}"
    return LabScene(
        title=f"{data.name} · {where}", verdict=shot.verdict or "", decades=tuple(shot.grad_decades),
        speed_decades=decade_range(np.concatenate(speeds) if speeds else np.zeros(0), 2),
        axis_epochs=max(min(MIN_AXIS_EPOCHS, shot.epochs), shot.epoch, 1), classes=data.classes,
        train_points=data.train_points if two_d else None, train_labels=data.train_labels if two_d else None,
        test_points=data.test_points if two_d else None, test_labels=data.test_labels,
        test_images=None if two_d else images, lanes=tuple(lanes),
        zero_gradients=any(bool((g == 0).any()) for g in grads),
        nonfinite_gradients=any(not bool(np.isfinite(g).all()) for g in grads),
        bar_labels=(FIRST_BATCH_LABELS if shot.epoch == 0 and shot.batch_index == 0 else LAST_BATCH_LABELS),
    )  # fmt: skip


