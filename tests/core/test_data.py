"""The lab's data: each generator against its formula, the bundled digits, the split, and CSV import.

Expected values come from the formulas of TensorFlow Playground's dataset.ts and scikit-learn's
make_moons written out here, from the digits file read with the standard library, and from hand counts.
"""

from __future__ import annotations

import csv
import gzip
import math
import os

import numpy as np
import pytest

from gradviz.resource_folder import resource_folder
from gradviz.core.data import DataError, DataSpec, load_data, load_digits, split_data
from gradviz.core.data import table
from gradviz.core.data.generators import circles, gauss, gauss_variance, moons, spiral, xor


def test_spiral_points_follow_playgrounds_formula_exactly_without_noise():
    xy, labels = spiral(10, 0.0, np.random.default_rng(0))
    n = 5
    expected = []
    for delta_t in (0.0, math.pi):
        for i in range(n):
            r = i / n * 5
            t = 1.75 * i / n * 2 * math.pi + delta_t
            expected.append((r * math.sin(t), r * math.cos(t)))
    np.testing.assert_allclose(xy, expected, rtol=0, atol=1e-12)
    assert labels.tolist() == [1] * 5 + [0] * 5


def test_spiral_noise_moves_each_point_at_most_noise_in_each_direction():
    clean, _ = spiral(200, 0.0, np.random.default_rng(1))
    noisy, _ = spiral(200, 0.3, np.random.default_rng(1))
    moved = np.abs(noisy - clean)
    assert moved.max() <= 0.3 and moved.max() > 0.2


def test_xor_points_lie_outside_the_padding_and_take_the_sign_of_x_times_y():
    xy, labels = xor(500, 0.0, np.random.default_rng(2))
    assert np.all((np.abs(xy) >= 0.3) & (np.abs(xy) <= 5.3))
    assert labels.tolist() == [int(x * y >= 0) for x, y in xy]
    assert 0.4 < labels.mean() < 0.6


def test_circles_put_half_the_points_inside_radius_2_5_and_half_in_the_ring_from_3_5_to_5():
    xy, labels = circles(400, 0.0, np.random.default_rng(3))
    radius = np.hypot(xy[:, 0], xy[:, 1])
    assert np.all(radius[:200] <= 2.5) and np.all((radius[200:] >= 3.5) & (radius[200:] <= 5.0))
    assert labels.tolist() == [1] * 200 + [0] * 200


def test_circles_with_noise_label_the_moved_point_so_some_labels_disagree_with_the_radius():
    xy, labels = circles(400, 0.5, np.random.default_rng(3))
    radius = np.hypot(xy[:, 0], xy[:, 1])
    assert np.any(labels != (radius < 2.5))


def test_gauss_draws_two_clouds_of_playgrounds_variance_around_plus_and_minus_two():
    assert gauss_variance(0.0) == 0.5 and gauss_variance(0.5) == 4.0
    xy, labels = gauss(20000, 0.0, np.random.default_rng(4))
    positive, negative = xy[labels == 1], xy[labels == 0]
    np.testing.assert_allclose(positive.mean(axis=0), [2, 2], atol=0.03)
    np.testing.assert_allclose(negative.mean(axis=0), [-2, -2], atol=0.03)
    np.testing.assert_allclose(positive.var(axis=0), [0.5, 0.5], rtol=0.05)


def test_moons_lie_on_make_moons_half_circles_without_noise():
    xy, labels = moons(10, 0.0, np.random.default_rng(5))
    t = np.linspace(0, math.pi, 5)
    expected = np.concatenate([np.c_[np.cos(t), np.sin(t)], np.c_[1 - np.cos(t), 0.5 - np.sin(t)]])
    np.testing.assert_allclose(xy, expected, atol=1e-15)
    assert labels.tolist() == [0] * 5 + [1] * 5


def test_a_seed_reproduces_a_generated_data_set_and_another_seed_does_not():
    a = load_data(DataSpec("xor", points=50, noise=0.1, seed=7))
    b = load_data(DataSpec("xor", points=50, noise=0.1, seed=7))
    c = load_data(DataSpec("xor", points=50, noise=0.1, seed=8))
    assert np.array_equal(a.features, b.features) and np.array_equal(a.labels, b.labels)
    assert not np.array_equal(a.features, c.features)


def test_the_bundled_digits_are_1797_rows_of_64_pixels_from_0_to_16_in_10_classes():
    digits = load_digits()
    assert digits.features.shape == (1797, 64)
    assert digits.features.min() == 0 and digits.features.max() == 16
    assert np.array_equal(digits.features, np.round(digits.features))
    assert digits.classes == 10 and digits.class_names == tuple(str(k) for k in range(10))
    # The same file read with the standard library alone.
    with resource_folder().joinpath("data").joinpath("digits.csv.gz").open("rb") as packed:
        rows = list(csv.reader(gzip.decompress(packed.read()).decode("ascii").splitlines()))
    assert np.array_equal(digits.features, np.array([[float(v) for v in r[:64]] for r in rows]))
    assert digits.labels.tolist() == [int(r[64]) for r in rows]
    assert np.bincount(digits.labels).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]


def test_the_split_is_seeded_disjoint_and_standardised_by_the_training_split():
    data = load_data(DataSpec("moons", points=100, noise=0.1))
    a, b = split_data(data, 0.2, seed=3), split_data(data, 0.2, seed=3)
    assert len(a.train_y) == 80 and len(a.test_y) == 20
    assert np.array_equal(a.train_x, b.train_x) and np.array_equal(a.test_y, b.test_y)
    np.testing.assert_allclose(a.train_x.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(a.train_x.std(axis=0), 1, atol=1e-12)
    rows = {tuple(r) for r in a.standardised(data.features).round(12)}
    assert {tuple(r) for r in a.train_x.round(12)} | {tuple(r) for r in a.test_x.round(12)} == rows
    assert not np.array_equal(split_data(data, 0.2, seed=4).test_x, a.test_x)


def test_the_digits_are_scaled_by_their_known_range_not_standardised():
    split = split_data(load_digits(), 0.2, 0)
    assert split.train_x.min() == 0.0 and split.train_x.max() == 1.0
    assert len(split.train_y) == 1438 and len(split.test_y) == 359


# ------------------------------------------------------------------------------------------------ CSV


def write(tmp_path, content, name="data.csv"):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


def test_a_csv_round_trip_keeps_every_value_and_label(tmp_path):
    rng = np.random.default_rng(0)
    features = rng.normal(size=(30, 3)) * 10.0 ** rng.integers(-5, 5, size=(30, 3))
    labels = rng.integers(0, 3, size=30)
    text = "a,b,c,label\r\n" + "".join(",".join(repr(float(v)) for v in row) + f",{k}\r\n" for row, k in zip(features, labels))
    data = table.read_csv(write(tmp_path, b"\xef\xbb\xbf" + text.encode()))
    assert np.array_equal(data.features, features)
    assert data.labels.tolist() == labels.tolist()
    assert data.feature_names == ("a", "b", "c") and data.class_names == ("0", "1", "2")


def test_csv_class_names_become_classes_in_sorted_order_without_a_header(tmp_path):
    data = table.read_csv(write(tmp_path, "1,2,setosa\n3,4,virginica\n5,6,setosa\n"))
    assert data.class_names == ("setosa", "virginica") and data.labels.tolist() == [0, 1, 0]
    assert data.feature_names == ("x1", "x2")
    assert data.features.tolist() == [[1, 2], [3, 4], [5, 6]]


def test_a_csv_file_trains_in_the_lab(tmp_path):
    from gradviz.core.lab import Lab, LabConfig, LaneSpec

    rng = np.random.default_rng(1)
    points = rng.normal(size=(60, 2))
    rows = "".join(f"{float(x)!r},{float(y)!r},{'yes' if x + y > 0 else 'no'}\n" for x, y in points)
    path = write(tmp_path, "x,y,class\n" + rows)
    lab = Lab(LabConfig(DataSpec(str(path)), (4,), (LaneSpec("relu", "relu"),), epochs=3))
    lab.run()
    assert lab.to_json()["data"] == {"name": "data", "features": 2, "classes": 2, "train": 48, "test": 12}


@pytest.mark.parametrize(
    "content, message",
    [
        ("", "data.csv: is empty"),
        ("\n\n", "data.csv: is empty"),
        ("x,y,label\n", "data.csv: has a header row but no data rows"),
        ("1,2,0\n3,4\n", "data.csv: row 2 has 2 columns where the first row has 3"),
        ("1,2,0\n3,nan,1\n", "data.csv: row 2, column 2 is 'nan'; features must be finite numbers"),
        ("1,2,0\n3,-inf,1\n", "data.csv: row 2, column 2 is '-inf'; features must be finite numbers"),
        ("1,2,0\n3,abc,1\n", "data.csv: row 2, column 2 is 'abc', not a number"),
        ("1,2,a\n3,4,a\n", "data.csv: column 3 (the class label) has a single class, 'a'; it needs at least two"),
        ("1,2,0\n3,4,\n", "data.csv: row 2, column 3 (the class label) is empty"),
        ("5\n6\n", "data.csv: row 1 has 1 column; it needs at least one feature and a class label"),
        (b"1,2,0\n\x00\x01\x02", "data.csv: is binary data (it holds NUL bytes), not a CSV text file"),
        (b"1,2,0\n3,\xff,1\n", "data.csv: row 2 is not UTF-8 text (byte 9)"),
        ('{"format": "gradviz-lab", "lanes": []}', "data.csv: holds JSON, not a CSV table of numeric features followed by a class label"),
        ("  [1, 2]\n", "data.csv: holds JSON, not a CSV table"),
    ],
)
def test_every_bad_csv_is_one_message_naming_the_row_or_column(tmp_path, content, message):
    with pytest.raises(DataError) as caught:
        table.read_csv(write(tmp_path, content))
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_a_header_in_brackets_is_still_a_header_not_json(tmp_path):
    data = table.read_csv(write(tmp_path, "[x],[y],label\n1,2,a\n3,4,b\n"))
    assert data.feature_names == ("[x]", "[y]") and data.features.tolist() == [[1.0, 2.0], [3.0, 4.0]]


def test_a_csv_with_too_many_rows_names_the_first_row_beyond_the_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(table, "MAX_ROWS", 5)
    with pytest.raises(DataError, match=r"row 7 is beyond the 5 rows"):
        table.read_csv(write(tmp_path, "a,b,c\n" + "1,2,0\n3,4,1\n" * 3))


def test_a_csv_with_100001_rows_is_refused_and_100000_are_read(tmp_path):
    rows = "0.5,1\n1.5,0\n" * 50_000
    assert table.read_csv(write(tmp_path, "x,label\n" + rows)).samples == 100_000
    with pytest.raises(DataError, match=r"row 100,002 is beyond the 100,000 rows"):
        table.read_csv(write(tmp_path, "x,label\n" + rows + "2.5,1\n"))


def test_a_csv_with_1025_features_is_refused(tmp_path):
    row = ",".join(["1"] * 1025) + ",0\n"
    with pytest.raises(DataError, match=r"row 1 has 1,025 feature columns, more than the 1,024 allowed"):
        table.read_csv(write(tmp_path, row + row))


def test_a_csv_larger_than_the_byte_bound_is_refused_before_reading(tmp_path, monkeypatch):
    monkeypatch.setattr(table, "MAX_CSV_BYTES", 100)
    with pytest.raises(DataError, match=r"is 120 bytes, more than the 100 a CSV file may have"):
        table.read_csv(write(tmp_path, "1,2,0\n" * 20))


def test_a_folder_a_fifo_and_a_missing_file_are_refused_with_one_line(tmp_path):
    with pytest.raises(DataError, match="is a folder, not a CSV file"):
        table.read_csv(tmp_path)
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    with pytest.raises(DataError, match="is not a regular file"):
        table.read_csv(fifo)  # never opened: opening a FIFO with no writer would block
    with pytest.raises(DataError, match="cannot read it"):
        table.read_csv(tmp_path / "missing.csv")


def test_data_settings_out_of_range_name_the_setting():
    with pytest.raises(DataError, match="points: must be from 4 to 100,000, got 2"):
        load_data(DataSpec("xor", points=2))
    with pytest.raises(DataError, match="noise: must be from 0 to 0.5, got 0.7"):
        load_data(DataSpec("xor", noise=0.7))
    with pytest.raises(DataError, match="test fraction: must be from 0 to 0.9, got 0.95"):
        load_data(DataSpec("xor", test_fraction=0.95))
