"""The lab's data sets: Playground's 2-D generators, the 8x8 digits, CSV tables; and the train/test split.

``load_data(DataSpec(...))`` gives a ``DataSet``; ``split_data`` divides it into a seeded training and
test split, with features standardised by the training split's own statistics.
"""

from __future__ import annotations

import gzip
import math
from dataclasses import dataclass

import numpy as np

from ...resource_folder import resource_folder
from .generators import GENERATORS
from .table import MAX_ROWS, DataError, DataSet, parse_csv, read_csv

__all__ = ["DataError", "DataSet", "DataSpec", "Split", "DATA_NAMES", "load_data", "load_digits", "split_data"]

#: Data sets known by name; anything else is the path of a CSV file.
DATA_NAMES = (*GENERATORS, "digits")
DEFAULT_POINTS = 400
MIN_POINTS, MAX_POINTS = 4, MAX_ROWS
MAX_NOISE = 0.5
MAX_TEST_FRACTION = 0.9
#: The bundled digits file, and the most bytes its decompressed text may have (it has about 280 KB).
DIGITS_FILE = "digits.csv.gz"
MAX_DIGITS_TEXT_BYTES = 1 << 20
DIGITS_SAMPLES = 1797
#: The digits' pixels count the pixels set in a 4 x 4 block: 0 to 16.
DIGITS_MAX = 16.0


@dataclass(frozen=True)
class DataSpec:
    """Which data: a name from ``DATA_NAMES`` or a CSV path, and how to draw or split it."""

    name: str
    points: int = DEFAULT_POINTS
    noise: float = 0.0
    seed: int = 0
    test_fraction: float = 0.2

    @property
    def is_file(self) -> bool:
        return self.name not in DATA_NAMES

    def checked(self) -> "DataSpec":
        """This spec, or a ``DataError`` naming the setting out of range."""
        if not MIN_POINTS <= self.points <= MAX_POINTS:
            raise DataError(f"points: must be from {MIN_POINTS} to {MAX_POINTS:,}, got {self.points:,}")
        if not (math.isfinite(self.noise) and 0.0 <= self.noise <= MAX_NOISE):
            raise DataError(f"noise: must be from 0 to {MAX_NOISE}, got {self.noise:g}")
        if not (math.isfinite(self.test_fraction) and 0.0 <= self.test_fraction <= MAX_TEST_FRACTION):
            raise DataError(f"test fraction: must be from 0 to {MAX_TEST_FRACTION}, got {self.test_fraction:g}")
        return self

    def to_json(self) -> dict:
        return {"name": self.name, "points": self.points, "noise": self.noise, "seed": self.seed, "test_fraction": self.test_fraction}


def load_digits() -> DataSet:
    """scikit-learn's 8x8 digits (the UCI optdigits test set): 1,797 samples of 64 pixels 0..16, 10 classes."""
    with resource_folder().joinpath("data").joinpath(DIGITS_FILE).open("rb") as packed, gzip.GzipFile(fileobj=packed) as text:
        raw = text.read(MAX_DIGITS_TEXT_BYTES + 1)
    if len(raw) > MAX_DIGITS_TEXT_BYTES:
        raise DataError(f"{DIGITS_FILE}: the bundled digits file is larger than expected; reinstall gradviz")
    data = parse_csv(raw, DIGITS_FILE, "digits")
    names = tuple(f"pixel {row},{column}" for row in range(8) for column in range(8))
    if data.features.shape != (DIGITS_SAMPLES, 64) or data.features.min() < 0 or data.features.max() > DIGITS_MAX:
        raise DataError(f"{DIGITS_FILE}: the bundled digits file is not the one expected; reinstall gradviz")
    return DataSet("digits", data.features, data.labels, data.class_names, names, (0.0, DIGITS_MAX))


def load_data(spec: DataSpec) -> DataSet:
    """The data set ``spec`` names: generated from its seed, the bundled digits, or a CSV file read."""
    spec.checked()
    if spec.name == "digits":
        return load_digits()
    if spec.name in GENERATORS:
        rng = np.random.default_rng(spec.seed)
        features, labels = GENERATORS[spec.name](spec.points, spec.noise, rng)
        return DataSet(spec.name, features, labels, ("0", "1"), ("x", "y"))
    return read_csv(spec.name)


@dataclass(frozen=True)
class Split:
    """A data set divided into training and test samples, features standardised by the training split.

    ``mean`` and ``scale`` turn raw features into the network's inputs: ``(x - mean) / scale``.
    """

    data: DataSet
    train_x: np.ndarray
    train_y: np.ndarray
    test_x: np.ndarray
    test_y: np.ndarray
    mean: np.ndarray
    scale: np.ndarray

    @property
    def classes(self) -> int:
        return self.data.classes

    def standardised(self, features) -> np.ndarray:
        """Raw features (samples x features) as the network's inputs."""
        return (np.asarray(features, dtype=np.float64) - self.mean) / self.scale

    def __repr__(self):
        return f"Split({self.data.name!r}, train={len(self.train_y)}, test={len(self.test_y)})"


def split_data(data: DataSet, test_fraction: float, seed: int) -> Split:
    """A seeded random split: ``round(test_fraction * samples)`` test samples, at least two training samples.

    Features are standardised with the training split's mean and standard deviation (a feature that does
    not vary there is only centred), or, for data with a known ``value_range``, scaled from it to 0..1.
    """
    samples = data.samples
    tests = min(int(round(test_fraction * samples)), samples - 2)
    if test_fraction > 0 and tests < 1:
        tests = 1 if samples > 2 else 0
    order = np.random.default_rng([seed, 0x5B117]).permutation(samples)
    test_rows, train_rows = np.sort(order[:tests]), np.sort(order[tests:])
    train_y = data.labels[train_rows]
    if len(np.unique(train_y)) < 2:
        raise DataError(f"{data.name}: the training split holds a single class; use a smaller test fraction or more samples")
    raw_train = data.features[train_rows]
    if data.value_range is not None:
        low, high = data.value_range
        mean = np.full(raw_train.shape[1], low)
        scale = np.full(raw_train.shape[1], high - low)
    else:
        mean = raw_train.mean(axis=0)
        scale = raw_train.std(axis=0)
        scale[scale == 0] = 1.0
    return Split(
        data,
        (raw_train - mean) / scale,
        train_y,
        (data.features[test_rows] - mean) / scale,
        data.labels[test_rows],
        mean,
        scale,
    )
