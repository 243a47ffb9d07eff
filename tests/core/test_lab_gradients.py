"""One mini-batch's gradients, as the lab's training loop computes them, for every loss and every lane.

Two oracles: PyTorch autograd in float64 (to 1e-9; skipped without torch) and central finite differences
of a forward pass and loss written here from their formulas.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from gradviz.core.activations import get_activation
from gradviz.core.data import DataSpec
from gradviz.core.lab import Lab, LabConfig, LaneSpec, load_preset, preset_names


def small_config(data, loss, lanes, hidden=(6, 6)):
    return LabConfig(DataSpec(data, points=60, noise=0.1, seed=2), hidden, lanes, loss=loss, batch=8, epochs=1, seed=5)


SIGMOID_TANH_RELU = (LaneSpec("sigmoid", "sigmoid", "xavier_normal"), LaneSpec("tanh", "tanh", "nielsen"), LaneSpec("relu", "relu"))
EXTRA_CASES = {
    "mse-two-classes": small_config("moons", "mse", SIGMOID_TANH_RELU),
    "mse-ten-classes": replace(small_config("digits", "mse", SIGMOID_TANH_RELU), data=DataSpec("digits", seed=2)),
    "bce-residual": small_config("circles", "auto", (LaneSpec("res", "tanh", "xavier_normal", residual=True), LaneSpec("elu", "elu"))),
    "softmax-residual": replace(
        small_config("digits", "cross_entropy", (LaneSpec("res", "sigmoid", "nielsen", residual=True),)), data=DataSpec("digits", seed=1)
    ),
}


def cases():
    for name in preset_names():
        yield name, load_preset(name)
    yield from EXTRA_CASES.items()


def first_batch(config):
    lab = Lab(replace(config, epochs=1))
    inputs, targets = lab.batches(1)[0]
    return lab, inputs, targets


def reference_loss(loss_name, z, a, t):
    """The batch loss from its textbook formula (mean over samples)."""
    if loss_name == "half_squared_error":
        return np.mean(0.5 * np.sum((a - t) ** 2, axis=1))
    if loss_name == "binary_cross_entropy":
        # -[t log s(z) + (1 - t) log(1 - s(z))] = log(1 + e^z) - t z, which holds at large |z| too.
        return np.mean(np.sum(np.logaddexp(0.0, z) - t * z, axis=1))
    log_softmax = z - z.max(axis=1, keepdims=True)
    log_softmax -= np.log(np.exp(log_softmax).sum(axis=1, keepdims=True))
    return np.mean(-np.sum(t * log_softmax, axis=1))


def reference_forward(lane, flat, inputs):
    """z and a of the output layer for the parameters ``flat`` (W_1, b_1, W_2, ...), from the formulas."""
    a, start = inputs, 0
    depth = len(lane.widths) - 1
    z = None
    for l, (n_in, n_out) in enumerate(zip(lane.widths[:-1], lane.widths[1:])):
        w = flat[start : start + n_in * n_out].reshape(n_out, n_in)
        start += n_in * n_out
        b = flat[start : start + n_out]
        start += n_out
        z = a @ w.T + b
        out = get_activation(lane.activations[l])(z)
        skip = lane.spec.residual and l < depth - 1 and n_in == n_out
        a = out + a if skip else out
    return z, a


@pytest.mark.parametrize("name, config", list(cases()), ids=[name for name, _ in cases()])
def test_a_mini_batch_gradient_matches_central_finite_differences(name, config):
    lab, inputs, targets = first_batch(config)
    rng = np.random.default_rng(0)
    for lane in lab.lanes:
        arrays = lane.batch_gradients(inputs, targets)
        analytic = np.concatenate([np.concatenate([gw.ravel(), gb]) for gw, gb in zip(arrays.grads_w, arrays.grads_b)])
        flat = lane.parameters.copy()
        z, a = reference_forward(lane, flat, inputs)
        assert arrays.loss == pytest.approx(reference_loss(lane.loss_name, z, a, targets), rel=1e-12)
        # Biases of every layer and a sample of the weights (all of them for the small networks).
        checked = rng.choice(flat.size, size=min(flat.size, 60), replace=False)
        eps = 1e-6
        for k in checked:
            plus, minus = flat.copy(), flat.copy()
            plus[k] += eps
            minus[k] -= eps
            numeric = (
                reference_loss(lane.loss_name, *reference_forward(lane, plus, inputs), targets)
                - reference_loss(lane.loss_name, *reference_forward(lane, minus, inputs), targets)
            ) / (2 * eps)
            assert analytic[k] == pytest.approx(numeric, rel=1e-5, abs=1e-8), f"{lane.name}: parameter {k}"


def torch_modules():
    """torch and torch.nn.functional; the test is skipped without torch."""
    torch = pytest.importorskip("torch")
    return torch, torch.nn.functional


def torch_gradients(lane, inputs, targets):
    torch, F = torch_modules()
    activations = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": F.relu, "elu": F.elu, "linear": lambda z: z}
    ws = [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in lane.weights]
    bs = [torch.tensor(b, dtype=torch.float64, requires_grad=True) for b in lane.biases]
    a = torch.tensor(inputs, dtype=torch.float64)
    depth = len(ws)
    z = None
    for l in range(depth):
        z = a @ ws[l].T + bs[l]
        out = activations[lane.activations[l]](z)
        skip = lane.spec.residual and l < depth - 1 and ws[l].shape[0] == ws[l].shape[1]
        a = out + a if skip else out
    t = torch.tensor(targets, dtype=torch.float64)
    if lane.loss_name == "softmax_cross_entropy":
        loss = F.cross_entropy(z, t.argmax(dim=1))
    elif lane.loss_name == "binary_cross_entropy":
        loss = F.binary_cross_entropy_with_logits(z, t)
    else:
        loss = 0.5 * ((a - t) ** 2).sum(dim=1).mean()
    loss.backward()
    return float(loss.detach()), [w.grad.numpy() for w in ws], [b.grad.numpy() for b in bs]


@pytest.mark.parametrize("name, config", list(cases()), ids=[name for name, _ in cases()])
def test_a_mini_batch_gradient_matches_torch_autograd(name, config):
    lab, inputs, targets = first_batch(config)
    for lane in lab.lanes:
        arrays = lane.batch_gradients(inputs, targets)
        loss, grads_w, grads_b = torch_gradients(lane, inputs, targets)
        assert arrays.loss == pytest.approx(loss, rel=1e-12)
        for l in range(len(grads_w)):
            np.testing.assert_allclose(arrays.grads_w[l], grads_w[l], rtol=1e-9, atol=1e-12, err_msg=f"{name} {lane.name} W{l + 1}")
            np.testing.assert_allclose(arrays.grads_b[l], grads_b[l], rtol=1e-9, atol=1e-12, err_msg=f"{name} {lane.name} b{l + 1}")


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_one_epoch_of_each_optimizer_matches_torch_with_the_same_batches(optimizer):
    torch, F = torch_modules()
    config = small_config("moons", "auto", (LaneSpec("relu", "relu", optimizer=optimizer, learning_rate=0.05),))
    lab = Lab(config)
    lane = lab.lanes[0]
    ws = [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in lane.weights]
    bs = [torch.tensor(b, dtype=torch.float64, requires_grad=True) for b in lane.biases]
    params = [p for pair in zip(ws, bs) for p in pair]
    opt = {
        "sgd": lambda: torch.optim.SGD(params, lr=0.05),
        "momentum": lambda: torch.optim.SGD(params, lr=0.05, momentum=0.9),
        "adam": lambda: torch.optim.Adam(params, lr=0.05),
    }[optimizer]()
    for inputs, targets in lab.batches(1):
        opt.zero_grad()
        a = torch.tensor(inputs)
        for l in range(len(ws)):
            z = a @ ws[l].T + bs[l]
            a = F.relu(z) if l < len(ws) - 1 else z
        F.binary_cross_entropy_with_logits(z, torch.tensor(targets)).backward()
        opt.step()
    lab.run_epoch()
    for l in range(len(ws)):
        np.testing.assert_allclose(lane.weights[l], ws[l].detach().numpy(), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(lane.biases[l], bs[l].detach().numpy(), rtol=1e-9, atol=1e-12)


def test_clipping_scales_the_whole_gradient_to_the_clip_norm():
    torch, _ = torch_modules()
    config = load_preset("exploding-clip")
    lab, inputs, targets = first_batch(config)
    lane = lab.lanes[1]
    assert lane.spec.clip == 1.0
    _, grads_w, grads_b = torch_gradients(lane, inputs, targets)
    tensors = [torch.tensor(g) for pair in zip(grads_w, grads_b) for g in pair]
    norm = float(torch.sqrt(sum((t**2).sum() for t in tensors)))
    assert norm > 1.0  # the case clipping is for
    weights_before, biases_before = [w.copy() for w in lane.weights], [b.copy() for b in lane.biases]
    lane.train_batches([(inputs, targets)])
    for l in range(len(grads_w)):
        expected_w = weights_before[l] - lane.spec.learning_rate * grads_w[l] / norm
        expected_b = biases_before[l] - lane.spec.learning_rate * grads_b[l] / norm
        np.testing.assert_allclose(lane.weights[l], expected_w, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(lane.biases[l], expected_b, rtol=1e-9, atol=1e-12)
