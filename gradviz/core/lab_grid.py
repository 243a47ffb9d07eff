"""The decision grid: what a lane's network predicts at every cell of a grid over 2-D data.

The grid is a picture, not a number a test compares with torch, and it is redrawn while training runs
(200 x 200 cells in at most 5 ms, issue 18). So it is evaluated in float32 (``GRID_DTYPE``), where float64
``np.exp`` alone takes longer than that, and in a layout chosen for speed; a cell's class agrees with the
float64 network's prediction (``lab_lane.predicted_classes``) except where the network's output lies
within float32 rounding of the boundary. What the layout does, and why each step is exact or nearly so:

- units x cells arrays, cells along the rows, a chunk of whole rows at a time (about
  ``GRID_CHUNK_CELLS`` cells). ``GRID_THREADS`` threads, the calling one among them, take the chunks from
  one queue, each the next as it finishes one (NumPy releases the GIL in its loops), in two buffers each
  thread allocates once. Every NumPy call hands the GIL to the other thread and back, so chunks are large:
  measured on 2 cores, spiral-deep, 1,800-cell chunks 5.5-6.2 ms, 10,000-cell chunks 3.6-4.1 ms. A queue
  rather than one fixed half per thread, because waking a pool thread takes 0.1-0.2 ms here and one
  virtual core can run slower than the other for a while: the thread that starts late takes fewer chunks.
  A chunk's cells are computed the same whichever thread takes it, so the grid does not depend on threads;
- each matrix product runs on the thread that asks for it. ``gradviz`` asks OpenBLAS for one thread on
  import, but that is too late when NumPy was imported first (a test, a script); then a large product
  would wake OpenBLAS's threads too, twice as many threads as cores, which spin and take turns
  (measured: 2x to 10x slower on a busy 2-core machine). So unless OpenBLAS says it has one thread
  (``blas.openblas_threads``), a product goes a slice of cells at a time, each under OpenBLAS's
  threading threshold (``BLAS_ONE_THREAD_PRODUCT``);
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
from .blas import openblas_threads
from .budget import check_budget
from .data import Split
from .lab_config import LabError
from .network import Network

GRID_DTYPE = np.float32
#: Share of the data's range the grid adds on each side.
GRID_MARGIN = 0.1
#: The grid's side, in cells, at least and at most.
MIN_GRID_RESOLUTION, MAX_GRID_RESOLUTION = 2, 2000
#: Cells a chunk holds, about (whole grid rows).
GRID_CHUNK_CELLS = 10000
#: Largest buffer of a chunk's activations (the widest layer's units + 1, times the chunk's cells, in
#: float32): 30,840 cells of a 16-unit network, 1,022 of a 512-unit one.
GRID_CHUNK_BYTES = 2 * 2**20
#: OpenBLAS multiplies on one thread while m * n * k is under twice 65,536 * 4 (its SMP_THRESHOLD_MIN
#: times GEMM_MULTITHREAD_THRESHOLD; it gives a product one thread per 262,144 of it). Measured here,
#: float32 16 x 17 times 17 x n: 27 us at n = 1,900 (516,800), 286 us at n = 2,000 (544,000) with a
#: second process busy. Where OpenBLAS may use more than one thread, a product is split into slices under it.
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


def _evaluate(layers: list[_Layer], first: np.ndarray, buffers: list[np.ndarray], out: np.ndarray, sliced: bool) -> None:
    """Layers 2 to L from the first layer's output ``first`` (units + 1 x cells, in ``buffers[0]``): class
    1's probability (one output) or the class (more) of each cell, into ``out``. The layers write into
    the two buffers in turn; ``sliced`` splits each product (see ``_product``)."""
    a = first
    cells = a.shape[1]
    for index, layer in enumerate(layers[1:-1], start=1):
        units = layer.weights_and_biases.shape[0]
        z = _with_ones_row(buffers[index % 2], units, cells)
        _product(layer.weights_and_biases, a, z[:-1], sliced)
        _activate(layer, z[:-1])
        if layer.skip:
            z[:-1] += a[:-1]
        a = z
    last = layers[-1]
    z = np.empty((last.weights_and_biases.shape[0], cells), dtype=GRID_DTYPE)
    _product(last.weights_and_biases, a, z, sliced)
    if z.shape[0] > 1:
        out[...] = np.argmax(z if last.activation != "sigmoid" else -z, axis=0)
        return
    if last.activation != "sigmoid":  # one output without a sigmoid: class 1's probability is still sigmoid(z)
        np.negative(z, out=z)
    np.exp(z, out=z)
    z += 1.0
    np.divide(1.0, z[0], out=out)


def _product(weights: np.ndarray, a: np.ndarray, out: np.ndarray, sliced: bool) -> None:
    """``weights @ a`` into ``out``; ``sliced``, a slice of ``a``'s columns at a time, each product under
    ``BLAS_ONE_THREAD_PRODUCT``, so that OpenBLAS does not wake threads of its own."""
    cells = a.shape[1]
    step = max(1, (BLAS_ONE_THREAD_PRODUCT - 1) // weights.size) if sliced else cells
    if step >= cells:
        np.matmul(weights, a, out=out)
        return
    for start in range(0, cells, step):
        np.matmul(weights, a[:, start : start + step], out=out[:, start : start + step])


def _rows_per_chunk(layers: list[_Layer], resolution: int) -> int:
    """Grid rows a chunk holds: about ``GRID_CHUNK_CELLS`` cells, as far as a buffer of ``GRID_CHUNK_BYTES``
    holds them; one row at least. The same for any number of threads: a cell's value does not depend on it."""
    widest = max(layer.weights_and_biases.shape[0] for layer in layers) + 1
    most = GRID_CHUNK_BYTES // (np.dtype(GRID_DTYPE).itemsize * widest) // resolution
    return max(1, min(resolution, most, round(GRID_CHUNK_CELLS / resolution)))


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
    sliced = openblas_threads() != 1
    widest = max(layer.weights_and_biases.shape[0] for layer in layers) + 1

    chunks = [slice(row, min(row + rows_per_chunk, resolution)) for row in range(0, resolution, rows_per_chunk)]
    # One queue of chunks for all threads: each takes the next as it finishes one (a list iterator's next
    # holds the GIL), so a thread that starts late or runs on a busier core takes fewer.
    queue = iter(chunks)

    def evaluate_chunks() -> None:
        # Two buffers a thread reuses for every chunk and layer: what a layer reads and what it writes.
        buffers = [np.empty(widest * rows_per_chunk * resolution, dtype=GRID_DTYPE) for _ in range(2)]
        with passes.ignoring_overflow():  # error states are per thread: set here, in the worker
            for chunk in queue:
                first = _first_layer(chunk, buffers[0])
                _evaluate(layers, first, buffers, values[chunk.start * resolution : chunk.stop * resolution], sliced)

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
            _product(first_layer.weights_and_biases, grid, z, sliced)
            _activate(first_layer, z)
            if first_layer.skip:
                z += grid[:-1]
        return first

    # The calling thread evaluates chunks too, from the start: waking a pool thread takes 0.1-0.2 ms here.
    helpers = [_grid_pool().submit(evaluate_chunks) for _ in range(min(GRID_THREADS, len(chunks)) - 1)]
    evaluate_chunks()
    for helper in helpers:
        helper.result()
    return xs, ys, values.reshape(resolution, resolution)
