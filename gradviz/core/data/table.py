"""Labelled tables as CSV: numeric feature columns, then a class label (a whole number or a name).

Comma-separated, UTF-8 with or without a byte-order mark, LF or CRLF line ends, an optional header row.
Everything is read with a bound: at most ``MAX_CSV_BYTES`` bytes, ``MAX_ROWS`` rows, ``MAX_FEATURES``
features and ``MAX_CLASSES`` classes. Every problem is one ``DataError`` naming the file, the row and
the column (rows and columns counted from 1, as a spreadsheet shows them).
"""

from __future__ import annotations

import csv
import json
import math
import os
import stat
from dataclasses import dataclass

import numpy as np

from ..format import reads_as_number

MAX_CSV_BYTES = 64 * 1024 * 1024
MAX_ROWS = 100_000
MAX_FEATURES = 1024
MAX_CLASSES = 100


class DataError(ValueError):
    """A data set that cannot be used; the message names the file, row, column or setting at fault."""


@dataclass(frozen=True)
class DataSet:
    """Samples with a class each: ``features`` (samples x features, float64) and ``labels`` (0..classes-1).

    ``class_names[k]`` is how the source names class ``k``; ``feature_names`` are the header's, or
    x1, x2, ... without one. ``value_range`` is the (low, high) every feature is known to lie in, when
    the source says so (the digits' pixels, 0 to 16): the split then scales by it instead of by the
    training split's statistics.
    """

    name: str
    features: np.ndarray
    labels: np.ndarray
    class_names: tuple[str, ...]
    feature_names: tuple[str, ...]
    value_range: tuple[float, float] | None = None

    @property
    def classes(self) -> int:
        return len(self.class_names)

    @property
    def samples(self) -> int:
        return len(self.labels)

    def __repr__(self):
        return f"DataSet({self.name!r}, samples={self.samples}, features={self.features.shape[1]}, classes={self.classes})"


def read_csv(path, name: str | None = None) -> DataSet:
    """The labelled table in the CSV file at ``path`` (see the module's notes); ``DataError`` if unusable."""
    shown = os.fspath(path)
    try:
        info = os.stat(path)
    except OSError as exc:
        raise DataError(f"{shown}: cannot read it ({exc.strerror or exc})") from None
    if stat.S_ISDIR(info.st_mode):
        raise DataError(f"{shown}: is a folder, not a CSV file")
    if not stat.S_ISREG(info.st_mode):
        # A FIFO or a device would block or never end: refuse it before opening.
        raise DataError(f"{shown}: is not a regular file (a pipe, socket or device); save the table to a file first")
    if info.st_size > MAX_CSV_BYTES:
        raise DataError(f"{shown}: is {info.st_size:,} bytes, more than the {MAX_CSV_BYTES:,} a CSV file may have")
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_CSV_BYTES + 1)
    except OSError as exc:
        raise DataError(f"{shown}: cannot read it ({exc.strerror or exc})") from None
    if len(raw) > MAX_CSV_BYTES:
        raise DataError(f"{shown}: is more than the {MAX_CSV_BYTES:,} bytes a CSV file may have")
    return parse_csv(raw, shown, name or os.path.splitext(os.path.basename(shown))[0])


def parse_csv(raw: bytes, source: str, name: str) -> DataSet:
    """The labelled table in ``raw`` (the bytes of a CSV file); ``source`` names it in messages."""
    if b"\0" in raw:
        raise DataError(f"{source}: is binary data (it holds NUL bytes), not a CSV text file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError(f"{source}: row {line:,} is not UTF-8 text (byte {exc.start + 1:,})") from None
    if _is_json(text):
        raise DataError(
            f"{source}: holds JSON, not a CSV table of numeric features followed by a class label "
            "(a lab session saved by gradviz opens in the window: File > Open)"
        )
    rows = []  # (row number in the file, fields)
    for number, fields in enumerate(csv.reader(text.splitlines()), start=1):
        if not fields or all(not f.strip() for f in fields):
            continue
        rows.append((number, [f.strip() for f in fields]))
        if len(rows) > MAX_ROWS + 1:  # one more than the limit, as the first may be a header
            raise DataError(f"{source}: row {number:,} is beyond the {MAX_ROWS:,} rows a data set may have")
    if not rows:
        raise DataError(f"{source}: is empty; it needs rows of numeric features followed by a class label")
    columns = len(rows[0][1])
    if columns < 2:
        raise DataError(f"{source}: row {rows[0][0]:,} has 1 column; it needs at least one feature and a class label")
    if columns - 1 > MAX_FEATURES:
        raise DataError(f"{source}: row {rows[0][0]:,} has {columns - 1:,} feature columns, more than the {MAX_FEATURES:,} allowed")
    header = None
    if not all(reads_as_number(f) for f in rows[0][1][:-1]):
        header = rows[0][1]
        rows = rows[1:]
        if not rows:
            raise DataError(f"{source}: has a header row but no data rows")
    if len(rows) > MAX_ROWS:
        raise DataError(f"{source}: row {rows[MAX_ROWS][0]:,} is beyond the {MAX_ROWS:,} rows a data set may have")
    for number, fields in rows:
        if len(fields) != columns:
            raise DataError(f"{source}: row {number:,} has {len(fields)} columns where the first row has {columns}")
    features = _numeric_features(rows, columns, source)
    labels, class_names = _class_labels([fields[-1] for _, fields in rows], [n for n, _ in rows], columns, source)
    feature_names = tuple(header[:-1]) if header else tuple(f"x{j + 1}" for j in range(columns - 1))
    return DataSet(name, features, labels, class_names, feature_names)


def _is_json(text: str) -> bool:
    """Whether ``text`` is a JSON object or list (a network or lab session file given for a table)."""
    if text.lstrip()[:1] not in ("{", "["):
        return False
    try:
        json.loads(text)
    except (ValueError, RecursionError):
        return False
    return True


def _numeric_features(rows, columns: int, source: str) -> np.ndarray:
    try:
        features = np.array([fields[:-1] for _, fields in rows], dtype=np.float64)
    except ValueError:
        features = None
    if features is not None and np.isfinite(features).all():
        return features.reshape(len(rows), columns - 1)
    for number, fields in rows:  # only to name the culprit
        for column, text in enumerate(fields[:-1], start=1):
            try:
                value = float(text)
            except ValueError:
                shown = text if len(text) <= 40 else text[:37] + "..."
                raise DataError(f"{source}: row {number:,}, column {column} is {shown!r}, not a number") from None
            if not math.isfinite(value):
                raise DataError(f"{source}: row {number:,}, column {column} is {text!r}; features must be finite numbers")
    raise DataError(f"{source}: a feature is not a finite number")  # not reached: the loop names it


def _class_labels(texts: list[str], numbers: list[int], columns: int, source: str) -> tuple[np.ndarray, tuple[str, ...]]:
    for number, text in zip(numbers, texts):
        if not text:
            raise DataError(f"{source}: row {number:,}, column {columns} (the class label) is empty")
    try:
        whole = [int(t) for t in texts]
    except ValueError:
        whole = None
    if whole is not None:
        values = sorted(set(whole))
        names = tuple(str(v) for v in values)
        index = {v: k for k, v in enumerate(values)}
        labels = np.array([index[v] for v in whole], dtype=np.int64)
    else:
        names = tuple(sorted(set(texts)))
        index = {v: k for k, v in enumerate(names)}
        labels = np.array([index[t] for t in texts], dtype=np.int64)
    if len(names) < 2:
        raise DataError(f"{source}: column {columns} (the class label) has a single class, {names[0]!r}; it needs at least two")
    if len(names) > MAX_CLASSES:
        raise DataError(f"{source}: column {columns} (the class label) has {len(names):,} classes, more than the {MAX_CLASSES} allowed")
    return labels, names
