"""The decision grid: what a lane's network predicts at every cell of a grid over 2-D data.

The grid is a picture, not a number a test compares with torch, and it is redrawn while training runs
(200 x 200 cells in at most 5 ms, issue 18). So it is evaluated in float32 (``GRID_DTYPE``), where float64
``np.exp`` alone takes longer than that, and in a layout chosen for speed; a cell's class agrees with the
float64 network's prediction (``lab_lane.predicted_classes``) except where the network's output lies
within float32 rounding of the boundary. What the layout does, and why each step is exact or nearly so:

- units x cells arrays, cells along the rows, a chunk of whole rows at a time (about
  ``GRID_CHUNK_CELLS`` cells). ``GRID_THREADS`` threads, the calling one among them, take the chunks from
  one queue, each the next as it finishes one (NumPy releases the GIL in its loops), in two buffers each
  thread allocates once. Every NumPy call hands the GIL to the other thread and back, so chunks are large
  and a chunk makes few calls: measured on 2 cores, spiral-deep, 1,800-cell chunks 5.5-6.2 ms, 10,000-cell
  chunks 3.6-4.1 ms (before the changes below); 2,000-cell chunks are 1.4x slower than 10,000-cell ones
  still. A queue rather than one fixed half per thread, because waking a pool thread takes 0.1-0.2 ms
  here and one virtual core can run slower than the other for a while: the thread that starts late takes
  fewer chunks. A chunk's cells are computed the same whichever thread takes it, so the grid does not
  depend on threads;
- each matrix product runs on the thread that asks for it, in slices of columns (``_product``): small
  enough for OpenBLAS's kernel for small matrices (``BLAS_SMALL_PRODUCT``) where its kernels have one
  (``blas.openblas_core``), and, unless OpenBLAS says it has one thread (``blas.openblas_threads``),
  under its threading threshold (``BLAS_ONE_THREAD_PRODUCT``).
  ``gradviz`` asks OpenBLAS for one thread on import, but that is too late when NumPy was imported first
  (a test, a script); then a large product would wake OpenBLAS's threads too, twice as many threads as
  cores, which spin and take turns (measured: 2x to 10x slower on a busy 2-core machine);
- each activation array carries a last row of ones and each weight matrix its biases as a last column,
  so ``z = W a + b`` is one matrix product; the ones row is written once per buffer and shape;
- sigmoid is ``1 / (1 + exp(-z))`` with the minus folded into the layer's weights: ``exp`` overflows to
  inf past z = -88 (ignored), and ``1 / inf`` is the 0 that sigmoid rounds to there. Where NumPy runs
  float32 ``tanh`` in its AVX-512 loop (``SIGMOID_BY_TANH``), a sigmoid layer below the last is instead
  ``t = tanh(z / 2)`` (the half folded into its weights), one pass instead of three; t stands for the
  activation ``(t + 1) / 2``, which the next layer folds into its weights and biases. Without AVX-512,
  float32 ``tanh`` costs twice ``exp``;
- ReLU is ``np.maximum(z, 0)`` in place: in a chunk's sequence it costs less than ``z + |z|`` (measured
  40 against 55 us a layer, with and without AVX-512), which this module did before;
- the first layer's products are with the cells' coordinates (x, y, 1), laid out once per grid. A sigmoid
  first layer evaluated with ``exp`` instead multiplies two small tables: exp of the x part times exp of
  the y part is exp of z (see ``SEPARABLE_EXP_LIMIT``);
- the last layer's z goes into one array for the whole grid; class 1's probability (or the class) is read
  from it once, after the chunks, rather than in small calls per chunk.
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from . import passes
from .blas import openblas_core, openblas_threads
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
#: OpenBLAS's AVX-512 kernels (``SMALL_KERNEL_CORES``) multiply float32 with a kernel for small matrices,
#: which packs nothing, while m * n * k is at most 100^3 (its sgemm_small_kernel_permit_skylakex). For the
#: grid's skinny products it is about twice as fast: measured here, 16 x 17 times 17 x n, 35-45 us per
#: 10,000 columns up to n = 3,500 and 75-94 us from n = 4,000. Other kernels have none, and there the
#: slices cost more than the whole product: OpenBLAS's Haswell kernels, 116 against 92 us (the whole
#: sigmoid grid 0.97x unsliced, on one and on two threads).
BLAS_SMALL_PRODUCT = 100 * 100 * 100
#: The cores (``blas.openblas_core``) whose kernels OpenBLAS takes from its SkylakeX ones, the small
#: matrices' kernel among them.
SMALL_KERNEL_CORES = frozenset({"skylakex", "cooperlake", "sapphirerapids"})
#: Threads that evaluate chunks side by side.
GRID_THREADS = max(1, min(2, os.cpu_count() or 1))
#: Largest |part| of a first sigmoid layer's z split into an x and a y part: exp(40) * exp(40) is far
#: inside float32's range (3e38) and exp(-40) * exp(-40) a normal 1.8e-35. Beyond it the first layer is
#: evaluated cell by cell (a product of an overflowed and an underflowed exp would be NaN).
SEPARABLE_EXP_LIMIT = 40.0


def runs_float32_in_avx512(ufunc: str) -> bool:
    """Whether NumPy runs the float32 loop of the one-argument ``ufunc`` ("tanh", "exp") in AVX-512 here,
    as ``numpy.lib.introspect`` (NumPy 2) says; False where it cannot be asked (NumPy 1.x)."""
    try:
        from numpy.lib.introspect import opt_func_info

        current = opt_func_info(func_name=f"^{ufunc}$", signature="float32")[ufunc]["ff"]["current"]
    except Exception:  # noqa: BLE001 - NumPy 1.x, or a layout this does not know
        return False
    return isinstance(current, str) and (current == "X86_V4" or current.startswith("AVX512"))


def _tanh_is_vectorised_wide() -> bool:
    """Whether NumPy runs float32 ``tanh`` in its AVX-512 loop here.

    There one ``tanh`` pass costs less than sigmoid's three (``exp``, ``+ 1``, ``1 /``); measured on 160,000
    values: tanh 60-98 us against 105 + 20 + 40. In NumPy's AVX2 loop ``tanh`` costs 440-510 us, twice
    ``exp`` (200-240). Decided from the loop NumPy dispatches, not from a timing: the same machine always
    evaluates the grid the same way."""
    return runs_float32_in_avx512("tanh")


#: Sigmoid layers below the last evaluated as ``tanh(z / 2)`` (see the module's note); None until the
#: first grid asks (``_tanh_is_vectorised_wide``), so that importing gradviz does not.
SIGMOID_BY_TANH: bool | None = None


def _sigmoid_by_tanh() -> bool:
    global SIGMOID_BY_TANH
    if SIGMOID_BY_TANH is None:
        SIGMOID_BY_TANH = _tanh_is_vectorised_wide()
    return SIGMOID_BY_TANH


_pool: ThreadPoolExecutor | None = None


def _grid_pool() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(GRID_THREADS, thread_name_prefix="gradviz-grid")
    return _pool


class _Layer:
    """One layer in float32: ``[W | b]`` (the form its input comes in and sigmoid's minus or half folded in)."""

    __slots__ = ("weights_and_biases", "activation", "function", "skip", "halved_tanh")

    def __init__(self, weights_and_biases, activation, function, skip, halved_tanh=False):
        self.weights_and_biases = weights_and_biases
        self.activation = activation
        self.function = function
        self.skip = skip
        #: Sigmoid as ``tanh(z / 2)`` (the half folded into the weights): its output t stands for ``(t + 1) / 2``.
        self.halved_tanh = halved_tanh


def _float32_layers(network: Network, tanh_sigmoid: bool | None = None) -> list[_Layer]:
    """The network's layers for the grid. A layer's output may stand for its activation a in another form,
    ``a = scale * output + offset``; the next layer folds that into its weights and biases (in float64, then
    rounded once): ``W a + b = (scale W) output + (b + offset * W 1)``. ``tanh_sigmoid`` (default
    ``SIGMOID_BY_TANH``) evaluates the sigmoid layers below the last as ``tanh(z / 2)``."""
    if tanh_sigmoid is None:
        tanh_sigmoid = _sigmoid_by_tanh()
    depth = network.depth
    fold = not any(network.skip_flags)  # skips add activations of different layers: each must be itself
    tanh_sigmoid = tanh_sigmoid and fold and "sigmoid" in network.activations[:-1]
    # Each layer's row sums (what a halved tanh's offset adds) and whether they and the biases are finite:
    # an offset times an infinite weight next to an opposite one would be a NaN, so a sigmoid layer below
    # such a layer keeps exp. A sum of finite weights that overflows counts as not finite too.
    # float64 weights past float32's range round to inf, and sums of opposite infinities are NaN: expected.
    with passes.ignoring_overflow():
        row_sums = [w.sum(axis=1) for w in network.weights] if tanh_sigmoid else None
        layers, scale, offset = [], 1.0, 0.0
        for l in range(depth):
            name = network.activations[l]
            weights, biases = network.weights[l], network.biases[l]
            halved_tanh = (
                tanh_sigmoid and name == "sigmoid" and l < depth - 1
                and math.isfinite(row_sums[l + 1].sum() + network.biases[l + 1].sum())
            )  # fmt: skip
            factor = 0.5 if halved_tanh else (-1.0 if name == "sigmoid" else 1.0)
            matrix = np.empty((network.widths[l + 1], network.widths[l] + 1), dtype=GRID_DTYPE)
            matrix[:, :-1] = (factor * scale) * weights
            matrix[:, -1] = factor * (biases + offset * row_sums[l]) if offset else factor * biases
            layers.append(_Layer(matrix, name, network.activation_functions[l], network.skip_flags[l], halved_tanh))
            scale, offset = (0.5, 0.5) if halved_tanh else (1.0, 0.0)
    return layers


def _activate(layer: _Layer, z: np.ndarray) -> None:
    """``f(z)`` in place, in float32 (sigmoid's ``z`` comes negated, or halved for ``tanh``)."""
    name = layer.activation
    if name == "sigmoid" and layer.halved_tanh:
        np.tanh(z, out=z)
    elif name == "sigmoid":
        np.exp(z, out=z)
        _one_over_one_plus(z, z)
    elif name == "relu":
        np.maximum(z, 0.0, out=z)
    elif name == "tanh":
        np.tanh(z, out=z)
    elif name != "linear":
        z[...] = layer.function.f(z.astype(np.float64))


def _with_ones_row(buffer: np.ndarray, units: int, cells: int, filled: dict, key) -> np.ndarray:
    """An activation array (units x cells) in ``buffer``, with the last row of ones that multiplies the biases.

    ``filled`` remembers, under ``key``, the shape whose ones row the buffer holds: a layer writes only the
    rows above it, so the next array of that shape in that buffer needs no new fill."""
    array = buffer[: (units + 1) * cells].reshape(units + 1, cells)
    if filled.get(key) != (units, cells):
        array[-1] = 1.0
        filled[key] = (units, cells)
    return array


def _evaluate(layers: list[_Layer], first: np.ndarray, buffers: list[np.ndarray], logits: np.ndarray,
              limit: int | None, filled: dict) -> None:
    """Layers 2 to L from the first layer's output ``first`` (units + 1 x cells, in ``buffers[0]``): the last
    layer's z (outputs x cells, sigmoid's minus folded in) into ``logits``. The layers write into the two
    buffers in turn; ``limit`` bounds each product's slices (see ``_product``); ``filled`` is the thread's record
    of the buffers' ones rows (see ``_with_ones_row``)."""
    a = first
    cells = a.shape[1]
    for index, layer in enumerate(layers[1:-1], start=1):
        units = layer.weights_and_biases.shape[0]
        z = _with_ones_row(buffers[index % 2], units, cells, filled, index % 2)
        _product(layer.weights_and_biases, a, z[:-1], limit)
        _activate(layer, z[:-1])
        if layer.skip:
            z[:-1] += a[:-1]
        a = z
    _product(layers[-1].weights_and_biases, a, logits, limit)


def _read_logits(last: _Layer, logits: np.ndarray, out: np.ndarray) -> None:
    """Class 1's probability (one output) or the class (more) of each cell from the last layer's z, into
    ``out``: one pass over the whole grid rather than small ones per chunk (each hands the GIL over)."""
    if logits.shape[0] > 1:
        out[...] = np.argmax(logits if last.activation != "sigmoid" else -logits, axis=0)
        return
    z = logits[0]
    if last.activation != "sigmoid":  # one output without a sigmoid: class 1's probability is still sigmoid(z)
        np.negative(z, out=z)
    np.exp(z, out=z)
    _one_over_one_plus(z, out)


def _one_over_one_plus(e: np.ndarray, out: np.ndarray) -> None:
    """``1 / (1 + e)`` into ``out`` (``e`` is overwritten): sigmoid from ``e = exp(-z)``."""
    e += 1.0
    np.divide(1.0, e, out=out)


def product_limit(core: str | None, threads: int | None) -> int | None:
    """The largest m * n * k of a slice of the grid's products, or None for whole products: under the small
    matrices' bound where OpenBLAS's ``core`` has that kernel (``SMALL_KERNEL_CORES``), and under its threading
    threshold unless it has one thread (``threads``; None where that cannot be asked)."""
    limits = [BLAS_SMALL_PRODUCT] if core in SMALL_KERNEL_CORES else []
    if threads != 1:
        limits.append(BLAS_ONE_THREAD_PRODUCT - 1)
    return min(limits, default=None)


def _product(weights: np.ndarray, a: np.ndarray, out: np.ndarray, limit: int | None) -> None:
    """``weights @ a`` into ``out``, in slices of ``a``'s columns whose m * n * k is at most ``limit`` (see
    ``product_limit``; None: one product): equal slices in one batched call (NumPy multiplies each on its
    own), and the few columns left over, if any, in a second."""
    rows, depth = weights.shape
    cells = a.shape[1]
    step = max(1, cells if limit is None else limit // (rows * depth))
    parts = -(-cells // step)
    if parts <= 1:
        np.matmul(weights, a, out=out)
        return
    # Up to twice as many slices where that many divide the columns exactly: no second call.
    parts = next((count for count in range(parts, 2 * parts + 1) if cells % count == 0), parts)
    width = cells // parts  # at most step: parts >= cells / step
    done = parts * width
    # Splitting the columns' axis in two is always a view (never a copy), so the product lands in out.
    np.matmul(
        weights,
        a[:, :done].reshape(depth, parts, width).transpose(1, 0, 2),
        out=out[:, :done].reshape(rows, parts, width).transpose(1, 0, 2),
    )
    if done < cells:
        np.matmul(weights, a[:, done:], out=out[:, done:])


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
    axes = []
    for column in (raw[:, 0], raw[:, 1]):  # two column reductions: a tenth of one reduction over axis 0
        low, high = column.min(), column.max()
        pad = (high - low) * margin
        axes.append(np.linspace(low - pad, high + pad, resolution))
    return axes[0], axes[1]


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
    logits = np.empty((layers[-1].weights_and_biases.shape[0], resolution * resolution), dtype=GRID_DTYPE)
    first_layer = layers[0]
    units = first_layer.weights_and_biases.shape[0]
    u = (xs - split.mean[0]) / split.scale[0]
    v = (ys - split.mean[1]) / split.scale[1]
    rows_per_chunk = _rows_per_chunk(layers, resolution)
    # A sigmoid first layer as exp of the x part times exp of the y part (see SEPARABLE_EXP_LIMIT);
    # any other as one product with the cells' coordinates.
    product = first_layer.activation == "sigmoid" and not first_layer.halved_tanh and not first_layer.skip
    if product:
        w = first_layer.weights_and_biases.astype(np.float64)
        part_x = w[:, :1] * u + w[:, 2:]  # units x grid columns, with the bias
        part_y = w[:, 1:2] * v  # units x grid rows
        product = max(np.abs(part_x).max(), np.abs(part_y).max()) <= SEPARABLE_EXP_LIMIT
    if product:
        # The x part of a whole chunk's rows, laid out once: a plain product per chunk, not a broadcast one.
        x_rows = np.tile(np.exp(part_x).astype(GRID_DTYPE), rows_per_chunk)
        y_part = np.exp(part_y).astype(GRID_DTYPE)
    else:
        cells_xy = np.empty((3, resolution, resolution), dtype=GRID_DTYPE)  # x, y and 1 of every cell
        cells_xy[0] = u.astype(GRID_DTYPE)
        cells_xy[1] = v.astype(GRID_DTYPE)[:, None]
        cells_xy[2] = 1.0
        cells_xy = cells_xy.reshape(3, resolution * resolution)
    limit = product_limit(openblas_core(), openblas_threads())
    widest = max(layer.weights_and_biases.shape[0] for layer in layers) + 1

    chunks = [slice(row, min(row + rows_per_chunk, resolution)) for row in range(0, resolution, rows_per_chunk)]
    # One queue of chunks for all threads: each takes the next as it finishes one (a list iterator's next
    # holds the GIL), so a thread that starts late or runs on a busier core takes fewer.
    queue = iter(chunks)

    def evaluate_chunks() -> None:
        # Two buffers a thread reuses for every chunk and layer: what a layer reads and what it writes.
        buffers = [np.empty(widest * rows_per_chunk * resolution, dtype=GRID_DTYPE) for _ in range(2)]
        filled = {}
        with passes.ignoring_overflow():  # error states are per thread: set here, in the worker
            for chunk in queue:
                cells = slice(chunk.start * resolution, chunk.stop * resolution)
                first = _first_layer(chunk, cells, buffers[0], filled)
                _evaluate(layers, first, buffers, logits[:, cells], limit, filled)

    def _first_layer(rows: slice, cells: slice, buffer: np.ndarray, filled: dict) -> np.ndarray:
        count = rows.stop - rows.start
        first = _with_ones_row(buffer, units, count * resolution, filled, 0)
        z = first[:-1]
        if product:
            np.multiply(x_rows[:, : count * resolution].reshape(units, count, resolution), y_part[:, rows, None],
                        out=z.reshape(units, count, resolution))
            _one_over_one_plus(z, z)
        else:
            _product(first_layer.weights_and_biases, cells_xy[:, cells], z, limit)
            _activate(first_layer, z)
            if first_layer.skip:
                z += cells_xy[:-1, cells]
        return first

    # The calling thread evaluates chunks too, from the start: waking a pool thread takes 0.1-0.2 ms here.
    helpers = [_grid_pool().submit(evaluate_chunks) for _ in range(min(GRID_THREADS, len(chunks)) - 1)]
    evaluate_chunks()
    for helper in helpers:
        helper.result()
    with passes.ignoring_overflow():
        _read_logits(layers[-1], logits, values)
    return xs, ys, values.reshape(resolution, resolution)
