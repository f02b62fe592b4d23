"""Grading and hints particular to flatten: dA_prev is dAᵀ put back sample by sample, and the
reshapes a learner may do instead."""

from __future__ import annotations

from typing import Iterator

import numpy as np

from bpcli.core.layer import Layer
from bpcli.core.network import LayerRecord, Network, Run
from bpcli.grading.kind import KindGrading
from bpcli.grading.mistakes import Mistake
from bpcli.grading.targets import Target, shown_input_name
from bpcli.texts import Msg


class FlattenGrading(KindGrading):
    own_rules = frozenset({"A"})

    def input_gradient_mistakes(self, run: Run, following: LayerRecord, name: str) -> Iterator[Mistake]:
        nxt = following.layer.index
        shape = following.cache
        per_sample = tuple(shape[1:])
        column_major = np.stack([column.reshape(per_sample, order="F") for column in following.dA.T])
        yield Mistake(("wrong_reshape",), column_major.reshape(shape),
                      Msg("mistake.column_major", next=nxt, name=name))
        if following.dA.shape[1] > 1:
            yield Mistake(("wrong_reshape",), following.dA.reshape(shape),
                          Msg("mistake.reshape_without_columns", next=nxt, name=name))

    def words(self, network: Network, target: Target, layer: Layer) -> Msg | None:
        l = layer.index
        if target.kind != "A":
            return None
        return Msg("words.flatten_A", l=l, input=shown_input_name(l))

    def input_gradient_rule(self, network: Network, target: Target, layer: Layer) -> Msg | None:
        return Msg("rule.dA.flatten", name=target.name, base=target.base, next=layer.index)

    def input_gradient_formula(self, network: Network, target: Target, layer: Layer) -> str | None:
        """dAᵀ put back sample by sample: each row of dAᵀ is one sample's C·H·W numbers in
        row-major order, so a row-major reshape to the shape of the target (X's shape as given,
        for dX) undoes flatten."""
        shape = network.X.shape if target.kind == "dX" else _input_shape(network, layer)
        lengths = ", ".join(["m"] + [str(n) for n in shape[1:]])
        return f"dA{layer.index}.T.reshape({lengths})"


def _input_shape(network: Network, layer: Layer) -> tuple[int, ...]:
    """The shape of ``layer``'s input, m × C × H × W, through the layers before it."""
    shape = network.input_for_layers().shape
    for earlier in network.layers[:layer.index - 1]:
        shape = earlier.output_shape(shape)
    return shape


FLATTEN = FlattenGrading()
