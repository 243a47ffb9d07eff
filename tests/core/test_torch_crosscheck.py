"""Loss and every gradient against PyTorch autograd (float64), where torch is installed."""

from __future__ import annotations

import numpy as np
import pytest

from gradviz.core.activations import ACTIVATION_NAMES
from gradviz.core.network import Network

torch = pytest.importorskip("torch")
F = torch.nn.functional

TORCH_ACTIVATIONS = {
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": F.relu,
    "leaky_relu": lambda z: F.leaky_relu(z, 0.01),
    "elu": lambda z: F.elu(z, alpha=1.0),
    "softplus": lambda z: F.softplus(z, beta=1.0),
    "gelu": lambda z: F.gelu(z, approximate="none"),
    "linear": lambda z: z,
}
WIDTHS = (3, 4, 4, 4, 2)
SAMPLES = 3
REL = 1e-12


def test_every_activation_has_a_torch_twin():
    assert set(TORCH_ACTIVATIONS) == set(ACTIVATION_NAMES)


def torch_pass(widths, activations, weights, biases, residual, inputs, targets, loss):
    ws = [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in weights]
    bs = [torch.tensor(b, dtype=torch.float64, requires_grad=True) for b in biases]
    a = torch.tensor(inputs, dtype=torch.float64)
    t = torch.tensor(targets, dtype=torch.float64)
    depth = len(ws)
    z = None
    for l in range(depth):
        z = a @ ws[l].T + bs[l]
        out = TORCH_ACTIVATIONS[activations[l]](z)
        a = out + a if residual and l < depth - 1 and widths[l] == widths[l + 1] else out
    if loss == "half_squared_error":
        value = (0.5 * ((a - t) ** 2).sum(dim=1)).mean()
    else:
        value = F.binary_cross_entropy_with_logits(z, t, reduction="none").sum(dim=1).mean()
    value.backward()
    return value.item(), [w.grad.numpy() for w in ws], [b.grad.numpy() for b in bs], a.detach().numpy()


def assert_rel_close(ours, theirs, what):
    scale = max(float(np.max(np.abs(theirs))), 1e-300)
    assert np.max(np.abs(ours - theirs)) <= REL * scale, f"{what}: {ours} vs {theirs}"


@pytest.mark.parametrize("loss", ["half_squared_error", "binary_cross_entropy"])
@pytest.mark.parametrize("residual", [False, True], ids=["plain", "residual"])
@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
@pytest.mark.parametrize("seed", [0, 1])
def test_matches_torch_autograd(activation, residual, loss, seed):
    rng = np.random.default_rng(seed)
    depth = len(WIDTHS) - 1
    activations = [activation] * depth
    if loss == "binary_cross_entropy":
        activations[-1] = "sigmoid"
    weights = [rng.normal(0.0, 0.8, size=(WIDTHS[l + 1], WIDTHS[l])) for l in range(depth)]
    biases = [rng.normal(0.0, 0.3, size=WIDTHS[l + 1]) for l in range(depth)]
    inputs = rng.normal(0.0, 1.0, size=(SAMPLES, WIDTHS[0]))
    targets = rng.uniform(0.0, 1.0, size=(SAMPLES, WIDTHS[-1]))

    net = Network(WIDTHS, activations, weights, biases, residual)
    record = net.run(inputs, targets, loss)
    value, grads_w, grads_b, output = torch_pass(WIDTHS, activations, weights, biases, residual, inputs, targets, loss)

    assert abs(record.loss - value) <= REL * abs(value)
    assert_rel_close(record.output, output, "output")
    for l, layer in enumerate(record.layers):
        assert_rel_close(layer.grad_w, grads_w[l], f"grad_w of layer {l + 1}")
        assert_rel_close(layer.grad_b, grads_b[l], f"grad_b of layer {l + 1}")
