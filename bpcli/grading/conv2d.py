"""Grading and hints particular to conv2d layers: the kernel's rotation in dW and dA_prev, db
summed over samples and positions, and the rules in words where no formula can be written."""

from __future__ import annotations

import dataclasses
from typing import Iterator

import numpy as np

from bpcli.core.layer import Layer
from bpcli.core.network import LayerRecord, Network, Run
from bpcli.grading.kind import KindGrading, redraw_weights_and_bias
from bpcli.grading.mistakes import Mistake
from bpcli.grading.targets import Target, input_name
from bpcli.texts import Msg


class Conv2DGrading(KindGrading):
    own_rules = frozenset({"Z", "dW"})

    def parameter_mistakes(self, run: Run, record: LayerRecord, parameter: str) -> Iterator[Mistake]:
        l = record.layer.index
        dZ = record.dZ
        if parameter == "W":
            yield Mistake(("kernel_rotated",), record.gradients["W"][:, :, ::-1, ::-1],
                          Msg("mistake.kernel_rotated", l=l))
            return
        yield Mistake(("not_summed",), dZ, Msg("mistake.conv_db_not_summed", l=l))
        yield Mistake(("not_summed",), dZ.sum(axis=(2, 3)), Msg("mistake.conv_db_positions_only", l=l))
        yield Mistake(("not_summed",), dZ.sum(axis=0), Msg("mistake.conv_db_samples_only", l=l))

    def input_gradient_mistakes(self, run: Run, following: LayerRecord, name: str) -> Iterator[Mistake]:
        layer = following.layer
        unrotated = dataclasses.replace(layer, W=layer.W[:, :, ::-1, ::-1])
        yield Mistake(("kernel_not_rotated",), unrotated.backward(following.dZ, following.cache)[0],
                      Msg("mistake.kernel_not_rotated", name=name, next=layer.index))

    def formula(self, network: Network, target: Target, layer: Layer) -> str | None:
        if target.kind == "db":
            return f"sum(dZ{layer.index}, axis=(0, 2, 3))"
        return None

    def words(self, network: Network, target: Target, layer: Layer) -> Msg | None:
        l = layer.index
        if target.kind == "Z":
            return Msg("words.conv_Z", l=l, input=input_name(network, l))
        if target.kind == "dW":
            return Msg("words.conv_dW", l=l, input=input_name(network, l))
        return None

    def input_gradient_words(self, network: Network, target: Target, layer: Layer) -> Msg | None:
        return Msg("words.conv_dA", name=target.name, next=layer.index)

    def parameter_meaning(self, parameter: str, layer: Layer) -> Msg | None:
        return Msg({"W": "meaning.conv_W", "b": "meaning.conv_b"}[parameter])

    def redraw(self, layer: Layer, rng: np.random.Generator) -> None:
        redraw_weights_and_bias(layer, rng)


CONV2D = Conv2DGrading()
