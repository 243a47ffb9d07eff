"""The decision grid: what a lane's network predicts at every cell of a grid over 2-D data.

The grid is a picture, not a number a test compares with torch, and it is redrawn while training runs:
it is evaluated in float32 (``GRID_DTYPE``), where float64 ``np.exp`` alone costs more than the 5 ms a
200 x 200 grid may take. Sigmoid is ``1 / (1 + exp(-z))`` with the minus folded into the layer's weights;
``exp`` overflows to inf past z = -88 (ignored), and ``1 / inf`` is the 0 that sigmoid rounds to there.
float32 ``tanh`` costs more than ``exp`` (NumPy has no fast float32 tanh without AVX-512).
A cell's class therefore agrees with the float64 network's prediction (``lab_lane.predicted_classes``)
except where the network's output lies within float32 rounding of the boundary.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import numpy as np

from . import passes
from .budget import check_budget
from .data import Split
from .lab_config import LabError
from .network import Network

GRID_DTYPE = np.float32
#: Share of the data's range the grid adds on each side.
GRID_MARGIN = 0.1
#: Grid cells evaluated at once: a chunk's activations (rows x 16 units x 4 bytes) stay in the CPU's cache.
GRID_CHUNK_ROWS = 4096
#: Threads that evaluate chunks side by side (NumPy releases the GIL in its loops).
GRID_THREADS = max(1, min(2, os.cpu_count() or 1))

#: Largest |part| of a first sigmoid layer's z split into an x and a y part (see ``decision_grid``):
#: exp(40) * exp(40) is far inside float32's range (3e38), and exp(-40) * exp(-40) is a normal 1.8e-35.
SEPARABLE_EXP_LIMIT = 40.0

_pool: ThreadPoolExecutor | None = None


def _grid_pool() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(GRID_THREADS, thread_name_prefix="gradviz-grid")
    return _pool


@dataclass(frozen=True)
class _Layer:
    """One layer in float32, units x cells: ``z = weights @ a + biases``; for sigmoid both are negated.

    Cells run along the arrays' rows, so a bias adds along a long row (several times faster than
    broadcasting a short bias row over cells x units).
    """

    weights: np.ndarray
    biases: np.ndarray
    activation: str
    function: object
    skip: bool


def _float32_layers(network: Network) -> list[_Layer]:
    layers = []
    for l in range(network.depth):
        name = network.activations[l]
        sign = -1.0 if name == "sigmoid" else 1.0  # sigmoid(z) = 1 / (1 + exp(-z)): the minus folded into W, b
        weights = np.ascontiguousarray(sign * network.weights[l], dtype=GRID_DTYPE)
        biases = np.ascontiguousarray((sign * network.biases[l])[:, None], dtype=GRID_DTYPE)
        layers.append(_Layer(weights, biases, name, network.activation_functions[l], network.skip_flags[l]))
    return layers


def _activate(layer: _Layer, z: np.ndarray) -> np.ndarray:
    """``f(z)`` in float32, in place where the activation allows (sigmoid's ``z`` comes negated)."""
    name = layer.activation
    if name == "sigmoid":
        np.exp(z, out=z)  # inf beyond z = 88: 1 / inf is the 0 sigmoid rounds to there
        z += 1.0
        return np.reciprocal(z, out=z)
    if name == "tanh":
        return np.tanh(z, out=z)
    if name == "relu":
        return np.maximum(z, 0.0, out=z)
    if name == "linear":
        return z
    return layer.function.f(z.astype(np.float64)).astype(GRID_DTYPE)


def _evaluate(layers: list[_Layer], first: np.ndarray, out: np.ndarray) -> None:
    """Layers 2 to L from the first layer's activations ``first`` (units x cells): class 1's probability
    (one output) or the class (more) of each cell, into ``out``."""
    a = first
    for layer in layers[1:]:
        z = layer.weights @ a
        z += layer.biases
        if layer is layers[-1] and z.shape[0] > 1:
            out[...] = np.argmax(z if layer.activation != "sigmoid" else -z, axis=0)
            return
        z = _activate(layer, z)
        a = z + a if layer.skip else z
    if layers[-1].activation == "sigmoid":
        out[...] = a[0]
    else:  # one output without a sigmoid: class 1's probability is still sigmoid(z)
        out[...] = _activate(replace(layers[-1], activation="sigmoid"), np.negative(a[0]))


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
    resolution`` float32 array with ``values[i, j]`` at ``(xs[j], ys[i])``. Evaluated in float32, in
    chunks of about ``GRID_CHUNK_ROWS`` cells (whole grid rows) on ``GRID_THREADS`` threads (see the
    module's note).
    """
    xs, ys = grid_axes(split, resolution, margin)
    check_budget(network.widths, resolution * resolution, 1, "drawing the decision grid")
    cells = resolution * resolution
    values = np.empty(cells, dtype=GRID_DTYPE)
    layers = _float32_layers(network)
    first_layer = layers[0]
    # The first layer's z at cell (i, j) is a sum of a part from x_j and a part from y_i: it needs two
    # small tables instead of a product over every cell. For sigmoid, exp of that sum is the product of two
    # exps, so the first layer needs no exp per cell; beyond |part| = SEPARABLE_EXP_LIMIT the cells are
    # evaluated one by one (a product of an overflowed and an underflowed exp would be NaN).
    w = first_layer.weights.astype(np.float64)
    part_x = w[:, :1] * ((xs - split.mean[0]) / split.scale[0]) + first_layer.biases  # units x grid columns
    part_y = w[:, 1:] * ((ys - split.mean[1]) / split.scale[1])  # units x grid rows
    separable = not first_layer.skip
    product = separable and first_layer.activation == "sigmoid"
    if product and max(np.abs(part_x).max(), np.abs(part_y).max()) > SEPARABLE_EXP_LIMIT:
        separable = product = False
    if product:
        part_x, part_y = np.exp(part_x), np.exp(part_y)
    part_x, part_y = part_x.astype(GRID_DTYPE), part_y.astype(GRID_DTYPE)
    rows_per_chunk = max(1, GRID_CHUNK_ROWS // resolution)

    def evaluate_rows(row: int) -> None:
        rows = slice(row, row + rows_per_chunk)
        cells_of = slice(row * resolution, (row + rows_per_chunk) * resolution)
        with passes.ignoring_overflow():  # error states are per thread: set here, in the worker
            units = part_x.shape[0]
            if product:
                z = np.multiply(part_y[:, rows, None], part_x[:, None, :]).reshape(units, -1)
                z += 1.0
                first = np.reciprocal(z, out=z)
            elif separable:
                z = np.add(part_y[:, rows, None], part_x[:, None, :]).reshape(units, -1)
                first = _activate(first_layer, z)
            else:
                count = len(range(resolution)[rows])
                grid = np.empty((2, count * resolution), dtype=GRID_DTYPE)
                grid[0] = np.tile((xs - split.mean[0]) / split.scale[0], count)
                grid[1] = np.repeat(((ys - split.mean[1]) / split.scale[1])[rows], resolution)
                z = first_layer.weights @ grid
                z += first_layer.biases
                first = _activate(first_layer, z)
                if first_layer.skip:
                    first = first + grid
            _evaluate(layers, first, values[cells_of])

    starts = range(0, resolution, rows_per_chunk)
    if GRID_THREADS > 1 and len(starts) > 1:
        for _ in _grid_pool().map(evaluate_rows, starts):
            pass
    else:
        for row in starts:
            evaluate_rows(row)
    return xs, ys, values.reshape(resolution, resolution)
