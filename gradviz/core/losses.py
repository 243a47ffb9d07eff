"""Losses: per-sample values and dL/dz at the output layer.

The batch loss is the mean of the per-sample losses. ``delta`` at the output is the gradient of each
sample's own loss with respect to the output pre-activation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .activations import Activation
from .choices import check_name


def _half_squared_error(z, a, target):
    return 0.5 * np.sum(np.square(a - target), axis=1)


def _half_squared_error_delta(z, a, target, activation: Activation):
    # (a - t) f'(z), with f'(z) from the output a = f(z) where the activation allows: the same numbers
    # without computing f again (the output layer is never residual, so a is f(z)). The caller holds the
    # error state (the pass ignores overflow once for all its layers).
    slope = activation.df(z) if activation.df_from_output is None else activation.df_from_output(a)
    slope *= a - target
    return slope


def _binary_cross_entropy(z, a, target):
    # Computed from the logits z of the sigmoid output: log(1 + e^z) - t z never overflows.
    return np.sum(np.logaddexp(0.0, z) - target * z, axis=1)


def _binary_cross_entropy_delta(z, a, target, activation: Activation):
    return a - target


def _softmax(z):
    # Shifted by each row's largest logit, so e^z never overflows; the shift cancels in the ratio.
    shifted = z - np.max(z, axis=1, keepdims=True)
    np.exp(shifted, out=shifted)
    shifted /= np.add.reduce(shifted, axis=1, keepdims=True)
    return shifted


def _softmax_cross_entropy(z, a, target):
    # -sum t log softmax(z) = logsumexp(z) - sum t z for targets that sum to 1 (one-hot class labels).
    largest = np.max(z, axis=1, keepdims=True)
    log_sum = np.log(np.add.reduce(np.exp(z - largest), axis=1)) + largest[:, 0]
    return log_sum * np.add.reduce(target, axis=1) - np.add.reduce(target * z, axis=1)


def _softmax_cross_entropy_delta(z, a, target, activation: Activation):
    delta = _softmax(z)
    delta *= np.add.reduce(target, axis=1, keepdims=True)  # 1 for one-hot targets
    delta -= target
    return delta


@dataclass(frozen=True)
class Loss:
    name: str
    label: str
    per_sample: Callable
    output_delta_fn: Callable
    formula: str
    #: The output activation this loss requires, if any.
    requires_output: str | None = None

    def output_delta(self, z, a, target, activation: Activation) -> np.ndarray:
        """dL_s/dz at the output, one row per sample."""
        return self.output_delta_fn(z, a, target, activation)

    def __repr__(self):
        return f"Loss({self.name!r})"


LOSSES: dict[str, Loss] = {
    "half_squared_error": Loss(
        "half_squared_error", "½ squared error", _half_squared_error, _half_squared_error_delta, "L = ½ Σ (y − t)²"
    ),
    "binary_cross_entropy": Loss(
        "binary_cross_entropy",
        "binary cross-entropy",
        _binary_cross_entropy,
        _binary_cross_entropy_delta,
        "L = −Σ [t log y + (1 − t) log(1 − y)]",
        requires_output="sigmoid",
    ),
    # The output layer is linear: its z are the logits, and the loss applies the softmax itself.
    "softmax_cross_entropy": Loss(
        "softmax_cross_entropy",
        "softmax cross-entropy",
        _softmax_cross_entropy,
        _softmax_cross_entropy_delta,
        "L = −Σ t log softmax(z)",
        requires_output="linear",
    ),
}

#: The losses a network file and the window offer. Softmax cross-entropy is the lab's: it needs one class
#: label per sample (one-hot targets), which only the lab's data sets give.
LOSS_NAMES = ("half_squared_error", "binary_cross_entropy")


def check_loss(name) -> str:
    """``name`` when it names a loss; else an ``UnknownNameError`` naming the choices. The one check of a loss name."""
    return check_name("loss", name, LOSS_NAMES)


def get_loss(name: str) -> Loss:
    """The loss called ``name``, those the lab alone uses included; an ``UnknownNameError`` (a ``KeyError``)
    naming the choices otherwise."""
    if isinstance(name, str) and name in LOSSES:  # the lab's softmax cross-entropy too, which no file names
        return LOSSES[name]
    return LOSSES[check_loss(name)]
