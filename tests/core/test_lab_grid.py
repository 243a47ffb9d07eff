"""The decision grid's float32 evaluation against a float64 formula written out here: every chunk, on one
thread and on two, a last chunk shorter than the others, saturated and non-finite networks."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from gradviz.core import lab_grid
from gradviz.core.lab import Lab, load_preset
from gradviz.core.network import Network


@pytest.fixture(scope="module")
def spiral():
    return Lab(load_preset("spiral-deep"))


def float64_forward(network: Network, split, xs, ys) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The first layer's z, the output's logit and class 1's probability at every cell (row i at ys[i]),
    in float64, straight from the network's formula."""
    gx, gy = np.meshgrid(xs, ys)
    a = (np.column_stack([gx.ravel(), gy.ravel()]) - split.mean) / split.scale
    functions = {"sigmoid": lambda z: 1 / (1 + np.exp(-z)), "relu": lambda z: np.maximum(z, 0.0)}
    with np.errstate(over="ignore"):
        for l in range(network.depth - 1):
            z = a @ network.weights[l].T + network.biases[l]
            first_z = z if l == 0 else first_z
            a = functions[network.activations[l]](z)
        logit = (a @ network.weights[-1].T + network.biases[-1])[:, 0]
        probability = (1 / (1 + np.exp(-logit))).reshape(len(ys), len(xs))
    return first_z, logit.reshape(len(ys), len(xs)), probability


def float64_probability(network: Network, split, xs, ys) -> np.ndarray:
    return float64_forward(network, split, xs, ys)[2]


def scaled(network: Network, layer: int, factor: float) -> Network:
    """The network with one layer's weights and biases multiplied by ``factor``."""
    weights, biases = list(network.weights), list(network.biases)
    weights[layer], biases[layer] = weights[layer] * factor, biases[layer] * factor
    return Network(network.widths, network.activations, weights, biases)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("lane", [0, 1], ids=["sigmoid", "relu"])
def test_every_chunk_lands_on_its_own_rows_on_one_thread_and_on_two(spiral, monkeypatch, threads, lane):
    # 37 rows of 37 cells, at most 80 cells of 16 units a chunk: 3 rows a chunk, 13 chunks, the last one a
    # single row.
    monkeypatch.setattr(lab_grid, "GRID_THREADS", threads)
    monkeypatch.setattr(lab_grid, "GRID_CHUNK_VALUES", 80 * 16)
    network = spiral.lanes[lane].network
    xs, ys, values = lab_grid.decision_grid(network, spiral.split, 37)
    assert values.shape == (37, 37) and values.dtype == np.float32
    np.testing.assert_allclose(values, float64_probability(network, spiral.split, xs, ys), atol=2e-6, rtol=0)


def test_the_200_by_200_grid_is_the_float64_network_at_every_cell(spiral):
    for lane in spiral.lanes:
        xs, ys, values = lab_grid.decision_grid(lane.network, spiral.split, 200)
        np.testing.assert_allclose(values, float64_probability(lane.network, spiral.split, xs, ys), atol=2e-6, rtol=0)


@pytest.mark.parametrize("lane", [0, 1], ids=["sigmoid", "relu"])
@pytest.mark.parametrize("layer", [0, -1], ids=["first", "output"])
def test_a_layer_with_z_in_the_hundreds_gives_the_float64_classes_without_a_warning(spiral, lane, layer):
    # One layer's weights and biases a thousand times larger: its z reach thousands, where float32's exp
    # overflows (past 88) and sigmoid is 0 or 1.
    network = scaled(spiral.lanes[lane].network, layer, 1000.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        xs, ys, values = lab_grid.decision_grid(network, spiral.split, 60)
    first_z, logit, expected = float64_forward(network, spiral.split, xs, ys)
    assert np.abs(first_z if layer == 0 else logit).max() > 300
    assert np.isfinite(values).all() and ((0 <= values) & (values <= 1)).all()
    # float32 rounds a z of a thousand by about 1e-4, so the probabilities are compared where they settle:
    # the class wherever the logit is clear of the boundary, 0 and 1 wherever float64 is within 1e-9 of them.
    clear = np.abs(logit) > 0.1
    np.testing.assert_array_equal(values[clear] > 0.5, logit[clear] > 0)
    zero, one = expected < 1e-9, expected > 1 - 1e-9
    if layer == -1:  # the output's z itself in the hundreds: the probability is 0 or 1 over much of the grid
        assert (zero | one).mean() > 0.2
    assert (values[zero] < 1e-6).all() and (values[one] > 1 - 1e-6).all()


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_a_non_finite_weight_gives_a_grid_without_an_error_or_a_warning(spiral, bad):
    network = spiral.lanes[0].network
    weights = [w.copy() for w in network.weights]
    weights[2][3, 4] = bad
    broken = Network(network.widths, network.activations, weights, network.biases)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        values = lab_grid.decision_grid(broken, spiral.split, 30)[2]
    assert values.shape == (30, 30)
    # Only the unit fed by the bad weight is lost: its neighbours still reach the output as numbers or NaN,
    # never an exception; with inf the unit's sigmoid is 0 or 1 and the output stays a probability.
    if bad == np.inf:
        assert np.isfinite(values).all() and ((0 <= values) & (values <= 1)).all()
