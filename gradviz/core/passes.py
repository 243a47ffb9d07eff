"""The one forward/backward loop: tracing (``Network.run``), stepping, training and the lab all run it.

``forward_backward`` is the whole pass; the stepper takes the same pass one layer at a time with
``forward_layer``, ``sample_losses``, ``output_delta`` and ``backward_layer``. Layers are numbered from 0
here (layer ``l`` maps ``a_l`` to ``a_(l+1)``). Each result is a fresh array the caller owns, so the sums
work in place: at 256 x 256 a temporary costs more than the arithmetic it holds.

The per-layer functions leave the floating-point error state to their caller, who sets it once for a
whole pass (``ignoring_overflow``): activations like sigmoid overflow on purpose at z < -709.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .losses import get_loss


def ignoring_overflow():
    """The error state every pass runs under: overflow to inf and inf - inf are expected, never warned."""
    return np.errstate(over="ignore", invalid="ignore")


def forward_layer(network, l: int, a_prev: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``z`` and ``a`` of layer ``l`` (0-based) from the activations below it (samples x units)."""
    z = a_prev @ network.weights[l].T
    z += network.biases[l]
    a = network.activation_functions[l].f(z)
    if network.skip_flags[l]:
        a = a + a_prev  # not in place: an activation may hand back z itself
    return z, a


def sample_losses(network, loss_name: str, z: np.ndarray, a: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Each sample's loss from the output layer's ``z`` and ``a``."""
    return get_loss(loss_name).per_sample(z, a, targets)


def mean_loss(values: np.ndarray) -> float:
    """The batch loss: the mean of the per-sample losses (np.mean's own sum and division)."""
    with ignoring_overflow():
        return float(values.sum() / values.size)


def output_delta(network, loss_name: str, z: np.ndarray, a: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """dL_s/dz of the output layer, one row per sample."""
    return get_loss(loss_name).output_delta(z, a, targets, network.activation_functions[-1])


def hidden_delta(network, l: int, grad_a: np.ndarray, z: np.ndarray, a: np.ndarray) -> np.ndarray:
    """delta_l = dL_s/da_l * f'(z_l) for a layer below the output.

    f'(z) comes from the layer's activations ``a`` where the activation allows (sigmoid, tanh): the same
    numbers as from z, without computing f again. A residual layer's ``a`` is not f(z), so it uses z.
    """
    slope = layer_slope(network, l, z, a)
    slope *= grad_a
    return slope


def layer_slope(network, l: int, z: np.ndarray, a: np.ndarray) -> np.ndarray:
    """f'(z) of layer ``l``, from its activations ``a`` where the activation allows (a fresh array)."""
    activation = network.activation_functions[l]
    if activation.df_from_output is not None and not network.skip_flags[l]:
        return activation.df_from_output(a)
    return activation.df(z)


def parameter_gradients(delta: np.ndarray, a_prev: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """dL/dW and dL/db of the batch loss (the mean over samples) from a layer's ``delta``."""
    samples = a_prev.shape[0]
    grad_w = delta.T @ a_prev
    grad_w /= samples
    grad_b = np.add.reduce(delta, axis=0)  # delta.mean(axis=0), the same sum and division, without the wrapper
    grad_b /= samples
    return grad_w, grad_b


def input_gradient(network, l: int, delta: np.ndarray, grad_a: np.ndarray | None) -> np.ndarray:
    """dL_s/da of the layer below layer ``l``; a residual layer adds its own ``grad_a`` to it."""
    grad_a_prev = delta @ network.weights[l]
    if network.skip_flags[l]:
        grad_a_prev += grad_a
    return grad_a_prev


def backward_layer(network, l: int, delta: np.ndarray, a_prev: np.ndarray, grad_a: np.ndarray | None):
    """``(grad_w, grad_b, grad_a_prev)`` of layer ``l`` from its ``delta``."""
    grad_w, grad_b = parameter_gradients(delta, a_prev)
    return grad_w, grad_b, input_gradient(network, l, delta, grad_a)


class ParameterBuffer:
    """Arrays shaped as a network's weights and biases, all views of one flat float64 array.

    One operation on ``flat`` then acts on every parameter at once: a training step, a clip, a copy.
    """

    def __init__(self, widths):
        widths = [int(w) for w in widths]
        sizes = [n_out * n_in + n_out for n_in, n_out in zip(widths[:-1], widths[1:])]
        self.flat = np.zeros(sum(sizes))
        self.weights, self.biases = [], []
        start = 0
        for n_in, n_out in zip(widths[:-1], widths[1:]):
            self.weights.append(self.flat[start : start + n_out * n_in].reshape(n_out, n_in))
            start += n_out * n_in
            self.biases.append(self.flat[start : start + n_out])
            start += n_out

    def __repr__(self):
        return f"ParameterBuffer(layers={len(self.weights)}, size={self.flat.size})"


@dataclass
class PassArrays:
    """What one complete pass computes, layer by layer (0-based lists; ``activations[0]`` is the input)."""

    zs: list
    activations: list
    deltas: list
    grads_w: list
    grads_b: list
    sample_losses: np.ndarray | None

    @property
    def loss(self) -> float:
        return mean_loss(self.sample_losses)


def forward(network, inputs: np.ndarray) -> tuple[list, list]:
    """The forward half of the pass: ``(zs, activations)``, activations starting with the inputs."""
    zs, activations = [], [inputs]
    with ignoring_overflow():
        for l in range(len(network.weights)):
            z, a = forward_layer(network, l, activations[-1])
            zs.append(z)
            activations.append(a)
    return zs, activations


def forward_backward(
    network, inputs: np.ndarray, targets: np.ndarray, loss_name: str, with_loss: bool = True,
    gradients: ParameterBuffer | None = None,
) -> PassArrays:  # fmt: skip
    """One forward and backward pass of a batch: every layer's z, a, delta and parameter gradients.

    Parameters
    ----------
    network : a ``Network`` (or one sharing working arrays, ``Network.sharing_params``)
    inputs, targets : samples x units, float64
    loss_name : a name from ``losses.LOSSES``
    with_loss : compute each sample's loss too (training's mini-batches skip it)
    gradients : where to write the parameter gradients (the same numbers: the sums per layer, then one
        division of the whole buffer by the number of samples); new arrays when None
    """
    depth = len(network.weights)
    zs, activations = [None] * depth, [inputs]
    deltas, grads_w, grads_b = [None] * depth, [None] * depth, [None] * depth
    losses = None
    with ignoring_overflow():
        for l in range(depth):
            zs[l], a = forward_layer(network, l, activations[l])
            activations.append(a)
        if with_loss:
            losses = sample_losses(network, loss_name, zs[-1], activations[-1], targets)
        grad_a = None
        for l in range(depth - 1, -1, -1):
            if l == depth - 1:
                delta = output_delta(network, loss_name, zs[l], activations[l + 1], targets)
            else:
                delta = hidden_delta(network, l, grad_a, zs[l], activations[l + 1])
            deltas[l] = delta
            if gradients is None:
                grads_w[l], grads_b[l] = parameter_gradients(delta, activations[l])
            else:
                np.matmul(delta.T, activations[l], out=gradients.weights[l])
                np.add.reduce(delta, axis=0, out=gradients.biases[l])
            if l > 0:  # dL/d(input) is nobody's business
                grad_a = input_gradient(network, l, delta, grad_a)
        if gradients is not None:
            gradients.flat /= inputs.shape[0]
            grads_w, grads_b = gradients.weights, gradients.biases
    return PassArrays(zs, activations, deltas, grads_w, grads_b, losses)
