"""The decision grid against a plain float64 forward pass written here, cell by cell, for every layout the
grid evaluates in its own way (separable sigmoid and ReLU first layers, residual skips, tanh, several
classes, weights that push z to +-1000), at resolutions that do and do not fill whole chunks; and the same
grid on one thread as on two.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from gradviz.core import lab_grid
from gradviz.core.lab import Lab, load_preset
from gradviz.core.lab_grid import decision_grid
from gradviz.core.network import Network


def _reference(network: Network, split, xs, ys) -> np.ndarray:
    """Class 1's probability (one output) or the class (more) at every cell, in float64, row i at ys[i]."""
    cells = np.column_stack([np.tile(xs, len(ys)), np.repeat(ys, len(xs))])
    a = (cells - split.mean) / split.scale
    functions = {
        "sigmoid": lambda z: 0.5 * (1 + np.tanh(z / 2)),  # overflow-free form of 1 / (1 + exp(-z))
        "relu": lambda z: np.where(z > 0, z, 0.0),
        "tanh": np.tanh,
        "linear": lambda z: z,
    }
    depth = len(network.weights)
    for l in range(depth):
        z = a @ network.weights[l].T + network.biases[l]
        out = functions[network.activations[l]](z)
        skip = network.residual and l < depth - 1 and network.widths[l] == network.widths[l + 1]
        a = out + a if skip else out
    # The grid reads the last layer's z: its argmax, or class 1's probability sigmoid(z) (which is the
    # output itself when the last layer is a sigmoid).
    if z.shape[1] > 1:
        return np.argmax(z, axis=1).reshape(len(ys), len(xs))
    return (0.5 * (1 + np.tanh(z[:, 0] / 2))).reshape(len(ys), len(xs))


def _network(widths, activations, seed, scale=1.0, residual=False) -> Network:
    rng = np.random.default_rng(seed)
    weights = [scale * rng.normal(0, 1 / np.sqrt(n_in), (n_out, n_in)) for n_in, n_out in zip(widths[:-1], widths[1:])]
    biases = [scale * rng.normal(0, 0.5, n_out) for n_out in widths[1:]]
    return Network(widths, activations, weights, biases, residual)


@pytest.fixture(params=[True, False], ids=["sigmoid-as-tanh", "sigmoid-as-exp"])
def sigmoid_form(request, monkeypatch):
    """Both ways a sigmoid layer can be evaluated, whichever this machine's NumPy picks."""
    monkeypatch.setattr(lab_grid, "SIGMOID_BY_TANH", request.param)
    return request.param


@pytest.fixture(scope="module")
def spiral():
    lab = Lab(load_preset("spiral-deep"))
    for _ in range(3):
        lab.run_epoch()
    return lab


def test_every_cell_of_spiral_deeps_200_by_200_grid_is_its_networks_probability(spiral, sigmoid_form):
    for lane in spiral.lanes:
        xs, ys, values = decision_grid(lane.network, spiral.split, 200)
        expected = _reference(lane.network, spiral.split, xs, ys)
        assert values.shape == (200, 200)
        # float32 through six layers: a few units in the last place of a probability.
        np.testing.assert_allclose(values, expected, rtol=0, atol=2e-6, err_msg=lane.name)


@pytest.mark.parametrize("resolution", [2, 7, 199, 201, 333])
@pytest.mark.parametrize(
    "widths, activations, residual",
    [
        ((2, 16, 16, 16, 1), "sigmoid", False),
        ((2, 16, 16, 16, 1), "relu", False),
        ((2, 8, 8, 8, 1), ("tanh", "tanh", "relu", "sigmoid"), False),
        ((2, 12, 12, 12, 1), ("relu", "relu", "relu", "linear"), True),
        ((2, 2, 2, 1), "sigmoid", True),  # the first layer's skip adds the inputs themselves
        ((2, 16, 8, 12, 5, 1), "sigmoid", False),  # widths that change: each buffer's ones row moves
        ((2, 16, 8, 12, 5, 1), ("relu", "sigmoid", "relu", "sigmoid", "sigmoid"), False),
    ],
)
def test_each_layout_at_resolutions_that_do_not_fill_whole_chunks(spiral, sigmoid_form, resolution, widths, activations, residual):
    network = _network(widths, activations, seed=len(widths) + resolution, residual=residual)
    xs, ys, values = decision_grid(network, spiral.split, resolution)
    np.testing.assert_allclose(values, _reference(network, spiral.split, xs, ys), rtol=0, atol=5e-6)


def test_with_more_classes_each_cell_is_the_float64_argmax_away_from_ties():
    lab = Lab(load_preset("gauss"))
    # Three units pointing 120 degrees apart, then one output per unit: a sector of the plane per class.
    directions = np.array([[1.0, 0.0], [-0.5, 0.75**0.5], [-0.5, -(0.75**0.5)]])
    network = Network((2, 3, 3), ("relu", "linear"), [directions, np.eye(3)], [np.zeros(3), np.zeros(3)])
    xs, ys, classes = decision_grid(network, lab.split, 150)
    expected = _reference(network, lab.split, xs, ys)
    cells = np.column_stack([np.tile(xs, 150), np.repeat(ys, 150)])
    logits = lab.split.standardised(cells)
    for l in range(network.depth):
        logits = logits @ network.weights[l].T + network.biases[l]
        if l < network.depth - 1:
            logits = np.maximum(logits, 0)
    ordered = np.sort(logits, axis=1)
    clear = (ordered[:, -1] - ordered[:, -2] > 1e-4).reshape(150, 150)
    assert set(np.unique(expected)) == {0, 1, 2}
    np.testing.assert_array_equal(classes[clear], expected[clear])


def test_weights_that_push_z_to_a_thousand_give_saturated_cells_and_no_warning(spiral, sigmoid_form):
    network = _network((2, 16, 16, 16, 1), "sigmoid", seed=9, scale=1000.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        xs, ys, values = decision_grid(network, spiral.split, 120)
    assert np.isfinite(values).all()
    expected = _reference(network, spiral.split, xs, ys)
    np.testing.assert_allclose(values, expected, rtol=0, atol=1e-6)
    cells = spiral.split.standardised(np.column_stack([np.tile(xs, 120), np.repeat(ys, 120)]))
    assert np.abs(cells @ network.weights[0].T + network.biases[0]).max() > 1000  # z really is that far out


def test_one_thread_and_two_threads_give_the_same_grid(spiral, sigmoid_form, monkeypatch):
    network = spiral.lanes[0].network
    grids = []
    for threads in (1, 2, 3):
        monkeypatch.setattr(lab_grid, "GRID_THREADS", threads)
        monkeypatch.setattr(lab_grid, "_pool", None)
        grids.append(decision_grid(network, spiral.split, 200)[2])
    # The chunks are the same whichever thread takes them: the same products, the same roundings.
    np.testing.assert_array_equal(grids[0], grids[1])
    np.testing.assert_array_equal(grids[0], grids[2])
    reference = _reference(network, spiral.split, *decision_grid(network, spiral.split, 200)[:2])
    np.testing.assert_allclose(grids[0], reference, rtol=0, atol=1e-6)


def test_a_chunk_holds_about_ten_thousand_cells_up_to_the_buffer_bound():
    layers = lab_grid._float32_layers(_network((2, 16, 16, 16, 16, 16, 1), "sigmoid", seed=0))
    assert lab_grid._rows_per_chunk(layers, 200) == 50  # 10,000 cells: four chunks of 200 x 200
    assert lab_grid._rows_per_chunk(layers, 120) == 83  # round(10,000 / 120)
    assert lab_grid._rows_per_chunk(layers, 30) == 30  # a small grid is one chunk
    assert lab_grid._rows_per_chunk(layers, 2000) == 5  # a buffer would hold 2 MiB / (17 x 4 bytes) = 30,840 cells
    wide = lab_grid._float32_layers(_network((2, 512, 1), "sigmoid", seed=0))
    assert lab_grid._rows_per_chunk(wide, 200) == 5  # 2 MiB / (513 x 4 bytes) = 1,022 cells
    assert lab_grid._rows_per_chunk(wide, 2000) == 1  # a row wider than the bound is still one row


def test_every_row_of_a_grid_is_evaluated_once_whatever_the_threads(spiral, monkeypatch):
    network = spiral.lanes[0].network
    seen = []
    evaluate = lab_grid._evaluate

    def spy(layers, first, buffers, logits, limit, filled):
        seen.append(logits.size)
        return evaluate(layers, first, buffers, logits, limit, filled)

    monkeypatch.setattr(lab_grid, "_evaluate", spy)
    for threads in (1, 2, 4):
        monkeypatch.setattr(lab_grid, "GRID_THREADS", threads)
        seen.clear()
        values = decision_grid(network, spiral.split, 210)[2]
        assert sorted(seen) == sorted([48 * 210] * 4 + [18 * 210])  # round(10,000 / 210) = 48 rows a chunk
        assert np.isfinite(values).all()


def test_a_product_goes_in_slices_under_openblass_small_kernel_bound_and_its_threading_threshold(monkeypatch):
    rng = np.random.default_rng(3)
    weights = rng.standard_normal((16, 17)).astype(np.float32)
    a = rng.standard_normal((17, 20000)).astype(np.float32)
    calls, products = [], []
    matmul = np.matmul

    def spy(x, y, out=None):
        calls.append(y.shape)
        items, columns = (y.shape[0], y.shape[2]) if y.ndim == 3 else (1, y.shape[1])
        products.extend([x.shape[0] * x.shape[1] * columns] * items)
        return matmul(x, y, out=out)

    monkeypatch.setattr(lab_grid.np, "matmul", spy)
    # 16 x 17 = 272 multiplications a column. Small kernel: m n k <= 1,000,000, so at most 3,676 columns:
    # 6 slices, and 8 of 2,500 divide the columns exactly. Threading threshold as well: m n k < 524,288,
    # at most 1,927 columns: 11 slices, and 16 of 1,250 divide them. 20,001 columns (3 x 59 x 113): no
    # count from 6 to 12 divides them, so 6 slices of 3,333 and the 3 columns left over.
    for limit, columns, expected_calls in (
        (100**3, 20000, [(8, 17, 2500)]),
        (2 * 65536 * 4 - 1, 20000, [(16, 17, 1250)]),
        (100**3, 20001, [(6, 17, 3333), (17, 3)]),
        (None, 20000, [(17, 20000)]),
    ):
        calls.clear()
        products.clear()
        wide = np.concatenate([a, a[:, :1]], axis=1)[:, :columns]
        out = np.full((16, columns), np.nan, np.float32)
        lab_grid._product(weights, wide, out, limit)
        assert calls == expected_calls
        assert max(products) <= (limit or 272 * columns) and sum(products) == 272 * columns
        np.testing.assert_allclose(out, weights.astype(np.float64) @ wide.astype(np.float64), rtol=1e-5, atol=1e-5)
    calls.clear()
    small = np.empty((16, 3000), np.float32)
    lab_grid._product(weights, a[:, :3000], small, 100**3)  # 816,000: one plain product
    assert calls == [(17, 3000)]
    np.testing.assert_allclose(small, weights.astype(np.float64) @ a[:, :3000].astype(np.float64), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    "core, threads, expected",
    [
        ("skylakex", 1, 1_000_000),  # the small kernel's bound: m n k <= 100^3
        ("sapphirerapids", 1, 1_000_000),
        ("cooperlake", 2, 524_287),  # and the threading threshold's, 2 x 65,536 x 4, the smaller
        ("haswell", 1, None),  # no small kernel, one thread: whole products
        ("haswell", 2, 524_287),
        ("zen", None, 524_287),  # threads that cannot be asked may be more than one
        (None, 1, None),  # another BLAS
    ],
)
def test_products_are_sliced_for_openblass_small_kernel_only_where_its_kernels_have_one(core, threads, expected):
    assert lab_grid.product_limit(core, threads) == expected


def test_the_grid_is_the_same_whether_openblas_says_one_thread_or_more(spiral, monkeypatch):
    network = spiral.lanes[0].network
    grids = []
    for core, threads in (("skylakex", 1), ("skylakex", 8), ("haswell", 1), ("haswell", None)):
        monkeypatch.setattr(lab_grid, "openblas_threads", lambda threads=threads: threads)
        monkeypatch.setattr(lab_grid, "openblas_core", lambda core=core: core)
        grids.append(decision_grid(network, spiral.split, 200)[2])
    for grid in grids[1:]:
        np.testing.assert_allclose(grid, grids[0], rtol=0, atol=1e-6)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_a_non_finite_weight_gives_a_grid_without_an_error_or_a_warning(spiral, sigmoid_form, bad):
    network = spiral.lanes[0].network
    weights = [w.copy() for w in network.weights]
    weights[2][3, 4] = bad  # a hidden layer's weight: the first layer's tables stay finite
    broken = Network(network.widths, network.activations, weights, network.biases)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        values = decision_grid(broken, spiral.split, 30)[2]
    assert values.shape == (30, 30) and values.dtype == np.float32
    if np.isinf(bad):  # the unit it feeds saturates to 0 or 1 where its input is not 0: still probabilities
        assert np.isfinite(values).mean() > 0.9 and ((values >= 0) & (values <= 1))[np.isfinite(values)].all()


def test_an_infinite_weight_next_to_an_opposite_one_keeps_exp_below_it_and_gives_probabilities(spiral):
    network = spiral.lanes[0].network  # sigmoid throughout
    weights = [w.copy() for w in network.weights]
    weights[2][3, 4], weights[2][5, 6] = np.inf, -np.inf  # their sums would be inf - inf = NaN
    broken = Network(network.widths, network.activations, weights, network.biases)
    forms = [layer.halved_tanh for layer in lab_grid._float32_layers(broken, tanh_sigmoid=True)]
    # Layer 2 (index 1) feeds the broken layer: folding its offset into infinite weights would give NaN.
    assert forms == [True, False, True, True, True, False]
    assert [layer.halved_tanh for layer in lab_grid._float32_layers(network, tanh_sigmoid=True)] == [True] * 5 + [False]
    assert not any(layer.halved_tanh for layer in lab_grid._float32_layers(network, tanh_sigmoid=False))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        values = {form: decision_grid_with(broken, spiral.split, form) for form in (True, False)}
    # Units 3 and 5 of layer 3 saturate where their inputs are not 0: the same grid both ways, within float32.
    assert np.isfinite(values[True]).all() and ((values[True] >= 0) & (values[True] <= 1)).all()
    np.testing.assert_allclose(values[True], values[False], rtol=0, atol=2e-6)


def decision_grid_with(network, split, tanh_sigmoid: bool) -> np.ndarray:
    before = lab_grid.SIGMOID_BY_TANH
    lab_grid.SIGMOID_BY_TANH = tanh_sigmoid
    try:
        return decision_grid(network, split, 40)[2]
    finally:
        lab_grid.SIGMOID_BY_TANH = before


@pytest.mark.parametrize(
    "current, expected",
    [("X86_V4", True), ("AVX512_SKX", True), ("X86_V3", False), ("AVX2", False), ("ASIMD", False), (None, False)],
)
def test_sigmoid_is_tanh_only_where_numpy_runs_float32_tanh_in_its_avx512_loop(monkeypatch, current, expected):
    introspect = pytest.importorskip("numpy.lib.introspect")  # NumPy 2; NumPy 1.x always keeps exp

    def info(func_name, signature):
        assert (func_name, signature) == ("^tanh$", "float32")
        if current is None:
            raise RuntimeError("no dispatch information")
        return {"tanh": {"ff": {"current": current, "available": "X86_V4 X86_V3 baseline(X86_V2)"}}}

    monkeypatch.setattr(introspect, "opt_func_info", info)
    assert lab_grid._tanh_is_vectorised_wide() is expected
    monkeypatch.setattr(lab_grid, "SIGMOID_BY_TANH", None)
    assert lab_grid._sigmoid_by_tanh() is expected and lab_grid.SIGMOID_BY_TANH is expected
