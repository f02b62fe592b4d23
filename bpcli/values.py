"""What the Python API takes as a number where it asks for one (a step, a tolerance, a seed, a
layer, decimals): a Python or numpy number, never a bool, which Python counts as 1 or 0 but no
caller means as one; and as a flag (explain's forward): a bool, never a number or a string, which
Python counts as true ("no" too)."""

from __future__ import annotations

import math
import numbers
from typing import Any


def is_flag(value: Any) -> bool:
    """True or False (Python's or numpy's)."""
    # numpy's bool, without importing numpy: named bool_ before numpy 2, bool (in module numpy) since
    kind = type(value)
    return isinstance(value, bool) or (kind.__module__ == "numpy" and kind.__name__ in ("bool_", "bool"))


def is_real(value: Any) -> bool:
    """A finite real number (int, float, numpy's), not a bool."""
    return isinstance(value, numbers.Real) and not is_flag(value) and math.isfinite(value)


def is_number(value: Any) -> bool:
    """A real number, finite or not (int, float, Fraction, Decimal, numpy's), not a bool nor a
    complex number."""
    real = isinstance(value, numbers.Real) or (isinstance(value, numbers.Number)
                                               and not isinstance(value, numbers.Complex))  # Decimal
    return real and not is_flag(value)


def is_whole(value: Any) -> bool:
    """A whole number (int, numpy's integers), not a bool."""
    return isinstance(value, numbers.Integral) and not is_flag(value)
