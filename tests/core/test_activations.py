"""Activations and initialisers: exact values, overflow safety, derivatives against finite differences."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from gradviz.core.activations import (
    ACTIVATION_NAMES,
    ACTIVATIONS,
    ELU_ALPHA,
    LEAKY_RELU_SLOPE,
    RELU_GRAD_AT_ZERO,
    get_activation,
)
from gradviz.core.init import INIT_SCHEMES, InitSpec, init_network_weights, init_weights

EXTREMES = np.array([-1e300, -1000.0, -50.0, -0.0, 0.0, 50.0, 1000.0, 1e300])

#: Independent reference formulas, written with the math module (moderate z only).
REFERENCE = {
    "sigmoid": lambda z: 1.0 / (1.0 + math.exp(-z)),
    "tanh": math.tanh,
    "relu": lambda z: max(z, 0.0),
    "leaky_relu": lambda z: z if z > 0 else 0.01 * z,
    "elu": lambda z: z if z > 0 else math.exp(z) - 1.0,
    "softplus": lambda z: math.log1p(math.exp(z)),
    "gelu": lambda z: z * 0.5 * (1.0 + math.erf(z / math.sqrt(2.0))),
    "linear": lambda z: z,
}


def strict_numpy():
    """Every floating-point problem raises; underflow to 0 (exp of a large negative number) is expected."""
    return np.errstate(over="raise", invalid="raise", divide="raise", under="ignore")


def test_reference_covers_every_activation():
    assert set(REFERENCE) == set(ACTIVATION_NAMES) == set(ACTIVATIONS)


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_no_warning_and_no_nan_at_extremes(name):
    act = get_activation(name)
    with warnings.catch_warnings(), strict_numpy():
        warnings.simplefilter("error")
        f = act(EXTREMES)
        df = act.derivative(EXTREMES)
    assert f.shape == df.shape == EXTREMES.shape
    assert f.dtype == df.dtype == np.float64
    assert not np.isnan(f).any(), f
    assert not np.isnan(df).any(), df
    assert np.all(np.isfinite(df)), df
    # Far from zero every activation is flat or has slope 1 (or leaky's / sigmoid-like saturation).
    assert df[EXTREMES.argmax()] in (0.0, 1.0)


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_no_nan_at_infinity(name):
    """An overflowing network hands on z = +-inf: f and f' take their limits, never NaN."""
    act = get_activation(name)
    z = np.array([-np.inf, np.inf])
    with warnings.catch_warnings(), strict_numpy():
        warnings.simplefilter("error")
        f = act(z)
        df = act.derivative(z)
    assert not np.isnan(f).any() and not np.isnan(df).any()
    assert df[1] in (0.0, 1.0) and df[0] in (0.0, LEAKY_RELU_SLOPE, 1.0)


def test_limits_at_extremes():
    z = np.array([-1000.0, 1000.0])
    np.testing.assert_array_equal(get_activation("sigmoid")(z), [0.0, 1.0])
    np.testing.assert_array_equal(get_activation("tanh")(z), [-1.0, 1.0])
    np.testing.assert_array_equal(get_activation("softplus")(z), [0.0, 1000.0])
    np.testing.assert_array_equal(get_activation("gelu")(z), [0.0, 1000.0])
    np.testing.assert_array_equal(get_activation("elu")(z), [-ELU_ALPHA, 1000.0])
    np.testing.assert_array_equal(get_activation("leaky_relu")(z), [-10.0, 1000.0])
    np.testing.assert_array_equal(get_activation("sigmoid").derivative(z), [0.0, 0.0])
    np.testing.assert_array_equal(get_activation("gelu").derivative(z), [0.0, 1.0])


def test_relu_derivative_at_zero_is_pytorchs_convention():
    assert RELU_GRAD_AT_ZERO == 0.0
    assert get_activation("relu").derivative(np.array([0.0]))[0] == 0.0
    assert get_activation("relu").derivative(np.array([-0.0]))[0] == 0.0
    np.testing.assert_array_equal(get_activation("relu").derivative(np.array([-1e-300, 1e-300])), [0.0, 1.0])


def test_derivatives_at_zero():
    zero = np.array([0.0])
    assert get_activation("sigmoid").derivative(zero)[0] == 0.25
    assert get_activation("sigmoid")(zero)[0] == 0.5
    assert get_activation("tanh").derivative(zero)[0] == 1.0
    assert get_activation("softplus").derivative(zero)[0] == 0.5
    assert get_activation("softplus")(zero)[0] == math.log(2.0)
    assert get_activation("gelu").derivative(zero)[0] == 0.5
    assert get_activation("elu").derivative(zero)[0] == 1.0
    assert get_activation("leaky_relu").derivative(zero)[0] == LEAKY_RELU_SLOPE
    assert get_activation("linear").derivative(zero)[0] == 1.0


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_values_match_reference_formula(name):
    grid = np.linspace(-8.0, 8.0, 161)
    expected = np.array([REFERENCE[name](float(z)) for z in grid])
    np.testing.assert_allclose(get_activation(name)(grid), expected, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_derivative_matches_central_differences(name):
    act = get_activation(name)
    grid = np.linspace(-6.0, 6.0, 97) + 0.0371  # offset so no point sits on a kink at 0
    assert np.min(np.abs(grid)) > 1e-3
    eps = 1e-6
    numeric = (act(grid + eps) - act(grid - eps)) / (2 * eps)
    np.testing.assert_allclose(act.derivative(grid), numeric, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_works_on_matrices_and_leaves_input_alone(name):
    z = np.array([[-1.5, 0.25], [2.0, -0.0]])
    before = z.copy()
    act = get_activation(name)
    assert act(z).shape == (2, 2)
    assert act.derivative(z).shape == (2, 2)
    np.testing.assert_array_equal(z, before)


def test_unknown_activation_names_the_choices():
    with pytest.raises(KeyError, match="unknown activation 'swish'; choose one of sigmoid, tanh"):
        get_activation("swish")
    assert repr(get_activation("relu")) == "Activation('relu')"


# ---------------------------------------------------------------------------------------------- init


@pytest.mark.parametrize("scheme", INIT_SCHEMES)
def test_init_is_reproducible_and_shaped(scheme):
    a = init_weights(scheme, (3, 5), np.random.default_rng(7))
    b = init_weights(scheme, (3, 5), np.random.default_rng(7))
    assert a.shape == (3, 5)
    assert a.dtype == np.float64
    np.testing.assert_array_equal(a, b)
    c = init_weights(scheme, (3, 5), np.random.default_rng(8))
    if scheme == "constant":
        np.testing.assert_array_equal(a, c)
    else:
        assert not np.array_equal(a, c)


def test_constant_init_value():
    np.testing.assert_array_equal(init_weights("constant", (2, 3), np.random.default_rng(0)), np.full((2, 3), 0.5))
    np.testing.assert_array_equal(init_weights("constant", (2, 3), np.random.default_rng(0), value=-1.25), -1.25)


def test_uniform_and_normal_params():
    w = init_weights("uniform", (200, 200), np.random.default_rng(1), low=2.0, high=3.0)
    assert 2.0 <= w.min() and w.max() < 3.0
    assert abs(w.mean() - 2.5) < 0.01
    w = init_weights("normal", (200, 200), np.random.default_rng(1), std=0.1)
    assert abs(w.std() - 0.1) < 0.005


@pytest.mark.parametrize(
    ("scheme", "expected_std"),
    [
        ("xavier_uniform", math.sqrt(2.0 / (128 + 512))),
        ("xavier_normal", math.sqrt(2.0 / (128 + 512))),
        ("he_uniform", math.sqrt(2.0 / 512)),
        ("he_normal", math.sqrt(2.0 / 512)),
    ],
)
def test_scaled_init_std(scheme, expected_std):
    # shape is (fan_out, fan_in) = (128, 512): He uses fan_in = 512 only.
    w = init_weights(scheme, (128, 512), np.random.default_rng(3))
    assert abs(w.std() / expected_std - 1.0) < 0.1
    assert abs(w.mean()) < 0.1 * expected_std
    square = init_weights(scheme, (512, 512), np.random.default_rng(4))
    square_std = math.sqrt(2.0 / 1024) if scheme.startswith("xavier") else math.sqrt(2.0 / 512)
    assert abs(square.std() / square_std - 1.0) < 0.1


def test_uniform_schemes_respect_their_bounds():
    bound = math.sqrt(6.0 / (30 + 20))
    w = init_weights("xavier_uniform", (30, 20), np.random.default_rng(0))
    assert np.abs(w).max() <= bound
    w = init_weights("he_uniform", (30, 20), np.random.default_rng(0))
    assert np.abs(w).max() <= math.sqrt(6.0 / 20)


def test_init_network_weights_seeded():
    widths = (4, 8, 8, 1)
    a = init_network_weights(widths, InitSpec("he_normal", seed=5))
    b = init_network_weights(widths, InitSpec("he_normal", seed=5))
    c = init_network_weights(widths, InitSpec("he_normal", seed=6))
    assert [w.shape for w in a] == [(8, 4), (8, 8), (1, 8)]
    for wa, wb, wc in zip(a, b, c):
        np.testing.assert_array_equal(wa, wb)
        assert not np.array_equal(wa, wc)
    const = init_network_weights(widths, InitSpec("constant", 0, {"value": 0.3}))
    assert all(np.all(w == 0.3) for w in const)
    assert InitSpec("uniform", 2, {"low": 0.0}).to_json() == {"scheme": "uniform", "seed": 2, "low": 0.0}


def test_unknown_init_scheme_names_the_choices():
    with pytest.raises(KeyError, match="unknown initialiser 'glorot'; choose one of constant"):
        init_weights("glorot", (2, 2), np.random.default_rng(0))


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_scalar_inputs_work_like_arrays(name):
    act = get_activation(name)
    for z in (-2.0, 0.0, 3.0):
        assert float(act(z)) == float(act(np.array([z]))[0])
        assert float(act.derivative(z)) == float(act.derivative(np.array([z]))[0])


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_max_slope_is_the_largest_derivative(name):
    # A dense grid finds the largest slope to within the grid's resolution; softplus only approaches 1.
    z = np.linspace(-30.0, 30.0, 600_001)
    largest = float(np.max(get_activation(name).derivative(z)))
    assert get_activation(name).max_slope == pytest.approx(largest, rel=1e-6)


def test_max_slope_hand_values():
    assert get_activation("sigmoid").max_slope == 0.25
    # GELU: Phi(sqrt 2) + sqrt 2 * phi(sqrt 2) = 0.9213503964748575 + 0.20755374871029733
    assert get_activation("gelu").max_slope == pytest.approx(1.1289041451851548, abs=1e-15)
