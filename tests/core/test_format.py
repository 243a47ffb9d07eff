"""The one number formatter: expected strings written out by hand from the module's rule."""

import math

import pytest

from gradviz.core.format import (
    format_bound, format_decimals, format_factor, format_number, format_power, format_power_of_ten, one_line,
    reads_as_number,
)


@pytest.mark.parametrize(
    "value, digits, expected",
    [
        (0.000423584, 3, "0.000424"),
        (-0.00387, 3, "−0.00387"),
        (-0.032004, 3, "−0.0320"),
        (1234.5, 3, "1234"),
        (9.996, 3, "10.0"),
        (1.0, 3, "1.00"),
        (-0.0, 3, "0"),
        (0.0, 6, "0"),
        (4.2358e-5, 3, "4.24e−5"),
        (123456.0, 3, "1.23e5"),
        (-2.5e-300, 2, "−2.5e−300"),
        (9999.6, 3, "1.00e4"),
        (0.0001, 2, "0.00010"),
        (0.000423584, 6, "0.000423584"),
        (math.nan, 3, "NaN"),
        (math.inf, 3, "∞"),
        (-math.inf, 6, "−∞"),
    ],
)
def test_format_number(value, digits, expected):
    assert format_number(value, digits) == expected


def test_trailing_zeros_can_be_dropped():
    assert format_number(-0.00387, 6, trailing_zeros=False) == "−0.00387"
    assert format_number(2.0, 6, trailing_zeros=False) == "2"
    assert format_number(1.5e-7, 6, trailing_zeros=False) == "1.5e−7"


def test_no_hyphen_minus_anywhere():
    for value in (-1e-9, -0.5, -3.0, -1e9, -math.inf):
        assert "-" not in format_number(value)


@pytest.mark.parametrize("exponent, expected", [(0, "1"), (1, "10"), (2, "10²"), (-3, "10⁻³"), (-12, "10⁻¹²")])
def test_format_power_of_ten(exponent, expected):
    assert format_power_of_ten(exponent) == expected


def test_format_factor():
    assert format_factor(9.09) == "9.1×"
    assert format_factor(45.2) == "45×"
    assert format_factor(2.2e8) == "2.2e8×"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("\x1b[31m", "\\x1b[31m"),
        ("a\nb", "a\\nb"),
        ("\ud800", "\\ud800"),
        ("tab\tand\r", "tab\\tand\\r"),
        ("\x7f\x00", "\\x7f\\x00"),
        ("\u202eevil", "\\u202eevil"),
        ("line\u2028sep", "line\\u2028sep"),
        ("∂L/∂w ü 日本 🙂", "∂L/∂w ü 日本 🙂"),
    ],
)
def test_one_line_escapes_what_would_break_a_terminal_line(text, expected):
    assert one_line(text) == expected
    one_line(text).encode("utf-8")


@pytest.mark.parametrize(
    "value, decimals, expected",
    [
        (0.006648056670790155, 8, "0.00664806"),  # the tutorial's sigmoid'(5)
        (4.4196e-05, 8, "0.00004420"),
        (2.938e-07, 8, "0.00000029"),
        (1.95e-09, 8, "0.00000000"),
        (-1e-12, 8, "0.00000000"),  # rounds to zero: no minus sign
        (1.0, 8, "1.00000000"),
        (-0.5, 2, "\u22120.50"),
        (float("nan"), 8, "NaN"),
        (float("-inf"), 8, "\u2212∞"),
    ],
)
def test_format_decimals(value, decimals, expected):
    assert format_decimals(value, decimals) == expected


@pytest.mark.parametrize(
    "value, expected",
    [
        (0.006648056670790155, "6.65×10⁻³"),
        (4.4196e-05, "4.42×10⁻⁵"),
        (1.0, "1.00×10⁰"),
        (-250.0, "\u22122.50×10²"),
        (0.009996, "1.00×10⁻²"),  # rounding carries into the exponent
        (1e-300, "1.00×10⁻³⁰⁰"),
        (0.0, "0"),
        (float("inf"), "∞"),
    ],
)
def test_format_power(value, expected):
    assert format_power(value) == expected


@pytest.mark.parametrize(
    ("bound", "expected"),
    [(1e6, "1,000,000"), (10.0, "10"), (0.0, "0"), (100_000, "100,000"), (0.5, "0.5"), (0.9, "0.9"), (1e-9, "1e-09"), (1e300, "1e+300")],
)
def test_format_bound_writes_limits_as_people_do(bound, expected):
    assert format_bound(bound) == expected


@pytest.mark.parametrize(
    "text, expected",
    [("-5", True), ("-1e3", True), (" 2.5 ", True), ("nan", True), ("-inf", True), ("1_000", True),
     ("", False), ("-", False), ("--seed", False), ("1,5", False), ("0x10", False), ("five", False)],
)
def test_reads_as_number_is_what_float_accepts(text, expected):
    assert reads_as_number(text) is expected
