"""The one way gradviz prints a number or a power of ten, on screen, in exports and in the CLI table.

One rule everywhere: NaN prints as ``NaN``, infinities as ``∞`` and ``−∞``, a negative number with the
minus sign U+2212 (``−0.0320``), and −0 as ``0``. Significant digits are kept, trailing zeros included,
so ``format_number(-0.032004)`` is ``−0.0320``. Magnitudes from 1e-4 up to 1e4 print as decimals
(``0.000424``, ``12.3``, ``1234``); others in scientific notation without a plus sign or leading zeros
(``4.24e−5``, ``1.23e5``).
"""

from __future__ import annotations

import math
import unicodedata

#: The minus sign every number is printed with (U+2212, as wide as a plus; a hyphen reads as a dash).
MINUS = "\u2212"
#: Magnitudes in [FIXED_LOW, FIXED_HIGH) print as decimals, the rest in scientific notation.
FIXED_LOW = 1e-4
FIXED_HIGH = 1e4

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def format_number(value: float, digits: int = 3, trailing_zeros: bool = True) -> str:
    """``value`` with ``digits`` significant digits, by the module's one rule.

    Parameters
    ----------
    value : any real number, finite or not
    digits : significant digits, at least 1
    trailing_zeros : keep zeros that are significant (``−0.0320``); False drops them (``−0.032``), for
        long read-outs such as the inspector's six digits

    Returns
    -------
    str
        e.g. ``0.000424``, ``−0.00387``, ``1.00``, ``1234``, ``4.24e−5``, ``NaN``, ``∞``
    """
    value = float(value)
    digits = max(1, int(digits))
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "∞" if value > 0 else MINUS + "∞"
    if value == 0.0:
        return "0"
    sign = MINUS if value < 0 else ""
    magnitude = abs(value)
    # The exponent after rounding to ``digits`` digits: 9.996 at 3 digits is 10.0, exponent 1.
    mantissa, exponent_text = f"{magnitude:.{digits - 1}e}".split("e")
    exponent = int(exponent_text)
    if FIXED_LOW <= float(f"{mantissa}e{exponent}") < FIXED_HIGH:
        return sign + _trim(f"{magnitude:.{max(digits - 1 - exponent, 0)}f}", trailing_zeros)
    return f"{sign}{_trim(mantissa, trailing_zeros)}e{str(exponent).replace('-', MINUS)}"


def _trim(text: str, keep: bool) -> str:
    if keep or "." not in text:
        return text
    return text.rstrip("0").rstrip(".")


def format_power_of_ten(exponent: int) -> str:
    """The label of 10**exponent on a log scale: ``1`` for 0, ``10`` for 1, else ``10⁻³``, ``10²``."""
    exponent = int(exponent)
    if exponent == 0:
        return "1"
    if exponent == 1:
        return "10"
    return "10" + str(exponent).translate(_SUPERSCRIPT)


def format_decimals(value: float, decimals: int) -> str:
    """``value`` with exactly ``decimals`` digits after the point, by the module's one rule for signs and
    non-finite values: the tutorial's table, ``0.00664806``, ``0.00000029``, and ``0.00000000`` for a value
    that rounds to zero (never ``−0.00000000``)."""
    value = float(value)
    if not math.isfinite(value):
        return format_number(value)
    text = f"{abs(value):.{max(0, int(decimals))}f}"
    negative = value < 0 and any(ch not in "0." for ch in text)
    return (MINUS if negative else "") + text


def format_power(value: float, digits: int = 3) -> str:
    """``value`` as a mantissa times a power of ten, whatever its size: ``6.65×10⁻³``, ``4.42×10⁻⁵``,
    ``1.00×10⁰``, ``−2.50×10²``; ``0``, ``NaN`` and ``∞`` as ``format_number`` prints them."""
    value = float(value)
    if not math.isfinite(value) or value == 0.0:
        return format_number(value)
    digits = max(1, int(digits))
    mantissa, exponent_text = f"{abs(value):.{digits - 1}e}".split("e")
    sign = MINUS if value < 0 else ""
    return f"{sign}{mantissa}×10{str(int(exponent_text)).translate(_SUPERSCRIPT)}"


def format_factor(value: float) -> str:
    """A ratio as a multiplier, two significant digits: ``9×``, ``1.5×``, ``2.3e5×``."""
    return format_number(value, 2 if abs(value) < 10 else 1 if abs(value) < 1e4 else 2) + "×"


#: Unicode categories ``one_line`` escapes: controls, format characters (e.g. bidi overrides), lone
#: surrogates, and line and paragraph separators.
_ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def format_bound(bound: float) -> str:
    """A limit in a message, as people write it: 1,000,000 rather than 1e+06; 0.5 and 1e-09 as ``:g`` has them."""
    return f"{int(bound):,}" if float(bound).is_integer() and abs(bound) < 1e15 else f"{bound:g}"


def reads_as_number(text: str) -> bool:
    """Whether ``text`` reads as a number to Python's ``float`` ("-5", "-1e3", " 2.5 ", "nan", "inf")."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def one_line(text) -> str:
    """``text`` with every control character, line or paragraph separator and lone surrogate escaped.

    The one text cleaner: a message built from a file, an argument or a setting (a field name, a path)
    stays one line and sends no terminal escape sequence: a newline shows as ``\\n``, ESC as ``\\x1b``,
    a lone surrogate as ``\\ud800``, a bidi override as ``\\u202e``.
    """
    text = str(text)
    if text.isprintable():  # the common case, in one pass
        return text
    out = []
    for char in text:
        if char == " " or unicodedata.category(char) not in _ESCAPED_CATEGORIES:
            out.append(char)
        else:
            out.append(repr(char)[1:-1])
    return "".join(out)


def describe_value(value) -> str:
    """A value read from a file or a field, in a few words: "null", "true", "the text 'abc'", "a list of 3"."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"the text {value[:40]!r}"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, dict):
        return "an object"
    return repr(value)


def quote_name(value) -> str:
    """A name the user gave, quoted (at most 40 characters); anything that is not a name, described."""
    return repr(value[:40]) if isinstance(value, str) else describe_value(value)
