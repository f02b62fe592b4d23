"""JSON renderers: results as text for scripts. JSON has no NaN or infinity: they become null."""

from __future__ import annotations

import json
import math
from typing import Any

from bpcli.errors import SpecError

ERROR_SCHEMA = "bpcli.error/1"


def to_jsonable(value: Any) -> Any:
    """Nested lists and plain floats from numpy arrays and scalars, non-finite numbers as None."""
    import numpy as np

    if isinstance(value, np.ndarray):
        listed = value.tolist()
        return listed if np.isfinite(value).all() else _finite_or_none(listed)
    if isinstance(value, dict):
        return {key: to_jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(item) for item in value]
    if isinstance(value, (np.floating, float)):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def _finite_or_none(listed: Any) -> Any:
    if isinstance(listed, list):
        return [_finite_or_none(item) for item in listed]
    return listed if math.isfinite(listed) else None


def dumps(value: Any) -> str:
    """Compact JSON; floats are written shortest-round-trip (full float64 precision)."""
    return json.dumps(to_jsonable(value), ensure_ascii=False, allow_nan=False)


def error_document(error: SpecError) -> str:
    """The ``bpcli.error/1`` object for an input error."""
    return error_document_of(error.code, error.message, error.file, error.path)


def error_document_of(code: str, message: str, file: str | None, path: str) -> str:
    """The ``bpcli.error/1`` object from its fields (for errors that are not about the file)."""
    return dumps({"schema": ERROR_SCHEMA, "error": {"code": code, "message": message, "file": file, "path": path}})
