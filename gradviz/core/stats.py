"""Per-layer gradient magnitudes, the gradient-health verdict, and the log scale used for colour."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: Magnitudes at or below this are drawn at the bottom of a log scale (and zeros are marked as zero).
LOG_FLOOR = 1e-300
#: Ratio of the first layer's mean |grad| to the last layer's below which gradients "vanish".
VANISHING_RATIO = 1e-2
#: ... and above which they "explode".
EXPLODING_RATIO = 1e2
#: A colour scale spans at least this many powers of ten, so a tiny spread is not stretched to the whole map.
MIN_DECADES = 4
#: Default colour scale when a pass has no finite non-zero gradient: 1e-8 ... 1.
DEFAULT_DECADES = (-8, 0)

MEASURES = ("mean_abs_grad_w", "max_abs_grad_w", "norm_grad_w")
MEASURE_LABELS = {"mean_abs_grad_w": "mean |∂L/∂w|", "max_abs_grad_w": "max |∂L/∂w|", "norm_grad_w": "‖∂L/∂W‖₂"}


@dataclass(frozen=True)
class GradStats:
    """Magnitude of one layer's weight gradient. NaN or inf where the gradient is not finite."""

    mean_abs_grad_w: float
    max_abs_grad_w: float
    norm_grad_w: float

    def measure(self, name: str) -> float:
        return getattr(self, name)


def l2_norm(abs_values: np.ndarray) -> float:
    """sqrt(sum(v^2)) of non-negative values, scaled by the largest so it overflows only when the norm does."""
    largest = abs_values.max()
    if not np.isfinite(largest) or largest == 0.0:
        return float(largest)
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        scaled = abs_values / largest
        return float(largest * np.sqrt(np.sum(scaled * scaled)))


def grad_stats(grad_w: np.ndarray) -> GradStats:
    """mean |g|, max |g| and the L2 (Frobenius) norm of a weight gradient."""
    g = np.abs(np.asarray(grad_w, dtype=np.float64))
    with np.errstate(over="ignore", invalid="ignore"):
        return GradStats(float(g.mean()), float(g.max()), l2_norm(g))


def record_stats(record) -> list[GradStats | None]:
    """Stats of every layer of a pass record; None for layers the backward pass has not reached."""
    return [grad_stats(layer.grad_w) if layer.backward_done else None for layer in record.layers]


@dataclass(frozen=True)
class Health:
    """How the first layer's mean |grad| compares with the last layer's."""

    ratio: float | None
    verdict: str  # "vanishing", "exploding", "healthy", "no gradient", "non-finite" or "unknown"

    def describe(self) -> str:
        if self.verdict == "unknown":
            return "Gradient health: shown once the backward pass is complete"
        if self.verdict == "no gradient":
            return "Gradient health: no gradient at all (the first and last layers' ∂L/∂w are exactly 0)"
        if self.verdict == "non-finite":
            return "Gradient health: non-finite gradients (overflow): exploding"
        ratio = "∞" if self.ratio == math.inf else f"{self.ratio:.3g}"
        return f"Gradient health: first/last layer mean |∂L/∂w| = {ratio}: {self.verdict}"


def gradient_health(record) -> Health:
    if not record.complete:
        return Health(None, "unknown")
    first = grad_stats(record.layers[0].grad_w).mean_abs_grad_w
    last = grad_stats(record.layers[-1].grad_w).mean_abs_grad_w
    if not (math.isfinite(first) and math.isfinite(last)):
        return Health(None, "non-finite")
    if last == 0.0:
        return Health(math.inf, "exploding") if first > 0 else Health(None, "no gradient")
    ratio = first / last
    verdict = "vanishing" if ratio < VANISHING_RATIO else "exploding" if ratio > EXPLODING_RATIO else "healthy"
    return Health(ratio, verdict)


def decade_range(magnitudes, min_decades: int = MIN_DECADES) -> tuple[int, int]:
    """Whole powers of ten ``(lo, hi)`` that bracket the finite non-zero ``magnitudes``.

    The span is at least ``min_decades``; the top is kept and the bottom extended.
    """
    m = np.abs(np.asarray(magnitudes, dtype=np.float64)).ravel()
    m = m[np.isfinite(m) & (m > LOG_FLOOR)]
    if m.size == 0:
        return DEFAULT_DECADES
    lo = math.floor(math.log10(m.min()))
    hi = math.ceil(math.log10(m.max()))
    if hi == lo:
        hi += 1
    lo = min(lo, hi - min_decades)
    return lo, hi


def log_position(magnitudes, decades: tuple[int, int]) -> np.ndarray:
    """Where each magnitude sits on a log scale spanning ``10**lo .. 10**hi``, clipped to [0, 1].

    Zeros map to 0 (callers mark them separately); NaN stays NaN.
    """
    lo, hi = decades
    m = np.abs(np.asarray(magnitudes, dtype=np.float64))
    with np.errstate(divide="ignore", invalid="ignore"):
        pos = (np.log10(np.maximum(m, LOG_FLOOR)) - lo) / (hi - lo)
    return np.clip(pos, 0.0, 1.0)


def safe_log10(values, floor: float = LOG_FLOOR) -> np.ndarray:
    """log10 of |values| with zeros (and anything below ``floor``) at log10(floor); NaN stays NaN."""
    v = np.abs(np.asarray(values, dtype=np.float64))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log10(np.maximum(v, floor))
