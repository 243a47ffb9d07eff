"""A lane's measures, epoch by epoch, in bounded arrays (``LaneHistory``)."""

from __future__ import annotations

import math

import numpy as np

#: Most epochs a lane's history keeps; beyond it the older half is thinned to every second epoch.
MAX_HISTORY_EPOCHS = 10_000


class LaneHistory:
    """A lane's measures, epoch by epoch, in arrays of at most ``MAX_HISTORY_EPOCHS`` rows.

    When full, the older half is thinned to every second row (epoch 0 is always kept), so a long run
    keeps its whole span at a coarser grain and memory stays bounded.
    """

    SCALARS = ("loss", "train_accuracy", "test_accuracy")
    LAYERED = ("speed", "update_ratio", "saturated")

    def __init__(self, hidden_layers: int, capacity: int = MAX_HISTORY_EPOCHS):
        self.capacity = int(capacity)
        self.epochs = np.zeros(self.capacity, dtype=np.int64)
        self._scalars = np.full((3, self.capacity), np.nan)
        self._layered = np.full((3, self.capacity, hidden_layers), np.nan)
        self.count = 0

    def append(self, epoch: int, loss, train_accuracy, test_accuracy, speed, update_ratio, saturated) -> None:
        if self.count == self.capacity:
            self._thin()
        k = self.count
        self.epochs[k] = epoch
        self._scalars[:, k] = (loss, train_accuracy, test_accuracy)
        self._layered[:, k] = (speed, update_ratio, saturated)
        self.count = k + 1

    def _thin(self) -> None:
        half = self.count // 2
        keep = np.concatenate([np.arange(0, half, 2), np.arange(half, self.count)])
        kept = len(keep)
        self.epochs[:kept] = self.epochs[keep]
        self._scalars[:, :kept] = self._scalars[:, keep]
        self._layered[:, :kept] = self._layered[:, keep]
        self.count = kept

    def measure(self, name: str) -> np.ndarray:
        """The kept rows of one measure: epochs (1-D) or epochs x hidden layers."""
        if name in self.SCALARS:
            return self._scalars[self.SCALARS.index(name), : self.count]
        return self._layered[self.LAYERED.index(name), : self.count]

    def rows(self) -> list[dict]:
        """The kept epochs as JSON-ready dicts (non-finite numbers as None)."""
        scalars = self._scalars[:, : self.count].T.tolist()
        layered = self._layered[:, : self.count].transpose(1, 0, 2).tolist()
        return [
            {
                "epoch": int(epoch),
                "loss": _finite(s[0]), "train_accuracy": _finite(s[1]), "test_accuracy": _finite(s[2]),
                "speed": [_finite(v) for v in m[0]], "update_ratio": [_finite(v) for v in m[1]],
                "saturated": [_finite(v) for v in m[2]],
            }  # fmt: skip
            for epoch, s, m in zip(self.epochs[: self.count].tolist(), scalars, layered)
        ]

    def kept(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Copies of the kept rows: (epochs, scalars 3 x rows, layered 3 x rows x hidden layers)."""
        k = self.count
        return self.epochs[:k].copy(), self._scalars[:, :k].copy(), self._layered[:, :k].copy()

    @classmethod
    def from_kept(cls, epochs, scalars, layered, capacity: int = MAX_HISTORY_EPOCHS) -> "LaneHistory":
        """A history holding the rows ``kept`` gave (the same numbers, the same thinning to come)."""
        history = cls(layered.shape[2], capacity)
        count = len(epochs)
        history.epochs[:count] = epochs
        history._scalars[:, :count] = scalars
        history._layered[:, :count] = layered
        history.count = count
        return history

    def __repr__(self):
        return f"LaneHistory(epochs={self.count}, capacity={self.capacity})"


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _number(value) -> float:
    return math.nan if value is None else float(value)


def history_from_rows(rows, hidden_layers: int) -> LaneHistory:
    """The history ``LaneHistory.rows`` wrote (None read as NaN); KeyError, TypeError or ValueError if damaged."""
    history = LaneHistory(hidden_layers)
    for row in list(rows)[:MAX_HISTORY_EPOCHS]:
        layered = [[_number(v) for v in row[key]] for key in LaneHistory.LAYERED]
        if any(len(values) != hidden_layers for values in layered):
            raise ValueError(f"each epoch needs {hidden_layers} values per layered measure")
        history.append(int(row["epoch"]), *(_number(row[key]) for key in LaneHistory.SCALARS), *layered)
    return history


