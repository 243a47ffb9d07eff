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
}

LOSS_NAMES = tuple(LOSSES)


def check_loss(name) -> str:
    """``name`` when it names a loss; else an ``UnknownNameError`` naming the choices. The one check of a loss name."""
    return check_name("loss", name, LOSS_NAMES)


def get_loss(name: str) -> Loss:
    """The loss called ``name``; an ``UnknownNameError`` (a ``KeyError``) naming the choices otherwise."""
    return LOSSES[check_loss(name)]
