"""Matrix cells coloured by value: a diverging scale centred at 0 (blue below, red above, white at
0, as ColorBrewer's RdBu), the same for the HTML page (background colours) and the terminal (Rich
styles, which Rich drops under NO_COLOR and when the output is piped).

A step's gradients share one scale, so dA⁽ˡ⁾ beside the dA⁽ˡ⁻¹⁾ it is routed into, or dA beside
dZ, compare cell by cell; every other tensor (W, A, a mask) has its own.
"""

from __future__ import annotations

import re

import numpy as np

from bpcli.narrate.model import NamedTensor, Step

NEGATIVE = (33, 102, 172)
ZERO = (247, 247, 247)
POSITIVE = (178, 24, 43)

#: a gradient's name as the narration writes it: dW2, dX, or a formula of one (pad(dZ1), dil(dZ1))
_GRADIENT = re.compile(r"^(?:\w+\()?d[A-Za-z]")


def is_gradient(tensor: NamedTensor) -> bool:
    return bool(_GRADIENT.match(tensor.name))


def heat_scale(*arrays: np.ndarray) -> float:
    """The largest finite magnitude among ``arrays`` (the value drawn at full colour); 0 when
    there is none."""
    largest = 0.0
    for array in arrays:
        values = np.abs(np.asarray(array, dtype=float))
        finite = values[np.isfinite(values)]
        if finite.size:
            largest = max(largest, float(finite.max()))
    return largest


def shared_scales(tensors: list[NamedTensor]) -> dict[int, float]:
    """The scale of each of ``tensors`` (a step's operands and result), by ``id``: the gradients
    share the largest of theirs, the others keep their own."""
    gradients = [t for t in tensors if is_gradient(t)]
    shared = heat_scale(*(t.value for t in gradients))
    return {id(t): shared if is_gradient(t) else heat_scale(t.value) for t in tensors}


def step_scales(step: Step) -> dict[int, float]:
    """The scales of a step's operands and result."""
    return shared_scales(list(step.operands) + ([step.result] if step.result is not None else []))


def _blend(end: tuple[int, int, int], weight: float) -> tuple[int, int, int]:
    return tuple(round(z + weight * (e - z)) for z, e in zip(ZERO, end))  # type: ignore[return-value]


def heat_colour(value: float, scale: float) -> str | None:
    """The background for ``value`` as '#rrggbb' (white at 0, full colour at ±scale); None for a
    value that is not finite or a scale of 0 (nothing to compare)."""
    if not scale or not np.isfinite(value):
        return None
    weight = min(abs(float(value)) / scale, 1.0)
    red, green, blue = _blend(POSITIVE if value > 0 else NEGATIVE, weight)
    return f"#{red:02x}{green:02x}{blue:02x}"


def text_colour(background: str) -> str:
    """Black or white, whichever reads better on ``background`` (WCAG relative luminance)."""
    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = (int(background[k:k + 2], 16) for k in (1, 3, 5))
    luminance = 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)
    # contrast with black (L + 0.05)/0.05 against white 1.05/(L + 0.05): equal at L ≈ 0.179
    return "#000000" if luminance > 0.179 else "#ffffff"
