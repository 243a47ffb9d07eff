"""Per-layer gradient magnitudes, the gradient-health verdict, and the log scale used for colour."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .activations import get_activation
from .choices import check_name
from .format import format_factor

#: Magnitudes at or below this are drawn at the bottom of a log scale (and zeros are marked as zero).
LOG_FLOOR = 1e-300
#: A colour scale spans at least this many powers of ten, so a tiny spread is not stretched to the whole map.
MIN_DECADES = 4
#: Default colour scale when a pass has no finite non-zero gradient: 1e-8 ... 1.
DEFAULT_DECADES = (-8, 0)

MEASURES = ("mean_abs_grad_w", "max_abs_grad_w", "norm_grad_w")
#: What each measure is called on screen.
MEASURE_LABELS = {"mean_abs_grad_w": "mean |∂L/∂w|", "max_abs_grad_w": "max |∂L/∂w|", "norm_grad_w": "‖∂L/∂W‖₂"}


def check_measure(name) -> str:
    """``name`` when it is one of ``MEASURES``; else an ``UnknownNameError`` naming them. The one check of a
    measure name."""
    return check_name("measure", name, MEASURES)


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


def mean_abs(abs_values: np.ndarray) -> float:
    """mean(v) of non-negative values, scaled by the largest so the sum cannot overflow when the mean does not."""
    largest = abs_values.max()
    if not np.isfinite(largest) or largest == 0.0:
        return float(largest)
    with np.errstate(under="ignore"):
        return float(largest * np.mean(abs_values / largest))


def grad_stats(grad_w: np.ndarray) -> GradStats:
    """mean |g|, max |g| and the L2 (Frobenius) norm of a weight gradient."""
    g = np.abs(np.asarray(grad_w, dtype=np.float64))
    with np.errstate(over="ignore", invalid="ignore"):
        return GradStats(mean_abs(g), float(g.max()), l2_norm(g))


def record_stats(record) -> list[GradStats | None]:
    """Stats of every layer of a pass record; None for layers the backward pass has not reached."""
    return [grad_stats(layer.grad_w) if layer.backward_done else None for layer in record.layers]


#: The verdict's rule, in one place (README "Gradient health verdict"). The gradient's mean size per
#: layer, g_l = mean |∂L/∂W_l|, is followed over the span of layers 1..L−1 (1..2 when L = 2): the output
#: layer is left out because its gradient is set by the loss, not by depth. The per-layer factor is
#: f = (g_first / g_last) ** (1 / (n − 1)) over the span's n layers, the mean factor by which the
#: gradient grows from one layer to the one below it.
#: f below this: the gradient "vanishes" (it halves, or worse, with every layer it goes down).
VANISHING_FACTOR = 0.5
#: f above this, or any non-finite gradient: it "explodes" (it doubles, or worse, per layer).
EXPLODING_FACTOR = 2.0

VANISHING = "vanishing"
EXPLODING = "exploding"
HEALTHY = "healthy"
NO_GRADIENT = "no gradient"
NOT_COMPUTED = "unknown"
#: Every verdict gradient_health can give.
VERDICTS = (VANISHING, EXPLODING, HEALTHY, NO_GRADIENT, NOT_COMPUTED)

_LOG_MAX_FLOAT = math.log(np.finfo(np.float64).max)


@dataclass(frozen=True)
class Health:
    """The gradient-health verdict of a pass and the per-layer factor f it rests on.

    ``per_layer_factor`` is None where f is undefined: a single weight layer, a non-finite gradient,
    no gradient at all, or a pass whose backward pass has not reached layer 1 (``verdict`` "unknown").
    It is ``inf`` or 0 when exactly one end of the span has a zero gradient.
    """

    verdict: str
    per_layer_factor: float | None = None
    finite: bool = True

    @property
    def computed(self) -> bool:
        return self.verdict != NOT_COMPUTED

    def describe(self) -> str:
        """The verdict in words, e.g. "the gradient shrinks about 9.1× per layer: vanishing"."""
        f = self.per_layer_factor
        if self.verdict == NOT_COMPUTED:
            return "shown once the backward pass reaches layer 1"
        if self.verdict == NO_GRADIENT:
            return "no gradient reaches the layers (∂L/∂w is exactly 0): no gradient"
        if not self.finite:
            return f"some gradients are not finite (overflow): {self.verdict}"
        if f is None:
            return f"a single weight layer, no depth for the gradient to change over: {self.verdict}"
        if f == 0.0:
            return f"no gradient reaches layer 1: {self.verdict}"
        if self.verdict == VANISHING:
            return f"the gradient shrinks about {format_factor(1.0 / f)} per layer: {self.verdict}"
        if self.verdict == EXPLODING:
            return f"the gradient grows about {format_factor(f)} per layer: {self.verdict}"
        return f"the gradient keeps its size (about {format_factor(f)} per layer): {self.verdict}"


#: The verdict of a pass whose backward pass has not reached layer 1 yet (nothing is given away early).
NOT_COMPUTED_HEALTH = Health(NOT_COMPUTED)


def verdict_span(depth: int) -> tuple[int, int]:
    """The first and last layer (1-based) the verdict compares: 1..L−1, or 1..2 when L = 2, 1..1 when L = 1."""
    if depth <= 2:
        return 1, depth
    return 1, depth - 1


def health_from_magnitudes(mean_abs_grads) -> Health:
    """The verdict for the per-layer mean |∂L/∂W_l| of a whole pass (layers 1..L, in order).

    Computed in logs, so f is right (or inf/0) even where g_first / g_last would overflow.
    """
    g = [float(v) for v in mean_abs_grads]
    if not all(math.isfinite(v) for v in g):
        return Health(EXPLODING, None, finite=False)
    first, last = verdict_span(len(g))
    g_first, g_last = g[first - 1], g[last - 1]
    if g_first == 0.0 and g_last == 0.0:
        return Health(NO_GRADIENT, None)
    n = last - first + 1
    if n == 1:
        return Health(HEALTHY, None)
    if g_last == 0.0:
        return Health(EXPLODING, math.inf)
    if g_first == 0.0:
        return Health(VANISHING, 0.0)
    log_factor = (math.log(g_first) - math.log(g_last)) / (n - 1)
    factor = math.exp(log_factor) if log_factor < _LOG_MAX_FLOAT else math.inf
    if log_factor < math.log(VANISHING_FACTOR):
        return Health(VANISHING, factor)
    if log_factor > math.log(EXPLODING_FACTOR):
        return Health(EXPLODING, factor)
    return Health(HEALTHY, factor)


def gradient_health(record) -> Health:
    """The verdict of a pass record by the rule above; "unknown" until the backward pass reaches layer 1."""
    if not record.complete:
        return NOT_COMPUTED_HEALTH
    return health_from_magnitudes(grad_stats(layer.grad_w).mean_abs_grad_w for layer in record.layers)


def decade_range(magnitudes, min_decades: int = MIN_DECADES, max_decades: int | None = None) -> tuple[int, int]:
    """Whole powers of ten ``(lo, hi)`` that bracket the finite non-zero ``magnitudes``.

    The span is at least ``min_decades``; the top is kept and the bottom extended. With ``max_decades``
    the span is at most that: the top is kept and the bottom raised (smaller values sit at the bottom of
    the scale, as :func:`log_position` clips them).
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
    if max_decades is not None:
        lo = max(lo, hi - max(max_decades, min_decades))
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


def skip_gradient(record, layer: int) -> float | None:
    """The gradient that flows through the skip connection of ``layer``: mean over samples and units of |δ_l|.

    The rule the diagram colours a skip arc by. The skip adds a_(l-1) to layer l's output, so it carries back
    what reaches layer l; we take δ_l = ∂L/∂z_l, the gradient the record holds for that layer, and average
    its magnitude like the edges' mean |∂L/∂w|. None until the backward pass has computed layer ``layer``.
    """
    delta = record.layers[layer - 1].delta
    if delta is None:
        return None
    with np.errstate(invalid="ignore", over="ignore"):
        return float(np.mean(np.abs(np.asarray(delta))))


def mean_relative_slope(record, layer: int, units) -> np.ndarray:
    """Mean f'(z) over the samples of ``units`` of ``layer`` (1-based), relative to the activation's largest
    slope: 1 where the unit passes gradients at full strength, near 0 where it is saturated."""
    layer_record = record.layers[layer - 1]
    activation = get_activation(layer_record.activation)
    with np.errstate(invalid="ignore", over="ignore"):
        slope = np.mean(activation.derivative(np.asarray(layer_record.z)[:, units]), axis=0)
    return slope / activation.max_slope
