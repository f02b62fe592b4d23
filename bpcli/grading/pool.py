"""Grading and hints particular to max and average pooling: a pool's gradient spread by the
other pool's rule, copied to every element of a window, not divided by the window's size,
written over (not added) where windows overlap, or given at a tied maximum to another element
than the first; and the rules in words (pooling has no formula in ``bpcli grade`` syntax)."""

from __future__ import annotations

from typing import Iterator

import numpy as np

from bpcli.core.layer import Layer
from bpcli.core.network import LayerRecord, Network, Run
from bpcli.core.pool import AvgPool, MaxPool
from bpcli.grading.kind import KindGrading
from bpcli.grading.mistakes import Mistake
from bpcli.grading.targets import Target, shown_input_name
from bpcli.texts import Msg


class MaxPoolGrading(KindGrading):
    own_rules = frozenset({"A"})

    def input_gradient_mistakes(self, run: Run, following: LayerRecord, name: str) -> Iterator[Mistake]:
        layer = following.layer
        spread = AvgPool(layer.index, layer.size, layer.stride)
        evenly = spread.backward(following.dA, following.cache)[0]
        yield Mistake(("wrong_pool_rule",), evenly, Msg("mistake.spread_like_avg"))
        yield Mistake(("copied_to_window",), evenly * layer.size ** 2, Msg("mistake.copied_to_window"))
        maxima = _maximum_masks(following.cache.A_prev, layer.size, layer.stride)
        if layer.stride < layer.size:
            explanation = Msg("mistake.max_overlap_not_summed", stride=layer.stride, size=layer.size)
            routed = _first_of(maxima)
            blocks = routed * following.dA[..., None, None]
            yield Mistake(("overlap_not_summed",), _written_over(following.cache.A_prev.shape, blocks, layer.stride,
                                                                 only=routed), explanation)
            yield Mistake(("overlap_not_summed",), _written_over(following.cache.A_prev.shape, blocks, layer.stride),
                          explanation)
        yield from _tie_mistakes(maxima, following.dA, following.cache.A_prev.shape, layer.stride)

    def words(self, network: Network, target: Target, layer: Layer) -> Msg | None:
        l = layer.index
        if target.kind != "A":
            return None
        return Msg("words.maxpool_A", l=l, input=shown_input_name(l), size=layer.size, corner=_corner(layer))

    def input_gradient_words(self, network: Network, target: Target, layer: Layer) -> Msg | None:
        return Msg("words.maxpool", name=target.name, next=layer.index)

    def input_gradient_rule(self, network: Network, target: Target, layer: Layer) -> Msg | None:
        return Msg("rule.dA.maxpool", name=target.name, base=target.base, next=layer.index)


class AvgPoolGrading(KindGrading):
    own_rules = frozenset({"A"})

    def input_gradient_mistakes(self, run: Run, following: LayerRecord, name: str) -> Iterator[Mistake]:
        layer = following.layer
        routed = MaxPool(layer.index, layer.size, layer.stride)
        _, cache = routed.forward(following.cache.A_prev)
        yield Mistake(("wrong_pool_rule",), routed.backward(following.dA, cache)[0],
                      Msg("mistake.routed_like_max", size=layer.size * layer.size))
        count = layer.size * layer.size
        undivided = layer.backward(following.dA, following.cache)[0] * count
        yield Mistake(("not_divided_by_window",), undivided, Msg("mistake.not_divided_by_window", count=count))
        if layer.stride < layer.size:
            shares = np.broadcast_to((following.dA / count)[..., None, None], following.dA.shape + (layer.size,) * 2)
            yield Mistake(("overlap_not_summed",), _written_over(following.cache.A_prev.shape, shares, layer.stride),
                          Msg("mistake.avg_overlap_not_summed", stride=layer.stride, size=layer.size))

    def words(self, network: Network, target: Target, layer: Layer) -> Msg | None:
        l = layer.index
        if target.kind != "A":
            return None
        return Msg("words.avgpool_A", l=l, input=shown_input_name(l), size=layer.size,
                    count=layer.size * layer.size, corner=_corner(layer))

    def input_gradient_words(self, network: Network, target: Target, layer: Layer) -> Msg | None:
        return Msg("words.avgpool", name=target.name, next=layer.index, size=layer.size * layer.size)

    def input_gradient_rule(self, network: Network, target: Target, layer: Layer) -> Msg | None:
        return Msg("rule.dA.avgpool", name=target.name, base=target.base, next=layer.index)


def _tie_mistakes(maxima: np.ndarray, dA: np.ndarray, shape: tuple[int, ...], stride: int) -> Iterator[Mistake]:
    """A window whose largest value occurs more than once (equal inputs, a relu's zeros) sends
    its gradient to the first of them in row-major order; a learner may send it to the last,
    split it among them, or give it whole to each. Nothing where no window ties: each of these
    is the right rule there."""
    counts = maxima.sum(axis=(-2, -1))
    if not (counts > 1).any():
        return
    whole = dA[..., None, None]
    for key, blocks in (("mistake.tie_last", _last_of(maxima) * whole),
                        ("mistake.tie_split", maxima * (dA / counts)[..., None, None]),
                        ("mistake.tie_each", maxima * whole)):
        yield Mistake(("wrong_tie_rule",), _added(shape, blocks, stride), Msg(key, rule=Msg("mistake.tie_rule")))


def _maximum_masks(A_prev: np.ndarray, size: int, stride: int) -> np.ndarray:
    """(m, C, Ho, Wo, size, size): for every window, True at each of its largest elements
    (several where the maximum ties: equal as max pooling compares them, exactly)."""
    windows = np.lib.stride_tricks.sliding_window_view(A_prev, (size, size), axis=(2, 3))[:, :, ::stride, ::stride]
    return windows == windows.max(axis=(-2, -1), keepdims=True)


def _first_of(maxima: np.ndarray) -> np.ndarray:
    """Each window's first largest element in row-major order (where max pooling routes the
    window's gradient), from ``_maximum_masks``."""
    return maxima & (_maxima_so_far(maxima) == 1)


def _last_of(maxima: np.ndarray) -> np.ndarray:
    """Each window's last largest element in row-major order, from ``_maximum_masks``."""
    return maxima & (_maxima_so_far(maxima) == maxima.sum(axis=(-2, -1), keepdims=True))


def _maxima_so_far(maxima: np.ndarray) -> np.ndarray:
    """At each element of each window, how many of the window's largest elements come up to it
    in row-major order (itself included)."""
    return np.cumsum(maxima.reshape(maxima.shape[:4] + (-1,)), axis=-1).reshape(maxima.shape)


def _added(shape: tuple[int, ...], blocks: np.ndarray, stride: int) -> np.ndarray:
    """Each window's block (m, C, Ho, Wo, size, size) added into a zero array of ``shape``, where
    windows overlap too, as the backward pass of a pool does."""
    out = np.zeros(shape)
    size = blocks.shape[-1]
    for y in range(blocks.shape[2]):
        for x in range(blocks.shape[3]):
            out[:, :, y * stride:y * stride + size, x * stride:x * stride + size] += blocks[:, :, y, x]
    return out


def _written_over(shape: tuple[int, ...], blocks: np.ndarray, stride: int, only: np.ndarray | None = None) -> np.ndarray:
    """Each window's block (m, C, Ho, Wo, size, size) written into a zero array of ``shape``,
    window after window in row-major order, each write replacing what an earlier overlapping
    window put there instead of adding to it (only where ``only`` is True, when given): the loop
    of a learner who wrote = for +=."""
    out = np.zeros(shape)
    size = blocks.shape[-1]
    for y in range(blocks.shape[2]):
        for x in range(blocks.shape[3]):
            window = out[:, :, y * stride:y * stride + size, x * stride:x * stride + size]
            if only is None:
                window[...] = blocks[:, :, y, x]
            else:
                mask = only[:, :, y, x]
                window[mask] = blocks[:, :, y, x][mask]
    return out


MAXPOOL = MaxPoolGrading()
AVGPOOL = AvgPoolGrading()


def _corner(layer: Layer) -> str:
    """Where output (y, x)'s window starts in the input, this layer's stride written out, as the
    conv hints write it: (y, x) at stride 1, (2·y, 2·x) at 2."""
    s = layer.stride
    return "(y, x)" if s == 1 else f"({s}·y, {s}·x)"
