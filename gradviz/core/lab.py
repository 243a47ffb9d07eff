"""The training lab: two to four networks ("lanes") trained side by side on the same data, in lock-step.

Every lane sees the same training split in the same mini-batch order. Lanes that differ only in their
activation start from the same weights (the weights depend on the initialiser, the widths and the seed
alone). Each epoch, and once before any update (epoch 0), every lane records its loss, its train and
test accuracy and, per hidden layer, three measures:

- speed: ``||dC/db_l||``, the norm of the bias gradient of the mean loss over the whole training split
  (Nielsen's measure of how fast layer ``l`` learns, *Neural Networks and Deep Learning*, ch. 5);
- update ratio: ``||W_l(end) - W_l(start)|| / ||W_l(start)||`` over the epoch (0 at epoch 0);
- saturated: the fraction of the layer's units, over the training split, whose ``f'(z)`` is below
  ``SATURATION_LEVEL`` of the activation's largest slope.

A lab moves by mini-batches (``train_batches``) or whole epochs (``run_epoch``); ``epoch`` counts the
finished epochs and ``position`` the training samples already used in the next one. ``capture`` and
``restore`` copy the whole state out and back (for undo and for lab session files).

Training runs through the one forward/backward loop (``passes.forward_backward``). The settings live in
``lab_config``, a lane in ``lab_lane``, its history in ``lab_history``, the decision grid in ``lab_grid``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import passes
from .budget import check_budget
from .data import Split, load_data, split_data
from .lab_config import (
    LAB_INITS, LAB_LOSSES, MAX_BATCH, MAX_CLIP, MAX_EPOCHS, MAX_LANES, MAX_LEARNING_RATE, OPTIMIZERS, LabConfig,
    LabError, LaneSpec, config_from_json, load_preset, preset_descriptions, preset_names,
)  # fmt: skip
from .lab_grid import decision_grid
from .lab_history import MAX_HISTORY_EPOCHS, LaneHistory
from .lab_lane import Lane, OptimizerState, encode_targets, initial_parameters, output_setup

#: The lab's own names, and its settings' and parts' (defined in lab_config, lab_lane, lab_history and
#: lab_grid), so that ``from gradviz.core.lab import ...`` reaches the whole lab.
__all__ = [
    "Lab", "LabState", "LaneState", "LAB_INITS", "LAB_LOSSES", "MAX_BATCH", "MAX_CLIP", "MAX_EPOCHS", "MAX_LANES",
    "MAX_LEARNING_RATE", "OPTIMIZERS", "LabConfig", "LabError", "LaneSpec", "config_from_json", "load_preset",
    "preset_descriptions", "preset_names", "decision_grid", "MAX_HISTORY_EPOCHS", "LaneHistory", "Lane",
    "initial_parameters",
]

@dataclass(frozen=True)
class LaneState:
    """A copy of everything a lane holds that training changes."""

    spec: LaneSpec
    parameters: np.ndarray
    optimizer: OptimizerState
    #: The last mini-batch's gradient (None before the first).
    last_gradient: np.ndarray | None
    #: ``LaneHistory.kept()``: (epochs, scalars, layered).
    history: tuple[np.ndarray, np.ndarray, np.ndarray]
    epochs_done: int
    stopped_at: int | None
    stop_reason: str
    #: The parameters when the current epoch began (None between epochs): its update ratio needs them.
    epoch_start: np.ndarray | None

    @property
    def nbytes(self) -> int:
        arrays = [self.parameters, self.last_gradient, *self.history, self.optimizer.velocity, self.optimizer.second, self.epoch_start]
        return sum(a.nbytes for a in arrays if a is not None)


@dataclass(frozen=True)
class LabState:
    """A copy of a lab's whole state: its config, position and every lane's ``LaneState``."""

    config: LabConfig
    epoch: int
    position: int
    lanes: tuple[LaneState, ...]

    @property
    def nbytes(self) -> int:
        return sum(lane.nbytes for lane in self.lanes)


class Lab:
    """Lanes trained side by side on one split of one data set.

    Parameters
    ----------
    config : the data, widths, loss, batches and lanes (checked here)
    split : the data already split (by default loaded and split from ``config.data``)
    """

    def __init__(self, config: LabConfig, split: Split | None = None):
        self.config = config.checked()
        if split is None:
            split = split_data(load_data(config.data), config.data.test_fraction, config.data.seed)
        self.split = split
        outputs, output_activation, self.loss_name = output_setup(config.loss, split.classes)
        self.widths = (split.train_x.shape[1], *config.hidden, outputs)
        # The measures pass the whole training split through each lane in one batch.
        check_budget(self.widths, len(split.train_y), 1, "measuring this lab (one pass over the training split)")
        self.train_targets = encode_targets(split.train_y, outputs)
        self.lanes = [Lane(spec, self.widths, output_activation, self.loss_name, config.seed) for spec in config.lanes]
        #: Finished epochs.
        self.epoch = 0
        #: Training samples of epoch ``epoch + 1`` already trained on (0 between epochs).
        self.position = 0
        self._epoch_inputs = self._epoch_targets = None
        self._epoch_start: list[np.ndarray | None] = [None] * len(self.lanes)
        #: Messages of lanes whose loss was not finite even before training (stopped at epoch 0).
        self.start_messages = [lane.stop_reason for lane in self.lanes if not self._record(lane, lane.parameters.copy())]

    # ---------------------------------------------------------------------------------- batches

    def batch_order(self, epoch: int) -> np.ndarray:
        """The order of the training samples in ``epoch`` (1-based): the same for every lane."""
        return np.random.default_rng([self.config.seed, 0xBA7C, epoch]).permutation(len(self.split.train_y))

    def batches(self, epoch: int) -> list[tuple[np.ndarray, np.ndarray]]:
        """The mini-batches of ``epoch``: (inputs, targets) slices of the training split, shuffled."""
        order = self.batch_order(epoch)
        inputs, targets = self.split.train_x[order], self.train_targets[order]
        size = self.config.batch
        return [(inputs[k : k + size], targets[k : k + size]) for k in range(0, len(order), size)]

    @property
    def samples_per_epoch(self) -> int:
        return len(self.split.train_y)

    @property
    def batches_per_epoch(self) -> int:
        return math.ceil(self.samples_per_epoch / self.config.batch)

    @property
    def batch_index(self) -> int:
        """Mini-batches of the current epoch already trained (0 between epochs)."""
        return math.ceil(self.position / self.config.batch)

    @property
    def finished(self) -> bool:
        """True when the configured epochs are done (and no epoch is half done), or every lane stopped."""
        done = self.epoch >= self.config.epochs and self.position == 0
        return done or not any(lane.running for lane in self.lanes)

    # --------------------------------------------------------------------------------- training

    def train_batches(self, max_batches: int) -> tuple[int, list[str]]:
        """Train every running lane on up to ``max_batches`` more mini-batches of the current epoch.

        Stops at the epoch's end (measuring it). Returns the mini-batches run and the stop messages of
        lanes whose loss turned non-finite in that epoch.
        """
        if self.finished or max_batches < 1:
            return 0, []
        samples, size = self.samples_per_epoch, self.config.batch
        if self._epoch_inputs is None:
            order = self.batch_order(self.epoch + 1)
            self._epoch_inputs, self._epoch_targets = self.split.train_x[order], self.train_targets[order]
        if self.position == 0:
            self._epoch_start = [lane.parameters.copy() if lane.running else None for lane in self.lanes]
        end = min(samples, self.position + max_batches * size)
        inputs, targets = self._epoch_inputs, self._epoch_targets
        batches = [(inputs[k : k + size], targets[k : k + size]) for k in range(self.position, end, size)]
        for lane in self.lanes:
            if lane.running:
                lane.train_batches(batches)
        self.position = end
        return len(batches), (self._finish_epoch() if end == samples else [])

    def probe_gradients(self) -> None:
        """Give every lane that has trained no mini-batch yet (``Lane.has_gradient``) the gradient of the
        next mini-batch at its weights now, so that a picture of the last mini-batch's gradient has one."""
        missing = [lane for lane in self.lanes if not lane.has_gradient]
        if not missing:
            return
        order = self.batch_order(self.epoch + 1)[self.position : self.position + self.config.batch]
        inputs, targets = self.split.train_x[order], self.train_targets[order]
        with passes.ignoring_overflow():
            for lane in missing:
                lane.probe_gradient(inputs, targets)

    def _finish_epoch(self) -> list[str]:
        self.epoch += 1
        self.position = 0
        self._epoch_inputs = self._epoch_targets = None
        messages = []
        for lane, start in zip(self.lanes, self._epoch_start):
            if lane.running and start is not None and not self._record(lane, start):
                lane.parameters[:] = start
                messages.append(lane.stop_reason)
        self._epoch_start = [None] * len(self.lanes)
        return messages

    def run_epoch(self) -> list[str]:
        """Train every running lane to the end of the current epoch and record its measures; returns the stop messages."""
        return self.train_batches(self.batches_per_epoch)[1]

    def run(self, on_epoch=None) -> list[str]:
        """Run the remaining epochs; ``on_epoch(epoch, messages)`` after each, which stops the run there, between
        epochs, by returning True (as ``training.train``'s ``on_progress`` does). Returns all stop messages."""
        messages = []
        while not self.finished:
            new = self.run_epoch()
            messages += new
            if on_epoch is not None and on_epoch(self.epoch, new):
                break
        return messages

    def _record(self, lane: Lane, parameters_before: np.ndarray) -> bool:
        with passes.ignoring_overflow():
            return self._measured(lane, parameters_before)

    def _measured(self, lane: Lane, parameters_before: np.ndarray) -> bool:
        finite = bool(np.isfinite(lane.parameters).all())
        measures = lane.measure(self.split, self.train_targets) if finite else None
        if measures is None:
            lane.stop(self.epoch, "the loss is not finite (the weights overflowed)")
            return False
        loss, train_accuracy, test_accuracy, speed, saturated = measures
        hidden = len(self.widths) - 2
        ratio = []
        change = lane.parameters - parameters_before
        for l in range(hidden):
            before = parameters_before[lane.weight_slices[l]]
            size = math.sqrt(float(np.dot(before, before)))
            moved = change[lane.weight_slices[l]]
            ratio.append(math.sqrt(float(np.dot(moved, moved))) / size if size > 0 else math.nan)
        lane.history.append(self.epoch, loss, train_accuracy, test_accuracy, speed, ratio, saturated)
        lane.epochs_done = self.epoch
        return True

    # ---------------------------------------------------------------------------- state copies

    def capture(self) -> LabState:
        """A copy of the whole state (``restore`` puts it back)."""
        lanes = tuple(
            LaneState(
                lane.spec, lane.parameters.copy(), lane.optimizer.state(), lane.last_gradient.flat.copy(),
                lane.history.kept(), lane.epochs_done, lane.stopped_at, lane.stop_reason,
                None if start is None else start.copy(),
            )
            for lane, start in zip(self.lanes, self._epoch_start)
        )  # fmt: skip
        return LabState(self.config, self.epoch, self.position, lanes)

    def restore(self, state: LabState) -> None:
        """Put back a state ``capture`` took from a lab of the same widths, activations and data."""
        if len(state.lanes) != len(self.lanes):
            raise ValueError(f"a state of {len(state.lanes)} lanes given to a lab of {len(self.lanes)}")
        for lane, saved in zip(self.lanes, state.lanes):
            if saved.parameters.shape != lane.parameters.shape:
                raise ValueError("a state of other widths given to this lab")
            lane.retune(saved.spec)
            lane.parameters[:] = saved.parameters
            if saved.optimizer.kind == lane.optimizer.kind:  # else the new optimiser starts its own averages
                lane.optimizer.restore(saved.optimizer)
            lane.has_gradient = saved.last_gradient is not None
            if lane.has_gradient:
                lane.last_gradient.flat[:] = saved.last_gradient
            lane.history = LaneHistory.from_kept(*saved.history)
            lane.epochs_done, lane.stopped_at, lane.stop_reason = saved.epochs_done, saved.stopped_at, saved.stop_reason
        self.config = state.config
        self.epoch, self.position = state.epoch, state.position
        self._epoch_inputs = self._epoch_targets = None
        self._epoch_start = [None if lane.epoch_start is None else lane.epoch_start.copy() for lane in state.lanes]

    # ------------------------------------------------------------------------------------ output

    def to_json(self) -> dict:
        """The ``gradviz lab --json`` object: the data's sizes and every lane's kept epochs."""
        split = self.split
        return {
            "data": {
                "name": split.data.name, "features": int(split.train_x.shape[1]), "classes": split.classes,
                "train": len(split.train_y), "test": len(split.test_y),
            },
            "lanes": [
                {
                    "name": lane.name, "activation": lane.spec.activation, "layers": list(self.config.hidden),
                    "init": lane.spec.init, "epochs": lane.history.rows(),
                }
                for lane in self.lanes
            ],
        }  # fmt: skip

    def __repr__(self):
        return (
            f"Lab({self.split!r}, widths={list(self.widths)}, lanes={[lane.name for lane in self.lanes]}, "
            f"epoch={self.epoch}, batch={self.batch_index}/{self.batches_per_epoch})"
        )
