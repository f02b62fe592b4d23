"""Numbers a learner can work with on paper, shared by the generated exercises (``quiz --random``)
and the per-student variants (``bpcli variant``): the values drawn, and the test a drawn network
must pass before it is asked."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bpcli.core import activations
from bpcli.core.network import Network, Run, run

#: hand-computable values: halves between −2 and 2, without 0
VALUES = np.array([-2.0, -1.5, -1.0, -0.5, 0.5, 1.0, 1.5, 2.0])
#: the smaller sizes a layer whose units saturate is drawn at, each a step further: VALUES times
#: these are quarters up to 1, then tenths up to 0.4, then twentieths up to 0.2 (still hand-sized;
#: a layer after a relu stack takes inputs of 5 or more, and 8 of them times halves give z ≈ 15)
SMALLER_SCALES = (0.5, 0.2, 0.1)
#: every asked value of an exact draw is a multiple of this (at most three decimals, 0.125) ...
GRID = 0.125
#: ... and no larger than this in size
MAX_VALUE = 20.0
#: a sigmoid or tanh unit whose slope g'(Z) is below this passes back too little to be worth asking
#: (the run warns only below 1e-8, where nothing at all flows back)
MIN_SLOPE = 0.01


def draw_values(rng: np.random.Generator, shape: tuple[int, ...], scale: float = 1.0) -> np.ndarray:
    """Halves between −2 and 2 (never 0), of ``shape``, times ``scale`` (1 or one of
    ``SMALLER_SCALES``; the same draws from ``rng`` whatever the scale)."""
    values = rng.choice(VALUES, size=shape)
    # rounded, so that 1.5 × 0.2 is 0.3 and not 0.30000000000000004 in the file written
    return values if scale == 1.0 else np.round(values * scale, 3)


@dataclass(frozen=True)
class Trouble:
    """The first place, in the forward pass, where a drawn network is not fair: a relu exactly at
    0, a saturated unit or a tied max-pool window. ``position`` is the layer (0-based, in
    ``network.layers``) whose own numbers made it, to be drawn again alone, or None for X (a max
    pool on the input); ``saturated`` when its units saturated, so it is drawn smaller."""

    position: int | None
    saturated: bool


#: the run's warnings a layer's own numbers cause (the others: values that are not finite)
_LOCAL_WARNINGS = {"relu_at_zero": False, "tied_maximum": False, "saturated": True, "saturated_output": True}


def first_trouble(network: Network, computed: Run) -> Trouble | None:
    """Where ``computed``, a run of ``network``, first goes wrong in the forward pass (see
    ``Trouble``), or None when it does not (its trouble, if any, is elsewhere: a gradient all 0,
    an output equal to Y, a value that is not finite). A tied window of a max pool is laid to the
    last layer with parameters before it."""
    positions = {layer.index: position for position, layer in enumerate(network.layers)}
    found = [(positions[warning.layer], _LOCAL_WARNINGS[warning.kind]) for warning in computed.warnings
             if warning.kind in _LOCAL_WARNINGS]
    found += [(position, True) for position, record in enumerate(computed.records) if _nearly_saturated(record)]
    if not found:
        return None
    position, _ = min(found)
    saturated = any(flag for at, flag in found if at == position)
    if network.layers[position].activation is None:  # a max pool: the numbers before it tied
        position = next((before for before in range(position - 1, -1, -1)
                         if network.layers[before].has_parameters), None)
    return Trouble(position, saturated)


def _nearly_saturated(record) -> bool:
    """A sigmoid or tanh unit whose slope is below ``MIN_SLOPE``: it passes back too little."""
    return record.layer.activation in ("sigmoid", "tanh") and \
        not activations.derivative(record.layer.activation, record.Z).min() >= MIN_SLOPE


def clean(network: Network, targets: list[str], exact: bool, computed: Run | None = None) -> bool:
    """True when ``network`` makes a fair exercise: no warning of the run (a relu exactly at 0, a
    tied max-pool window, a value that is not finite), no sigmoid or tanh unit nearly saturated
    (slope below ``MIN_SLOPE``), a non-zero output error,
    no layer whose every gradient is 0 (dead), and no asked gradient all 0. With ``exact``, every
    asked value is also short on paper: a multiple of ``GRID`` and at most ``MAX_VALUE`` in size."""
    result = computed if computed is not None else run(network)
    if result.warnings:
        return False
    if not np.abs(result.records[-1].A - network.Y).min() > 0:
        return False
    for record in result.records:
        if _nearly_saturated(record):
            return False
        flowing = record.dZ if record.dZ is not None else record.dA
        if not np.abs(flowing).max() > 0:
            return False
    tensors = result.tensors()
    for target in targets:
        value = tensors[target]
        if not np.abs(value).max() > 0:
            return False
        if exact and (np.abs(value).max() > MAX_VALUE
                      or not np.allclose(value / GRID, np.round(value / GRID), rtol=0, atol=1e-9)):
            return False
    return True
