"""Activation functions and their derivatives, all overflow-safe in float64.

Each activation maps pre-activations ``z`` to ``f(z)`` and gives ``f'(z)``; neither warns nor returns
NaN at ``z = +-1000``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .choices import check_name

#: relu'(0): PyTorch's convention, so our gradients equal autograd's at the kink.
RELU_GRAD_AT_ZERO = 0.0
#: Slope of leaky ReLU for z < 0 (PyTorch's default).
LEAKY_RELU_SLOPE = 0.01
#: ELU's alpha (PyTorch's default).
ELU_ALPHA = 1.0

_erf = np.frompyfunc(math.erf, 1, 1)
_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def _sigmoid(z):
    # 1 / (1 + e^-z) to within an ulp everywhere (PyTorch's formula). Below z = -709, e^-z overflows to inf
    # and 1 / inf is the 0 that sigmoid rounds to there: every caller (Activation.__call__ / derivative, the
    # network's pass) runs this under errstate(over="ignore"), once for the whole pass rather than per call.
    # In place: big temporaries cost more than the maths.
    e = np.negative(z, out=np.empty(np.shape(z)))
    np.exp(e, out=e)
    e += 1.0
    return np.divide(1.0, e, out=e)


def _sigmoid_slope_from_output(s):
    slope = np.subtract(1.0, s)
    slope *= s  # s * (1 - s), in place
    return slope


def _d_sigmoid(z):
    return _sigmoid_slope_from_output(_sigmoid(z))


def _tanh_slope_from_output(t):
    slope = np.multiply(t, t, out=np.empty(np.shape(t)))
    return np.subtract(1.0, slope, out=slope)  # 1 - t * t, in place


def _d_tanh(z):
    return _tanh_slope_from_output(np.tanh(z))


def _relu(z):
    return np.maximum(z, 0.0)


def _d_relu(z):
    return np.where(z > 0, 1.0, np.where(z == 0, RELU_GRAD_AT_ZERO, 0.0))


def _relu_slope_from_output(a):
    # a = max(z, 0) > 0 exactly where z > 0; at z = 0 the slope is RELU_GRAD_AT_ZERO, 0, as where z < 0.
    return np.greater(a, 0.0, out=np.empty(np.shape(a)))


def _leaky_relu(z):
    return np.where(z > 0, z, LEAKY_RELU_SLOPE * z)


def _d_leaky_relu(z):
    return np.where(z > 0, 1.0, LEAKY_RELU_SLOPE)


def _elu(z):
    return np.where(z > 0, z, ELU_ALPHA * np.expm1(np.minimum(z, 0.0)))


def _d_elu(z):
    return np.where(z > 0, 1.0, ELU_ALPHA * np.exp(np.minimum(z, 0.0)))


def _softplus(z):
    return np.logaddexp(0.0, z)


def _gelu_cdf(z):
    return 0.5 * (1.0 + np.asarray(_erf(np.asarray(z, dtype=np.float64) * _SQRT_HALF), dtype=np.float64))


def _gelu(z):
    # Phi(z) is exactly 0 below -40, so clipping there changes nothing but keeps -inf * 0 = NaN out.
    return np.maximum(z, -40.0) * _gelu_cdf(z)


def _d_gelu(z):
    # Phi(z) + z * phi(z); exp(-z^2/2) underflows quietly to 0 in the tails.
    z_clipped = np.clip(z, -1e150, 1e150)  # so that z = +-inf gives inf * 0 = NaN nowhere
    return _gelu_cdf(z) + z_clipped * _INV_SQRT_2PI * np.exp(-0.5 * np.square(z_clipped))


def _linear(z):
    return np.asarray(z, dtype=np.float64).copy()


def _d_linear(z):
    return np.ones_like(np.asarray(z, dtype=np.float64))


@dataclass(frozen=True)
class Activation:
    """An activation function ``f`` with its derivative ``df`` (both elementwise on float64 arrays)."""

    name: str
    label: str
    f: Callable[[np.ndarray], np.ndarray]
    df: Callable[[np.ndarray], np.ndarray]
    formula: str
    #: The largest f'(z) over all z (its supremum where it is only approached, as softplus' 1 at +inf).
    max_slope: float
    #: f'(z) computed from a = f(z), where that is the very formula ``df`` applies to f(z) (sigmoid, tanh):
    #: the backward pass then reuses the forward pass's activations instead of computing f again.
    df_from_output: Callable[[np.ndarray], np.ndarray] | None = None

    def __call__(self, z):
        with np.errstate(over="ignore"):
            return self.f(np.asarray(z, dtype=np.float64))

    def derivative(self, z):
        with np.errstate(over="ignore"):
            return self.df(np.asarray(z, dtype=np.float64))

    def __repr__(self):
        return f"Activation({self.name!r})"


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation(
            "sigmoid", "sigmoid", _sigmoid, _d_sigmoid, "σ(z) = 1 / (1 + e⁻ᶻ)", 0.25, _sigmoid_slope_from_output
        ),
        Activation("tanh", "tanh", np.tanh, _d_tanh, "tanh(z)", 1.0, _tanh_slope_from_output),
        Activation(
            "relu", "ReLU", _relu, _d_relu, "max(0, z)", 1.0, _relu_slope_from_output if RELU_GRAD_AT_ZERO == 0.0 else None
        ),
        Activation("leaky_relu", "leaky ReLU", _leaky_relu, _d_leaky_relu, "max(0.01·z, z)", 1.0),
        Activation("elu", "ELU", _elu, _d_elu, "z if z > 0 else eᶻ − 1", 1.0),
        Activation("softplus", "softplus", _softplus, _sigmoid, "log(1 + eᶻ)", 1.0),
        # GELU's slope Φ(z) + z·φ(z) peaks where φ(z)(2 − z²) = 0, at z = √2.
        Activation("gelu", "GELU", _gelu, _d_gelu, "z·Φ(z)", 0.5 * (1 + math.erf(1.0)) + math.sqrt(2.0) * _INV_SQRT_2PI * math.exp(-1.0)),
        Activation("linear", "linear", _linear, _d_linear, "z", 1.0),
    )
}

ACTIVATION_NAMES: tuple[str, ...] = tuple(ACTIVATIONS)


def check_activation(name) -> str:
    """``name`` when it names an activation; else an ``UnknownNameError`` (a ``ValueError`` and a
    ``KeyError``) naming the choices. The one check of an activation name."""
    return check_name("activation", name, ACTIVATION_NAMES)


def get_activation(name: str) -> Activation:
    """Return the activation called ``name``; raise ``UnknownNameError`` (a ``KeyError``) naming the choices otherwise."""
    return ACTIVATIONS[check_activation(name)]
