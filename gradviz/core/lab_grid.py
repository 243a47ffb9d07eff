"""The decision grid: what a lane's network predicts at every cell of a grid over 2-D data.

The grid is a picture, not a number a test compares with torch, and it is redrawn while training runs
(200 x 200 cells in at most 5 ms, issue 18). So it is evaluated in float32 (``GRID_DTYPE``), where float64
``np.exp`` alone takes longer than that, and in a layout chosen for speed; a cell's class agrees with the
float64 network's prediction (``lab_lane.predicted_classes``) except where the network's output lies
within float32 rounding of the boundary. What the layout does, and why each step is exact or nearly so:

- units x cells arrays, cells along the rows. The grid's rows are split into one block per thread
  (``GRID_THREADS``; NumPy releases the GIL in its loops), and each thread goes through its block a
  chunk of rows at a time, in buffers it allocates once: a chunk stays in the CPU's cache. A chunk is
  small enough that each matrix product stays under OpenBLAS's own threading threshold
  (``BLAS_ONE_THREAD_PRODUCT``). ``gradviz`` asks OpenBLAS for one thread on import, but that is too late
  when NumPy was imported first (a test, a script); then every product of both threads would wake
  OpenBLAS's threads too, twice as many threads as cores, which spin and take turns (measured: 2x to
  10x slower on a busy 2-core machine);
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
#: Most grid cells evaluated at once: a chunk's activations (16 units x 4,096 cells x 4 bytes) stay in cache.
GRID_CHUNK_CELLS = 4096
#: OpenBLAS multiplies on one thread while m * n * k is under twice 65,536 * 4 (its SMP_THRESHOLD_MIN
#: times GEMM_MULTITHREAD_THRESHOLD; it gives a product one thread per 262,144 of it). Measured here,
#: float32 16 x 17 times 17 x n: 27 us at n = 1,900 (516,800), 286 us at n = 2,000 (544,000) with a
#: second process busy. A chunk keeps each product under it, as long as it is one grid row at least.
BLAS_ONE_THREAD_PRODUCT = 2 * 65536 * 4
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


def _activate(layer: _Layer, z: np.ndarray) -> None:
    """``f(z)`` in place, in float32 (sigmoid's ``z`` comes negated; a doubled ReLU gives ``2 max(z, 0)``)."""
    name = layer.activation
    if name == "sigmoid":
        np.exp(z, out=z)
        z += 1.0
        np.divide(1.0, z, out=z)
    elif name == "relu" and layer.doubled:
        magnitude = np.abs(z)
        z += magnitude
    elif name == "relu":
        np.maximum(z, 0.0, out=z)
    elif name == "tanh":
        np.tanh(z, out=z)
    elif name != "linear":
        z[...] = layer.function.f(z.astype(np.float64))


def _with_ones_row(buffer: np.ndarray, units: int, cells: int) -> np.ndarray:
    """An activation array (units x cells) in ``buffer``, with the last row of ones that multiplies the biases."""
    array = buffer[: (units + 1) * cells].reshape(units + 1, cells)
    array[-1] = 1.0
    return array


def _evaluate(layers: list[_Layer], first: np.ndarray, buffers: list[np.ndarray], out: np.ndarray) -> None:
    """Layers 2 to L from the first layer's output ``first`` (units + 1 x cells, in ``buffers[0]``): class
    1's probability (one output) or the class (more) of each cell, into ``out``. The layers write into
    the two buffers in turn."""
    a = first
    cells = a.shape[1]
    for index, layer in enumerate(layers[1:-1], start=1):
        units = layer.weights_and_biases.shape[0]
        z = _with_ones_row(buffers[index % 2], units, cells)
        np.matmul(layer.weights_and_biases, a, out=z[:-1])
        _activate(layer, z[:-1])
        if layer.skip:
            z[:-1] += a[:-1]
        a = z
    last = layers[-1]
    z = last.weights_and_biases @ a
    if z.shape[0] > 1:
        out[...] = np.argmax(z if last.activation != "sigmoid" else -z, axis=0)
        return
    if last.activation != "sigmoid":  # one output without a sigmoid: class 1's probability is still sigmoid(z)
        np.negative(z, out=z)
    np.exp(z, out=z)
    z += 1.0
    np.divide(1.0, z[0], out=out)


def _rows_per_chunk(layers: list[_Layer], resolution: int) -> int:
    """Grid rows a chunk holds: at most ``GRID_CHUNK_CELLS`` cells, each product under
    ``BLAS_ONE_THREAD_PRODUCT``, one row at least."""
    largest_product = max(layer.weights_and_biases.size for layer in layers)
    cells = min(GRID_CHUNK_CELLS, (BLAS_ONE_THREAD_PRODUCT - 1) // largest_product)
    return max(1, min(resolution, cells // resolution))


def _blocks(resolution: int, rows_per_chunk: int, threads: int) -> list[range]:
    """The grid's rows split into at most ``threads`` blocks of whole chunks, as even as chunks allow."""
    chunks = -(-resolution // rows_per_chunk)
    count = max(1, min(threads, chunks))
    bounds = [min(resolution, (chunks * i // count) * rows_per_chunk) for i in range(count + 1)]
    return [range(start, stop) for start, stop in zip(bounds[:-1], bounds[1:]) if stop > start]


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
    rows_per_chunk = _rows_per_chunk(layers, resolution)
    widest = max(layer.weights_and_biases.shape[0] for layer in layers) + 1

    def evaluate_block(rows: range) -> None:
        # Two buffers a thread reuses for every chunk and layer: what a layer reads and what it writes.
        buffers = [np.empty(widest * rows_per_chunk * resolution, dtype=GRID_DTYPE) for _ in range(2)]
        with passes.ignoring_overflow():  # error states are per thread: set here, in the worker
            for row in range(rows.start, rows.stop, rows_per_chunk):
                chunk = slice(row, min(row + rows_per_chunk, rows.stop))
                first = _first_layer(chunk, buffers[0])
                _evaluate(layers, first, buffers, values[chunk.start * resolution : chunk.stop * resolution])

    def _first_layer(rows: slice, buffer: np.ndarray) -> np.ndarray:
        count = rows.stop - rows.start
        first = _with_ones_row(buffer, units, count * resolution)
        z = first[:-1]
        if separable:
            combine = np.multiply if product else np.add
            combine(part_y[:, rows, None], part_x[:, None, :], out=z.reshape(units, count, resolution))
            if product:
                z += 1.0
                np.divide(1.0, z, out=z)
            else:
                _activate(first_layer, z)
        else:
            grid = np.ones((3, count * resolution), dtype=GRID_DTYPE)
            grid[0] = np.tile(u, count)
            grid[1] = np.repeat(v[rows], resolution)
            np.matmul(first_layer.weights_and_biases, grid, out=z)
            _activate(first_layer, z)
            if first_layer.skip:
                z += grid[:-1]
        return first

    blocks = _blocks(resolution, rows_per_chunk, GRID_THREADS)
    if len(blocks) > 1:
        for _ in _grid_pool().map(evaluate_block, blocks):
            pass
    else:
        evaluate_block(blocks[0])
    return xs, ys, values.reshape(resolution, resolution)
