"""What the Python API takes as a number where it asks for one (a step, a tolerance, a seed, a
layer, decimals): a Python or numpy number, never a bool, which Python counts as 1 or 0 but no
caller means as one."""

from __future__ import annotations

import math
import numbers
from typing import Any


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool) or type(value).__name__ == "bool_"  # numpy's, without importing numpy


def is_real(value: Any) -> bool:
    """A finite real number (int, float, numpy's), not a bool."""
    return isinstance(value, numbers.Real) and not _is_bool(value) and math.isfinite(value)


def is_whole(value: Any) -> bool:
    """A whole number (int, numpy's integers), not a bool."""
    return isinstance(value, numbers.Integral) and not _is_bool(value)
