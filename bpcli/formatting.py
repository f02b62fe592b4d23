"""Numbers and shapes as text, the same in every output: narration, grading and all renderers.

Plain strings only (no Rich), so the data layers can use them as well as the renderers.
"""

from __future__ import annotations

import functools
import math
import re


#: an entry this small beside the largest |value| of its tensor is float64 round-off of an exact 0
#: (0.1 + 0.2 − 0.3 came out as 5.551e-17), shown as 0 in tables and in worked sums alike
ROUND_OFF_SHARE = 1e-12
#: and never one above this: a number a file gives is exact (its 2.0 beside 1e200 was shown as 0)
ROUND_OFF_LIMIT = 1e-9


def round_off_bound(largest: float) -> float:
    """The largest |entry| shown as 0 beside ``largest``, its tensor's largest finite |value|."""
    return min(ROUND_OFF_SHARE * largest, ROUND_OFF_LIMIT) if math.isfinite(largest) else 0.0


def format_number(x: float, precision: int) -> str:
    """``x`` with ``precision`` decimals, fixed-point, so right-aligned columns align decimals.

    Non-zero numbers too small to show a significant digit at that precision, and numbers of a
    million or more, are written in scientific notation instead (never a misleading ``0.0000``).
    −0 is written as 0. nan and ±inf as ``nan``, ``inf``, ``-inf``.
    """
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    precision = max(int(precision), 0)
    magnitude = abs(x)
    if magnitude >= 1e6 or (0 < magnitude < 0.5 * 10.0 ** -precision):
        return f"{x:.{max(precision - 1, 1)}e}"
    text = f"{x:.{precision}f}"
    if text.startswith("-") and not any(ch in "123456789" for ch in text):
        text = text[1:]
    return text


#: a largest |value| at or above this is shown with ``precision`` decimals; below it, with up to
#: MAX_EXTRA_DECIMALS more, so that it keeps precision − 1 significant digits (text 005's
#: ∂E/∂w1 = 0.000438568 read 0.0004 at 4 decimals, and a learner typing that back was wrong)
FEW_DIGITS_BELOW = 0.01
MAX_EXTRA_DECIMALS = 2


def decimals_for(largest: float, precision: int) -> int:
    """The decimals to show numbers whose largest magnitude is ``largest`` (one number, or every
    entry of a tensor, so that its columns align): ``precision``, and for a largest magnitude
    under 0.01 one or two more (0.0878 -> 0.0878, 0.00879 -> 0.00879, 0.000995 -> 0.000995).
    Numbers under 10^−precision are written in scientific notation by ``format_number`` anyway."""
    largest = abs(float(largest))
    precision = max(int(precision), 0)
    if not math.isfinite(largest) or largest >= FEW_DIGITS_BELOW or largest < 10.0 ** -precision:
        return precision  # (below 10^−precision format_number writes 4.390e-05, its digits all there)
    leading_zeros = -math.floor(math.log10(largest)) - 1  # 2 for 0.00879, 3 for 0.000995
    return precision + min(MAX_EXTRA_DECIMALS, leading_zeros - 1)


def largest_magnitude(values) -> float:
    """The largest finite |value| of an array (0 when there is none), for ``decimals_for``."""
    import numpy as np

    values = np.abs(np.asarray(values, dtype=float))
    finite = values[np.isfinite(values)]
    return float(finite.max()) if finite.size else 0.0


def format_alone(x: float, precision: int) -> str:
    """One number standing alone (a worked entry's terms, J, the two sides of an identity):
    ``format_number`` with the decimals that keep its significant digits (``decimals_for``)."""
    x = float(x)
    return format_number(x, decimals_for(x, precision) if math.isfinite(x) else precision)


def shape_text(shape: tuple[int, ...]) -> str:
    """(3, 4) -> '3×4'; () -> 'scalar'."""
    return "×".join(str(n) for n in shape) if shape else "scalar"


#: Central differences with ε = 1e-6 agree with a right gradient to about 1e-10 (round-off of
#: J(θ ± ε) divided by 2ε); below this bound the digits of a relative error are that round-off,
#: which differs between machines (BLAS, CPU), so they are not shown.
ROUND_OFF_BOUND = 1e-8


def error_bound_text(error: float) -> str:
    """An error that is round-off when all is right (a finite-difference relative error, the
    difference between two evaluations of an identity) as the power of ten it stays under, the
    same on every machine: '< 1e-8' for round-off, else '< 1e-5', '< 1', '< 10', …; 'nan' or
    'inf' when not finite."""
    error = abs(float(error))
    if math.isnan(error):
        return "nan"
    if math.isinf(error):
        return "inf"
    if error < ROUND_OFF_BOUND:
        return f"< {_power_of_ten(round(math.log10(ROUND_OFF_BOUND)))}"
    exponent = math.floor(math.log10(error)) + 1
    while 10.0 ** exponent <= error:  # log10 may round down just below a power of ten
        exponent += 1
    return f"< {_power_of_ten(exponent)}"


def _power_of_ten(exponent: int) -> str:
    """10**exponent as text: '1' and '10', otherwise '1e-8', '1e2'."""
    return {0: "1", 1: "10"}.get(exponent, f"1e{exponent}")


#: how much of a long piece of user input a message quotes
QUOTE_LIMIT = 60


#: control characters that are neither a line break nor a tab (escape sequences, NUL, DEL, C1
#: codes, the vertical tab, form feed and carriage return, which move the cursor too), and lone
#: surrogates (from undecodable file names), which no output encoding can write
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1b\x7f-\x84\x86-\x9f\ud800-\udfff]")


def printable(text: str) -> str:
    """A file's own text (a title, a statement, a hint) as bpcli prints it: its lines and tabs
    kept, every other control character written escaped (``\\x1b``), so that a file cannot
    colour, clear or move the learner's terminal."""
    return _UNPRINTABLE.sub(lambda match: ascii(match.group())[1:-1], text)


def one_line(text: str) -> str:
    """TEXT as one line of a message: every run of whitespace, line breaks included, becomes one
    space, and other control characters are written escaped (``printable``), so that nothing a
    file or a library put in a message can split it over lines, move the terminal's cursor or
    fail to encode."""
    return printable(" ".join(str(text).split()))


def shorten(text: str, limit: int = QUOTE_LIMIT) -> str:
    """User input as a message quotes it: on one line, and at most ``limit`` characters
    (the first ones and "…"), so a 100,000-character answer gives a short message."""
    text = one_line(text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def closest_name(word: str, names, cutoff: float) -> str | None:
    """The one of ``names`` a misspelt ``word`` most likely meant: the first that differs from it
    only in case (dw2 -> dW2), else the most alike by difflib's ratio, at least ``cutoff``; None
    when none is. Only error messages suggest names: difflib is imported here, when one does, not
    at every start-up (~0.8 ms)."""
    names = list(names)
    same_letters = [name for name in names if name.lower() == word.lower()]
    if same_letters:
        return same_letters[0]
    from difflib import get_close_matches

    close = get_close_matches(word, names, n=1, cutoff=cutoff)
    return close[0] if close else None


#: Chinese (and Japanese) characters and punctuation, and full-width forms, as code point ranges
CJK_RANGES = ((0x2E80, 0x303F), (0x3040, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF),
              (0xFF00, 0xFFEF))
_WIDE = "".join(f"{chr(low)}-{chr(high)}" for low, high in CJK_RANGES)


@functools.cache
def _space_between_wide() -> re.Pattern:
    """One space (more is padding, as in a table's columns) between two of them, or after a
    full-width comma or stop, or before an opening parenthesis, which carry their own space ('，3').
    Compiled on first use: 3 ms, and the network loader imports this module."""
    return re.compile(f"(?<=[{_WIDE}]) (?=[{_WIDE}])"
                      "|(?<=[，。、；：！？]) (?! )|(?<! ) (?=[（「『【])")


def without_spaces_between_wide(text: str) -> str:
    """``text`` without a space between two Chinese characters (or punctuation marks): YAML's
    folded text joins its lines with one, and a template spaces its fields as for a Latin name,
    where Chinese puts none between words
    ('交叉熵损失。 原文写' becomes '交叉熵损失。原文写'), nor after a full-width comma or stop, which
    has its space in it ('， 3' becomes '，3'); a space between a character and a Latin letter or
    digit stays ('步长 1 的')."""
    return _space_between_wide().sub("", text)
