"""Grading and hints particular to max and average pooling: a pool's gradient spread by the
other pool's rule, and the rules in words (pooling has no formula in ``bpcli grade`` syntax)."""

from __future__ import annotations

from typing import Iterator

from bpcli.core.layer import Layer
from bpcli.core.network import LayerRecord, Network, Run
from bpcli.core.pool import AvgPool, MaxPool
from bpcli.grading.kind import KindGrading
from bpcli.grading.mistakes import Mistake
from bpcli.grading.targets import Target, input_name
from bpcli.texts import Msg


class MaxPoolGrading(KindGrading):
    own_rules = frozenset({"A"})

    def input_gradient_mistakes(self, run: Run, following: LayerRecord, name: str) -> Iterator[Mistake]:
        layer = following.layer
        spread = AvgPool(layer.index, layer.size, layer.stride)
        yield Mistake(("wrong_pool_rule",), spread.backward(following.dA, following.cache)[0],
                      Msg("mistake.spread_like_avg"))

    def words(self, network: Network, target: Target, layer: Layer) -> Msg | None:
        l = layer.index
        if target.kind != "A":
            return None
        return Msg("words.maxpool_A", l=l, input=input_name(network, l), size=layer.size)

    def input_gradient_words(self, network: Network, target: Target, layer: Layer) -> Msg | None:
        return Msg("words.maxpool", name=target.name, next=layer.index)


class AvgPoolGrading(KindGrading):
    own_rules = frozenset({"A"})

    def input_gradient_mistakes(self, run: Run, following: LayerRecord, name: str) -> Iterator[Mistake]:
        layer = following.layer
        routed = MaxPool(layer.index, layer.size, layer.stride)
        _, cache = routed.forward(following.cache.A_prev)
        yield Mistake(("wrong_pool_rule",), routed.backward(following.dA, cache)[0],
                      Msg("mistake.routed_like_max", size=layer.size * layer.size))

    def words(self, network: Network, target: Target, layer: Layer) -> Msg | None:
        l = layer.index
        if target.kind != "A":
            return None
        return Msg("words.avgpool_A", l=l, input=input_name(network, l), size=layer.size,
                    count=layer.size * layer.size)

    def input_gradient_words(self, network: Network, target: Target, layer: Layer) -> Msg | None:
        return Msg("words.avgpool", name=target.name, next=layer.index, size=layer.size * layer.size)


MAXPOOL = MaxPoolGrading()
AVGPOOL = AvgPoolGrading()
