"""Other draws of a network's numbers, to tell a formula that is right in general from one that
happens to give the right numbers for this network (a relu that is active everywhere, a target
that is 0, m = 1, …). Shapes, layers and loss stay; parameters, inputs and targets are drawn
afresh, the targets valid for the loss."""

from __future__ import annotations

import copy

import numpy as np

from bpcli import kinds
from bpcli.core.network import Network


def redraw(network: Network, rng: np.random.Generator) -> Network:
    """A copy of ``network`` with new parameters, X and Y of the same shapes (the original is
    untouched); each kind draws its own parameters, layer by layer."""
    drawn = copy.deepcopy(network)
    for layer in drawn.layers:
        kinds.grading(layer.kind).redraw(layer, rng)
    drawn.X = rng.normal(0.0, 1.0, size=network.X.shape)
    drawn.Y = _targets(network.loss, network.Y.shape, rng)
    return drawn


def _targets(loss: str, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """Y of ``shape`` valid for ``loss``: in [0, 1] for bce, columns that are distributions for
    softmax_ce, any numbers for mse and sse."""
    if loss == "bce":
        return rng.uniform(0.0, 1.0, size=shape)
    if loss == "softmax_ce":
        return rng.dirichlet(np.ones(shape[0]), size=shape[1]).T
    return rng.normal(0.0, 1.0, size=shape)
