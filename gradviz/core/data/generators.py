"""The 2-D data sets of TensorFlow Playground (xor, circles, gauss, spiral), plus moons.

Each follows Playground's ``dataset.ts`` formula, with its ``noise`` as a fraction (Playground's slider
shows it as a percentage, 0 to 50) and its labels +1/-1 as 1/0. Moons is scikit-learn's ``make_moons``:
two interleaved half circles with Gaussian noise of standard deviation ``noise``. Every draw comes from
one ``np.random.Generator`` seeded with ``seed``, so a seed reproduces the points exactly.
"""

from __future__ import annotations

import math

import numpy as np

#: Playground's circle radius: positives within half of it, negatives from 0.7 of it to all of it.
CIRCLE_RADIUS = 5.0
#: Playground's xor: coordinates uniform in +-5, pushed this far away from each axis.
XOR_PADDING = 0.3


def xor(points: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Uniform in the square of side 10 around 0 (each axis padded by 0.3); label 1 where x y >= 0.

    As in Playground, the label is that of the point moved by uniform noise of +-5 ``noise`` in each
    direction, while the point itself is kept where it was.
    """
    xy = rng.uniform(-5.0, 5.0, size=(points, 2))
    xy += np.where(xy > 0, XOR_PADDING, -XOR_PADDING)
    moved = xy + rng.uniform(-5.0, 5.0, size=(points, 2)) * noise
    return xy, (moved[:, 0] * moved[:, 1] >= 0).astype(np.int64)


def circles(points: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Half the points at radius 0 to 2.5, half at 3.5 to 5; label 1 inside radius 2.5 (after noise)."""
    inner = points // 2
    radius = np.concatenate(
        [rng.uniform(0.0, 0.5 * CIRCLE_RADIUS, inner), rng.uniform(0.7 * CIRCLE_RADIUS, CIRCLE_RADIUS, points - inner)]
    )
    angle = rng.uniform(0.0, 2.0 * math.pi, points)
    xy = np.column_stack([radius * np.sin(angle), radius * np.cos(angle)])
    moved = xy + rng.uniform(-CIRCLE_RADIUS, CIRCLE_RADIUS, size=(points, 2)) * noise
    return xy, (np.hypot(moved[:, 0], moved[:, 1]) < 0.5 * CIRCLE_RADIUS).astype(np.int64)


def gauss_variance(noise: float) -> float:
    """Playground's variance of each Gaussian: 0.5 at no noise, rising linearly to 4 at noise 0.5."""
    return 0.5 + noise / 0.5 * 3.5


def gauss(points: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two Gaussians of variance ``gauss_variance(noise)``: label 1 around (2, 2), label 0 around (-2, -2)."""
    positive = points // 2
    centres = np.repeat(np.array([[2.0, 2.0], [-2.0, -2.0]]), [positive, points - positive], axis=0)
    xy = centres + rng.normal(0.0, math.sqrt(gauss_variance(noise)), size=(points, 2))
    return xy, np.repeat(np.array([1, 0], dtype=np.int64), [positive, points - positive])


def spiral(points: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two arms: point i of n at r = 5 i / n and angle t = 1.75 * 2 pi i / n (+ pi for label 0).

    (x, y) = (r sin t, r cos t) plus uniform noise of +-``noise`` in each direction.
    """
    per_arm = points // 2
    arms = []
    labels = []
    for delta_t, label, count in ((0.0, 1, per_arm), (math.pi, 0, points - per_arm)):
        i = np.arange(count, dtype=np.float64)
        r = i / count * 5.0
        t = 1.75 * i / count * 2.0 * math.pi + delta_t
        arms.append(np.column_stack([r * np.sin(t), r * np.cos(t)]) + rng.uniform(-1.0, 1.0, size=(count, 2)) * noise)
        labels.append(np.full(count, label, dtype=np.int64))
    return np.concatenate(arms), np.concatenate(labels)


def moons(points: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Label 0 on (cos t, sin t), label 1 on (1 - cos t, 0.5 - sin t), t evenly from 0 to pi; Gaussian noise."""
    outer = points // 2
    t_outer = np.linspace(0.0, math.pi, outer)
    t_inner = np.linspace(0.0, math.pi, points - outer)
    xy = np.concatenate(
        [np.column_stack([np.cos(t_outer), np.sin(t_outer)]), np.column_stack([1.0 - np.cos(t_inner), 0.5 - np.sin(t_inner)])]
    )
    xy += rng.normal(0.0, noise, size=xy.shape) if noise > 0 else 0.0
    return xy, np.repeat(np.array([0, 1], dtype=np.int64), [outer, points - outer])


GENERATORS = {"xor": xor, "circles": circles, "gauss": gauss, "spiral": spiral, "moons": moons}
