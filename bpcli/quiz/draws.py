"""Numbers a learner can work with on paper, shared by the generated exercises (``quiz --random``)
and the per-student variants (``bpcli variant``): the values drawn, and the test a drawn network
must pass before it is asked."""

from __future__ import annotations

import numpy as np

from bpcli.core import activations
from bpcli.core.network import Network, Run, run

#: hand-computable values: halves between −2 and 2, without 0
VALUES = np.array([-2.0, -1.5, -1.0, -0.5, 0.5, 1.0, 1.5, 2.0])
#: every asked value of an exact draw is a multiple of this (at most three decimals, 0.125) ...
GRID = 0.125
#: ... and no larger than this in size
MAX_VALUE = 20.0
#: a sigmoid or tanh unit whose slope g'(Z) is below this passes back too little to be worth asking
#: (the run warns only below 1e-8, where nothing at all flows back)
MIN_SLOPE = 0.01


def draw_values(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Halves between −2 and 2 (never 0), of ``shape``."""
    return rng.choice(VALUES, size=shape)


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
        if record.layer.activation in ("sigmoid", "tanh") and \
                not activations.derivative(record.layer.activation, record.Z).min() >= MIN_SLOPE:
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
