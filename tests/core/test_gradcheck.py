"""The backward pass against central finite differences (float64) on random networks.

The oracle is a forward pass written here from scratch (only the activation functions come from the core;
they are checked against their own reference formulas in test_activations.py).
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from gradviz.core.activations import ACTIVATION_NAMES, get_activation
from gradviz.core.losses import LOSS_NAMES
from gradviz.core.network import Network

EPS = 1e-6
RTOL = 1e-6
#: Activations with a kink at 0: no pre-activation may come this close to it.
KINKED = {"relu", "leaky_relu", "elu"}
KINK_MARGIN = 1e-4


def skips(widths, residual):
    depth = len(widths) - 1
    return [residual and l < depth - 1 and widths[l] == widths[l + 1] for l in range(depth)]


def forward_from(weights, biases, activations, skip, a_prev, start=0, z_start=None):
    """Forward from layer ``start`` (0-based); ``z_start`` replaces that layer's pre-activation. Returns (z_L, a_L)."""
    a = a_prev
    z = None
    for l in range(start, len(weights)):
        z = a @ weights[l].T + biases[l] if (l != start or z_start is None) else z_start
        out = get_activation(activations[l])(z)
        a = out + a if skip[l] else out
    return z, a


def per_sample_loss(loss, z, a, t):
    if loss == "half_squared_error":
        return 0.5 * np.sum((a - t) ** 2, axis=1)
    # -[t log σ(z) + (1 - t) log(1 - σ(z))] = log(1 + e^z) - t z
    return np.sum(np.logaddexp(0.0, z) - t * z, axis=1)


@st.composite
def experiments(draw):
    depth = draw(st.integers(1, 4))
    widths = draw(st.lists(st.integers(1, 3), min_size=depth + 1, max_size=depth + 1))
    activations = draw(st.lists(st.sampled_from(ACTIVATION_NAMES), min_size=depth, max_size=depth))
    loss = draw(st.sampled_from(LOSS_NAMES))
    if loss == "binary_cross_entropy":
        activations[-1] = "sigmoid"
    residual = draw(st.booleans())
    samples = draw(st.integers(1, 4))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    weights = [rng.normal(0.0, 0.9, size=(widths[l + 1], widths[l])) for l in range(depth)]
    biases = [rng.normal(0.0, 0.3, size=widths[l + 1]) for l in range(depth)]
    inputs = rng.normal(0.0, 1.0, size=(samples, widths[0]))
    if loss == "binary_cross_entropy":
        targets = rng.uniform(0.0, 1.0, size=(samples, widths[-1]))
    else:
        targets = rng.normal(0.0, 1.0, size=(samples, widths[-1]))
    return widths, activations, residual, loss, weights, biases, inputs, targets


def assert_close(analytic, numeric, loss_scale, what):
    atol = 1e-8 * max(1.0, loss_scale)
    err = np.abs(analytic - numeric)
    assert np.all(err <= RTOL * np.abs(numeric) + atol), f"{what}: analytic {analytic} vs numeric {numeric}"


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(experiments())
def test_backward_pass_matches_finite_differences(case):
    widths, activations, residual, loss, weights, biases, inputs, targets = case
    skip = skips(widths, residual)
    net = Network(widths, activations, weights, biases, residual)
    assert [net.has_skip(i + 1) for i in range(len(skip))] == skip
    record = net.run(inputs, targets, loss)

    for l, layer in enumerate(record.layers):
        if activations[l] in KINKED:
            assume(np.min(np.abs(layer.z)) > KINK_MARGIN)

    def batch_loss(ws, bs):
        z, a = forward_from(ws, bs, activations, skip, inputs)
        return float(np.mean(per_sample_loss(loss, z, a, targets)))

    base = batch_loss(weights, biases)
    assert abs(record.loss - base) <= 1e-12 * max(1.0, abs(base))
    scale = abs(base)

    for l, layer in enumerate(record.layers):
        numeric_w = np.empty_like(weights[l])
        for idx in np.ndindex(weights[l].shape):
            plus = [w.copy() for w in weights]
            minus = [w.copy() for w in weights]
            plus[l][idx] += EPS
            minus[l][idx] -= EPS
            numeric_w[idx] = (batch_loss(plus, biases) - batch_loss(minus, biases)) / (2 * EPS)
        assert_close(layer.grad_w, numeric_w, scale, f"grad_w of layer {l + 1}")

        numeric_b = np.empty_like(biases[l])
        for i in range(len(biases[l])):
            plus = [b.copy() for b in biases]
            minus = [b.copy() for b in biases]
            plus[l][i] += EPS
            minus[l][i] -= EPS
            numeric_b[i] = (batch_loss(weights, plus) - batch_loss(weights, minus)) / (2 * EPS)
        assert_close(layer.grad_b, numeric_b, scale, f"grad_b of layer {l + 1}")

        # delta[s, j] = dL_s/dz[s, j]: perturb one sample's pre-activation and rerun the layers above.
        a_prev = inputs if l == 0 else record.layers[l - 1].a
        numeric_delta = np.empty_like(layer.z)
        for s in range(len(inputs)):
            for j in range(widths[l + 1]):
                losses = []
                for sign in (1, -1):
                    z = np.array(layer.z[s : s + 1])
                    z[0, j] += sign * EPS
                    z_out, a_out = forward_from(weights, biases, activations, skip, a_prev[s : s + 1], l, z)
                    losses.append(per_sample_loss(loss, z_out, a_out, targets[s : s + 1])[0])
                numeric_delta[s, j] = (losses[0] - losses[1]) / (2 * EPS)
        assert_close(layer.delta, numeric_delta, scale * len(inputs), f"delta of layer {l + 1}")
        # grad_b is the batch mean of delta, grad_w the batch mean of delta ⊗ a_prev.
        np.testing.assert_allclose(layer.grad_b, layer.delta.mean(axis=0), rtol=1e-12, atol=1e-300)
        np.testing.assert_allclose(layer.grad_w, layer.delta.T @ a_prev / len(inputs), rtol=1e-12, atol=1e-300)
