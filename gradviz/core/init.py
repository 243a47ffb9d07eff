"""Weight initialisers. Each takes a shape ``(fan_out, fan_in)`` and an ``np.random.Generator``."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .choices import check_name

INIT_SCHEMES = ("constant", "uniform", "normal", "xavier_uniform", "xavier_normal", "he_uniform", "he_normal")

#: Parameters each scheme accepts, with their defaults.
INIT_PARAMETERS: dict[str, dict[str, float]] = {
    "constant": {"value": 0.5},
    "uniform": {"low": -1.0, "high": 1.0},
    "normal": {"std": 1.0},
    "xavier_uniform": {},
    "xavier_normal": {},
    "he_uniform": {},
    "he_normal": {},
}


@dataclass(frozen=True)
class InitSpec:
    """How to draw weights where a network file gives none: a scheme, a seed and the scheme's parameters."""

    scheme: str = "he_normal"
    seed: int = 0
    params: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"scheme": self.scheme, "seed": self.seed, **self.params}


def check_init_scheme(scheme) -> str:
    """``scheme`` when it names an initialiser; else an ``UnknownNameError`` naming the choices.
    The one check of an initialiser name."""
    return check_name("initialiser", scheme, INIT_SCHEMES)


def init_weights(scheme: str, shape: tuple[int, int], rng: np.random.Generator, **params) -> np.ndarray:
    """Draw a weight matrix of ``shape = (fan_out, fan_in)`` with the named scheme.

    Parameters
    ----------
    scheme : one of ``INIT_SCHEMES``
    shape : (fan_out, fan_in)
    rng : the generator every draw comes from, so a seed reproduces the network
    params : ``value`` (constant), ``low``/``high`` (uniform), ``std`` (normal)
    """
    check_init_scheme(scheme)
    fan_out, fan_in = shape
    p = {**INIT_PARAMETERS[scheme], **params}
    if scheme == "constant":
        return np.full(shape, float(p["value"]))
    if scheme == "uniform":
        return rng.uniform(p["low"], p["high"], size=shape)
    if scheme == "normal":
        return rng.normal(0.0, p["std"], size=shape)
    if scheme == "xavier_uniform":
        bound = math.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-bound, bound, size=shape)
    if scheme == "xavier_normal":
        return rng.normal(0.0, math.sqrt(2.0 / (fan_in + fan_out)), size=shape)
    if scheme == "he_uniform":
        bound = math.sqrt(6.0 / fan_in)
        return rng.uniform(-bound, bound, size=shape)
    if scheme == "he_normal":
        return rng.normal(0.0, math.sqrt(2.0 / fan_in), size=shape)
    raise AssertionError(f"initialiser {scheme!r} is listed but not drawn")


def init_network_weights(widths, spec: InitSpec) -> list[np.ndarray]:
    """All weight matrices of a network with layer ``widths`` (input first), drawn from one seeded generator."""
    rng = np.random.default_rng(spec.seed)
    return [init_weights(spec.scheme, (widths[i + 1], widths[i]), rng, **spec.params) for i in range(len(widths) - 1)]
