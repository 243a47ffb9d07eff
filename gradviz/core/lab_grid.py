"""The decision grid: what a lane's network predicts at every cell of a grid over 2-D data.

The grid is a picture, not a number a test compares with torch, and it is redrawn while training runs:
it is evaluated in float32 (``GRID_DTYPE``), with sigmoid in its tanh form ``(1 + tanh(z / 2)) / 2``,
which cannot overflow, where float64 ``np.exp`` alone costs more than the 5 ms a 200 x 200 grid may take.
A cell's class therefore agrees with the float64 network's prediction (``lab_lane.predicted_classes``)
except where the network's output lies within float32 rounding of the boundary.
"""

from __future__ import annotations

import numpy as np

from . import passes
from .budget import check_budget
from .data import Split
from .lab_config import LabError
from .network import Network

GRID_DTYPE = np.float32
#: Share of the data's range the grid adds on each side.
GRID_MARGIN = 0.1


def _activate(name: str, z: np.ndarray, activation) -> np.ndarray:
    """``f(z)`` in float32, in place where the activation allows."""
    if name == "sigmoid":
        z *= 0.5
        np.tanh(z, out=z)
        z *= 0.5
        z += 0.5
        return z
    if name == "tanh":
        return np.tanh(z, out=z)
    if name == "relu":
        return np.maximum(z, 0.0, out=z)
    if name == "linear":
        return z
    return activation.f(z.astype(np.float64)).astype(GRID_DTYPE)


def grid_axes(split: Split, resolution: int, margin: float = GRID_MARGIN) -> tuple[np.ndarray, np.ndarray]:
    """The grid's raw x and y coordinates: ``resolution`` points spanning the data plus ``margin`` of its range."""
    raw = split.data.features
    if raw.shape[1] != 2:
        raise LabError(f"a decision grid needs 2-D data; {split.data.name} has {raw.shape[1]} features")
    low, high = raw.min(axis=0), raw.max(axis=0)
    pad = (high - low) * margin
    xs = np.linspace(low[0] - pad[0], high[0] + pad[0], resolution)
    ys = np.linspace(low[1] - pad[1], high[1] + pad[1], resolution)
    return xs, ys


def decision_grid(network: Network, split: Split, resolution: int = 200, margin: float = GRID_MARGIN):
    """The network's class-1 probability (two classes) or class (more) on a grid over 2-D data.

    Returns ``(xs, ys, values)``: the grid's raw x and y coordinates (float64) and a ``resolution x
    resolution`` float32 array with ``values[i, j]`` at ``(xs[j], ys[i])``. Evaluated in float32 (see the
    module's note).
    """
    xs, ys = grid_axes(split, resolution, margin)
    # Also keeps the memory one grid frees for the next (memory.reuse_freed_memory): no page faults.
    check_budget(network.widths, resolution * resolution, 1, "drawing the decision grid")
    a = np.empty((resolution * resolution, 2), dtype=GRID_DTYPE)
    a[:, 0] = np.tile((xs - split.mean[0]) / split.scale[0], resolution)
    a[:, 1] = np.repeat((ys - split.mean[1]) / split.scale[1], resolution)
    depth = network.depth
    with passes.ignoring_overflow():
        for l in range(depth):
            z = a @ network.weights[l].T.astype(GRID_DTYPE)
            z += network.biases[l].astype(GRID_DTYPE)
            if l == depth - 1:
                break
            z = _activate(network.activations[l], z, network.activation_functions[l])
            a = z + a if network.skip_flags[l] else z
    if z.shape[1] == 1:
        values = _activate("sigmoid", z[:, 0], None)
    else:
        values = np.argmax(z, axis=1).astype(GRID_DTYPE)
    return xs, ys, values.reshape(resolution, resolution)
