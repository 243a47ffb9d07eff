"""The decision grid: what a lane's network predicts at every cell of a grid over 2-D data.

The grid is a picture, not a number a test compares with torch, and it is redrawn while training runs
(200 x 200 cells in at most 5 ms, issue 18). So it is evaluated in float32 (``GRID_DTYPE``), where float64
``np.exp`` alone takes longer than that, and in a layout chosen for speed; a cell's class agrees with the
float64 network's prediction (``lab_lane.predicted_classes``) except where the network's output lies
within float32 rounding of the boundary. What the layout does, and why each step is exact or nearly so:

- units x cells arrays, cells along the rows, evaluated in chunks of whole grid rows on up to
  ``GRID_THREADS`` threads, the calling one included (NumPy releases the GIL in its loops). The chunks are
  few and large (``GRID_CHUNK_VALUES``), as many as the threads share evenly, because each NumPy call takes
  the GIL back: 200 x 200 cells are four chunks on two threads. Each thread writes every chunk into the same
  three arrays (``_Workspace``), so a grid allocates nothing per chunk or layer. In a sigmoid network the
  exps are half of the time (float32 ``np.exp`` costs as much as a dozen multiplications, and a polynomial
  of NumPy calls would cost more), the products a quarter: one thread alone cannot reach the 5 ms;
- each activation array carries a last row of ones and each weight matrix its biases as a last column,
  so ``z = W a + b`` is one matrix product;
- sigmoid is ``1 / (1 + exp(-z))`` with the minus folded into the layer's weights: ``exp`` overflows to
  inf past z = -88 (ignored), and ``1 / inf`` is the 0 that sigmoid rounds to there. (float32 ``tanh``
  costs more than ``exp``: NumPy has no fast float32 tanh without AVX-512.)
- ReLU is ``z + |z|``, twice ``max(z, 0)`` exactly, with the next layer's weights halved (exact, a power
  of two): two cheap passes instead of one slow ``np.maximum``. Not in residual networks, whose skips add
  activations of different layers;
- the first layer's z at cell (i, j) is a part from x_j plus a part from y_i: two small tables instead of
  a product per cell; for sigmoid, exp of the sum is the product of two exps (see ``SEPARABLE_EXP_LIMIT``).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from . import passes
from .budget import check_budget
from .data import Split
from .lab_config import LabError
from .network import Network

GRID_DTYPE = np.float32
#: Share of the data's range the grid adds on each side.
GRID_MARGIN = 0.1
#: The grid's side, in cells, at least and at most.
MIN_GRID_RESOLUTION, MAX_GRID_RESOLUTION = 2, 2000
#: Values (units x cells) of a chunk's widest layer at most: 10,000 cells of 16 units, 0.6 MiB. Every NumPy
#: call of a chunk takes the GIL back when it returns, so the threads wait on each other less with few, large
#: chunks; a chunk still stays in the L3 cache, and from 4,096 to 40,000 cells of 16 units the chunk size
#: changed no single-thread time (tests/benchmarks/run.py).
GRID_CHUNK_VALUES = 160_000
#: Threads that evaluate chunks side by side.
GRID_THREADS = max(1, min(2, os.cpu_count() or 1))
#: Largest |part| of a first sigmoid layer's z split into an x and a y part: exp(40) * exp(40) is far
#: inside float32's range (3e38) and exp(-40) * exp(-40) a normal 1.8e-35. Beyond it the first layer is
#: evaluated cell by cell (a product of an overflowed and an underflowed exp would be NaN).
SEPARABLE_EXP_LIMIT = 40.0

_pool: ThreadPoolExecutor | None = None


def _grid_pool() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(GRID_THREADS, thread_name_prefix="gradviz-grid")
    return _pool


@dataclass(frozen=True)
class _Layer:
    """One layer in float32: ``[W | b]`` (the next layer's input scale and sigmoid's minus folded in)."""

    weights_and_biases: np.ndarray
    activation: str
    function: object
    skip: bool
    #: ReLU as ``z + |z|``: its output is twice the activation.
    doubled: bool


def _float32_layers(network: Network) -> list[_Layer]:
    fold_relu = not any(network.skip_flags)
    layers, input_scale = [], 1.0
    for l in range(network.depth):
        name = network.activations[l]
        sign = -1.0 if name == "sigmoid" else 1.0
        matrix = np.empty((network.widths[l + 1], network.widths[l] + 1), dtype=GRID_DTYPE)
        matrix[:, :-1] = (sign / input_scale) * network.weights[l]
        matrix[:, -1] = sign * network.biases[l]
        doubled = fold_relu and name == "relu"
        layers.append(_Layer(matrix, name, network.activation_functions[l], network.skip_flags[l], doubled))
        input_scale = 2.0 if doubled else 1.0
    return layers


def _activate(layer: _Layer, z: np.ndarray, scratch: np.ndarray) -> None:
    """``f(z)`` in place, in float32 (sigmoid's ``z`` comes negated; a doubled ReLU gives ``2 max(z, 0)``);
    ``scratch`` is an array of ``z``'s shape that may be overwritten."""
    name = layer.activation
    if name == "sigmoid":
        np.exp(z, out=z)
        z += 1.0
        np.divide(1.0, z, out=z)
    elif name == "relu" and layer.doubled:
        np.abs(z, out=scratch)
        z += scratch
    elif name == "relu":
        np.maximum(z, 0.0, out=z)
    elif name == "tanh":
        np.tanh(z, out=z)
    elif name != "linear":
        z[...] = layer.function.f(z.astype(np.float64))


class _Workspace:
    """One thread's arrays for a chunk of ``cells`` cells, made once per grid and reused for every chunk:
    two activation arrays that layers write in turn (each layer reads the other's), and a scratch array."""

    def __init__(self, rows: int, cells: int):
        self._flat = [np.empty(rows * cells, dtype=GRID_DTYPE) for _ in range(3)]

    def activations(self, which: int, units: int, cells: int) -> np.ndarray:
        """Activation array ``which`` (0 or 1) as ``units + 1`` x ``cells``, its last row ones."""
        array = self._flat[which][: (units + 1) * cells].reshape(units + 1, cells)
        array[-1] = 1.0
        return array

    def scratch(self, units: int, cells: int) -> np.ndarray:
        return self._flat[2][: units * cells].reshape(units, cells)


def _evaluate(layers: list[_Layer], a: np.ndarray, workspace: _Workspace, out: np.ndarray) -> None:
    """Layers 2 to L from the first layer's output ``a`` (units + 1 x cells, workspace array 0): class 1's
    probability (one output) or the class (more) of each cell, into ``out``."""
    cells = a.shape[1]
    which = 1
    for layer in layers[1:-1]:
        units = layer.weights_and_biases.shape[0]
        z = workspace.activations(which, units, cells)
        np.matmul(layer.weights_and_biases, a, out=z[:-1])
        _activate(layer, z[:-1], workspace.scratch(units, cells))
        if layer.skip:
            z[:-1] += a[:-1]
        a, which = z, 1 - which
    last = layers[-1]
    z = workspace.scratch(last.weights_and_biases.shape[0], cells)
    np.matmul(last.weights_and_biases, a, out=z)
    if z.shape[0] > 1:
        out[...] = np.argmax(z if last.activation != "sigmoid" else -z, axis=0)
        return
    if last.activation != "sigmoid":  # one output without a sigmoid: class 1's probability is still sigmoid(z)
        np.negative(z, out=z)
    np.exp(z, out=z)
    z += 1.0
    np.divide(1.0, z[0], out=out)


def _run_chunks(evaluate_chunk, starts: range, make_workspace) -> None:
    """``evaluate_chunk(start, workspace)`` for every start, on this thread and up to ``GRID_THREADS - 1``
    pool threads, each with its own workspace. Each thread takes the next chunk when it finishes one, so a
    thread the system runs late (a busy machine) leaves its share to the others rather than holding up
    the grid."""
    chunks = iter(starts)  # shared: a range iterator hands each start out once, under the GIL

    def work() -> None:
        workspace = make_workspace()
        with passes.ignoring_overflow():  # error states are per thread: set here, in the worker
            for start in chunks:
                evaluate_chunk(start, workspace)

    helpers = min(GRID_THREADS, len(starts)) - 1
    futures = [_grid_pool().submit(work) for _ in range(helpers)]
    try:
        work()
    finally:
        for future in futures:
            future.result()


def _rows_per_chunk(resolution: int, widest: int) -> int:
    """Grid rows a chunk: at most ``GRID_CHUNK_VALUES`` values in a layer ``widest`` units wide (at least one
    row), in a number of chunks that the threads share evenly, so that none waits for another's last chunk."""
    chunks = -(-resolution * resolution * widest // GRID_CHUNK_VALUES)
    chunks = -(-chunks // GRID_THREADS) * GRID_THREADS
    return max(1, -(-resolution // chunks))


def grid_axes(split: Split, resolution: int, margin: float = GRID_MARGIN) -> tuple[np.ndarray, np.ndarray]:
    """The grid's raw x and y coordinates: ``resolution`` points spanning the data plus ``margin`` of its range."""
    if not (isinstance(resolution, int) and MIN_GRID_RESOLUTION <= resolution <= MAX_GRID_RESOLUTION):
        raise LabError(f"grid resolution: must be a whole number from {MIN_GRID_RESOLUTION} to {MAX_GRID_RESOLUTION:,}, got {resolution!r}")
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
    values = np.empty(resolution * resolution, dtype=GRID_DTYPE)
    layers = _float32_layers(network)
    first_layer = layers[0]
    units = first_layer.weights_and_biases.shape[0]
    u = (xs - split.mean[0]) / split.scale[0]
    v = (ys - split.mean[1]) / split.scale[1]
    w = first_layer.weights_and_biases.astype(np.float64)
    part_x = w[:, :1] * u + w[:, 2:]  # units x grid columns, with the bias
    part_y = w[:, 1:2] * v  # units x grid rows
    separable = not first_layer.skip
    product = separable and first_layer.activation == "sigmoid"
    if product and max(np.abs(part_x).max(), np.abs(part_y).max()) > SEPARABLE_EXP_LIMIT:
        separable = product = False
    if product:
        part_x, part_y = np.exp(part_x), np.exp(part_y)
    part_x, part_y = part_x.astype(GRID_DTYPE), part_y.astype(GRID_DTYPE)
    # The widest layer and its ones row (at least the 3 rows of the cells' x, y and ones).
    workspace_rows = max(2, *network.widths[1:]) + 1
    rows_per_chunk = _rows_per_chunk(resolution, workspace_rows - 1)
    chunk_cells = rows_per_chunk * resolution

    def evaluate_rows(row: int, workspace: _Workspace) -> None:
        rows = slice(row, min(row + rows_per_chunk, resolution))
        count = rows.stop - rows.start
        cells = count * resolution
        first = workspace.activations(0, units, cells)
        z = first[:-1]
        if separable:
            combine = np.multiply if product else np.add
            combine(part_y[:, rows, None], part_x[:, None, :], out=z.reshape(units, count, resolution))
            if product:
                z += 1.0
                np.divide(1.0, z, out=z)
            else:
                _activate(first_layer, z, workspace.scratch(units, cells))
        else:
            grid = workspace.activations(1, 2, cells)
            grid[0].reshape(count, resolution)[...] = u
            grid[1].reshape(count, resolution)[...] = v[rows, None]
            np.matmul(first_layer.weights_and_biases, grid, out=z)
            _activate(first_layer, z, workspace.scratch(units, cells))
            if first_layer.skip:
                z += grid[:-1]
        _evaluate(layers, first, workspace, values[row * resolution : rows.stop * resolution])

    _run_chunks(evaluate_rows, range(0, resolution, rows_per_chunk), lambda: _Workspace(workspace_rows, chunk_cells))
    return xs, ys, values.reshape(resolution, resolution)
