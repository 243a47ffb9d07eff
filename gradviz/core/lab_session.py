"""The lab session as a strict-JSON object: what ``gradviz lab --out`` writes and a window reopens.

It holds the config, the data's sizes, the epoch and the position within the next one, and per lane the
weights, the optimiser's running averages (momentum's velocity, Adam's m, v and step), the last
mini-batch's gradient and the kept history: a reopened lab continues exactly as the saved one would
have. The data come back from their spec (a generator's seed, the bundled digits, or the CSV file's
path). Version 1 files (without the running averages or the position) still open, their averages at zero.
The file itself is ``gradviz.files.lab_file``'s: the core knows the object only.
"""

from __future__ import annotations

import numpy as np

from .lab import Lab, LabState, LaneState
from .lab_config import LabError, config_from_json
from .lab_history import history_from_rows
from .lab_lane import OptimizerState

#: The lab session file: its "format" and the version this code writes (it reads ``LAB_FILE_VERSIONS``).
LAB_FILE_FORMAT = "gradviz-lab"
LAB_FILE_VERSION = 2
LAB_FILE_VERSIONS = (1, 2)


def _list(array: np.ndarray | None):
    return None if array is None else array.tolist()


def lab_session_json(lab: Lab) -> dict:
    """The lab session as a strict-JSON object: config, data, position, and every lane's state."""
    split = lab.split
    state = lab.capture()
    return {
        "format": LAB_FILE_FORMAT,
        "version": LAB_FILE_VERSION,
        "config": lab.config.to_json(),
        "data": {
            "name": split.data.name, "features": int(split.train_x.shape[1]), "classes": split.classes,
            "class_names": list(split.data.class_names), "train": len(split.train_y), "test": len(split.test_y),
            "mean": split.mean.tolist(), "scale": split.scale.tolist(),
        },
        "epoch": lab.epoch,
        "position": lab.position,
        "lanes": [
            {
                **lane.spec.to_json(),
                "widths": list(lane.widths), "activations": list(lane.activations), "loss": lane.loss_name,
                "weights": [w.tolist() for w in lane.weights], "biases": [b.tolist() for b in lane.biases],
                "optimizer_state": {
                    "steps": saved.optimizer.steps, "velocity": _list(saved.optimizer.velocity),
                    "second": _list(saved.optimizer.second),
                },
                "last_gradient": _list(saved.last_gradient), "epoch_start": _list(saved.epoch_start),
                "stopped_at": lane.stopped_at, "stop_reason": lane.stop_reason, "history": lane.history.rows(),
            }
            for lane, saved in zip(lab.lanes, state.lanes)
        ],
    }  # fmt: skip


def _whole(value, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _flat(value, size: int, where: str, what: str, optional: bool = False) -> np.ndarray | None:
    if value is None and optional:
        return None
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        array = None
    if array is None or array.shape != (size,) or not np.isfinite(array).all():
        raise LabError(f"{where}: {what}: must be {size:,} finite numbers")
    return array


def lab_from_session_json(obj, source: str = "lab session") -> Lab:
    """A ``Lab`` from ``lab_session_json``'s object, without training; ``LabError`` naming the field at fault."""
    if not isinstance(obj, dict) or obj.get("format") != LAB_FILE_FORMAT:
        raise LabError(f"{source}: format: not a gradviz lab session (\"format\" must be {LAB_FILE_FORMAT!r})")
    version = obj.get("version")
    if version not in LAB_FILE_VERSIONS or isinstance(version, bool):
        raise LabError(f"{source}: version: this gradviz reads versions 1 and {LAB_FILE_VERSION}, got {version!r}")
    lab = Lab(config_from_json(obj.get("config"), f"{source}: config"))
    saved = obj.get("lanes")
    if not isinstance(saved, list) or len(saved) != len(lab.lanes):
        raise LabError(f"{source}: lanes: must list the {len(lab.lanes)} lanes of its config")
    epoch = obj.get("epoch")
    if not _whole(epoch, 0, lab.config.epochs):
        raise LabError(f"{source}: epoch: must be a whole number from 0 to {lab.config.epochs}, got {epoch!r}")
    position = obj.get("position", 0)
    if not _whole(position, 0, lab.samples_per_epoch - 1) or (position and epoch >= lab.config.epochs):
        raise LabError(f"{source}: position: must be a whole number from 0 to {lab.samples_per_epoch - 1} within the epochs, got {position!r}")
    lanes = []
    for k, (lane, entry) in enumerate(zip(lab.lanes, saved)):
        lanes.append(_lane_state(lane, entry, version, epoch, position, f"{source}: lanes[{k}]"))
    lab.restore(LabState(lab.config, epoch, position, tuple(lanes)))
    return lab


def _lane_state(lane, entry, version: int, epoch: int, position: int, where: str) -> LaneState:
    if not isinstance(entry, dict):
        raise LabError(f"{where}: must be an object")
    try:
        weights = [np.asarray(w, dtype=np.float64) for w in entry["weights"]]
        biases = [np.asarray(b, dtype=np.float64) for b in entry["biases"]]
        rows = entry["history"]
    except (KeyError, TypeError, ValueError):
        raise LabError(f"{where}: needs weights, biases and history as the lab writes them") from None
    shapes_ok = len(weights) == len(lane.weights) and len(biases) == len(lane.biases) and all(
        w.shape == t.shape for w, t in zip(weights + biases, lane.weights + lane.biases)
    )
    if not shapes_ok or not all(np.isfinite(a).all() for a in weights + biases):
        raise LabError(f"{where}: weights and biases must be finite and shaped for widths {list(lane.widths)}")
    parameters = np.concatenate([part.ravel() for pair in zip(weights, biases) for part in pair])
    size = parameters.size
    try:
        history = history_from_rows(rows, len(lane.widths) - 2)
    except (KeyError, TypeError, ValueError):
        raise LabError(f"{where}: history: each epoch needs the measures the lab writes") from None
    optimizer = OptimizerState(lane.spec.optimizer, 0, None, None)
    last_gradient, epoch_start = None, None
    if version >= 2:
        state = entry.get("optimizer_state")
        if not isinstance(state, dict) or not _whole(state.get("steps"), 0, 2**62):
            raise LabError(f"{where}: optimizer_state: needs steps, velocity and second as the lab writes them")
        averages = [_flat(state.get(key), size, where, f"optimizer_state.{key}", optional=True) for key in ("velocity", "second")]
        wanted = {"sgd": (False, False), "momentum": (True, False), "adam": (True, True)}[lane.spec.optimizer]
        if tuple(a is not None for a in averages) != wanted:
            raise LabError(f"{where}: optimizer_state: does not match the optimizer {lane.spec.optimizer!r}")
        optimizer = OptimizerState(lane.spec.optimizer, state["steps"], *averages)
        last_gradient = _flat(entry.get("last_gradient"), size, where, "last_gradient", optional=True)
        epoch_start = _flat(entry.get("epoch_start"), size, where, "epoch_start", optional=True)
    stopped, reason = entry.get("stopped_at"), str(entry.get("stop_reason", ""))
    if stopped is not None and not _whole(stopped, 0, epoch):
        raise LabError(f"{where}: stopped_at: must be null or an epoch from 0 to {epoch}, got {stopped!r}")
    if position and stopped is None and epoch_start is None:
        raise LabError(f"{where}: epoch_start: a lab saved within an epoch needs the weights that epoch began with")
    epochs_done = int(history.epochs[history.count - 1]) if history.count else 0
    return LaneState(
        lane.spec, parameters, optimizer, last_gradient, history.kept(), epochs_done, stopped,
        reason if stopped is not None else "", epoch_start,
    )  # fmt: skip
